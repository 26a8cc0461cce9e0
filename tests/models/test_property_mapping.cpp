// Property mapping (models/property_mapping.hpp): the label table against the presets, the continuous bone law at
// the reference points and its monotonicity, user tables (label rows, HU ranges) and every kind of bad CSV line.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "models/hounsfield.hpp"
#include "models/property_mapping.hpp"
#include "models/tissue.hpp"
#include "core/errors.hpp"

using namespace lithosim;
using namespace lithosim::models;

namespace {

constexpr Label kAllLabels[] = {Label::water,       Label::air,    Label::lung,           Label::fat,
                                Label::soft_tissue, Label::fluid,  Label::tendon,         Label::bone_trabecular,
                                Label::bone_cortical, Label::calcification};

void check_equal(const MaterialAt& a, const MaterialAt& b) {
    CHECK(a.rho_kg_per_m3 == b.rho_kg_per_m3);
    CHECK(a.c_m_per_s == b.c_m_per_s);
    CHECK(a.alpha_dB_per_cm_MHz == b.alpha_dB_per_cm_MHz);
    CHECK(a.alpha_power == b.alpha_power);
    CHECK(a.BonA == b.BonA);
}

MaterialAt of(const TissueProperties& p) {
    return {p.rho_kg_per_m3, p.c_m_per_s, p.alpha_dB_per_cm_MHz, p.alpha_power, p.BonA};
}

UserTable table(const std::string& text, const std::string& name = "user.csv") {
    std::istringstream in(text);
    return read_user_table(in, name);
}

const std::string kLabelHeader = "label,rho_kg_per_m3,c_m_per_s,alpha_dB_per_cm_MHz,alpha_power,BonA,source\n";
const std::string kRangeHeader = "HU_min,HU_max,rho_kg_per_m3,c_m_per_s,alpha_dB_per_cm_MHz,alpha_power,BonA,source\n";

}  // namespace

TEST_CASE("the 'labels' mapping: preset values for the tissues, HU ignored", "[models][mapping]") {
    const PropertyMapping m = PropertyMapping::named("labels");
    CHECK(m.name() == "labels");
    const std::pair<Label, const char*> presets[] = {
        {Label::water, "water"},   {Label::fat, "fat"},        {Label::soft_tissue, "muscle"},
        {Label::fluid, "bile"},    {Label::tendon, "tendon"},  {Label::bone_trabecular, "bone_trabecular"},
        {Label::bone_cortical, "bone_cortical"},               {Label::calcification, "calcification"}};
    for (const auto& [label, preset] : presets) {
        INFO(label_name(label) << " = preset " << preset);
        // Hard tissues are linear (B/A 0, models/MAPPING.md); everything else is the preset's.
        const bool hard = label == Label::bone_trabecular || label == Label::bone_cortical || label == Label::calcification;
        MaterialAt expected = of(tissue_preset(preset));
        if (hard) expected.BonA = 0;
        for (const float hu : {-1000.0f, 0.0f, 500.0f, 2000.0f}) check_equal(m.property(label, hu), expected);
        CHECK(m.label_table()[std::size_t(label)].source.find(preset) != std::string::npos);
    }
    for (const Label l : kAllLabels) {
        INFO(label_name(l));
        CHECK_FALSE(m.continuous(l));
        CHECK_FALSE(m.label_table()[std::size_t(l)].source.empty());
        check_equal(m.property(l, -1000.0f), m.property(l, 1500.0f));
    }
    // Air is an ideal gas at 1 atm: rho c^2 = gamma p0 (Laplace), with gamma = 1 + B/A for an ideal gas; the table's
    // density is 100 times the real one (the k-Wave choice, for the solver's stability).
    const MaterialAt air = m.property(Label::air, -1000.0f);
    CHECK(air.rho_kg_per_m3 / 100.0 * air.c_m_per_s * air.c_m_per_s ==
          Approx((1.0 + air.BonA) * 101325.0).epsilon(1e-9));
    CHECK(air.BonA == Approx(0.4));
    // Gas and lung reflect: their impedance is far below that of soft tissue.
    const MaterialAt soft = m.property(Label::soft_tissue, 40.0f), lung = m.property(Label::lung, -800.0f);
    CHECK(air.rho_kg_per_m3 * air.c_m_per_s < 0.03 * soft.rho_kg_per_m3 * soft.c_m_per_s);
    CHECK(lung.rho_kg_per_m3 * lung.c_m_per_s < 0.2 * soft.rho_kg_per_m3 * soft.c_m_per_s);

    CHECK_THROWS_WITH(PropertyMapping::named("schneider"), Catch::Contains("labels, hounsfield"));
}

