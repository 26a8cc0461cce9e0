// CT import: the dispatch by path, the volume hash, the pseudonym and the site salt. The DICOM reader and writer
// are in ct_dicom.cpp, the VTK-based readers in ct_vtk_formats.cpp.
#include "io/ct_import.hpp"

#include <fcntl.h>
#include <gdcmSHA1.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/ct_import_internal.hpp"
#include "core/errors.hpp"

namespace lithosim::io {

namespace fs = std::filesystem;

namespace detail {

std::string sha1_hex(const void* data, std::size_t bytes) {
    char digest[2 * 20 + 1] = {};
    if (!gdcm::SHA1::Compute(static_cast<const char*>(data), static_cast<unsigned long>(bytes), digest))
        throw std::runtime_error("SHA-1 failed (GDCM built without OpenSSL?)");
    return std::string(digest, 40);
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

void check_volume(const models::HuVolume& v, const std::string& what) {
    require_input(v.nx >= 1 && v.ny >= 1, what, " has an empty slice (", v.nx, " x ", v.ny, " pixels)");
    require_input(v.nz >= 2, what, " has ", v.nz, " slice: a volume needs at least 2 slices");
    require_input(v.hu.size() == v.size(), what, ": ", v.hu.size(), " values for ", v.nx, " x ", v.ny, " x ", v.nz,
                  " voxels");
    for (int a = 0; a < 3; ++a)
        require_input(std::isfinite(v.spacing_mm[a]) && v.spacing_mm[a] > 0, what, " has spacing ", v.spacing_mm[a],
                      " mm along axis ", a, ": must be > 0");
    for (int a = 0; a < 3; ++a) {
        const auto& e = v.axes[a];
        const double n = std::sqrt(e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
        require_input(std::abs(n - 1) <= kDirectionTolerance, what, " has a direction of axis ", a, " of length ", n,
                      ": must be a unit vector");
        for (int b = a + 1; b < 3; ++b) {
            const auto& f = v.axes[b];
            const double d = e[0] * f[0] + e[1] * f[1] + e[2] * f[2];
            require_input(std::abs(d) <= kDirectionTolerance, what, " has axes ", a, " and ", b,
                          " that are not orthogonal (cosine ", d, "): sheared volumes are not supported");
        }
    }
    for (std::size_t n = 0; n < v.hu.size(); ++n)
        if (!std::isfinite(v.hu[n])) {
            const std::size_t i = n % v.nx, j = (n / v.nx) % v.ny, k = n / (v.nx * v.ny);
            throw InputError(fmt(what, " has a non-finite value at voxel (", i, ", ", j, ", ", k, ")"));
        }
}

}  // namespace detail

std::string file_sha1(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
        throw std::runtime_error("cannot hash '" + file.string() + "': not a readable file");
    char digest[2 * 20 + 1] = {};
    if (!gdcm::SHA1::ComputeFile(file.c_str(), digest)) throw std::runtime_error("hashing '" + file.string() + "' failed");
    return digest;
}

std::string volume_sha1(const models::HuVolume& v) {
    static_assert(std::endian::native == std::endian::little, "the hash is defined on little-endian float32 bytes");
    std::ostringstream head;
    head.precision(17);
    head << "lithosim-hu-volume-v1 " << v.nx << ' ' << v.ny << ' ' << v.nz;
    for (double s : v.spacing_mm) head << ' ' << s;
    for (double o : v.origin_mm) head << ' ' << o;
    for (const auto& a : v.axes)
        for (double c : a) head << ' ' << c;
    head << '\n';
    // Slice by slice so that no copy of the whole volume is needed (gdcm::SHA1 only hashes whole buffers).
    std::string text = head.str();
    const std::size_t slice = v.nx * v.ny;
    for (std::size_t k = 0; k < v.nz && slice * (k + 1) <= v.hu.size(); ++k)
        text += detail::sha1_hex(v.hu.data() + k * slice, slice * sizeof(float)) + '\n';
    return detail::sha1_hex(text.data(), text.size());
}

std::string pseudonym(const std::vector<std::string>& identifiers, const std::string& salt) {
    // Length-prefixed parts: ("ab", "c") and ("a", "bc") hash differently.
    std::string text = std::to_string(salt.size()) + ':' + salt;
    for (const std::string& id : identifiers) text += '|' + std::to_string(id.size()) + ':' + id;
    return "LS-" + detail::sha1_hex(text.data(), text.size()).substr(0, 12);
}

namespace {

std::string trimmed(std::string s) {
    const auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    return s;
}

std::string read_salt_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    require_input(bool(in), "cannot read the pseudonym salt file '", p.string(), "'");
    std::ostringstream text;
    text << in.rdbuf();
    const std::string salt = trimmed(text.str());
    require_input(salt.size() >= 16, "the pseudonym salt file '", p.string(), "' holds ", salt.size(),
                  " characters: expected the 64 hex digits lithosim writes (delete it to make a new one, or set "
                  "LITHOSIM_PSEUDONYM_SALT)");
    return salt;
}

/// 32 random bytes from /dev/urandom as 64 hex digits.
std::string random_salt() {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    std::array<unsigned char, 32> bytes{};
    urandom.read(reinterpret_cast<char*>(bytes.data()), bytes.size());
    if (urandom.gcount() != std::streamsize(bytes.size()))
        throw std::runtime_error("cannot read 32 bytes from /dev/urandom for the pseudonym salt");
    std::string hex;
    char two[3];
    for (unsigned char b : bytes) {
        std::snprintf(two, sizeof two, "%02x", b);
        hex += two;
    }
    return hex;
}

}  // namespace

std::string site_salt() {
    if (const char* env = std::getenv("LITHOSIM_PSEUDONYM_SALT"); env && *env) return env;
    fs::path config;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        config = xdg;
    else if (const char* home = std::getenv("HOME"); home && *home)
        config = fs::path(home) / ".config";
    else
        throw InputError("no pseudonym salt: neither LITHOSIM_PSEUDONYM_SALT, XDG_CONFIG_HOME nor HOME is set");
    const fs::path dir = config / "lithosim";
    const fs::path file = dir / "pseudonym_salt";
    if (fs::exists(file)) return read_salt_file(file);

    std::error_code ec;
    fs::create_directories(dir, ec);
    require_input(!ec, "cannot create the folder '", dir.string(), "' for the pseudonym salt: ", ec.message());
    // Written to a private temporary file, then linked to the final name: link() refuses to replace a file, so
    // when two processes start at once both end up reading the same salt, and no one ever reads a partial file.
    const fs::path tmp = dir / ("pseudonym_salt.tmp." + std::to_string(::getpid()));
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    require_input(fd >= 0, "cannot create the pseudonym salt file '", tmp.string(), "': ", std::strerror(errno));
    const std::string salt = random_salt() + "\n";
    const bool written = ::write(fd, salt.data(), salt.size()) == ssize_t(salt.size());
    ::close(fd);
    if (written) (void)::link(tmp.c_str(), file.c_str());  // EEXIST: another process won, its salt is used
    ::unlink(tmp.c_str());
    require_input(written, "cannot write the pseudonym salt file '", tmp.string(), "'");
    return read_salt_file(file);
}

const std::vector<std::string>& ct_file_extensions() {
    static const std::vector<std::string> ext{".nii", ".nii.gz", ".mha", ".mhd", ".nrrd", ".nhdr"};
    return ext;
}

namespace {

/// A DICOM Part 10 file has "DICM" after a 128-byte preamble.
bool has_dicom_marker(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    char buf[132] = {};
    in.read(buf, sizeof buf);
    return in.gcount() == 132 && std::memcmp(buf + 128, "DICM", 4) == 0;
}

bool has_dicom_extension(const fs::path& file) {
    const std::string ext = detail::lower(file.extension().string());
    return ext == ".dcm" || ext == ".dicom" || ext == ".ima";
}
}  // namespace

CtImage read_ct(const fs::path& path, const CtReadOptions& options) {
    require_input(!path.empty(),
                  "no CT input given: expected a DICOM folder or a file ending in .nii, .nii.gz, "
                  ".mha, .mhd, .nrrd or .nhdr");
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    require_input(fs::exists(st), "CT input '", path.string(), "' does not exist");
    const std::string salt = options.salt ? *options.salt : site_salt();
    if (fs::is_directory(st)) return read_dicom_series(path, options.series_uid, salt);
    if (has_dicom_extension(path) || has_dicom_marker(path)) {
        // A single DICOM file stands for its series: the folder is read, and the file's series is chosen unless
        // the caller chose one.
        const std::string uid = options.series_uid.empty() ? detail::dicom_file_series_uid(path) : options.series_uid;
        const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
        return read_dicom_series(dir, uid, salt);
    }
    return read_ct_image(path, salt);
}

}  // namespace lithosim::io
