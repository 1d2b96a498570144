// test_datasets.cpp — the IDX reader against every malformed file we could think of,
// Fashion-MNIST loading, Dataset helpers, the BatchLoader and the synthetic sets.
//
// Broken files are written into a fresh temporary directory per test and removed
// afterwards. Each error test checks that the message names the file and the problem,
// because that message is all a student sees when a download goes wrong.
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/fashion_mnist.h"
#include "datasets/idx.h"
#include "datasets/loader.h"
#include "datasets/synthetic.h"
#include "tests/error_of.h"
#include "tests/scoped_env.h"
#include "tests/temp_dir.h"

using namespace aet;
namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

using aet::testing::error_of;
using aet::testing::has;
using aet::testing::ScopedEnv;
using aet::testing::TempDir;

void write_raw(const std::string& path, const Bytes& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(f.good());
}

void write_text(const std::string& path, const std::string& text) {
  write_raw(path, Bytes(text.begin(), text.end()));
}

Bytes gzip_bytes(const Bytes& bytes) {
  TempDir tmp;
  const std::string p = tmp.file("x.gz");
  gzFile g = gzopen(p.c_str(), "wb");
  REQUIRE(g != nullptr);
  if (!bytes.empty()) REQUIRE(gzwrite(g, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  REQUIRE(gzclose(g) == Z_OK);
  std::ifstream f(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), {});
}

// An IDX file: 00 00 08 ndim, big-endian sizes, then `data`.
Bytes idx_file(const std::vector<uint32_t>& dims, const Bytes& data, uint8_t type = 0x08) {
  Bytes b = {0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(d >> shift));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

Bytes iota_bytes(size_t n, int mod = 256) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i % mod);
  return b;
}


// A tiny labelled dataset whose row i is filled with the value i.
Dataset counting_dataset(int n, int d, int classes) {
  Dataset ds;
  ds.images = Tensor::empty({n, d});
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < d; ++k) ds.images.data()[i * d + k] = static_cast<float>(i);
  ds.num_classes = classes;
  for (int i = 0; i < n; ++i) ds.labels.push_back(i % classes);
  return ds;
}

}  // namespace

// ---- IDX: valid files ---------------------------------------------------------

TEST_CASE("idx: raw image file round trip") {
  TempDir tmp;
  const std::string p = tmp.file("images-idx3-ubyte");
  const Bytes pixels = iota_bytes(3 * 2 * 5);
  write_raw(p, idx_file({3, 2, 5}, pixels));
  const IdxArray a = read_idx_images(p);
  CHECK(a.dims == std::vector<int>{3, 2, 5});
  CHECK(a.data == pixels);
  CHECK(read_idx(p).data == pixels);
}

TEST_CASE("idx: gzip label file round trip, detected by content not by name") {
  TempDir tmp;
  const Bytes labels = {0, 1, 2, 9, 3, 3, 7};
  const std::string p = tmp.file("labels.bin");  // no .gz: the magic bytes decide
  write_raw(p, gzip_bytes(idx_file({7}, labels)));
  CHECK(read_idx_labels(p, 10) == std::vector<int>{0, 1, 2, 9, 3, 3, 7});

  // And a raw file named .gz is read as raw.
  const std::string q = tmp.file("labels.gz");
  write_raw(q, idx_file({7}, labels));
  CHECK(read_idx_labels(q, 10) == std::vector<int>{0, 1, 2, 9, 3, 3, 7});
}

TEST_CASE("idx: a gzip file made of two concatenated members is one stream") {
  TempDir tmp;
  const Bytes whole = idx_file({2, 3, 3}, iota_bytes(18));
  Bytes first(whole.begin(), whole.begin() + 10), second(whole.begin() + 10, whole.end());
  Bytes joined = gzip_bytes(first);
  const Bytes tail = gzip_bytes(second);
  joined.insert(joined.end(), tail.begin(), tail.end());
  const std::string p = tmp.file("two-members.gz");
  write_raw(p, joined);
  CHECK(read_idx_images(p).data == iota_bytes(18));
}

