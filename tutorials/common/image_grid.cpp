// image_grid.cpp — grid layout, label drawing and PNG encoding (stb_image_write).
//
// Both grid kinds go through render_cells: a list of cells (an image or a blank), a
// column count, and the rows after which to leave a wider gap. PNG bytes are encoded in
// memory and written with stdio ourselves, because stb's own file writer reports failure
// as a bare 0 and we want to tell the student *why* ("No such file or directory").
#include "tutorials/common/image_grid.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fmt/format.h>

#include "tutorials/common/bitmap_font.h"

// STATIC keeps stb's functions private to this file, so linking never clashes with the
// copy inside Debian's libstb and no -lstb is needed.
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace aet {
namespace {

constexpr int kGutter = 2;        // white pixels between and around images
constexpr int kBlockGap = 10;     // extra space between row blocks of a comparison grid
constexpr int kLabelScale = 2;    // font scale for labels: legible beside 3× images
constexpr int kLabelPad = 6;      // space between a label and the images
constexpr uint8_t kPaper = 255;   // background
constexpr uint8_t kInk = 0;       // label text
constexpr int kAutoCols = 16;     // a comparison row of 16 images at 3× fits a laptop screen

uint8_t to_byte(float v) {
  if (!(v > 0.0f)) return 0;  // also NaN: a broken image shows black, not garbage
  if (v >= 1.0f) return 255;
  return static_cast<uint8_t>(std::lround(v * 255.0f));
}

// Reads how many images a tensor holds and whether they are gray or RGB.
struct Batch {
  int n = 0;
  int channels = 1;
};

Batch inspect(const char* fn, const char* name, const Tensor& t, int h, int w) {
  if (h < 1 || w < 1) throw std::invalid_argument(fmt::format("{}: image size must be >= 1, got {}x{}", fn, h, w));
  if (!t.defined()) throw std::invalid_argument(fmt::format("{}: {} is an empty tensor handle", fn, name));
  const int n = t.ndim() == 1 ? 1 : t.dim(0);  // a lone (h·w) vector is one image
  const size_t per = t.size() / n, hw = size_t(h) * w;
  if (per != hw && per != 3 * hw)
    throw std::invalid_argument(fmt::format(
        "{}: {} has shape {}, so {} values per image; a {}x{} image needs {} (grayscale) or {} (RGB)", fn, name,
        shape_str(t.shape()), per, h, w, hw, 3 * hw));
  return {n, per == hw ? 1 : 3};
}

// cells[i] is the first value of an image, or nullptr for a blank cell.
Image render_cells(const char* fn, const std::vector<const float*>& cells, int h, int w, int channels, int cols,
                   int scale, const std::vector<std::string>& row_labels,
                   const std::vector<std::string>& col_labels, int block_rows) {
  if (cols < 1) throw std::invalid_argument(fmt::format("{}: cols must be >= 1, got {}", fn, cols));
  if (scale < 1) throw std::invalid_argument(fmt::format("{}: scale must be >= 1, got {}", fn, scale));
  const int n = static_cast<int>(cells.size());
  cols = std::min(cols, n);
  const int rows = (n + cols - 1) / cols;
  if (row_labels.size() > size_t(rows))
    throw std::invalid_argument(
        fmt::format("{}: {} row labels for a grid of {} rows", fn, row_labels.size(), rows));
  if (col_labels.size() > size_t(cols))
    throw std::invalid_argument(
        fmt::format("{}: {} column labels for a grid of {} columns", fn, col_labels.size(), cols));

  const int cell_w = w * scale, cell_h = h * scale;
  int label_w = 0;
  for (const std::string& s : row_labels) label_w = std::max(label_w, text_width(s, kLabelScale));
  if (label_w > 0) label_w += 2 * kLabelPad;
  int title_h = 0;
  for (const std::string& s : col_labels) title_h = std::max(title_h, text_height(s, kLabelScale));
  if (title_h > 0) title_h += kLabelPad;

  // Top edge of each row: a gutter between rows, a wider gap between blocks.
  std::vector<int> row_y(rows);
  int y = title_h + kGutter;
  for (int r = 0; r < rows; ++r) {
    if (r > 0 && block_rows > 0 && r % block_rows == 0) y += kBlockGap;
    row_y[r] = y;
    y += cell_h + kGutter;
  }

  Image img;
  img.width = label_w + kGutter + cols * (cell_w + kGutter);
  img.height = y;
  img.channels = channels;
  img.pixels.assign(size_t(img.width) * img.height * channels, kPaper);

  for (int i = 0; i < n; ++i) {
    if (!cells[i]) continue;
    const int x0 = label_w + kGutter + (i % cols) * (cell_w + kGutter), y0 = row_y[i / cols];
    for (int py = 0; py < cell_h; ++py) {
      const float* src_row = cells[i] + size_t(py / scale) * w * channels;
      uint8_t* dst = &img.pixels[(size_t(y0 + py) * img.width + x0) * channels];
      for (int px = 0; px < cell_w; ++px)
        for (int c = 0; c < channels; ++c) *dst++ = to_byte(src_row[(px / scale) * channels + c]);
    }
  }

  const int glyph_h = text_height("A", kLabelScale);
  for (size_t r = 0; r < row_labels.size(); ++r)
    draw_text(img.pixels, img.width, img.height, kLabelPad, row_y[r] + (cell_h - glyph_h) / 2, row_labels[r],
              kLabelScale, kInk);
  for (size_t c = 0; c < col_labels.size(); ++c) {
    // Cut a title that is wider than its column rather than let it run into the next one.
    const int fits = std::max(1, (cell_w + kGlyphAdvance * kLabelScale - kGlyphWidth * kLabelScale) /
                                     (kGlyphAdvance * kLabelScale));
    const std::string title = col_labels[c].substr(0, size_t(fits));
    const int x0 = label_w + kGutter + int(c) * (cell_w + kGutter);
    draw_text(img.pixels, img.width, img.height, x0 + (cell_w - text_width(title, kLabelScale)) / 2, kGutter,
              title, kLabelScale, kInk);
  }
  return img;
}

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(context);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

Image render_image_grid(const Tensor& images, int h, int w, int cols, int scale,
                        const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels) {
  const Batch b = inspect("render_image_grid", "images", images, h, w);
  const size_t per = size_t(h) * w * b.channels;
  std::vector<const float*> cells(b.n);
  for (int i = 0; i < b.n; ++i) cells[i] = images.data() + i * per;
  return render_cells("render_image_grid", cells, h, w, b.channels, cols, scale, row_labels, col_labels, 0);
}

Image render_comparison_grid(const Tensor& top, const Tensor& bottom, int h, int w, int scale,
                             const std::string& top_label, const std::string& bottom_label, int cols) {
  const char* fn = "render_comparison_grid";
  const Batch bt = inspect(fn, "top", top, h, w);
  inspect(fn, "bottom", bottom, h, w);
  if (top.shape() != bottom.shape())
    throw std::invalid_argument(fmt::format("{}: top has shape {} but bottom has shape {}; they must match", fn,
                                            shape_str(top.shape()), shape_str(bottom.shape())));
  if (cols < 0) throw std::invalid_argument(fmt::format("{}: cols must be >= 0 (0 chooses), got {}", fn, cols));
  if (cols == 0) {
    // Rows of at most kAutoCols pairs, spread evenly so the last block is not a stub.
    const int blocks = (bt.n + kAutoCols - 1) / kAutoCols;
    cols = (bt.n + blocks - 1) / blocks;
  }
  cols = std::min(cols, bt.n);
  const int blocks = (bt.n + cols - 1) / cols;
  const size_t per = size_t(h) * w * bt.channels;
  // Block k is a row of top[k·cols ...] over a row of bottom[k·cols ...]; blanks pad the last.
  std::vector<const float*> cells(size_t(2) * blocks * cols, nullptr);
  std::vector<std::string> labels;
  for (int k = 0; k < blocks; ++k) {
    for (int j = 0; j < cols && k * cols + j < bt.n; ++j) {
      const size_t i = size_t(k) * cols + j;
      cells[size_t(2 * k) * cols + j] = top.data() + i * per;
      cells[size_t(2 * k + 1) * cols + j] = bottom.data() + i * per;
    }
    labels.push_back(top_label);
    labels.push_back(bottom_label);
  }
  return render_cells(fn, cells, h, w, bt.channels, cols, scale, labels, {}, 2);
}

void write_png(const std::string& path, const Image& image) {
  const size_t expected = size_t(std::max(image.width, 0)) * std::max(image.height, 0) * image.channels;
  if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != expected)
    throw std::invalid_argument(fmt::format("write_png {}: inconsistent image {}x{}x{} with {} bytes", path,
                                            image.width, image.height, image.channels, image.pixels.size()));
  std::vector<uint8_t> png;
  if (!stbi_write_png_to_func(append_bytes, &png, image.width, image.height, image.channels, image.pixels.data(),
                              image.width * image.channels))
    throw std::runtime_error(fmt::format("cannot write {}: PNG encoding failed", path));

  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  const bool written = std::fwrite(png.data(), 1, png.size(), f) == png.size();
  const int write_err = errno;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    const int err = !written ? write_err : errno;
    std::remove(path.c_str());  // a truncated PNG would only confuse later
    throw std::runtime_error(fmt::format("cannot write {}: {}", path, std::strerror(err)));
  }
}

void write_image_grid(const std::string& path, const Tensor& images, int h, int w, int cols, int scale,
                      const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels) {
  write_png(path, render_image_grid(images, h, w, cols, scale, row_labels, col_labels));
}

void write_comparison_grid(const std::string& path, const Tensor& top, const Tensor& bottom, int h, int w,
                           int scale, const std::string& top_label, const std::string& bottom_label, int cols) {
  write_png(path, render_comparison_grid(top, bottom, h, w, scale, top_label, bottom_label, cols));
}

}  // namespace aet
