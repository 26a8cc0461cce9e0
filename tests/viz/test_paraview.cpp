// The ParaView folder: .vti files read back with VTK (geometry in mm, names, units, values, label array type, the
// label lookup), .pvd collections parsed as XML with libxml2 (times and files), and the README listing every array.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <vtkDataArray.h>
#include <vtkFieldData.h>
#include <vtkImageData.h>
#include <vtkInformation.h>
#include <vtkNew.h>
#include <vtkPointData.h>
#include <vtkStringArray.h>
#include <vtkType.h>
#include <vtkXMLImageDataReader.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/io/scratch_dir.hpp"
#include "viz/paraview.hpp"

using lithosim::Map3;
using lithosim::test::ScratchDir;
namespace fs = std::filesystem;
namespace viz = lithosim::viz;

namespace {

/// value(ix, iy, iz) = scale * (1 + ix + 10 iy + 100 iz) on a grid with distinct spacings per axis.
Map3 ramp(std::size_t nx, std::size_t ny, std::size_t nz, double scale) {
    Map3 m;
    m.nx = nx, m.ny = ny, m.nz = nz;
    m.origin_m = {-0.004, 0.001, 0.02};
    m.spacing_m = {0.5e-3, 0.25e-3, 1e-3};
    m.values.resize(m.size());
    for (std::size_t iz = 0; iz < nz; ++iz)
        for (std::size_t iy = 0; iy < ny; ++iy)
            for (std::size_t ix = 0; ix < nx; ++ix)
                m.values[ix + nx * (iy + ny * iz)] = float(scale * (1 + ix + 10.0 * iy + 100.0 * iz));
    return m;
}

struct ReadBack {
    vtkNew<vtkXMLImageDataReader> reader;
    vtkImageData* image = nullptr;
    explicit ReadBack(const fs::path& p) {
        REQUIRE(fs::exists(p));
        reader->SetFileName(p.string().c_str());
        reader->Update();
        image = reader->GetOutput();
        REQUIRE(image != nullptr);
    }
    vtkDataArray* array(const char* name) const { return image->GetPointData()->GetArray(name); }
};

std::string units_of(vtkDataArray* a) {
    vtkInformation* info = a->GetInformation();
    if (!info->Has(vtkDataArray::UNITS_LABEL())) return {};
    return info->Get(vtkDataArray::UNITS_LABEL());
}

std::string read_text(const fs::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("ParaView image: mm geometry, named arrays with units, values at known nodes, uint8 labels", "[viz]") {
    const ScratchDir dir("paraview_image");
    const Map3 p = ramp(4, 3, 5, 2e6);  // Pa
    const Map3 e = ramp(4, 3, 5, 1.0);  // J/m^2
    std::vector<std::uint8_t> labels(p.size()), mask(p.size());
    for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = std::uint8_t(i % 3), mask[i] = i == 7 ? 1 : 0;

    viz::ParaviewFolder folder(dir / "paraview", "test run");
    viz::ParaviewImage image;
    image.file = "maps.vti";
    image.description = "two maps";
    image.fields = {{"p_max_MPa", "MPa", "peak pressure", &p, 1e-6}, {"efd_mJ_per_mm2", "mJ/mm^2", "EFD", &e, 1e-3}};
    image.labels = {{"labels", "tissue", &labels, {"water", "fat", "bone"}},
                    {"target_mask", "target", &mask, {"outside", "inside"}}};
    folder.add_image(image);
    CHECK_FALSE(fs::exists(dir / "paraview" / "maps.vti.partial"));

    const ReadBack in(dir / "paraview" / "maps.vti");
    int dims[3];
    double origin[3], spacing[3];
    in.image->GetDimensions(dims);
    in.image->GetOrigin(origin);
    in.image->GetSpacing(spacing);
    CHECK(dims[0] == 4);
    CHECK(dims[1] == 3);
    CHECK(dims[2] == 5);
    CHECK(origin[0] == Approx(-4.0));  // mm
    CHECK(origin[1] == Approx(1.0));
    CHECK(origin[2] == Approx(20.0));
    CHECK(spacing[0] == Approx(0.5));
    CHECK(spacing[1] == Approx(0.25));
    CHECK(spacing[2] == Approx(1.0));

    vtkDataArray* pa = in.array("p_max_MPa");
    vtkDataArray* ea = in.array("efd_mJ_per_mm2");
    vtkDataArray* la = in.array("labels");
    vtkDataArray* ma = in.array("target_mask");
    REQUIRE(pa);
    REQUIRE(ea);
    REQUIRE(la);
    REQUIRE(ma);
    CHECK(units_of(pa) == "MPa");
    CHECK(units_of(ea) == "mJ/mm^2");
    CHECK(units_of(la) == "1");
    CHECK(pa->GetDataType() == VTK_FLOAT);
    CHECK(la->GetDataType() == VTK_UNSIGNED_CHAR);
    CHECK(ma->GetDataType() == VTK_UNSIGNED_CHAR);
    // Node (ix, iy, iz) = (3, 2, 4): point id 3 + 4 (2 + 3 * 4) = 59; the map holds 2e6 * (1 + 3 + 20 + 400) Pa.
    const int node[3] = {3, 2, 4};
    const vtkIdType id = in.image->ComputePointId(const_cast<int*>(node));
    CHECK(id == 59);
    CHECK(pa->GetTuple1(id) == Approx(2.0 * 424));            // MPa
    CHECK(ea->GetTuple1(id) == Approx(424 * 1e-3));           // mJ/mm^2
    CHECK(la->GetTuple1(id) == double(59 % 3));
    CHECK(ma->GetTuple1(7) == 1.0);
    CHECK(ma->GetTuple1(8) == 0.0);
    // The physical position of that node is the map's, in mm.
    double x[3];
    in.image->GetPoint(id, x);
    const auto xm = p.position_m(3, 2, 4);
    for (int k = 0; k < 3; ++k) CHECK(x[k] == Approx(xm[k] * 1e3));

    // The label lookup travels in the file as field data.
    auto* names = vtkStringArray::SafeDownCast(in.image->GetFieldData()->GetAbstractArray("labels_names"));
    REQUIRE(names);
    REQUIRE(names->GetNumberOfValues() == 3);
    CHECK(names->GetValue(2) == "bone");
}

TEST_CASE("ParaView series: the .pvd is XML with the given times (us) and files that VTK reads", "[viz]") {
    const ScratchDir dir("paraview_series");
    std::vector<Map3> frames;
    for (int k = 0; k < 3; ++k) frames.push_back(ramp(3, 2, 2, 1e6 * (k + 1)));
    const std::vector<double> times_us = {12.5, 25.0, 37.125};
    viz::ParaviewFolder folder(dir.path(), "series");
    folder.add_series("snapshots.pvd", "pressure", times_us, [&](std::size_t k) {
        viz::ParaviewImage f;
        f.fields.push_back({"p_MPa", "MPa", "pressure", &frames[k], 1e-6});
        return f;
    });
    const fs::path pvd = dir / "snapshots.pvd";
    REQUIRE(fs::exists(pvd));

    xmlDocPtr doc = xmlReadFile(pvd.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    REQUIRE(doc != nullptr);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    REQUIRE(std::string((const char*)root->name) == "VTKFile");
    xmlChar* type = xmlGetProp(root, BAD_CAST "type");
    CHECK(std::string((const char*)type) == "Collection");
    xmlFree(type);
    std::vector<std::pair<double, std::string>> sets;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || std::string((const char*)c->name) != "Collection") continue;
        for (xmlNodePtr d = c->children; d; d = d->next) {
            if (d->type != XML_ELEMENT_NODE) continue;
            REQUIRE(std::string((const char*)d->name) == "DataSet");
            xmlChar* t = xmlGetProp(d, BAD_CAST "timestep");
            xmlChar* f = xmlGetProp(d, BAD_CAST "file");
            REQUIRE(t);
            REQUIRE(f);
            sets.emplace_back(std::stod((const char*)t), std::string((const char*)f));
            xmlFree(t);
            xmlFree(f);
        }
    }
    xmlFreeDoc(doc);
    REQUIRE(sets.size() == 3);
    for (std::size_t k = 0; k < 3; ++k) {
        CHECK(sets[k].first == times_us[k]);  // exact: shortest round-trip decimal
        const ReadBack in(dir / sets[k].second);
        vtkDataArray* a = in.array("p_MPa");
        REQUIRE(a);
        CHECK(a->GetTuple1(0) == Approx(1.0 * (k + 1)));  // node (0,0,0): 1e6 (k+1) Pa
    }
    CHECK_THROWS_AS(viz::write_pvd(dir / "bad.pvd", {{std::nan(""), "a.vti"}}), std::invalid_argument);
    CHECK_FALSE(fs::exists(dir / "bad.pvd"));
}

TEST_CASE("ParaView README lists every file and every array with its unit, and the label lookup", "[viz]") {
    const ScratchDir dir("paraview_readme");
    const Map3 p = ramp(2, 2, 2, 1e6), c = ramp(2, 2, 2, 1500);
    std::vector<std::uint8_t> labels(p.size(), 1);
    viz::ParaviewFolder folder(dir.path(), "readme test");
    viz::ParaviewImage a;
    a.file = "maps.vti";
    a.description = "maps";
    a.fields = {{"p_max_MPa", "MPa", "peak positive pressure", &p, 1e-6}};
    a.labels = {{"labels", "tissue label", &labels, {"water", "soft_tissue"}}};
    viz::ParaviewImage b;
    b.file = "medium.vti";
    b.description = "medium";
    b.fields = {{"c_m_per_s", "m/s", "sound speed", &c, 1.0}};
    folder.add_image(a);
    folder.add_image(b);
    folder.add_series("snap.pvd", "snapshots", {1.0, 2.0}, [&](std::size_t) {
        viz::ParaviewImage f;
        f.fields.push_back({"p_MPa", "MPa", "pressure", &p, 1e-6});
        return f;
    });
    const fs::path readme = folder.write_readme();
    const std::string text = read_text(readme);
    CHECK(text == folder.readme_text());
    for (const char* file : {"maps.vti", "medium.vti", "snap.pvd"}) CHECK(text.find(std::string(file) + ": ") != std::string::npos);
    // Each array line: name, unit and meaning on one line.
    const auto has_line = [&](const std::string& name, const std::string& unit, const std::string& meaning) {
        std::istringstream in(text);
        std::string line;
        while (std::getline(in, line)) {
            const auto n = line.find("  " + name + " ");
            if (n != 0) continue;
            const auto u = line.find(" " + unit + " ", n + name.size());
            if (u != std::string::npos && line.find(meaning, u) != std::string::npos) return true;
        }
        return false;
    };
    CHECK(has_line("p_max_MPa", "MPa", "peak positive pressure"));
    CHECK(has_line("c_m_per_s", "m/s", "sound speed"));
    CHECK(has_line("labels", "1", "tissue label"));
    CHECK(has_line("p_MPa", "MPa", "pressure"));
    CHECK(text.find("lookup labels: 0 water, 1 soft_tissue") != std::string::npos);
    CHECK(text.find("microseconds") != std::string::npos);
    // The folder records each file it wrote (the series' frames included), README last.
    const auto& files = folder.files();
    REQUIRE(files.size() == 6);
    CHECK(files.back() == readme);
    for (const auto& f : files) CHECK(fs::exists(f));
}
