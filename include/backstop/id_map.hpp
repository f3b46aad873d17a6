// Open-addressing map from a venue's 64-bit external ids to pool slots (uint32). The table holds
// only slots (4 bytes each); the key of a slot is read from the pool record itself, which the
// caller is about to touch anyway, so a lookup costs one probe into a small table plus the record's
// cache line. Linear probing over a power-of-two table sized at construction (>= 1.5x the pool,
// load <= 2/3); no erase (accounts are never deleted; a closed account keeps its slot). Owned by
// the risk engine thread. Cost: O(1) expected; never allocates after construction.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>

#include "backstop/account.hpp"
#include "backstop/huge_array.hpp"

namespace backstop {

class IdMap {
 public:
  IdMap() = default;
  // Allocates (cold).
  explicit IdMap(std::uint32_t max_entries)
      : mask_(std::bit_ceil(std::uint64_t{max_entries} + max_entries / 2 + 2) - 1),
        slots_(make_huge_array<std::uint32_t>(mask_ + 1)) {
    for (std::uint64_t i = 0; i <= mask_; ++i)
      slots_[i] = kNoSlot;
  }

  // `key_of(slot)` returns the key stored at a slot of the pool.
  template <class KeyOf>
  std::uint32_t find(std::uint64_t key, const KeyOf& key_of) const noexcept {
    for (std::uint64_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      const std::uint32_t slot = slots_[i];
      if (slot == kNoSlot || key_of(slot) == key) return slot;
    }
  }

  // The slot `key` most likely has (its home bucket's, kNoSlot if empty), without checking the key:
  // for a prefetch hint only.
  std::uint32_t likely(std::uint64_t key) const noexcept { return slots_[hash(key) & mask_]; }

  // Precondition: key absent and fewer than max_entries inserted (the table then has free slots).
  void insert(std::uint64_t key, std::uint32_t slot) noexcept {
    std::uint64_t i = hash(key) & mask_;
    while (slots_[i] != kNoSlot)
      i = (i + 1) & mask_;
    slots_[i] = slot;
  }

  std::size_t memory_bytes() const noexcept { return (mask_ + 1) * sizeof(std::uint32_t); }
  // Cold: see backstop::touch_pages.
  std::uint64_t touch_pages() const noexcept {
    return backstop::touch_pages(slots_.get(), memory_bytes());
  }

 private:
  // Fibonacci hashing: sequential ids spread over the table; the high bits are the well-mixed ones.
  static std::uint64_t hash(std::uint64_t key) noexcept {
    const std::uint64_t h = key * 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 29);
  }

  std::uint64_t mask_ = 0;
  HugeArray<std::uint32_t> slots_;
};

}  // namespace backstop
