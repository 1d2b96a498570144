// idx.cpp — the IDX reader: a byte stream (raw or gunzipped), then header checks,
// then the payload read in chunks so a lying header cannot make us allocate first.
#include "datasets/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace aet {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

// Deflate cannot expand data by more than about 1032:1, so a gzip file of S bytes
// decompresses to at most this many. It bounds what we reserve for a claimed size.
constexpr uint64_t kMaxDeflateRatio = 1032;
// Payload is read this much at a time; big chunks keep zlib's inner loop hot.
constexpr size_t kChunk = size_t{16} << 20;

// The file's bytes, decompressed on the fly when it starts with the gzip magic.
// read() returns fewer bytes than asked only at the end of the data.
class ByteStream {
 public:
  explicit ByteStream(const std::string& path) : path_(path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, expected an IDX file");
    f_ = std::fopen(path.c_str(), "rb");
    if (!f_) fail(path, std::string("cannot open (") + std::strerror(errno) + ")");
    file_size_ = std::filesystem::file_size(path, ec);
    if (ec) file_size_ = 0;

    unsigned char magic[2] = {0, 0};
    const size_t n = std::fread(magic, 1, 2, f_);
    gzip_ = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (gzip_) {
      // Hand the two bytes we peeked at to zlib; 16 + MAX_WBITS means "gzip wrapper".
      in_.resize(size_t{1} << 20);
      in_[0] = magic[0];
      in_[1] = magic[1];
      z_.next_in = in_.data();
      z_.avail_in = 2;
      if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail(path, "zlib could not start decompressing");
    } else {
      std::rewind(f_);
    }
  }
  ~ByteStream() {
    if (gzip_) inflateEnd(&z_);
    if (f_) std::fclose(f_);
  }
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  bool gzip() const { return gzip_; }
  // An upper bound on how many bytes read() can ever return.
  uint64_t max_content_bytes() const { return gzip_ ? file_size_ * kMaxDeflateRatio : file_size_; }

  size_t read(uint8_t* dst, size_t n) {
    if (!gzip_) {
      const size_t got = std::fread(dst, 1, n, f_);
      if (got < n && std::ferror(f_)) fail(path_, std::string("read error (") + std::strerror(errno) + ")");
      return got;
    }
    size_t total = 0;
    while (total < n && !finished_) {
      // zlib counts in 32-bit unsigned; our chunks are far smaller, but stay safe.
      const size_t want = std::min<size_t>(n - total, 1u << 30);
      z_.next_out = dst + total;
      z_.avail_out = static_cast<uInt>(want);
      inflate_into_output();
      total += want - z_.avail_out;
    }
    return total;
  }

 private:
  // Runs inflate until the output window is full or the gzip data ends.
  void inflate_into_output() {
    while (z_.avail_out > 0) {
      if (z_.avail_in == 0 && !refill()) {
        if (members_ > 0 && at_member_start_) {
          finished_ = true;  // clean end after a complete gzip member
          return;
        }
        fail(path_, "gzip stream ends early after " + std::to_string(decoded()) +
                        " decompressed bytes: the file is cut short (an interrupted download?); "
                        "delete it and download it again");
      }
      at_member_start_ = false;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        // `cat a.gz b.gz` is a valid gzip file, so another member may follow.
        ++members_;
        at_member_start_ = true;
        earlier_members_out_ += z_.total_out;
        inflateReset(&z_);
        continue;
      }
      if (rc == Z_OK || rc == Z_BUF_ERROR) continue;  // Z_BUF_ERROR: needs more input
      if (rc == Z_MEM_ERROR) throw std::bad_alloc();
      const std::string why = z_.msg ? z_.msg : "error " + std::to_string(rc);
      if (members_ > 0)
        fail(path_, "unexpected bytes after the end of the gzip stream (" + why +
                        "); the file is damaged, delete it and download it again");
      fail(path_, "corrupt gzip data (" + why + ") after " + std::to_string(decoded()) +
                      " decompressed bytes; the file is damaged, delete it and download it again");
    }
  }

  // Bytes decompressed so far (inflateReset zeroes total_out between members).
  uint64_t decoded() const { return earlier_members_out_ + z_.total_out; }

  bool refill() {
    const size_t got = std::fread(in_.data(), 1, in_.size(), f_);
    if (got == 0 && std::ferror(f_)) fail(path_, std::string("read error (") + std::strerror(errno) + ")");
    z_.next_in = in_.data();
    z_.avail_in = static_cast<uInt>(got);
    return got > 0;
  }

  const std::string& path_;
  std::FILE* f_ = nullptr;
  uint64_t file_size_ = 0;
  bool gzip_ = false;
  z_stream z_{};
  std::vector<uint8_t> in_;
  int members_ = 0;               // complete gzip members decoded so far
  uint64_t earlier_members_out_ = 0;
  bool at_member_start_ = false;  // true between members (or at the very end)
  bool finished_ = false;
};

