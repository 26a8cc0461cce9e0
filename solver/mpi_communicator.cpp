#include "solver/mpi_communicator.hpp"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>

namespace lithosim {

namespace {

/// MPI counts are int: large buffers go in pieces of at most 1 GiB.
constexpr std::size_t kChunkBytes = std::size_t{1} << 30;

void check(int rc, const char* what) {
    if (rc != MPI_SUCCESS) {
        char text[MPI_MAX_ERROR_STRING];
        int len = 0;
        MPI_Error_string(rc, text, &len);
        throw std::runtime_error(std::string("MPI: ") + what + " failed: " + std::string(text, std::size_t(len)));
    }
}

class MpiCommunicator final : public Communicator {
public:
    MpiCommunicator() {
        int initialised = 0;
        MPI_Initialized(&initialised);
        if (!initialised) throw std::logic_error("make_mpi_communicator: MPI is not initialised");
        check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
        MPI_Comm_rank(comm_, &rank_);
        MPI_Comm_size(comm_, &size_);
    }
    ~MpiCommunicator() override {
        int finalized = 0;
        MPI_Finalized(&finalized);
        if (!finalized) MPI_Comm_free(&comm_);
    }
    int rank() const override { return rank_; }
    int size() const override { return size_; }

    void exchange(const std::vector<Transfer>& transfers) override {
        requests_.clear();
        for (const auto& t : transfers) {
            if (t.bytes == 0) continue;  // both sides know the size: an empty message is skipped on both
            char* p = static_cast<char*>(t.data);
            // Each piece of a large message gets its own tag.
            std::size_t piece = 0;
            for (std::size_t off = 0; off < t.bytes; off += kChunkBytes, ++piece) {
                const int n = int(std::min(kChunkBytes, t.bytes - off));
                const int tag = t.tag * 64 + int(piece % 64);
                MPI_Request r;
                if (t.send) check(MPI_Isend(p + off, n, MPI_BYTE, t.peer, tag, comm_, &r), "MPI_Isend");
                else check(MPI_Irecv(p + off, n, MPI_BYTE, t.peer, tag, comm_, &r), "MPI_Irecv");
                requests_.push_back(r);
            }
        }
        if (!requests_.empty())
            check(MPI_Waitall(int(requests_.size()), requests_.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    }

    void allreduce_max(double* values, int count) override {
        check(MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce");
    }

    std::vector<char> gather(const void* data, std::size_t bytes) override {
        // Sizes first, then each rank's bytes to rank 0 point to point (in pieces: counts are int).
        unsigned long long mine = bytes;
        std::vector<unsigned long long> sizes(std::size_t(size_), 0);
        check(MPI_Gather(&mine, 1, MPI_UNSIGNED_LONG_LONG, sizes.data(), 1, MPI_UNSIGNED_LONG_LONG, 0, comm_),
              "MPI_Gather");
        constexpr int kTag = 7001;
        if (rank_ != 0) {
            const char* p = static_cast<const char*>(data);
            for (std::size_t off = 0; off < bytes; off += kChunkBytes)
                check(MPI_Send(p + off, int(std::min(kChunkBytes, bytes - off)), MPI_BYTE, 0, kTag, comm_), "MPI_Send");
            return {};
        }
        std::size_t total = 0;
        for (auto s : sizes) total += std::size_t(s);
        std::vector<char> out(total);
        if (bytes) std::memcpy(out.data(), data, bytes);
        std::size_t at = bytes;
        for (int r = 1; r < size_; ++r) {
            const std::size_t n = std::size_t(sizes[std::size_t(r)]);
            for (std::size_t off = 0; off < n; off += kChunkBytes)
                check(MPI_Recv(out.data() + at + off, int(std::min(kChunkBytes, n - off)), MPI_BYTE, r, kTag, comm_,
                               MPI_STATUS_IGNORE),
                      "MPI_Recv");
            at += n;
        }
        return out;
    }

    std::string broadcast(const std::string& text, int root) override {
        unsigned long long n = text.size();
        check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, comm_), "MPI_Bcast");
        std::string out = rank_ == root ? text : std::string(std::size_t(n), '\0');
        if (n > 0) check(MPI_Bcast(out.data(), int(n), MPI_CHAR, root, comm_), "MPI_Bcast");
        return out;
    }

private:
    MPI_Comm comm_ = MPI_COMM_NULL;
    int rank_ = 0, size_ = 1;
    std::vector<MPI_Request> requests_;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<MpiCommunicator>(); }

}  // namespace lithosim
