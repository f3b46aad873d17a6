#include "pipeline/audit_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "pipeline/audit_log.hpp"

namespace backstop::pipeline {
namespace {

// ---- One flat JSON object per line: string, integer, true/false/null values ----

struct Value {
  enum class Type : std::uint8_t { kString, kInteger, kBool, kNull } type = Type::kNull;
  std::string text;
  Int128 integer = 0;
  bool boolean = false;
};

using Object = std::vector<std::pair<std::string, Value>>;

class LineParser {
 public:
  explicit LineParser(std::string_view s) : s_(s) {}

  // False with `error` set when the line is not one flat object.
  bool parse(Object& out, std::string& error) {
    out.clear();
    skip_space();
    if (!eat('{')) return fail("expected '{'", error);
    skip_space();
    if (eat('}')) return at_end(error);
    for (;;) {
      std::string key;
      if (!string(key)) return fail("expected a key", error);
      skip_space();
      if (!eat(':')) return fail("expected ':'", error);
      skip_space();
      Value v;
      if (!value(v)) return fail(fmt::format("bad value of \"{}\"", key), error);
      out.emplace_back(std::move(key), std::move(v));
      skip_space();
      if (eat('}')) return at_end(error);
      if (!eat(',')) return fail("expected ',' or '}'", error);
      skip_space();
    }
  }

 private:
  bool fail(std::string_view what, std::string& error) const {
    error = fmt::format("not an audit line ({} at column {})", what, pos_ + 1);
    return false;
  }
  bool at_end(std::string& error) {
    skip_space();
    return pos_ == s_.size() || fail("trailing text", error);
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\r'))
      ++pos_;
  }
  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool string(std::string& out) {
    if (!eat('"')) return false;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      if (s_[pos_] == '\\') return false;  // the log never escapes
      out.push_back(s_[pos_++]);
    }
    return eat('"');
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  bool value(Value& v) {
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    if (c == '"') {
      v.type = Value::Type::kString;
      return string(v.text);
    }
    if (literal("null")) {
      v.type = Value::Type::kNull;
      return true;
    }
    if (literal("true") || literal("false")) {
      v.type = Value::Type::kBool;
      v.boolean = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
      return true;
    }
    const bool negative = eat('-');
    const std::size_t start = pos_;
    unsigned __int128 u = 0;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
      if (pos_ - start >= 38) return false;  // beyond any figure the engine keeps
      u = u * 10 + static_cast<unsigned>(s_[pos_++] - '0');
    }
    if (pos_ == start) return false;
    v.type = Value::Type::kInteger;
    v.integer = negative ? -static_cast<Int128>(u) : static_cast<Int128>(u);
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

const Value* find(const Object& o, std::string_view key) {
  for (const auto& [k, v] : o)
    if (k == key) return &v;
  return nullptr;
}

// ---- Parties (docs/audit.md) ----

// A party's sign: its holding is sign x the figure the engine keeps (bad debt, a member's owed
// assessment, net deposits and the positions' cost count against the rest).
std::optional<int> party_sign(std::string_view kind) {
  if (kind == "account" || kind == "insurance" || kind == "fee_pool" || kind == "default_fund" ||
      kind == "venue_tranche" || kind == "cover") {
    return 1;
  }
  if (kind == "bad_debt" || kind == "receivable" || kind == "outside" || kind == "positions") {
    return -1;
  }
  return std::nullopt;
}

struct PartyKey {
  std::string kind;
  std::uint64_t id;
  bool operator<(const PartyKey& o) const { return kind != o.kind ? kind < o.kind : id < o.id; }
};

std::string name(const PartyKey& p) {
  return fmt::format("{}:{}", p.kind, p.id);
}

struct Holding {
  Int128 held = 0;
  std::uint8_t asset = 0;
  bool closed = false;  // a closing line named it
};

class Checker {
 public:
  explicit Checker(AuditCheckResult& r) : r_(r) {}

  bool header(const Object& o) {
    const Value* version = find(o, "audit_log");
    if (version == nullptr || version->type != Value::Type::kInteger) {
      return violate("the first line is not an audit-log header ({\"audit_log\":...})");
    }
    const Value* balances = find(o, "balances");
    if (balances == nullptr || !balances->boolean) {
      return violate(
          "the log was written without the balance legs (audit_balances off): it cannot "
          "rebuild the balances; write it with `replay --audit`");
    }
    return true;
  }

  bool line(const Object& o) {
    if (const Value* closing = find(o, "closing")) return close_line(o, closing->text);
    if (find(o, "kind") == nullptr) return violate("neither an audit record nor a closing line");
    if (closing_started_) return violate("an audit record after the closing lines");
    ++r_.records;
    const Value* sequence = find(o, "sequence");
    if (sequence == nullptr || sequence->type != Value::Type::kInteger) {
      return violate("a record without its input sequence");
    }
    if (sequence->integer != sequence_ && !covers_closed()) return false;
    sequence_ = sequence->integer;
    if (find(o, "from") == nullptr) return true;  // not a money movement
    return movement(o);
  }

