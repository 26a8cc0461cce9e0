// The fragmentation model (planning/fragmentation.hpp, FRAGMENTATION.md) against the behaviours it must reproduce:
//  * a pressure threshold below which nothing breaks, higher for smaller stones (Zhang et al. 2016, UMB 42:2662:
//    P+(avg) thresholds 7.9 / 8.8 / 12.7 MPa for 10 / 7 / 4 mm BegoStone);
//  * faster with a stronger shock, never backwards with more shocks;
//  * the calibration: an HM3 field (49 MPa, -10 MPa, 11 mm) comminutes a 10 mm BegoStone in a 15 mm holder by about
//    70 % (< 2 mm) within 250 shocks (Qin et al. 2010, JASA 127:2635);
//  * volume conservation, the limits 0 and 1, the focal-width exposure, orders between materials, bad input.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "planning/fragmentation.hpp"
#include "core/errors.hpp"

using namespace lithosim::planning;
using lithosim::InputError;

namespace {

constexpr double kMPa = 1e6, kMm = 1e-3;

ShockAtTarget shock_of(double p_plus_MPa, double p_minus_MPa, double width_mm) {
    ShockAtTarget s;
    s.p_plus_Pa = p_plus_MPa * kMPa;
    s.p_minus_Pa = p_minus_MPa * kMPa;
    s.focal_width_m = width_mm * kMm;
    return s;
}

/// The HM3 field of Qin et al. 2010 at 20 kV (devices-clinical.md A1, A2, A6).
ShockAtTarget hm3() { return shock_of(49, -10, 11); }

FragmentationModel model(const std::string& material, double cloud_factor = 1.0, double clearance_mm = 2.0) {
    FragmentationOptions o;
    o.cloud_diameter_factor = cloud_factor;
    o.clearance_size_m = clearance_mm * kMm;
    return FragmentationModel(stone_material(material), o);
}

double cleared_after(const FragmentationModel& m, double diameter_mm, const ShockAtTarget& s, int shocks) {
    auto p = m.initial(diameter_mm * kMm);
    for (int i = 0; i < shocks; ++i) m.shock(p, s);
    return m.fraction_cleared(p);
}

}  // namespace

TEST_CASE("materials: the six names, each with positive properties and a source; unknown names list the accepted",
          "[fragmentation]") {
    const auto names = stone_material_names();
    const std::vector<std::string> expected = {"hydroxyapatite_dense", "hydroxyapatite_translucent", "cholesterol",
                                               "pigment",              "vascular_calcium",           "begostone"};
    REQUIRE(names.size() == expected.size());
    for (const auto& n : expected) {
        const auto& m = stone_material(n);
        CHECK(m.name == n);
        CHECK(m.rho_kg_per_m3 > 0);
        CHECK(m.c_longitudinal_m_per_s > m.c_shear_m_per_s);
        CHECK(m.tensile_strength_Pa > 0);
        CHECK(m.weibull_modulus > 0);
        CHECK(m.reference_diameter_m > 0);
        CHECK(m.source.size() > 40);
        CHECK(!m.description.empty());
    }
    try {
        stone_material("granite");
        FAIL("an unknown material must throw");
    } catch (const InputError& e) {
        const std::string msg = e.what();
        CHECK(msg.find("granite") != std::string::npos);
        for (const auto& n : expected) CHECK(msg.find(n) != std::string::npos);
    }
    // The bench phantom carries Esch et al. 2010's 15:3 values.
    const auto& bego = stone_material("begostone");
    CHECK(bego.rho_kg_per_m3 == Approx(1995));
    CHECK(bego.c_longitudinal_m_per_s == Approx(4159));
    CHECK(bego.tensile_strength_Pa == Approx(7.1e6));
}

