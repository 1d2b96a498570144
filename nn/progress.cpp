// progress.cpp — drawing the progress bar and the guards against NaN and Inf.
#include "nn/progress.h"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iostream>

#include <fmt/format.h>

namespace aet {
namespace {

constexpr int kBarWidth = 20;
constexpr double kRedrawInterval = 0.1;  // seconds: ~10 redraws a second is smooth enough

// 4s, 2m05s, 1h02m: short enough to read at a glance.
std::string duration_str(double seconds) {
  const long s = std::lround(std::max(seconds, 0.0));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

// Index of the first NaN or ±Inf in x[0, n), or n. NaN and Inf are the floats whose 8
// exponent bits are all ones; testing the bits (an integer AND and compare) in fixed
// blocks of 16 lets GCC vectorise the scan at -O2, 3-4x faster than std::isfinite per element.
size_t first_non_finite(const float* x, size_t n) {
  constexpr uint32_t kExponent = 0x7f800000u;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    uint32_t bad = 0;
    for (size_t k = 0; k < 16; ++k) bad |= (std::bit_cast<uint32_t>(x[i + k]) & kExponent) == kExponent;
    if (bad) break;
  }
  for (; i < n; ++i)
    if (!std::isfinite(x[i])) return i;
  return n;
}

}  // namespace

ProgressBar::ProgressBar(int total_batches, std::string label)
    : ProgressBar(total_batches, std::move(label), std::cerr, isatty(STDERR_FILENO) == 1) {}

ProgressBar::ProgressBar(int total_batches, std::string label, std::ostream& out, bool interactive)
    : total_(total_batches), label_(std::move(label)), out_(out), interactive_(interactive) {
  if (total_batches < 1)
    throw std::invalid_argument(
        fmt::format("ProgressBar '{}': total_batches must be >= 1, got {}", label_, total_batches));
}

ProgressBar::~ProgressBar() {
  if (interactive_ && !finished_ && drawn_width_ > 0) out_ << '\n' << std::flush;
}

void ProgressBar::update(int batch, double running_loss, int samples_done) {
  if (batch < 0 || batch > total_)
    throw std::invalid_argument(fmt::format("ProgressBar '{}': batch {} is outside [0, {}] (pass the number of "
                                            "batches finished, 1 after the first)",
                                            label_, batch, total_));
  batch_ = batch;
  loss_ = running_loss;
  samples_ = samples_done;
  has_loss_ = true;
  if (!interactive_ || finished_) return;
  const double now = timer_.seconds();
  if (last_draw_ < 0 || batch == total_ || now - last_draw_ >= kRedrawInterval) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (interactive_) {
    draw(true);
    out_ << '\n' << std::flush;
  } else {
    out_ << line(true) << '\n' << std::flush;
  }
}

void ProgressBar::draw(bool final) {
  const std::string text = line(final);
  // Spaces over whatever a longer previous line left behind.
  const size_t pad = drawn_width_ > text.size() ? drawn_width_ - text.size() : 0;
  out_ << '\r' << text << std::string(pad, ' ') << std::flush;
  drawn_width_ = text.size();
}

std::string ProgressBar::line(bool final) const {
  const double elapsed = timer_.seconds();
  std::string s = label_.empty() ? std::string() : label_ + " ";
  if (interactive_) {
    const int filled = batch_ * kBarWidth / total_;
    s += "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
  }
  s += fmt::format("{}/{}", batch_, total_);
  if (has_loss_) s += fmt::format(" loss {:.4g}", loss_);
  if (elapsed > 0 && samples_ > 0) s += fmt::format(" {:.0f} samples/s", samples_ / elapsed);
  if (final) s += " in " + (elapsed < 10 ? fmt::format("{:.1f}s", elapsed) : duration_str(elapsed));
  else if (batch_ > 0 && batch_ < total_) s += " ETA " + duration_str(elapsed * (total_ - batch_) / batch_);
  return s;
}

void check_finite(float value, const std::string& term, int epoch, int batch) {
  if (std::isfinite(value)) return;
  const char* what = std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf";
  const std::string where = term.empty() ? std::string() : fmt::format(" (term: {})", term);
  throw NonFiniteLoss(fmt::format("loss became {} at epoch {}, batch {}{} — training stopped; the last good "
                                  "checkpoint is kept. Try a smaller learning rate.",
                                  what, epoch, batch, where),
                      term, epoch, batch);
}

const NamedTensor* find_non_finite(const ParamList& params) {
  for (const NamedTensor& p : params)
    if (p.tensor.defined() && first_non_finite(p.tensor.data(), p.tensor.size()) < p.tensor.size()) return &p;
  return nullptr;
}

void check_finite_parameters(const Module& model, int epoch, int batch) {
  const ParamList params = model.parameters();
  const NamedTensor* bad = find_non_finite(params);
  if (bad == nullptr) return;
  const std::string term = fmt::format("parameter '{}'", bad->name);
  throw NonFiniteLoss(fmt::format("{} became NaN or Inf at epoch {}, batch {} (after the optimizer step) — training "
                                  "stopped; the last good checkpoint is kept. Try a smaller learning rate.",
                                  term, epoch, batch),
                      term, epoch, batch);
}

}  // namespace aet
