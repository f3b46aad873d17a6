// Fuzzes the Binance websocket-capture reader (a receive time, then a JSON stream message per
// line): the input is the capture's text. See reader_fuzz.hpp for what must hold.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/reader_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  backstop::marketdata::ReaderOptions options;
  options.format = backstop::marketdata::Format::kBinanceStream;
  options.max_messages = 4;
  backstop::marketdata::MarketReader reader;
  const auto open =
      reader.try_open_memory("binance-usdm_BTCUSDT_2024-08-08T2354_stream.jsonl",
                             std::string_view(reinterpret_cast<const char*>(data), size), options);
  backstop::fuzz::drain(reader, open);
  return 0;
}
