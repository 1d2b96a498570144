// image_grid.h — pictures of many small images at once: samples, reconstructions,
// latent-space walks. Tutorials write them to out/*.png so a student can look.
//
//   write_image_grid("out/samples.png", x, 28, 28, /*cols=*/10);        // x (N,784)
//   write_comparison_grid("out/recon.png", x, x_hat, 28, 28);             // x above x_hat
//
// Every image is upscaled by nearest neighbour (`scale` × `scale` screen pixels per image
// pixel) so a 28×28 image is visible on a modern screen, separated from its neighbours by
// a white gutter, and its values are clamped to [0,1] (0 is black). An image is a row of
// h·w values (grayscale) or h·w·3 values (RGB, interleaved r,g,b per pixel, row-major);
// which one is read from the tensor's size. Labels use the embedded bitmap font at 2×.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "autograd/tensor.h"

namespace aet {

// An 8-bit picture in memory: row-major, `channels` (1 gray or 3 RGB) bytes per pixel.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 1;
  std::vector<uint8_t> pixels;  // width · height · channels bytes
};

// Lays out images (N, h·w) or (N, h·w·3) — any shape whose first dimension is N — in a
// grid of `cols` columns (fewer if N < cols), filled row by row. row_labels[i], if given,
// is drawn left of row i; col_labels[j], if given, above column j (cut to the column's
// width). Throws std::invalid_argument on inconsistent sizes or more labels than rows or
// columns.
Image render_image_grid(const Tensor& images, int h, int w, int cols, int scale = 3,
                        const std::vector<std::string>& row_labels = {},
                        const std::vector<std::string>& col_labels = {});

// Encodes `image` as PNG and writes it to `path` (the directory must exist). Throws
// std::runtime_error "cannot write <path>: <reason>" if the file cannot be written.
void write_png(const std::string& path, const Image& image);

// render_image_grid followed by write_png.
void write_image_grid(const std::string& path, const Tensor& images, int h, int w, int cols, int scale = 3,
                      const std::vector<std::string>& row_labels = {},
                      const std::vector<std::string>& col_labels = {});

// Originals above their reconstructions: `top` and `bottom` have the same shape (N, ...);
// image i of `bottom` sits directly below image i of `top`. The pairs wrap into blocks of
// two rows, `cols` pairs per block (0 chooses: at most 16, blocks evenly filled, so 20
// pairs make 2 blocks of 10), with a wider gap between blocks and each row labelled.
Image render_comparison_grid(const Tensor& top, const Tensor& bottom, int h, int w, int scale = 3,
                             const std::string& top_label = "original",
                             const std::string& bottom_label = "reconstructed", int cols = 0);
void write_comparison_grid(const std::string& path, const Tensor& top, const Tensor& bottom, int h, int w,
                           int scale = 3, const std::string& top_label = "original",
                           const std::string& bottom_label = "reconstructed", int cols = 0);

}  // namespace aet
