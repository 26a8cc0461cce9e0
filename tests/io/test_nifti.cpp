// NIfTI copies in the patient frame (io/nifti.hpp): an oblique grid's voxels land at their patient position (LPS
// turned RAS) through the sform and through the qform (the rotation rebuilt from the quaternion as NIfTI-1 defines
// it); values and labels read back; the description carries the quantity and unit.
#include <catch2/catch.hpp>

#include <cmath>

#include "io/ct_import.hpp"
#include "io/nifti.hpp"
#include "tests/io/scratch_dir.hpp"

using namespace lithosim;

TEST_CASE("NIfTI files place an oblique grid at its patient position through sform and qform", "[io][nifti]") {
    test::ScratchDir scratch("nifti");
    io::RtDoseVolume v;
    v.quantity = "EFD per shock", v.unit = "mJ/mm2";
    v.nx = 4, v.ny = 3, v.nz = 2;
    v.origin_mm = {-12.5, 30.25, 101.0};
    v.spacing_mm = {0.5, 0.75, 1.25};
    // A rotation about an oblique axis (right-handed).
    const double t = 0.4, u = 0.9;
    const std::array<double, 3> a0 = {std::cos(t), std::sin(t), 0};
    const std::array<double, 3> a1 = {-std::sin(t) * std::cos(u), std::cos(t) * std::cos(u), std::sin(u)};
    const std::array<double, 3> a2 = {a0[1] * a1[2] - a0[2] * a1[1], a0[2] * a1[0] - a0[0] * a1[2],
                                      a0[0] * a1[1] - a0[1] * a1[0]};
    v.axes = {a0, a1, a2};
    for (std::size_t q = 0; q < v.size(); ++q) v.values.push_back(0.1f * float(q));
    io::write_nifti(scratch / "efd.nii", v);
    std::vector<std::uint8_t> labels(v.size());
    for (std::size_t q = 0; q < v.size(); ++q) labels[q] = std::uint8_t(q % 7);
    io::write_nifti_labels(scratch / "labels.nii", v, labels, "labels");

    const io::NiftiHeader n = io::read_nifti(scratch / "efd.nii");
    CHECK(n.descrip == "EFD per shock [mJ/mm2]");
    CHECK(n.datatype == 16);
    CHECK(n.qform_code == 1);
    CHECK(n.sform_code == 1);
    REQUIRE(n.nx == v.nx);
    REQUIRE(n.ny == v.ny);
    REQUIRE(n.nz == v.nz);
    for (std::size_t q = 0; q < v.size(); ++q) CHECK(n.values[q] == v.values[q]);
    // The qform's rotation (NIfTI-1, nifti1.h "METHOD 2").
    const double b = n.quatern[0], c = n.quatern[1], d = n.quatern[2], a = std::sqrt(std::max(0.0, 1 - b * b - c * c - d * d));
    const double R[3][3] = {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
                            {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
                            {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b}};
    for (std::size_t k : {0, 1})
        for (std::size_t j : {0, 2})
            for (std::size_t i : {0, 3}) {
                const double ijk[3] = {double(i), double(j), double(k)};
                std::array<double, 3> lps = v.origin_mm;
                for (int e = 0; e < 3; ++e)
                    for (int m = 0; m < 3; ++m) lps[e] += ijk[m] * v.spacing_mm[m] * v.axes[m][e];
                const std::array<double, 3> ras = {-lps[0], -lps[1], lps[2]};
                for (int r = 0; r < 3; ++r) {
                    const double s = n.srow[r][0] * ijk[0] + n.srow[r][1] * ijk[1] + n.srow[r][2] * ijk[2] + n.srow[r][3];
                    double qf = n.qoffset[r];
                    for (int m = 0; m < 3; ++m) qf += R[r][m] * n.spacing_mm[m] * ijk[m] * (m == 2 ? n.qfac : 1);
                    CAPTURE(i, j, k, r);
                    CHECK(s == Approx(ras[r]).margin(1e-4));
                    CHECK(qf == Approx(ras[r]).margin(1e-4));
                }
            }
    // Read by another reader: the CT import (VTK's NIfTI reader, the sform, RAS back to LPS) finds the same grid.
    const io::CtImage other = io::read_ct_image(scratch / "efd.nii", "salt");
    REQUIRE(other.volume.size() == v.size());
    for (int e = 0; e < 3; ++e) {
        CHECK(other.volume.origin_mm[e] == Approx(v.origin_mm[e]).margin(1e-4));
        CHECK(other.volume.spacing_mm[e] == Approx(v.spacing_mm[e]).margin(1e-5));
        for (int m = 0; m < 3; ++m) CHECK(other.volume.axes[m][e] == Approx(v.axes[m][e]).margin(1e-5));
    }
    for (std::size_t q = 0; q < v.size(); ++q) CHECK(other.volume.hu[q] == v.values[q]);
    const io::NiftiHeader l = io::read_nifti(scratch / "labels.nii");
    CHECK(l.datatype == 2);
    for (std::size_t q = 0; q < v.size(); ++q) CHECK(l.values[q] == float(labels[q]));
}
