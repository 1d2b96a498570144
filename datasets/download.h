// download.h — fetching the MNIST-format data sets into a cache folder, checked
// against their published checksums.
//
// For students without Debian's dataset-fashion-mnist package. Each file goes
//   <url>  --curl-->  <dir>/<name>.part  --MD5 ok-->  rename to <dir>/<name>
// so <dir>/<name> only ever holds a complete, verified file (rename is atomic), a cut
// transfer is resumed from the .part with an HTTP Range request, and a download
// whose checksum is wrong is discarded without touching what was already there.
//
// Why the `curl` program and not libcurl: libaet.a is linked into every tutorial and
// test, and libcurl would add a link dependency (with OpenSSL behind it) to all of
// them, including the statically linked aarch64 build, for a step that runs once.
// The curl program is on macOS and nearly every Linux already, speaks HTTPS,
// follows redirects, honours the user's proxy settings and resumes with -C -.
// We start it with posix_spawnp and an argument vector (no shell), and read back
// one line it writes when it finishes (the HTTP status and the byte count).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace aet {

struct RemoteFile {
  std::string name;  // e.g. "train-images-idx3-ubyte.gz"
  std::string md5;   // 32 hex digits, as published
};

struct RemoteDataset {
  std::string name;                    // "fashion-mnist", "mnist": also the cache subfolder
  std::string title;                   // "Fashion-MNIST", for messages
  std::vector<std::string> base_urls;  // tried in order; each ends with '/'
  std::string checksum_source;         // where the MD5s are published, for messages
  std::vector<RemoteFile> files;
  std::string total_size;              // "30 MB", for the message before downloading
};

// The data sets we know how to fetch: "fashion-mnist" and "mnist". Throws
// std::invalid_argument listing the known names for anything else.
const RemoteDataset& remote_dataset(const std::string& name);
std::vector<std::string> remote_dataset_names();

// The base URLs to use: AET_DATA_URL if set and non-empty (one URL; a missing
// trailing '/' is added), else d.base_urls. Tests point AET_DATA_URL at a server
// on 127.0.0.1; a student behind a firewall can point it at a mirror.
std::vector<std::string> data_base_urls(const RemoteDataset& d);

// The per-user cache root: $XDG_CACHE_HOME/aet, else ~/Library/Caches/aet on
// macOS, else ~/.cache/aet. Throws std::runtime_error if neither XDG_CACHE_HOME nor
// HOME is set.
std::string cache_root();

// What curl reports when it finishes: we ask for "aet-curl <http_code> <size_download>"
// on a line of its own (curl's own error text may precede it).
struct CurlReport {
  int http_status = 0;       // 0 when no response arrived (connection refused, DNS)
  long long bytes = 0;       // bytes received in this transfer
};
// Finds and parses that line in curl's output; std::nullopt if it is missing or
// malformed (non-digits, a status outside 0..999, an absurd size).
std::optional<CurlReport> parse_curl_report(const std::string& output);

// The result of running a program: exit status (127 if it could not be started:
// the shell's convention, and what posix_spawnp gives under qemu-user) and what
// it wrote to stdout and stderr together.
struct ProgramRun {
  int exit_code = 0;
  std::string output;
  bool not_found = false;  // the program is not on the PATH
};
ProgramRun run_program(const std::vector<std::string>& argv);

// The lock file fetch_dataset keeps in its folder while it works (see download.cpp).
inline constexpr const char* kLockName = ".aet-download.lock";

// Makes sure every file of `d` is in `dir`, complete and with its published MD5,
// downloading what is missing or wrong. `log` receives one line per action (what is
// downloaded from where, what was found); pass {} for silence. Throws
// std::runtime_error with a message a student can act on: the file, the URL, the
// HTTP status or curl's error, and for a checksum mismatch the expected and actual
// MD5 and the fact that nothing already cached was removed.
void fetch_dataset(const RemoteDataset& d, const std::string& dir,
                   const std::function<void(const std::string&)>& log = {});

// True if every file of `d` is in `dir` with its published MD5 (reads them all).
bool dataset_is_cached(const RemoteDataset& d, const std::string& dir);

}  // namespace aet