TEST_CASE("the 'hounsfield' mapping: Schneider density and the Aubry line for bone and calcification",
          "[models][mapping]") {
    const PropertyMapping h = PropertyMapping::named("hounsfield");
    const PropertyMapping l = PropertyMapping::named("labels");
    for (const Label label : {Label::bone_trabecular, Label::bone_cortical, Label::calcification}) {
        INFO(label_name(label));
        CHECK(h.continuous(label));
        // Reference point (physics-numerics §6.1): HU 500 -> rho 1342.7; c from the line 1.3333 rho + 166.67.
        const MaterialAt m = h.property(label, 500.0f);
        CHECK(m.rho_kg_per_m3 == Approx(1342.7).margin(0.06));
        CHECK(m.c_m_per_s == Approx(1.3333 * m.rho_kg_per_m3 + 166.67).epsilon(1e-12));
        // Absorption and B/A stay those of the label table.
        const MaterialAt t = l.property(label, 500.0f);
        CHECK(m.alpha_dB_per_cm_MHz == t.alpha_dB_per_cm_MHz);
        CHECK(m.alpha_power == t.alpha_power);
        CHECK(m.BonA == t.BonA);
        // Other reference points of the fit.
        CHECK(h.property(label, 1000.0f).rho_kg_per_m3 == Approx(1673.9).margin(0.06));
        CHECK(h.property(label, 2000.0f).rho_kg_per_m3 == Approx(2336.5).margin(0.06));
        // HU is rounded to an integer (CT stores integers; bounded count of distinct materials).
        check_equal(h.property(label, 500.4f), m);
        // Below about -12 HU the fit would go under 1000 kg/m^3: clamped to the water end of the line.
        const MaterialAt low = h.property(label, -500.0f);
        CHECK(low.rho_kg_per_m3 == 1000.0);
        CHECK(low.c_m_per_s == Approx(1.3333 * 1000.0 + 166.67).epsilon(1e-12));  // 1500 up to the rounded line
    }
    // Soft tissues, gas and water keep their label rows.
    for (const Label label : {Label::water, Label::air, Label::lung, Label::fat, Label::soft_tissue, Label::fluid,
                              Label::tendon}) {
        INFO(label_name(label));
        CHECK_FALSE(h.continuous(label));
        check_equal(h.property(label, 60.0f), l.property(label, 60.0f));
    }
}

TEST_CASE("the bone law is continuous and increasing in HU, across trabecular and cortical", "[models][mapping]") {
    const PropertyMapping h = PropertyMapping::named("hounsfield");
    // Largest slope of the density fit is 0.6625 kg/m^3 per HU, so one HU step moves rho by at most that, and c by
    // 1.3333 times that.
    double rho_prev = 0, c_prev = 0;
    for (int hu = 130; hu <= 3000; ++hu) {
        const Label label = hu < 700 ? Label::bone_trabecular : Label::bone_cortical;
        const MaterialAt m = h.property(label, float(hu));
        if (hu > 130) {
            INFO("HU " << hu);
            CHECK(m.rho_kg_per_m3 > rho_prev);
            CHECK(m.c_m_per_s > c_prev);
            CHECK(m.rho_kg_per_m3 - rho_prev <= 0.6626);
            CHECK(m.c_m_per_s - c_prev <= 1.3333 * 0.6626);
        }
        rho_prev = m.rho_kg_per_m3;
        c_prev = m.c_m_per_s;
    }
    // The calcification law is the same function of HU.
    check_equal(h.property(Label::calcification, 900.0f), h.property(Label::bone_cortical, 900.0f));
}

