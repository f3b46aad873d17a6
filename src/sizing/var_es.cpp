#include "sizing/var_es.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "sizing/normal_distribution.hpp"

namespace backstop::sizing {

namespace {

// (1 - alpha) n in double is off by an ulp or so (1 - 0.9 is 0.09999999999999998); a count that
// close to a whole number is that number.
constexpr double kCountTolerance = 1e-9;

double whole_if_close(double t) noexcept {
  const double nearest = std::round(t);
  return std::fabs(t - nearest) <= kCountTolerance ? nearest : t;
}

bool confidence_in_range(double c) noexcept {
  return c > 0 && c < 1;
}

}  // namespace

VarEsConfigError validate(const VarEsConfig& config) noexcept {
  if (!confidence_in_range(config.var_confidence)) {
    return VarEsConfigError::kVarConfidenceOutOfRange;
  }
  if (!confidence_in_range(config.es_confidence)) return VarEsConfigError::kEsConfidenceOutOfRange;
  return VarEsConfigError::kNone;
}

std::size_t var_rank(std::size_t n, double confidence) noexcept {
  const double t = whole_if_close((1 - confidence) * static_cast<double>(n));
  const auto k = static_cast<std::size_t>(std::floor(t)) + 1;
  return std::min(k, n);
}

std::optional<TailFigures> historical_var_es(std::span<double> losses, const VarEsConfig& config) {
  const std::size_t n = losses.size();
  if (n == 0) return std::nullopt;
  const double tail = config.es_tail_count > 0
                          ? static_cast<double>(std::min(config.es_tail_count, n))
                          : whole_if_close((1 - config.es_confidence) * static_cast<double>(n));
  const auto whole = static_cast<std::size_t>(std::floor(tail));
  const std::size_t var_k = var_rank(n, config.var_confidence);
  // Only the worst max(var_k, whole + 1) losses are needed, in order.
  const std::size_t needed = std::min(n, std::max(var_k, whole + 1));
  std::partial_sort(losses.begin(), losses.begin() + static_cast<std::ptrdiff_t>(needed),
                    losses.end(), std::greater<>());

  TailFigures out;
  out.scenarios = n;
  out.var = losses[var_k - 1];
  out.var_resolved = (1 - config.var_confidence) * static_cast<double>(n) >= 1 - kCountTolerance;
  double sum = 0;
  for (std::size_t i = 0; i < whole; ++i)
    sum += losses[i];
  const double fraction = tail - static_cast<double>(whole);
  if (fraction > 0 && whole < n) sum += fraction * losses[whole];
  out.es = tail >= 1 ? sum / tail : losses[0];
  out.es_resolved = tail >= 1;
  return out;
}

std::optional<TailFigures> weighted_var_es(std::span<WeightedLoss> sample,
                                           const VarEsConfig& config) {
  const std::size_t n = sample.size();
  if (n == 0) return std::nullopt;
  double total = 0;
  for (const WeightedLoss& s : sample)
    total += s.weight;
  if (!(total > 0)) return std::nullopt;
  // Descending by loss; equal losses in any order give the same figures.
  std::sort(sample.begin(), sample.end(),
            [](const WeightedLoss& a, const WeightedLoss& b) { return a.loss > b.loss; });
  const double var_tail = 1 - config.var_confidence;
  const double es_tail =
      config.es_tail_count > 0
          ? static_cast<double>(std::min(config.es_tail_count, n)) / static_cast<double>(n)
          : 1 - config.es_confidence;

  TailFigures out;
  out.scenarios = n;
  out.var = sample[n - 1].loss;
  double cumulative = 0;
  for (std::size_t i = 0; i < n; ++i) {
    cumulative += sample[i].weight / total;
    if (cumulative > var_tail + kCountTolerance) {
      out.var = sample[i].loss;
      break;
    }
  }
  // Resolved unless the worst loss alone outweighs the tail (n < 1 / (1 - alpha) when equal).
  out.var_resolved = sample[0].weight / total <= var_tail + kCountTolerance;

  double remaining = es_tail;
  double sum = 0;
  for (std::size_t i = 0; i < n && remaining > kCountTolerance * es_tail; ++i) {
    const double w = std::min(sample[i].weight / total, remaining);
    sum += w * sample[i].loss;
    remaining -= w;
  }
  out.es = sum / (es_tail - remaining);
  out.es_resolved = sample[0].weight / total <= es_tail + kCountTolerance;
  return out;
}

double exposure_value(ContractKind kind, Qty qty, Price mark, std::int64_t multiplier) noexcept {
  const double q = static_cast<double>(qty.raw());
  const double m = static_cast<double>(mark.raw());
  const double mult = static_cast<double>(multiplier);
  return kind == ContractKind::kInversePerpetual ? q * mult / m : q * m * mult;
}

double exposure_loss(const Exposure& exposure, double log_return) noexcept {
  // expm1 keeps the small moves of one interval exact to the last bit.
  if (exposure.kind == ContractKind::kInversePerpetual) {
    return exposure.value * std::expm1(-log_return);
  }
  return -exposure.value * std::expm1(log_return);
}

double scenario_loss(std::span<const Exposure> portfolio, const JointReturns& paths,
                     std::size_t start, std::size_t h) noexcept {
  double loss = 0;
  for (const Exposure& e : portfolio) {
    loss += exposure_loss(e, paths.horizon_return(e.instrument, start, h));
  }
  return loss;
}

void add_scenario_losses(std::span<const Exposure> portfolio, const JointReturns& paths,
                         std::size_t h, std::span<double> losses, std::size_t stride) noexcept {
  for (std::size_t k = 0; k < losses.size(); ++k) {
    losses[k] += scenario_loss(portfolio, paths, k * stride, h);
  }
}

EwmaConfigError validate(const EwmaConfig& config) noexcept {
  if (!(config.lambda > 0 && config.lambda < 1)) return EwmaConfigError::kLambdaOutOfRange;
  if (config.seed_count == 0) return EwmaConfigError::kZeroSeedCount;
  return EwmaConfigError::kNone;
}

namespace {

double seed_variance(const JointReturns& paths, std::size_t i, std::size_t seed_count) noexcept {
  const std::size_t m = std::min(seed_count == 0 ? 1 : seed_count, paths.count());
  if (m == 0) return 0;
  double sum = 0;
  for (std::size_t t = 0; t < m; ++t) {
    const double r = paths.log_return(i, t);
    sum += r * r;
  }
  return sum / static_cast<double>(m);
}

}  // namespace

FilteredReturns::FilteredReturns(const JointReturns& paths, const EwmaConfig& config)
    : instruments_(paths.instruments()),
      count_(paths.count()),
      sigma_now_(instruments_, 0.0),
      cumulative_(instruments_ * (count_ + 1), 0.0) {
  std::vector<double> sigma_then(count_);
  for (std::size_t i = 0; i < instruments_; ++i) {
    double variance = seed_variance(paths, i, config.seed_count);
    for (std::size_t t = 0; t < count_; ++t) {
      sigma_then[t] = std::sqrt(variance);
      const double r = paths.log_return(i, t);
      variance = config.lambda * variance + (1 - config.lambda) * r * r;
    }
    const double now = std::sqrt(variance);
    sigma_now_[i] = now;
    double* c = cumulative_.data() + i * (count_ + 1);
    for (std::size_t t = 0; t < count_; ++t) {
      const double r = paths.log_return(i, t);
      c[t + 1] = c[t] + (sigma_then[t] > 0 ? r * (now / sigma_then[t]) : r);
    }
  }
}

EwmaCovariance::EwmaCovariance(const JointReturns& paths, const EwmaConfig& config)
    : instruments_(paths.instruments()), matrix_(instruments_ * instruments_, 0.0) {
  const std::size_t n = instruments_;
  const std::size_t m = std::min(config.seed_count == 0 ? 1 : config.seed_count, paths.count());
  std::vector<double> r(n);
  for (std::size_t t = 0; t < m; ++t) {
    for (std::size_t i = 0; i < n; ++i)
      r[i] = paths.log_return(i, t);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j)
        matrix_[i * n + j] += r[i] * r[j];
    }
  }
  if (m > 0) {
    for (double& v : matrix_)
      v /= static_cast<double>(m);
  }
  for (std::size_t t = 0; t < paths.count(); ++t) {
    for (std::size_t i = 0; i < n; ++i)
      r[i] = paths.log_return(i, t);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        double& v = matrix_[i * n + j];
        v = config.lambda * v + (1 - config.lambda) * r[i] * r[j];
      }
    }
  }
}

