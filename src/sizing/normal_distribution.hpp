// The standard normal distribution the parametric VaR / ES needs (docs/sizing.md): density,
// cumulative distribution and its inverse. Doubles: sizing statistics are estimates, converted to
// money once, rounded in the venue's favour, where they enter the engine. Pure functions.
#pragma once

namespace backstop::sizing {

double normal_pdf(double x) noexcept;
double normal_cdf(double x) noexcept;
// z with normal_cdf(z) = p, for 0 < p < 1 (relative error below 1e-12 after one Halley step).
double normal_quantile(double p) noexcept;

}  // namespace backstop::sizing
