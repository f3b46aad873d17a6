// Fuzzes the TOML configuration reader: arbitrary text either parses into a configuration that
// passes validation or is refused with a message; never a crash, never an exception escaping.
#include <cstdint>
#include <string>
#include <string_view>

#include "pipeline/config_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto config = backstop::pipeline::parse_engine_config(text, "fuzz.toml", error);
  if (config.has_value() == !error.empty()) __builtin_trap();
  if (config && !backstop::validate_engine_config(*config).empty()) __builtin_trap();
  return 0;
}
