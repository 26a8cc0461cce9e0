// `lithosim version`: what was built, from which commit, with which compiler and libraries, and how many OpenMP
// threads a run would use here.
#include <omp.h>

#include <boost/program_options.hpp>

#include <iostream>

#include "app/commands.hpp"
#include "lithosim/build_info.hpp"

namespace po = boost::program_options;

namespace lithosim::app {

int cmd_version(const Args& args) {
    po::options_description o("Options of lithosim version", help_width(), help_width() / 2);
    o.add_options()("help,h", "print this help.");
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(o).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "usage: lithosim version\nPrints the version, git commit, compiler, build type, OpenMP thread "
                     "count and library versions.\n\n"
                  << o;
        return kExitOk;
    }
    std::cout << "lithosim " << build::version << "\n"
              << "git commit        " << build::git_commit << "\n"
              << "compiler          " << build::compiler << " (C++ " << __cplusplus << ")\n"
              << "build type        " << build::build_type << "\n"
              << "OpenMP            " << _OPENMP << ", max threads " << omp_get_max_threads() << " ("
              << omp_get_num_procs() << " processors)\n"
              << "HDF5              " << build::hdf5_version << "\n"
              << "VTK               " << build::vtk_version << "\n"
              << "Eigen             " << build::eigen_version << "\n"
              << "Boost             " << build::boost_version << "\n"
              << "nlohmann-json     " << build::json_version << "\n"
              << "MPI               " << build::mpi_version << "\n";
    return kExitOk;
}

}  // namespace lithosim::app
