// synthetic.h — small generated datasets for fast tests and the toy tutorials.
//
// Real images take a second to load and minutes to learn; these take microseconds,
// so a test can show a model learning (loss falling, clusters separating) within a
// second. Every generator draws only from the Rng it is given: same seed, same data.
// Labels are balanced (example i has class i mod C) and the rows come in that order;
// shuffle with a BatchLoader.
#pragma once
#include "autograd/random.h"
#include "datasets/dataset.h"

namespace aet {

// n points in `dims` dimensions around `classes` random centres in [-5,5]^dims kept
// at least 4 apart where the space allows; each coordinate is centre + spread·N(0,1).
Dataset make_blobs(int n, int dims, int classes, float spread, Rng& rng);

// Two interleaved half circles in 2-D (class 0 on top, class 1 below), each point
// jittered by noise·N(0,1). Not linearly separable: tutorial 0's MLP needs a hidden layer.
Dataset make_two_moons(int n, float noise, Rng& rng);

// `classes` spiral arms around the origin in 2-D, radius growing to 1, jittered by noise·N(0,1).
Dataset make_spirals(int n, int classes, float noise, Rng& rng);

// side×side grey images with pixels in [0,1] of five shapes at random position and
// size: 0 horizontal bar, 1 vertical bar, 2 diagonal line, 3 filled disc, 4 ring.
// Edges are anti-aliased so that small shifts change pixels smoothly. side >= 8.
Dataset make_tiny_images(int n, int side, Rng& rng);

}  // namespace aet
