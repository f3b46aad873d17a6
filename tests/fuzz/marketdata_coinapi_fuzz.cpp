// Fuzzes the CoinAPI OHLCV JSON reader (candle objects, pretty-printed over lines or one a line):
// the input is the file's text. See reader_fuzz.hpp for what must hold.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/reader_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  backstop::marketdata::ReaderOptions options;
  options.format = backstop::marketdata::Format::kCoinApiCandles;
  options.max_messages = 4;
  backstop::marketdata::MarketReader reader;
  const auto open =
      reader.try_open_memory("coinapi_ETHUSD_10min_2020-03-12_stablesims.json",
                             std::string_view(reinterpret_cast<const char*>(data), size), options);
  backstop::fuzz::drain(reader, open);
  return 0;
}
