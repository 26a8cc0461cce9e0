// What a distributed run needs from its ranks, without MPI in sight: the solver talks to this interface, and
// solver/mpi_communicator.cpp implements it on MPI (so no solver header includes <mpi.h>). A run without a launcher
// uses SerialCommunicator (one rank), for which every call is a copy or nothing.
//
// The 3D grid is cut into slabs along z (the slowest axis, so a slab and each of its halo planes are contiguous in
// memory and go to MPI without packing). See solver/DISTRIBUTED.md.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lithosim {

/// One point-to-point message of a halo exchange: `bytes` sent from `data` to `peer` (send = true) or received from
/// `peer` into `data`. `tag` tells apart the messages two ranks exchange in one call.
struct Transfer {
    int peer = 0;
    int tag = 0;
    bool send = true;
    void* data = nullptr;
    std::size_t bytes = 0;
};

class Communicator {
public:
    virtual ~Communicator() = default;
    virtual int rank() const = 0;
    virtual int size() const = 0;
    /// Posts every transfer, then waits for all of them (non-blocking sends and receives underneath).
    virtual void exchange(const std::vector<Transfer>& transfers) = 0;
    /// Element-wise maximum over the ranks, in place, on every rank.
    virtual void allreduce_max(double* values, int count) = 0;
    /// Rank 0 receives every rank's bytes, concatenated in rank order (the other ranks get an empty vector).
    virtual std::vector<char> gather(const void* data, std::size_t bytes) = 0;
    /// `text` of rank `root` on every rank.
    virtual std::string broadcast(const std::string& text, int root) = 0;
};

/// One rank: a run without an MPI launcher.
class SerialCommunicator final : public Communicator {
public:
    int rank() const override { return 0; }
    int size() const override { return 1; }
    void exchange(const std::vector<Transfer>& transfers) override;
    void allreduce_max(double*, int) override {}
    std::vector<char> gather(const void* data, std::size_t bytes) override;
    std::string broadcast(const std::string& text, int) override { return text; }
};

/// The z planes [begin, end) (internal index, PML included) that rank r of `ranks` owns when `nz` planes are cut
/// into slabs: as equal as possible, the first nz % ranks ranks one plane more.
struct SlabRange {
    int begin = 0, end = 0;
    int planes() const { return end - begin; }
};
SlabRange slab_of_rank(int nz, int ranks, int r);

/// Fewest planes a slab may own: the widest halo (3, the 6th-order selective filter) comes from one neighbour.
inline constexpr int kMinSlabPlanes = 3;

}  // namespace lithosim
