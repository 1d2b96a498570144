// explorer_api.cpp — the page's door into the toolkit: a few C functions the JavaScript of
// page/explorer.js calls (through emscripten's ccall), over tutorials/common/latent_explorer.h.
//
// Two model slots: 0 for the VAE of tutorial 4, 1 for the CVAE of tutorial 5. The page
// writes a checkpoint's bytes into emscripten's in-memory file system and calls
// aet_load(slot, path); the C++ loader reads it exactly as the native programs do. Errors
// cross the border as text: aet_load returns 0 and aet_error() holds the loader's message.
#include <emscripten/emscripten.h>

#include <exception>
#include <string>
#include <vector>

#include "autograd/thread_pool.h"
#include "tutorials/common/latent_explorer.h"

namespace {

aet::ExplorerModel g_models[2];
std::string g_error;
std::vector<float> g_image;  // the last decode, read by JavaScript from the wasm heap

bool valid_slot(int slot) {
  if (slot == 0 || slot == 1) return true;
  g_error = "slot " + std::to_string(slot) + " is not 0 (VAE) or 1 (CVAE)";
  return false;
}

}  // namespace

extern "C" {

// Returns 1 when the checkpoint at `path` (in emscripten's file system) is loaded into
// `slot`, else 0 with the message in aet_error(); the slot keeps its previous model then.
EMSCRIPTEN_KEEPALIVE int aet_load(int slot, const char* path) {
  if (!valid_slot(slot)) return 0;
  aet::set_num_threads(1);  // a page without SharedArrayBuffer has one thread: the pool runs serially
  try {
    aet::ExplorerModel m = aet::load_explorer_model(path);
    if (m.conditional() != (slot == 1))
      throw std::runtime_error(std::string(path) + ": this is a " + (m.conditional() ? "CVAE" : "VAE") +
                               " checkpoint, but it was loaded as the " + (slot == 1 ? "CVAE" : "VAE"));
    g_models[slot] = std::move(m);
    g_error.clear();
    return 1;
  } catch (const std::exception& e) {
    g_error = e.what();
    return 0;
  }
}

EMSCRIPTEN_KEEPALIVE const char* aet_error() { return g_error.c_str(); }
EMSCRIPTEN_KEEPALIVE const char* aet_layers(int slot) { return valid_slot(slot) ? g_models[slot].layers.c_str() : ""; }
EMSCRIPTEN_KEEPALIVE int aet_classes(int slot) { return valid_slot(slot) ? g_models[slot].classes : 0; }
EMSCRIPTEN_KEEPALIVE int aet_pixels(int slot) { return valid_slot(slot) ? g_models[slot].pixels : 0; }

// decode(z) for the model in `slot` (class `cls` for the CVAE): a pointer to aet_pixels()
// floats in (0, 1) inside the wasm heap, valid until the next call; 0 on an error.
EMSCRIPTEN_KEEPALIVE const float* aet_decode(int slot, float z1, float z2, int cls) {
  if (!valid_slot(slot)) return nullptr;
  if (g_models[slot].pixels == 0) {
    g_error = "no model is loaded in slot " + std::to_string(slot);
    return nullptr;
  }
  try {
    g_image = aet::explorer_decode(g_models[slot], z1, z2, cls);
    return g_image.data();
  } catch (const std::exception& e) {
    g_error = e.what();
    return nullptr;
  }
}

}  // extern "C"
