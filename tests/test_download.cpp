// test_download.cpp — the MD5 function, curl's report parser, the cache folder, and
// the whole download → check → rename path against a server on 127.0.0.1.
//
// Every transfer here goes to tests/loopback_server.h on the loopback interface,
// through AET_DATA_URL or a test-made RemoteDataset; proxies are switched off for
// the scope of each test so nothing leaves the machine.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "datasets/data_source.h"
#include "datasets/download.h"
#include "datasets/md5.h"
#include "tests/error_of.h"
#include "tests/loopback_server.h"
#include "tests/scoped_env.h"
#include "tests/temp_dir.h"

using namespace aet;
using aet::testing::error_of;
using aet::testing::has;
using aet::testing::LoopbackServer;
using aet::testing::ScopedEnv;
using aet::testing::ServedFile;
using aet::testing::TempDir;
namespace fs = std::filesystem;

namespace {


std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_all(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
  REQUIRE(f.good());
}

// What a download folder holds besides fetch_dataset's lock file.
std::vector<std::string> data_files(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename() != kLockName) out.push_back(e.path().filename().string());
  return out;
}

// Bytes that look nothing alike at every offset, so a resume from the wrong place shows.
std::string pseudo_random_bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    s[i] = static_cast<char>(seed >> 24);
  }
  return s;
}

// No proxy may intercept the loopback traffic, and AET_DATA_URL is ours to set.
struct Offline {
  ScopedEnv a{"http_proxy", nullptr}, b{"HTTP_PROXY", nullptr}, c{"https_proxy", nullptr}, d{"HTTPS_PROXY", nullptr},
      e{"ALL_PROXY", nullptr}, f{"all_proxy", nullptr}, g{"no_proxy", "127.0.0.1"}, h{"AET_DATA_URL", nullptr};
};

// A two-file data set served by `server`, with the true MD5s of its contents.
struct Fixture {
  Offline offline;
  LoopbackServer server;
  TempDir dir;
  std::string images = pseudo_random_bytes(300000, 1), labels = pseudo_random_bytes(5000, 2);
  RemoteDataset set;
  std::vector<std::string> log;

  Fixture() {
    server.serve("/images.gz", {images});
    server.serve("/labels.gz", {labels});
    set = {"tiny", "Tiny", {server.url()}, "the test", {{"images.gz", md5_hex(images)}, {"labels.gz", md5_hex(labels)}},
           "1 MB"};
  }
  void fetch() {
    fetch_dataset(set, dir.path.string(), [&](const std::string& s) { log.push_back(s); });
  }
  bool no_part_files() const {
    for (const std::string& e : dir.entries())
      if (e.ends_with(".part")) return false;
    return true;
  }
};

}  // namespace

TEST_CASE("md5: RFC 1321's test suite, incremental updates and files") {
  // RFC 1321, appendix A.5.
  CHECK(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(md5_hex("a") == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(md5_hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
        "d174ab98d277d9f5a5611c2c9f419d9f");
  CHECK(md5_hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
        "57edf4a22be3c955ac49da2e2107b67a");
  // Lengths around the 56- and 64-byte padding boundaries, fed in awkward pieces,
  // agree with one-shot hashing (the one-shot values are checked against RFC vectors above).
  const std::string text = pseudo_random_bytes(1000, 7);
  for (size_t n : {55, 56, 57, 63, 64, 65, 119, 120, 128, 1000})
    for (size_t piece : {1, 7, 63, 64, 65}) {
      Md5 h;
      for (size_t i = 0; i < n; i += piece)
        h.update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()) + i, std::min(piece, n - i)));
      CHECK_MESSAGE(h.hex() == md5_hex(text.substr(0, n)), "n=" << n << " piece=" << piece);
    }
  TempDir tmp;
  write_all(tmp.file("f"), "message digest");
  CHECK(md5_file(tmp.file("f")) == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK_THROWS_WITH_AS(md5_file(tmp.file("missing")), has("cannot read " + tmp.file("missing")), std::runtime_error);
}

