// The Communicator of solver/communicator.hpp on MPI (MPI_COMM_WORLD, duplicated so the solver's messages never
// meet anyone else's). <mpi.h> stays in the .cpp. MPI must have been initialised by the caller (app/mpi_env).
#pragma once
#include <memory>

#include "solver/communicator.hpp"

namespace lithosim {

/// A communicator over every rank of MPI_COMM_WORLD. Requires MPI_Init to have been called.
std::unique_ptr<Communicator> make_mpi_communicator();

}  // namespace lithosim
