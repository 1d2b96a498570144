// crc32.h — CRC-32 (ISO-HDLC, the polynomial of zlib, PNG and the checkpoint format), bit by
// bit over a 256-entry table. Used by the WebAssembly build in place of zlib's crc32_z
// (include/zlib.h); tests/test_checkpoint.cpp checks it against zlib.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

namespace aet {

// crc = crc32_update(crc, bytes, n) continues a running CRC; start from 0.
inline uint32_t crc32_update(uint32_t crc, const unsigned char* bytes, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;  // reflected 0x04C11DB7
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ bytes[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

}  // namespace aet
