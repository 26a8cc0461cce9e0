#include <catch2/catch.hpp>

#include <cmath>

#include "solver/absorption.hpp"

using namespace lithosim;

TEST_CASE("dB/(cm MHz^y) to Np/(m (rad/s)^y)", "[solver][absorption]") {
    // 1 dB/(cm MHz) at 1 MHz is 100/8.6859 = 11.513 Np/m
    const double a0 = db_cm_mhz_to_np_m_radps(1.0, 1.0);
    CHECK(a0 * 2 * M_PI * 1e6 == Approx(11.5129).epsilon(1e-4));
    const double a2 = db_cm_mhz_to_np_m_radps(1.0, 2.0);
    CHECK(a2 * std::pow(2 * M_PI * 2e6, 2) == Approx(4 * 11.5129).epsilon(1e-4));
}

TEST_CASE("relaxation fit stays within 5 % over 50 kHz - 5 MHz for 0 < y < 2", "[solver][absorption]") {
    RelaxationBand band;  // defaults: 4 mechanisms
    for (double y : {0.5, 1.0, 1.1, 1.5, 1.9}) {
        for (double alpha_db : {0.1, 0.5, 2.0}) {
            const double a0 = db_cm_mhz_to_np_m_radps(alpha_db, y);
            const auto tau = best_relaxation_times(band, {{a0, y, 1540}});
            const auto fit = fit_relaxation(a0, y, 1540, band, tau);
            INFO("y = " << y << " alpha0 = " << alpha_db << " error " << 100 * fit.max_rel_error << " %");
            CHECK(fit.max_rel_error < 0.05);
            for (double a : fit.a) CHECK(a >= 0);
            // phase speed anchored at f_ref, dispersion close to the Kramers-Kronig power law
            double al, sp;
            relaxation_response(fit, tau, 1540, band.f_ref_Hz, al, sp);
            CHECK(sp == Approx(1540).epsilon(1e-9));
            CHECK(fit.max_speed_error_m_per_s < 0.003 * 1540 * alpha_db);
        }
    }
}

TEST_CASE("more mechanisms fit at least as well", "[solver][absorption]") {
    const double y = 1.3, a0 = db_cm_mhz_to_np_m_radps(0.6, y);
    double previous = 1e9;
    for (int n : {2, 4, 6}) {
        RelaxationBand band;
        band.mechanisms = n;
        const auto tau = best_relaxation_times(band, {{a0, y, 1550}});
        const double e = fit_relaxation(a0, y, 1550, band, tau).max_rel_error;
        CHECK(e < previous * 1.05);
        previous = e;
    }
    CHECK(previous < 0.02);
}

TEST_CASE("thermoviscous diffusivity reproduces alpha = delta omega^2 / (2 c^3)", "[solver][absorption]") {
    // water at 20 C: 2.19e-3 dB/(cm MHz^2) -> delta about 4.15e-6 m^2/s (physics-numerics.md table, [DER])
    const double delta = thermoviscous_diffusivity(2.19e-3, 1482.5);
    CHECK(delta == Approx(4.15e-6).epsilon(0.01));
}