TEST_CASE("a user table row for one label changes only that label", "[models][mapping]") {
    const UserTable t = table("# fat measured on our phantom\n\n" + kLabelHeader +
                              "fat, 950, 1450, 0.5, 1.1, 10, \"phantom lot 7, our measurement\"\n");
    REQUIRE(t.labels.size() == 1);
    CHECK(t.labels[0].row.source == "phantom lot 7, our measurement");
    for (const char* name : {"labels", "hounsfield"}) {
        INFO(name);
        const PropertyMapping base = PropertyMapping::named(name);
        PropertyMapping m = base;
        m.apply(t);
        CHECK(m.name() == name);
        REQUIRE(m.user_tables().size() == 1);
        CHECK(m.user_tables()[0] == "user.csv");
        check_equal(m.property(Label::fat, -100.0f), MaterialAt{950, 1450, 0.5, 1.1, 10});
        for (const Label l : kAllLabels)
            if (l != Label::fat)
                for (const float hu : {-900.0f, 0.0f, 400.0f, 1500.0f}) check_equal(m.property(l, hu), base.property(l, hu));
    }
    SECTION("under 'hounsfield' a bone row replaces the continuous law by the user's constants") {
        PropertyMapping m = PropertyMapping::named("hounsfield");
        m.apply(table(kLabelHeader + "bone_cortical,1900,3000,10,1,300,test values\n"));
        CHECK_FALSE(m.continuous(Label::bone_cortical));
        check_equal(m.property(Label::bone_cortical, 1200.0f), MaterialAt{1900, 3000, 10, 1, 300});
        check_equal(m.property(Label::bone_cortical, 2000.0f), MaterialAt{1900, 3000, 10, 1, 300});
        CHECK(m.continuous(Label::bone_trabecular));
    }
}