std::string hex_bytes(const uint8_t* p, size_t n) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", p[i]);
    if (i) s += ' ';
    s += buf;
  }
  return s;
}

// The first bytes are not 00 00: say what the file probably is instead.
[[noreturn]] void fail_foreign(const std::string& path, const uint8_t* p, size_t n) {
  auto starts = [&](std::initializer_list<uint8_t> sig) {
    return n >= sig.size() && std::equal(sig.begin(), sig.end(), p);
  };
  if (starts({0x89, 'P', 'N', 'G'})) fail(path, "is a PNG image, not an IDX file");
  if (starts({0xff, 0xd8, 0xff})) fail(path, "is a JPEG image, not an IDX file");
  if (starts({'P', 'K', 3, 4})) fail(path, "is a zip archive, not an IDX file; unzip it first");
  if (starts({0x1f, 0x8b})) fail(path, "is gzip-compressed twice; gunzip it once and try again");
  if (starts({'B', 'Z', 'h'})) fail(path, "is bzip2-compressed; only raw or gzip IDX files are read");
  if (starts({0xfd, '7', 'z', 'X', 'Z', 0})) fail(path, "is xz-compressed; only raw or gzip IDX files are read");
  if (n >= 4 && p[0] == 0x08 && (p[1] == 1 || p[1] == 3) && p[2] == 0 && p[3] == 0)
    fail(path, "has its header bytes reversed (" + hex_bytes(p, 4) +
                   "): it was written little-endian, but IDX is big-endian");
  const bool text = std::all_of(p, p + n, [](uint8_t c) { return c == '\t' || c == '\n' || c == '\r' || (c >= 32 && c < 127); });
  if (text) {
    std::string start(reinterpret_cast<const char*>(p), std::min<size_t>(n, 24));
    std::replace_if(start.begin(), start.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
    const bool html = start.find('<') != std::string::npos;
    fail(path, std::string("is a text file, not an IDX file (it starts with \"") + start + "\")" +
                   (html ? "; an HTML page usually means the download failed" : ""));
  }
  fail(path, "does not start with an IDX header: first bytes are " + hex_bytes(p, std::min<size_t>(n, 4)) +
                 ", expected 00 00 08 followed by the dimension count");
}

std::string dims_str(const std::vector<int>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "×" : "") + std::to_string(dims[i]);
  return s;
}

const char* element_type_name(uint8_t t) {
  switch (t) {
    case 0x09: return "signed byte";
    case 0x0B: return "16-bit integer";
    case 0x0C: return "32-bit integer";
    case 0x0D: return "32-bit float";
    case 0x0E: return "64-bit float";
    default: return nullptr;
  }
}

