// Differential replay driven by real mark prices from ../shared/data: Binance COIN-M BTCUSD_PERP
// (inverse) 1-minute marks and Binance USD-M BTCUSDT (linear) 5-minute price klines over 9-11
// October 2025, the days of the largest liquidation cascade on record. Each kline becomes four
// marks (open, the nearer extreme, the other extreme, close); a seeded population trades between
// the marks, funding is paid every 8 hours, and the engine is checked against the reference model
// after every event.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "backstop/risk_engine.hpp"
#include "differ.hpp"
#include "support/engine_checks.hpp"
#include "test_support.hpp"

namespace backstop {
namespace {

struct TimedMark {
  std::int64_t time_ms;
  std::uint16_t instrument;
  std::int64_t ticks;
};

// "121689.00965205" -> ticks of 0.1 (rounded down; a mark needs no venue-favour rounding).
std::int64_t to_ticks(const std::string& s) {
  const std::size_t dot = s.find('.');
  const std::int64_t whole = std::stoll(s.substr(0, dot));
  const std::int64_t tenth = dot == std::string::npos || dot + 1 >= s.size() ? 0 : s[dot + 1] - '0';
  return whole * 10 + tenth;
}

// Binance kline CSV (header: open_time,open,high,low,close,...). Empty when the file is missing.
std::vector<TimedMark> read_klines(const std::filesystem::path& path, std::uint16_t instrument,
                                   std::int64_t period_ms) {
  std::vector<TimedMark> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] < '0' || line[0] > '9') continue;  // header
    std::stringstream ss(line);
    std::string f[5];
    for (std::string& x : f)
      std::getline(ss, x, ',');
    const std::int64_t t = std::stoll(f[0]);
    const std::int64_t open = to_ticks(f[1]), high = to_ticks(f[2]), low = to_ticks(f[3]),
                       close = to_ticks(f[4]);
    const bool up = close >= open;  // assume the nearer extreme came first
    out.push_back({t, instrument, open});
    out.push_back({t + period_ms / 4, instrument, up ? low : high});
    out.push_back({t + period_ms / 2, instrument, up ? high : low});
    out.push_back({t + period_ms - 1, instrument, close});
  }
  return out;
}

