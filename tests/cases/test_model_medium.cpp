// [medium] model = model.h5 in-process: the model's target lands at the source's focus (or model_target_z_mm), each
// cell takes the nearest model node, coupling water surrounds the model, and keys that contradict it are bad input.
#include <catch2/catch.hpp>

#include "cases/case_keys.hpp"
#include "cases/case_spec.hpp"
#include "io/model_file.hpp"
#include "core/errors.hpp"
#include "tests/cases/plane_model.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;
using lithosim::test::plane_model;

namespace {

std::string bowl_case(const std::string& dims, const std::string& size, const std::string& medium) {
    return "[grid]\ndims = " + dims + "\ndx_mm = 0.5\nsize_mm = " + size +
           "\n[time]\nt_end_us = 10\n[medium]\n" + medium +
           "\n[source]\ntype = bowl\naperture_mm = 10\nfocal_length_mm = 30\nposition_mm = 0,0,5\nwaveform = "
           "toneburst\nf0_MHz = 0.5\np0_MPa = 1\n";
}

std::string input_error(const CaseText& c) {
    try {
        build_spec(case_from_text(c));
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("[medium] model places the target at the focus and reads the nearest node", "[app][model]") {
    lithosim::test::ScratchDir dir("model_medium");
    io::write_model_h5(dir / "model.h5", plane_model());
    for (const std::string dims : {"3", "axisymmetric"}) {
        INFO(dims);
        const std::string size = dims == "3" ? "20,20,60" : "10,60";
        const CaseText c = parse_case(bowl_case(dims, size, "model = model.h5"), "case.ini", dir.path());
        const SimulationSpec s = build_spec(case_from_text(c));
        REQUIRE(s.medium.heterogeneous());
        // The bowl focuses at z = 35 mm; the target plane (k = 12) is put there, so plane k lies at z = 23 + k mm.
        CHECK(s.medium.at({0, 0, 35e-3}).c_m_per_s == Approx(1620));
        CHECK(s.medium.at({0, 0, 23e-3}).c_m_per_s == Approx(1500));
        CHECK(s.medium.at({1e-3, 0, 30.4e-3}).c_m_per_s == Approx(1570));  // nearest plane k = 7
        CHECK(s.medium.at({0, 0, 22e-3}).c_m_per_s == Approx(1482.46));    // before the model: coupling water
        CHECK(s.medium.at({0, 0, 44e-3}).c_m_per_s == Approx(1482.46));    // beyond it
        CHECK(s.medium.at({8e-3, 0, 35e-3}).c_m_per_s == Approx(1482.46)); // beside it
        CHECK(s.medium.at({0, 0, 35e-3}).alpha_power == Approx(1.2));
    }
    // model_target_z_mm moves it.
    const CaseText c = parse_case(bowl_case("3", "20,20,60", "model = model.h5\nmodel_target_z_mm = 40"), "case.ini",
                                  dir.path());
    CHECK(build_spec(case_from_text(c)).medium.at({0, 0, 40e-3}).c_m_per_s == Approx(1620));
}

TEST_CASE("[medium] model with contradicting keys or a missing file is bad input", "[app][model]") {
    lithosim::test::ScratchDir dir("model_medium_bad");
    io::write_model_h5(dir / "model.h5", plane_model());
    auto error = [&](const std::string& dims, const std::string& medium) {
        return input_error(parse_case(bowl_case(dims, dims == "2" ? "20,60" : "20,20,60", medium), "case.ini",
                                      dir.path()));
    };
    CHECK_THAT(error("3", "model = model.h5\npreset = fat"), Catch::Contains("preset") && Catch::Contains("model"));
    CHECK_THAT(error("3", "model = model.h5\nlayers = water:10,fat:5"), Catch::Contains("layers"));
    CHECK_THAT(error("3", "model = model.h5\nc_m_per_s = 1500"), Catch::Contains("c_m_per_s"));
    CHECK_THAT(error("2", "model = model.h5"), Catch::Contains("dims = 2"));
    CHECK_THAT(error("3", "model = absent.h5"), Catch::Contains("absent.h5") && Catch::Contains("does not exist"));
}
