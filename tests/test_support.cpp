// test_support.cpp — the tutorials' support code: PNG grids, the bitmap font, gnuplot
// charts, the progress bar and the non-finite-loss guard.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <thread>

#include "nn/progress.h"
#include "tutorials/common/bitmap_font.h"
#include "tutorials/common/image_grid.h"
#include "tutorials/common/plot.h"
#include "tutorials/common/text_table.h"
#include "tests/temp_dir.h"

using namespace aet;
namespace fs = std::filesystem;

namespace {

using aet::testing::TempDir;

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// What a PNG's header says: width, height, and the colour type (0 gray, 2 RGB).
struct PngInfo {
  bool is_png = false;
  uint32_t width = 0, height = 0;
  int colour_type = -1;
};

PngInfo png_info(const std::string& path) {
  const std::vector<uint8_t> b = read_bytes(path);
  static constexpr std::array<uint8_t, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  PngInfo info;
  // Signature (8 bytes), then the IHDR chunk: length (4), "IHDR" (4), width, height (big-endian).
  if (b.size() < 33 || !std::equal(kSignature.begin(), kSignature.end(), b.begin())) return info;
  if (std::string(b.begin() + 12, b.begin() + 16) != "IHDR") return info;
  auto be32 = [&](size_t at) { return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3]; };
  info.is_png = true;
  info.width = be32(16);
  info.height = be32(20);
  info.colour_type = b[25];
  return info;
}

int count_lines(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) ++n;
  return n;
}

int count_char(const std::string& s, char c) { return int(std::count(s.begin(), s.end(), c)); }

bool have_gnuplot() { return !find_on_path("gnuplot").empty(); }

Tensor ramp_images(int n, int h, int w, int channels = 1) {
  std::vector<float> v(size_t(n) * h * w * channels);
  for (size_t i = 0; i < v.size(); ++i) v[i] = float(i % 97) / 96.0f;
  return Tensor::from({n, h * w * channels}, v);
}

}  // namespace

TEST_CASE("write_image_grid: a PNG of the expected size, grayscale or RGB") {
  TempDir dir;
  // 5 images in 3 columns -> 2 rows. Each cell is 28·3 = 84 px with a 2 px gutter around:
  // width 2 + 3·(84+2) = 260, height 2 + 2·(84+2) = 174.
  const std::string gray = dir.file("grid.png");
  write_image_grid(gray, ramp_images(5, 28, 28), 28, 28, 3);
  PngInfo info = png_info(gray);
  REQUIRE(info.is_png);
  CHECK(info.width == 260);
  CHECK(info.height == 174);
  CHECK(info.colour_type == 0);

  // Non-square RGB images, interleaved r,g,b: 4×6 at scale 2, 4 columns -> 2 + 4·(12+2) wide.
  const std::string rgb = dir.file("rgb.png");
  write_image_grid(rgb, ramp_images(4, 4, 6, 3), 4, 6, 4, 2);
  info = png_info(rgb);
  REQUIRE(info.is_png);
  CHECK(info.width == 2 + 4 * (12 + 2));
  CHECK(info.height == 2 + 1 * (8 + 2));
  CHECK(info.colour_type == 2);

  // A 1-d tensor is a single image.
  CHECK(render_image_grid(Tensor::zeros({784}), 28, 28, 4).width == 2 + 86);
  // More columns than images: the grid shrinks to the images there are.
  CHECK(render_image_grid(ramp_images(2, 28, 28), 28, 28, 10).width == 2 + 2 * 86);
}

