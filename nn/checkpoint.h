// checkpoint.h — saving and loading named tensors and integers: model weights, optimizer
// state, the epoch, RNG state — everything needed to resume a run bit-identically.
//
// A checkpoint is a flat list of named tensors (the same names as Module::parameters()
// and Optimizer::state()) plus a list of named unsigned 64-bit integers. Values are
// matched BY NAME on loading, so a model that changed shape is caught with a message
// naming the tensor and both shapes instead of silently reading garbage.
//
// File format, version 1. All integers and floats are little-endian.
//
//   offset  bytes       field
//   0       8           magic, the ASCII bytes "AETCKPT1"
//   8       4           u32 format version = 1
//   12      4           u32 T = number of tensors
//           then T times:
//             4         u32 L = name length in bytes, 1..4096
//             L         name (UTF-8, no terminating zero), unique among the tensors
//             4         u32 ndim, 1..4
//             4·ndim    u32 dims, each >= 1 (row-major, outermost first)
//             4·n       float32 values, n = product of dims
//   .       4           u32 I = number of integers
//           then I times:
//             4         u32 L = name length, 1..4096
//             L         name, unique among the integers
//             8         u64 value
//   end−4   4           u32 CRC-32 (zlib crc32(), the ISO-HDLC / PNG polynomial) of ALL
//                       preceding bytes, magic and version included
//
// The file ends right after the CRC. A reader checks the magic, then the version, then
// every length against the bytes that remain (it allocates only what the file can
// actually hold), then the CRC, then that nothing follows it.
//
// Saving is crash-safe: the bytes go to "<path>.tmp.<pid>" in the same directory, which
// is flushed, fsync'ed and renamed over <path> (rename is atomic on POSIX), and then the
// directory is fsync'ed so the rename itself survives a power cut. A crash or a full
// disk midway leaves the previous checkpoint untouched.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "autograd/random.h"
#include "nn/module.h"

namespace aet {

class Optimizer;

struct Checkpoint {
  ParamList tensors;
  std::vector<std::pair<std::string, uint64_t>> integers;
  // The file it was read from ("" if built in memory): every error message names it.
  std::string source;

  // Lookups by name; throw std::out_of_range naming the checkpoint, the missing name and
  // the names it does have.
  const Tensor& tensor(const std::string& name) const;
  uint64_t integer(const std::string& name) const;
  bool has_tensor(const std::string& name) const;
  bool has_integer(const std::string& name) const;
  // Adds an integer, or replaces the value of one with that name.
  void set_integer(const std::string& name, uint64_t value);
};

// Writes `ckpt` to `path` crash-safely (see the top of this file). Throws
// std::invalid_argument for a checkpoint that cannot be written (an empty, too long or
// repeated name, an empty tensor handle) and std::runtime_error naming the path and the
// system's reason when the file cannot be written (missing directory, no permission,
// disk full). After a failure the temporary file is gone and `path` is as it was.
void save_checkpoint(const std::string& path, const Checkpoint& ckpt);

// Reads and validates a checkpoint. Throws std::runtime_error whose message names the
// file and the problem: missing, empty, not a checkpoint, a newer format version,
// truncated (saying what was being read), an impossible size, a duplicate name, a
// checksum mismatch, or bytes after the end.
Checkpoint read_checkpoint(const std::string& path);

// Copies the checkpoint's values into the existing tensors `into`, matched by name.
// Every problem is collected and reported in one std::runtime_error, one per line:
//   checkpoint has no tensor 'decoder.2.weight'
//   encoder.0.weight: file has (512,784), model expects (400,784)
//   unexpected tensor in file: 'extra.bias'
// and nothing is copied unless everything fits. With ignore_extra, tensors in the file
// that `into` does not name are allowed (e.g. restoring only the optimizer from a
// checkpoint that also holds the model). path_for_messages defaults to ckpt.source.
void load_parameters(const Checkpoint& ckpt, const ParamList& into,
                     const std::string& path_for_messages = "", bool ignore_extra = false);

// The simple case: a file holding exactly these tensors and nothing else.
void save_parameters(const std::string& path, const ParamList& params);
void load_parameters(const std::string& path, const ParamList& into);

// Rng state as integers "<prefix>.s0".."<prefix>.s3", "<prefix>.spare" (the float's bit
// pattern, so it round-trips exactly) and "<prefix>.has_spare".
void add_rng_state(Checkpoint& ckpt, const std::string& prefix, const Rng& rng);
void restore_rng_state(const Checkpoint& ckpt, const std::string& prefix, Rng& rng);

// Optimizer state: its state() tensors (handles, not copies: save before the next step)
// and the integer "<kind>.steps". Restoring copies the values into the optimizer's own
// buffers and sets steps(); the optimizer must have been built with the same parameters.
void add_optimizer_state(Checkpoint& ckpt, const Optimizer& opt);
void restore_optimizer_state(const Checkpoint& ckpt, Optimizer& opt);

// Test hook: make the NEXT save_checkpoint fail (as if the disk were full) after writing
// `bytes` bytes of the temporary file. Used by the tests to show that a failed save
// leaves the previous checkpoint intact. Applies to one save only.
void set_checkpoint_fail_after_bytes(size_t bytes);

}  // namespace aet
