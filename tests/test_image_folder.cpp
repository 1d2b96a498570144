// test_image_folder.cpp — the ImageFolder reader on small pictures written here with
// stb_image_write: labels from sorted folder names, grey conversion, resampling,
// the train/test split, and every error a student's folder can provoke.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "datasets/image_folder.h"
#include "tests/error_of.h"
#include "tests/temp_dir.h"

#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

using namespace aet;
using aet::testing::has;
using aet::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// A w×h picture with `channels` channels, every pixel `value` (all channels alike).
void write_png(const fs::path& p, int w, int h, int channels, uint8_t value) {
  fs::create_directories(p.parent_path());
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * channels, value);
  REQUIRE(stbi_write_png(p.string().c_str(), w, h, channels, px.data(), w * channels) != 0);
}

void write_text(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << s;
}

}  // namespace

TEST_CASE("resize_area: exact block means when shrinking, replication when growing, constants stay constant") {
  // 4×4 → 2×2: each output is the mean of a 2×2 block.
  const std::vector<float> src = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  const auto half = resize_area(src, 4, 4, 2, 2);
  CHECK(half == std::vector<float>{2.5f, 4.5f, 10.5f, 12.5f});
  // 2×2 → 4×4: each input pixel becomes a 2×2 block.
  const auto twice = resize_area({1, 2, 3, 4}, 2, 2, 4, 4);
  CHECK(twice == std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4});
  // 3 → 2 columns: output 0 covers inputs 0 and half of 1.
  const auto third = resize_area({0, 3, 6}, 1, 3, 1, 2);
  CHECK(third[0] == doctest::Approx((0 * 1.0 + 3 * 0.5) / 1.5));
  CHECK(third[1] == doctest::Approx((3 * 0.5 + 6 * 1.0) / 1.5));
  // A constant image stays constant at odd ratios both ways; the mean is kept.
  for (auto [h, w, oh, ow] : {std::array{7, 9, 28, 28}, std::array{33, 31, 7, 5}, std::array{1, 1, 3, 2}}) {
    const auto out = resize_area(std::vector<float>(h * w, 0.25f), h, w, oh, ow);
    REQUIRE(out.size() == static_cast<size_t>(oh * ow));
    for (float v : out) CHECK(v == doctest::Approx(0.25f).epsilon(1e-6));
  }
  CHECK_THROWS_WITH_AS(resize_area({1, 2, 3}, 2, 2, 1, 1), has("resize_area: bad sizes 2×2 → 1×1 for 3 pixels"),
                       std::invalid_argument);
}

TEST_CASE("image folder: labels from sorted folder names, grey pixels in [0,1], own size kept") {
  TempDir tmp;
  // Classes written out of order; a grey PNG, an RGB one and an RGBA one.
  write_png(tmp.path / "zebra" / "b.png", 5, 3, 1, 255);
  write_png(tmp.path / "zebra" / "a.png", 5, 3, 3, 51);
  write_png(tmp.path / "apple" / "x.PNG", 5, 3, 4, 0);
  write_text(tmp.path / "apple" / "notes.txt", "not an image");  // skipped
  write_text(tmp.path / "apple" / ".DS_Store", "hidden");          // skipped
  fs::create_directories(tmp.path / ".git");                      // hidden folder: not a class
  // A JPEG of a flat grey (JPEG is lossy, but a flat block decodes very nearly exactly).
  fs::create_directories(tmp.path / "mango");
  const std::vector<uint8_t> flat(5 * 3 * 3, 128);
  REQUIRE(stbi_write_jpg((tmp.path / "mango" / "m.jpg").string().c_str(), 5, 3, 3, flat.data(), 95) != 0);
  CHECK(looks_like_image_folder(tmp.path.string()));
  const Dataset d = load_image_folder(tmp.path.string());
  CHECK(d.class_names == std::vector<std::string>{"apple", "mango", "zebra"});
  CHECK(d.num_classes == 3);
  CHECK(d.labels == std::vector<int>{0, 1, 2, 2});
  CHECK(d.height == 3);
  CHECK(d.width == 5);
  CHECK(d.dim() == 15);
  CHECK(d.images.at(0, 0) == 0.0f);
  CHECK(d.images.at(1, 7) == doctest::Approx(128.0f / 255.0f).epsilon(0.02));
  CHECK(d.images.at(2, 14) == 51.0f / 255.0f);  // a.png sorts before b.png
  CHECK(d.images.at(3, 0) == 1.0f);
}

