// Reads an engine configuration from TOML: capacities, rings, journal, instruments with their
// brackets. Every invalid value is reported as "key: reason" (the first one found), unknown keys
// included, so a typo never silently falls back to a default. Cold; the thread that builds the
// engine. docs/configuration.md lists every key; the tests exercise them.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/engine_config.hpp"

namespace backstop::pipeline {

// Parses TOML text; `source` names it in error messages. Empty optional with `error` set on any
// problem (syntax, unknown key, wrong type, invalid value, and validate_engine_config's checks).
std::optional<EngineConfig> parse_engine_config(std::string_view toml, std::string_view source,
                                                std::string& error);

std::optional<EngineConfig> load_engine_config(const std::filesystem::path& file,
                                               std::string& error);

}  // namespace backstop::pipeline
