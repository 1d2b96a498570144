// download.cpp — see download.h: the table of data sets, the cache folder, running
// curl, and the download → check → rename sequence for each file.
#include "datasets/download.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "datasets/md5.h"

extern char** environ;

namespace aet {

namespace fs = std::filesystem;

namespace {

const std::vector<RemoteDataset>& known_datasets() {
  static const std::vector<RemoteDataset> sets = {
      // Fashion-MNIST's README (github.com/zalandoresearch/fashion-mnist, "Get the Data")
      // links these files and publishes their MD5s. Debian's dataset-fashion-mnist
      // re-gzips them (other gzip header, other MD5) but holds the same bytes inside:
      // checked here for the two label files, whose upstream copies in that repository
      // have exactly these MD5s and decompress to what Debian's decompress to.
      {"fashion-mnist",
       "Fashion-MNIST",
       {"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
       "Fashion-MNIST's README",
       {{"train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"},
        {"train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"},
        {"t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"},
        {"t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"}},
       "30 MB"},
      // MNIST's home page (yann.lecun.com/exdb/mnist) publishes no checksums and often
      // refuses downloads; torchvision's MNIST.resources (torchvision/datasets/mnist.py)
      // publishes these MD5s and lists the HTTPS mirror first and the home page second.
      {"mnist",
       "MNIST",
       {"https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"},
       "torchvision's MNIST.resources",
       {{"train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
        {"train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"},
        {"t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"},
        {"t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"}},
       "11 MB"},
  };
  return sets;
}

// Parses a whole string of decimal digits into [0, max]; nullopt for anything else.
std::optional<long long> parse_count(const std::string& s, long long max) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  long long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

// What curl's exit codes that a student meets mean (from curl's man page, EXIT CODES).
std::string curl_error(int code) {
  switch (code) {
    case 5: return "could not resolve the proxy";
    case 6: return "could not resolve the host name (offline? DNS?)";
    case 7: return "could not connect to the server";
    case 18: return "the connection closed before the whole file arrived";
    case 22: return "the server answered with an HTTP error";
    case 23: return "could not write the file (disk full? permissions?)";
    case 28: return "the transfer timed out";
    case 33: return "the server does not support resuming (HTTP Range)";
    case 35: case 60: return "the TLS (HTTPS) handshake or certificate check failed";
    case 47: return "too many redirects";
    case 52: return "the server closed the connection without answering";
    case 56: return "the connection broke while receiving data";
    default: return "curl failed";
  }
}

// Exit codes after which resuming the same URL may well work.
bool is_cut_transfer(int code) { return code == 18 || code == 28 || code == 52 || code == 56 || code == 92; }

long long size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : static_cast<long long>(n);
}

// An exclusive lock on dir/.aet-download.lock for the lifetime of the object, so two
// programs started at once (two tutorials in two terminals) do not write the same
// .part file: the second waits, then finds the files already there. The lock file
// stays (deleting it while another process waits on it would let a third one in).
class DownloadLock {
 public:
  DownloadLock(const fs::path& dir, const std::function<void(const std::string&)>& say) {
    const std::string path = (dir / kLockName).string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot create the lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    if (say) say("waiting for another program that is downloading into " + dir.string());
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ~DownloadLock() { ::close(fd_); }  // closing releases the lock
  DownloadLock(const DownloadLock&) = delete;
  DownloadLock& operator=(const DownloadLock&) = delete;

 private:
  int fd_ = -1;
};

// Why a file did not arrive from one URL, for the final message.
struct Attempt {
  std::string url, error;
};

}  // namespace

const RemoteDataset& remote_dataset(const std::string& name) {
  for (const RemoteDataset& d : known_datasets())
    if (d.name == name) return d;
  std::string known;
  for (const std::string& n : remote_dataset_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown dataset '" + name + "'; known: " + known);
}

std::vector<std::string> remote_dataset_names() {
  std::vector<std::string> out;
  for (const RemoteDataset& d : known_datasets()) out.push_back(d.name);
  return out;
}

std::vector<std::string> data_base_urls(const RemoteDataset& d) {
  if (const char* env = std::getenv("AET_DATA_URL"); env && *env) {
    std::string url = env;
    if (url.back() != '/') url += '/';
    return {url};
  }
  return d.base_urls;
}

std::string cache_root() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return (fs::path(xdg) / "aet").string();
  const char* home = std::getenv("HOME");
  if (!home || !*home)
    throw std::runtime_error("cannot choose a cache folder for downloads: neither XDG_CACHE_HOME nor HOME is set; "
                             "set one, or pass --data DIR with the files already there");
#ifdef __APPLE__
  return (fs::path(home) / "Library" / "Caches" / "aet").string();
#else
  return (fs::path(home) / ".cache" / "aet").string();
#endif
}

std::optional<CurlReport> parse_curl_report(const std::string& output) {
  // The report is the last line starting with our marker; curl's error text may come first.
  const std::string marker = "aet-curl ";
  size_t at = std::string::npos;
  for (size_t pos = 0; (pos = output.find(marker, pos)) != std::string::npos; pos += marker.size())
    if (pos == 0 || output[pos - 1] == '\n') at = pos;
  if (at == std::string::npos) return std::nullopt;
  std::string line = output.substr(at + marker.size());
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const size_t space = line.find(' ');
  if (space == std::string::npos) return std::nullopt;
  const auto status = parse_count(line.substr(0, space), 999);
  const auto bytes = parse_count(line.substr(space + 1), int64_t{1} << 40);  // 1 TiB: no data set of ours
  if (!status || !bytes) return std::nullopt;
  return CurlReport{static_cast<int>(*status), *bytes};
}

ProgramRun run_program(const std::vector<std::string>& args) {
  ProgramRun r;
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
  ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);  // pipe2 would do this at once, but macOS lacks it
  ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    r.exit_code = 127;
    r.not_found = rc == ENOENT;
    if (!r.not_found) r.output = std::string("cannot start ") + args[0] + ": " + std::strerror(rc);
    return r;
  }
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) r.output.append(buf, static_cast<size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // Under qemu-user a missing program still "starts" and its child exits with 127.
  r.not_found = r.exit_code == 127;
  return r;
}

bool dataset_is_cached(const RemoteDataset& d, const std::string& dir) {
  for (const RemoteFile& f : d.files) {
    const fs::path p = fs::path(dir) / f.name;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec) || md5_file(p.string()) != f.md5) return false;
  }
  return true;
}

