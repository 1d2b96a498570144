// cvae_pictures.h — tutorial 5's samples by class, and its style-transfer picture: the same codes z decoded under
// every class, so what stays down a column is what z holds and what changes is y's.
#pragma once
#include <string>

#include "autograd/random.h"
#include "models/cvae.h"

namespace aet {

// One image per label: z ~ N(0, τ²I) decoded with y = one_hot(label); τ = 1 is the prior.
Tensor generate(const CVAE& cvae, const std::vector<int>& labels, float tau, Rng& rng);

// S codes z ~ N(0, τ²I) drawn from `rng`, one per column, each decoded under every class
// (one row per class, labelled with class_names), written as a PNG of 28×28 images.
void write_style_transfer(const std::string& path, const CVAE& cvae, int S, float tau, Rng& rng,
                          const std::vector<std::string>& class_names);

}  // namespace aet
