#include "solver/absorption.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>

namespace lithosim {

namespace {
constexpr double pi = std::numbers::pi;

/// Lawson-Hanson non-negative least squares: min |A x - b| subject to x >= 0.
Eigen::VectorXd nnls(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
    const int n = int(A.cols());
    Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
    std::vector<bool> passive(n, false);
    for (int outer = 0; outer < 3 * n + 10; ++outer) {
        Eigen::VectorXd w = A.transpose() * (b - A * x);
        int jmax = -1;
        double wmax = 1e-12 * (A.transpose() * b).cwiseAbs().maxCoeff();
        for (int j = 0; j < n; ++j)
            if (!passive[j] && w[j] > wmax) { wmax = w[j]; jmax = j; }
        if (jmax < 0) break;
        passive[jmax] = true;
        for (int inner = 0; inner < 3 * n + 10; ++inner) {
            std::vector<int> P;
            for (int j = 0; j < n; ++j) if (passive[j]) P.push_back(j);
            Eigen::MatrixXd Ap(A.rows(), P.size());
            for (std::size_t k = 0; k < P.size(); ++k) Ap.col(k) = A.col(P[k]);
            Eigen::VectorXd z = Ap.colPivHouseholderQr().solve(b);
            bool all_pos = true;
            for (std::size_t k = 0; k < P.size(); ++k) all_pos = all_pos && z[k] > 0;
            if (all_pos) {
                x.setZero();
                for (std::size_t k = 0; k < P.size(); ++k) x[P[k]] = z[k];
                break;
            }
            double step = 1;
            for (std::size_t k = 0; k < P.size(); ++k)
                if (z[k] <= 0) step = std::min(step, x[P[k]] / (x[P[k]] - z[k]));
            for (std::size_t k = 0; k < P.size(); ++k) x[P[k]] += step * (z[k] - x[P[k]]);
            for (std::size_t k = 0; k < P.size(); ++k)
                if (x[P[k]] <= 1e-15) { x[P[k]] = 0; passive[P[k]] = false; }
        }
    }
    return x;
}

std::vector<double> band_frequencies(const RelaxationBand& band, int count) {
    std::vector<double> f(count);
    for (int i = 0; i < count; ++i)
        f[i] = band.f_min_Hz * std::pow(band.f_max_Hz / band.f_min_Hz, double(i) / (count - 1));
    return f;
}

/// Power-law Kramers-Kronig phase speed (Szabo; as in k-Wave powerLawKramersKronig.m).
double kk_speed(double w, double w0, double c0, double a0, double y) {
    if (std::abs(y - 1) < 1e-9) return 1.0 / (1.0 / c0 - (2 * a0 / pi) * std::log(w / w0));
    return 1.0 / (1.0 / c0 + a0 * std::tan(pi * y / 2) * (std::pow(w, y - 1) - std::pow(w0, y - 1)));
}
}  // namespace

double db_cm_mhz_to_np_m_radps(double alpha_dB, double y) {
    // alpha [Np/m] = alpha_dB * 100 / (20 log10 e) at 1 MHz, and (2 pi 1e6)^y rad/s per MHz^y.
    return 100.0 * alpha_dB * std::pow(1e-6 / (2 * pi), y) / (20.0 * std::log10(std::exp(1.0)));
}

double thermoviscous_diffusivity(double alpha_dB_cm_MHz2, double c) {
    const double alpha0 = db_cm_mhz_to_np_m_radps(alpha_dB_cm_MHz2, 2.0);  // alpha = alpha0 omega^2
    return 2.0 * c * c * c * alpha0;                                       // delta = 2 c^3 alpha / omega^2
}

std::vector<double> relaxation_times(const RelaxationBand& band, double lo_factor, double hi_factor) {
    // A mechanism peaks in loss per wavelength at omega tau = 1; log-spaced relaxation frequencies cover the
    // band from end to end.
    const int N = std::max(1, band.mechanisms);
    std::vector<double> tau(N);
    const double f_lo = lo_factor * band.f_min_Hz, f_hi = hi_factor * band.f_max_Hz;
    for (int l = 0; l < N; ++l) {
        const double fl = N == 1 ? std::sqrt(f_lo * f_hi) : f_lo * std::pow(f_hi / f_lo, double(l) / (N - 1));
        tau[l] = 1.0 / (2 * pi * fl);
    }
    return tau;
}

void relaxation_response(const RelaxationFit& fit, const std::vector<double>& tau, double c, double f_Hz,
                         double& alpha, double& speed) {
    using cd = std::complex<double>;
    const double w = 2 * pi * f_Hz;
    cd M = 1.0;
    for (std::size_t l = 0; l < tau.size(); ++l) {
        const cd iwt(0, w * tau[l]);
        M += fit.a[l] * iwt / (1.0 + iwt);
    }
    M *= fit.K_ratio;                       // modulus / rho in units of c^2
    const cd k = w / (c * std::sqrt(M));   // e^{i(omega t - k x)}
    alpha = -k.imag();
    speed = w / k.real();
}

RelaxationFit fit_relaxation(double alpha0, double y, double c, const RelaxationBand& band,
                             const std::vector<double>& tau) {
    RelaxationFit fit;
    fit.a.assign(tau.size(), 0.0);
    if (alpha0 <= 0) return fit;
    // First-order (small loss) attenuation of mechanism l: alpha_l(omega) = (omega / 2c) a_l omega tau /
    // (1 + omega^2 tau^2). Fit sum_l a_l alpha_l / alpha_target = 1 at log-spaced frequencies.
    const auto f = band_frequencies(band, 64);
    Eigen::MatrixXd A(f.size(), tau.size());
    Eigen::VectorXd b = Eigen::VectorXd::Ones(f.size());
    for (std::size_t i = 0; i < f.size(); ++i) {
        const double w = 2 * pi * f[i], target = alpha0 * std::pow(w, y);
        for (std::size_t l = 0; l < tau.size(); ++l)
            A(i, l) = (w / (2 * c)) * (w * tau[l]) / (1 + w * w * tau[l] * tau[l]) / target;
    }
    // First-order fit, minimax by iteratively reweighted least squares (Lawson): rows with large residuals
    // gain weight.
    auto minimax_nnls = [&](const Eigen::MatrixXd& M, const Eigen::VectorXd& rhs) {
        Eigen::VectorXd weight = Eigen::VectorXd::Ones(M.rows()), x;
        for (int it = 0; it < 12; ++it) {
            x = nnls(weight.asDiagonal() * M, weight.asDiagonal() * rhs);
            const Eigen::VectorXd r = (M * x - rhs).cwiseAbs();
            const double rmax = r.maxCoeff();
            if (rmax <= 0) break;
            for (Eigen::Index i = 0; i < weight.size(); ++i) weight[i] *= std::sqrt(0.1 + r[i] / rmax);
            weight /= weight.maxCoeff();
        }
        return x;
    };
    Eigen::VectorXd a = minimax_nnls(A, b);

    // Then Gauss-Newton on the exact dispersion relation (large losses: bone, stones), keeping a >= 0:
    // residual r_i(a) = alpha_exact(f_i; a) / alpha_target(f_i) - 1, with c(f_ref) = c re-anchored each time.
    auto exact_ratio = [&](const Eigen::VectorXd& x) {
        RelaxationFit t;
        t.a.assign(x.data(), x.data() + x.size());
        double al, sp;
        relaxation_response(t, tau, c, band.f_ref_Hz, al, sp);
        t.K_ratio = (c / sp) * (c / sp);
        Eigen::VectorXd r(f.size());
        for (std::size_t i = 0; i < f.size(); ++i) {
            relaxation_response(t, tau, c, f[i], al, sp);
            r[i] = al / (alpha0 * std::pow(2 * pi * f[i], y));
        }
        return r;
    };
    for (int it = 0; it < 8; ++it) {
        const Eigen::VectorXd r0 = exact_ratio(a);
        Eigen::MatrixXd J(f.size(), tau.size());
        for (std::size_t l = 0; l < tau.size(); ++l) {
            Eigen::VectorXd ap = a;
            const double h = std::max(1e-7, 1e-4 * a[l]);
            ap[l] += h;
            J.col(l) = (exact_ratio(ap) - r0) / h;
        }
        a = minimax_nnls(J, b - r0 + J * a);
    }
    for (std::size_t l = 0; l < tau.size(); ++l) fit.a[l] = a[l];

    // Correct for the exact dispersion relation with a few fixed-point sweeps on the overall scale, then
    // anchor the phase speed: K_ratio so that c(f_ref) = c.
    for (int it = 0; it < 4; ++it) {
        fit.K_ratio = 1;
        double al, sp;
        relaxation_response(fit, tau, c, band.f_ref_Hz, al, sp);
        fit.K_ratio = (c / sp) * (c / sp);
        double rmin = 1e300, rmax = 0;  // scale that centres the ratio alpha_fit / alpha_target on 1
        for (double fi : f) {
            relaxation_response(fit, tau, c, fi, al, sp);
            const double r = al / (alpha0 * std::pow(2 * pi * fi, y));
            rmin = std::min(rmin, r);
            rmax = std::max(rmax, r);
        }
        const double s = 2.0 / (rmin + rmax);
        for (auto& v : fit.a) v *= s;
    }
    fit.K_ratio = 1;
    double al, sp;
    relaxation_response(fit, tau, c, band.f_ref_Hz, al, sp);
    fit.K_ratio = (c / sp) * (c / sp);

    const double w0 = 2 * pi * band.f_ref_Hz;
    for (double fi : f) {
        relaxation_response(fit, tau, c, fi, al, sp);
        const double t = alpha0 * std::pow(2 * pi * fi, y);
        fit.max_rel_error = std::max(fit.max_rel_error, std::abs(al / t - 1));
        fit.max_speed_error_m_per_s =
            std::max(fit.max_speed_error_m_per_s, std::abs(sp - kk_speed(2 * pi * fi, w0, c, alpha0, y)));
    }
    return fit;
}

std::vector<double> best_relaxation_times(const RelaxationBand& band,
                                          const std::vector<std::array<double, 3>>& laws) {
    std::vector<double> best = relaxation_times(band);
    double best_err = 1e300;
    for (double lo : {1.0, 0.5, 0.2, 0.1})
        for (double hi : {1.0, 2.0, 4.0}) {
            const auto tau = relaxation_times(band, lo, hi);
            double worst = 0;
            for (const auto& law : laws)
                worst = std::max(worst, fit_relaxation(law[0], law[1], law[2], band, tau).max_rel_error);
            if (worst < best_err) {
                best_err = worst;
                best = tau;
            }
        }
    return best;
}

}  // namespace lithosim