TEST_CASE("md5: is_md5_hex accepts 32 hex digits and nothing else") {
  CHECK(is_md5_hex("d41d8cd98f00b204e9800998ecf8427e"));
  CHECK(is_md5_hex("D41D8CD98F00B204E9800998ECF8427E"));
  for (const char* bad : {"", "d41d8cd98f00b204e9800998ecf8427", "d41d8cd98f00b204e9800998ecf8427e0",
                          "g41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427 ",
                          " d41d8cd98f00b204e9800998ecf8427"})
    CHECK_MESSAGE(!is_md5_hex(bad), "'" << bad << "'");
}

TEST_CASE("parse_curl_report: the status line curl writes, and malformed ones") {
  auto r = parse_curl_report("\naet-curl 200 26421880\n");
  REQUIRE(r);
  CHECK(r->http_status == 200);
  CHECK(r->bytes == 26421880);
  // curl's own error text first; a CRLF line end.
  r = parse_curl_report("curl: (22) The requested URL returned error: 404\n\naet-curl 404 0\r\n");
  REQUIRE(r);
  CHECK(r->http_status == 404);
  CHECK(r->bytes == 0);
  // No response at all (connection refused): curl prints 000.
  r = parse_curl_report("aet-curl 000 0");
  REQUIRE(r);
  CHECK(r->http_status == 0);
  // The last report wins; the marker counts only at the start of a line.
  r = parse_curl_report("aet-curl 206 5\nxaet-curl 500 1\naet-curl 200 9\n");
  REQUIRE(r);
  CHECK(r->http_status == 200);
  CHECK(r->bytes == 9);
  for (const char* bad : {"", "aet-curl", "aet-curl \n", "aet-curl 200\n", "aet-curl 200 \n", "aet-curl  200 5",
                          "aet-curl 2x0 5", "aet-curl 200 -5", "aet-curl -200 5", "aet-curl 1000 5",
                          "aet-curl 200 5 6", "aet-curl 200 99999999999999999999", "aet-curl 200 2000000000000",
                          "xaet-curl 200 5", "curl: (7) Failed to connect", "aet-curl 200 5e3", "aet-curl 200 0x10"})
    CHECK_MESSAGE(!parse_curl_report(bad), "'" << bad << "'");
}

TEST_CASE("parse_curl_report: random damage to a report never crashes and never yields an out-of-range value") {
  // A small in-suite fuzz: byte flips, insertions and cuts of a valid report.
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
  const std::string good = "curl: (18) transfer closed\naet-curl 206 123456\n";
  int parsed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s = good;
    for (int k = 0, edits = 1 + next() % 4; k < edits; ++k) {
      const size_t at = next() % (s.size() + 1);
      switch (next() % 3) {
        case 0: if (at < s.size()) s[at] = static_cast<char>(next() >> 24); break;
        case 1: s.insert(at, 1, static_cast<char>(next() >> 24)); break;
        default: s.resize(at); break;
      }
    }
    if (const auto r = parse_curl_report(s)) {
      ++parsed;
      CHECK((r->http_status >= 0 && r->http_status <= 999));
      CHECK((r->bytes >= 0 && r->bytes <= (int64_t{1} << 40)));
    }
  }
  CHECK(parsed > 0);  // some damage leaves a valid report (a flip in the curl text)
}

TEST_CASE("remote datasets: the table holds four files with well-formed MD5s; unknown names are listed") {
  for (const std::string& name : remote_dataset_names()) {
    const RemoteDataset& d = remote_dataset(name);
    CHECK(d.files.size() == 4);
    CHECK_FALSE(d.base_urls.empty());
    for (const std::string& u : d.base_urls) CHECK(u.back() == '/');
    for (const RemoteFile& f : d.files) CHECK_MESSAGE(is_md5_hex(f.md5), name << " " << f.name);
  }
  CHECK(remote_dataset("fashion-mnist").files[0].md5 == "8d4fb7e6c68d591d4c3dfef9ec88bf0d");
  CHECK(remote_dataset("mnist").title == "MNIST");
  CHECK_THROWS_WITH_AS(remote_dataset("cifar"), has("unknown dataset 'cifar'; known: fashion-mnist, mnist"),
                       std::invalid_argument);
}

