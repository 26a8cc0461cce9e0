#include "solver/communicator.hpp"

#include <cstring>
#include <stdexcept>

namespace lithosim {

void SerialCommunicator::exchange(const std::vector<Transfer>& transfers) {
    // One rank has no neighbours: a transfer to itself would be a bug in the caller.
    if (!transfers.empty()) throw std::logic_error("SerialCommunicator::exchange: a single rank has no peers");
}

std::vector<char> SerialCommunicator::gather(const void* data, std::size_t bytes) {
    std::vector<char> out(bytes);
    if (bytes) std::memcpy(out.data(), data, bytes);
    return out;
}

SlabRange slab_of_rank(int nz, int ranks, int r) {
    const int base = nz / ranks, extra = nz % ranks;
    SlabRange s;
    s.begin = r * base + (r < extra ? r : extra);
    s.end = s.begin + base + (r < extra ? 1 : 0);
    return s;
}

}  // namespace lithosim
