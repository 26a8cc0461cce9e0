#include "app/mpi_env.hpp"

#include <mpi.h>

#include <cstdlib>

namespace lithosim::app {

namespace {
MpiWorld g_world;
}

bool launched_by_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(v) != nullptr) return true;
    return false;
}

MpiEnv::MpiEnv(int* argc, char*** argv) {
    if (!launched_by_mpi()) return;
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_world.size);
    g_world.active = true;
}

MpiEnv::~MpiEnv() {
    if (!g_world.active) return;
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
}

const MpiWorld& mpi_world() { return g_world; }

void mpi_abort_if_active(int code) {
    if (!g_world.active || g_world.size == 1) return;
    MPI_Abort(MPI_COMM_WORLD, code);
}

std::string mpi_label() {
    if (!g_world.active) return "";
    return "rank " + std::to_string(g_world.rank) + " of " + std::to_string(g_world.size);
}

}  // namespace lithosim::app
