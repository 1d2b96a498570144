// checkpoint.cpp — the writer and the validating reader of the format in nn/checkpoint.h.
//
// Both sides go through one small class (Writer / Reader) that moves bytes and keeps the
// running CRC-32, so the checksum covers exactly what was written or read. The reader
// knows how many bytes are left in the file and checks every length against that before
// allocating, so a damaged header produces a message, not a 40 GB allocation.
#include "nn/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "nn/optim.h"

namespace aet {

namespace {

constexpr char kMagic[8] = {'A', 'E', 'T', 'C', 'K', 'P', 'T', '1'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kMaxNameLength = 4096;
constexpr uint32_t kMaxDims = 4;
constexpr bool kLittleEndian = std::endian::native == std::endian::little;

std::atomic<size_t> g_fail_after_bytes{SIZE_MAX};

// Only a big-endian host needs it: the file is little-endian. (maybe_unused: on a
// little-endian host its only call is in a discarded `if constexpr` branch.)
[[maybe_unused]] uint32_t byteswap32(uint32_t x) {
  return (x >> 24) | ((x >> 8) & 0xFF00u) | ((x << 8) & 0xFF0000u) | (x << 24);
}

std::string hex_bytes(const unsigned char* p, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += fmt::format("{}{:02X}", i ? " " : "", p[i]);
  return out;
}

// A few formats students are likely to hand us by mistake, to say what the file is.
const char* guess_format(const unsigned char* p, size_t n) {
  auto starts = [&](std::initializer_list<unsigned char> sig) {
    return n >= sig.size() && std::equal(sig.begin(), sig.end(), p);
  };
  if (starts({0x89, 'P', 'N', 'G'})) return " (a PNG image)";
  if (starts({'P', 'K', 0x03, 0x04})) return " (a zip archive — PyTorch .pt files are zips)";
  if (starts({0x1F, 0x8B})) return " (a gzip file — decompress it first?)";
  return "";
}

// "a, b, c" — at most 10 names, then "and N more".
std::string name_list(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < 10; ++i) out += (i ? ", " : "") + ("'" + names[i] + "'");
  if (names.size() > 10) out += fmt::format(" and {} more", names.size() - 10);
  return names.empty() ? "nothing" : out;
}

void check_name(const std::string& path, const char* what, const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength)
    throw std::invalid_argument(fmt::format(
        "save_checkpoint '{}': a {} name must have 1 to {} bytes, got {} bytes ('{}')", path, what,
        kMaxNameLength, name.size(), name.substr(0, 64)));
}

// ---- writing ----------------------------------------------------------------------------

class Writer {
 public:
  Writer(FILE* f, const std::string& path, const std::string& tmp, size_t fail_after)
      : f_(f), path_(path), tmp_(tmp), fail_after_(fail_after) {}

  void bytes(const void* p, size_t n) {
    if (n > fail_after_ - written_) {  // the test hook: write part of it, then "disk full"
      const size_t part = fail_after_ - written_;
      if (part) std::fwrite(p, 1, part, f_);
      written_ += part;
      fail(ENOSPC, " (simulated by set_checkpoint_fail_after_bytes)");
    }
    if (std::fwrite(p, 1, n, f_) != n) fail(errno, "");
    crc_ = crc32_z(crc_, static_cast<const Bytef*>(p), n);
    written_ += n;
  }
  void u32(uint32_t x) {
    unsigned char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<unsigned char>(x >> (8 * i));
    bytes(b, 4);
  }
  void u64(uint64_t x) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(x >> (8 * i));
    bytes(b, 8);
  }
  void name(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void floats(const float* p, size_t n) {
    if constexpr (kLittleEndian) {
      bytes(p, n * sizeof(float));
    } else {
      for (size_t i = 0; i < n; ++i) u32(std::bit_cast<uint32_t>(p[i]));
    }
  }
  uint32_t crc() const { return static_cast<uint32_t>(crc_); }

  [[noreturn]] void fail(int err, const char* note) const {
    throw std::runtime_error(fmt::format("save_checkpoint: could not write '{}' (to the temporary '{}'): {}{}",
                                         path_, tmp_, std::strerror(err), note));
  }

 private:
  FILE* f_;
  const std::string& path_;
  const std::string& tmp_;
  size_t fail_after_;
  size_t written_ = 0;
  uLong crc_ = crc32_z(0L, Z_NULL, 0);
};

// Owns the temporary file until it is renamed into place; otherwise removes it.
struct TempFile {
  std::string path;
  FILE* f = nullptr;
  bool committed = false;
  ~TempFile() {
    if (f) std::fclose(f);
    if (!committed) std::remove(path.c_str());
  }
};

// ---- reading ----------------------------------------------------------------------------

class Reader {
 public:
  Reader(FILE* f, const std::string& path, uint64_t size) : f_(f), path_(path), size_(size), left_(size) {}

