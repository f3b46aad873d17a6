// Value at risk and expected shortfall of a portfolio's loss over its liquidation horizon
// (docs/sizing.md, "VaR and ES"): historical simulation on the joint return paths, filtered
// historical simulation (returns rescaled by EWMA volatility), and the parametric form on an EWMA
// covariance. Losses are positive numbers in the settlement asset's smallest unit; figures are
// doubles (estimates) until requirement_money rounds one up into Money. Owned by the sizing
// consumer's thread (cold). Cost: a historical figure is O(n log K) for n scenarios and K the tail
// it needs; building filtered paths or a covariance is O(count x instruments^2) once per history.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "backstop/instrument.hpp"
#include "backstop/money.hpp"
#include "sizing/return_history.hpp"

namespace backstop::sizing {

struct VarEsConfig {
  double var_confidence = 0.99;
  double es_confidence = 0.975;
  // > 0: ES is the mean of this many worst scenarios instead (LCH-style: 6 of 2,500).
  std::size_t es_tail_count = 0;
};

enum class VarEsConfigError : std::uint8_t {
  kNone = 0,
  kVarConfidenceOutOfRange = 1,  // must be in (0, 1)
  kEsConfidenceOutOfRange = 2,
};
[[nodiscard]] VarEsConfigError validate(const VarEsConfig& config) noexcept;

struct TailFigures {
  double var = 0;
  double es = 0;
  std::size_t scenarios = 0;
  // False when the sample is too small to resolve the level, n < 1/(1 - confidence): the figure
  // is then the worst loss observed.
  bool var_resolved = false;
  bool es_resolved = false;
};

// ---- Historical order statistics ----
// The VaR's rank among the losses sorted from the largest: k = floor((1 - alpha) n) + 1, at most
// n, where (1 - alpha) n within 1e-9 of an integer counts as that integer (so that 0.9 x 10 is 1).
std::size_t var_rank(std::size_t n, double confidence) noexcept;
// VaR_alpha = the var_rank-th largest loss. ES_alpha = the mean of the worst t = (1 - alpha) n
// scenarios, the last one fractionally when t is not whole (Acerbi-Tasche):
// (L(1) + ... + L(m) + (t - m) L(m+1)) / t with m = floor(t); with es_tail_count = c, t = min(c,
// n). Reorders `losses`. nullopt for an empty sample. Precondition: validate(config) passed.
// Losses are finite (a NaN has no rank).
std::optional<TailFigures> historical_var_es(std::span<double> losses, const VarEsConfig& config);

// The same on a weighted sample (weights > 0, normalized here by their sum): VaR is the largest
// loss whose tail weight (its own and every larger loss's) exceeds 1 - alpha, ES the weighted mean
// of the worst 1 - alpha of the weight. es_tail_count = c becomes the tail weight c / n. Equal
// weights give historical_var_es. Reorders `sample`.
struct WeightedLoss {
  double loss;
  double weight;
};
std::optional<TailFigures> weighted_var_es(std::span<WeightedLoss> sample,
                                           const VarEsConfig& config);

// ---- Portfolios ----
// One position's exposure, the signed value that scales its loss, in the settlement asset's
// smallest unit: linear, q x mark x multiplier (its notional); inverse, q x multiplier / mark (its
// value in the base coin). Positive for a long. Exposures summed into one portfolio must share
// the settlement asset.
struct Exposure {
  std::uint32_t instrument;
  ContractKind kind;
  double value;
};
double exposure_value(ContractKind kind, Qty qty, Price mark, std::int64_t multiplier) noexcept;

// The loss of one exposure when its mark moves by the log-return r: linear -E (e^r - 1), inverse
// E (e^-r - 1) (the value function w(m) = -mult/m of instrument.hpp, so a long loses more on a
// fall than it gains on the same rise).
double exposure_loss(const Exposure& exposure, double log_return) noexcept;
// The portfolio's loss in the joint scenario of intervals [start, start + h).
double scenario_loss(std::span<const Exposure> portfolio, const JointReturns& paths,
                     std::size_t start, std::size_t h) noexcept;
// losses[k] += scenario_loss(portfolio, paths, k x stride, h) for every k < losses.size().
// Summing the accounts' losses scenario by scenario gives the venue's loss vector (not the sum of
// their VaRs). Precondition: losses.size() <= paths.horizon_count(h, stride).
void add_scenario_losses(std::span<const Exposure> portfolio, const JointReturns& paths,
                         std::size_t h, std::span<double> losses, std::size_t stride = 1) noexcept;

// ---- EWMA volatility and filtered historical simulation ----
struct EwmaConfig {
  double lambda = 0.94;
  // The variance starts at the mean square of the first seed_count returns (all of them if fewer).
  std::size_t seed_count = 30;
};

enum class EwmaConfigError : std::uint8_t {
  kNone = 0,
  kLambdaOutOfRange = 1,  // must be in (0, 1)
  kZeroSeedCount = 2,
};
[[nodiscard]] EwmaConfigError validate(const EwmaConfig& config) noexcept;

// The paths of a history with every return rescaled by sigma_now / sigma_t, where sigma_t^2 is
// the EWMA variance in force before return t (sigma_0^2 the seed; sigma_{t+1}^2 =
// lambda sigma_t^2 + (1 - lambda) r_t^2) and sigma_now that after the last return. A return
// whose sigma_t is 0 is kept as it is. Allocates its paths once, here.
class FilteredReturns {
 public:
  FilteredReturns(const JointReturns& paths, const EwmaConfig& config);
  JointReturns joint() const noexcept {
    return JointReturns(cumulative_.data(), instruments_, count_ + 1, count_);
  }
  double sigma_now(std::size_t instrument) const noexcept { return sigma_now_[instrument]; }

 private:
  std::size_t instruments_;
  std::size_t count_;
  std::vector<double> sigma_now_;
  std::vector<double> cumulative_;
};

// ---- Parametric ----
// The EWMA covariance of one-interval log-returns across instruments after the last return:
// Sigma_0 = the mean of r r^T over the first seed_count returns, Sigma_{t+1} = lambda Sigma_t +
// (1 - lambda) r_t r_t^T. Its diagonal is FilteredReturns' sigma_now squared.
class EwmaCovariance {
 public:
  EwmaCovariance(const JointReturns& paths, const EwmaConfig& config);
  std::size_t instruments() const noexcept { return instruments_; }
  double at(std::size_t i, std::size_t j) const noexcept { return matrix_[i * instruments_ + j]; }

 private:
  std::size_t instruments_;
  std::vector<double> matrix_;
};

// Normal losses to first order in the returns (each exposure's delta is its value E, for both
// contract kinds): sigma_p = sqrt(h x d' Sigma d) with d the exposures summed per instrument;
// VaR = mean_loss + sigma_p z_var, ES = mean_loss + sigma_p phi(z_es) / (1 - es_confidence).
// mean_loss is the horizon's expected loss (0: the RiskMetrics zero-mean convention).
// es_tail_count does not apply here. Precondition: instruments < covariance.instruments().
TailFigures parametric_var_es(std::span<const Exposure> portfolio, const EwmaCovariance& covariance,
                              std::size_t h, const VarEsConfig& config, double mean_loss = 0);

// ---- Into money ----
// A figure as a requirement in the settlement asset's smallest unit, rounded up (the venue's
// side); a negative figure (a portfolio that gains in its tail) requires 0. nullopt when the
// figure is not finite or does not fit an int64.
std::optional<Money> requirement_money(double figure) noexcept;

}  // namespace backstop::sizing
