# The installed package: `cmake --install build --prefix P` puts the libraries, their headers and a
# CMake package under P, so that an exchange's own project does find_package(Backstop) and links
# Backstop::pipeline (examples/ is built that way in CI). Headers keep the include paths they have
# in the tree: the core's and the ring buffers' under P/include ("backstop/...", "ringbuffers/..."),
# the other layers' under P/include/backstop ("pipeline/...", "replay/...", ...).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BACKSTOP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/Backstop)

# Installs a layer's library and exports it as Backstop::<name>; in the tree the same name is an
# alias, so that examples/ builds alike in the tree and against an installed package.
function(backstop_install_layer target name)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  install(TARGETS ${target} EXPORT BackstopTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  add_library(Backstop::${name} ALIAS ${target})
endfunction()

backstop_install_layer(backstop_ringbuffers ringbuffers)
backstop_install_layer(backstop_core core)
backstop_install_layer(backstop_pipeline pipeline)
foreach(layer sizing marketdata replay report)
  if(TARGET backstop_${layer})
    backstop_install_layer(backstop_${layer} ${layer})
  endif()
endforeach()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/backstop DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/ringbuffers/include/ringbuffers
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(layer pipeline sizing marketdata replay report)
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/src/${layer})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/${layer}
      DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/backstop FILES_MATCHING PATTERN "*.hpp")
  endif()
endforeach()

install(EXPORT BackstopTargets NAMESPACE Backstop:: DESTINATION ${BACKSTOP_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/BackstopConfig.cmake.in
  ${PROJECT_BINARY_DIR}/BackstopConfig.cmake INSTALL_DESTINATION ${BACKSTOP_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/BackstopConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/BackstopConfig.cmake
  ${PROJECT_BINARY_DIR}/BackstopConfigVersion.cmake ${PROJECT_SOURCE_DIR}/cmake/FindISAL.cmake
  DESTINATION ${BACKSTOP_INSTALL_CMAKEDIR})
