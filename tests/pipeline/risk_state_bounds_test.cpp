// A snapshot's state is untrusted input: values beyond the bounds a live engine keeps (a position
// larger than the instrument allows, a mark outside its band, funding indices past ±2^62) are
// refused on load with a reason, before the margin arithmetic multiplies them.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "backstop/instrument_presets.hpp"
#include "backstop/risk_engine.hpp"
#include "pipeline/risk_state_io.hpp"

namespace backstop {
namespace {

// The configuration of the snapshot fuzz target (tests/fuzz/snapshot_fuzz.cpp).
RiskConfig fuzz_config() {
  RiskConfig r;
  r.max_accounts = 8;
  r.positions_per_account = 2;
  r.asset_count = 2;
  r.instruments = {presets::btcusdt_linear(0), presets::btcusd_inverse(1)};
  return r;
}

std::vector<std::byte> saved_state() {
  RiskEngine e(fuzz_config());
  for (std::uint64_t id = 1; id <= 2; ++id) {
    EXPECT_EQ(e.process(make_open_account(id, 0)).code, RejectCode::kOk);
    EXPECT_EQ(e.process(make_deposit(id, Money{10'000'000'000})).code, RejectCode::kOk);
  }
  EXPECT_EQ(e.process(make_fill(0, Side::kBuy, 1, 2, Price{600'000}, Qty{50})).code,
            RejectCode::kOk);
  std::vector<std::byte> bytes;
  RiskStateIo::save(e, bytes);
  return bytes;
}

// Overwrites every occurrence of the 8 bytes of `from` in `bytes` with `to`; how many it found.
int replace_int64(std::vector<std::byte>& bytes, std::int64_t from, std::int64_t to) {
  int found = 0;
  for (std::size_t i = 0; i + 8 <= bytes.size(); ++i) {
    if (std::memcmp(bytes.data() + i, &from, 8) == 0) {
      std::memcpy(bytes.data() + i, &to, 8);
      ++found;
    }
  }
  return found;
}

TEST(RiskStateBounds, APositionBeyondTheInstrumentsLimitIsRefused) {
  std::vector<std::byte> bytes = saved_state();
  // The long position of 50 lots (and the short of -50) become 2^61 lots.
  ASSERT_GE(replace_int64(bytes, 50, std::int64_t{1} << 61), 1);
  RiskEngine restored(fuzz_config());
  std::string error;
  EXPECT_FALSE(RiskStateIo::load(restored, bytes, error));
  EXPECT_NE(error.find("inconsistent"), std::string::npos) << error;
}

TEST(RiskStateBounds, AMarkOutsideTheBandIsRefused) {
  std::vector<std::byte> bytes = saved_state();
  const std::int64_t mark = fuzz_config().instruments[0].initial_mark.raw();
  ASSERT_GE(replace_int64(bytes, mark, std::int64_t{1} << 62), 1);
  RiskEngine restored(fuzz_config());
  std::string error;
  EXPECT_FALSE(RiskStateIo::load(restored, bytes, error));
  EXPECT_NE(error.find("out of range"), std::string::npos) << error;
}

TEST(RiskStateBounds, TheFuzzersOverflowingPayloadIsRefused) {
  std::ifstream in(std::string(BACKSTOP_SOURCE_DIR) +
                       "/tests/fuzz/corpus/snapshot/regression_margin_overflow_payload",
                   std::ios::binary);
  ASSERT_TRUE(in);
  const std::vector<char> raw((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::byte> bytes(raw.size());
  std::memcpy(bytes.data(), raw.data(), raw.size());
  RiskEngine restored(fuzz_config());
  std::string error;
  EXPECT_FALSE(RiskStateIo::load(restored, bytes, error));
  EXPECT_FALSE(error.empty());
}

TEST(RiskStateBounds, AStateWithinTheBoundsLoads) {
  const std::vector<std::byte> bytes = saved_state();
  RiskEngine restored(fuzz_config());
  std::string error;
  EXPECT_TRUE(RiskStateIo::load(restored, bytes, error)) << error;
}

}  // namespace
}  // namespace backstop
