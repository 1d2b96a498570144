// native_decode.cpp — the browser test's reference: the native build of the explorer's
// decoder (tutorials/common/latent_explorer.h) on the same checkpoint and the same codes
// the page is given, printed as JSON with every float written in full (9 significant
// digits round-trip a float32).
//
//   native_decode CHECKPOINT CLASS z1 z2 [z1 z2 ...]    (CLASS is ignored for a VAE)
//   -> {"images": [[784 values], ...]}
#include <fmt/core.h>

#include <exception>
#include <string>

#include "tutorials/common/latent_explorer.h"

int main(int argc, char** argv) {
  if (argc < 5 || (argc - 3) % 2 != 0) {
    fmt::print(stderr, "usage: {} CHECKPOINT CLASS z1 z2 [z1 z2 ...]\n", argv[0]);
    return 2;
  }
  try {
    const aet::ExplorerModel m = aet::load_explorer_model(argv[1]);
    const int cls = std::stoi(argv[2]);
    fmt::print("{{\"images\": [");
    for (int i = 3; i + 1 < argc; i += 2) {
      const std::vector<float> x = aet::explorer_decode(m, std::stof(argv[i]), std::stof(argv[i + 1]), cls);
      fmt::print("{}[", i > 3 ? ",\n" : "");
      for (size_t j = 0; j < x.size(); ++j) fmt::print("{}{:.9g}", j ? "," : "", x[j]);
      fmt::print("]");
    }
    fmt::print("]}}\n");
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
