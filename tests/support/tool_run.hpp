// Runs the `backstop` tool as a user does (a shell command, stdout and stderr together) and keeps
// its exit status and output, for the tests that check what the tool prints and returns.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace backstop::support {

struct ToolRun {
  int status = -1;     // exit code; -1 when killed by a signal (an uncaught exception aborts)
  std::string output;  // stdout and stderr
};

// `args` after the tool's path, run from `folder` when given (the README's commands run from the
// repository's root).
inline ToolRun run_tool(const std::string& args, const std::filesystem::path& folder = {}) {
  std::string command = folder.empty() ? "" : "cd '" + folder.string() + "' && ";
  command += "'" + std::string(BACKSTOP_CLI) + "' " + args + " 2>&1";
  ToolRun r;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    r.output += buffer.data();
  const int raw = ::pclose(pipe);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

}  // namespace backstop::support
