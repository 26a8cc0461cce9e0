// The outcome models and the plan's prediction (planning/outcomes.hpp, planning/OUTCOMES.md; issue 13 §1-§3), on the
// reference dose model (no simulation): the contract names, the untreated course, dose, shocks and sessions moving the
// prediction, patient factors moving it the right way, intervals that carry the coefficients' uncertainty, seeds.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "planning/fitted_parameters.hpp"
#include "planning/outcome_models.hpp"
#include "planning/outcomes.hpp"
#include "core/errors.hpp"

using namespace lithosim::planning;

namespace {

OutcomeOptions options(int samples = 120, std::uint64_t seed = 7) {
    OutcomeOptions o;
    o.samples = samples;
    o.seed = seed;
    return o;
}

struct Case {
    ScheduleRequest request;
    PatientFactors patient;
};

Case standard(const std::string& indication, double diameter_m = 0) {
    const Protocol& p = protocol(indication);
    Case c{standard_request(p, diameter_m > 0 ? diameter_m : p.typical_target_diameter_m), {}};
    c.patient.gaertner_type = 2;
    return c;
}

OutcomePrediction predict(const Case& c, const OutcomeOptions& o = options()) {
    return predict_outcomes(c.request, schedule_sessions(c.request), c.patient, o);
}

double primary(const Case& c, const OutcomeOptions& o = options()) { return predict(c, o).primary().probability; }

const std::vector<std::string> kIndications = {"tendon", "gallbladder", "bile_duct", "vascular"};

}  // namespace

TEST_CASE("outcomes: the contract names per indication, one primary, probabilities and intervals in order",
          "[outcomes]") {
    CHECK(outcome_names("tendon") == std::vector<std::string>{"resorption_3mo", "resorption_6mo", "clinical_success_6mo"});
    CHECK(outcome_names("gallbladder") == std::vector<std::string>{"stone_free_6mo", "stone_free_12mo"});
    CHECK(outcome_names("bile_duct") == std::vector<std::string>{"duct_clearance"});
    CHECK(outcome_names("vascular") == std::vector<std::string>{"calcium_fracture", "procedural_success"});
    for (const std::string& name : kIndications) {
        INFO(name);
        const OutcomePrediction p = predict(standard(name));
        int primaries = 0;
        for (const auto& o : p.outcomes) {
            INFO(o.name);
            primaries += o.primary ? 1 : 0;
            CHECK(o.probability > 0);
            CHECK(o.probability < 1);
            CHECK(o.ci95_low <= o.probability);
            CHECK(o.probability <= o.ci95_high);
            CHECK(o.model.find("fitted to") != std::string::npos);
            CHECK_FALSE(o.covariates.empty());
        }
        CHECK(primaries == 1);
        CHECK(p.primary().name == protocol(name).primary_outcome);
    }
}

TEST_CASE("outcomes: no shocks give the course without treatment; every treatment plan gives more", "[outcomes]") {
    for (const std::string& name : kIndications) {
        INFO(name);
        Case none = standard(name);
        none.request.max_shocks_per_session = 0;
        const OutcomePrediction untreated = predict(none);
        for (const auto& o : untreated.outcomes) {
            INFO(o.name);
            CHECK(o.probability == Approx(o.probability_without_treatment).margin(1e-12));
        }
        const OutcomePrediction treated = predict(standard(name));
        CHECK(treated.primary().probability_without_treatment ==
              Approx(untreated.primary().probability_without_treatment).margin(1e-9));
        CHECK(treated.primary().probability > treated.primary().probability_without_treatment + 0.05);
    }
}

TEST_CASE("outcomes: fewer shocks, fewer sessions, a lower EFD lower the primary probability visibly", "[outcomes]") {
    for (const std::string& name : kIndications) {
        INFO(name);
        // Vascular: the reference field (45 MPa, OUTCOMES.md §1.4) fractures the calcium within a few hundred
        // shocks, after which more dose buys little; the dose response is tested below that, from 150 shocks.
        const bool vascular = name == "vascular";
        Case standard_case = standard(name);
        if (vascular) standard_case.request.max_shocks_per_session = 150;
        const double base = primary(standard_case);
        Case few = standard_case;
        few.request.max_shocks_per_session = vascular ? 15 : 200;
        Case once = standard_case;
        once.request.sessions = 1;
        Case low = standard_case;
        low.request.target_efd_J_per_m2 = 0.1 * 1000;   // 0.1 mJ/mm^2
        const double p_few = primary(few), p_once = primary(once), p_low = primary(low);
        INFO("standard " << base << ", 200 shocks " << p_few << ", one session " << p_once << ", 0.1 mJ/mm^2 " << p_low);
        CHECK(p_few < base - 0.03);
        CHECK(p_once < base - 0.02);
        CHECK(p_low < base - 0.03);
    }
}