TEST_CASE("image folder: --size resamples every picture; mixed sizes without it are refused") {
  TempDir tmp;
  write_png(tmp.path / "a" / "big.png", 40, 20, 1, 200);
  write_png(tmp.path / "b" / "small.png", 7, 9, 1, 100);
  const std::string msg = [&] {
    try {
      load_image_folder(tmp.path.string());
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  }();
  CHECK(msg.find("images differ in size: " + (tmp.path / "a" / "big.png").string() + " is 20×40 (height×width) but " +
                 (tmp.path / "b" / "small.png").string() + " is 9×7; pass --size S") != std::string::npos);
  const Dataset d = load_image_folder(tmp.path.string(), 28);
  CHECK(d.height == 28);
  CHECK(d.width == 28);
  CHECK(d.dim() == 784);
  CHECK(d.images.at(0, 400) == doctest::Approx(200.0f / 255.0f));
  CHECK(d.images.at(1, 0) == doctest::Approx(100.0f / 255.0f));
  CHECK_THROWS_WITH_AS(load_image_folder(tmp.path.string(), -1), has("--size must be between 1 and 1024, got -1"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(load_image_folder(tmp.path.string(), 5000), has("--size must be between 1 and 1024"),
                       std::invalid_argument);
}

TEST_CASE("image folder: empty folders, classes without images and unreadable images name the culprit") {
  TempDir tmp;
  const std::string dir = tmp.path.string();
  CHECK_FALSE(looks_like_image_folder(dir));
  CHECK_THROWS_WITH_AS(load_image_folder(dir), has("image folder " + dir + " has no class subfolders"),
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(load_image_folder(dir + "/nope"), has("image folder " + dir + "/nope does not exist"),
                       std::runtime_error);
  write_png(tmp.path / "cat" / "1.png", 4, 4, 1, 9);
  write_text(tmp.path / "dog" / "readme.txt", "no pictures here");
  CHECK_THROWS_WITH_AS(load_image_folder(dir), has("class folder " + (tmp.path / "dog").string() +
                                                   " holds no .png, .jpg or .jpeg files"),
                       std::runtime_error);
  write_text(tmp.path / "dog" / "broken.png", "<html>not really a PNG</html>");
  CHECK_THROWS_WITH_AS(load_image_folder(dir), has("cannot read image " + (tmp.path / "dog" / "broken.png").string() + ": "),
                       std::runtime_error);
  // A PNG cut short is unreadable too.
  write_png(tmp.path / "dog" / "broken.png", 16, 16, 3, 7);
  fs::resize_file(tmp.path / "dog" / "broken.png", 40);
  CHECK_THROWS_WITH_AS(load_image_folder(dir), has("cannot read image " + (tmp.path / "dog" / "broken.png").string()),
                       std::runtime_error);
  // An IDX folder is not mistaken for an image folder even if it has subfolders.
  write_text(tmp.path / "train-images-idx3-ubyte.gz", "");
  CHECK_FALSE(looks_like_image_folder(dir));
}

TEST_CASE("image folder splits: every 7th image per class is held out, or train/ and test/ are used as given") {
  TempDir tmp;
  for (int i = 0; i < 14; ++i) write_png(tmp.path / "a" / ("img" + std::to_string(10 + i) + ".png"), 2, 2, 1, i);
  for (int i = 0; i < 3; ++i) write_png(tmp.path / "b" / ("img" + std::to_string(i) + ".png"), 2, 2, 1, 100 + i);
  write_png(tmp.path / "c" / "only.png", 2, 2, 1, 200);
  const ImageFolderSplits s = load_image_folder_splits(tmp.path.string());
  // a: images 6 and 13 go to test; b: its last one; c: its only one stays in train.
  CHECK(s.test.size() == 3);
  CHECK(s.train.size() == 15);
  CHECK(s.test.labels == std::vector<int>{0, 0, 1});
  CHECK(s.test.images.at(0, 0) == 6.0f / 255.0f);
  CHECK(s.test.images.at(1, 0) == 13.0f / 255.0f);
  CHECK(s.test.images.at(2, 0) == 102.0f / 255.0f);
  CHECK(s.train.class_names == std::vector<std::string>{"a", "b", "c"});

  TempDir split;
  write_png(split.path / "train" / "x" / "1.png", 3, 3, 1, 10);
  write_png(split.path / "train" / "y" / "1.png", 3, 3, 1, 20);
  write_png(split.path / "test" / "x" / "1.png", 3, 3, 1, 30);
  write_png(split.path / "test" / "y" / "1.png", 3, 3, 1, 40);
  const ImageFolderSplits g = load_image_folder_splits(split.path.string());
  CHECK(g.train.size() == 2);
  CHECK(g.test.size() == 2);
  CHECK(g.test.images.at(0, 0) == 30.0f / 255.0f);
  fs::remove_all(split.path / "test" / "y");
  write_png(split.path / "test" / "z" / "1.png", 3, 3, 1, 40);
  CHECK_THROWS_WITH_AS(load_image_folder_splits(split.path.string()),
                       has("train/ and test/ must hold the same class folders"), std::runtime_error);

  TempDir ones;
  write_png(ones.path / "a" / "1.png", 2, 2, 1, 1);
  write_png(ones.path / "b" / "1.png", 2, 2, 1, 1);
  CHECK_THROWS_WITH_AS(load_image_folder_splits(ones.path.string()), has("too few images to hold any out for testing"),
                       std::runtime_error);
}
