// synthetic.cpp — the generators behind synthetic.h.
#include "datasets/synthetic.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace aet {

namespace {

void require(bool ok, const std::string& msg) {
  if (!ok) throw std::invalid_argument(msg);
}

// A Dataset with n rows of d values, labels i mod classes, and generic class names.
Dataset balanced(int n, int d, int classes) {
  Dataset out;
  out.images = Tensor::zeros({n, d});
  out.num_classes = classes;
  out.labels.resize(n);
  for (int i = 0; i < n; ++i) out.labels[i] = i % classes;
  for (int c = 0; c < classes; ++c) out.class_names.push_back("class " + std::to_string(c));
  return out;
}

float dist2(const float* a, const float* b, int d) {
  float s = 0;
  for (int k = 0; k < d; ++k) s += (a[k] - b[k]) * (a[k] - b[k]);
  return s;
}

// Distance from point p to the segment a–b (all 2-D).
float segment_distance(float px, float py, float ax, float ay, float bx, float by) {
  const float dx = bx - ax, dy = by - ay;
  const float len2 = dx * dx + dy * dy;
  const float t = len2 > 0 ? std::clamp(((px - ax) * dx + (py - ay) * dy) / len2, 0.0f, 1.0f) : 0.0f;
  const float ex = px - (ax + t * dx), ey = py - (ay + t * dy);
  return std::sqrt(ex * ex + ey * ey);
}

}  // namespace

Dataset make_blobs(int n, int dims, int classes, float spread, Rng& rng) {
  require(n >= 1 && dims >= 1 && classes >= 1,
          "make_blobs: need n >= 1, dims >= 1, classes >= 1; got n=" + std::to_string(n) +
              " dims=" + std::to_string(dims) + " classes=" + std::to_string(classes));
  require(spread >= 0, "make_blobs: spread must be >= 0, got " + std::to_string(spread));

  // Rejection sampling for centres at least 4 apart; in a crowded space (many
  // classes in 1-D) keep the candidate farthest from the others instead.
  const float min_dist2 = 16.0f;
  std::vector<float> centres(static_cast<size_t>(classes) * dims);
  std::vector<float> candidate(dims);
  for (int c = 0; c < classes; ++c) {
    float best = -1;
    for (int attempt = 0; attempt < 200 && best < min_dist2; ++attempt) {
      for (float& v : candidate) v = rng.uniform(-5.0f, 5.0f);
      float nearest = 1e30f;
      for (int o = 0; o < c; ++o) nearest = std::min(nearest, dist2(candidate.data(), &centres[o * dims], dims));
      if (nearest > best) {
        best = nearest;
        std::copy(candidate.begin(), candidate.end(), &centres[c * dims]);
      }
    }
  }

  Dataset out = balanced(n, dims, classes);
  float* x = out.images.data();
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < dims; ++k) x[i * dims + k] = centres[out.labels[i] * dims + k] + spread * rng.normal();
  return out;
}

Dataset make_two_moons(int n, float noise, Rng& rng) {
  require(n >= 2, "make_two_moons: need n >= 2 (one point per moon), got " + std::to_string(n));
  require(noise >= 0, "make_two_moons: noise must be >= 0, got " + std::to_string(noise));
  Dataset out = balanced(n, 2, 2);
  out.class_names = {"upper moon", "lower moon"};
  float* x = out.images.data();
  for (int i = 0; i < n; ++i) {
    const float t = std::numbers::pi_v<float> * rng.uniform();
    // The lower moon is the upper one turned over and shifted so the tips interlock.
    const bool upper = out.labels[i] == 0;
    x[2 * i] = (upper ? std::cos(t) : 1.0f - std::cos(t)) + noise * rng.normal();
    x[2 * i + 1] = (upper ? std::sin(t) : 0.5f - std::sin(t)) + noise * rng.normal();
  }
  return out;
}

Dataset make_spirals(int n, int classes, float noise, Rng& rng) {
  require(n >= 1 && classes >= 1, "make_spirals: need n >= 1 and classes >= 1, got n=" + std::to_string(n) +
                                      " classes=" + std::to_string(classes));
  require(noise >= 0, "make_spirals: noise must be >= 0, got " + std::to_string(noise));
  Dataset out = balanced(n, 2, classes);
  float* x = out.images.data();
  const float two_pi = 2 * std::numbers::pi_v<float>;
  for (int i = 0; i < n; ++i) {
    // Arm c starts at angle 2πc/C and winds through 4 radians as the radius grows to 1.
    const float s = rng.uniform();
    const float angle = two_pi * out.labels[i] / classes + 4.0f * s;
    x[2 * i] = s * std::cos(angle) + noise * rng.normal();
    x[2 * i + 1] = s * std::sin(angle) + noise * rng.normal();
  }
  return out;
}

Dataset make_tiny_images(int n, int side, Rng& rng) {
  require(n >= 1, "make_tiny_images: need n >= 1, got " + std::to_string(n));
  require(side >= 8 && side <= 256, "make_tiny_images: side must be in [8, 256] pixels, got " + std::to_string(side));
  Dataset out = balanced(n, side * side, 5);
  out.class_names = {"horizontal bar", "vertical bar", "diagonal", "disc", "ring"};
  out.height = out.width = side;
  const float s = static_cast<float>(side);

  for (int i = 0; i < n; ++i) {
    const int cls = out.labels[i];
    const float half = rng.uniform(0.6f, std::max(0.8f, 0.12f * s));  // half the stroke width
    const float brightness = rng.uniform(0.75f, 1.0f);
    float ax = 0, ay = 0, bx = 0, by = 0, cx = 0, cy = 0, r = 0;
    if (cls <= 2) {  // a line segment a–b
      const float lo = rng.uniform(0.5f, 0.3f * s), hi = s - rng.uniform(0.5f, 0.3f * s);
      const float at = rng.uniform(0.2f * s, 0.8f * s);
      if (cls == 0) ax = lo, bx = hi, ay = by = at;
      if (cls == 1) ay = lo, by = hi, ax = bx = at;
      if (cls == 2) {
        const bool falling = rng.uniform() < 0.5f;  // "\" or "/"
        ax = lo, bx = hi;
        ay = falling ? lo : hi;
        by = falling ? hi : lo;
      }
    } else {
      cx = rng.uniform(0.35f * s, 0.65f * s);
      cy = rng.uniform(0.35f * s, 0.65f * s);
      r = cls == 3 ? rng.uniform(0.15f * s, 0.3f * s) : rng.uniform(0.25f * s, 0.38f * s);
    }
    float* img = out.images.data() + static_cast<size_t>(i) * side * side;
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side; ++x) {
        const float px = x + 0.5f, py = y + 0.5f;  // pixel centre
        // d = distance outside the shape; coverage ramps from 1 to 0 over one pixel.
        float d;
        if (cls <= 2) d = segment_distance(px, py, ax, ay, bx, by) - half;
        else if (cls == 3) d = std::hypot(px - cx, py - cy) - r;
        else d = std::fabs(std::hypot(px - cx, py - cy) - r) - std::min(half, 1.0f);
        img[y * side + x] = brightness * std::clamp(0.5f - d, 0.0f, 1.0f);
      }
  }
  return out;
}

}  // namespace aet