TEST_CASE("idx: a large gzip payload spanning many read chunks") {
  TempDir tmp;
  const Bytes pixels = iota_bytes(300 * 28 * 28, 251);
  const std::string p = tmp.file("big.gz");
  write_raw(p, gzip_bytes(idx_file({300, 28, 28}, pixels)));
  CHECK(read_idx_images(p).data == pixels);
}

// ---- IDX: malformed files -----------------------------------------------------

TEST_CASE("idx: missing file and directory") {
  TempDir tmp;
  const std::string p = tmp.file("nope-idx3-ubyte");
  std::string msg = error_of([&] { read_idx(p); });
  CHECK(msg.find(p) != std::string::npos);
  CHECK(msg.find("cannot open") != std::string::npos);
  CHECK(msg.find("No such file") != std::string::npos);

  msg = error_of([&] { read_idx(tmp.path.string()); });
  CHECK(msg.find("is a directory") != std::string::npos);
}

TEST_CASE("idx: empty file") {
  TempDir tmp;
  const std::string p = tmp.file("empty-idx3-ubyte");
  write_raw(p, {});
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": is empty"), std::runtime_error);
  const std::string g = tmp.file("empty.gz");
  write_raw(g, gzip_bytes({}));
  CHECK_THROWS_WITH_AS(read_idx(g), has("empty.gz: is empty (the decompressed file has 0 bytes)"),
                       std::runtime_error);
}

TEST_CASE("idx: truncated header") {
  TempDir tmp;
  const std::string p = tmp.file("short-idx3-ubyte");
  write_raw(p, {0, 0, 8});
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": truncated header"), std::runtime_error);
  CHECK_THROWS_WITH(read_idx(p), has("has only 3"));

  // Magic complete, but the three sizes are cut off after one and a half.
  write_raw(p, {0, 0, 8, 3, 0, 0, 0, 5, 0, 0});
  CHECK_THROWS_WITH_AS(read_idx(p), has("truncated header: 3 dimensions need a 16-byte header"),
                       std::runtime_error);
  CHECK_THROWS_WITH(read_idx(p), has("has only 10 bytes"));
}

TEST_CASE("idx: truncated payload, raw and gzip") {
  TempDir tmp;
  const Bytes short_file = idx_file({3, 4, 4}, iota_bytes(10));
  const std::string p = tmp.file("train-images-idx3-ubyte");
  write_raw(p, short_file);
  CHECK_THROWS_WITH_AS(read_idx_images(p),
                       has(p + ": truncated: header says 3×4×4 = 48 bytes of pixels, file has 10"),
                       std::runtime_error);
  const std::string g = tmp.file("train-images-idx3-ubyte.gz");
  write_raw(g, gzip_bytes(short_file));
  CHECK_THROWS_WITH_AS(read_idx_images(g),
                       has(g + ": truncated: header says 3×4×4 = 48 bytes of pixels, decompressed file has 10"),
                       std::runtime_error);
  const std::string l = tmp.file("labels-idx1-ubyte");
  write_raw(l, idx_file({60000}, iota_bytes(1234, 10)));
  CHECK_THROWS_WITH_AS(read_idx_labels(l, 10),
                       has("header says 60000 = 60000 bytes of labels, file has 1234"), std::runtime_error);
}

TEST_CASE("idx: a forged header cannot make us allocate what the file cannot hold") {
  TempDir tmp;
  const std::string p = tmp.file("forged-idx3-ubyte");
  // 100000 × 100000 × 100 bytes = 10^12: refused from the header alone.
  write_raw(p, idx_file({100000, 100000, 100}, iota_bytes(16)));
  CHECK_THROWS_WITH_AS(read_idx(p), has("more than the 2 GiB this reader accepts"), std::runtime_error);
  // 1.9 GB is under the limit, but a 30-byte gzip file cannot hold it: a quick "truncated".
  const std::string g = tmp.file("forged.gz");
  write_raw(g, gzip_bytes(idx_file({19000, 10000, 10}, iota_bytes(16))));
  CHECK_THROWS_WITH_AS(read_idx(g), has("truncated: header says 19000×10000×10 = 1900000000 bytes"),
                       std::runtime_error);
}

