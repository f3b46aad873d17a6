// Fuzzes the gzip input: the bytes are a file, inflated in small input blocks (so that headers and
// trailers straddle them) and then read as a Binance trades file through the reader. Inflating
// must end in content or a reported error, never a crash, and never return more than asked.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/reader_fuzz.hpp"
#include "marketdata/inflating_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  static const fs::path path =
      fs::temp_directory_path() / ("backstop-fuzz-gzip-" + std::to_string(::getpid()) + ".csv.gz");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  backstop::marketdata::InflatingFile file(1 + size % 61);
  if (file.try_open(path.string())) {
    std::vector<char> buffer(97);
    for (;;) {
      const long n = file.read(buffer.data(), buffer.size());
      if (n < 0 && file.error().empty()) __builtin_trap();
      if (n > static_cast<long>(buffer.size())) __builtin_trap();
      if (n <= 0) break;
    }
  }
  backstop::marketdata::ReaderOptions options;
  options.format = backstop::marketdata::Format::kBinanceTrades;
  options.max_messages = 4;
  backstop::marketdata::MarketReader reader;
  const auto open = reader.try_open(path.string(), options);
  backstop::fuzz::drain(reader, open);
  return 0;
}
