# `cmake --install BUILD --prefix PREFIX` and `cpack` (a Debian package), issue 15 §5.
#
#   PREFIX/bin/lithosim                           the command line
#   PREFIX/lib/liblithosim_<layer>.a              the library layers (static), in dependency order below
#   PREFIX/include/lithosim/<layer>/*.hpp         their headers; add PREFIX/include/lithosim to the include path
#                                                 (headers include each other as "solver/grid.hpp", ...)
#   PREFIX/lib/python3/dist-packages/lithosim/    the Python package (python/CMakeLists.txt installs it)
#   PREFIX/share/doc/lithosim/                    README.md, CHANGELOG.md and the layer documents (*.md)
#   PREFIX/share/lithosim/examples/               the example cases, sweep and follow-up files and scripts
include(GNUInstallDirs)

# Lowest layer first: link them in the reverse of this order.
set(LITHOSIM_LAYERS core solver models planning io viz cases dosimetry patient report planner sweeps validation)
foreach(layer ${LITHOSIM_LAYERS})
  install(TARGETS lithosim_${layer} ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lithosim/${layer}
          COMPONENT development FILES_MATCHING PATTERN "*.hpp")
  file(GLOB layer_docs ${PROJECT_SOURCE_DIR}/${layer}/*.md)
  if(layer_docs)
    install(FILES ${layer_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR}/${layer} COMPONENT runtime)
  endif()
endforeach()
install(FILES ${CMAKE_BINARY_DIR}/generated/lithosim/build_info.hpp ${LITHOSIM_GIT_COMMIT_HEADER}
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lithosim/lithosim COMPONENT development)
install(TARGETS lithosim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/lithosim/examples
        COMPONENT runtime)

# cpack: one Debian package with everything (the static libraries are small next to VTK's); its dependencies are
# computed from the executable's shared libraries by dpkg-shlibdeps, plus the programs lithosim starts itself.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lithosim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "lithosim developers <lithosim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Shock wave lithotripsy and ESWT simulator: FDTD acoustics, IEC 61846 dosimetry, treatment planning")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "xvfb, xauth")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "openmpi-bin, chromium, python3-numpy")
include(CPack)
