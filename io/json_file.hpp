// JSON files (run summaries, metrics, plans) and small text files (resolved cases): written atomically, read with
// errors that name the file.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace lithosim::io {

/// Writes `value` pretty-printed (2-space indent, trailing newline) to "<path>.partial" in the same directory,
/// then renames it to `path`, so readers never see a half-written file. Throws std::runtime_error naming the
/// file on failure; the partial file is removed then.
void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& value);

/// Writes `text` to "<path>.partial" in the same directory, then renames it to `path`: the file is complete or
/// absent. Throws std::runtime_error naming the file on failure; the partial file is removed then.
void write_text_atomic(const std::filesystem::path& path, const std::string& text);

/// Reads and parses a JSON file. Throws std::runtime_error naming the file (and, for a syntax error, the
/// position the parser reports).
nlohmann::json read_json(const std::filesystem::path& path);

}  // namespace lithosim::io