TEST_CASE("outcomes: a larger stone, more stones, an eccentric plaque, a type I deposit lower the prediction",
          "[outcomes]") {
    // Larger gallstone: 25 mm against the typical 15 mm.
    CHECK(primary(standard("gallbladder", 25e-3)) < primary(standard("gallbladder")) - 0.03);
    CHECK(primary(standard("bile_duct", 25e-3)) < primary(standard("bile_duct")) - 0.03);
    // More stones: three against one (the shocks are shared between them).
    Case three = standard("gallbladder");
    three.request.stones = 3;
    three.patient.stones = 3;
    CHECK(primary(three) < primary(standard("gallbladder")) - 0.03);
    // Eccentric plaque: a 90 degree arc against a concentric one.
    Case eccentric = standard("vascular"), concentric = standard("vascular");
    eccentric.patient.plaque_arc_deg = 90;
    concentric.patient.plaque_arc_deg = 360;
    CHECK(predict(eccentric).at("calcium_fracture").probability < predict(concentric).at("calcium_fracture").probability);
    CHECK(primary(eccentric) < primary(concentric));
    // Gaertner type I (dense, sharp) against type III (cloudy): lower with and without treatment.
    Case type1 = standard("tendon"), type3 = standard("tendon");
    type1.patient.gaertner_type = 1;
    type3.patient.gaertner_type = 3;
    const OutcomePrediction p1 = predict(type1), p3 = predict(type3);
    CHECK(p1.primary().probability < p3.primary().probability - 0.03);
    CHECK(p1.at("resorption_6mo").probability_without_treatment < p3.at("resorption_6mo").probability_without_treatment);
    // No bile acids and an impaired gallbladder lower the stone-free rate.
    Case no_acid = standard("gallbladder"), impaired = standard("gallbladder");
    no_acid.patient.bile_acid = false;
    impaired.patient.gallbladder_impaired = true;
    CHECK(primary(no_acid) < primary(standard("gallbladder")) - 0.03);
    CHECK(primary(impaired) < primary(standard("gallbladder")));
}

TEST_CASE("outcomes: the interval carries the models' own coefficient uncertainty", "[outcomes]") {
    // With the patient, dose and aim spreads switched off, only the fitted coefficients and the between-study shift
    // are sampled: the interval must still be wide (the published groups are few and scatter).
    for (const std::string& name : kIndications) {
        INFO(name);
        OutcomeOptions o = options(300);
        o.strength_log_sd = 0;
        o.dose_log_sd = 0;
        o.positioning_sd_m = 0;
        const OutcomeEstimate e = predict(standard(name), o).primary();
        INFO(e.ci95_low << " - " << e.ci95_high);
        CHECK(e.ci95_high - e.ci95_low > 0.08);
    }
    // Every model in the table has a covariance of its coefficients' size, positive on the diagonal.
    for (const auto& eq : outcome_equations()) {
        const FittedOutcomeModel& m = fitted_outcome(eq.name);
        REQUIRE(m.mean.size() == eq.coefficients.size());
        REQUIRE(m.covariance.size() == m.mean.size() * m.mean.size());
        for (std::size_t i = 0; i < m.mean.size(); ++i) CHECK(m.covariance[i * m.mean.size() + i] > 0);
        CHECK(m.groups >= 2);
    }
}

TEST_CASE("outcomes: the same seed gives the same numbers, another seed others; bad options are input errors",
          "[outcomes]") {
    const Case c = standard("gallbladder");
    const Schedule s = schedule_sessions(c.request);
    const auto a = predict_outcomes(c.request, s, c.patient, options(80, 42));
    const auto b = predict_outcomes(c.request, s, c.patient, options(80, 42));
    const auto d = predict_outcomes(c.request, s, c.patient, options(80, 43));
    CHECK(a.primary().probability == b.primary().probability);
    CHECK(a.primary().ci95_low == b.primary().ci95_low);
    CHECK(a.primary().probability != d.primary().probability);
    CHECK_THROWS_AS(predict_outcomes(c.request, s, c.patient, options(-1)), lithosim::InputError);
    PatientFactors bad = c.patient;
    bad.gaertner_type = 4;
    CHECK_THROWS_AS(predict_outcomes(c.request, s, bad, options()), lithosim::InputError);
}

