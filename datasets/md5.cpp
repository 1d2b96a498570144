// md5.cpp — RFC 1321, written from the RFC's description: 64-byte blocks, four rounds
// of sixteen steps each, little-endian words, the length in bits appended at the end.
#include "datasets/md5.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace aet {

namespace {

// Per-step left-rotation amounts (RFC 1321 §3.4), four per round.
constexpr int kShift[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

// K[i] = floor(2^32 · |sin(i + 1)|), the RFC's table T.
constexpr uint32_t kSine[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};

uint32_t rotl(uint32_t x, int s) { return (x << s) | (x >> (32 - s)); }

}  // namespace

Md5::Md5() : state_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476}, buffer_{} {}

void Md5::block(const uint8_t* p) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i)
    m[i] = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 | uint32_t(p[4 * i + 3]) << 24;
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  for (int i = 0; i < 64; ++i) {
    // Each round mixes b, c, d with its own function and visits the words in its own order.
    uint32_t f;
    int g;
    switch (i / 16) {
      case 0: f = (b & c) | (~b & d); g = i; break;
      case 1: f = (d & b) | (~d & c); g = (5 * i + 1) % 16; break;
      case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16; break;
      default: f = c ^ (b | ~d); g = (7 * i) % 16; break;
    }
    const uint32_t next = b + rotl(a + f + kSine[i] + m[g], kShift[i / 16][i % 4]);
    a = d;
    d = c;
    c = b;
    b = next;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void Md5::update(std::span<const uint8_t> bytes) {
  size_t used = length_ % 64;
  length_ += bytes.size();
  size_t i = 0;
  if (used > 0) {  // top up a partly filled block first
    const size_t take = std::min(bytes.size(), 64 - used);
    std::memcpy(buffer_ + used, bytes.data(), take);
    i = take;
    if (used + take < 64) return;
    block(buffer_);
  }
  for (; i + 64 <= bytes.size(); i += 64) block(bytes.data() + i);
  std::memcpy(buffer_, bytes.data() + i, bytes.size() - i);
}

std::string Md5::hex() {
  // Padding: one 1 bit, zeros up to 56 bytes mod 64, then the message length in bits.
  const uint64_t bits = length_ * 8;
  uint8_t pad[72] = {0x80};
  const size_t used = length_ % 64;
  const size_t pad_len = used < 56 ? 56 - used : 120 - used;
  for (int k = 0; k < 8; ++k) pad[pad_len + k] = static_cast<uint8_t>(bits >> (8 * k));
  update(std::span<const uint8_t>(pad, pad_len + 8));
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (uint32_t w : state_)
    for (int k = 0; k < 4; ++k) {
      const uint8_t byte = static_cast<uint8_t>(w >> (8 * k));
      out += digits[byte >> 4];
      out += digits[byte & 15];
    }
  return out;
}

std::string md5_hex(const std::string& bytes) {
  Md5 h;
  h.update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return h.hex();
}

std::string md5_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
  Md5 h;
  std::vector<uint8_t> buf(1 << 16);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) h.update(std::span<const uint8_t>(buf.data(), n));
  const bool failed = std::ferror(f);
  std::fclose(f);
  if (failed) throw std::runtime_error("error while reading " + path);
  return h.hex();
}

bool is_md5_hex(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  return true;
}

}  // namespace aet