TEST_CASE("write_image_grid: row labels widen the image, column titles make it taller") {
  TempDir dir;
  const Tensor x = ramp_images(4, 28, 28);
  const Image plain = render_image_grid(x, 28, 28, 2);
  const Image labelled = render_image_grid(x, 28, 28, 2, 3, {"T-shirt/top", "Ankle boot"});
  // The label column is as wide as the longest label at font scale 2, plus 6 px each side.
  CHECK(labelled.width == plain.width + text_width("T-shirt/top", 2) + 12);
  CHECK(labelled.height == plain.height);
  const Image titled = render_image_grid(x, 28, 28, 2, 3, {}, {"z=-1", "z=1"});
  CHECK(titled.width == plain.width);
  CHECK(titled.height == plain.height + text_height("z", 2) + 6);

  const std::string path = dir.file("labelled.png");
  write_image_grid(path, x, 28, 28, 2, 3, {"T-shirt/top", "Ankle boot"});
  CHECK(png_info(path).width == uint32_t(labelled.width));

  // Some label pixels are ink (0) in the label column, which is otherwise white paper.
  int ink = 0;
  for (int y = 0; y < labelled.height; ++y)
    for (int xx = 0; xx < labelled.width - plain.width; ++xx) ink += labelled.pixels[size_t(y) * labelled.width + xx] == 0;
  CHECK(ink > 50);
}

TEST_CASE("render_image_grid: nearest-neighbour upscaling and clamping to [0,1]") {
  // One 1×4 image: below 0, middle, above 1, NaN -> 0, 128, 255, 0; each pixel a 2×2 block.
  const Tensor x = Tensor::from({1, 4}, {-1.0f, 0.5f, 2.0f, std::numeric_limits<float>::quiet_NaN()});
  const Image img = render_image_grid(x, 1, 4, 1, 2);
  REQUIRE(img.width == 2 + 8 + 2);
  REQUIRE(img.height == 2 + 2 + 2);
  auto px = [&](int xx, int y) { return int(img.pixels[size_t(y) * img.width + xx]); };
  const std::array<int, 4> expected = {0, 128, 255, 0};
  for (int i = 0; i < 4; ++i)
    for (int dy = 0; dy < 2; ++dy)
      for (int dx = 0; dx < 2; ++dx) CHECK(px(2 + 2 * i + dx, 2 + dy) == expected[i]);
  CHECK(px(0, 0) == 255);  // the gutter is white
}

TEST_CASE("write_comparison_grid: originals directly above their reconstructions") {
  TempDir dir;
  const Tensor top = Tensor::full({3, 16}, 1.0f), bottom = Tensor::zeros({3, 16});
  const Image img = render_comparison_grid(top, bottom, 4, 4, 1, "in", "out");
  const int label_w = text_width("out", 2) + 12;
  auto px = [&](int xx, int y) { return int(img.pixels[size_t(y) * img.width + xx]); };
  CHECK(px(label_w + 2, 2) == 255);      // first top image: white
  CHECK(px(label_w + 2, 2 + 4 + 2) == 0);  // the one below it: black
  // 5 pairs in 2 columns wrap into 3 blocks of 2 rows, 10 px apart.
  const Image wrapped = render_comparison_grid(Tensor::zeros({5, 16}), Tensor::zeros({5, 16}), 4, 4, 1, "a", "b", 2);
  CHECK(wrapped.height == 2 + 6 * (4 + 2) + 2 * 10);
  // By default at most 16 pairs a row, blocks evenly filled: 20 pairs -> 2 blocks of 10.
  const Image automatic = render_comparison_grid(ramp_images(20, 4, 4), ramp_images(20, 4, 4), 4, 4, 1, "a", "b");
  CHECK(automatic.width == text_width("a", 2) + 12 + 2 + 10 * (4 + 2));
  CHECK(automatic.height == 2 + 4 * (4 + 2) + 10);

  const std::string path = dir.file("recon.png");
  write_comparison_grid(path, top, bottom, 4, 4);
  CHECK(png_info(path).is_png);
  CHECK_THROWS_WITH_AS(render_comparison_grid(top, Tensor::zeros({2, 16}), 4, 4),
                       "render_comparison_grid: top has shape (3,16) but bottom has shape (2,16); they must match",
                       std::invalid_argument);
}

