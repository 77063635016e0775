# Install rules, the exported CMake package `sessionkit::`, pkg-config, and the Debian
# packages (CPack DEB). Included at the end of the top-level CMakeLists.txt.
#
# Install components (each becomes one .deb):
#   library  the shared libraries libsessionkit_*.so.<SOVERSION>   -> libsessionkit0
#   dev      public headers (include/sessionkit only), the .so links, the CMake package
#            (sessionkitConfig.cmake + version file + exported targets), sessionkit.pc
#                                                                   -> libsessionkit-dev
#   server   sessionkit-server (and sessionkit-ctl when that target exists), the systemd
#            unit, a default configuration                         -> sessionkit-server
#
# The library components are installed and exported only when SESSIONKIT_SHARED is on:
# the static development build links each component's internal-header targets, which are
# not part of a public API. scripts/package.sh configures a build tree that way.

set(SESSIONKIT_LIBRARY_COMPONENTS sessionkit_util sessionkit_crypto sessionkit_core
  sessionkit_sqlite sessionkit_redis sessionkit_mysql sessionkit_account)
set(SESSIONKIT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/sessionkit)
set(SESSIONKIT_UNIT_DIR lib/systemd/system CACHE STRING "where the systemd unit is installed")

# Everything an install needs, for `cmake --build DIR --target sessionkit_installables`
# (the packaging build does not build the tests).
add_custom_target(sessionkit_installables)
add_dependencies(sessionkit_installables sessionkit-server)

if(SESSIONKIT_SHARED)
  foreach(component IN LISTS SESSIONKIT_LIBRARY_COMPONENTS)
    string(REGEX REPLACE "^sessionkit_" "" short ${component})
    set_target_properties(${component} PROPERTIES
      EXPORT_NAME ${short}
      VERSION ${PROJECT_VERSION}
      SOVERSION ${PROJECT_VERSION_MAJOR})
    add_dependencies(sessionkit_installables ${component})
  endforeach()
  install(TARGETS ${SESSIONKIT_LIBRARY_COMPONENTS} sessionkit EXPORT sessionkitTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT library NAMELINK_COMPONENT dev
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/sessionkit
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev FILES_MATCHING PATTERN "*.h")
  install(EXPORT sessionkitTargets NAMESPACE sessionkit:: DESTINATION ${SESSIONKIT_CMAKE_DIR}
    COMPONENT dev)

  include(CMakePackageConfigHelpers)
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sessionkitConfig.cmake.in
    ${PROJECT_BINARY_DIR}/sessionkitConfig.cmake INSTALL_DESTINATION ${SESSIONKIT_CMAKE_DIR})
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/sessionkitConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/sessionkitConfig.cmake
    ${PROJECT_BINARY_DIR}/sessionkitConfigVersion.cmake
    DESTINATION ${SESSIONKIT_CMAKE_DIR} COMPONENT dev)

  # pkg-config: relocatable (the prefix is found from the .pc file's own directory).
  # Only shared libraries are installed, and each carries its private dependencies
  # (OpenSSL, SQLite, hiredis, libsodium, libcrypt, MariaDB Connector/C, simdjson) as
  # DT_NEEDED, so Requires.private stays empty: listing them would make `pkg-config
  # --cflags sessionkit` demand their -dev packages for nothing. Threads is public
  # (the headers use std::thread-based types), hence -pthread in Cflags and Libs.
  set(pc_dir ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  file(RELATIVE_PATH pc_to_prefix /root/${pc_dir} /root)
  string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
  set(SESSIONKIT_PC_PREFIX "\${pcfiledir}/${pc_to_prefix}")
  set(SESSIONKIT_PC_LIBS "")
  # Link order: dependents before their dependencies.
  foreach(lib account mysql redis sqlite core crypto util)
    string(APPEND SESSIONKIT_PC_LIBS " -lsessionkit_${lib}")
  endforeach()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/sessionkit.pc.in ${PROJECT_BINARY_DIR}/sessionkit.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/sessionkit.pc DESTINATION ${pc_dir} COMPONENT dev)
endif()

# --- the server -------------------------------------------------------------------------
install(TARGETS sessionkit-server RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
if(TARGET sessionkit-ctl)
  install(TARGETS sessionkit-ctl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT server)
  add_dependencies(sessionkit_installables sessionkit-ctl)
endif()
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sessionkit.service
  DESTINATION ${SESSIONKIT_UNIT_DIR} COMPONENT server)
# The default configuration: non-secret settings only; the secret is a credential file
# (packaging/sessionkit.service, LoadCredential), made by the postinst script.
install(FILES ${PROJECT_SOURCE_DIR}/packaging/sessionkit.env
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/sessionkit COMPONENT server)

include(cmake/DebianPackages.cmake)