namespace {

// One file from one URL into `part`, resuming what `part` already holds; retries a
// cut transfer a few times. Returns "" on success (part complete, checksum not yet
// checked), else why it failed.
std::string transfer(const std::string& url, const fs::path& part) {
  constexpr int kTries = 4;
  std::string why;
  bool restarted = false;
  for (int attempt = 1; attempt <= kTries; ++attempt) {
    const bool resuming = size_or_zero(part) > 0;
    // -q: ignore the user's ~/.curlrc, so its options cannot change what we parse.
    // --fail: an HTTP error writes nothing into the .part file (no HTML page saved as data).
    // -C -: continue from the .part file's size with a Range request.
    // --speed-limit/--speed-time: give up on a transfer stalled below 1 kB/s for 60 s.
    const ProgramRun run = run_program({"curl", "-q", "-sS", "-L", "--fail", "--connect-timeout", "30",
                                        "--speed-limit", "1024", "--speed-time", "60", "-C", "-", "-o",
                                        part.string(), "-w", "\naet-curl %{http_code} %{size_download}\n", url});
    if (run.not_found)
      throw std::runtime_error("the `curl` program is needed to download the data but was not found on the PATH. "
                               "Install it (Debian/Ubuntu: sudo apt-get install curl; macOS has it), or download "
                               "the files by hand and pass --data DIR");
    if (run.exit_code == 0) return "";
    const auto report = parse_curl_report(run.output);
    const int status = report ? report->http_status : 0;
    std::string curl_text = run.output.substr(0, run.output.find("aet-curl "));
    while (!curl_text.empty() && (curl_text.back() == '\n' || curl_text.back() == ' ')) curl_text.pop_back();
    while (!curl_text.empty() && curl_text.front() == '\n') curl_text.erase(0, 1);
    why = curl_error(run.exit_code) + " (curl exit " + std::to_string(run.exit_code) +
          (status ? ", HTTP " + std::to_string(status) : "") + (curl_text.empty() ? "" : ": " + curl_text) + ")";
    // The .part file is longer than the file, or the server ignores Range: start afresh, once.
    if (resuming && !restarted && (run.exit_code == 33 || status == 416)) {
      fs::remove(part);
      restarted = true;
      continue;
    }
    if (!is_cut_transfer(run.exit_code)) break;
  }
  return why;
}

}  // namespace

