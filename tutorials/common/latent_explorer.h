// latent_explorer.h — tutorial 7's model: a Z = 2 VAE or CVAE read back from a checkpoint,
// and its decoder called on one point of the latent plane.
//
// The same file is compiled twice: into the native library (tutorial 7 and the browser
// test's reference decoder use it) and, with emscripten, into the page's WebAssembly
// (tutorials/07-latent-explorer/wasm/explorer_api.cpp). So the pixels the page draws come
// from the very code and weights the native program runs.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/cvae.h"
#include "models/vae.h"

namespace aet {

struct ExplorerModel {
  std::unique_ptr<VAE> vae;    // set for a checkpoint of tutorial 4
  std::unique_ptr<CVAE> cvae;  // set for a checkpoint of tutorial 5
  int latent = 0, classes = 0, pixels = 0;
  std::string layers;          // one line per layer with its shapes, for the page
  bool conditional() const { return cvae != nullptr; }
};

// Reads `path` with the toolkit's checkpoint loader (nn/checkpoint.h). Which model it is
// follows from the shapes: the decoder's first layer takes Z inputs (VAE) or Z + C (CVAE).
// Throws std::runtime_error with the loader's own message for a damaged file, and says
// so when the file is not a Z = 2 VAE or CVAE (the page draws a 2-D plane).
ExplorerModel load_explorer_model(const std::string& path);

// decode(z) of one point as 28·28 = `pixels` values in (0, 1), row-major. `cls` picks the
// class y for a CVAE (0 .. C−1) and is ignored by a VAE. Tape off.
std::vector<float> explorer_decode(const ExplorerModel& m, float z1, float z2, int cls);

}  // namespace aet
