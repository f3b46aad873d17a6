#include "pipeline/risk_state_io.hpp"

#include <fmt/format.h>

#include <cstring>
#include <type_traits>

namespace backstop {
namespace {

// Writes every field of every record, in the order visited.
class Writer {
 public:
  explicit Writer(std::vector<std::byte>& out) : out_(out) {}
  template <class T>
  void put(T value) {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>);
    const auto at = out_.size();
    out_.resize(at + sizeof value);
    std::memcpy(out_.data() + at, &value, sizeof value);
  }
  template <class Record, class... Field>
  void operator()(Record, const Field&... fields) {
    (put(fields), ...);
  }

 private:
  std::vector<std::byte>& out_;
};

// Reads every field of every record, in the order visited; past the end it reads nothing more and
// remembers that the bytes were truncated.
class Reader {
 public:
  explicit Reader(const std::vector<std::byte>& in) : in_(in) {}
  template <class T>
  bool get(T& value) {
    static_assert(std::is_integral_v<T> || std::is_enum_v<T>);
    if (truncated_ || in_.size() - at_ < sizeof value) {
      truncated_ = true;
      return false;
    }
    std::memcpy(&value, in_.data() + at_, sizeof value);
    at_ += sizeof value;
    return true;
  }
  template <class Record, class... Field>
  void operator()(Record, Field&... fields) {
    (get(fields), ...);
  }
  [[nodiscard]] bool truncated() const { return truncated_; }
  [[nodiscard]] bool done() const { return at_ == in_.size(); }

 private:
  const std::vector<std::byte>& in_;
  std::size_t at_ = 0;
  bool truncated_ = false;
};

}  // namespace

void RiskStateIo::save(const RiskEngine& r, std::vector<std::byte>& out) {
  out.clear();
  Writer w(out);
  const RiskEngine::StateShape shape = r.state_shape();
  w.put(kFormat);
  w.put(shape.instruments);
  w.put(shape.assets);
  w.put(shape.positions_per_account);
  w.put(shape.accounts);
  r.visit_state(w);
}

bool RiskStateIo::load(RiskEngine& r, const std::vector<std::byte>& bytes, std::string& error) {
  Reader in(bytes);
  const auto fail = [&](std::string message) {
    error = "snapshot state: " + std::move(message);
    return false;
  };
  std::uint32_t format = 0, instruments = 0, assets = 0, per_account = 0, accounts = 0;
  if (!in.get(format) || format != kFormat) return fail(fmt::format("format {} unknown", format));
  if (!in.get(instruments) || !in.get(assets) || !in.get(per_account) || !in.get(accounts)) {
    return fail("truncated header");
  }
  const RiskEngine::StateShape shape = r.state_shape();
  if (instruments != shape.instruments || assets != shape.assets ||
      per_account != shape.positions_per_account || accounts > r.max_accounts()) {
    return fail(fmt::format(
        "saved with {} instruments, {} assets, {} positions per account, {} accounts; this engine "
        "has {}, {}, {}, capacity {}",
        instruments, assets, per_account, accounts, shape.instruments, shape.assets,
        shape.positions_per_account, r.max_accounts()));
  }
  if (std::string e = r.restore_state(in, accounts); !e.empty()) return fail(std::move(e));
  if (in.truncated()) return fail("truncated");
  if (!in.done()) return fail("trailing bytes");
  if (std::string e = r.finish_restore(); !e.empty()) return fail(std::move(e));
  return true;
}

}  // namespace backstop