TEST_CASE("bad input: loads, diameters, options, strength factors -> InputError naming the value", "[fragmentation]") {
    const auto m = model("begostone");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto pop = m.initial(10 * kMm);
    for (const auto& bad : {shock_of(-1, -1, 10), shock_of(nan, -1, 10), shock_of(40, nan, 10), shock_of(40, -8, 0),
                            shock_of(40, -8, -3), shock_of(40, +5, 10), shock_of(40, -8, nan)}) {
        CHECK_THROWS_AS(m.shock(pop, bad), InputError);
        CHECK_THROWS_AS(m.break_probability(5 * kMm, bad), InputError);
    }
    CHECK_THROWS_WITH(m.shock(pop, shock_of(-2, -1, 10)), Catch::Contains("p_plus = -2"));
    CHECK_THROWS_WITH(m.shock(pop, shock_of(40, -8, 0)), Catch::Contains("focal_width = 0"));
    CHECK_THROWS_AS(m.initial(0), InputError);
    CHECK_THROWS_AS(m.initial(-5 * kMm), InputError);
    CHECK_THROWS_AS(m.initial(nan), InputError);
    CHECK_THROWS_AS(m.threshold_p_plus_Pa(10 * kMm, 0), InputError);
    CHECK_THROWS_AS(with_strength_factor(stone_material("pigment"), 0), InputError);
    CHECK_THROWS_AS(with_strength_factor(stone_material("pigment"), nan), InputError);
    FragmentationOptions o;
    o.clearance_size_m = 0;
    CHECK_THROWS_AS(FragmentationModel(stone_material("begostone"), o), InputError);
    o = FragmentationOptions{};
    o.cloud_diameter_factor = 0.5;
    CHECK_THROWS_AS(FragmentationModel(stone_material("begostone"), o), InputError);
    FragmentPopulation broken = pop;
    broken.count.pop_back();
    CHECK_THROWS_AS(m.shock(broken, hm3()), InputError);
}

TEST_CASE("population: classes halve the volume, reach below the clearance, few dozen; volume is conserved",
          "[fragmentation]") {
    for (double clearance_mm : {1.0, 2.0, 5.0}) {
        const auto m = model("begostone", 1.0, clearance_mm);
        for (double d_mm : {3.0, 10.0, 30.0, 60.0}) {
            const auto p = m.initial(d_mm * kMm);
            REQUIRE(p.diameter_m.size() == p.count.size());
            REQUIRE(p.stage.size() == p.count.size());
            // Entries (class k, damage stage j) at k J + j; the classes themselves halve the volume.
            const std::size_t J = std::size_t(m.options().constants.damage_stages);
            CHECK(p.stages == int(J));
            for (std::size_t e = 0; e < p.count.size(); ++e) CHECK(p.stage[e] == int(e % J));
            const SizeDistribution sizes = size_distribution(p);
            CHECK(sizes.diameter_m.size() * J == p.diameter_m.size());
            CHECK(sizes.diameter_m.size() <= 40);
            CHECK(sizes.diameter_m.front() == Approx(d_mm * kMm));
            CHECK(sizes.diameter_m.back() <= std::min(clearance_mm * kMm / 4, 0.25 * kMm) * (1 + 1e-12));
            for (std::size_t k = 1; k < sizes.diameter_m.size(); ++k)
                CHECK(class_volume_m3(sizes.diameter_m[k - 1]) / class_volume_m3(sizes.diameter_m[k]) == Approx(2.0));
            CHECK(p.count[0] == 1.0);
            CHECK(sizes.count[0] == 1.0);
            CHECK(population_volume_m3(p) == Approx(p.initial_volume_m3).epsilon(1e-14));
        }
    }
    // Many shocks of many kinds: the volume stays the initial volume (expected-value update moves it, never makes it).
    const auto m = model("begostone", 1.5);
    auto p = m.initial(12 * kMm);
    const std::vector<ShockAtTarget> loads = {hm3(), shock_of(90, -15, 4), shock_of(25, -3, 18), shock_of(60, 0, 8)};
    for (int i = 0; i < 3000; ++i) m.shock(p, loads[i % loads.size()]);
    CHECK(m.fraction_cleared(p) > 0.5);  // it really did fragment
    CHECK(population_volume_m3(p) == Approx(p.initial_volume_m3).epsilon(1e-12));
    for (double c : p.count) CHECK(c >= 0);
}

