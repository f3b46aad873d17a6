// The replay's only source of randomness: xoshiro256** seeded through SplitMix64 (Blackman and
// Vigna's reference algorithms), with the few distributions the population and the scenario need
// written out here so that a seed gives the same numbers on every platform and standard library
// (std::*_distribution is implementation-defined). Never seeded from time or std::random_device.
// Plain value owned by one thread; each draw is a few ns.
#pragma once

#include <cmath>
#include <cstdint>

namespace backstop::replay {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept {
    std::uint64_t x = seed;
    for (auto& word : state_)
      word = splitmix64(x);
  }

  std::uint64_t next() noexcept {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n) (Lemire's multiply-shift; the bias is below 2^-40 for the n we use).
  std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

  // Standard normal by Box-Muller; one value per call (the sine twin is dropped so that the
  // sequence does not depend on call parity).
  double normal() noexcept {
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  // Exponential with the given mean.
  double exponential(double mean) noexcept { return -mean * std::log(1.0 - uniform()); }

  // A child generator for an independent stream (population, scenario, fills), so that adding a
  // draw to one stream does not shift the others.
  Rng fork(std::uint64_t stream) noexcept { return Rng(next() ^ (stream * 0x9E3779B97F4A7C15ULL)); }

 private:
  static std::uint64_t splitmix64(std::uint64_t& x) noexcept {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  static std::uint64_t rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

  std::uint64_t state_[4];
};

}  // namespace backstop::replay
