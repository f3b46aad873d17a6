// Fixed-size tables read at random on the hot path (per-account records and lists sized for 1M
// accounts, tens of MB each), mapped with 2 MiB pages where the kernel allows it (transparent huge
// pages in `madvise` mode, Debian's default). One TLB entry then covers 512 times the memory, so a
// random read at 1M accounts costs its cache miss without a page walk on top. The kernel may
// refuse the hint (THP off, memory fragmented): the table then works the same on 4 KiB pages.
// Cold: mapping at construction only; the pages come zero-filled and are touched there.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace backstop {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

namespace huge_detail {

inline std::size_t round_up(std::size_t n, std::size_t to) noexcept {
  return (n + to - 1) / to * to;
}

// Unmaps (or frees) a table made by make_huge_array; `bytes` is the mapped length.
struct Release {
  std::size_t bytes = 0;
  void operator()(void* p) const noexcept {
#if defined(__linux__)
    if (p != nullptr) munmap(p, bytes);
#else
    ::operator delete (p, std::align_val_t{kHugePageBytes});
#endif
  }
};

// `bytes` of zeroed memory, 2 MiB aligned and advised for huge pages when at least one huge page
// long. Throws std::bad_alloc like make_unique (cold: construction only).
inline void* map(std::size_t bytes, std::size_t& mapped) {
#if defined(__linux__)
  const bool huge = bytes >= kHugePageBytes;
  mapped = round_up(bytes == 0 ? 1 : bytes, huge ? kHugePageBytes : 4096);
  // Over-map by one huge page, then trim head and tail so the table starts on a 2 MiB boundary
  // (the kernel backs only aligned 2 MiB ranges with huge pages).
  const std::size_t slack = huge ? kHugePageBytes : 0;
  void* raw =
      mmap(nullptr, mapped + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = huge ? round_up(start, kHugePageBytes) : start;
  if (aligned > start) munmap(raw, aligned - start);
  if (start + slack > aligned) {
    munmap(reinterpret_cast<void*>(aligned + mapped), start + slack - aligned);
  }
  if (huge) madvise(reinterpret_cast<void*>(aligned), mapped, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
#else
  mapped = bytes;
  void* p = ::operator new (bytes, std::align_val_t{kHugePageBytes});
  std::memset(p, 0, bytes);
  return p;
#endif
}

}  // namespace huge_detail

template <class T>
struct HugeArrayDeleter {
  huge_detail::Release release;
  void operator()(T* p) const noexcept { release(p); }
};

// A table of n value-initialized T (trivially destructible: nothing runs at release).
template <class T>
using HugeArray = std::unique_ptr<T[], HugeArrayDeleter<T>>;

template <class T>
HugeArray<T> make_huge_array(std::size_t n) {
  static_assert(std::is_trivially_destructible_v<T>);
  std::size_t mapped = 0;
  void* raw = huge_detail::map(n * sizeof(T), mapped);
  T* p = static_cast<T*>(raw);
  std::uninitialized_value_construct_n(p, n);
  return HugeArray<T>(p, HugeArrayDeleter<T>{huge_detail::Release{mapped}});
}

// Cold: reads one byte of every 4 KiB page of [p, p + bytes) and returns their sum (keep it, so
// the reads stay). What it is for: after a long cold job (an ADL ranking rebuild streams hundreds
// of MB) the page-table entries of the hot tables are out of the caches too, and on a virtual
// machine a TLB miss whose walk misses is several memory accesses (the host's tables under the
// guest's, and a host backing memory with 4 KiB pages makes the guest's 2 MiB pages no help).
// Touching each page once reloads the walk's entries for a few ms of work per GB.
inline std::uint64_t touch_pages(const void* p, std::size_t bytes) noexcept {
  const auto* b = static_cast<const volatile unsigned char*>(p);
  std::uint64_t sum = 0;
  for (std::size_t o = 0; o < bytes; o += 4096)
    sum += b[o];
  return sum;
}

// Cold: reads one byte of every cache line of this executable's machine code and returns their
// sum. Why: the engine is header-only, so its hot path is compiled into the embedding executable,
// and a long cold job (an ADL ranking rebuild) evicts it from every cache level; the next
// liquidation then pays instruction misses and iTLB walks on top of its data misses. One read per
// 64-byte line of text: well under a millisecond for a few MB. Where the linker's bounds are
// unknown it does nothing.
#if defined(__linux__) && defined(__GNUC__)
extern "C" char __executable_start[];  // NOLINT: linker-defined bounds of the text
extern "C" char etext[];               // NOLINT
inline std::uint64_t touch_code() noexcept {
  std::uint64_t sum = 0;
  for (const volatile char* p = __executable_start; p < etext; p += 64)
    sum += static_cast<unsigned char>(*p);
  return sum;
}
#else
inline std::uint64_t touch_code() noexcept {
  return 0;
}
#endif

}  // namespace backstop