TEST_CASE("outcomes: plans of one patient with one seed share the model's draws, whatever the course", "[outcomes]") {
    // The untreated course does not depend on the plan: with common draws it is the same number for every course,
    // so the difference between two plans is their dose, not Monte Carlo noise.
    for (const std::string& name : kIndications) {
        INFO(name);
        const Case base = standard(name);
        Case once = base;
        once.request.sessions = 1;
        Case few = base;
        few.request.max_shocks_per_session = 100;
        const double p0 = predict(base).primary().probability_without_treatment;
        CHECK(predict(once).primary().probability_without_treatment == Approx(p0).margin(1e-12));
        CHECK(predict(few).primary().probability_without_treatment == Approx(p0).margin(1e-12));
    }
}

TEST_CASE("outcomes: the largest fragment decides biliary failure; reported per session", "[outcomes]") {
    for (const char* name : {"gallbladder", "bile_duct"}) {
        INFO(name);
        Case c = standard(name);
        c.request.sessions = 3;
        const Schedule s = schedule_sessions(c.request);
        REQUIRE(!s.sessions.empty());
        const OutcomePrediction p = predict_outcomes(c.request, s, c.patient, options());
        REQUIRE(p.p_largest_above_clearance.size() == s.sessions.size());
        for (std::size_t k = 0; k < s.sessions.size(); ++k) {
            CHECK(p.p_largest_above_clearance[k] >= 0);
            CHECK(p.p_largest_above_clearance[k] <= 1);
            if (k > 0) CHECK(p.p_largest_above_clearance[k] <= p.p_largest_above_clearance[k - 1] + 1e-12);
        }
        // The intact stone is certainly above the clearance size.
        CHECK(probability_largest_above(fragmentation_model(c.request.protocol).initial(c.request.target_diameter_m),
                                        c.request.protocol.clearance_size_m) == Approx(1.0).margin(1e-6));
    }
}

TEST_CASE("outcomes: the vascular fracture dose is counted in IVL pulses through the stress in the calcium",
          "[outcomes]") {
    // The IVL reference pulse on the reference calcium: one pulse is one pulse equivalent.
    const ShockAtTarget ref = ivl_reference_load();
    CHECK(fracture_pulse_equivalents(60, ref, kIvlReferenceThickness_m, kIvlReferenceRingRadius_m, true) == Approx(60));
    // Twice the pressure, four times the equivalent (Weibull modulus 2); twice the thickness, a quarter (hoop stress
    // p r / t); nothing for no pressure.
    ShockAtTarget twice = ref;
    twice.p_plus_Pa *= 2;
    CHECK(fracture_pulse_equivalents(60, twice, kIvlReferenceThickness_m, kIvlReferenceRingRadius_m, true) ==
          Approx(240));
    CHECK(fracture_pulse_equivalents(60, ref, 2 * kIvlReferenceThickness_m, kIvlReferenceRingRadius_m, true) ==
          Approx(15));
    ShockAtTarget none = ref;
    none.p_plus_Pa = 0;
    CHECK(fracture_pulse_equivalents(60, none, 1e-3, 1.5e-3, false) == 0);
    // An extracorporeal shock counts by the spall stress in the calcium: more pressure, more equivalents.
    ShockAtTarget focused;
    focused.p_plus_Pa = 20e6;
    focused.p_minus_Pa = -5e6;
    focused.focal_width_m = 5e-3;
    focused.positive_phase_s = 0.5e-6;
    ShockAtTarget weaker = focused;
    weaker.p_plus_Pa = 10e6;
    CHECK(fracture_pulse_equivalents(1, focused, 1e-3, 3e-3, false) ==
          Approx(4 * fracture_pulse_equivalents(1, weaker, 1e-3, 3e-3, false)));
    // The intravascular emitter's default pulse at a 3 mm balloon wall is the reference pulse.
    const ShockAtTarget wall = ivl_wall_load(10e6, 0.5e-3, 1.5e-3, 1e-6, 0);
    CHECK(wall.p_plus_Pa == Approx(ivl_reference_load().p_plus_Pa).epsilon(0.01));
}
