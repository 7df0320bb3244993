# Warnings every target of ours compiles with.
add_library(smtpauth_warnings INTERFACE)
target_compile_options(smtpauth_warnings INTERFACE -Wall -Wextra -Wpedantic -Wconversion
                       -Wsign-conversion -Wshadow)
if(SMTPAUTH_WERROR)
  target_compile_options(smtpauth_warnings INTERFACE -Werror)
endif()
