// tutorial5.cpp — tasks of tutorial 5 (the conditional VAE): the two places the class goes in.
#include <fmt/format.h>

#include "autograd/random.h"
#include "coursework/checker/check.h"
#include "models/cvae.h"

namespace aet::coursework {
namespace {

struct Fixture {
  Rng rng{14};
  CVAE model{6, 3, 8, 2, rng};  // D = 6, C = 3 classes, H = 8, Z = 2
  Tensor x = Tensor::uniform({2, 6}, rng, 0.0f, 1.0f);
  Tensor y = Tensor::from({2, 3}, {1, 0, 0, 0, 0, 1});
  Tensor z = Tensor::randn({2, 2}, rng);
};

// μ and log σ² as the equations say: h = relu([x, y]·W₁ + b₁), μ = h·W_μ + b_μ, ...
void encoder_condition() {
  Fixture f;
  NoGrad g;
  const VAE::Posterior q = f.model.encode(f.x, f.y);
  Tensor h = relu(linear(concat_cols(f.x, f.y), f.model.enc_hidden.W, f.model.enc_hidden.b));
  expect_close("μ of encode(x, y)", q.mu, linear(h, f.model.enc_mu.W, f.model.enc_mu.b));
  expect_close("log σ² of encode(x, y)", q.logvar, linear(h, f.model.enc_logvar.W, f.model.enc_logvar.b));
  Tensor other = Tensor::from({2, 3}, {0, 1, 0, 1, 0, 0});
  const VAE::Posterior q2 = f.model.encode(f.x, other);
  if (q2.mu.values()[0] == q.mu.values()[0] && q2.mu.values()[1] == q.mu.values()[1])
    fail("encode(x, y): μ does not change when the class y changes; the encoder must see [x, y]");
}

void decoder_condition() {
  Fixture f;
  NoGrad g;
  Tensor got = f.model.decode_logits(f.z, f.y);
  Tensor want = f.model.decoder(concat_cols(f.z, f.y));
  expect_close("decode_logits(z, y)", got, want);
}

const bool registered =
    add_task({"5.1", 6, "condition 1: the class into the encoder (models/cvae.cpp)", {encoder_condition}}) &&
    add_task({"5.2", 6, "condition 2: the class into the decoder (models/cvae.cpp)", {decoder_condition}});

}  // namespace
}  // namespace aet::coursework
