# `cpack -G DEB`: smtpauth (program, man page, completions; dependencies from the shared
# libraries it links, via dpkg-shlibdeps) and libsmtpauth-dev (static library, headers, CMake
# package, pkg-config file). gen-auth is offered through update-alternatives (postinst/prerm).
set(CPACK_PACKAGE_NAME smtpauth)
set(CPACK_PACKAGE_VENDOR smtpauth)
set(CPACK_PACKAGE_CONTACT "smtpauth maintainers <smtpauth@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "SASL authentication toolkit for SMTP, IMAP and POP3 servers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cli dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME smtpauth)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_CLI_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_CLI_PACKAGE_SUGGESTS "bash-completion")
set(CPACK_DEBIAN_CLI_DESCRIPTION
    "SASL authentication toolkit for SMTP, IMAP and POP3 servers\n"
    "Generates AUTH tokens, explains tokens and transcripts, and probes mail servers (TLS,\n"
    "certificate, capabilities and a real AUTH exchange). Also answers to the name gen-auth.")
set(CPACK_DEBIAN_CLI_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/packaging/deb/postinst;${PROJECT_SOURCE_DIR}/packaging/deb/prerm")
set(CPACK_DEBIAN_CLI_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsmtpauth-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libssl-dev, libidn-dev, libfmt-dev, nlohmann-json3-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION
    "smtpauth library: SASL client mechanisms, token decoder and mail AUTH prober\n"
    "Static library, headers, CMake package (find_package(smtpauth)) and pkg-config file.")
include(CPack)