TEST_CASE("HU-range rows apply by HU, half-open, to every label but coupling water", "[models][mapping]") {
    PropertyMapping m = PropertyMapping::named("hounsfield");
    const MaterialAt low{1100, 1600, 1, 1, 7}, high{1200, 1800, 2, 1, 8};
    // Rows given out of order: sorted on reading.
    m.apply(table(kRangeHeader + "200, 300, 1200, 1800, 2, 1, 8, test\n100, 200, 1100, 1600, 1, 1, 7, test\n"));
    REQUIRE(m.hu_ranges().size() == 2);
    CHECK(m.hu_ranges()[0].HU_min == 100);
    check_equal(m.property(Label::soft_tissue, 100.0f), low);
    check_equal(m.property(Label::tendon, 199.5f), low);
    check_equal(m.property(Label::bone_trabecular, 200.0f), high);
    check_equal(m.property(Label::calcification, 299.0f), high);
    // Outside the ranges: the label's own law.
    const PropertyMapping base = PropertyMapping::named("hounsfield");
    check_equal(m.property(Label::bone_trabecular, 300.0f), base.property(Label::bone_trabecular, 300.0f));
    check_equal(m.property(Label::soft_tissue, 99.9f), base.property(Label::soft_tissue, 99.9f));
    // Coupling water keeps its row (its HU is that of the air it replaced).
    check_equal(m.property(Label::water, 150.0f), base.property(Label::water, 150.0f));

    SECTION("map_properties gives every voxel property(label, HU)") {
        HuVolume v;
        v.nx = 4;
        v.ny = 3;
        v.nz = 2;
        v.hu = {-1000, -800, -100, 0, 10, 40, 90, 150, 250, 350, 800, 1500,
                -1000, 150, 150, 150, 500, 500, 500, 699, 700, 2000, 50, 20};
        LabelMap labels(v.size());
        for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = std::uint8_t(i % kLabelCount);
        const AcousticMaps a = map_properties(v, labels, m);
        REQUIRE(a.rho_kg_per_m3.size() == v.size());
        for (std::size_t i = 0; i < v.size(); ++i) {
            const MaterialAt p = m.property(Label(labels[i]), v.hu[i]);
            INFO("voxel " << i);
            CHECK(a.rho_kg_per_m3[i] == float(p.rho_kg_per_m3));
            CHECK(a.c_m_per_s[i] == float(p.c_m_per_s));
            CHECK(a.alpha_dB_per_cm_MHz[i] == float(p.alpha_dB_per_cm_MHz));
            CHECK(a.alpha_power[i] == float(p.alpha_power));
            CHECK(a.BonA[i] == float(p.BonA));
        }
        labels.pop_back();
        CHECK_THROWS_WITH(map_properties(v, labels, m), Catch::Contains("label map holds 23"));
        labels.push_back(12);
        CHECK_THROWS_WITH(map_properties(v, labels, m), Catch::Contains("voxel 23 holds label 12"));
    }
    SECTION("ranges of a second table must not overlap those of the first") {
        CHECK_THROWS_WITH(m.apply(table(kRangeHeader + "250,400,1,1,1,1,1,x\n", "second.csv")),
                          Catch::Contains("second.csv") && Catch::Contains("[250, 400)"));
    }
}

TEST_CASE("describe() is the mapping as a readable user table", "[models][mapping]") {
    PropertyMapping m = PropertyMapping::named("hounsfield");
    m.apply(table(kRangeHeader + "-100,-50,900,1450,0.6,1.2,11,test range\n"));
    const std::string text = m.describe();
    CHECK(text.find("# lithosim property mapping: hounsfield") != std::string::npos);
    CHECK(text.find("user.csv") != std::string::npos);
    CHECK(text.find("bone_trabecular, bone_cortical, calcification") != std::string::npos);
    // Read back onto the 'labels' mapping: the same rows, to the 8 digits written.
    PropertyMapping back = PropertyMapping::named("labels");
    back.apply(table(text, "described"));
    for (const Label l : {Label::water, Label::air, Label::lung, Label::fat, Label::soft_tissue, Label::fluid,
                          Label::tendon}) {
        INFO(label_name(l));
        const MaterialAt a = m.property(l, 40.0f), b = back.property(l, 40.0f);
        CHECK(b.rho_kg_per_m3 == Approx(a.rho_kg_per_m3).epsilon(1e-7));
        CHECK(b.c_m_per_s == Approx(a.c_m_per_s).epsilon(1e-7));
        CHECK(b.alpha_dB_per_cm_MHz == Approx(a.alpha_dB_per_cm_MHz).epsilon(1e-7));
        CHECK(b.alpha_power == a.alpha_power);
        CHECK(b.BonA == Approx(a.BonA).epsilon(1e-7));
        CHECK(back.label_table()[std::size_t(l)].source == m.label_table()[std::size_t(l)].source);
    }
    REQUIRE(back.hu_ranges().size() == 1);
    CHECK(back.hu_ranges()[0].HU_max == -50);
}