TEST_CASE("threshold: no direct break below it, something above; below it fatigue breaks slowly, not never; higher "
          "for smaller stones as in Zhang et al. 2016",
          "[fragmentation]") {
    const auto m = model("begostone", 1.5);
    const double w_mm = 11;
    for (double d_mm : {4.0, 7.0, 10.0, 20.0}) {
        const double p_th = m.threshold_p_plus_Pa(d_mm * kMm, w_mm * kMm);
        REQUIRE(std::isfinite(p_th));
        const auto below = shock_of(0.98 * p_th / kMPa, -0.98 * p_th / kMPa / 5, w_mm);
        const auto above = shock_of(1.05 * p_th / kMPa, -1.05 * p_th / kMPa / 5, w_mm);
        CHECK(m.break_probability(d_mm * kMm, below) == 0.0);
        CHECK(m.break_probability(d_mm * kMm, above) > 0.0);
        // Below the intact stone's threshold no shock breaks it outright, but each one damages it (fatigue): it
        // breaks after some hundreds of shocks rather than never (FRAGMENTATION.md §2.4), and far below the threshold
        // (a third of it) it hardly changes in 1000 shocks.
        CHECK(m.fatigue_probability(d_mm * kMm, below) > 0);
        auto p = m.initial(d_mm * kMm);
        for (int i = 0; i < 1000; ++i) m.shock(p, below);
        CHECK(size_distribution(p).count[0] < 0.9);
        auto far = m.initial(d_mm * kMm);
        const auto weak = shock_of(0.33 * p_th / kMPa, -0.33 * p_th / kMPa / 5, w_mm);
        for (int i = 0; i < 1000; ++i) m.shock(far, weak);
        CHECK(size_distribution(far).count[0] > 0.99);
        CHECK(m.fraction_cleared(far) < 0.01);
    }
    CHECK(m.threshold_p_plus_Pa(4 * kMm, w_mm * kMm) > m.threshold_p_plus_Pa(10 * kMm, w_mm * kMm));
    // Against Zhang et al.'s cross-section-averaged thresholds: the model's 1/d law fits the three within 3.4 %.
    const double zhang_MPa[3] = {7.9, 8.8, 12.7}, size_mm[3] = {10, 7, 4};
    for (int i = 0; i < 3; ++i) {
        const double model_MPa = m.threshold_p_plus_avg_Pa(size_mm[i] * kMm) / kMPa;
        std::printf("threshold P+(avg), %2.0f mm BegoStone: model %.2f MPa, Zhang 2016 %.1f MPa (%+.1f %%)\n",
                    size_mm[i], model_MPa, zhang_MPa[i], 100 * (model_MPa / zhang_MPa[i] - 1));
        CHECK(model_MPa == Approx(zhang_MPa[i]).epsilon(0.04));
    }
    CHECK(m.threshold_p_plus_avg_Pa(4 * kMm) > m.threshold_p_plus_avg_Pa(7 * kMm));
    CHECK(m.threshold_p_plus_avg_Pa(7 * kMm) > m.threshold_p_plus_avg_Pa(10 * kMm));
    // p- does not move the threshold (cavitation scales the rate above it, as Zhang et al. saw in butanediol).
    const double p_th = m.threshold_p_plus_Pa(10 * kMm, w_mm * kMm) / kMPa;
    CHECK(m.break_probability(10 * kMm, shock_of(0.99 * p_th, -50, w_mm)) == 0.0);
}

TEST_CASE("a stronger shock fragments faster; more shocks never lower the fraction cleared", "[fragmentation]") {
    const auto m = model("begostone", 1.5);
    double previous = -1;
    std::vector<double> fractions;
    for (double p_plus : {15.0, 20.0, 30.0, 40.0, 49.0, 60.0, 80.0}) {
        const double f = cleared_after(m, 10, shock_of(p_plus, -p_plus / 5, 11), 300);
        fractions.push_back(f);
        CHECK(f >= previous);
        previous = f;
    }
    CHECK(fractions.front() < 0.05);
    CHECK(fractions.back() > fractions.front() + 0.5);
    // A stronger negative phase alone (cavitation) also speeds it up.
    CHECK(cleared_after(m, 10, shock_of(49, -15, 11), 250) > cleared_after(m, 10, shock_of(49, -5, 11), 250));
    // Monotone in the number of shocks, for a weak, a clinical and a strong field.
    for (const auto& s : {shock_of(20, -4, 11), hm3(), shock_of(90, -15, 6)}) {
        auto p = m.initial(10 * kMm);
        double last = m.fraction_cleared(p);
        bool monotone = true;
        for (int i = 0; i < 2000; ++i) {
            m.shock(p, s);
            const double f = m.fraction_cleared(p);
            monotone = monotone && f >= last - 1e-15;
            last = f;
        }
        CHECK(monotone);
    }
}