  uint64_t left() const { return left_; }
  uint64_t offset() const { return size_ - left_; }
  uint32_t crc() const { return static_cast<uint32_t>(crc_); }

  // Reads n bytes that the caller has already checked against left().
  void bytes(void* p, size_t n, const std::string& what) {
    if (n > left_) truncated(what);
    if (std::fread(p, 1, n, f_) != n) {
      if (std::ferror(f_)) fail(fmt::format("reading {} failed: {}", what, std::strerror(errno)));
      truncated(what);
    }
    crc_ = crc32_z(crc_, static_cast<const Bytef*>(p), n);
    left_ -= n;
  }
  uint32_t u32(const std::string& what) {
    unsigned char b[4];
    bytes(b, 4, what);
    uint32_t x = 0;
    for (int i = 0; i < 4; ++i) x |= static_cast<uint32_t>(b[i]) << (8 * i);
    return x;
  }
  uint64_t u64(const std::string& what) {
    unsigned char b[8];
    bytes(b, 8, what);
    uint64_t x = 0;
    for (int i = 0; i < 8; ++i) x |= static_cast<uint64_t>(b[i]) << (8 * i);
    return x;
  }
  std::string name(const std::string& what) {
    const uint32_t n = u32("the length of " + what);
    if (n == 0 || n > kMaxNameLength)
      fail(fmt::format("{} has a name length of {} bytes (1 to {} are allowed) — the file is damaged",
                       what, n, kMaxNameLength));
    if (n > left_) truncated(what);  // before allocating: never more than the file holds
    std::string s(n, '\0');
    bytes(s.data(), n, what);
    return s;
  }
  void floats(float* p, size_t n, const std::string& what) {
    bytes(p, n * sizeof(float), what);
    if constexpr (!kLittleEndian)
      for (size_t i = 0; i < n; ++i) p[i] = std::bit_cast<float>(byteswap32(std::bit_cast<uint32_t>(p[i])));
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error(fmt::format("read_checkpoint: '{}': {}", path_, problem));
  }
  [[noreturn]] void truncated(const std::string& what) const {
    fail(fmt::format("the file is truncated: it ends at byte {} while reading {} "
                     "(was the save interrupted, or the copy incomplete?)",
                     size_, what));
  }

 private:
  FILE* f_;
  const std::string& path_;
  uint64_t size_, left_;
  uLong crc_ = crc32_z(0L, Z_NULL, 0);
};

struct FileCloser {
  FILE* f;
  ~FileCloser() {
    if (f) std::fclose(f);
  }
};

std::string where(const Checkpoint& ckpt, const std::string& path_for_messages) {
  if (!path_for_messages.empty()) return path_for_messages;
  return ckpt.source.empty() ? std::string("(in memory)") : ckpt.source;
}

}  // namespace

// ---- Checkpoint lookups ---------------------------------------------------------------------

bool Checkpoint::has_tensor(const std::string& name) const {
  return std::any_of(tensors.begin(), tensors.end(), [&](const NamedTensor& t) { return t.name == name; });
}

bool Checkpoint::has_integer(const std::string& name) const {
  return std::any_of(integers.begin(), integers.end(), [&](const auto& i) { return i.first == name; });
}

const Tensor& Checkpoint::tensor(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.name == name) return t.tensor;
  std::vector<std::string> names;
  for (const auto& t : tensors) names.push_back(t.name);
  throw std::out_of_range(fmt::format("checkpoint '{}' has no tensor '{}' (it has {})", where(*this, ""),
                                      name, name_list(names)));
}

uint64_t Checkpoint::integer(const std::string& name) const {
  for (const auto& i : integers)
    if (i.first == name) return i.second;
  std::vector<std::string> names;
  for (const auto& i : integers) names.push_back(i.first);
  throw std::out_of_range(fmt::format("checkpoint '{}' has no integer '{}' (it has {})", where(*this, ""),
                                      name, name_list(names)));
}

