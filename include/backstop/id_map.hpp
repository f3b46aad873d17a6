// Open-addressing map from a venue's 64-bit external ids to pool slots (uint32). Linear probing
// over a power-of-two table sized at construction (at least twice the pool, so probes stay short);
// no erase (accounts are never deleted; a closed account keeps its slot). Owned by the risk engine
// thread. Cost: O(1) expected, one or two cache lines per lookup; never allocates after
// construction.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>

#include "backstop/account.hpp"

namespace backstop {

class IdMap {
 public:
  IdMap() = default;
  // Allocates (cold): capacity = the next power of two >= 2 * max_entries.
  explicit IdMap(std::uint32_t max_entries)
      : mask_(std::bit_ceil(std::uint64_t{max_entries} * 2 + 2) - 1),
        entries_(std::make_unique<Entry[]>(mask_ + 1)) {
    for (std::uint64_t i = 0; i <= mask_; ++i)
      entries_[i] = Entry{0, kNoSlot, 0};
  }

  std::uint32_t find(std::uint64_t key) const noexcept {
    for (std::uint64_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      const Entry& e = entries_[i];
      if (e.value == kNoSlot) return kNoSlot;
      if (e.key == key) return e.value;
    }
  }

  // Precondition: key absent and fewer than max_entries inserted (the table then has free slots).
  void insert(std::uint64_t key, std::uint32_t value) noexcept {
    std::uint64_t i = hash(key) & mask_;
    while (entries_[i].value != kNoSlot)
      i = (i + 1) & mask_;
    entries_[i] = Entry{key, value, 0};
  }

  std::size_t memory_bytes() const noexcept { return (mask_ + 1) * sizeof(Entry); }

 private:
  struct Entry {
    std::uint64_t key;
    std::uint32_t value;  // kNoSlot marks an empty entry
    std::uint32_t reserved;
  };
  // Fibonacci hashing: sequential ids spread over the table; the high bits are the well-mixed ones.
  static std::uint64_t hash(std::uint64_t key) noexcept {
    const std::uint64_t h = key * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
  }

  std::uint64_t mask_ = 0;
  std::unique_ptr<Entry[]> entries_;
};

}  // namespace backstop
