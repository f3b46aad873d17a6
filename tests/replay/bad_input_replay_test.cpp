// Bad market data through the whole replay: an impossible or out-of-range record is a malformed
// line (counted, named), and the replay ends exactly as it would have without that line - no crash,
// no wrecked instrument.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "replay/replay.hpp"

namespace backstop::replay {
namespace {

namespace fs = std::filesystem;

class BadInputReplay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           fmt::format("backstop-bad-input-{}-{}", ::getpid(),
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Writes `lines` (one per element) into a file named `name` and replays it.
  std::optional<ReplaySummary> replay(const std::string& name,
                                      const std::vector<std::string>& lines, std::string& error) {
    const fs::path path = dir_ / name;
    {
      std::ofstream out(path);
      for (const std::string& l : lines)
        out << l << '\n';
    }
    ReplayOptions o;
    o.accounts = 500;
    o.files = {path.string()};
    return run_replay(o, error);
  }

  fs::path dir_;
};

// A Binance USD-M price-kline file (linear, BTCUSDT) of `n` 5-minute candles drifting around
// 60,000, with a header.
std::vector<std::string> priceklines(int n) {
  std::vector<std::string> lines{
      "open_time,open,high,low,close,volume,close_time,quote_volume,count"};
  for (int i = 0; i < n; ++i) {
    const std::int64_t t = 1'760'054'400'000 + std::int64_t{i} * 300'000;
    const int open = 60'000 + (i * 37) % 400, close = 60'000 + ((i + 1) * 37) % 400;
    lines.push_back(fmt::format("{},{},{},{},{},0,{},0,300", t, open, std::max(open, close) + 25,
                                std::min(open, close) - 25, close, t + 299'999));
  }
  return lines;
}

// A Binance trades file (BTCUSDT) of `n` trades near 60,000.
std::vector<std::string> trades(int n) {
  std::vector<std::string> lines{"id,price,qty,quote_qty,time,is_buyer_maker"};
  for (int i = 1; i <= n; ++i) {
    lines.push_back(fmt::format("{},{}.{},0.0{},600,{},{}", i, 60'000 + (i * 13) % 90, i % 10,
                                1 + i % 9, 1'723'075'200'000 + std::int64_t{i} * 150,
                                i % 3 == 0 ? "true" : "false"));
  }
  return lines;
}

TEST_F(BadInputReplay, ZeroPriceCandleIsAMalformedLineNotACrash) {
  const std::string name = "binance_um_BTCUSDT_priceKline_5m_2025-10-10.csv";
  std::vector<std::string> lines = priceklines(120);
  std::string error;
  const std::optional<ReplaySummary> clean = replay(name, lines, error);
  ASSERT_TRUE(clean) << error;
  for (const std::string bad : {"1760090400000,0,0,0,0,0,1760090699999,0,300",
                                "1760090400000,60000,60100,-1,60050,0,1760090699999,0,300",
                                "1760090400000,60000,59000,61000,60050,0,1760090699999,0,300"}) {
    std::vector<std::string> with_bad = lines;
    with_bad.insert(with_bad.begin() + 60, bad);
    const std::optional<ReplaySummary> s = replay(name, with_bad, error);
    ASSERT_TRUE(s) << error;
    EXPECT_EQ(s->malformed_lines, 1u) << bad;
    ASSERT_EQ(s->files.size(), 1u);
    ASSERT_EQ(s->files[0].messages.size(), 1u);
    EXPECT_NE(s->files[0].messages[0].find(name + ":61: "), std::string::npos)
        << s->files[0].messages[0];
    EXPECT_EQ(s->digest, clean->digest) << bad;
    EXPECT_TRUE(s->conservation_ok);
  }
}

TEST_F(BadInputReplay, PrintsOutOfRangeOrFarOffLeaveTheReplayAsWithoutThem) {
  const std::string name = "binance-usdm_BTCUSDT_2024-08-08_trades.csv";
  const std::vector<std::string> lines = trades(3'000);
  std::string error;
  const std::optional<ReplaySummary> clean = replay(name, lines, error);
  ASSERT_TRUE(clean) << error;
  ASSERT_GT(clean->fills, 1'000u);
  for (const std::string price : {"1e30", "9e18", "1e15", "0.00000001", "0", "-60000"}) {
    std::vector<std::string> with_bad = lines;
    with_bad.insert(with_bad.begin() + 1'500,
                    fmt::format("99999,{},0.01,600,1723075425000,true", price));
    const std::optional<ReplaySummary> s = replay(name, with_bad, error);
    ASSERT_TRUE(s) << price << ": " << error;
    EXPECT_EQ(s->malformed_lines, 1u) << price;
    EXPECT_EQ(s->digest, clean->digest) << price;
    EXPECT_EQ(s->fills, clean->fills) << price;
  }
}

}  // namespace
}  // namespace backstop::replay

namespace backstop::replay {
namespace {

TEST_F(BadInputReplay, EmptyHeaderOnlyOrAllMalformedFilesAreNamed) {
  const std::string name = "binance-usdm_BTCUSDT_2024-08-08_trades.csv";
  std::string error;
  EXPECT_FALSE(replay(name, {}, error));
  EXPECT_EQ(error, (dir_ / name).string() + ": empty: no records to replay");
  EXPECT_FALSE(replay(name, {"id,price,qty,quote_qty,time,is_buyer_maker"}, error));
  EXPECT_EQ(error, (dir_ / name).string() + ": only a header line: no records to replay");
  EXPECT_FALSE(
      replay(name, {"id,price,qty,quote_qty,time,is_buyer_maker", "1,0,0.01,0,1723075200000,true"},
             error));
  EXPECT_EQ(error.rfind((dir_ / name).string() + ": no records to replay", 0), 0u) << error;
}

}  // namespace
}  // namespace backstop::replay

namespace backstop::replay {
namespace {

TEST_F(BadInputReplay, AFileThatNamesNoInstrumentIsNamed) {
  // Klines carry no symbol in their lines; a file name without one leaves the prices unmapped.
  const std::string name = "prices.csv";
  std::string error;
  EXPECT_FALSE(replay(name,
                      {"open_time,open,high,low,close,volume,close_time,quote_volume,count,"
                       "taker_buy_volume,taker_buy_quote_volume,ignore",
                       "1760054400000,121662,121737.5,121662,121689.0,0,1760054459999,0,60,0,0,0"},
                      error));
  EXPECT_EQ(error.rfind((dir_ / name).string() + ": no instrument", 0), 0u) << error;
}

}  // namespace
}  // namespace backstop::replay