void fetch_dataset(const RemoteDataset& d, const std::string& dir, const std::function<void(const std::string&)>& log) {
  auto say = [&](const std::string& s) {
    if (log) log(s);
  };
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error("cannot create the download folder " + dir + (ec ? ": " + ec.message() : std::string()));
  const std::vector<std::string> urls = data_base_urls(d);
  const DownloadLock lock(dir, say);

  for (const RemoteFile& f : d.files) {
    if (!is_md5_hex(f.md5)) throw std::logic_error(d.title + ": the checksum of " + f.name + " is not 32 hex digits");
    const fs::path final_path = fs::path(dir) / f.name;
    const fs::path part = fs::path(dir) / (f.name + ".part");
    if (fs::is_regular_file(final_path, ec)) {
      const std::string have = md5_file(final_path.string());
      if (have == f.md5) {
        say(f.name + ": already here, MD5 matches");
        continue;
      }
      say(f.name + ": the cached file has MD5 " + have + ", expected " + f.md5 +
          "; downloading a fresh copy (the cached file is replaced only once the new one checks out)");
    }
    // A .part file may already be complete (a run stopped between download and rename).
    if (size_or_zero(part) > 0 && md5_file(part.string()) == f.md5) {
      fs::rename(part, final_path);
      say(f.name + ": completed earlier, MD5 matches");
      continue;
    }

    std::vector<Attempt> failures;
    bool done = false;
    for (const std::string& base : urls) {
      const std::string url = base + f.name;
      const long long have = size_or_zero(part);
      say("downloading " + url + (have > 0 ? " (resuming after " + std::to_string(have) + " bytes)" : ""));
      std::string why = transfer(url, part);
      std::string got = why.empty() ? md5_file(part.string()) : "";
      if (why.empty() && got != f.md5 && have > 0) {
        // The old .part may have been stale (another version, a damaged disk): once more from zero.
        say(f.name + ": the resumed file has the wrong MD5; downloading it again from the start");
        fs::remove(part);
        why = transfer(url, part);
        if (why.empty()) got = md5_file(part.string());
      }
      if (why.empty() && got == f.md5) {
        fs::rename(part, final_path);  // atomic: final_path is either the old file or the new one
        say(f.name + ": " + std::to_string(size_or_zero(final_path)) + " bytes, MD5 matches");
        done = true;
        break;
      }
      if (why.empty()) {
        fs::remove(part, ec);  // a wrong file is of no use, and must not be resumed later
        why = "its MD5 is " + got + " but " + d.checksum_source + " publishes " + f.md5 + " for " + f.name +
              "; the download was discarded";
      }
      failures.push_back({url, why});
    }
    if (done) continue;

    std::string msg = d.title + ": could not download " + f.name + " into " + dir + ":";
    for (const Attempt& a : failures) msg += "\n  " + a.url + ": " + a.error;
    msg += "\nNothing already in " + dir + " was removed.";
    if (size_or_zero(part) > 0)
      msg += " The partial download " + part.string() + " is kept: running again resumes it.";
    msg += " Set AET_DATA_URL to use a mirror, or download the files by hand (check them with md5sum) into " + dir +
           " or any folder you pass with --data DIR.";
    throw std::runtime_error(msg);
  }
}

}  // namespace aet
