// Options shared by every `backstop bench <name>` harness. Cold; the CLI thread.
#pragma once

#include <cstdint>
#include <string>

namespace backstop::perf {

struct BenchOptions {
  bool json = false;           // print exactly one JSON object on stdout
  std::int64_t accounts = 0;   // 0: the harness's own default
  std::int64_t positions = 0;  // 0: the harness's own default
  std::int64_t scenarios = 0;  // stress scenarios (bench sizing); 0: the harness's own default
  std::int64_t rate = 0;       // events per second; 0: as fast as possible
  std::string journal_dir;     // empty: journal off
  double seconds = 0;          // 0: the harness's own default run length
};

}  // namespace backstop::perf
