# ASan + UBSan for the whole build (library, tools and tests), aborting on the first report.
if(SMTPAUTH_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
