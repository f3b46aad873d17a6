// The layers (docs/design.md §10): ringbuffers -> core -> pipeline -> (marketdata, replay, report)
// -> cli, with perf/ and bench/ beside. Every quoted #include of the repository's sources is
// resolved the way the build resolves it and must point into the including layer or one it may
// depend on; a new arrow in the wrong direction fails here with the file, line and both layers.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = BACKSTOP_SOURCE_DIR;

// The layer a repository file belongs to, by its folder ("" for files outside every layer).
std::string layer_of(const fs::path& file) {
  const std::string rel = fs::relative(file, kRoot).generic_string();
  const std::vector<std::pair<std::string, std::string>> folders = {
      {"ringbuffers/", "ringbuffers"},
      {"include/backstop/", "core"},
      {"src/core/", "core"},
      {"src/pipeline/", "pipeline"},
      {"src/sizing/", "sizing"},
      {"src/marketdata/", "marketdata"},
      {"src/replay/", "replay"},
      {"src/report/", "report"},
      {"src/cli/", "cli"},
      {"perf/", "perf"},
      {"bench/", "bench"},
      {"tests/support/", "test_support"},
      {"tests/", "tests"},
      {"examples/", "examples"}};
  for (const auto& [prefix, layer] : folders) {
    if (rel.rfind(prefix, 0) == 0) return layer;
  }
  return "";
}

// Which layers each layer may include (besides itself).
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"ringbuffers", {}},
    {"core", {}},
    {"pipeline", {"ringbuffers", "core"}},
    {"sizing", {"core"}},
    {"marketdata", {"ringbuffers", "core", "pipeline", "sizing"}},
    {"replay", {"ringbuffers", "core", "pipeline", "sizing", "marketdata"}},
    {"report", {"ringbuffers", "core", "pipeline", "sizing", "marketdata", "replay"}},
    {"cli",
     {"ringbuffers", "core", "pipeline", "sizing", "marketdata", "replay", "report", "perf"}},
    {"test_support", {"core"}},
    {"perf",
     {"ringbuffers", "core", "pipeline", "sizing", "marketdata", "replay", "report",
      "test_support"}},
    {"bench",
     {"ringbuffers", "core", "pipeline", "sizing", "marketdata", "replay", "report", "perf",
      "test_support"}},
    {"tests",
     {"ringbuffers", "core", "pipeline", "sizing", "marketdata", "replay", "report", "cli",
      "test_support"}},
    // An embedder's code: the installed libraries only.
    {"examples", {"ringbuffers", "core", "pipeline"}},
};

// Where the build looks for a quoted include: the includer's folder, then the include roots.
fs::path resolve(const fs::path& includer, const std::string& name) {
  const std::vector<fs::path> roots = {includer.parent_path(), kRoot / "include",
                                       kRoot / "src",          kRoot / "ringbuffers" / "include",
                                       kRoot / "perf",         kRoot / "tests"};
  for (const fs::path& root : roots) {
    const fs::path candidate = root / name;
    if (fs::is_regular_file(candidate)) return fs::canonical(candidate);
  }
  return {};
}

struct Include {
  fs::path from;
  int line;
  std::string name;
  fs::path to;
};

std::vector<Include> quoted_includes() {
  std::vector<Include> out;
  for (const char* top : {"ringbuffers", "include", "src", "perf", "bench", "tests", "examples"}) {
    if (!fs::exists(kRoot / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / top)) {
      const fs::path& p = entry.path();
      if (!entry.is_regular_file() || (p.extension() != ".hpp" && p.extension() != ".cpp")) {
        continue;
      }
      std::ifstream in(p);
      std::string text;
      for (int line = 1; std::getline(in, text); ++line) {
        const auto at = text.find("#include \"");
        if (at == std::string::npos || text.find_first_not_of(' ') != at) continue;
        const auto begin = at + 10;
        const std::string name = text.substr(begin, text.find('"', begin) - begin);
        out.push_back({fs::canonical(p), line, name, resolve(p, name)});
      }
    }
  }
  return out;
}

TEST(IncludeGraph, EveryIncludeResolvesInsideTheRepository) {
  const std::vector<Include> includes = quoted_includes();
  ASSERT_GT(includes.size(), 200u)
      << "the scan found too few includes: is BACKSTOP_SOURCE_DIR right?";
  for (const Include& i : includes) {
    EXPECT_FALSE(i.to.empty()) << i.from.string() << ":" << i.line << " includes \"" << i.name
                               << "\", which is not a file of the repository";
  }
}

TEST(IncludeGraph, ALayerIncludesOnlyTheLayersToItsLeft) {
  int checked = 0;
  for (const Include& i : quoted_includes()) {
    if (i.to.empty()) continue;
    const std::string from = layer_of(i.from);
    const std::string to = layer_of(i.to);
    ASSERT_FALSE(from.empty()) << i.from.string() << " is in no layer";
    ASSERT_FALSE(to.empty()) << i.to.string() << " is in no layer";
    ++checked;
    if (from == to) continue;
    const auto allowed = kAllowed.find(from);
    ASSERT_NE(allowed, kAllowed.end()) << "no rule for layer " << from;
    EXPECT_TRUE(allowed->second.contains(to)) << i.from.string() << ":" << i.line << ": " << from
                                              << " includes " << to << " (\"" << i.name << "\")";
  }
  EXPECT_GT(checked, 200);
}

// The checker itself: a file in each layer maps to it, and an arrow against the rule is refused.
TEST(IncludeGraph, TheRulesThemselves) {
  EXPECT_EQ(layer_of(kRoot / "include/backstop/ledger.hpp"), "core");
  EXPECT_EQ(layer_of(kRoot / "src/pipeline/engine.hpp"), "pipeline");
  EXPECT_EQ(layer_of(kRoot / "ringbuffers/include/ringbuffers/ring_buffer.hpp"), "ringbuffers");
  EXPECT_EQ(layer_of(kRoot / "tests/support/engine_checks.hpp"), "test_support");
  EXPECT_FALSE(kAllowed.at("core").contains("pipeline"));
  EXPECT_FALSE(kAllowed.at("core").contains("ringbuffers"));
  EXPECT_FALSE(kAllowed.at("pipeline").contains("replay"));
  EXPECT_FALSE(kAllowed.at("replay").contains("report"));
  EXPECT_FALSE(kAllowed.at("perf").contains("cli"));
}

}  // namespace