  bool finish() {
    if (!covers_closed()) return false;
    for (const auto& [key, h] : holdings_)
      r_.sum_of_changes += h.held;
    if (r_.sum_of_changes != 0) {
      return violate(
          fmt::format("the changes sum to {}, not zero", int128_text(r_.sum_of_changes)));
    }
    if (r_.has_closing) {
      if (!ended_) return violate("the closing lines have no end line");
      for (const auto& [key, h] : holdings_) {
        if (!h.closed && h.held != 0) {
          return violate(fmt::format("{}: no closing figure, expected {} (rebuilt from the log)",
                                     name(key), int128_text(figure(key, h))));
        }
      }
      if (closing_sum_ != 0) {
        return violate(fmt::format("the engine's closing figures sum to {}, not zero",
                                   int128_text(closing_sum_)));
      }
    }
    for (const auto& [key, h] : holdings_) {
      ++r_.parties;
      if (key.kind == "account") ++r_.accounts;
      if (key.kind == "insurance") asset_totals(h.asset).insurance_rebuilt = h.held;
    }
    return true;
  }

  std::uint64_t line_number = 0;

 private:
  bool violate(const std::string& what) {
    r_.violation = fmt::format("line {}: {}", line_number, what);
    return false;
  }

  static Int128 figure(const PartyKey& key, const Holding& h) {
    return *party_sign(key.kind) * h.held;
  }

  AuditAssetTotals& asset_totals(std::uint8_t asset) {
    for (AuditAssetTotals& a : r_.assets)
      if (a.asset == asset) return a;
    r_.assets.push_back(AuditAssetTotals{asset});
    std::sort(
        r_.assets.begin(), r_.assets.end(),
        [](const AuditAssetTotals& a, const AuditAssetTotals& b) { return a.asset < b.asset; });
    return asset_totals(asset);
  }

  // A party named by `kind_key` and `id_key` of the record.
  bool party(const Object& o, std::string_view kind_key, std::string_view id_key, PartyKey& out) {
    const Value* kind = find(o, kind_key);
    const Value* id = find(o, id_key);
    if (kind == nullptr || kind->type != Value::Type::kString || !party_sign(kind->text) ||
        id == nullptr || id->type != Value::Type::kInteger || id->integer < 0) {
      return violate(fmt::format("a movement without a valid \"{}\" party", kind_key));
    }
    out = PartyKey{kind->text, static_cast<std::uint64_t>(id->integer)};
    return true;
  }

  bool integer(const Object& o, std::string_view key, Int128& out) {
    const Value* v = find(o, key);
    if (v == nullptr || v->type != Value::Type::kInteger) {
      return violate(fmt::format("a record without an integer \"{}\"", key));
    }
    out = v->integer;
    return true;
  }

  bool movement(const Object& o) {
    ++r_.movements;
    PartyKey from;
    PartyKey to;
    Int128 amount = 0;
    Int128 before = 0;
    Int128 after = 0;
    Int128 asset = 0;
    if (!party(o, "from", "from_id", from) || !party(o, "to", "to_id", to) ||
        !integer(o, "amount", amount) || !integer(o, "before", before) ||
        !integer(o, "after", after) || !integer(o, "asset", asset)) {
      return false;
    }
    if (amount < 0) return violate(fmt::format("a negative amount {}", int128_text(amount)));
    const Value* shown = find(o, "shown");
    const std::string_view side = shown != nullptr ? std::string_view(shown->text) : "neither";
    Holding& f = holdings_[from];
    Holding& t = holdings_[to];
    f.asset = t.asset = static_cast<std::uint8_t>(asset);
    const PartyKey* shown_key = side == "from" ? &from : side == "to" ? &to : nullptr;
    Holding* shown_holding = side == "from" ? &f : side == "to" ? &t : nullptr;
    if (shown_key != nullptr && !check_figure(*shown_key, *shown_holding, before, "before")) {
      return false;
    }
    f.held -= amount;
    t.held += amount;
    if (shown_key != nullptr && !check_figure(*shown_key, *shown_holding, after, "after")) {
      return false;
    }
    if (shown_key != nullptr) ++r_.figures_checked;
    if (from.kind == "cover" || to.kind == "cover") open_covers_ = true;
    return true;
  }

  bool check_figure(const PartyKey& key, const Holding& h, Int128 given, std::string_view what) {
    const Int128 rebuilt = figure(key, h);
    if (rebuilt == given) return true;
    return violate(fmt::format("{}: {} is {} in the log, {} rebuilt from the records before it",
                               name(key), what, int128_text(given), int128_text(rebuilt)));
  }

  // A deficit's cover is handed on within its input: at each new input it must be empty.
  bool covers_closed() {
    if (!open_covers_) return true;
    for (const auto& [key, h] : holdings_) {
      if (key.kind == "cover" && h.held != 0) {
        return violate(fmt::format("{}: {} left in the cover after input {}", name(key),
                                   int128_text(h.held), int128_text(sequence_)));
      }
    }
    open_covers_ = false;
    return true;
  }