void Checkpoint::set_integer(const std::string& name, uint64_t value) {
  for (auto& i : integers)
    if (i.first == name) {
      i.second = value;
      return;
    }
  integers.emplace_back(name, value);
}

// ---- save -----------------------------------------------------------------------------------

void set_checkpoint_fail_after_bytes(size_t bytes) { g_fail_after_bytes = bytes; }

void save_checkpoint(const std::string& path, const Checkpoint& ckpt) {
  // Check everything that could make the file unreadable before touching the disk.
  std::unordered_set<std::string> seen;
  for (const auto& t : ckpt.tensors) {
    check_name(path, "tensor", t.name);
    if (!seen.insert(t.name).second)
      throw std::invalid_argument(fmt::format(
          "save_checkpoint '{}': two tensors are named '{}'; names must be unique to be loaded by name",
          path, t.name));
    if (!t.tensor.defined())
      throw std::invalid_argument(
          fmt::format("save_checkpoint '{}': tensor '{}' is an empty Tensor handle", path, t.name));
  }
  seen.clear();
  for (const auto& [name, value] : ckpt.integers) {
    check_name(path, "integer", name);
    if (!seen.insert(name).second)
      throw std::invalid_argument(fmt::format("save_checkpoint '{}': two integers are named '{}'", path, name));
  }
  const size_t fail_after = g_fail_after_bytes.exchange(SIZE_MAX);  // the hook is one-shot

  TempFile tmp{path + ".tmp." + std::to_string(::getpid())};
  tmp.f = std::fopen(tmp.path.c_str(), "wb");
  if (!tmp.f) {
    const int err = errno;
    const std::string dir = std::filesystem::path(path).parent_path().string();
    throw std::runtime_error(fmt::format(
        "save_checkpoint: could not write '{}': cannot create '{}': {} (does the directory '{}' exist, "
        "and may you write to it?)",
        path, tmp.path, std::strerror(err), dir.empty() ? "." : dir));
  }

  Writer w(tmp.f, path, tmp.path, fail_after);
  w.bytes(kMagic, sizeof kMagic);
  w.u32(kVersion);
  w.u32(static_cast<uint32_t>(ckpt.tensors.size()));
  for (const auto& t : ckpt.tensors) {
    w.name(t.name);
    w.u32(static_cast<uint32_t>(t.tensor.ndim()));
    for (int d : t.tensor.shape()) w.u32(static_cast<uint32_t>(d));
    w.floats(t.tensor.data(), t.tensor.size());
  }
  w.u32(static_cast<uint32_t>(ckpt.integers.size()));
  for (const auto& [name, value] : ckpt.integers) {
    w.name(name);
    w.u64(value);
  }
  w.u32(w.crc());

  // The data must be on the disk before the rename makes it the checkpoint; otherwise
  // a power cut could leave a renamed but empty file.
  if (std::fflush(tmp.f) != 0 || ::fsync(::fileno(tmp.f)) != 0) w.fail(errno, "");
  const int closed = std::fclose(tmp.f);
  tmp.f = nullptr;
  if (closed != 0) w.fail(errno, "");
  if (std::rename(tmp.path.c_str(), path.c_str()) != 0) {
    const int err = errno;
    throw std::runtime_error(fmt::format("save_checkpoint: could not rename '{}' to '{}': {}", tmp.path,
                                         path, std::strerror(err)));
  }
  tmp.committed = true;

  // Make the rename durable. Best effort: the new file is complete and in place already,
  // and some filesystems refuse fsync on a directory, so a failure here is not an error.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// ---- read -----------------------------------------------------------------------------------

Checkpoint read_checkpoint(const std::string& path) {
  FileCloser file{std::fopen(path.c_str(), "rb")};
  if (!file.f) {
    const int err = errno;
    throw std::runtime_error(fmt::format("read_checkpoint: cannot open '{}': {}", path, std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(::fileno(file.f), &st) != 0)
    throw std::runtime_error(fmt::format("read_checkpoint: cannot stat '{}': {}", path, std::strerror(errno)));
  if (S_ISDIR(st.st_mode))
    throw std::runtime_error(fmt::format("read_checkpoint: '{}' is a directory, not a checkpoint file", path));
  if (st.st_size == 0)
    throw std::runtime_error(fmt::format(
        "read_checkpoint: '{}' is empty (0 bytes) — probably a save that was interrupted", path));

  Reader r(file.f, path, static_cast<uint64_t>(st.st_size));
  unsigned char magic[8] = {};
  const size_t head = static_cast<size_t>(std::min<uint64_t>(8, r.left()));
  r.bytes(magic, head, "the magic");
  if (std::memcmp(magic, kMagic, head) != 0)
    r.fail(fmt::format("not an AET checkpoint: it starts with {}{}, but a checkpoint starts with {} (\"AETCKPT1\")",
                       hex_bytes(magic, head), guess_format(magic, head),
                       hex_bytes(reinterpret_cast<const unsigned char*>(kMagic), 8)));
  if (head < 8) r.truncated("the magic");

  const uint32_t version = r.u32("the format version");
  if (version > kVersion)
    r.fail(fmt::format("written by checkpoint format version {}, this build reads version {} "
                       "(use a newer build of the toolkit)",
                       version, kVersion));
  if (version == 0) r.fail("format version 0 does not exist — the file is damaged");

  Checkpoint ckpt;
  ckpt.source = path;
  std::unordered_set<std::string> seen;
  const uint32_t n_tensors = r.u32("the tensor count");
  for (uint32_t i = 0; i < n_tensors; ++i) {
    const std::string label = fmt::format("tensor {} of {}", i + 1, n_tensors);
    std::string name = r.name("the name of " + label);
    if (!seen.insert(name).second) r.fail(fmt::format("two tensors are named '{}' — the file is damaged", name));
    const std::string what = "tensor '" + name + "'";
    const uint32_t ndim = r.u32("the number of dimensions of " + what);
    if (ndim == 0 || ndim > kMaxDims)
      r.fail(fmt::format("{} has {} dimensions (1 to {} are allowed) — the file is damaged", what, ndim, kMaxDims));
    Shape shape;
    uint64_t count = 1;
    for (uint32_t d = 0; d < ndim; ++d) {
      const uint32_t dim = r.u32("the shape of " + what);
      if (dim == 0 || dim > static_cast<uint32_t>(INT_MAX))
        r.fail(fmt::format("{} has a dimension of {} — the file is damaged", what, dim));
      // count·dim·4 must fit in what is left; checking against left/4 also rules out overflow.
      if (count > r.left() / 4 / dim)
        r.fail(fmt::format("{} claims more values than the {} bytes left in the file can hold — the file "
                           "is truncated or damaged",
                           what, r.left()));
      count *= dim;
      shape.push_back(static_cast<int>(dim));
    }
    Tensor t = Tensor::empty(shape);
    r.floats(t.data(), t.size(), fmt::format("the values of {} {}", what, shape_str(shape)));
    ckpt.tensors.push_back({std::move(name), std::move(t)});
  }

  seen.clear();
  const uint32_t n_integers = r.u32("the integer count");
  for (uint32_t i = 0; i < n_integers; ++i) {
    std::string name = r.name(fmt::format("the name of integer {} of {}", i + 1, n_integers));
    if (!seen.insert(name).second) r.fail(fmt::format("two integers are named '{}' — the file is damaged", name));
    const uint64_t value = r.u64("the value of integer '" + name + "'");
    ckpt.integers.emplace_back(std::move(name), value);
  }

  const uint32_t computed = r.crc();
  const uint32_t stored = r.u32("the checksum");
  if (stored != computed)
    r.fail(fmt::format("checksum mismatch: the file records CRC-32 {:08X} but its contents give {:08X} — the "
                       "file is damaged (a byte changed on disk or in transfer)",
                       stored, computed));
  if (r.left() != 0)
    r.fail(fmt::format("{} unexpected trailing bytes after the end of the checkpoint (at byte {}) — was "
                       "something appended to it?",
                       r.left(), r.offset()));
  return ckpt;
}

// ---- parameters -----------------------------------------------------------------------------

void load_parameters(const Checkpoint& ckpt, const ParamList& into, const std::string& path_for_messages,
                     bool ignore_extra) {
  std::unordered_map<std::string, const Tensor*> in_file;
  for (const auto& t : ckpt.tensors) in_file.emplace(t.name, &t.tensor);

  std::vector<std::string> problems;
  std::unordered_set<std::string> wanted;
  for (const auto& p : into) {
    if (!wanted.insert(p.name).second) {
      problems.push_back(fmt::format("two tensors to load into are both named '{}'", p.name));
      continue;
    }
    auto it = in_file.find(p.name);
    if (it == in_file.end())
      problems.push_back(fmt::format("checkpoint has no tensor '{}'", p.name));
    else if (it->second->shape() != p.tensor.shape())
      problems.push_back(fmt::format("{}: file has {}, model expects {}", p.name, shape_str(it->second->shape()),
                                     shape_str(p.tensor.shape())));
  }
  if (!ignore_extra)
    for (const auto& t : ckpt.tensors)
      if (!wanted.count(t.name)) problems.push_back(fmt::format("unexpected tensor in file: '{}'", t.name));

  if (!problems.empty()) {
    std::string msg = fmt::format("load_parameters: checkpoint '{}' does not fit ({} problem{}):",
                                  where(ckpt, path_for_messages), problems.size(), problems.size() == 1 ? "" : "s");
    for (const auto& p : problems) msg += "\n  " + p;
    throw std::runtime_error(msg);
  }
  // Everything fits: only now change the model, so a failed load leaves it untouched.
  for (const auto& p : into) {
    const Tensor& src = *in_file.at(p.name);
    if (src.same_as(p.tensor)) continue;
    Tensor dst = p.tensor;
    std::memcpy(dst.data(), src.data(), src.size() * sizeof(float));
  }
}

void save_parameters(const std::string& path, const ParamList& params) {
  Checkpoint ckpt;
  ckpt.tensors = params;
  save_checkpoint(path, ckpt);
}

void load_parameters(const std::string& path, const ParamList& into) {
  load_parameters(read_checkpoint(path), into, path);
}

// ---- Rng ------------------------------------------------------------------------------------

void add_rng_state(Checkpoint& ckpt, const std::string& prefix, const Rng& rng) {
  const Rng::State st = rng.state();
  for (int i = 0; i < 4; ++i) ckpt.set_integer(prefix + ".s" + std::to_string(i), st.s[i]);
  ckpt.set_integer(prefix + ".spare", std::bit_cast<uint32_t>(st.spare));
  ckpt.set_integer(prefix + ".has_spare", st.has_spare);
}

void restore_rng_state(const Checkpoint& ckpt, const std::string& prefix, Rng& rng) {
  Rng::State st{};
  for (int i = 0; i < 4; ++i) st.s[i] = ckpt.integer(prefix + ".s" + std::to_string(i));
  const uint64_t spare = ckpt.integer(prefix + ".spare");
  const uint64_t has_spare = ckpt.integer(prefix + ".has_spare");
  if (spare > UINT32_MAX || has_spare > 1)
    throw std::runtime_error(fmt::format("restore_rng_state: checkpoint '{}' holds an impossible state for "
                                         "'{}' (spare {}, has_spare {})",
                                         where(ckpt, ""), prefix, spare, has_spare));
  if (st.s[0] == 0 && st.s[1] == 0 && st.s[2] == 0 && st.s[3] == 0)
    throw std::runtime_error(fmt::format(
        "restore_rng_state: checkpoint '{}' holds an all-zero state for '{}', which xoshiro256** never "
        "leaves (it would produce only zeros)",
        where(ckpt, ""), prefix));
  st.spare = std::bit_cast<float>(static_cast<uint32_t>(spare));
  st.has_spare = static_cast<uint32_t>(has_spare);
  rng.set_state(st);
}

// ---- Optimizer ------------------------------------------------------------------------------

void add_optimizer_state(Checkpoint& ckpt, const Optimizer& opt) {
  for (const auto& s : opt.state()) ckpt.tensors.push_back(s);
  ckpt.set_integer(std::string(opt.kind()) + ".steps", static_cast<uint64_t>(opt.steps()));
}

void restore_optimizer_state(const Checkpoint& ckpt, Optimizer& opt) {
  const std::string key = std::string(opt.kind()) + ".steps";
  const uint64_t steps = ckpt.integer(key);
  if (steps > static_cast<uint64_t>(INT64_MAX))
    throw std::runtime_error(
        fmt::format("restore_optimizer_state: checkpoint '{}' has an impossible '{}' = {}", where(ckpt, ""), key, steps));
  load_parameters(ckpt, opt.state(), "", /*ignore_extra=*/true);
  opt.set_steps(static_cast<int64_t>(steps));
}

}  // namespace aet
