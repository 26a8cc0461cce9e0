// Analytic and semi-analytic reference solutions for the validation cases of
// /work/shared/reference/physics-numerics.md §5: focused bowl and piston fields, plane-wave nonlinear harmonics
// (Fubini, Fay, Mendousse, Blackstock shock amplitude), power-law absorption with Kramers–Kronig dispersion, planar
// interfaces, point and line sources, a lithotripter pulse model, and two small spectral/convergence helpers.
//
// Units: SI in every argument and result (m, s, Pa, Hz, kg/m^3, m/s, rad). Angular quantities say so in their name.
// Plane-wave nonlinear quantities are dimensionless: sigma = x / x_sh is the Fubini distance (x_sh = 1/(beta eps k)),
// goldberg = Gamma = beta eps k / alpha, and harmonic amplitudes are normalised by the source amplitude p0.
//
// Errors: invalid arguments (outside the domain where a formula holds) throw std::invalid_argument whose message
// names the condition and the values.
#pragma once
#include <complex>
#include <functional>
#include <vector>

namespace lithosim::analytic {

// ---------------------------------------------------------------------------------------------------------------
// Focused bowl (O'Neil 1949) and plane circular piston — linear, continuous wave, velocity amplitude u0 on the face.
// ---------------------------------------------------------------------------------------------------------------

/// Rim height of a spherical bowl, h = R − sqrt(R² − a²) with a = D/2 (physics-numerics.md §5.6), in m.
/// Requires 0 < D <= 2R.
double oneil_rim_height_m(double roc_m, double aperture_diameter_m);

/// O'Neil on-axis pressure amplitude of a focused bowl, Pa, at distance z_m >= 0 from the bowl apex
/// (O'Neil, JASA 21(5):516–526, 1949, eqs. 3.0–3.2, as coded in k-Wave focusedBowlONeil.m; physics-numerics.md §5.6):
///   B = sqrt((z − h)² + a²),  d = B − z,  E = 2/(1 − z/R),  p = ρ c u0 |E sin(k d / 2)|,  k = 2π f / c.
/// Evaluated in a form with no singularity at the geometric focus z = R (where p = ρ c u0 k h); see analytic.cpp.
double oneil_axial_amplitude(double z_m, double roc_m, double aperture_diameter_m, double f_Hz, double c, double rho,
                             double u0);

/// O'Neil focal pressure gain G = p(z = R) / (ρ c u0) = k h (dimensionless; physics-numerics.md §5.6).
double oneil_focal_gain(double roc_m, double aperture_diameter_m, double f_Hz, double c);

/// O'Neil pressure amplitude in the geometric focal plane at radius r_m from the axis, Pa
/// (physics-numerics.md §5.6): p(r) = 2 ρ c u0 k h · J1(v)/v with v = k r a / R. p(0) = ρ c u0 k h.
double oneil_lateral_focal_amplitude(double r_m, double roc_m, double aperture_diameter_m, double f_Hz, double c,
                                     double rho, double u0);

/// On-axis pressure amplitude of a baffled circular piston of radius a, Pa, at distance z_m >= 0 from its face
/// (k-Wave testing/unit/kspaceFirstOrderAS_piston_analytical.m; physics-numerics.md §5.5):
///   p(z) = 2 ρ c u0 |sin(k/2 · (sqrt(z² + a²) − z))|.
double piston_axial_amplitude(double z_m, double radius_m, double f_Hz, double c, double rho, double u0);

// ---------------------------------------------------------------------------------------------------------------
// Plane progressive nonlinear waves from a source p(0, t) = p0 sin(ω t). Harmonic n has amplitude B_n · p0.
// ---------------------------------------------------------------------------------------------------------------

/// Fubini harmonic amplitude (lossless, before the shock), B_n = 2 J_n(nσ)/(nσ), n >= 1, 0 <= σ <= 1
/// (physics-numerics.md §5.2). The σ → 0 limit is used at σ = 0: B_1 = 1, B_n = 0 for n >= 2.
double fubini_harmonic(int n, double sigma);

/// Fay harmonic amplitude (old-age sawtooth with thermoviscous loss), B_n = 2/(Γ sinh(n(1 + σ)/Γ)), n >= 1
/// (Fay 1931 / Blackstock 1966; physics-numerics.md §5.4). goldberg = +infinity gives the lossless sawtooth
/// B_n = 2/(n(1 + σ)). Meant for σ ≳ 3; for smaller σ use mendousse_harmonics.
double fay_harmonic(int n, double sigma, double goldberg);

/// Mendousse steady-state thermoviscous plane wave p/p0 at phase theta_rad = ω τ (τ retarded time), exact solution
/// of Burgers' equation (Hamilton & Blackstock 2008 ch. 4 eq. (264), as in k-Wave mendousse.m; physics-numerics.md
/// §5.1), at Fubini distance sigma >= 0 and Goldberg number 0 < goldberg < infinity. α x = σ/Γ.
/// Typed in literally, the Bessel series of §5.1 cancels catastrophically: its denominator spans up to e^{±Γ/2}, so
/// precision is gone for Γ ≳ 30 at small σ. For σ/Γ < 1 the same solution is therefore evaluated as its heat-kernel
/// integral in log space, and for σ/Γ >= 1 (where the series is benign) as the series with Bessel-function ratios;
/// see analytic.cpp. Both agree with the literal series to 1e-10 where that still works.
double mendousse_waveform(double theta_rad, double sigma, double goldberg);

/// Harmonic amplitudes of the Mendousse solution: element [n] is B_n = |harmonic n| / p0 for n = 1..nharm, and
/// element [0] is the mean (0 for this odd waveform); size nharm + 1. Computed from mendousse_waveform on a uniform
/// grid over one period whose size (>= 4096 points) is chosen so that aliasing stays below ~1e-15; the cost grows
/// like Γ^{1.5}/(1+σ)^{0.5} for shocked waves (σ >= 1): ~0.1 s at Γ = 1e3, a few seconds at Γ = 1e4.
std::vector<double> mendousse_harmonics(double sigma, double goldberg, int nharm);

/// Lossless shock half-jump p_sh/p0 of an initially sinusoidal plane wave at Fubini distance σ (Blackstock 1966;
/// physics-numerics.md §5.3): the root u of u = sin(σ u) with σu in (0, π).
///  - σ <= 1: returns 0 (the waveform is still continuous; the shock forms at σ = 1).
///  - 1 < σ < π/2: the shock is growing and σu < π/2; the waveform peak (still 1) is behind the shock.
///  - σ >= π/2: the branch σu in [π/2, π]; the shock has overtaken the peak, so the result is also the peak pressure.
/// For large σ it tends to π/(1 + σ).
double blackstock_shock_amplitude(double sigma);

// ---------------------------------------------------------------------------------------------------------------
// Power-law absorption α(ω) = α0 ω^y and Kramers–Kronig dispersion.
// ---------------------------------------------------------------------------------------------------------------

/// Converts α in dB/(MHz^y cm) to α0 in Np/((rad/s)^y m): α0 = 100 α_dB (1e-6/(2π))^y / (20 log10 e)
/// (k-Wave db2neper.m).
double db_per_cm_per_MHzy_to_np_per_m_per_radps_y(double alpha_db, double y);

/// Attenuation α(f) in Np/m for α given in dB/(MHz^y cm): α = α_dB f_MHz^y · 100 / (20 log10 e)
/// (20 log10 e = 8.686 dB per neper). Equal to α0 ω^y with α0 from the conversion above.
double power_law_attenuation_np_per_m(double f_Hz, double alpha_db_cm_MHzy, double y);

/// Phase speed c(f), m/s, for power-law absorption α0 ω^y with c = c_ref at f_ref (k-Wave powerLawKramersKronig.m;
/// Szabo-type Kramers–Kronig relation; physics-numerics.md §5.9), 0 < y < 3:
///   y != 1: 1/c = 1/c_ref + α0 tan(π y/2) (ω^{y−1} − ω_ref^{y−1});   y = 1: 1/c = 1/c_ref − (2 α0/π) ln(ω/ω_ref).
/// Both branches meet continuously at y = 1 and are evaluated without cancellation near it.
double power_law_phase_speed(double f_Hz, double f_ref_Hz, double c_ref, double alpha0_Np_per_m_per_radps_y, double y);

// ---------------------------------------------------------------------------------------------------------------
// Planar fluid–fluid interface, plane wave from medium 1 (ρ1, c1) into medium 2 (ρ2, c2).
// ---------------------------------------------------------------------------------------------------------------

struct InterfaceCoefficients {
    double R;            ///< pressure reflection coefficient p_r / p_i (signed)
    double T;            ///< pressure transmission coefficient p_t / p_i at the interface (= 1 + R)
    double intensity_T;  ///< transmitted fraction of the incident power flux through the interface (= 1 − R²)
};

/// Normal incidence (physics-numerics.md §5.8): R = (Z2 − Z1)/(Z2 + Z1), T = 2 Z2/(Z1 + Z2),
/// intensity_T = 4 Z1 Z2/(Z1 + Z2)², Z = ρ c.
InterfaceCoefficients normal_incidence(double rho1, double c1, double rho2, double c2);

/// Oblique incidence at angle theta_incident_rad in [0, π/2] from the normal (physics-numerics.md §5.8):
/// Snell sin θ2 = (c2/c1) sin θ1, R = (Z2 cos θ1 − Z1 cos θ2)/(Z2 cos θ1 + Z1 cos θ2), T = 1 + R,
/// intensity_T = 1 − R² = 4 Z1 Z2 cos θ1 cos θ2/(Z2 cos θ1 + Z1 cos θ2)² (normal power flux).
/// Total internal reflection (sin θ2 > 1): the transmitted wave is evanescent and R is complex with |R| = 1; this
/// returns R = 1 (the magnitude), T = |1 + R| (the evanescent pressure amplitude at the interface over p_i) and
/// intensity_T = 0.
InterfaceCoefficients oblique_incidence(double rho1, double c1, double rho2, double c2, double theta_incident_rad);

// ---------------------------------------------------------------------------------------------------------------
// Point and line sources in a homogeneous fluid (physics-numerics.md §5.10), Green's function of
// (1/c²) ∂²/∂t² − ∇².
// ---------------------------------------------------------------------------------------------------------------

/// Pressure of a 3D monopole of volume velocity q(t) (m³/s) at distance r_m > 0: p = ρ q̇(t − r/c)/(4π r), Pa.
/// qdot is dq/dt in m³/s².
double monopole_pressure(double r_m, double t_s, double rho, double c, const std::function<double(double)>& qdot);

/// 2D free-space Green's function H(t − r/c)/(2π sqrt(t² − r²/c²)), 1/s (infinite at the wavefront t = r/c,
/// returned as +infinity there). Its tail decays like 1/(2π t): 2D pulses do not end at the trailing edge.
double green_2d(double r_m, double t_s, double c);

/// Pressure of an infinite line source (2D monopole) of volume velocity per unit length q(t) (m²/s) at distance
/// r_m > 0: p = ρ ∫ green_2d(r, t') q̇(t − t') dt', Pa, equal to the 3D monopole field integrated along the line.
/// qdot_per_m is dq/dt in m²/s² and must vanish for times before qdot_start_s. The integrable wavefront singularity is
/// removed by t' = r/c + s², leaving p = (ρ/π) ∫_0^{s_max} q̇(t − r/c − s²)/sqrt(2r/c + s²) ds, which is integrated
/// adaptively (Simpson) to relative accuracy rel_tol.
double line_source_pressure(double r_m, double t_s, double rho, double c,
                            const std::function<double(double)>& qdot_per_m, double qdot_start_s,
                            double rel_tol = 1e-10);

// ---------------------------------------------------------------------------------------------------------------
// Lithotripter pulse model.
// ---------------------------------------------------------------------------------------------------------------

/// Church (JASA 86(1):215–227, 1989) lithotripter pulse p(t) = 2 p0 e^{−α t} cos(ω t + π/3) for t >= 0, 0 before;
/// p(0+) = p0. No default parameters are given here: the published fit values were not found in a public copy, so
/// callers pass p0 (Pa), α (1/s) and ω (rad/s) with their own source.
double church_pulse(double t_s, double p0_Pa, double alpha_per_s, double omega_rad_per_s);

// ---------------------------------------------------------------------------------------------------------------
// Spectral and convergence helpers.
// ---------------------------------------------------------------------------------------------------------------

/// One DFT bin at arbitrary frequency f_Hz > 0 of samples x[n] taken at t_n = n dt:
/// X = (2/N) Σ x[n] e^{−i 2π f t_n}. A record A cos(2π f t + φ) covering an integer number of periods gives
/// X = A e^{iφ} (so |X| = A). (At f = 0 this would return twice the mean.)
std::complex<double> single_bin_dft(const std::vector<double>& x, double dt, double f_Hz);

/// Harmonic amplitudes of one period sampled uniformly with the end point excluded (N samples): element [n] is
/// |(2/N) Σ_j x_j e^{−i 2π n j/N}| for n = 1..nharm, element [0] the mean; size nharm + 1. Requires nharm < N/2.
std::vector<double> harmonic_amplitudes(const std::vector<double>& one_period_samples, int nharm);

/// Observed order of convergence from errors on two grids whose spacings differ by refinement_ratio > 1:
/// p = ln(e_coarse/e_fine)/ln(refinement_ratio).
double observed_order(double e_coarse, double e_fine, double refinement_ratio);

}  // namespace lithosim::analytic