TailFigures parametric_var_es(std::span<const Exposure> portfolio, const EwmaCovariance& covariance,
                              std::size_t h, const VarEsConfig& config, double mean_loss) {
  const std::size_t n = covariance.instruments();
  std::vector<double> delta(n, 0.0);
  for (const Exposure& e : portfolio)
    delta[e.instrument] += e.value;
  double variance = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j)
      variance += delta[i] * covariance.at(i, j) * delta[j];
  }
  // The one-interval variance grows linearly over h independent intervals (the square-root-of-
  // time rule); rounding can leave a zero variance a hair below 0.
  const double sigma = std::sqrt(std::max(0.0, variance) * static_cast<double>(h));
  const double z_var = normal_quantile(config.var_confidence);
  const double z_es = normal_quantile(config.es_confidence);
  TailFigures out;
  out.var = mean_loss + sigma * z_var;
  out.es = mean_loss + sigma * normal_pdf(z_es) / (1 - config.es_confidence);
  out.var_resolved = true;
  out.es_resolved = true;
  return out;
}

std::optional<Money> requirement_money(double figure) noexcept {
  if (!std::isfinite(figure)) return std::nullopt;
  const double up = std::ceil(std::max(0.0, figure));
  // 2^63 is the first double past int64's range.
  if (up >= 9223372036854775808.0) return std::nullopt;
  return Money{static_cast<std::int64_t>(up)};
}

}  // namespace backstop::sizing
