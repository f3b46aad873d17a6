#include "replay/audit_output.hpp"

#include <utility>

namespace backstop::replay {

bool ReplayAuditLog::open(const std::filesystem::path& file, std::string& error) {
  file_ = file;
  if (!writer_.open(file, error)) return false;
  if (!writer_.write_header(true)) {
    error = "audit log: cannot write " + file.string();
    return false;
  }
  return true;
}

void ReplayAuditLog::attach(ReplayOptions& options) {
  options.audit_balances = true;
  options.on_output = [this, before = std::move(options.on_output)](const OutputEvent& out) {
    if (before) before(out);
    writer_.write(out);
  };
  options.on_finish = [this, before = std::move(options.on_finish)](const RiskEngine& risk) {
    if (before) before(risk);
    writer_.write_closing(risk);
  };
}

bool ReplayAuditLog::close(std::string& error) {
  if (writer_.close()) return true;
  error = "audit log: cannot write " + file_.string();
  return false;
}

}  // namespace backstop::replay
