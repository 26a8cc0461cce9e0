// `lithosim devices`: the device presets of models/devices.hpp with their setting, calibration, derived geometry and
// every parameter with unit, default, range and source (models::describe_devices, the single source of the text).
#include <boost/program_options.hpp>

#include <iostream>

#include "app/commands.hpp"
#include "models/devices.hpp"

namespace po = boost::program_options;

namespace lithosim::app {

int cmd_devices(const Args& args) {
    po::options_description o("Options of lithosim devices", help_width(), help_width() / 2);
    o.add_options()("help,h", "print this help.");
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(o).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
        std::cout << "usage: lithosim devices\nLists the lithotripter and shock-wave therapy device presets: for each, "
                     "its energy setting and calibration,\nits derived geometry and every parameter with unit, "
                     "default, accepted range and source (models/DEVICES.md has the reasoning).\n\n"
                  << o;
        return kExitOk;
    }
    std::cout << models::describe_devices();
    return kExitOk;
}

}  // namespace lithosim::app
