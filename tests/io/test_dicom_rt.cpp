// DICOM-RT dose export (io/dicom_rt.hpp): a small oblique dose grid written as RT Dose passes dciodvfy (when it is
// installed; skipped with a message otherwise) and reads back through GDCM with the same geometry and values (within
// one step of DoseGridScaling); an existing destination is refused and nothing is left behind.
#include <catch2/catch.hpp>

#include <cmath>

#include "io/dicom_rt.hpp"
#include "solver/errors.hpp"
#include "tests/io/dciodvfy.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;

namespace {

io::RtDoseVolume oblique_volume() {
    io::RtDoseVolume v;
    v.quantity = "EFD per shock";
    v.unit = "mJ/mm2";
    v.nx = 5, v.ny = 4, v.nz = 3;
    v.origin_mm = {-12.5, 30.25, 101.0};
    v.spacing_mm = {0.5, 0.75, 1.25};
    const double c = std::cos(0.3), s = std::sin(0.3);
    v.axes = {std::array<double, 3>{c, s, 0}, {-s, c, 0}, {0, 0, 1}};
    for (std::size_t q = 0; q < v.size(); ++q) v.values.push_back(0.37f * float(q) / float(v.size()));
    return v;
}

}  // namespace

TEST_CASE("RT Dose files pass dciodvfy and read back with their geometry and values", "[io][dicom_rt]") {
    test::ScratchDir scratch("dicom_rt");
    const io::RtDoseVolume v = oblique_volume();
    io::RtDoseVolume p = v;
    p.quantity = "p+ per shock", p.unit = "MPa";
    for (auto& x : p.values) x *= 100;
    io::RtWriteOptions options;
    options.pseudonym = "ANON1234";
    io::write_rt_dose(scratch / "rt", {"efd_per_shock.dcm", "p_plus_per_shock.dcm"}, {v, p}, options);

    for (const auto& [name, w] : {std::pair{"efd_per_shock.dcm", v}, std::pair{"p_plus_per_shock.dcm", p}}) {
        const auto file = scratch / "rt" / name;
        if (test::have_dciodvfy()) {
            const test::DciodvfyReport report = test::run_dciodvfy(file);
            INFO(report.text);
            CHECK(report.errors.empty());
        } else {
            WARN("dciodvfy not installed (Debian package dicom3tools, scripts/install-deps.sh): the DICOM validation "
                 "of " << name << " is skipped");
        }
        const io::RtDoseRead r = io::read_rt_dose(file);
        CHECK(r.modality == "RTDOSE");
        CHECK(r.dose_units == "RELATIVE");
        CHECK(r.dose_summation_type == "PLAN");
        CHECK(r.volume.quantity == w.quantity);
        CHECK(r.volume.unit == w.unit);
        CHECK(r.series_description == "lithosim " + w.quantity + " [" + w.unit + "]");
        CHECK(r.volume.nx == w.nx);
        CHECK(r.volume.ny == w.ny);
        CHECK(r.volume.nz == w.nz);
        for (int a = 0; a < 3; ++a) {
            CHECK(r.volume.origin_mm[a] == Approx(w.origin_mm[a]).margin(1e-9));
            CHECK(r.volume.spacing_mm[a] == Approx(w.spacing_mm[a]).margin(1e-9));
            for (int b = 0; b < 3; ++b) CHECK(r.volume.axes[a][b] == Approx(w.axes[a][b]).margin(1e-9));
        }
        REQUIRE(r.volume.values.size() == w.values.size());
        double worst = 0;
        for (std::size_t q = 0; q < w.values.size(); ++q)
            worst = std::max(worst, std::abs(double(r.volume.values[q]) - double(w.values[q])));
        CHECK(worst <= r.dose_grid_scaling + 1e-6 * w.values.back());
    }
    const io::RtDoseRead a = io::read_rt_dose(scratch / "rt" / "efd_per_shock.dcm");
    const io::RtDoseRead b = io::read_rt_dose(scratch / "rt" / "p_plus_per_shock.dcm");
    CHECK(a.frame_of_reference_uid == b.frame_of_reference_uid);
    CHECK(a.study_uid == b.study_uid);

    // An existing destination is bad input; nothing else appears next to it.
    CHECK_THROWS_AS((void)io::write_rt_dose(scratch / "rt", {"x.dcm"}, {v}, options), InputError);
    std::size_t entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(scratch.path())) entries += e.path().filename() != "rt";
    CHECK(entries == 0);
}