TEST_CASE("idx: trailing bytes after the payload") {
  TempDir tmp;
  const std::string p = tmp.file("long-idx1-ubyte");
  write_raw(p, idx_file({4}, iota_bytes(9)));
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": has 5 unexpected trailing bytes after the 4 bytes of labels"),
                       std::runtime_error);
  const std::string g = tmp.file("long-idx1-ubyte.gz");
  write_raw(g, gzip_bytes(idx_file({4}, iota_bytes(9))));
  CHECK_THROWS_WITH_AS(read_idx(g), has("has 5 unexpected trailing bytes"), std::runtime_error);
}

TEST_CASE("idx: wrong magic, foreign formats") {
  TempDir tmp;
  const std::string p = tmp.file("data-idx3-ubyte");

  write_raw(p, {0x12, 0x00, 0x08, 0x03, 0xff, 0x00});
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": does not start with an IDX header: first bytes are 12 00 08 03"),
                       std::runtime_error);

  write_raw(p, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'});
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": is a PNG image, not an IDX file"), std::runtime_error);

  write_text(p, "<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n");
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": is a text file, not an IDX file (it starts with \"<!DOCTYPE html>"),
                       std::runtime_error);
  CHECK_THROWS_WITH(read_idx(p), has("the download failed"));

  write_text(p, "1,2,3\n4,5,6\n");
  CHECK_THROWS_WITH_AS(read_idx(p), has("is a text file"), std::runtime_error);

  write_raw(p, gzip_bytes(gzip_bytes(idx_file({2}, {1, 2}))));
  CHECK_THROWS_WITH_AS(read_idx(p), has("gzip-compressed twice"), std::runtime_error);

  write_raw(p, {0x08, 0x03, 0x00, 0x00, 1, 0, 0, 0});
  CHECK_THROWS_WITH_AS(read_idx(p), has("header bytes reversed"), std::runtime_error);
}

TEST_CASE("idx: element type and dimensions") {
  TempDir tmp;
  const std::string p = tmp.file("floats-idx3-ubyte");
  write_raw(p, idx_file({1, 2, 2}, iota_bytes(16), 0x0D));
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": unsupported element type 0x0D (32-bit float)"),
                       std::runtime_error);
  write_raw(p, idx_file({1, 2, 2}, iota_bytes(4), 0x07));
  CHECK_THROWS_WITH_AS(read_idx(p), has("unknown element type 0x07"), std::runtime_error);
  write_raw(p, {0, 0, 8, 0});
  CHECK_THROWS_WITH_AS(read_idx(p), has("0 dimensions"), std::runtime_error);
  write_raw(p, idx_file({5, 0, 28}, {}));
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": dimension 1 of 5×0×28 is 0"), std::runtime_error);
  write_raw(p, idx_file({2, 2}, iota_bytes(4)));
  CHECK_THROWS_WITH_AS(read_idx_images(p), has("has 2 dimensions (2×2), expected an image file"),
                       std::runtime_error);
}

TEST_CASE("idx: corrupt and truncated gzip") {
  TempDir tmp;
  const std::string p = tmp.file("train-images-idx3-ubyte.gz");

  // A valid 10-byte gzip header, then bytes that are not a deflate stream.
  Bytes garbage = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03};
  for (int i = 0; i < 64; ++i) garbage.push_back(static_cast<uint8_t>(0xff - i * 7));
  write_raw(p, garbage);
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": corrupt gzip data ("), std::runtime_error);
  CHECK_THROWS_WITH(read_idx(p), has("download it again"));

  // A good stream cut in half.
  Bytes whole = gzip_bytes(idx_file({20, 28, 28}, iota_bytes(20 * 28 * 28, 97)));
  whole.resize(whole.size() / 2);
  write_raw(p, whole);
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": gzip stream ends early"), std::runtime_error);

  // Only the 8-byte CRC/length trailer missing: every pixel is there, still an error.
  whole = gzip_bytes(idx_file({2}, {1, 2}));
  whole.resize(whole.size() - 8);
  write_raw(p, whole);
  CHECK_THROWS_WITH_AS(read_idx(p), has("gzip stream ends early"), std::runtime_error);

  // A flipped byte in the middle of the data is caught by the CRC, if not sooner.
  whole = gzip_bytes(idx_file({20, 28, 28}, iota_bytes(20 * 28 * 28, 97)));
  whole[whole.size() / 2] ^= 0x55;
  write_raw(p, whole);
  CHECK_THROWS_WITH_AS(read_idx(p), has(p + ": corrupt gzip data"), std::runtime_error);

  // Junk appended after a complete gzip stream.
  whole = gzip_bytes(idx_file({2}, {1, 2}));
  for (char c : std::string("junk")) whole.push_back(static_cast<uint8_t>(c));
  write_raw(p, whole);
  CHECK_THROWS_WITH_AS(read_idx(p), has("unexpected bytes after the end of the gzip stream"),
                       std::runtime_error);
}

