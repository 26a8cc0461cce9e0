// The command line's side of bad input: a library error names its input, the command line shows that input's option.
#include <catch2/catch.hpp>

#include <string>

#include "app/commands.hpp"
#include "cases/case_keys.hpp"
#include "core/errors.hpp"

TEST_CASE("bad input of a named input gets its command-line option in front; library messages name no option",
          "[app]") {
    using lithosim::app::bad_input_message;
    CHECK(bad_input_message(lithosim::InputError("target_depth_mm", "target depth 140 mm exceeds the reach")) ==
          "--target-depth-mm: target depth 140 mm exceeds the reach");
    CHECK(bad_input_message(lithosim::InputError("ct|phantom", "no input")) == "--ct/--phantom: no input");
    CHECK(bad_input_message(lithosim::InputError("grid.dx_mm = 0 is out of range")) ==
          "grid.dx_mm = 0 is out of range");
    // A library error: the quantity in words, the input named for the front end, no option in the message.
    try {
        lithosim::read_case_file("no_such_case_file.ini");
        FAIL("a missing case file must throw");
    } catch (const lithosim::InputError& e) {
        CHECK(e.input == "config");
        CHECK(std::string(e.what()).find("--") == std::string::npos);
        CHECK(bad_input_message(e).rfind("--config: case file 'no_such_case_file.ini': no such file", 0) == 0);
    }
}