TEST_CASE("calibration: HM3 field, 10 mm BegoStone in a 15 mm holder -> about 70 % below 2 mm after 250 shocks "
          "(Qin et al. 2010)",
          "[fragmentation]") {
    // cloud 1.5 x 10 mm = the 15 mm mesh holder; clearance 2 mm = the sieve (assumption, FRAGMENTATION.md §5).
    const auto m = model("begostone", 1.5, 2.0);
    const double f = cleared_after(m, 10, hm3(), 250);
    std::printf("calibration: HM3 (49 MPa, -10 MPa, 11 mm), 10 mm BegoStone, 250 shocks: %.1f %% below 2 mm "
                "(Qin 2010: ~70 %%)\n",
                100 * f);
    CHECK(f == Approx(0.70).margin(0.15));   // least squares over Qin's five results: each within 15 points
    // Qin et al.'s two other fields of the same pulse energy: the model keeps the broad field ahead of the narrow one
    // in the 30 mm holder (Qin: 26 % vs 14 %), and a holder that lets the fragments spread comminutes less.
    const auto wide = model("begostone", 3.0, 2.0);
    const double original_30 = cleared_after(wide, 10, hm3(), 250);
    const double insert_30 = cleared_after(wide, 10, shock_of(87, -10, 4), 250);
    const double insert_15 = cleared_after(m, 10, shock_of(87, -10, 4), 250);
    const double prefocal_15 = cleared_after(m, 10, shock_of(33, -10, 18), 250);
    std::printf("Qin 2010 fields after 250 shocks: 15 mm holder original %.0f %%, insert %.0f %%, pre-focal %.0f %% "
                "(measured ~70 %% each); 30 mm holder original %.0f %%, insert %.0f %% (measured 26 %%, 14 %%)\n",
                100 * f, 100 * insert_15, 100 * prefocal_15, 100 * original_30, 100 * insert_30);
    CHECK(original_30 > insert_30);
    CHECK(original_30 < f);
    CHECK(insert_15 == Approx(0.70).margin(0.15));
    CHECK(prefocal_15 == Approx(0.70).margin(0.15));
    CHECK(original_30 == Approx(0.26).margin(0.15));
    CHECK(insert_30 == Approx(0.14).margin(0.15));
}

TEST_CASE("limits: an intact stone is 0 % cleared; very many strong shocks clear it", "[fragmentation]") {
    for (const char* name : {"begostone", "hydroxyapatite_dense", "cholesterol", "vascular_calcium"}) {
        const auto m = model(name, 1.0, 2.0);
        CHECK(m.fraction_cleared(m.initial(10 * kMm)) == 0.0);
        CHECK(cleared_after(m, 10, shock_of(100, -20, 12), 20000) > 0.99);
    }
    // A target already below the clearance size counts as cleared.
    const auto m = model("begostone", 1.0, 2.0);
    CHECK(m.fraction_cleared(m.initial(1.5 * kMm)) == 1.0);
}

TEST_CASE("exposure: a narrow focus on a large stone fragments it more slowly per shock than a broad one",
          "[fragmentation]") {
    const auto m = model("begostone");
    const auto narrow = shock_of(90, -15, 4), broad = shock_of(90, -15, 12);
    CHECK(m.break_probability(15 * kMm, narrow) < m.break_probability(15 * kMm, broad));
    for (int shocks : {20, 100, 400}) {
        const double f_narrow = cleared_after(m, 15, narrow, shocks), f_broad = cleared_after(m, 15, broad, shocks);
        CHECK(f_narrow < f_broad);
    }
    CHECK(m.threshold_p_plus_Pa(15 * kMm, 4 * kMm) > m.threshold_p_plus_Pa(15 * kMm, 12 * kMm));
    // The intact target is aimed at (exposure 1); small fragments in a wide cloud are hit less often.
    CHECK(m.exposure(15 * kMm, 15 * kMm, 4 * kMm) == 1.0);
    CHECK(m.exposure(1 * kMm, 15 * kMm, 4 * kMm) < m.exposure(1 * kMm, 15 * kMm, 12 * kMm));
    // Scattered fragments (gallbladder) clear more slowly than fragments kept together.
    CHECK(cleared_after(model("begostone", 2.0), 10, hm3(), 300) < cleared_after(model("begostone", 1.0), 10, hm3(), 300));
}