TEST_CASE("cache_root and data_base_urls follow XDG_CACHE_HOME, HOME and AET_DATA_URL") {
  {
    ScopedEnv x("XDG_CACHE_HOME", "/xdg");
    CHECK(cache_root() == "/xdg/aet");
  }
  {
    ScopedEnv x("XDG_CACHE_HOME", ""), h("HOME", "/home/student");
#ifdef __APPLE__
    CHECK(cache_root() == "/home/student/Library/Caches/aet");
#else
    CHECK(cache_root() == "/home/student/.cache/aet");
#endif
  }
  {
    ScopedEnv x("XDG_CACHE_HOME", nullptr), h("HOME", nullptr);
    CHECK_THROWS_WITH_AS(cache_root(), has("neither XDG_CACHE_HOME nor HOME is set"), std::runtime_error);
  }
  const RemoteDataset& d = remote_dataset("mnist");
  {
    ScopedEnv u("AET_DATA_URL", nullptr);
    CHECK(data_base_urls(d) == d.base_urls);
  }
  {
    ScopedEnv u("AET_DATA_URL", "http://127.0.0.1:9/mirror");
    CHECK(data_base_urls(d) == std::vector<std::string>{"http://127.0.0.1:9/mirror/"});
  }
}

TEST_CASE("run_program: exit codes, output, and a missing program") {
  ProgramRun r = run_program({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(r.exit_code == 3);
  CHECK_FALSE(r.not_found);
  CHECK(r.output.find("out") != std::string::npos);
  CHECK(r.output.find("err") != std::string::npos);
  r = run_program({"aet-no-such-program-xyz"});
  CHECK(r.not_found);
  CHECK(r.exit_code == 127);
}

TEST_CASE("fetch_dataset: good files arrive complete, and a second run downloads nothing") {
  Fixture fx;
  fx.fetch();
  CHECK(read_all(fx.dir.path / "images.gz") == fx.images);
  CHECK(read_all(fx.dir.path / "labels.gz") == fx.labels);
  CHECK(fx.no_part_files());
  CHECK(dataset_is_cached(fx.set, fx.dir.path.string()));
  CHECK(fx.server.requests() == std::vector<std::string>{"GET /images.gz", "GET /labels.gz"});

  fx.log.clear();
  fx.fetch();
  CHECK(fx.server.requests().size() == 2);  // nothing new asked for
  REQUIRE(fx.log.size() == 2);
  CHECK(fx.log[0] == "images.gz: already here, MD5 matches");
}

TEST_CASE("fetch_dataset: a connection cut midway is resumed with a Range request") {
  Fixture fx;
  fx.server.serve("/images.gz", {.body = fx.images, .cut_after = 100000, .cuts = 2});
  fx.fetch();
  CHECK(read_all(fx.dir.path / "images.gz") == fx.images);
  CHECK(fx.no_part_files());
  // Cut at 100 000, then at 200 000 (100 000 bytes into the resumed body), then complete.
  CHECK(fx.server.requests() == std::vector<std::string>{"GET /images.gz", "GET /images.gz Range: bytes=100000-",
                                                         "GET /images.gz Range: bytes=200000-", "GET /labels.gz"});
}

TEST_CASE("fetch_dataset: a download cut on every try keeps its .part file, and the next run resumes it") {
  Fixture fx;
  fx.server.serve("/images.gz", {.body = fx.images, .cut_after = 1000, .cuts = 100});
  const std::string msg = error_of([&] { fx.fetch(); });
  CHECK(msg.find("Tiny: could not download images.gz into " + fx.dir.path.string()) != std::string::npos);
  CHECK(msg.find(fx.server.url() + "images.gz: the connection closed before the whole file arrived (curl exit 18") !=
        std::string::npos);
  CHECK(msg.find("The partial download " + fx.dir.file("images.gz.part") + " is kept: running again resumes it") !=
        std::string::npos);
  CHECK(fs::file_size(fx.dir.path / "images.gz.part") == 4000);  // four tries of 1000 bytes
  CHECK_FALSE(fs::exists(fx.dir.path / "images.gz"));

  // The server recovers: the next run asks only for the rest.
  fx.server.serve("/images.gz", {fx.images});
  fx.fetch();
  CHECK(read_all(fx.dir.path / "images.gz") == fx.images);
  CHECK(fx.server.requests().back() == "GET /labels.gz");
  CHECK(fx.server.requests()[fx.server.requests().size() - 2] == "GET /images.gz Range: bytes=4000-");
  CHECK(fx.no_part_files());
}

TEST_CASE("fetch_dataset: a server that ignores Range makes us start the file over") {
  Fixture fx;
  write_all(fx.dir.path / "images.gz.part", fx.images.substr(0, 1234));
  fx.server.serve("/images.gz", {.body = fx.images, .ignore_range = true});
  fx.fetch();
  CHECK(read_all(fx.dir.path / "images.gz") == fx.images);
  CHECK(fx.no_part_files());
  const auto req = fx.server.requests();
  REQUIRE(req.size() >= 2);
  CHECK(req[0] == "GET /images.gz Range: bytes=1234-");
  CHECK(req[1] == "GET /images.gz");
}

TEST_CASE("fetch_dataset: a stale .part file (wrong bytes) is thrown away and the file fetched again") {
  Fixture fx;
  write_all(fx.dir.path / "images.gz.part", std::string(5000, 'x'));  // not the start of images
  fx.fetch();
  CHECK(read_all(fx.dir.path / "images.gz") == fx.images);
  CHECK(fx.no_part_files());
  const auto req = fx.server.requests();
  REQUIRE(req.size() == 3);
  CHECK(req[0] == "GET /images.gz Range: bytes=5000-");
  CHECK(req[1] == "GET /images.gz");
  // A .part longer than the file gets 416 and is restarted too.
  Fixture fy;
  write_all(fy.dir.path / "labels.gz.part", std::string(9000, 'x'));
  fy.fetch();
  CHECK(read_all(fy.dir.path / "labels.gz") == fy.labels);
  CHECK(fy.no_part_files());
}

TEST_CASE("fetch_dataset: truncated and corrupted files are refused with both checksums; nothing good is deleted") {
  for (const bool truncated : {true, false}) {
    CAPTURE(truncated);
    Fixture fx;
    fx.fetch();  // a good cache first
    const auto labels_time = fs::last_write_time(fx.dir.path / "labels.gz");
    // The cached images file gets damaged on disk, and the server now serves a bad copy too.
    write_all(fx.dir.path / "images.gz", fx.images.substr(0, 100));
    std::string bad = fx.images;
    if (truncated) bad.resize(bad.size() / 2);
    else bad[777] = static_cast<char>(bad[777] ^ 1);
    fx.server.serve("/images.gz", {bad});
    fx.log.clear();
    const std::string msg = error_of([&] { fx.fetch(); });
    CHECK(msg.find("images.gz: its MD5 is " + md5_hex(bad) + " but the test publishes " + md5_hex(fx.images) +
                   " for images.gz; the download was discarded") != std::string::npos);
    CHECK(msg.find("Nothing already in " + fx.dir.path.string() + " was removed") != std::string::npos);
    CHECK(fx.log.at(0) == "images.gz: the cached file has MD5 " + md5_hex(fx.images.substr(0, 100)) + ", expected " +
                              md5_hex(fx.images) +
                              "; downloading a fresh copy (the cached file is replaced only once the new one checks out)");
    CHECK(fx.no_part_files());
    // The damaged cached file is still there as it was (not ours to delete), the good one untouched.
    CHECK(read_all(fx.dir.path / "images.gz") == fx.images.substr(0, 100));
    CHECK(read_all(fx.dir.path / "labels.gz") == fx.labels);
    CHECK(fs::last_write_time(fx.dir.path / "labels.gz") == labels_time);

    // Once the server is right again, the damaged file is replaced.
    fx.server.serve("/images.gz", {fx.images});
    fx.fetch();
    CHECK(read_all(fx.dir.path / "images.gz") == fx.images);
  }
}

TEST_CASE("fetch_dataset: a second program waits for the first one's lock, then finds the work done") {
  Fixture fx;
  // Another "program": an open file description of our own holding the lock.
  const int fd = ::open(fx.dir.file(kLockName).c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);
  std::atomic<bool> done{false};
  std::string error;
  std::thread waiter([&] {
    try {
      fx.fetch();
    } catch (const std::exception& e) {
      error = e.what();
    }
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(done.load());
  CHECK(fx.server.requests().empty());
  ::close(fd);  // releases the lock
  waiter.join();
  CHECK(error.empty());
  CHECK(read_all(fx.dir.path / "images.gz") == fx.images);
  REQUIRE_FALSE(fx.log.empty());
  CHECK(fx.log[0] == "waiting for another program that is downloading into " + fx.dir.path.string());
}

TEST_CASE("fetch_dataset: HTTP errors and a closed port name the URL; the next mirror is tried") {
  Fixture fx;
  fx.server.serve("/images.gz", {.body = "", .status = 404});
  std::string msg = error_of([&] { fx.fetch(); });
  CHECK(msg.find(fx.server.url() + "images.gz: the server answered with an HTTP error (curl exit 22, HTTP 404") !=
        std::string::npos);
  CHECK(fx.no_part_files());
  CHECK(data_files(fx.dir.path).empty());

  // A mirror list: the first answers 500, the second has the file.
  fx.server.serve("/images.gz", {fx.images});
  fx.server.serve("/broken/images.gz", {.body = "", .status = 500});
  fx.server.serve("/broken/labels.gz", {.body = "", .status = 500});
  fx.set.base_urls = {fx.server.url() + "broken/", fx.server.url()};
  fx.log.clear();
  fx.fetch();
  CHECK(read_all(fx.dir.path / "images.gz") == fx.images);
  CHECK(fx.log.at(0) == "downloading " + fx.server.url() + "broken/images.gz");
  CHECK(fx.log.at(1) == "downloading " + fx.server.url() + "images.gz");

  // AET_DATA_URL replaces the list; a port nobody listens on.
  int closed_port = 0;
  { LoopbackServer gone; closed_port = gone.port(); }
  TempDir empty;
  ScopedEnv url("AET_DATA_URL", ("http://127.0.0.1:" + std::to_string(closed_port)).c_str());
  msg = error_of([&] { fetch_dataset(fx.set, empty.path.string()); });
  CHECK(msg.find("http://127.0.0.1:" + std::to_string(closed_port) +
                 "/images.gz: could not connect to the server (curl exit 7") != std::string::npos);
  CHECK(data_files(empty.path).empty());
}

// ---- where the data come from (datasets/data_source.h) and `make data` ----------

namespace {

// A copy of Debian's file if the package is installed, else bytes of the same length.
std::string fake_or_debian(const std::string& name, size_t n) {
  const fs::path p = fs::path(kFashionMnistDefaultDir) / name;
  return fs::exists(p) ? read_all(p) : pseudo_random_bytes(n, 11);
}

// Runs a command line with stdout and stderr captured.
std::pair<int, std::string> run_command(const std::string& cmd) {
  TempDir tmp;
  const int status = std::system((cmd + " > " + tmp.file("log") + " 2>&1").c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(tmp.path / "log")};
}

fs::path get_data_bin() {
  const char* env = std::getenv("AET_TUTORIAL_BIN_DIR");
  return (env && *env ? fs::path(env).parent_path() : fs::path("build")) / "get-data";
}

// Started directly, or through AET_TUTORIAL_LAUNCHER (qemu-aarch64 for the ARM64 suite).
std::string launch(const fs::path& bin) {
  const char* env = std::getenv("AET_TUTORIAL_LAUNCHER");
  return env && *env ? std::string(env) + " " + bin.string() : bin.string();
}

}  // namespace

TEST_CASE("locate_data: --data, then AET_DATA, then Debian's folder (Fashion-MNIST only), then the cache") {
  Offline offline;
  TempDir system, cache;
  ScopedEnv xdg("XDG_CACHE_HOME", cache.path.c_str());
  {
    ScopedEnv data("AET_DATA", "/from/env");
    CHECK(locate_data({.dataset = "mnist", .dir = "/given"}).dir == "/given");
    CHECK(locate_data({.dataset = "mnist", .dir = "/given"}).origin == "--data");
    CHECK(locate_data({.dataset = "fashion-mnist"}).dir == "/from/env");
  }
  ScopedEnv no_data("AET_DATA", nullptr);
  const DataLocation deb = locate_data({.dataset = "fashion-mnist", .system_dir = system.path.string()});
  CHECK(deb.dir == system.path.string());
  CHECK(deb.origin == "Debian package");
  // MNIST never comes from the Fashion-MNIST package; not downloading, it says how to get it.
  CHECK_THROWS_WITH_AS(locate_data({.dataset = "mnist", .system_dir = system.path.string(), .download = false}),
                       has("MNIST is not in " + (cache.path / "aet" / "mnist").string() +
                           " yet; run `make data DATASET=mnist` to download it"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(locate_data({.dataset = "cifar", .dir = "/given"}), has("unknown dataset 'cifar'"),
                       std::invalid_argument);
}

TEST_CASE("locate_data: with nothing installed it says what it downloads, and refuses files with the wrong MD5") {
  Offline offline;
  LoopbackServer server;
  TempDir cache;
  ScopedEnv xdg("XDG_CACHE_HOME", cache.path.c_str()), no_data("AET_DATA", nullptr),
      url("AET_DATA_URL", server.url().c_str());
  // Debian's train images (re-gzipped, so not the MD5 Fashion-MNIST's README publishes).
  const std::string served = fake_or_debian("train-images-idx3-ubyte.gz", 26421856);
  server.serve("/train-images-idx3-ubyte.gz", {served});
  std::vector<std::string> log;
  const std::string msg = error_of([&] {
    locate_data({.dataset = "fashion-mnist", .system_dir = (cache.path / "no-debian").string()},
                [&](const std::string& s) { log.push_back(s); });
  });
  const std::string dir = (cache.path / "aet" / "fashion-mnist").string();
  REQUIRE(log.size() >= 2);
  CHECK(log[0] == "Fashion-MNIST was not found in " + (cache.path / "no-debian").string() +
                      " (Debian's dataset-fashion-mnist package) and neither --data nor AET_DATA is set: downloading "
                      "its 4 files (30 MB, once) from " + server.url() + " into " + dir);
  CHECK(log[1] == "downloading " + server.url() + "train-images-idx3-ubyte.gz");
  CHECK(msg.find("Fashion-MNIST: could not download train-images-idx3-ubyte.gz into " + dir) != std::string::npos);
  CHECK(msg.find("its MD5 is " + md5_hex(served) +
                 " but Fashion-MNIST's README publishes 8d4fb7e6c68d591d4c3dfef9ec88bf0d for "
                 "train-images-idx3-ubyte.gz; the download was discarded") != std::string::npos);
  CHECK(data_files(dir).empty());  // no .part, no half-checked file
}

TEST_CASE("load_named_dataset: MNIST has digit class names and its own advice when missing") {
  TempDir tmp;
  ScopedEnv xdg("XDG_CACHE_HOME", tmp.path.c_str());
  CHECK(mnist_class_names().size() == 10);
  CHECK(mnist_class_names()[3] == "3");
  CHECK_THROWS_WITH_AS(load_named_dataset("mnist", tmp.file("none"), Split::Train),
                       has("MNIST: directory " + tmp.file("none") + " does not exist. Run `make data DATASET=mnist`"),
                       std::runtime_error);
}

TEST_CASE("make data's program: downloads into --dir, reports a bad download and exits 1") {
  const fs::path bin = get_data_bin();
  REQUIRE_MESSAGE(fs::exists(bin), bin.string() << " is not built (make test builds it)");
  Offline offline;
  LoopbackServer server;
  TempDir dir;
  ScopedEnv url("AET_DATA_URL", server.url().c_str());
  const std::string bad = pseudo_random_bytes(2000, 5);
  server.serve("/train-images-idx3-ubyte.gz", {bad});
  // Not a structured binding: clang 14 cannot capture one in doctest's message lambdas.
  int code = 0;
  std::string out;
  std::tie(code, out) = run_command(launch(bin) + " --dataset mnist --dir " + dir.path.string());
  CHECK(code == 1);
  CHECK_MESSAGE(out.find("error: MNIST: could not download train-images-idx3-ubyte.gz into " + dir.path.string()) !=
                    std::string::npos,
                out);
  CHECK_MESSAGE(out.find("its MD5 is " + md5_hex(bad) +
                         " but torchvision's MNIST.resources publishes f68b3c2dcbeaaa9fbdd348bbdeb94873") !=
                    std::string::npos,
                out);
  CHECK(data_files(dir.path).empty());
  std::tie(code, out) = run_command(launch(bin) + " --dataset cifar");
  CHECK(code != 0);
  CHECK(out.find("--dataset") != std::string::npos);
  if (fs::is_directory(kFashionMnistDefaultDir)) {
    ScopedEnv no_data("AET_DATA", nullptr);
    std::tie(code, out) = run_command(launch(bin));
    CHECK(code == 0);
    CHECK_MESSAGE(out.find(std::string("Fashion-MNIST is in ") + kFashionMnistDefaultDir + " (Debian package)") !=
                      std::string::npos,
                  out);
  }
}
