// idx.h — reading the IDX files that MNIST and Fashion-MNIST are distributed in.
//
// An IDX file is a tiny big-endian header followed by raw bytes:
//   00 00 | element type (08 = unsigned byte) | ndim | ndim × uint32 sizes | data
// Image files have 3 dimensions (count, height, width), label files 1 (count).
// The files usually arrive gzip-compressed; we recognise gzip by its magic bytes
// (1f 8b), not by the file name, and decompress while reading.
//
// A damaged or wrong file (truncated download, extra bytes, a PNG or an HTML error
// page saved under the IDX name, a label file passed where images were expected)
// ends in a std::runtime_error that names the file and says what is wrong, never in
// a crash or a silently wrong dataset. The datasets/ loaders build on these readers.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace aet {

// The decoded contents of one IDX file.
struct IdxArray {
  std::vector<int> dims;      // e.g. {60000, 28, 28}; every entry >= 1
  std::vector<uint8_t> data;  // row-major, product of dims bytes
};

// A forged or corrupt header could claim terabytes; we refuse anything above this
// (MNIST's largest file holds 47 MB, EMNIST's about 550 MB).
inline constexpr uint64_t kMaxIdxBytes = uint64_t{2} << 30;  // 2 GiB

// Any unsigned-byte IDX file, raw or gzip-compressed. Throws std::runtime_error.
IdxArray read_idx(const std::string& path);

// An image file: dims are (N, height, width). Throws if the file has another rank,
// with a hint when it looks like a label file instead.
IdxArray read_idx_images(const std::string& path);

// A label file: N labels, each checked to lie in [0, num_classes).
// Throws std::invalid_argument for num_classes outside [1, 256], std::runtime_error
// for a bad file or an out-of-range label.
std::vector<int> read_idx_labels(const std::string& path, int num_classes);

}  // namespace aet
