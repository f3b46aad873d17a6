#include "pipeline/crc32c.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace backstop::pipeline {
namespace {

TEST(Crc32c, MatchesTheStandardCheckValue) {
  // The CRC-32C check value from the catalogue of parametrised CRCs: crc("123456789").
  const std::string check = "123456789";
  EXPECT_EQ(crc32c(check.data(), check.size()), 0xE3069283u);
  EXPECT_EQ(crc32c_extend_portable(0, check.data(), check.size()), 0xE3069283u);
  EXPECT_EQ(crc32c(nullptr, 0), 0u);
}

TEST(Crc32c, HardwareAndPortableAgreeAndExtendComposes) {
  std::mt19937_64 rng(7);
  std::vector<unsigned char> bytes(4099);
  for (auto& b : bytes)
    b = static_cast<unsigned char>(rng());
  for (std::size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 1000u, 4099u}) {
    const std::uint32_t whole = crc32c(bytes.data(), len);
    EXPECT_EQ(whole, crc32c_extend_portable(0, bytes.data(), len)) << len;
    const std::size_t cut = len / 3;
    EXPECT_EQ(crc32c_extend(crc32c(bytes.data(), cut), bytes.data() + cut, len - cut), whole);
  }
}

TEST(Crc32c, DetectsASingleFlippedBit) {
  std::vector<unsigned char> bytes(64, 0x5a);
  const std::uint32_t before = crc32c(bytes.data(), bytes.size());
  bytes[17] ^= 0x04;
  EXPECT_NE(crc32c(bytes.data(), bytes.size()), before);
}

}  // namespace
}  // namespace backstop::pipeline
