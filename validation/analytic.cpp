// Analytic reference solutions; formulas and their sources are listed in analytic.hpp and next to each evaluation.
#include "validation/analytic.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace lithosim::analytic {

namespace {

constexpr double pi = std::numbers::pi;

/// Always-on argument check: throws std::invalid_argument naming the function, the violated condition and the values.
void require(bool ok, const char* function, const char* condition,
             std::initializer_list<std::pair<const char*, double>> values) {
    if (ok) return;
    std::ostringstream msg;
    msg.precision(12);
    msg << "lithosim::analytic::" << function << ": requires " << condition << " (";
    const char* sep = "";
    for (const auto& [name, value] : values) {
        msg << sep << name << " = " << value;
        sep = ", ";
    }
    msg << ")";
    throw std::invalid_argument(msg.str());
}

/// sin(x)/x, with its Taylor series where the quotient would lose digits (error < x^4/120 < 1e-17 for |x| < 1e-4).
double sinc(double x) {
    if (std::abs(x) < 1e-4) return 1.0 - x * x / 6.0;
    return std::sin(x) / x;
}

/// J1(v)/v, v >= 0, with its series 1/2 − v²/16 near 0 (next term v^4/384 < 1e-18 for v < 1e-4).
double j1_over_x(double v) {
    if (v < 1e-4) return 0.5 - v * v / 16.0;
    return std::cyl_bessel_j(1.0, v) / v;
}

void check_bowl(const char* fn, double roc_m, double aperture_diameter_m) {
    require(roc_m > 0 && aperture_diameter_m > 0 && aperture_diameter_m <= 2 * roc_m, fn,
            "0 < aperture_diameter_m <= 2*roc_m",
            {{"roc_m", roc_m}, {"aperture_diameter_m", aperture_diameter_m}});
}

void check_medium(const char* fn, double f_Hz, double c, double rho) {
    require(f_Hz > 0 && c > 0 && rho > 0, fn, "f_Hz > 0, c > 0 and rho > 0", {{"f_Hz", f_Hz}, {"c", c}, {"rho", rho}});
}

// Decibels per neper, 20 log10(e) = 20/ln(10) = 8.6859 (k-Wave db2neper.m uses 20*log10(exp(1))).
constexpr double db_per_neper = 20.0 / std::numbers::ln10;

/// Ratios I_n(x)/I_0(x), n = 0..nmax, x > 0, by backward recurrence of r_k = I_k/I_{k−1} = 1/(2k/x + r_{k+1})
/// (from the recurrence I_{k−1} − I_{k+1} = (2k/x) I_k, Abramowitz & Stegun 9.6.26). Started at r = 0 far enough
/// above both nmax and x that r_k < 0.42 over the last 40 steps, so the start error has decayed below 1e-30.
/// Ratios never overflow, unlike I_n(x) itself (e^x/sqrt(2πx) overflows near x = 710).
std::vector<double> bessel_i_ratios(double x, int nmax) {
    const long kstart = static_cast<long>(nmax) + static_cast<long>(std::ceil(x)) + 40;
    std::vector<double> r(static_cast<std::size_t>(nmax) + 1, 0.0);
    double rk = 0.0;
    for (long k = kstart; k >= 1; --k) {
        rk = 1.0 / (2.0 * static_cast<double>(k) / x + rk);
        if (k <= nmax) r[static_cast<std::size_t>(k)] = rk;
    }
    std::vector<double> ratio(static_cast<std::size_t>(nmax) + 1);
    ratio[0] = 1.0;
    for (std::size_t n = 1; n < ratio.size(); ++n) ratio[n] = ratio[n - 1] * r[n];
    return ratio;
}

/// Evaluates the Mendousse waveform W(θ) = p/p0 for one (σ, Γ), σ > 0.
///
/// Physics: W solves Burgers' equation ∂W/∂σ = W ∂W/∂θ + (1/Γ) ∂²W/∂θ² with W(θ, 0) = sin θ. The Cole–Hopf
/// substitution W = (2/Γ) ∂θ ln ζ turns it into the heat equation ∂ζ/∂σ = (1/Γ) ∂²ζ/∂θ² with
/// ζ(θ, 0) = exp(−(Γ/2) cos θ) (Hamilton & Blackstock 2008 ch. 4; Cole 1951, Hopf 1950).
///
/// Series path (D = σ/Γ >= 1): expanding ζ(θ,0) = I0(Γ/2) + 2 Σ (−1)^n I_n(Γ/2) cos nθ (A&S 9.6.34 with θ → θ+π)
/// and damping each harmonic by e^{−n² D} gives exactly the Mendousse formula of physics-numerics.md §5.1:
///   W = (4/Γ) Σ (−1)^{n+1} n ρ_n e^{−n²D} sin nθ / [1 + 2 Σ (−1)^n ρ_n e^{−n²D} cos nθ],  ρ_n = I_n(Γ/2)/I0(Γ/2).
/// For D >= 1 the sum of |terms| in the denominator is below 2 Σ e^{−n²} = 0.77 < 1, so there is no cancellation.
///
/// Integral path (D < 1): ζ(θ,σ) = (4πD)^{−1/2} ∫ exp(−(Γ/2) cos θ' − (θ'−θ)²/(4D)) dθ' (heat kernel on the line;
/// ζ(·,0) is periodic, so no images are needed). Differentiating under the integral, W = (2/Γ) ζ_θ/ζ = ⟨θ'−θ⟩/σ,
/// the mean of θ'−θ under the positive weight exp(f(θ')), f = −(Γ/2) cos θ' − (θ'−θ)²/(4D). All terms are positive,
/// so a log-sum-exp evaluation keeps full precision where the series would cancel to nothing (ζ spans e^{±Γ/2}).
/// As Γ → ∞ the weight concentrates where θ' − θ = σ sin θ', which is the Fubini solution W = sin(θ + σW).
/// Quadrature: trapezoid rule on the nodes θ' = θ + m h. The weight's log-curvature is at most
/// Γ(1+σ)/(2σ), i.e. its narrowest width is s = sqrt(2D/(1+σ)); h = s/2 bounds the trapezoid error by
/// ~exp(−8π²) ≈ 1e-34 (the integrand is entire; shifting the contour by a = 4πD/(h(1+σ)) into the complex plane,
/// where it grows at most like exp(a²(Γ/4 + 1/(4D))), gives the error bound exp(−2πa/h + that)
/// = exp(−4π²D/(h²(1+σ)))). Nodes with |θ'−θ| > L = sqrt(4D(Γ + 40)) are dropped: there f < max f − 40, because
/// max f >= f(θ) >= −Γ/2 while f <= Γ/2 − (θ'−θ)²/(4D).
class MendousseEvaluator {
public:
    MendousseEvaluator(double sigma, double goldberg) : sigma_(sigma), goldberg_(goldberg) {
        const double D = sigma / goldberg;  // α x: heat-equation time × diffusivity
        series_ = D >= 1.0;
        if (series_) {
            // Terms with e^{−n²D} < e^{−46} ≈ 1e-20 are dropped (ρ_n <= 1).
            const int nterms = static_cast<int>(std::ceil(std::sqrt(46.0 / D)));
            const std::vector<double> ratio = bessel_i_ratios(goldberg / 2.0, nterms);
            coef_.resize(static_cast<std::size_t>(nterms) + 1);
            for (std::size_t n = 1; n < coef_.size(); ++n) {
                const double dn = static_cast<double>(n);
                coef_[n] = ratio[n] * std::exp(-dn * dn * D);
            }
        } else {
            const double width = std::sqrt(2.0 * D / (1.0 + sigma));
            h_ = width / 2.0;
            const double L = std::sqrt(4.0 * D * (goldberg + 40.0));
            const long M = static_cast<long>(std::ceil(L / h_));
            const std::size_t nodes = static_cast<std::size_t>(2 * M + 1);
            offset_.resize(nodes);
            gauss_.resize(nodes);
            cos_off_.resize(nodes);
            sin_off_.resize(nodes);
            for (long m = -M; m <= M; ++m) {
                const std::size_t i = static_cast<std::size_t>(m + M);
                offset_[i] = static_cast<double>(m) * h_;
                gauss_[i] = -offset_[i] * offset_[i] / (4.0 * D);
                cos_off_[i] = std::cos(offset_[i]);
                sin_off_[i] = std::sin(offset_[i]);
            }
            f_.resize(nodes);
        }
    }

