# CPack DEB: one package per install component (cmake/Packaging.cmake).
#   sessionkit-server   the server (+ sessionkit-ctl), the systemd unit, /etc/sessionkit
#   libsessionkit0      the shared libraries (only with SESSIONKIT_SHARED)
#   libsessionkit-dev   headers, CMake package, pkg-config file
# Depends on system libraries come from dpkg-shlibdeps; the dependencies between these
# three are declared below. Build with scripts/package.sh (a build tree of its own).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME sessionkit)
set(CPACK_PACKAGE_VENDOR "sessionkit")
set(CPACK_PACKAGE_CONTACT "sessionkit maintainers <sessionkit@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Session management and login service")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
# /etc/sessionkit is an absolute destination: staged through DESTDIR, never the host's /etc.
set(CPACK_SET_DESTDIR ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Binaries and libraries stripped (the build tree keeps the debug information).
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
# The server's .so dependencies on libsessionkit0 are found in the package being built.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME sessionkit-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
set(CPACK_DEBIAN_SERVER_DESCRIPTION "sessionkit login and session service
The HTTP login and session service with its systemd unit (a dynamic user,
ProtectSystem=strict, the JWT secret as a credential) and sessionkit-ctl,
the administration tool.")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
  ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_LIBRARY_PACKAGE_NAME libsessionkit${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIBRARY_DESCRIPTION "sessionkit session management library
Sessions with sliding and absolute expiry, JWT access tokens, refresh-token
rotation, SQLite, Redis and MySQL/MariaDB stores.")
set(CPACK_DEBIAN_LIBRARY_PACKAGE_GENERATE_SHLIBS ON)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsessionkit-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_DESCRIPTION "sessionkit session management library: development files
C++20 headers, the CMake package (find_package(sessionkit)) and sessionkit.pc.")

if(SESSIONKIT_SHARED)
  set(CPACK_COMPONENTS_ALL server library dev)
  # "= version" of the sibling packages: they are built together.
  set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
  set(CPACK_COMPONENT_SERVER_DEPENDS library)
  set(CPACK_COMPONENT_DEV_DEPENDS library)
else()
  set(CPACK_COMPONENTS_ALL server)
endif()

include(CPack)
