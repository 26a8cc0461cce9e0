// MPI for lithosim: started only when a launcher started us (mpirun, mpiexec, srun), so a plain
// `lithosim simulate` never pays MPI's start-up or needs a launcher.
//
// One MpiEnv lives in main() for the whole run. Commands ask mpi_world() for rank and size: a run that was not
// launched by MPI sees rank 0 of 1 and never calls MPI.
#pragma once
#include <string>

namespace lithosim::app {

struct MpiWorld {
    int rank = 0;
    int size = 1;
    bool active = false;   ///< MPI_Init was called (launched by an MPI launcher)
    bool root() const { return rank == 0; }
};

/// True when an MPI launcher started this process (OpenMPI's OMPI_COMM_WORLD_SIZE, PMIx's PMIX_RANK, Hydra's
/// PMI_RANK, Slurm's srun with PMI: PMI_SIZE / SLURM_STEP_ID with PMIX set).
bool launched_by_mpi();

/// Initialises MPI (MPI_THREAD_MULTIPLE: a sweep's dispatcher thread on rank 0 talks to MPI while the main thread
/// runs cases; OpenMP threads only compute)
/// when launched_by_mpi(), and finalises it on destruction. Non-copyable; one per process.
class MpiEnv {
public:
    MpiEnv(int* argc, char*** argv);
    ~MpiEnv();
    MpiEnv(const MpiEnv&) = delete;
    MpiEnv& operator=(const MpiEnv&) = delete;
};

/// The world as MpiEnv found it (rank 0 of 1 before MpiEnv or without a launcher).
const MpiWorld& mpi_world();

/// Stops every rank: MPI_Abort with `code` when MPI is active (a rank that fails alone would leave the others
/// waiting in a collective), otherwise nothing. Call after printing the error.
void mpi_abort_if_active(int code);

/// "rank R of N" for log lines under MPI, "" otherwise.
std::string mpi_label();

}  // namespace lithosim::app
