// Fuzzes the CSV market-data readers: the first byte picks a file name (which tells the format and
// the instrument, as a user's file name does) and whether the format is forced or detected; the
// rest is the file's text. See reader_fuzz.hpp for what must hold.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/reader_fuzz.hpp"

namespace {

using backstop::marketdata::Format;

struct NamedFormat {
  std::string_view name;
  Format format;
};

constexpr std::array<NamedFormat, 11> kFiles{{
    {"BTCUSDT-trades-2024-08-08.csv", Format::kBinanceTrades},
    {"BTCUSDT-aggTrades-2024-08-08.csv", Format::kBinanceAggTrades},
    {"binance_um_BTCUSDT_priceKline_5m_2025-10-10.csv", Format::kBinanceKlines},
    {"binance_cm_BTCUSD_PERP_markPrice_1m_2025-10-10.csv", Format::kBinanceKlines},
    {"BTCUSDT-fundingRate-2025-10.csv", Format::kBinanceFundingRate},
    {"binance_um_BTCUSDT_bookDepth_2025-10-10.csv", Format::kBinanceBookDepth},
    {"binance-usdm_BTCUSDT_2024-08-08_trades.csv", Format::kBinanceCaptureTrades},
    {"gemini_spot_BTCUSD_trades_2025-10-10.csv", Format::kTardisTrades},
    {"tardis_liquidations_2025-10-10.csv", Format::kTardisLiquidations},
    {"bitmex_derivative_ticker_2020-04-01_ETHUSD.csv", Format::kTardisDerivativeTicker},
    {"bitmex_liquidations_2019-11-14_to_16.csv", Format::kBitmexLiquidations},
}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const NamedFormat& file = kFiles[data[0] % kFiles.size()];
  backstop::marketdata::ReaderOptions options;
  // The high bit: leave the format to detection.
  options.format = (data[0] & 0x80) != 0 ? Format::kAuto : file.format;
  options.max_messages = 4;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  backstop::marketdata::MarketReader reader;
  const auto open = reader.try_open_memory(file.name, text, options);
  backstop::fuzz::drain(reader, open);
  return 0;
}
