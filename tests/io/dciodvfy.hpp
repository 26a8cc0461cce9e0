// dciodvfy (Debian's dicom3tools, installed by scripts/install-deps.sh) on a DICOM file: its report and the lines
// that are errors. Tests skip the check with a message when the tool is missing.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lithosim::test {

inline bool have_dciodvfy() { return std::system("command -v dciodvfy >/dev/null 2>&1") == 0; }

struct DciodvfyReport {
    std::string text;                  ///< everything it printed
    std::vector<std::string> errors;   ///< the lines starting with "Error", and an abort (e.g. a failed assertion)
};

inline DciodvfyReport run_dciodvfy(const std::filesystem::path& file) {
    const std::filesystem::path log = file.string() + ".dciodvfy.txt";
    const std::string command = "dciodvfy '" + file.string() + "' > '" + log.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    DciodvfyReport r;
    std::ifstream in(log);
    std::ostringstream all;
    for (std::string line; std::getline(in, line);) {
        all << line << "\n";
        if (line.rfind("Error", 0) == 0) r.errors.push_back(line);
    }
    r.text = all.str();
    // dciodvfy prints errors and exits 0 or 1 either way; a crash (a signal, a failed assertion) is no verdict.
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) > 1 || r.text.find("Assertion") != std::string::npos)
        r.errors.push_back("dciodvfy did not complete (status " + std::to_string(status) + ")");
    std::filesystem::remove(log);
    return r;
}

}  // namespace lithosim::test