    double operator()(double theta) {
        return series_ ? series(theta) : integral(theta);
    }

private:
    double series(double theta) const {
        double num = 0.0, den = 1.0;
        for (std::size_t n = 1; n < coef_.size(); ++n) {
            const double sign = (n % 2 == 1) ? 1.0 : -1.0;  // (−1)^{n+1}
            num += sign * static_cast<double>(n) * coef_[n] * std::sin(static_cast<double>(n) * theta);
            den -= 2.0 * sign * coef_[n] * std::cos(static_cast<double>(n) * theta);
        }
        return (4.0 / goldberg_) * num / den;
    }

    double integral(double theta) {
        const double ct = std::cos(theta), st = std::sin(theta);
        const double half_gamma = 0.5 * goldberg_;
        double fmax = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < f_.size(); ++i) {
            // cos(θ + δ) by the addition theorem: no trigonometric call per node.
            f_[i] = -half_gamma * (ct * cos_off_[i] - st * sin_off_[i]) + gauss_[i];
            fmax = std::max(fmax, f_[i]);
        }
        double s0 = 0.0, s1 = 0.0;
        for (std::size_t i = 0; i < f_.size(); ++i) {
            const double w = std::exp(f_[i] - fmax);
            s0 += w;
            s1 += w * offset_[i];
        }
        return (s1 / s0) / sigma_;
    }

