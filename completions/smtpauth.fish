# fish completion for smtpauth(1): commands, options, mechanisms, option values, URL schemes.
# Commands and options are read from the program's own --help, so they never go stale.

function __smtpauth_commands
    smtpauth --help 2>/dev/null | awk '/^Subcommands:/ { inside = 1; next }
        inside && /^  [a-z]/ { name = $1; $1 = ""; sub(/^ +/, ""); print name "\t" $0 }'
end

function __smtpauth_command
    set -l words (commandline -opc)
    for w in $words[2..-1]
        if not string match -q -- '-*' $w
            echo $w
            return 0
        end
    end
    return 1
end

function __smtpauth_options
    set -l cmd (__smtpauth_command); or return
    smtpauth $cmd --help 2>/dev/null | awk '/^  -/ {
        n = split($1, names, ","); for (i = 1; i <= n; i++) print names[i] }'
end

function __smtpauth_mechanisms
    smtpauth gen --help 2>/dev/null | sed -n 's/^.*Mechanisms: \(.*\) (names are.*$/\1/p' |
        string split ', '
    if test "$argv[1]" = probe
        printf '%s\n' SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS all
    end
end

function __smtpauth_prev_is
    set -l words (commandline -opc)
    contains -- $words[-1] $argv
end

function __smtpauth_positional_count
    set -l words (commandline -opc)
    set -l count 0
    for w in $words[3..-1]
        string match -q -- '-*' $w; or set count (math $count + 1)
    end
    echo $count
end

complete -c smtpauth -f
complete -c smtpauth -n 'not __smtpauth_command' -a '(__smtpauth_commands)'
complete -c smtpauth -n 'not __smtpauth_command' -s h -l help -d 'show help'
complete -c smtpauth -n 'not __smtpauth_command' -s V -l version -d 'show the version'
complete -c smtpauth -n '__smtpauth_command; and string match -q -- "-*" (commandline -ct)' \
    -a '(__smtpauth_options)'
complete -c smtpauth -n '__smtpauth_prev_is --mech' -a '(__smtpauth_mechanisms (__smtpauth_command))'
complete -c smtpauth -n '__smtpauth_prev_is --protocol --line' -a 'smtp imap pop3'
complete -c smtpauth -n '__smtpauth_prev_is --tls' -a 'implicit starttls none'
complete -c smtpauth -n '__smtpauth_prev_is --tls-min' -a '1.0 1.1 1.2 1.3'
complete -c smtpauth -n '__smtpauth_prev_is --cafile --cacert --cert --key --netrc-file --password-file --token-file --check-password-file' -F
complete -c smtpauth -n '__smtpauth_prev_is --password-env --token-env --check-password-env' -a '(set -nx)'
complete -c smtpauth -n 'test "$(__smtpauth_command)" = gen; and test (__smtpauth_positional_count) -eq 0; and not string match -q -- "-*" (commandline -ct)' \
    -a '(__smtpauth_mechanisms gen)'
complete -c smtpauth -n 'contains -- "$(__smtpauth_command)" probe send session; and not string match -q -- "-*" (commandline -ct); and not __smtpauth_prev_is --mech --protocol --tls --tls-min' \
    -a 'smtp:// smtps:// imap:// imaps:// pop3:// pop3s://'
