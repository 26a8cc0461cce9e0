// Power-law absorption alpha(f) = alpha0 * f^y in the time domain.
//
// Two mechanisms, chosen per cell:
//  * y == 2 (thermoviscous): a viscous pressure  p_visc = -rho*delta * div(u)  with sound diffusivity
//    delta = 2 c^3 alpha(omega) / omega^2, which gives alpha = delta omega^2 / (2 c^3) exactly and, to first
//    order, no dispersion (as Kramers-Kronig requires for y = 2).
//  * otherwise: N relaxation mechanisms (a generalised standard linear solid). With D = div(u) and memory
//    variables m_l,
//        dp/dt  = -K_U D + K_R sum_l a_l m_l ,      K_U = K_R (1 + sum_l a_l)
//        dm_l/dt = (D - m_l) / tau_l
//    i.e. the modulus M(omega) = K_R (1 + sum_l a_l i omega tau_l / (1 + i omega tau_l)), which is causal, so
//    the dispersion that comes with the attenuation satisfies Kramers-Kronig by construction.
//    The relaxation times tau_l are fixed and log-spaced over the band; the strengths a_l >= 0 are fitted by
//    non-negative least squares to the relative attenuation error over the band (log-spaced frequencies),
//    then K_R is set so that the phase speed at f_ref equals the given c. This follows the idea of the
//    multiple-relaxation absorption in Fullwave (Pinton 2021, arXiv:2106.11476); the fitting is ours.
#pragma once
#include <array>
#include <vector>

namespace lithosim {

struct RelaxationBand {
    double f_min_Hz = 50e3;    ///< default band 50 kHz - 5 MHz
    double f_max_Hz = 5e6;
    double f_ref_Hz = 1e6;     ///< frequency at which the phase speed equals the medium's c
    int mechanisms = 4;
};

/// Relaxation times shared by every cell of a run (so the per-cell state is only the strengths):
/// relaxation frequencies log-spaced from lo_factor f_min to hi_factor f_max.
std::vector<double> relaxation_times(const RelaxationBand& band, double lo_factor = 1.0, double hi_factor = 2.0);

struct RelaxationFit {
    std::vector<double> a;          ///< strengths a_l (dimensionless, >= 0)
    double K_ratio = 1;             ///< K_R / (rho c^2): relaxed modulus relative to rho c^2 so that c(f_ref) = c
    double max_rel_error = 0;       ///< max |alpha_fit/alpha_target - 1| over the band (exact dispersion relation)
    double max_speed_error_m_per_s = 0;  ///< max |c_fit - c_KK| over the band, c_KK from the power-law KK relation
};

/// Fit alpha0 [Np/(m (rad/s)^y)], y, at sound speed c, to the shared relaxation times.
RelaxationFit fit_relaxation(double alpha0_Np_m_radps_y, double y, double c, const RelaxationBand& band,
                             const std::vector<double>& tau);

/// Choose the span of the shared relaxation times that minimises the worst fit error over the given
/// power laws {alpha0 [Np/(m (rad/s)^y)], y, c}; returns the times.
std::vector<double> best_relaxation_times(const RelaxationBand& band,
                                          const std::vector<std::array<double, 3>>& laws);

/// Exact complex-wavenumber evaluation of a fitted medium: attenuation (Np/m) and phase speed (m/s) at f.
void relaxation_response(const RelaxationFit& fit, const std::vector<double>& tau, double c, double f_Hz,
                         double& alpha_Np_per_m, double& phase_speed);

/// dB/(cm MHz^y) -> Np/(m (rad/s)^y) (same conversion as k-Wave's db2neper).
double db_cm_mhz_to_np_m_radps(double alpha_dB, double y);

/// Sound diffusivity delta (m^2/s) that gives alpha0 (dB/(cm MHz^2)) for y = 2 at sound speed c.
double thermoviscous_diffusivity(double alpha_dB_cm_MHz2, double c);

}  // namespace lithosim