TEST_CASE("materials in order: pigment before cholesterol, translucent before dense deposits, strength slows it",
          "[fragmentation]") {
    const auto s = shock_of(45, -9, 8);
    // Choudhuri 1994 / Kim 1991: at equal strength a pigment-rich stone (impedance far from the bile's) takes more
    // tension from a shock than a cholesterol-rich one. (The biliary strengths themselves are fitted to clinical
    // series, FRAGMENTATION.md §5.3, so the materials are compared here at the same strength.)
    FragmentationOptions five;
    five.clearance_size_m = 5 * kMm;
    five.cloud_diameter_factor = 2.0;
    const StoneMaterial& chol = stone_material("cholesterol");
    const StoneMaterial pig =
        with_strength_factor(stone_material("pigment"), chol.tensile_strength_Pa / stone_material("pigment").tensile_strength_Pa);
    const FragmentationModel pm(pig, five), cm(chol, five);
    CHECK(cleared_after(pm, 15, s, 300) > cleared_after(cm, 15, s, 300));
    CHECK(pm.threshold_p_plus_Pa(15 * kMm, 8 * kMm) < cm.threshold_p_plus_Pa(15 * kMm, 8 * kMm));
    // Gaertner type II/III (translucent) deposits respond better than type I (dense).
    CHECK(cleared_after(model("hydroxyapatite_translucent", 1.0, 1.0), 10, s, 1000) >
          cleared_after(model("hydroxyapatite_dense", 1.0, 1.0), 10, s, 1000));
    // Monte Carlo over strength: a stronger sample has a proportionally higher threshold and fragments more slowly.
    FragmentationOptions o;
    const FragmentationModel base(stone_material("begostone"), o);
    const FragmentationModel strong(with_strength_factor(stone_material("begostone"), 1.2), o);
    CHECK(strong.threshold_p_plus_Pa(10 * kMm, 11 * kMm) ==
          Approx(1.2 * base.threshold_p_plus_Pa(10 * kMm, 11 * kMm)));
    CHECK(cleared_after(strong, 10, hm3(), 200) < cleared_after(base, 10, hm3(), 200));
    // A larger clearance size counts more of the same population as cleared.
    auto p = base.initial(10 * kMm);
    for (int i = 0; i < 100; ++i) base.shock(p, hm3());
    CHECK(model("begostone", 1.0, 3.0).fraction_cleared(p) > model("begostone", 1.0, 2.0).fraction_cleared(p));
}

TEST_CASE("new inputs: the simulated positive phase, the tissue around the target, the device's shot-to-shot spread",
          "[fragmentation]") {
    const auto m = model("begostone", 1.0, 2.0);
    // A shorter positive phase loads a small fragment less quasi-statically: more tension (q(d) = d / (d + L)).
    ShockAtTarget longer = hm3(), shorter = hm3();
    longer.positive_phase_s = 1.5e-6;
    shorter.positive_phase_s = 0.3e-6;
    CHECK(m.induced_stress_Pa(4 * kMm, shorter) > m.induced_stress_Pa(4 * kMm, longer));
    // Without one the model's default (1 us) holds: the same as giving 1 us.
    ShockAtTarget one_us = hm3();
    one_us.positive_phase_s = 1e-6;
    CHECK(m.induced_stress_Pa(4 * kMm, one_us) == Approx(m.induced_stress_Pa(4 * kMm, hm3())));
    // Tissue around the target instead of water: a soft, water-like deposit in tendon takes less tension.
    FragmentationOptions water, tendon;
    tendon.surrounding_impedance_Pa_s_per_m = 1121.0 * 1827.0;   // tendon (MDPI 2025)
    const FragmentationModel in_water(stone_material("hydroxyapatite_translucent"), water);
    const FragmentationModel in_tendon(stone_material("hydroxyapatite_translucent"), tendon);
    CHECK(in_tendon.induced_stress_Pa(10 * kMm, hm3()) < in_water.induced_stress_Pa(10 * kMm, hm3()));
    // Shot-to-shot spread: just below the threshold some shots exceed it, so the mean break probability is > 0.
    const double p_th = m.threshold_p_plus_Pa(10 * kMm, 11 * kMm) / kMPa;
    ShockAtTarget steady = shock_of(0.97 * p_th, -0.2 * p_th, 11), jittery = steady;
    jittery.p_plus_relative_sd = 0.1;
    CHECK(m.break_probability(10 * kMm, steady) == 0);
    CHECK(m.break_probability(10 * kMm, jittery) > 0);
    // Bad values are input errors.
    ShockAtTarget bad = hm3();
    bad.positive_phase_s = -1;
    CHECK_THROWS_AS(m.break_probability(10 * kMm, bad), InputError);
    bad = hm3();
    bad.p_plus_relative_sd = 0.7;
    CHECK_THROWS_AS(m.break_probability(10 * kMm, bad), InputError);
}

