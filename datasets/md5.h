// md5.h — the MD5 digest (RFC 1321), used only to check downloads against the
// checksums that Fashion-MNIST's README and torchvision publish.
//
// MD5 is broken as a defence against someone forging a file on purpose; here it
// guards against what actually happens to students: a cut download, a proxy's HTML
// error page saved under the data file's name, a flipped bit. It is what the
// publishers give, so it is what we can check.
#pragma once
#include <cstdint>
#include <span>
#include <string>

namespace aet {

// Incremental MD5: update() any number of times, then hex() once.
class Md5 {
 public:
  Md5();
  void update(std::span<const uint8_t> bytes);
  std::string hex();  // 32 lowercase hex digits; the object is spent afterwards

 private:
  void block(const uint8_t* p);  // one 64-byte block into state_
  uint32_t state_[4];
  uint8_t buffer_[64];
  uint64_t length_ = 0;  // bytes seen so far
};

// The MD5 of a string's bytes, as 32 lowercase hex digits.
std::string md5_hex(const std::string& bytes);

// The MD5 of a file's contents. Throws std::runtime_error naming the file if it
// cannot be read.
std::string md5_file(const std::string& path);

// True for exactly 32 hex digits (either case): the form a published MD5 takes.
bool is_md5_hex(const std::string& s);

}  // namespace aet
