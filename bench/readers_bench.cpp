// Market-data reader throughput: records/s on the real files in ../shared/data (skipped when
// absent) and on generated in-memory inputs of growing size, so that parsing can be compared with
// the replay's 2M events/s goal. Single-threaded; each iteration reads the whole input.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "marketdata/decimal.hpp"
#include "marketdata/reader.hpp"

namespace {

using backstop::marketdata::MarketReader;
using backstop::marketdata::MarketRecord;
using backstop::marketdata::ReaderOptions;
using backstop::marketdata::ReadStatus;

namespace fs = std::filesystem;

#ifdef BACKSTOP_SHARED_DATA_DIR
const std::string kDataDir = BACKSTOP_SHARED_DATA_DIR;
#else
const std::string kDataDir = "../shared/data";
#endif

// Reads everything; returns the record count (0 on failure, reported through the state).
std::uint64_t drain(MarketReader& reader, ReadStatus open_status, benchmark::State& state) {
  if (open_status != ReadStatus::kOk) {
    state.SkipWithError(reader.error().c_str());
    return 0;
  }
  MarketRecord record;
  std::uint64_t n = 0;
  ReadStatus s;
  while ((s = reader.next(record)) == ReadStatus::kOk) {
    benchmark::DoNotOptimize(record);
    ++n;
  }
  if (s != ReadStatus::kEnd) state.SkipWithError(reader.error().c_str());
  return n;
}

void run_file(benchmark::State& state, const std::string& path) {
  if (!fs::exists(path)) {
    state.SkipWithError(("real data absent: " + path).c_str());
    return;
  }
  std::uint64_t records = 0;
  std::uint64_t lines = 0;
  for (auto _ : state) {
    MarketReader reader;
    const ReadStatus s = reader.try_open(path);
    records += drain(reader, s, state);
    lines += reader.stats().lines;
  }
  state.SetLabel(fs::path(path).filename().string());
  state.SetBytesProcessed(static_cast<std::int64_t>(fs::file_size(path) * state.iterations()));
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
  state.counters["lines/s"] =
      benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kIsRate);
}

// The largest file in the data folder by size on disk (the gzip websocket capture).
void BM_Reader_LargestRealFile(benchmark::State& state) {
  std::string largest;
  std::uintmax_t size = 0;
  if (fs::exists(kDataDir)) {
    for (const auto& e : fs::directory_iterator(kDataDir)) {
      if (e.path().filename() != "PROVENANCE.md" && e.file_size() > size) {
        size = e.file_size();
        largest = e.path().string();
      }
    }
  }
  if (largest.empty()) {
    state.SkipWithError(("real data absent: " + kDataDir).c_str());
    return;
  }
  run_file(state, largest);
}
BENCHMARK(BM_Reader_LargestRealFile)->Unit(benchmark::kMillisecond);

// The real files with the most records, one per format family.
const char* const kRealFiles[] = {
    "binance-usdm_BTCUSDT_2024-08-08_trades.csv",          // capture trades CSV
    "binance_um_BTCUSDT_bookDepth_2025-10-10.csv",         // depth bands, date-time stamps
    "bitmex_derivative_ticker_2020-04-01_ETHUSD.csv.gz",   // gzip, four records a line
    "gemini_spot_BTCUSD_trades_2025-10-10.csv.gz",         // Tardis trades, gzip
    "binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv",  // klines
};
void BM_Reader_RealFile(benchmark::State& state) {
  run_file(state, kDataDir + "/" + kRealFiles[state.range(0)]);
}
BENCHMARK(BM_Reader_RealFile)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

// Generated Binance trades CSV in memory: the parse cost alone, no I/O or inflate.
std::string generated_trades_csv(std::int64_t lines) {
  std::mt19937_64 rng(42);
  std::string text = "id,price,qty,quote_qty,time,is_buyer_maker\n";
  std::int64_t price_cents = 6'180'030;
  for (std::int64_t i = 0; i < lines; ++i) {
    price_cents += static_cast<std::int64_t>(rng() % 21) - 10;
    const auto qty_milli = static_cast<std::int64_t>(rng() % 5000 + 1);
    text += fmt::format("{},{}.{:02},{}.{:03},{}.{:05},{},{}\n", 5266583935 + i, price_cents / 100,
                        price_cents % 100, qty_milli / 1000, qty_milli % 1000,
                        price_cents * qty_milli / 100000, price_cents * qty_milli % 100000,
                        1723161256322 + i * 3, (rng() & 1) != 0 ? "true" : "false");
  }
  return text;
}

void BM_Reader_GeneratedCsv(benchmark::State& state) {
  const std::string text = generated_trades_csv(state.range(0));
  std::uint64_t records = 0;
  for (auto _ : state) {
    MarketReader reader;
    const ReadStatus s = reader.try_open_memory("BTCUSDT-trades.csv", text);
    records += drain(reader, s, state);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(text.size() * state.iterations()));
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Reader_GeneratedCsv)
    ->RangeMultiplier(8)
    ->Range(1 << 10, 1 << 20)
    ->Unit(benchmark::kMillisecond);

// Generated websocket-capture lines (trade messages only) in memory: the JSON scanner's cost.
void BM_Reader_GeneratedStream(benchmark::State& state) {
  std::string text;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    text += fmt::format(
        R"({} {{"stream":"btcusdt@trade","data":{{"e":"trade","E":{},"T":{},"s":"BTCUSDT","t":{},"p":"61800.30","q":"0.006","X":"MARKET","m":{}}}}})",
        1723161255088176367 + i, 1723161256322 + i, 1723161256322 + i, 5266583935 + i,
        i % 3 == 0 ? "true" : "false");
    text += '\n';
  }
  std::uint64_t records = 0;
  for (auto _ : state) {
    MarketReader reader;
    const ReadStatus s = reader.try_open_memory("capture.jsonl", text);
    records += drain(reader, s, state);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(text.size() * state.iterations()));
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(records), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Reader_GeneratedStream)
    ->RangeMultiplier(8)
    ->Range(1 << 10, 1 << 18)
    ->Unit(benchmark::kMillisecond);

void BM_Reader_DecimalParse(benchmark::State& state) {
  const std::vector<std::string> texts = {"61800.30", "0.006",    "121689.00965205",
                                          "1e-05",    "-0.00012", "3375.69"};
  std::size_t i = 0;
  for (auto _ : state) {
    backstop::marketdata::Decimal d;
    benchmark::DoNotOptimize(backstop::marketdata::try_parse_decimal(texts[i], d));
    benchmark::DoNotOptimize(d);
    i = i + 1 == texts.size() ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Reader_DecimalParse);

}  // namespace