TEST_CASE("image grids: clear errors for unwritable paths and inconsistent sizes") {
  const std::string path = "/nonexistent_aet_dir/out/recon.png";
  CHECK_THROWS_WITH_AS(write_image_grid(path, ramp_images(2, 28, 28), 28, 28, 2),
                       "cannot write /nonexistent_aet_dir/out/recon.png: No such file or directory",
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(write_comparison_grid(path, ramp_images(2, 28, 28), ramp_images(2, 28, 28), 28, 28),
                       "cannot write /nonexistent_aet_dir/out/recon.png: No such file or directory",
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(render_image_grid(Tensor::zeros({2, 100}), 28, 28, 2),
                       "render_image_grid: images has shape (2,100), so 100 values per image; a 28x28 image "
                       "needs 784 (grayscale) or 2352 (RGB)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(render_image_grid(ramp_images(4, 28, 28), 28, 28, 2, 3, {"a", "b", "c"}),
                       "render_image_grid: 3 row labels for a grid of 2 rows", std::invalid_argument);
  CHECK_THROWS_WITH_AS(render_image_grid(ramp_images(4, 28, 28), 28, 28, 0),
                       "render_image_grid: cols must be >= 1, got 0", std::invalid_argument);
}

TEST_CASE("draw_text: lights the glyph's pixels and no others") {
  // 'I' is .###. on its top row, then ..#.. down the middle.
  std::vector<uint8_t> gray(20 * 12, 0);
  draw_text(gray, 20, 12, 0, 0, "I", 1, 200);
  auto at = [&](int x, int y) { return int(gray[size_t(y) * 20 + x]); };
  CHECK(at(0, 0) == 0);
  CHECK(at(1, 0) == 200);
  CHECK(at(2, 0) == 200);
  CHECK(at(3, 0) == 200);
  CHECK(at(4, 0) == 0);
  CHECK(at(2, 3) == 200);
  CHECK(at(1, 3) == 0);
  CHECK(at(10, 5) == 0);  // beyond the glyph

  // RGB: all three channels of a lit pixel; scale 2 makes each font pixel a 2×2 block.
  std::vector<uint8_t> rgb(20 * 20 * 3, 0);
  draw_text(rgb, 20, 20, 0, 0, "I", 2, 255);
  for (int c = 0; c < 3; ++c) {
    CHECK(rgb[(0 * 20 + 2) * 3 + c] == 255);
    CHECK(rgb[(1 * 20 + 3) * 3 + c] == 255);
    CHECK(rgb[(0 * 20 + 0) * 3 + c] == 0);
  }

  // Text running off the image is clipped, not written out of bounds.
  std::vector<uint8_t> small(6 * 6, 0);
  draw_text(small, 6, 6, -3, -4, "Hello, world", 3, 9);
  CHECK(small.size() == 36);

  CHECK(text_width("ab", 2) == (2 * 6 - 1) * 2);
  CHECK(text_width("a\nabc", 1) == 17);
  CHECK(text_height("a\nb", 1) == 9 + 8);
  CHECK(text_width("a\xe2\x86\x92", 1) == text_width("ab", 1));  // a UTF-8 arrow is one '?'
  CHECK(text_width("", 2) == 0);
  CHECK_THROWS_WITH_AS(draw_text(small, 5, 5, 0, 0, "x", 1, 255),
                       "draw_text: a 5x5 image needs 25 (grayscale) or 75 (RGB) bytes, the buffer has 36",
                       std::invalid_argument);
}

TEST_CASE("check_finite: NaN and ±Inf stop training with where and which term") {
  CHECK_NOTHROW(check_finite(0.0213f, "kl", 1, 1));
  CHECK_NOTHROW(check_finite(-3.5e30f, "total", 1, 1));
  CHECK_THROWS_WITH_AS(check_finite(std::nanf(""), "kl", 3, 17),
                       "loss became NaN at epoch 3, batch 17 (term: kl) — training stopped; the last good "
                       "checkpoint is kept. Try a smaller learning rate.",
                       NonFiniteLoss);
  CHECK_THROWS_WITH_AS(check_finite(std::numeric_limits<float>::infinity(), "reconstruction", 2, 5),
                       "loss became +Inf at epoch 2, batch 5 (term: reconstruction) — training stopped; the last "
                       "good checkpoint is kept. Try a smaller learning rate.",
                       NonFiniteLoss);
  try {
    check_finite(-std::numeric_limits<float>::infinity(), "", 4, 9);
    FAIL("no exception");
  } catch (const NonFiniteLoss& e) {
    CHECK(std::string(e.what()).starts_with("loss became -Inf at epoch 4, batch 9 — training stopped"));
    CHECK(e.epoch() == 4);
    CHECK(e.batch() == 9);
    CHECK(e.term().empty());
  }
  CHECK_THROWS_AS(check_finite(std::nanf(""), "kl", 1, 1), std::runtime_error);  // catchable as the base
}

TEST_CASE("plot_lines: a PNG beside its CSV and gnuplot script") {
  if (!have_gnuplot()) {
    MESSAGE("skipped: no gnuplot on the PATH (apt-get install gnuplot-nox, brew install gnuplot)");
    return;
  }
  TempDir dir;
  const std::string png = dir.file("loss.png");
  // Series of different lengths, a NaN, and a name needing quotes in CSV and gnuplot.
  plot_lines(png, "loss", "epoch", "loss", {"train", "it's, \"test\""},
             {{0.5, 0.3, 0.2, 0.15, 0.1}, {0.6, std::nan(""), 0.3}});
  CHECK(png_info(png).is_png);
  CHECK(png_info(png).width == 800);
  CHECK(count_lines(dir.file("loss.csv")) == 1 + 5);  // header + one row per x
  CHECK(fs::exists(dir.file("loss.gp")));
  std::ifstream csv(dir.file("loss.csv"));
  std::string header, row1, row2;
  std::getline(csv, header);
  std::getline(csv, row1);
  std::getline(csv, row2);
  CHECK(header == "epoch,train,\"it's, \"\"test\"\"\"");
  CHECK(row1 == "1,0.5,0.6");
  CHECK(row2 == "2,0.3,");  // NaN is a missing cell

  plot_lines(dir.file("log.png"), "loss", "epoch", "loss", {"a"}, {{1.0, 0.1, 0.01}}, /*log_y=*/true);
  CHECK(png_info(dir.file("log.png")).is_png);
}

TEST_CASE("plot_scatter_by_class: a PNG and a CSV with one row per point") {
  if (!have_gnuplot()) {
    MESSAGE("skipped: no gnuplot on the PATH (apt-get install gnuplot-nox, brew install gnuplot)");
    return;
  }
  TempDir dir;
  const int n = 200;
  std::vector<float> xy(2 * n);
  std::vector<int> cls(n);
  for (int i = 0; i < n; ++i) {
    cls[i] = i % 10;
    xy[2 * i] = float(std::cos(i)) + cls[i];
    xy[2 * i + 1] = float(std::sin(i)) - cls[i];
  }
  const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  const std::string png = dir.file("latent.png");
  plot_scatter_by_class(png, "latent space", Tensor::from({n, 2}, xy), cls, names);
  CHECK(png_info(png).is_png);
  CHECK(count_lines(dir.file("latent.csv")) == 1 + n);
  std::ifstream csv(dir.file("latent.csv"));
  std::string header, row;
  std::getline(csv, header);
  std::getline(csv, row);
  CHECK(header == "z1,z2,class,name");
  CHECK(row == "1,0,0,T-shirt/top");

  // Without names the classes are numbered.
  plot_scatter_by_class(dir.file("numbered.png"), "", Tensor::from({n, 2}, xy), cls, {});
  CHECK(png_info(dir.file("numbered.png")).is_png);
}

TEST_CASE("plots: clear errors for bad input and a missing gnuplot") {
  TempDir dir;
  const std::string png = dir.file("p.png");
  const std::string names_msg = "plot_lines " + png + ": 1 series names for 2 series";
  CHECK_THROWS_WITH_AS(plot_lines(png, "t", "x", "y", {"a"}, {{1.0}, {2.0}}), names_msg.c_str(),
                       std::invalid_argument);
  const std::string svg = dir.file("p.svg");
  const std::string ext_msg = "plot_lines: the output path must end in .png, got '" + svg + "'";
  CHECK_THROWS_WITH_AS(plot_lines(svg, "t", "x", "y", {"a"}, {{1.0}}), ext_msg.c_str(), std::invalid_argument);
  const std::vector<int> cls = {0, 1, 2};
  const std::string class_msg = "plot_scatter_by_class " + png + ": point 2 has class 2, outside [0,2)";
  CHECK_THROWS_WITH_AS(plot_scatter_by_class(png, "t", Tensor::zeros({3, 2}), cls, {"a", "b"}), class_msg.c_str(),
                       std::invalid_argument);
  const std::string shape_msg = "plot_scatter_by_class " + png + ": points must have shape (N,2), got (3,3)";
  CHECK_THROWS_WITH_AS(plot_scatter_by_class(png, "t", Tensor::zeros({3, 3}), cls, {}), shape_msg.c_str(),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(plot_lines("/nonexistent_aet_dir/loss.png", "t", "x", "y", {"a"}, {{1.0}}),
                       "cannot write /nonexistent_aet_dir/loss.csv: No such file or directory", std::runtime_error);

  // With no gnuplot on the PATH the message says how to get it.
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  setenv("PATH", dir.path.c_str(), 1);
  const char* not_found = "gnuplot not found: install gnuplot-nox (make tutorial-N installs it)";
  CHECK_THROWS_WITH_AS(plot_lines(png, "t", "x", "y", {"a"}, {{1.0, 2.0}}), not_found, GnuplotNotFound);
  // Under qemu-user posix_spawnp succeeds and the child exits 127 instead: the same error.
  const std::string fake = dir.file("gnuplot");
  std::ofstream(fake) << "#!/bin/sh\nexit 127\n";
  fs::permissions(fake, fs::perms::owner_all);
  CHECK_THROWS_WITH_AS(plot_lines(png, "t", "x", "y", {"a"}, {{1.0, 2.0}}), not_found, GnuplotNotFound);
  // Any other failure is gnuplot's own, reported with its exit status and message.
  std::ofstream(fake) << "#!/bin/sh\necho 'line 3: no such terminal' >&2\nexit 1\n";
  CHECK_THROWS_WITH_AS(plot_lines(png, "t", "x", "y", {"a"}, {{1.0, 2.0}}),
                       doctest::Contains("(exit status 1): line 3: no such terminal"), std::runtime_error);
  setenv("PATH", saved.c_str(), 1);
}

TEST_CASE("find_on_path: the first executable file of that name in PATH order") {
  TempDir dir;
  const fs::path plain = dir.path / "plain", exec1 = dir.path / "exec1", exec2 = dir.path / "exec2";
  for (const fs::path& d : {plain, exec1, exec2}) {
    fs::create_directory(d);
    std::ofstream(d / "aet_tool") << "#!/bin/sh\n";
  }
  fs::permissions(exec1 / "aet_tool", fs::perms::owner_all);
  fs::permissions(exec2 / "aet_tool", fs::perms::owner_all);
  fs::create_directories(dir.path / "dironly" / "aet_tool");
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  // A file without the execute bit and a directory of that name are passed over.
  const std::string path = (dir.path / "nonexistent").string() + ":" + plain.string() + ":" +
                           (dir.path / "dironly").string() + ":" + exec1.string() + ":" + exec2.string();
  setenv("PATH", path.c_str(), 1);
  CHECK(find_on_path("aet_tool") == (exec1 / "aet_tool").string());
  CHECK(find_on_path("aet_no_such_tool").empty());
  setenv("PATH", saved.c_str(), 1);
  CHECK(find_on_path("sh").ends_with("/sh"));  // every POSIX system has one on its PATH
}

TEST_CASE("ProgressBar: off a terminal, silent until one summary line") {
  std::ostringstream out;
  {
    ProgressBar bar(10, "epoch 3/10", out, /*interactive=*/false);
    for (int b = 1; b <= 10; ++b) {
      bar.update(b, 0.5 / b, b * 64);
      CHECK(out.str().empty());
    }
    bar.finish();
    bar.finish();  // a second call adds nothing
  }
  const std::string s = out.str();
  CHECK(s.starts_with("epoch 3/10 10/10 loss 0.05 "));
  CHECK(s.find("samples/s in ") != std::string::npos);
  CHECK(s.find('\r') == std::string::npos);
  CHECK(s.find('[') == std::string::npos);
  CHECK(count_char(s, '\n') == 1);
  CHECK(s.back() == '\n');
}

TEST_CASE("ProgressBar: on a terminal, redrawn in place and throttled") {
  std::ostringstream out;
  ProgressBar bar(10, "epoch 1/2", out, /*interactive=*/true);
  bar.update(5, 0.0213, 640);
  CHECK(out.str().starts_with("\repoch 1/2 [##########..........] 5/10 loss 0.0213 "));
  CHECK(out.str().find(" ETA ") != std::string::npos);
  bar.update(6, 0.02, 768);  // within 0.1 s of the last draw: skipped
  CHECK(count_char(out.str(), '\r') == 1);
  bar.update(10, 0.01, 1280);  // the last batch is always drawn
  CHECK(count_char(out.str(), '\r') == 2);
  CHECK(out.str().find("[####################] 10/10") != std::string::npos);
  bar.finish();
  const std::string last = out.str().substr(out.str().rfind('\r'));
  CHECK(last.starts_with("\repoch 1/2 [####################] 10/10 loss 0.01 "));
  CHECK(last.find(" in ") != std::string::npos);  // the time taken replaces the ETA
  CHECK(last.back() == '\n');

  // An exception unwinding past an unfinished bar still ends its line.
  std::ostringstream out2;
  { ProgressBar b2(4, "x", out2, true); b2.update(1, 1.0, 1); }
  CHECK(out2.str().back() == '\n');

  CHECK_THROWS_WITH_AS(bar.update(11, 0.0, 0),
                       "ProgressBar 'epoch 1/2': batch 11 is outside [0, 10] (pass the number of batches "
                       "finished, 1 after the first)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(ProgressBar(0, "epoch 1/2", out, true),
                       "ProgressBar 'epoch 1/2': total_batches must be >= 1, got 0", std::invalid_argument);
}

TEST_CASE("Timer: monotonic seconds") {
  Timer t;
  const double a = t.seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double b = t.seconds();
  CHECK(a >= 0.0);
  CHECK(b - a >= 0.015);
  t.reset();
  CHECK(t.seconds() < b);
}

TEST_CASE("TextTable: columns aligned, numbers to the right") {
  TextTable t({"model", "latent", "test loss"});
  t.add_row({"AE", "2", "0.0213"});
  t.add_row({"VAE", "16", "25.3"});
  CHECK(t.str() ==
        "model  latent  test loss\n"
        "-----  ------  ---------\n"
        "AE          2     0.0213\n"
        "VAE        16       25.3\n");
  CHECK_THROWS_WITH_AS(t.add_row({"x"}), "TextTable: a row has 1 cells but the table has 3 columns",
                       std::invalid_argument);
}
