# Installation: the program, its man page and shell completions (component "cli"), the
# library with its headers, CMake package and pkg-config file (component "dev"), and the
# gen-auth link for plain `cmake --install` (component "genauth"; the .deb uses
# update-alternatives instead, so that it never clashes with sasl2-bin's /usr/bin/gen-auth).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS smtpauth RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
install(FILES man/smtpauth.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT cli)
# The destination is computed at install time so that --prefix and DESTDIR are honoured.
install(CODE "execute_process(COMMAND \${CMAKE_COMMAND} -E create_symlink smtpauth
  \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/gen-auth\")"
  COMPONENT genauth)

# Shell completions where each shell looks by default. bash-completion names its directory
# in its pkg-config file; used when it lies under our prefix. zsh: Debian's fpath has
# vendor-completions under /usr and site-functions under /usr/local (decided at install time,
# so that `cmake --install --prefix` and the .deb, staged under .../usr, both land in the
# shell's path; file(INSTALL) adds DESTDIR itself).
set(_bash_dir ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
set(_fish_dir ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
find_package(PkgConfig QUIET)
if(PKG_CONFIG_FOUND)
  pkg_get_variable(_bash_pc bash-completion completionsdir)
  pkg_get_variable(_fish_pc fish completionsdir)
  foreach(shell bash fish)
    if(_${shell}_pc)
      cmake_path(IS_PREFIX CMAKE_INSTALL_PREFIX "${_${shell}_pc}" NORMALIZE _under)
      if(_under)
        file(RELATIVE_PATH _${shell}_dir "${CMAKE_INSTALL_PREFIX}" "${_${shell}_pc}")
      endif()
    endif()
  endforeach()
endif()
set(SMTPAUTH_BASH_COMPLETION_DIR "${_bash_dir}" CACHE STRING "bash completion directory")
set(SMTPAUTH_FISH_COMPLETION_DIR "${_fish_dir}" CACHE STRING "fish completion directory")
install(FILES completions/smtpauth.bash DESTINATION ${SMTPAUTH_BASH_COMPLETION_DIR}
        RENAME smtpauth COMPONENT cli)
install(FILES completions/smtpauth.fish DESTINATION ${SMTPAUTH_FISH_COMPLETION_DIR}
        COMPONENT cli)
install(CODE "
  if(\"\${CMAKE_INSTALL_PREFIX}\" MATCHES \"(^|/)usr/?$\")
    set(_zsh_dir \"${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions\")
  else()
    set(_zsh_dir \"${CMAKE_INSTALL_DATADIR}/zsh/site-functions\")
  endif()
  file(INSTALL \"${PROJECT_SOURCE_DIR}/completions/_smtpauth\"
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/\${_zsh_dir}\")"
  COMPONENT cli)

# The library: smtpauth::smtpauth for find_package(smtpauth), and smtpauth.pc.
set_target_properties(smtpauth_lib PROPERTIES EXPORT_NAME smtpauth)
# A sanitizer build's library calls the sanitizer runtimes: whatever links the installed
# library must link them too (the build tree gets them from add_link_options).
set(SMTPAUTH_PC_EXTRA_LIBS "")
if(SMTPAUTH_SANITIZE)
  target_link_options(smtpauth_lib INTERFACE $<INSTALL_INTERFACE:-fsanitize=address,undefined>)
  set(SMTPAUTH_PC_EXTRA_LIBS " -fsanitize=address,undefined")
endif()
install(TARGETS smtpauth_lib EXPORT smtpauthTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(DIRECTORY include/smtpauth DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/smtpauth)
install(EXPORT smtpauthTargets NAMESPACE smtpauth:: DESTINATION ${_cmake_dir} COMPONENT dev)
configure_package_config_file(cmake/smtpauthConfig.cmake.in
  ${PROJECT_BINARY_DIR}/smtpauthConfig.cmake INSTALL_DESTINATION ${_cmake_dir})
# 0.x: a minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/smtpauthConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/smtpauthConfig.cmake
              ${PROJECT_BINARY_DIR}/smtpauthConfigVersion.cmake
        DESTINATION ${_cmake_dir} COMPONENT dev)
# The prefix is found from the .pc file's own place, so `cmake --install --prefix` works.
file(RELATIVE_PATH SMTPAUTH_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" SMTPAUTH_PC_TO_PREFIX "${SMTPAUTH_PC_TO_PREFIX}")
configure_file(cmake/smtpauth.pc.in ${PROJECT_BINARY_DIR}/smtpauth.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/smtpauth.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