TEST_CASE("idx: label file given as image file and vice versa") {
  TempDir tmp;
  const std::string labels = tmp.file("train-labels-idx1-ubyte.gz");
  const std::string images = tmp.file("train-images-idx3-ubyte.gz");
  write_raw(labels, gzip_bytes(idx_file({6}, {0, 1, 2, 3, 4, 5})));
  write_raw(images, gzip_bytes(idx_file({2, 3, 3}, iota_bytes(18))));
  CHECK_THROWS_WITH_AS(read_idx_images(labels),
                       has(labels + ": has 1 dimension (6): this looks like a label file, "
                                                  "expected an image file (3 dimensions"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(read_idx_labels(images, 10),
                       has(images + ": has 3 dimensions (2×3×3): this looks like an image file, "
                                                  "expected a label file (1 dimension)"),
                       std::runtime_error);
}

TEST_CASE("idx: label out of range and bad num_classes") {
  TempDir tmp;
  const std::string p = tmp.file("labels-idx1-ubyte");
  write_raw(p, idx_file({7}, {0, 1, 2, 3, 4, 12, 1}));
  CHECK_THROWS_WITH_AS(read_idx_labels(p, 10), has(p + ": label 12 at index 5 is outside [0,10)"),
                       std::runtime_error);
  CHECK(read_idx_labels(p, 13).size() == 7);
  CHECK_THROWS_WITH_AS(read_idx_labels(p, 0), has("num_classes must be in [1, 256]"),
                       std::invalid_argument);
}

// ---- Fashion-MNIST --------------------------------------------------------------

TEST_CASE("fashion_mnist: class names") {
  const auto& names = fashion_mnist_class_names();
  REQUIRE(names.size() == 10);
  CHECK(names[0] == "T-shirt/top");
  CHECK(names[9] == "Ankle boot");
}

TEST_CASE("fashion_mnist: data directory precedence: argument > AET_DATA > default") {
  {
    ScopedEnv env("AET_DATA", nullptr);
    CHECK(default_data_dir("") == kFashionMnistDefaultDir);
    CHECK(default_data_dir("/my/dir") == "/my/dir");
  }
  {
    ScopedEnv env("AET_DATA", "/from/env");
    CHECK(default_data_dir("") == "/from/env");
    CHECK(default_data_dir("/my/dir") == "/my/dir");
  }
  {
    ScopedEnv env("AET_DATA", "");  // set but empty counts as unset
    CHECK(default_data_dir("") == kFashionMnistDefaultDir);
  }
}

TEST_CASE("fashion_mnist: missing directory and missing file explain how to get the data") {
  TempDir tmp;
  const std::string missing = (tmp.path / "no-such-dir").string();
  const std::string msg = error_of([&] { load_fashion_mnist(missing, Split::Train); });
  CHECK(msg.find("directory " + missing + " does not exist") != std::string::npos);
  CHECK(msg.find("sudo apt-get install dataset-fashion-mnist") != std::string::npos);
  CHECK(msg.find("--data DIR") != std::string::npos);
  CHECK(msg.find("AET_DATA") != std::string::npos);

  // The directory exists and has the image file, but no label file.
  write_raw(tmp.file("t10k-images-idx3-ubyte.gz"), gzip_bytes(idx_file({1, 28, 28}, iota_bytes(784))));
  const std::string msg2 = error_of([&] { load_fashion_mnist(tmp.path.string(), Split::Test); });
  CHECK(msg2.find("t10k-labels-idx1-ubyte.gz (or t10k-labels-idx1-ubyte) not found in " + tmp.path.string()) !=
        std::string::npos);
  CHECK(msg2.find("sudo apt-get install dataset-fashion-mnist") != std::string::npos);

  // Via AET_DATA, the message says where AET_DATA points.
  ScopedEnv env("AET_DATA", missing.c_str());
  CHECK_THROWS_WITH_AS(load_fashion_mnist("", Split::Test), has("AET_DATA is currently set to " + missing),
                       std::runtime_error);
}

TEST_CASE("fashion_mnist: small fake files load, uncompressed names accepted, pixels scaled by 1/255") {
  TempDir tmp;
  Bytes pixels(2 * 28 * 28, 0);
  pixels[0] = 255;
  pixels[1] = 51;
  pixels[784] = 128;
  write_raw(tmp.file("train-images-idx3-ubyte"), idx_file({2, 28, 28}, pixels));
  write_raw(tmp.file("train-labels-idx1-ubyte.gz"), gzip_bytes(idx_file({2}, {9, 0})));
  const Dataset d = load_fashion_mnist(tmp.path.string(), Split::Train);
  CHECK(d.size() == 2);
  CHECK(d.dim() == 784);
  CHECK(d.height == 28);
  CHECK(d.width == 28);
  CHECK(d.num_classes == 10);
  CHECK(d.labels == std::vector<int>{9, 0});
  CHECK(d.images.at(0, 0) == 1.0f);
  CHECK(d.images.at(0, 1) == 51.0f / 255.0f);
  CHECK(d.images.at(1, 0) == 128.0f / 255.0f);
  CHECK(d.images.at(1, 1) == 0.0f);
}

TEST_CASE("fashion_mnist: image/label count mismatch names both files") {
  TempDir tmp;
  const std::string images = tmp.file("train-images-idx3-ubyte.gz");
  const std::string labels = tmp.file("train-labels-idx1-ubyte.gz");
  write_raw(images, gzip_bytes(idx_file({3, 28, 28}, iota_bytes(3 * 784))));
  write_raw(labels, gzip_bytes(idx_file({2}, {1, 2})));
  CHECK_THROWS_WITH_AS(load_fashion_mnist(tmp.path.string(), Split::Train),
                       has(images + " has 3 images but " + labels + " has 2 labels"), std::runtime_error);
}

TEST_CASE("fashion_mnist: the real dataset, if installed") {
  const std::string dir = default_data_dir("");
  if (!fs::exists(fs::path(dir) / "train-images-idx3-ubyte.gz") && !fs::exists(fs::path(dir) / "train-images-idx3-ubyte")) {
    MESSAGE("Fashion-MNIST not found in " << dir << "; skipped (sudo apt-get install dataset-fashion-mnist)");
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Dataset train = load_fashion_mnist(dir, Split::Train);
  const Dataset test = load_fashion_mnist(dir, Split::Test);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("loaded 70000 Fashion-MNIST images in " << seconds << " s");

  for (const auto& [d, n] : {std::pair{&train, 60000}, std::pair{&test, 10000}}) {
    CHECK(d->size() == n);
    CHECK(d->dim() == 784);
    CHECK(d->height == 28);
    CHECK(d->width == 28);
    const auto [lo, hi] = std::minmax_element(d->images.values().begin(), d->images.values().end());
    CHECK(*lo == 0.0f);
    CHECK(*hi == 1.0f);
    std::vector<int> per_class(10, 0);
    const auto [ylo, yhi] = std::minmax_element(d->labels.begin(), d->labels.end());
    REQUIRE(*ylo >= 0);
    REQUIRE(*yhi < 10);
    for (int y : d->labels) ++per_class[y];
    CHECK(per_class == std::vector<int>(10, n / 10));
  }
}

// ---- Dataset helpers -------------------------------------------------------------

TEST_CASE("dataset: subset, first_n and their errors") {
  const Dataset d = counting_dataset(10, 3, 4);
  const std::vector<int> idx = {7, 2, 2};
  const Dataset s = subset(d, idx);
  CHECK(s.size() == 3);
  CHECK(s.dim() == 3);
  CHECK(s.num_classes == 4);
  CHECK(s.images.at(0, 0) == 7.0f);
  CHECK(s.images.at(2, 2) == 2.0f);
  CHECK(s.labels == std::vector<int>{3, 2, 2});

  const Dataset f = first_n(d, 4);
  CHECK(f.size() == 4);
  CHECK(f.images.at(3, 1) == 3.0f);

  CHECK_THROWS_WITH_AS(subset(d, std::vector<int>{1, 10}), has("index 10 (position 1) is outside"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(subset(d, std::vector<int>{}), has("no indices"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(first_n(d, 11), has("first_n: n must be in [1, 10]"), std::invalid_argument);
  CHECK_THROWS_AS(first_n(d, 0), std::invalid_argument);
}

TEST_CASE("dataset: take_per_class is balanced, random and reproducible") {
  const Dataset d = counting_dataset(100, 2, 5);  // 20 per class
  Rng a(7), b(7), c(8);
  const Dataset ta = take_per_class(d, 6, a);
  const Dataset tb = take_per_class(d, 6, b);
  const Dataset tc = take_per_class(d, 6, c);
  CHECK(ta.size() == 30);
  std::vector<int> count(5, 0);
  for (int y : ta.labels) ++count[y];
  CHECK(count == std::vector<int>(5, 6));
  CHECK(ta.images.to_vector() == tb.images.to_vector());
  CHECK(ta.images.to_vector() != tc.images.to_vector());
  // Rows are distinct examples, in original order.
  std::vector<float> rows;
  for (int i = 0; i < ta.size(); ++i) rows.push_back(ta.images.at(i, 0));
  CHECK(std::is_sorted(rows.begin(), rows.end()));
  CHECK(std::adjacent_find(rows.begin(), rows.end()) == rows.end());

  Dataset named = d;
  named.class_names = {"a", "b", "c", "d", "e"};
  CHECK_THROWS_WITH_AS(take_per_class(named, 21, a), has("class 0 (a) has only 20 examples, asked for 21"),
                       std::invalid_argument);
}

TEST_CASE("dataset: check_dataset catches inconsistent pieces") {
  Dataset d = counting_dataset(4, 6, 2);
  CHECK_NOTHROW(check_dataset(d, "toy"));
  d.height = 2;
  d.width = 2;
  CHECK_THROWS_WITH_AS(check_dataset(d, "toy"), has("toy: images are 2×2 but rows hold 6 values"),
                       std::invalid_argument);
  d.height = d.width = 0;
  d.labels[3] = 5;
  CHECK_THROWS_WITH(check_dataset(d, "toy"), has("label 5 at index 3 is outside [0,2)"));
  d.labels.pop_back();
  CHECK_THROWS_WITH(check_dataset(d, "toy"), has("4 examples but 3 labels"));
}

TEST_CASE("dataset: one_hot") {
  const std::vector<int> y = {2, 0, 1, 2};
  const Tensor t = one_hot(y, 3);
  CHECK(t.shape() == Shape{4, 3});
  CHECK(t.to_vector() == std::vector<float>{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1});
  CHECK_THROWS_WITH_AS(one_hot(std::vector<int>{0, 3}, 3), has("label 3 at index 1 is outside [0,3)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(one_hot(std::vector<int>{-1}, 3), has("label -1 at index 0"), std::invalid_argument);
  CHECK_THROWS_AS(one_hot(std::vector<int>{}, 3), std::invalid_argument);
}

// ---- BatchLoader -----------------------------------------------------------------

// The dataset rows visited in one epoch, batch by batch.
static std::vector<std::vector<int>> one_epoch(BatchLoader& loader) {
  std::vector<std::vector<int>> batches;
  Batch b;
  loader.start_epoch();
  while (loader.next(b)) {
    std::vector<int> rows;
    for (int i = 0; i < b.x.rows(); ++i) rows.push_back(static_cast<int>(b.x.at(i, 0)));
    CHECK(rows == b.indices);  // x really holds the rows the indices name
    CHECK(b.index == static_cast<int>(batches.size()));
    batches.push_back(rows);
  }
  return batches;
}

TEST_CASE("loader: every example once per epoch, last partial batch kept") {
  const Dataset d = counting_dataset(10, 3, 3);
  Rng rng(1);
  BatchLoader loader(d, 4, true, rng);
  CHECK(loader.num_batches() == 3);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto batches = one_epoch(loader);
    REQUIRE(batches.size() == 3);
    CHECK(batches[0].size() == 4);
    CHECK(batches[1].size() == 4);
    CHECK(batches[2].size() == 2);
    std::vector<int> all;
    for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
    std::sort(all.begin(), all.end());
    std::vector<int> expected(10);
    std::iota(expected.begin(), expected.end(), 0);
    CHECK(all == expected);
  }
}

TEST_CASE("loader: labels follow their rows; no shuffle keeps dataset order") {
  const Dataset d = counting_dataset(7, 2, 3);
  Rng rng(1);
  BatchLoader loader(d, 3, false, rng);
  Batch b;
  loader.start_epoch();
  REQUIRE(loader.next(b));
  CHECK(b.indices == std::vector<int>{0, 1, 2});
  CHECK(b.y == std::vector<int>{0, 1, 2});
  REQUIRE(loader.next(b));
  REQUIRE(loader.next(b));
  CHECK(b.indices == std::vector<int>{6});
  CHECK(b.y == std::vector<int>{0});
  CHECK_FALSE(loader.next(b));
  CHECK_FALSE(loader.next(b));  // stays finished until the next start_epoch
}

TEST_CASE("loader: same seed same order, new epoch new order") {
  const Dataset d = counting_dataset(50, 1, 5);
  Rng r1(123), r2(123);
  BatchLoader l1(d, 8, true, r1), l2(d, 8, true, r2);
  const auto e1 = one_epoch(l1), e2 = one_epoch(l2);
  CHECK(e1 == e2);
  CHECK(one_epoch(l1) != e1);  // the shared Rng moved on: a different permutation
}

TEST_CASE("loader: batch tensor reused in place when the shape matches") {
  const Dataset d = counting_dataset(10, 3, 2);
  Rng rng(3);
  BatchLoader loader(d, 4, true, rng);
  Batch b;
  loader.start_epoch();
  REQUIRE(loader.next(b));
  const Tensor first = b.x;  // shares storage with b.x
  REQUIRE(loader.next(b));
  CHECK(b.x.same_as(first));  // same buffer, overwritten
  REQUIRE(loader.next(b));
  CHECK(b.x.rows() == 2);  // the partial batch needs a new shape
}

TEST_CASE("loader: invalid arguments") {
  const Dataset d = counting_dataset(5, 2, 2);
  Rng rng(1);
  CHECK_THROWS_WITH_AS(BatchLoader(d, 0, true, rng), has("batch_size must be >= 1, got 0"),
                       std::invalid_argument);
  const Dataset empty;
  CHECK_THROWS_WITH_AS(BatchLoader(empty, 4, true, rng), has("the dataset is empty"),
                       std::invalid_argument);
  BatchLoader big(d, 100, false, rng);  // a batch larger than the data: one batch of 5
  CHECK(big.num_batches() == 1);
}

// ---- synthetic data --------------------------------------------------------------

// Fraction of examples whose nearest class mean (computed on the same data) is their class.
static double nearest_mean_accuracy(const Dataset& d) {
  const int n = d.size(), D = d.dim(), C = d.num_classes;
  std::vector<double> mean(static_cast<size_t>(C) * D, 0.0);
  std::vector<int> count(C, 0);
  for (int i = 0; i < n; ++i) {
    ++count[d.labels[i]];
    for (int k = 0; k < D; ++k) mean[d.labels[i] * D + k] += d.images.at(i, k);
  }
  for (int c = 0; c < C; ++c)
    for (int k = 0; k < D; ++k) mean[c * D + k] /= count[c];
  int correct = 0;
  for (int i = 0; i < n; ++i) {
    int best = 0;
    double best_d = 1e300;
    for (int c = 0; c < C; ++c) {
      double s = 0;
      for (int k = 0; k < D; ++k) s += (d.images.at(i, k) - mean[c * D + k]) * (d.images.at(i, k) - mean[c * D + k]);
      if (s < best_d) best_d = s, best = c;
    }
    correct += best == d.labels[i];
  }
  return static_cast<double>(correct) / n;
}

static void check_balanced(const Dataset& d) {
  std::vector<int> count(d.num_classes, 0);
  for (int y : d.labels) ++count[y];
  const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
  CHECK(*hi - *lo <= 1);
}

TEST_CASE("synthetic: blobs") {
  Rng rng(5);
  const Dataset d = make_blobs(300, 4, 3, 0.5f, rng);
  CHECK_NOTHROW(check_dataset(d, "blobs"));
  CHECK(d.images.shape() == Shape{300, 4});
  CHECK(d.num_classes == 3);
  CHECK(d.height == 0);
  check_balanced(d);
  CHECK(nearest_mean_accuracy(d) > 0.97);  // well separated
  Rng same(5);
  CHECK(make_blobs(300, 4, 3, 0.5f, same).images.to_vector() == d.images.to_vector());
  CHECK_THROWS_WITH_AS(make_blobs(10, 0, 3, 0.5f, rng), has("dims=0"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(make_blobs(10, 2, 3, -1.0f, rng), has("spread must be >= 0"), std::invalid_argument);
}

TEST_CASE("synthetic: two moons and spirals") {
  Rng rng(9);
  const Dataset m = make_two_moons(200, 0.05f, rng);
  CHECK_NOTHROW(check_dataset(m, "moons"));
  CHECK(m.images.shape() == Shape{200, 2});
  check_balanced(m);
  const auto [mlo, mhi] = std::minmax_element(m.images.values().begin(), m.images.values().end());
  CHECK(*mlo > -2.5f);
  CHECK(*mhi < 2.5f);
  // Without noise, each point lies on its unit half circle.
  const Dataset clean = make_two_moons(50, 0.0f, rng);
  for (int i = 0; i < clean.size(); ++i) {
    const float x = clean.images.at(i, 0), y = clean.images.at(i, 1);
    const float cx = clean.labels[i] == 0 ? 0.0f : 1.0f, cy = clean.labels[i] == 0 ? 0.0f : 0.5f;
    CHECK(std::hypot(x - cx, y - cy) == doctest::Approx(1.0f).epsilon(1e-5));
    CHECK((clean.labels[i] == 0 ? y >= 0 : y <= 0.5f));
  }
  CHECK_THROWS_AS(make_two_moons(1, 0.1f, rng), std::invalid_argument);

  const Dataset s = make_spirals(300, 3, 0.0f, rng);
  CHECK_NOTHROW(check_dataset(s, "spirals"));
  CHECK(s.images.shape() == Shape{300, 2});
  CHECK(s.num_classes == 3);
  check_balanced(s);
  float max_radius = 0;
  for (int i = 0; i < s.size(); ++i) max_radius = std::max(max_radius, std::hypot(s.images.at(i, 0), s.images.at(i, 1)));
  CHECK(max_radius <= 1.0f + 1e-6f);
  Rng a(4), b(4);
  CHECK(make_spirals(30, 2, 0.1f, a).images.to_vector() == make_spirals(30, 2, 0.1f, b).images.to_vector());
}

TEST_CASE("synthetic: tiny images") {
  Rng rng(11);
  const Dataset d = make_tiny_images(500, 12, rng);
  CHECK_NOTHROW(check_dataset(d, "tiny images"));
  CHECK(d.images.shape() == Shape{500, 144});
  CHECK(d.height == 12);
  CHECK(d.width == 12);
  CHECK(d.num_classes == 5);
  CHECK(d.class_names[4] == "ring");
  check_balanced(d);
  const auto [lo, hi] = std::minmax_element(d.images.values().begin(), d.images.values().end());
  CHECK(*lo == 0.0f);
  CHECK(*hi <= 1.0f);
  for (int i = 0; i < d.size(); ++i) {  // every image shows something, none is all ink
    float ink = 0;
    for (int k = 0; k < 144; ++k) ink += d.images.at(i, k);
    CHECK(ink > 5.0f);
    CHECK(ink < 100.0f);
  }
  // Learnable: even nearest class mean, the simplest classifier, does far better than chance (0.2).
  CHECK(nearest_mean_accuracy(d) > 0.6);
  Rng a(2), b(2), c(3);
  const auto va = make_tiny_images(20, 10, a).images.to_vector();
  CHECK(va == make_tiny_images(20, 10, b).images.to_vector());
  CHECK(va != make_tiny_images(20, 10, c).images.to_vector());
  CHECK_THROWS_WITH_AS(make_tiny_images(10, 4, rng), has("side must be in [8, 256]"), std::invalid_argument);
}
