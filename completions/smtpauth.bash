# bash completion for smtpauth(1): commands, options, mechanisms, option values, URL schemes.
# Commands and options are read from the program's own --help, so they never go stale.

_smtpauth_help() {  # the --help text of "$@" (the program first)
    "$@" --help 2>/dev/null
}

_smtpauth_commands() {
    _smtpauth_help "$1" | awk '/^Subcommands:/ { inside = 1; next }
                               inside && /^  [a-z]/ { print $1 }'
}

_smtpauth_options() {  # every option name of command $2
    _smtpauth_help "$1" "$2" | awk '/^  -/ { n = split($1, names, ",");
                                              for (i = 1; i <= n; i++) print names[i] }'
}

_smtpauth_value_options() {  # the options of command $2 that take a value (help shows its type)
    _smtpauth_help "$1" "$2" | awk '/^  -/ && $2 ~ /^[A-Z][A-Z0-9_]*$/ {
                                        n = split($1, names, ",");
                                        for (i = 1; i <= n; i++) print names[i] }'
}

_smtpauth_mechanisms() {
    _smtpauth_help "$1" gen | sed -n 's/^.*Mechanisms: \(.*\) (names are.*$/\1/p' | tr -d ','
}

_smtpauth() {
    local cur prev words cword
    _init_completion || return

    local prog=${words[0]} cmd="" i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -*) ;;
            *) cmd=${words[i]}; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$(_smtpauth_commands "$prog") -h --help -V --version" -- "$cur"))
        return
    fi

    case $prev in
        --mech)
            local mechs
            mechs=$(_smtpauth_mechanisms "$prog")
            [[ $cmd == probe ]] && mechs+=" SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS all"
            COMPREPLY=($(compgen -W "$mechs" -- "$cur"))
            return ;;
        --protocol | --line) COMPREPLY=($(compgen -W "smtp imap pop3" -- "$cur")); return ;;
        --tls) COMPREPLY=($(compgen -W "implicit starttls none" -- "$cur")); return ;;
        --tls-min) COMPREPLY=($(compgen -W "1.0 1.1 1.2 1.3" -- "$cur")); return ;;
        --cafile | --cacert | --cert | --key | --netrc-file | --*-file) _filedir; return ;;
        --*-env) COMPREPLY=($(compgen -v -- "$cur")); return ;;
        --*-cmd) COMPREPLY=($(compgen -c -- "$cur")); return ;;
    esac
    local value_options
    value_options=" $(_smtpauth_value_options "$prog" "$cmd" | tr '\n' ' ') "
    [[ $value_options == *" $prev "* ]] && return  # a value nobody can guess (user, seconds...)

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_smtpauth_options "$prog" "$cmd")" -- "$cur"))
        return
    fi

    # Which positional argument is being typed (option values skipped).
    local position=0
    for ((i = i + 1; i < cword; i++)); do
        case ${words[i]} in
            --*=*) ;;
            -*) [[ $value_options == *" ${words[i]} "* ]] && ((i++)) ;;
            *) ((position++)) ;;
        esac
    done
    case $cmd in
        gen)
            if ((position == 0)); then
                COMPREPLY=($(compgen -W "$(_smtpauth_mechanisms "$prog")" -- "$cur"))
            fi ;;
        probe | send | session)
            if ((position == 0)); then
                COMPREPLY=($(compgen -W "smtp:// smtps:// imap:// imaps:// pop3:// pop3s://" \
                    -- "$cur"))
                [[ ${#COMPREPLY[@]} -gt 0 ]] && compopt -o nospace 2>/dev/null
                [[ $cur != *://* ]] && _known_hosts_real -a -- "$cur"
            fi ;;
        decode) _filedir ;;
    esac
}
complete -F _smtpauth smtpauth
