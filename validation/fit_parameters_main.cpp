// lithosim_fit_parameters: fits the planner's parameters once to the published data (validation/parameter_fit.hpp)
// and prints the fit; with --write FILE it writes the table planning/fitted_parameters.cpp.
//
//     build/validation/lithosim_fit_parameters                                   # print the fit
//     build/validation/lithosim_fit_parameters --write planning/fitted_parameters.cpp
//
// Rebuild lithosim after writing the table. The test [fit] (tests/validation/test_fit.cpp) checks that the compiled
// table is what the embedded data give.
#include <fstream>
#include <iostream>
#include <string>

#include "core/errors.hpp"
#include "validation/parameter_fit.hpp"

int main(int argc, char** argv) {
    std::string out;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--write" && i + 1 < argc) {
            out = argv[++i];
        } else {
            std::cerr << "usage: lithosim_fit_parameters [--write planning/fitted_parameters.cpp]\n";
            return 2;
        }
    }
    try {
        lithosim::planning::FittedParameters fit = lithosim::validation::fit_all(&std::cout);
        fit.command = "build/validation/lithosim_fit_parameters --write planning/fitted_parameters.cpp";
        std::cout << "data hash " << fit.data_hash << "\n";
        if (!out.empty()) {
            std::ofstream f(out);
            f << lithosim::validation::fitted_table_source(fit);
            if (!f) {
                std::cerr << "lithosim_fit_parameters: cannot write " << out << "\n";
                return 1;
            }
            std::cout << "wrote " << out << "\n";
        }
    } catch (const std::exception& e) {
        std::cerr << "lithosim_fit_parameters: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