    double sigma_, goldberg_;
    bool series_ = false;
    std::vector<double> coef_;                                   // series path: ρ_n e^{−n²D}
    double h_ = 0.0;                                             // integral path: node spacing
    std::vector<double> offset_, gauss_, cos_off_, sin_off_, f_;  // integral path: per-node tables and scratch
};

void check_mendousse(const char* fn, double sigma, double goldberg) {
    require(sigma >= 0 && std::isfinite(sigma) && goldberg > 0 && std::isfinite(goldberg), fn,
            "sigma >= 0 and 0 < goldberg < infinity", {{"sigma", sigma}, {"goldberg", goldberg}});
}

/// Adaptive Simpson on [a, b] with whole-interval estimate `whole` (Lyness 1969 style: stop when the two halves
/// agree with the whole to 15·tol, then add the Richardson correction).
double adaptive_simpson(const std::function<double(double)>& g, double a, double b, double fa, double fm, double fb,
                        double whole, double tol, int depth) {
    const double m = 0.5 * (a + b);
    const double lm = 0.5 * (a + m), rm = 0.5 * (m + b);
    const double flm = g(lm), frm = g(rm);
    const double left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
    const double right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    const double diff = left + right - whole;
    if (depth <= 0 || std::abs(diff) <= 15.0 * tol) return left + right + diff / 15.0;
    return adaptive_simpson(g, a, m, fa, flm, fm, left, 0.5 * tol, depth - 1) +
           adaptive_simpson(g, m, b, fm, frm, fb, right, 0.5 * tol, depth - 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Focused bowl and piston
// ---------------------------------------------------------------------------------------------------------------

double oneil_rim_height_m(double roc_m, double aperture_diameter_m) {
    check_bowl("oneil_rim_height_m", roc_m, aperture_diameter_m);
    const double a = 0.5 * aperture_diameter_m;
    // h = R − sqrt(R² − a²), written as a²/(R + sqrt(R² − a²)) to avoid cancellation for shallow bowls.
    return a * a / (roc_m + std::sqrt((roc_m - a) * (roc_m + a)));
}

double oneil_focal_gain(double roc_m, double aperture_diameter_m, double f_Hz, double c) {
    check_bowl("oneil_focal_gain", roc_m, aperture_diameter_m);
    require(f_Hz > 0 && c > 0, "oneil_focal_gain", "f_Hz > 0 and c > 0", {{"f_Hz", f_Hz}, {"c", c}});
    const double k = 2.0 * pi * f_Hz / c;
    return k * oneil_rim_height_m(roc_m, aperture_diameter_m);  // G = k h (physics-numerics.md §5.6)
}

double oneil_axial_amplitude(double z_m, double roc_m, double aperture_diameter_m, double f_Hz, double c, double rho,
                             double u0) {
    check_bowl("oneil_axial_amplitude", roc_m, aperture_diameter_m);
    check_medium("oneil_axial_amplitude", f_Hz, c, rho);
    require(z_m >= 0, "oneil_axial_amplitude", "z_m >= 0 (measured from the bowl apex)", {{"z_m", z_m}});
    const double R = roc_m;
    const double a = 0.5 * aperture_diameter_m;
    const double h = oneil_rim_height_m(roc_m, aperture_diameter_m);
    const double k = 2.0 * pi * f_Hz / c;
    const double B = std::hypot(z_m - h, a);  // O'Neil eq. 3.0 terms, physics-numerics.md §5.6
    // O'Neil: p = ρ c u0 |E sin(k d/2)| with d = B − z and E = 2/(1 − z/R) = 2R/(R − z).
    // Since a² = 2Rh − h², d = (B² − z²)/(B + z) = (h² + a² − 2zh)/(B + z) = 2h(R − z)/(B + z). With
    // x = k d/2 = k h (R − z)/(B + z):  E sin(k d/2) = [2 R k h/(B + z)] · sin(x)/x,
    // which is regular at z = R (B = R there, giving k h) and avoids the cancellation in B − z.
    const double x = k * h * (R - z_m) / (B + z_m);
    return rho * c * u0 * std::abs(2.0 * R * k * h / (B + z_m) * sinc(x));
}

double oneil_lateral_focal_amplitude(double r_m, double roc_m, double aperture_diameter_m, double f_Hz, double c,
                                     double rho, double u0) {
    check_bowl("oneil_lateral_focal_amplitude", roc_m, aperture_diameter_m);
    check_medium("oneil_lateral_focal_amplitude", f_Hz, c, rho);
    const double a = 0.5 * aperture_diameter_m;
    const double k = 2.0 * pi * f_Hz / c;
    const double h = oneil_rim_height_m(roc_m, aperture_diameter_m);
    const double v = k * std::abs(r_m) * a / roc_m;
    // p(r) = 2 ρ c u0 k h J1(v)/v, v = k r a/R (physics-numerics.md §5.6, from k-Wave focusedBowlONeil.m).
    return std::abs(2.0 * rho * c * u0 * k * h * j1_over_x(v));
}

double piston_axial_amplitude(double z_m, double radius_m, double f_Hz, double c, double rho, double u0) {
    check_medium("piston_axial_amplitude", f_Hz, c, rho);
    require(radius_m > 0 && z_m >= 0, "piston_axial_amplitude", "radius_m > 0 and z_m >= 0",
            {{"radius_m", radius_m}, {"z_m", z_m}});
    const double k = 2.0 * pi * f_Hz / c;
    // sqrt(z² + a²) − z = a²/(sqrt(z² + a²) + z): no cancellation in the far field.
    const double path_difference = radius_m * radius_m / (std::hypot(z_m, radius_m) + z_m);
    // p = 2 ρ c u0 |sin(k/2 (sqrt(z² + a²) − z))| (k-Wave kspaceFirstOrderAS_piston_analytical.m; §5.5).
    return 2.0 * rho * c * u0 * std::abs(std::sin(0.5 * k * path_difference));
}

// ---------------------------------------------------------------------------------------------------------------
// Plane-wave nonlinear harmonics
// ---------------------------------------------------------------------------------------------------------------

double fubini_harmonic(int n, double sigma) {
    require(n >= 1 && sigma >= 0 && sigma <= 1, "fubini_harmonic", "n >= 1 and 0 <= sigma <= 1",
            {{"n", n}, {"sigma", sigma}});
    if (sigma == 0.0) return n == 1 ? 1.0 : 0.0;  // limit of 2 J_n(x)/x as x → 0: 1 for n = 1, 0 for n >= 2
    const double x = n * sigma;
    // B_n = 2 J_n(nσ)/(nσ) (Fubini 1935; physics-numerics.md §5.2).
    return 2.0 * std::cyl_bessel_j(static_cast<double>(n), x) / x;
}

double fay_harmonic(int n, double sigma, double goldberg) {
    require(n >= 1 && sigma >= 0 && std::isfinite(sigma) && goldberg > 0, "fay_harmonic",
            "n >= 1, sigma >= 0 and goldberg > 0", {{"n", n}, {"sigma", sigma}, {"goldberg", goldberg}});
    if (std::isinf(goldberg)) return 2.0 / (n * (1.0 + sigma));  // lossless sawtooth limit
    // B_n = 2/(Γ sinh(n(1+σ)/Γ)) (Fay 1931; Blackstock 1966; physics-numerics.md §5.4). sinh overflows to +inf
    // only when B_n < 1e-300, and then 0 is the right answer.
    return 2.0 / (goldberg * std::sinh(n * (1.0 + sigma) / goldberg));
}

double mendousse_waveform(double theta_rad, double sigma, double goldberg) {
    check_mendousse("mendousse_waveform", sigma, goldberg);
    require(std::isfinite(theta_rad), "mendousse_waveform", "finite theta_rad", {{"theta_rad", theta_rad}});
    if (sigma == 0.0) return std::sin(theta_rad);  // the source condition
    MendousseEvaluator w(sigma, goldberg);
    return w(theta_rad);
}

std::vector<double> mendousse_harmonics(double sigma, double goldberg, int nharm) {
    check_mendousse("mendousse_harmonics", sigma, goldberg);
    require(nharm >= 1, "mendousse_harmonics", "nharm >= 1", {{"nharm", nharm}});
    if (sigma == 0.0) {
        std::vector<double> b(static_cast<std::size_t>(nharm) + 1, 0.0);
        b[1] = 1.0;
        return b;
    }
    // Grid size. The spectrum decays at least like e^{−κ n} with
    //  - lossless before the shock (σ < 1): κ_F = −ln(σ e^s/(1+s)), s = sqrt(1 − σ²), the large-order rate of
    //    J_n(nσ) (Debye expansion, A&S 9.3.7);
    //  - shocked (Fay, §5.4): B_n ≈ (4/Γ) e^{−n(1+σ)/Γ}, κ = (1+σ)/Γ, a lower bound for the rate of the thicker
    //    forming shock at 1 <= σ < 3 too.
    // Aliasing onto harmonic n then comes from harmonics near N − n, so N >= 2(37/κ + nharm) keeps it below e^{−37}.
    double kappa = (1.0 + sigma) / goldberg;
    if (sigma < 1.0) {
        const double s = std::sqrt(1.0 - sigma * sigma);
        kappa = std::max(kappa, -std::log(sigma * std::exp(s) / (1.0 + s)));
    }
    const double needed = 2.0 * (37.0 / kappa + nharm) + 2.0;
    constexpr std::size_t max_points = std::size_t{1} << 22;
    require(needed <= static_cast<double>(max_points), "mendousse_harmonics",
            "goldberg/(1 + sigma) <= ~5e4 (grid would exceed 2^22 points)",
            {{"sigma", sigma}, {"goldberg", goldberg}, {"nharm", nharm}});
    std::size_t N = 4096;
    while (static_cast<double>(N) < needed) N *= 2;

    // W is odd in θ (the source sin θ is, and Burgers' equation keeps it), so only half the period is evaluated.
    MendousseEvaluator w(sigma, goldberg);
    std::vector<double> samples(N, 0.0);
    for (std::size_t j = 1; j < N / 2; ++j) {
        samples[j] = w(2.0 * pi * static_cast<double>(j) / static_cast<double>(N));
        samples[N - j] = -samples[j];
    }
    return harmonic_amplitudes(samples, nharm);
}

double blackstock_shock_amplitude(double sigma) {
    require(sigma >= 0 && std::isfinite(sigma), "blackstock_shock_amplitude", "finite sigma >= 0", {{"sigma", sigma}});
    if (sigma <= 1.0) return 0.0;  // no shock yet: the lossless waveform first becomes vertical at σ = 1
    // With φ = σu the shock relation u = sin(σu) (Blackstock 1966; physics-numerics.md §5.3) reads
    // F(φ) = sin φ − φ/σ = 0. F is concave on [0, π] with its maximum at φ* = acos(1/σ), F(φ*) > 0 and
    // F(π) = −π/σ < 0, so [φ*, π] brackets exactly one root; F(π/2) = 1 − π/(2σ) >= 0 iff σ >= π/2.
    double lo = std::acos(1.0 / sigma), hi = pi;
    for (int it = 0; it < 200; ++it) {
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;  // bracket at machine precision
        if (std::sin(mid) - mid / sigma > 0.0) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi) / sigma;
}

// ---------------------------------------------------------------------------------------------------------------
// Power-law absorption and dispersion
// ---------------------------------------------------------------------------------------------------------------

double db_per_cm_per_MHzy_to_np_per_m_per_radps_y(double alpha_db, double y) {
    require(alpha_db >= 0 && std::isfinite(y), "db_per_cm_per_MHzy_to_np_per_m_per_radps_y",
            "alpha_db >= 0 and finite y", {{"alpha_db", alpha_db}, {"y", y}});
    // α0 = 100 α_dB (1e-6/(2π))^y / (20 log10 e): per cm → per m (×100), per MHz^y → per (rad/s)^y, dB → Np
    // (k-Wave db2neper.m).
    return 100.0 * alpha_db * std::pow(1e-6 / (2.0 * pi), y) / db_per_neper;
}

double power_law_attenuation_np_per_m(double f_Hz, double alpha_db_cm_MHzy, double y) {
    require(f_Hz >= 0 && alpha_db_cm_MHzy >= 0 && std::isfinite(y), "power_law_attenuation_np_per_m",
            "f_Hz >= 0, alpha_db_cm_MHzy >= 0 and finite y",
            {{"f_Hz", f_Hz}, {"alpha_db_cm_MHzy", alpha_db_cm_MHzy}, {"y", y}});
    // α = α_dB f_MHz^y [dB/cm] · 100 [cm/m] / 8.686 [dB/Np].
    return alpha_db_cm_MHzy * std::pow(f_Hz * 1e-6, y) * 100.0 / db_per_neper;
}

double power_law_phase_speed(double f_Hz, double f_ref_Hz, double c_ref, double alpha0_Np_per_m_per_radps_y,
                             double y) {
    require(f_Hz > 0 && f_ref_Hz > 0 && c_ref > 0 && alpha0_Np_per_m_per_radps_y >= 0 && y > 0 && y < 3,
            "power_law_phase_speed", "f_Hz > 0, f_ref_Hz > 0, c_ref > 0, alpha0 >= 0 and 0 < y < 3",
            {{"f_Hz", f_Hz}, {"f_ref_Hz", f_ref_Hz}, {"c_ref", c_ref}, {"alpha0", alpha0_Np_per_m_per_radps_y},
             {"y", y}});
    const double a0 = alpha0_Np_per_m_per_radps_y;
    const double w = 2.0 * pi * f_Hz, w_ref = 2.0 * pi * f_ref_Hz;
    const double log_ratio = std::log(w / w_ref);
    double inv_c;
    if (y == 1.0) {
        // 1/c = 1/c_ref − (2 α0/π) ln(ω/ω_ref) (k-Wave powerLawKramersKronig.m, y = 1 branch; §5.9).
        inv_c = 1.0 / c_ref - (2.0 * a0 / pi) * log_ratio;
    } else {
        // 1/c = 1/c_ref + α0 tan(πy/2)(ω^{y−1} − ω_ref^{y−1}) (k-Wave powerLawKramersKronig.m; §5.9).
        // tan(πy/2) = −1/tan(π(y−1)/2) stays accurate next to its pole at y = 1, and
        // ω^{y−1} − ω_ref^{y−1} = ω_ref^{y−1} expm1((y−1) ln(ω/ω_ref)) has no cancellation there; the product
        // then tends to the y = 1 branch.
        const double tan_term = -1.0 / std::tan(0.5 * pi * (y - 1.0));
        const double diff = std::pow(w_ref, y - 1.0) * std::expm1((y - 1.0) * log_ratio);
        inv_c = 1.0 / c_ref + a0 * tan_term * diff;
    }
    require(inv_c > 0, "power_law_phase_speed", "a positive phase speed (absorption too large for this band)",
            {{"f_Hz", f_Hz}, {"inv_c", inv_c}});
    return 1.0 / inv_c;
}

// ---------------------------------------------------------------------------------------------------------------
// Interfaces
// ---------------------------------------------------------------------------------------------------------------

InterfaceCoefficients normal_incidence(double rho1, double c1, double rho2, double c2) {
    require(rho1 > 0 && c1 > 0 && rho2 > 0 && c2 > 0, "normal_incidence", "positive densities and sound speeds",
            {{"rho1", rho1}, {"c1", c1}, {"rho2", rho2}, {"c2", c2}});
    const double Z1 = rho1 * c1, Z2 = rho2 * c2;
    // R = (Z2 − Z1)/(Z2 + Z1), T = 2 Z2/(Z1 + Z2), I_T = 4 Z1 Z2/(Z1 + Z2)² (Kinsler et al.; physics-numerics.md §5.8).
    return {(Z2 - Z1) / (Z2 + Z1), 2.0 * Z2 / (Z1 + Z2), 4.0 * Z1 * Z2 / ((Z1 + Z2) * (Z1 + Z2))};
}

InterfaceCoefficients oblique_incidence(double rho1, double c1, double rho2, double c2, double theta_incident_rad) {
    require(rho1 > 0 && c1 > 0 && rho2 > 0 && c2 > 0, "oblique_incidence", "positive densities and sound speeds",
            {{"rho1", rho1}, {"c1", c1}, {"rho2", rho2}, {"c2", c2}});
    require(theta_incident_rad >= 0 && theta_incident_rad <= 0.5 * pi, "oblique_incidence",
            "0 <= theta_incident_rad <= pi/2", {{"theta_incident_rad", theta_incident_rad}});
    const double Z1 = rho1 * c1, Z2 = rho2 * c2;
    const double cos1 = std::cos(theta_incident_rad), sin1 = std::sin(theta_incident_rad);
    const double n = c2 / c1;
    // Snell: sin θ2 = n sin θ1, so cos²θ2 = 1 − n² sin²θ1 = cos²θ1 + sin²θ1 (1 − n)(1 + n); this form gives
    // cos θ2 = cos θ1 exactly when c1 = c2.
    const double cos2_sq = cos1 * cos1 + sin1 * sin1 * (1.0 - n) * (1.0 + n);
    if (cos2_sq >= 0.0) {
        const double cos2 = std::sqrt(cos2_sq);
        const double den = Z2 * cos1 + Z1 * cos2;
        // R = (Z2 cos θ1 − Z1 cos θ2)/(Z2 cos θ1 + Z1 cos θ2) (Kinsler et al.; physics-numerics.md §5.8).
        const double R = (Z2 * cos1 - Z1 * cos2) / den;
        return {R, 1.0 + R, 4.0 * Z1 * Z2 * cos1 * cos2 / (den * den)};
    }
    // Total internal reflection: cos θ2 = i β, β = sqrt(n² sin²θ1 − 1) (evanescent wave), so
    // R = (Z2 cos θ1 − i Z1 β)/(Z2 cos θ1 + i Z1 β) has |R| = 1 and 1 + R = 2 Z2 cos θ1/(Z2 cos θ1 + i Z1 β).
    const double beta = std::sqrt(-cos2_sq);
    const double T = 2.0 * Z2 * cos1 / std::hypot(Z2 * cos1, Z1 * beta);
    return {1.0, T, 0.0};
}

// ---------------------------------------------------------------------------------------------------------------
// Point and line sources
// ---------------------------------------------------------------------------------------------------------------

double monopole_pressure(double r_m, double t_s, double rho, double c, const std::function<double(double)>& qdot) {
    require(r_m > 0 && rho > 0 && c > 0, "monopole_pressure", "r_m > 0, rho > 0 and c > 0",
            {{"r_m", r_m}, {"rho", rho}, {"c", c}});
    // p = ρ q̇(t − r/c)/(4π r) (free-space Green's function δ(t − r/c)/(4π r); physics-numerics.md §5.10).
    return rho * qdot(t_s - r_m / c) / (4.0 * pi * r_m);
}

double green_2d(double r_m, double t_s, double c) {
    require(r_m >= 0 && c > 0, "green_2d", "r_m >= 0 and c > 0", {{"r_m", r_m}, {"c", c}});
    const double t_arrival = r_m / c;
    if (t_s < t_arrival) return 0.0;
    if (t_s == t_arrival) return std::numeric_limits<double>::infinity();
    // G = H(t − r/c)/(2π sqrt(t² − r²/c²)) (physics-numerics.md §5.10), with t² − r²/c² factored for accuracy.
    return 1.0 / (2.0 * pi * std::sqrt((t_s - t_arrival) * (t_s + t_arrival)));
}

double line_source_pressure(double r_m, double t_s, double rho, double c,
                            const std::function<double(double)>& qdot_per_m, double qdot_start_s, double rel_tol) {
    require(r_m > 0 && rho > 0 && c > 0 && rel_tol > 0, "line_source_pressure", "r_m > 0, rho > 0, c > 0, rel_tol > 0",
            {{"r_m", r_m}, {"rho", rho}, {"c", c}, {"rel_tol", rel_tol}});
    const double tau0 = r_m / c;
    const double s_max_sq = t_s - tau0 - qdot_start_s;
    if (s_max_sq <= 0.0) return 0.0;  // the wavefront from the source's first motion has not arrived
    const double s_max = std::sqrt(s_max_sq);
    // p = (ρ/π) ∫_0^{s_max} q̇(t − r/c − s²)/sqrt(2r/c + s²) ds: from p = ρ ∫ G2D(τ) q̇(t − τ) dτ with τ = r/c + s²,
    // since τ² − r²/c² = s²(2r/c + s²) and dτ = 2s ds.
    const std::function<double(double)> g = [&](double s) {
        return qdot_per_m(t_s - tau0 - s * s) / std::sqrt(2.0 * tau0 + s * s);
    };
    // A 64-panel composite estimate of ∫|g| sets the absolute tolerance, so an integral that cancels to ~0 does
    // not demand impossible relative accuracy; then each panel is refined adaptively.
    constexpr std::size_t panels = 64;
    const double w = s_max / panels;
    std::vector<double> node(2 * panels + 1);
    for (std::size_t i = 0; i <= 2 * panels; ++i) node[i] = g(0.5 * w * static_cast<double>(i));
    double scale = 0.0;
    for (std::size_t p = 0; p < panels; ++p)
        scale += w / 6.0 * (std::abs(node[2 * p]) + 4.0 * std::abs(node[2 * p + 1]) + std::abs(node[2 * p + 2]));
    if (scale == 0.0) return 0.0;
    const double tol = rel_tol * scale / panels;
    double sum = 0.0;
    for (std::size_t p = 0; p < panels; ++p) {
        const double a = w * static_cast<double>(p), b = w * static_cast<double>(p + 1);
        const double fa = node[2 * p], fm = node[2 * p + 1], fb = node[2 * p + 2];
        sum += adaptive_simpson(g, a, b, fa, fm, fb, (b - a) / 6.0 * (fa + 4.0 * fm + fb), tol, 40);
    }
    return rho / pi * sum;
}

// ---------------------------------------------------------------------------------------------------------------
// Lithotripter pulse
// ---------------------------------------------------------------------------------------------------------------

double church_pulse(double t_s, double p0_Pa, double alpha_per_s, double omega_rad_per_s) {
    require(alpha_per_s >= 0 && omega_rad_per_s >= 0, "church_pulse", "alpha_per_s >= 0 and omega_rad_per_s >= 0",
            {{"alpha_per_s", alpha_per_s}, {"omega_rad_per_s", omega_rad_per_s}});
    if (t_s < 0.0) return 0.0;
    // p(t) = 2 p0 e^{−αt} cos(ωt + π/3), t >= 0 (Church, JASA 86(1):215–227, 1989).
    return 2.0 * p0_Pa * std::exp(-alpha_per_s * t_s) * std::cos(omega_rad_per_s * t_s + pi / 3.0);
}

// ---------------------------------------------------------------------------------------------------------------
// Spectral and convergence helpers
// ---------------------------------------------------------------------------------------------------------------

std::complex<double> single_bin_dft(const std::vector<double>& x, double dt, double f_Hz) {
    require(!x.empty() && dt > 0 && f_Hz > 0, "single_bin_dft", "non-empty x, dt > 0 and f_Hz > 0",
            {{"size", static_cast<double>(x.size())}, {"dt", dt}, {"f_Hz", f_Hz}});
    // X = (2/N) Σ x_n e^{−iωt_n}. For x = A cos(ωt + φ) = (A/2)(e^{i(ωt+φ)} + e^{−i(ωt+φ)}) over whole periods the
    // e^{−i(2ωt)} term sums to zero and X = A e^{iφ}. The phase is computed per sample (no recurrence drift).
    const double dphi = 2.0 * pi * f_Hz * dt;
    std::complex<double> sum{0.0, 0.0};
    for (std::size_t n = 0; n < x.size(); ++n) sum += x[n] * std::polar(1.0, -dphi * static_cast<double>(n));
    return 2.0 * sum / static_cast<double>(x.size());
}

std::vector<double> harmonic_amplitudes(const std::vector<double>& one_period_samples, int nharm) {
    const std::size_t N = one_period_samples.size();
    require(nharm >= 1 && 2 * static_cast<std::size_t>(nharm) < N, "harmonic_amplitudes", "1 <= nharm < N/2",
            {{"nharm", nharm}, {"N", static_cast<double>(N)}});
    // Twiddle table e^{−i2πj/N}; harmonic n uses entry (n j) mod N, so every phase is exact to rounding.
    std::vector<double> cos_t(N), sin_t(N);
    for (std::size_t j = 0; j < N; ++j) {
        const double phase = 2.0 * pi * static_cast<double>(j) / static_cast<double>(N);
        cos_t[j] = std::cos(phase);
        sin_t[j] = std::sin(phase);
    }
    std::vector<double> amp(static_cast<std::size_t>(nharm) + 1);
    double mean = 0.0;
    for (double v : one_period_samples) mean += v;
    amp[0] = mean / static_cast<double>(N);
    for (std::size_t n = 1; n < amp.size(); ++n) {
        double re = 0.0, im = 0.0;
        std::size_t idx = 0;  // (n j) mod N, advanced incrementally
        for (std::size_t j = 0; j < N; ++j) {
            re += one_period_samples[j] * cos_t[idx];
            im -= one_period_samples[j] * sin_t[idx];
            idx += n;
            if (idx >= N) idx -= N;
        }
        amp[n] = 2.0 * std::hypot(re, im) / static_cast<double>(N);
    }
    return amp;
}

double observed_order(double e_coarse, double e_fine, double refinement_ratio) {
    require(e_coarse > 0 && e_fine > 0 && refinement_ratio > 1, "observed_order",
            "e_coarse > 0, e_fine > 0 and refinement_ratio > 1",
            {{"e_coarse", e_coarse}, {"e_fine", e_fine}, {"refinement_ratio", refinement_ratio}});
    return std::log(e_coarse / e_fine) / std::log(refinement_ratio);  // e = C h^p ⇒ p = ln(e_c/e_f)/ln(r)
}

}  // namespace lithosim::analytic