TEST_CASE("a stone wider than the focus erodes from its faces and fatigues: slower, not never", "[fragmentation]") {
    // 20 mm BegoStone under the 4 mm reflector-insert field (Qin 2010): the cross-section-averaged stress is below the
    // threshold, so no shock breaks it outright, yet erosion and fatigue take it apart over the shocks.
    const auto m = model("begostone", 1.0, 2.0);
    const auto narrow = shock_of(40, -10, 4);
    CHECK(m.break_probability(20 * kMm, narrow) == 0);
    CHECK(m.eroded_volume_m3(20 * kMm, narrow) > 0);
    CHECK(m.fatigue_probability(20 * kMm, narrow) > 0);
    const double f_wide = cleared_after(m, 20, narrow, 3000);
    CHECK(f_wide > 0.01);
    // ... and more slowly than a stone that fits in the focus, or the same stone under a broad focus.
    CHECK(f_wide < cleared_after(m, 4, narrow, 3000));
    CHECK(f_wide < cleared_after(m, 20, shock_of(40, -10, 20), 3000));
    // Switching erosion and fatigue off brings back the old hard zero: they are what makes it "not never".
    FragmentationOptions off;
    off.clearance_size_m = 2 * kMm;
    off.constants.erosion_depth_m = 0;
    off.constants.fatigue_rate_at_threshold = 0;
    const FragmentationModel hard(stone_material("begostone"), off);
    CHECK(cleared_after(hard, 20, narrow, 3000) == 0.0);
    // Erosion conserves volume: the eroded part is dust in the smallest class.
    auto p = m.initial(20 * kMm);
    for (int i = 0; i < 500; ++i) m.shock(p, narrow);
    CHECK(population_volume_m3(p) == Approx(p.initial_volume_m3).epsilon(1e-12));
    CHECK(size_distribution(p).count.back() > 0);
}

TEST_CASE("largest fragment: the intact stone is certainly above the clearance, pieces by their expected numbers",
          "[fragmentation]") {
    const auto m = model("begostone", 1.0, 2.0);
    const auto p0 = m.initial(10 * kMm);
    CHECK(probability_largest_above(p0, 2 * kMm) == Approx(1.0));
    CHECK(probability_largest_above(p0, 12 * kMm) == Approx(0.0).margin(1e-12));
    auto p = p0;
    for (int i = 0; i < 3000; ++i) m.shock(p, hm3());
    const double left = probability_largest_above(p, 2 * kMm);
    CHECK(left < 0.5);
    CHECK(left >= 0);
    // A larger size is less likely to be exceeded.
    CHECK(probability_largest_above(p, 4 * kMm) <= left);
}

TEST_CASE("speed: one shock on a 30 mm target's population takes microseconds", "[fragmentation]") {
    const auto m = model("begostone", 1.5, 2.0);
    auto p = m.initial(30 * kMm);
    const auto s = hm3();
    const int n = 20000;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) m.shock(p, s);
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / n;
    std::printf("speed: %.2f us per shock on %zu classes\n", us, p.count.size());
    CHECK(m.fraction_cleared(p) > 0.5);
    CHECK(us < 40.0);
}
