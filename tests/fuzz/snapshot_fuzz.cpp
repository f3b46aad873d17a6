// Fuzzes the snapshot reader: the bytes are a snapshot file (header, checksums and all) in a
// folder, loaded as recovery loads one; and they are also handed to the state decoder directly as
// a payload, past the checksums that would stop almost every mutation at the header. Either must
// load or refuse with a reason; nothing may crash or trip a sanitizer.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "backstop/instrument_presets.hpp"
#include "backstop/risk_engine.hpp"
#include "pipeline/risk_state_io.hpp"
#include "pipeline/snapshot_file.hpp"

namespace {

const backstop::RiskConfig& config() {
  static const backstop::RiskConfig c = [] {
    backstop::RiskConfig r;
    r.max_accounts = 8;
    r.positions_per_account = 2;
    r.asset_count = 2;
    r.instruments = {backstop::presets::btcusdt_linear(0), backstop::presets::btcusd_inverse(1)};
    return r;
  }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  static const fs::path folder =
      fs::temp_directory_path() / ("backstop-fuzz-snapshot-" + std::to_string(::getpid()));
  fs::remove_all(folder);
  fs::create_directories(folder);
  {
    std::ofstream out(folder / backstop::pipeline::snapshot_file_name(7), std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::vector<std::string> passed_over;
  const auto loaded = backstop::pipeline::load_latest_snapshot(folder, INT64_MAX, passed_over);
  if (!loaded && passed_over.empty()) __builtin_trap();  // a refusal says why
  const auto* bytes = reinterpret_cast<const std::byte*>(data);
  std::vector<std::byte> payload =
      loaded ? loaded->payload : std::vector<std::byte>(bytes, bytes + size);
  backstop::RiskEngine risk(config());
  std::string error;
  if (!backstop::RiskStateIo::load(risk, payload, error) && error.empty()) {
    __builtin_trap();
  }
  return 0;
}
