#include "io/json_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace lithosim::io {

namespace fs = std::filesystem;

namespace {
std::string quoted(const fs::path& p) {
    // Built by appending: "'" + s + "'" trips a GCC 12 -Wrestrict false positive (GCC bug 105329) at -O3.
    std::string text(1, '\'');
    text += p.string();
    text += '\'';
    return text;
}

std::string errno_text(int err) { return err != 0 ? std::strerror(err) : "unknown I/O error"; }
}  // namespace

void write_text_atomic(const fs::path& path, const std::string& text) {
    fs::path partial = path;
    partial += ".partial";
    std::string detail;
    try {
        errno = 0;
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot create " + quoted(partial) + ": " + errno_text(errno));
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.close();
        if (!out) throw std::runtime_error("cannot write " + quoted(partial) + ": " + errno_text(errno));
        fs::rename(partial, path);
        return;
    } catch (const fs::filesystem_error& e) {
        detail = "cannot rename " + quoted(partial) + ": " + e.code().message();
    } catch (const std::exception& e) {
        detail = e.what();
    }
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw std::runtime_error("writing " + quoted(path) + " failed: " + detail);
}

void write_json_atomic(const fs::path& path, const nlohmann::json& value) {
    // Serialise first: a value that cannot be written (invalid UTF-8 in a string) must not leave a file.
    std::string text;
    try {
        text = value.dump(2) + "\n";
    } catch (const std::exception& e) {
        throw std::runtime_error("writing JSON file " + quoted(path) + " failed: " + e.what());
    }
    write_text_atomic(path, text);
}

nlohmann::json read_json(const fs::path& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        throw std::runtime_error("cannot read JSON file " + quoted(path) + ": it is a directory");
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open JSON file " + quoted(path) + ": " + errno_text(errno));
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw std::runtime_error("cannot parse JSON file " + quoted(path) + ": " + e.what());
    }
}

}  // namespace lithosim::io