TEST_CASE("bad user-table lines are InputErrors naming the file and line", "[models][mapping]") {
    const std::string good = "water,998,1482,0.002,2,5,ok\n";
    const std::string ok_range = "0,100,1000,1500,0.5,1.1,7,ok\n";
    struct Case {
        std::string text, expect;
    };
    const Case cases[] = {
        {"# comment\nwater,998,1482,0.002,2,5,ok\n", "line 2: expected a header line"},
        {"label,rho,c\n" + good, "line 1: expected a header line"},
        {kLabelHeader + good + "bone,1900,3000,10,1,300,x\n", "line 3: unknown label 'bone'; accepted: water, air"},
        {kLabelHeader + "\n" + "fat,9x0,1450,0.5,1.1,10,x\n", "line 3: rho_kg_per_m3 = '9x0' is not a finite number"},
        {kLabelHeader + "fat,950,,0.5,1.1,10,x\n", "line 2: c_m_per_s = '' is not a finite number"},
        {kLabelHeader + "fat,0,1450,0.5,1.1,10,x\n", "line 2: rho_kg_per_m3 = 0 is out of range"},
        {kLabelHeader + "fat,950,-1,0.5,1.1,10,x\n", "line 2: c_m_per_s = -1 is out of range"},
        {kLabelHeader + "fat,950,1450,-0.1,1.1,10,x\n", "line 2: alpha_dB_per_cm_MHz = -0.1 is out of range"},
        {kLabelHeader + "fat,950,1450,0.5,0,10,x\n", "line 2: alpha_power = 0 is out of range (accepted 0 < y <= 2, the range of the solver)"},
        {kLabelHeader + "fat,950,1450,0.5,3.5,10,x\n", "line 2: alpha_power = 3.5 is out of range"},
        {kLabelHeader + "fat,950,1450,0.5,1.1,-3,x\n", "line 2: BonA = -3 is out of range"},
        {kLabelHeader + "fat,950,1450,0.5,1.1,10\n", "line 2: expected 7 fields"},
        {kLabelHeader + "fat,950,1450,0.5,1.1,10,  \n", "line 2: the source is empty"},
        {kLabelHeader + good + good, "line 3: label 'water' is already given on line 2"},
        {kRangeHeader + "100,100,1000,1500,0.5,1.1,7,x\n", "line 2: HU_min = 100 must be below HU_max = 100"},
        {kRangeHeader + ok_range + "# gap\n50,150,1000,1500,0.5,1.1,7,x\n",
         "line 4: HU range [50, 150) overlaps the range [0, 100) of line 2"},
        {kRangeHeader + "0,100,1000,1500,0.5,1.1,x\n", "line 2: expected 8 fields"},
        {kRangeHeader + "0,abc,1000,1500,0.5,1.1,7,x\n", "line 2: HU_max = 'abc' is not a finite number"},
        {"# only comments\n" + kLabelHeader, "has no data row"},
    };
    for (const Case& c : cases) {
        INFO(c.text);
        CHECK_THROWS_AS(table(c.text, "bad.csv"), InputError);
        CHECK_THROWS_WITH(table(c.text, "bad.csv"), Catch::Contains("mapping table 'bad.csv'") && Catch::Contains(c.expect));
    }
    // Both sections in one file are fine, and the ranges may touch.
    const UserTable both = table(kLabelHeader + good + kRangeHeader + ok_range + "100,200,1000,1500,0.5,1.1,7,ok\n");
    CHECK(both.labels.size() == 1);
    CHECK(both.hu_ranges.size() == 2);
}

TEST_CASE("user tables are read from a file path", "[models][mapping]") {
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("lithosim_mapping_test_" + std::to_string(::getpid()) + ".csv");
    {
        std::ofstream out(path);
        out << kLabelHeader << "tendon,1100,1750,1.5,1.2,7,file row\r\n";  // CRLF line ends are accepted
    }
    const UserTable t = read_user_table(path.string());
    std::filesystem::remove(path);
    REQUIRE(t.labels.size() == 1);
    CHECK(t.labels[0].label == Label::tendon);
    CHECK(t.labels[0].row.source == "file row");
    CHECK(t.file == path.string());
    CHECK_THROWS_WITH(read_user_table(path.string()), Catch::Contains(path.string()) && Catch::Contains("cannot be opened"));
}