  bool close_line(const Object& o, const std::string& kind) {
    if (!closing_started_ && !covers_closed()) return false;
    closing_started_ = true;
    r_.has_closing = true;
    if (ended_) return violate("a line after the closing end line");
    if (kind == "end") {
      ended_ = true;
      Int128 records = 0;
      Int128 dropped = 0;
      if (!integer(o, "records", records) || !integer(o, "records_dropped", dropped)) return false;
      if (dropped != 0) {
        return violate(fmt::format(
            "the engine dropped {} records for want of capacity (waterfall.audit_capacity)",
            int128_text(dropped)));
      }
      if (records != static_cast<Int128>(r_.records)) {
        return violate(fmt::format("records: the writer wrote {}, the log has {}",
                                   int128_text(records), r_.records));
      }
      return true;
    }
    if (!party_sign(kind)) return violate(fmt::format("an unknown closing party \"{}\"", kind));
    Int128 id = 0;
    Int128 value = 0;
    Int128 asset = 0;
    if (!integer(o, "id", id) || !integer(o, "value", value) || !integer(o, "asset", asset)) {
      return false;
    }
    const PartyKey key{kind, static_cast<std::uint64_t>(id)};
    Holding& h = holdings_[key];
    h.closed = true;
    h.asset = static_cast<std::uint8_t>(asset);
    ++r_.closing_checked;
    closing_sum_ += *party_sign(kind) * value;
    if (kind == "insurance") {
      AuditAssetTotals& a = asset_totals(h.asset);
      a.has_closing = true;
      a.insurance_closing = value;
    }
    const Int128 rebuilt = figure(key, h);
    if (rebuilt == value) return true;
    return violate(fmt::format("{}: the engine closes at {}, the log rebuilds {}", name(key),
                               int128_text(value), int128_text(rebuilt)));
  }

  AuditCheckResult& r_;
  std::map<PartyKey, Holding> holdings_;
  Int128 sequence_ = -1;
  Int128 closing_sum_ = 0;
  bool open_covers_ = false;
  bool closing_started_ = false;
  bool ended_ = false;
};

}  // namespace

AuditCheckResult check_audit_log(std::istream& in) {
  AuditCheckResult r;
  Checker checker(r);
  Object o;
  std::string error;
  std::string text;
  while (std::getline(in, text)) {
    checker.line_number = ++r.lines;
    if (!LineParser(text).parse(o, error)) {
      r.violation = fmt::format("line {}: {}", r.lines, error);
      return r;
    }
    if (!(r.lines == 1 ? checker.header(o) : checker.line(o))) return r;
  }
  if (r.lines == 0) {
    r.violation = "line 0: the log is empty (no header)";
    return r;
  }
  r.ok = checker.finish();
  return r;
}

std::string audit_check_text(const AuditCheckResult& r, const std::string& file) {
  if (!r.ok) return fmt::format("audit log {}: VIOLATION\n  {}\n", file, r.violation);
  std::string out = fmt::format(
      "audit log {}: OK\n"
      "  records {} (money movements {}, before/after checked {}), lines {}\n"
      "  parties {} (accounts {}), sum of all changes {}\n",
      file, r.records, r.movements, r.figures_checked, r.lines, r.parties, r.accounts,
      int128_text(r.sum_of_changes));
  out += r.has_closing
             ? fmt::format("  closing figures {}: every one rebuilt exactly from the log\n",
                           r.closing_checked)
             : std::string("  no closing figures: only the sum and the before/after chains\n");
  for (const AuditAssetTotals& a : r.assets) {
    out += fmt::format("  insurance fund, asset {}: rebuilt {}", a.asset,
                       int128_text(a.insurance_rebuilt));
    out += a.has_closing ? fmt::format(", engine {}\n", int128_text(a.insurance_closing)) : "\n";
  }
  return out;
}

std::string audit_check_json(const AuditCheckResult& r, const std::string& file) {
  std::string assets;
  for (const AuditAssetTotals& a : r.assets) {
    if (!assets.empty()) assets += ",";
    assets += fmt::format("{{\"asset\":{},\"insurance_rebuilt\":{},\"insurance_engine\":{}}}",
                          a.asset, int128_text(a.insurance_rebuilt),
                          a.has_closing ? int128_text(a.insurance_closing) : "null");
  }
  std::string violation = "null";
  if (!r.ok) {
    violation = "\"";
    for (const char c : r.violation) {
      if (c == '"' || c == '\\') violation += '\\';
      violation += c;
    }
    violation += "\"";
  }
  std::string quoted_file;
  for (const char c : file) {
    if (c == '"' || c == '\\') quoted_file += '\\';
    quoted_file += c;
  }
  return fmt::format(
      "{{\"file\":\"{}\",\"ok\":{},\"violation\":{},\"lines\":{},\"records\":{},\"movements\":{},"
      "\"figures_checked\":{},\"parties\":{},\"accounts\":{},\"closing_checked\":{},"
      "\"has_closing\":{},\"sum_of_changes\":{},\"assets\":[{}]}}",
      quoted_file, r.ok, violation, r.lines, r.records, r.movements, r.figures_checked, r.parties,
      r.accounts, r.closing_checked, r.has_closing, int128_text(r.sum_of_changes), assets);
}

}  // namespace backstop::pipeline
