// zlib.h for the WebAssembly build only — the one zlib function the checkpoint loader
// calls (crc32_z, nn/checkpoint.cpp), so the loader compiles unchanged under emscripten
// without its zlib port (which emscripten downloads on first use; these machines are
// offline). The native build never sees this folder and uses the real zlib.
#pragma once
#include <cstddef>

#include "tutorials/07-latent-explorer/wasm/crc32.h"

using uLong = unsigned long;
using Bytef = unsigned char;
inline constexpr std::nullptr_t Z_NULL = nullptr;

inline uLong crc32_z(uLong crc, const Bytef* buf, size_t len) {
  return buf == nullptr ? 0 : aet::crc32_update(static_cast<uint32_t>(crc), buf, len);
}