uint32_t big_endian_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// expect_ndim: 0 accepts any rank; 3 (images) or 1 (labels) checks it before the
// payload is read, so passing the wrong file fails at once with a useful hint.
IdxArray read_idx_checked(const std::string& path, int expect_ndim) {
  ByteStream in(path);
  const char* source = in.gzip() ? "decompressed file" : "file";

  // --- magic: 00 00 type ndim ------------------------------------------------
  uint8_t head[64];
  size_t got = in.read(head, 4);
  if (got == 0) fail(path, std::string("is empty (the ") + source + " has 0 bytes), expected an IDX file");
  if (head[0] != 0 || (got > 1 && head[1] != 0)) {
    got += in.read(head + got, sizeof head - got);  // a longer look to name the format
    fail_foreign(path, head, got);
  }
  if (got < 4)
    fail(path, "truncated header: an IDX file starts with 4 bytes (00 00 type ndim), the " +
                   std::string(source) + " has only " + std::to_string(got));
  const uint8_t type = head[2];
  const int ndim = head[3];
  if (type != 0x08) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", type);
    if (const char* name = element_type_name(type))
      fail(path, std::string("unsupported element type ") + hex + " (" + name +
                     "); this reader handles only 0x08 (unsigned byte), the type MNIST and Fashion-MNIST use");
    fail(path, std::string("unknown element type ") + hex +
                   " (IDX types are 0x08, 0x09, 0x0B-0x0E); this is probably not an IDX file");
  }
  if (ndim == 0) fail(path, "header says the array has 0 dimensions; an IDX file needs at least 1");

  // --- dimensions: ndim big-endian uint32 ------------------------------------
  const size_t header_bytes = 4 + 4 * static_cast<size_t>(ndim);
  std::vector<uint8_t> dim_bytes(4 * static_cast<size_t>(ndim));
  got = in.read(dim_bytes.data(), dim_bytes.size());
  if (got < dim_bytes.size())
    fail(path, "truncated header: " + std::to_string(ndim) + " dimensions need a " + std::to_string(header_bytes) +
                   "-byte header, the " + source + " has only " + std::to_string(4 + got) + " bytes");
  IdxArray out;
  uint64_t total = 1;
  for (int i = 0; i < ndim; ++i) {
    const uint32_t d = big_endian_u32(&dim_bytes[4 * static_cast<size_t>(i)]);
    if (d > static_cast<uint32_t>(INT32_MAX))
      fail(path, "dimension " + std::to_string(i) + " is " + std::to_string(d) + ", too large (the header is probably corrupt)");
    out.dims.push_back(static_cast<int>(d));
  }
  for (int i = 0; i < ndim; ++i)
    if (out.dims[i] == 0)
      fail(path, "dimension " + std::to_string(i) + " of " + dims_str(out.dims) +
                     " is 0; every size in an IDX header must be at least 1");

  if (expect_ndim == 3 && ndim != 3)
    fail(path, "has " + std::to_string(ndim) + (ndim == 1 ? " dimension" : " dimensions") + " (" +
                   dims_str(out.dims) + ")" + (ndim == 1 ? ": this looks like a label file" : "") +
                   ", expected an image file (3 dimensions: count×height×width)");
  if (expect_ndim == 1 && ndim != 1)
    fail(path, "has " + std::to_string(ndim) + " dimensions (" + dims_str(out.dims) + ")" +
                   (ndim == 3 ? ": this looks like an image file" : "") + ", expected a label file (1 dimension)");

  for (int d : out.dims) {
    total *= static_cast<uint64_t>(d);  // each d < 2^31 and total <= 2^31 here: no overflow
    if (total > kMaxIdxBytes)
      fail(path, "header claims " + dims_str(out.dims) + " bytes, more than the " +
                     std::to_string(kMaxIdxBytes >> 30) + " GiB this reader accepts (the header is probably corrupt)");
  }

  // --- payload, read in chunks ------------------------------------------------
  // Reserve no more than the file could possibly hold, so a forged header on a
  // small file costs at most one chunk before we notice the data runs out.
  const char* what = ndim == 3 ? "pixels" : ndim == 1 ? "labels" : "data";
  const uint64_t can_hold = in.max_content_bytes() > header_bytes ? in.max_content_bytes() - header_bytes : 0;
  out.data.reserve(static_cast<size_t>(std::min<uint64_t>(total, can_hold)));
  size_t have = 0;
  while (have < total) {
    const size_t want = std::min<size_t>(kChunk, static_cast<size_t>(total) - have);
    out.data.resize(have + want);
    const size_t n = in.read(out.data.data() + have, want);
    have += n;
    if (n < want)
      fail(path, "truncated: header says " + dims_str(out.dims) + " = " + std::to_string(total) + " bytes of " + what +
                     ", " + source + " has " + std::to_string(have) + " after the " + std::to_string(header_bytes) +
                     "-byte header");
  }

  // --- nothing may follow -----------------------------------------------------
  uint64_t extra = 0;
  std::vector<uint8_t> scratch(1 << 16);
  while (const size_t n = in.read(scratch.data(), scratch.size())) extra += n;
  if (extra > 0)
    fail(path, "has " + std::to_string(extra) + " unexpected trailing bytes after the " + std::to_string(total) +
                   " bytes of " + what + " the header announces (sizes " + dims_str(out.dims) +
                   "); the header's sizes are wrong or two files were joined");
  return out;
}

}  // namespace

IdxArray read_idx(const std::string& path) { return read_idx_checked(path, 0); }

IdxArray read_idx_images(const std::string& path) { return read_idx_checked(path, 3); }

std::vector<int> read_idx_labels(const std::string& path, int num_classes) {
  if (num_classes < 1 || num_classes > 256)
    throw std::invalid_argument("read_idx_labels: num_classes must be in [1, 256] (labels are bytes), got " +
                                std::to_string(num_classes));
  const IdxArray a = read_idx_checked(path, 1);
  std::vector<int> labels(a.data.begin(), a.data.end());
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= num_classes)
      fail(path, "label " + std::to_string(labels[i]) + " at index " + std::to_string(i) + " is outside [0," +
                     std::to_string(num_classes) + ")");
  return labels;
}

}  // namespace aet