TEST(RealMarksReplay, EngineMatchesBruteForceThroughTheOctober2025Crash) {
  const std::filesystem::path dir = BACKSTOP_SHARED_DATA_DIR;
  if (!std::filesystem::exists(dir / "binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv")) {
    GTEST_SKIP() << "real data not found in " << dir
                 << " (needs ../shared/data with the Binance mark-price CSVs)";
  }
  // Instrument 0: BTCUSDT linear; instrument 1: BTCUSD_PERP inverse (see test_support.hpp).
  std::vector<TimedMark> marks;
  for (const char* day : {"2025-10-09", "2025-10-10"}) {
    auto v = read_klines(dir / (std::string("binance_cm_BTCUSD_PERP_markPrice_1m_") + day + ".csv"),
                         1, 60'000);
    marks.insert(marks.end(), v.begin(), v.end());
  }
  for (const char* day : {"2025-10-10", "2025-10-11"}) {
    auto v = read_klines(dir / (std::string("binance_um_BTCUSDT_priceKline_5m_") + day + ".csv"), 0,
                         300'000);
    marks.insert(marks.end(), v.begin(), v.end());
  }
  ASSERT_GT(marks.size(), 5000u);
  std::stable_sort(marks.begin(), marks.end(),
                   [](const TimedMark& a, const TimedMark& b) { return a.time_ms < b.time_ms; });

  RiskConfig config = test::two_instrument_config(1024, 2);
  config.instruments[0].initial_mark = Price{1'216'000};
  config.instruments[1].initial_mark = Price{1'216'000};
  config.instruments[0].max_price = Price{10'000'000};
  config.instruments[1].max_price = Price{10'000'000};
  test::Differ d(config);
  std::mt19937_64 rng(20251010);
  constexpr std::uint32_t kAccounts = 1000;
  std::vector<std::int64_t> deposit(kAccounts);
  std::vector<double> leverage(kAccounts);
  const double lev_mix[] = {2, 3, 5, 10, 10, 20, 20, 25, 50, 75};
  for (std::uint32_t a = 0; a < kAccounts; ++a) {
    const std::uint8_t asset = a % 2;  // even: USDT wallets, odd: BTC wallets
    d.step(make_open_account(a + 1, asset));
    deposit[a] = asset == 0 ? 1'000'000'000 + static_cast<std::int64_t>(rng() % 100'000'000'000)
                            : 1'000'000 + static_cast<std::int64_t>(rng() % 100'000'000);
    leverage[a] = lev_mix[rng() % 10];
    d.step(make_deposit(a + 1, Money{deposit[a]}));
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  std::int64_t next_funding_ms = marks.front().time_ms;
  std::uint64_t became_liquidatable = 0;
  for (const TimedMark& m : marks) {
    if (m.time_ms >= next_funding_ms) {
      for (std::uint16_t i = 0; i < 2; ++i) {
        d.step(make_funding(i, static_cast<std::int64_t>(rng() % 20'001) - 5'000));
      }
      next_funding_ms += 8 * 3600 * 1000;
    }
    d.step(make_mark(m.instrument, Price{m.ticks}));
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
    for (const RiskOutput& o : d.engine.outputs()) {
      became_liquidatable += o.type == OutputType::kBecameLiquidatable ? 1 : 0;
    }
    // Trading between marks: two fills on the instrument that just moved, pre-trade checked; and
    // the market closes one flagged account now and then.
    for (int k = 0; k < 2; ++k) {
      const auto a = static_cast<std::uint32_t>(rng() % (kAccounts / 2)) * 2 + m.instrument;
      auto b = static_cast<std::uint32_t>(rng() % (kAccounts / 2)) * 2 + m.instrument;
      if (a == b) continue;
      const double lot_value = m.instrument == 0 ? double(m.ticks) * 100.0 : 1e11 / double(m.ticks);
      const auto qty = std::max<std::int64_t>(
          1, static_cast<std::int64_t>(double(deposit[a]) * leverage[a] * 0.3 / lot_value));
      const Side side = rng() % 2 ? Side::kBuy : Side::kSell;
      const Side other = side == Side::kBuy ? Side::kSell : Side::kBuy;
      if (d.engine.check_order(a + 1, m.instrument, side, Qty{qty}, Price{m.ticks}).code !=
              RejectCode::kOk ||
          d.engine.check_order(b + 1, m.instrument, other, Qty{qty}, Price{m.ticks}).code !=
              RejectCode::kOk) {
        continue;
      }
      d.step(make_fill(m.instrument, side, a + 1, b + 1, Price{m.ticks}, Qty{qty}));
      ASSERT_FALSE(::testing::Test::HasFatalFailure());
    }
    if (!d.liq.empty() && rng() % 4 == 0) {
      const std::uint64_t id = d.liq[rng() % d.liq.size()];
      const test::ReferenceModel::Acct* acct = d.reference.find_const(id);
      if (acct->positions.empty()) {
        d.step(make_deposit(id, Money{1 - acct->balance}));
      } else {
        const auto& [instrument, pos] = *acct->positions.begin();
        const std::uint64_t counterparty =
            1 + (id % 2 == 1 ? 0 : 1) + 2 * (rng() % (kAccounts / 2));
        if (counterparty != id) {
          d.step(make_fill(instrument, pos.qty > 0 ? Side::kSell : Side::kBuy, id, counterparty,
                           Price{d.engine.instrument_state(instrument).mark},
                           Qty{pos.qty > 0 ? pos.qty : -pos.qty}));
        }
      }
      ASSERT_FALSE(::testing::Test::HasFatalFailure());
    }
  }
  EXPECT_TRUE(checks::verify_index(d.engine));
  // The 10 October crash must have pushed accounts under maintenance margin.
  EXPECT_GT(became_liquidatable, 10u);
  ::testing::Test::RecordProperty("events", static_cast<int>(d.events));
  ::testing::Test::RecordProperty("became_liquidatable", static_cast<int>(became_liquidatable));
  // How often the index recomputed an account on a tick (exact recomputes, most of them early fires
  // of conservative triggers), against how many crossings there were.
  ::testing::Test::RecordProperty("triggers_fired", static_cast<int>(d.engine.triggers_fired()));
}

}  // namespace
}  // namespace backstop
