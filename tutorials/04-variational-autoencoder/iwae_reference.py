"""PyTorch reference for tutorial 4's importance-weighted log p(x) table.

A peer for checking only (Debian's python3-torch, never a dependency of the toolkit). It
reads tutorial 4's trained weights and the case tools/iwae_export.cpp wrote, and recomputes
the IWAE estimate (Burda, Grosse & Salakhutdinov 2016) with its own encoder, decoder and
log-likelihood, in float64:

    make tutorial-4                      # trains out/04-variational-autoencoder/vae_z20.ckpt
    ./build/tools/iwae_export --model out/04-variational-autoencoder/vae_z20.ckpt \\
        --out out/04-variational-autoencoder/iwae_case.ckpt
    /usr/bin/python3 tutorials/04-variational-autoencoder/iwae_reference.py

  L_k(x) = log (1/k) sum_s exp(log p(x|z_s) + log p(z_s) - log q(z_s|x)),  z_s ~ q(z|x)

Two comparisons per k = 1, 64, 5000:
  shared codes  the z_s the C++ run decoded (from the case file; eps = (z - mu)/sigma):
                the same estimator on the same random numbers must agree to ~1e-3 nats;
  own codes     fresh z_s from torch's generator: agrees within the Monte Carlo error only.
"""
import argparse
import struct
import zlib

import numpy as np
import torch


def read_checkpoint(path):
    """nn/checkpoint.h, format version 1: magic, version, tensors, integers, CRC-32."""
    data = open(path, "rb").read()
    if data[:8] != b"AETCKPT1" or struct.unpack_from("<I", data, 8)[0] != 1:
        raise SystemExit(f"{path}: not a version-1 AET checkpoint")
    if zlib.crc32(data[:-4]) != struct.unpack_from("<I", data, len(data) - 4)[0]:
        raise SystemExit(f"{path}: CRC mismatch")
    (count,) = struct.unpack_from("<I", data, 12)
    at, tensors = 16, {}
    for _ in range(count):
        (n,) = struct.unpack_from("<I", data, at)
        name = data[at + 4:at + 4 + n].decode()
        at += 4 + n
        (ndim,) = struct.unpack_from("<I", data, at)
        dims = struct.unpack_from(f"<{ndim}I", data, at + 4)
        at += 4 + 4 * ndim
        size = int(np.prod(dims))
        tensors[name] = np.frombuffer(data, "<f4", size, at).reshape(dims).astype(np.float64)
        at += 4 * size
    return tensors


def log_c(l):
    """log C of the continuous Bernoulli in logits, C = l / tanh(l/2) (2 at l = 0)."""
    small = l.abs() < 1e-3
    safe = torch.where(small, torch.ones_like(l), l)
    return torch.where(small, np.log(2.0) + l * l / 24.0, torch.log(safe / torch.tanh(safe / 2.0)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="out/04-variational-autoencoder/vae_z20.ckpt")
    ap.add_argument("--case", default="out/04-variational-autoencoder/iwae_case.ckpt")
    ap.add_argument("--likelihood", choices=["bce", "cb"], default="bce")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    w = {k: torch.tensor(v) for k, v in read_checkpoint(args.model).items()}
    case = {k: torch.tensor(v) for k, v in read_checkpoint(args.case).items()}
    x = case["x"]
    # Our Linear computes X·W + b with W (in, out).
    h = torch.relu(x @ w["enc_hidden.weight"] + w["enc_hidden.bias"])
    mu, logvar = h @ w["enc_mu.weight"] + w["enc_mu.bias"], h @ w["enc_logvar.weight"] + w["enc_logvar.bias"]

    def decode(z):
        return torch.relu(z @ w["decoder.0.weight"] + w["decoder.0.bias"]) @ w["decoder.1.weight"] + w["decoder.1.bias"]

    def estimate(z, k):  # z (N*k, Z), image by image
        N, Z = mu.shape
        z = z.reshape(N, k, Z)
        m, s = mu[:, None, :], torch.exp(0.5 * logvar)[:, None, :]
        eps = (z - m) / s
        out = torch.empty(N, dtype=torch.float64)
        for i in range(N):  # one image at a time: 5000 x 784 logits in float64
            logits = decode(z[i])
            log_px = -torch.nn.functional.binary_cross_entropy_with_logits(
                logits, x[i].expand_as(logits), reduction="none").sum(1)
            if args.likelihood == "cb":
                log_px = log_px + log_c(logits).sum(1)
            log_pz = torch.distributions.Normal(0.0, 1.0).log_prob(z[i]).sum(1)
            log_qz = (torch.distributions.Normal(0.0, 1.0).log_prob(eps[i]) - torch.log(s[i])).sum(1)
            out[i] = torch.logsumexp(log_px + log_pz - log_qz, 0) - np.log(k)
        return out

    N = x.shape[0]
    print(f"{N} test images, {args.likelihood} likelihood; -L_k in nats per image")
    print(f"{'k':>6} {'C++':>11} {'shared codes':>13} {'max |diff|':>11} {'own codes':>10} {'diff':>7} {'std err':>8}")
    worst = 0.0
    for k in (1, 64, 5000):
        cpp = case[f"L_k{k}"]
        shared = estimate(case[f"z_k{k}"], k)
        own_z = (mu[:, None, :] + torch.exp(0.5 * logvar)[:, None, :] * torch.randn(N, k, mu.shape[1],
                                                                                   dtype=torch.float64))
        own = estimate(own_z.reshape(N * k, -1), k)
        diff = own - cpp  # its standard error: of the per-image differences
        worst = max(worst, abs(float(shared.mean() - cpp.mean())))
        print(f"{k:>6} {-cpp.mean():>11.4f} {-shared.mean():>13.4f} {float((shared - cpp).abs().max()):>11.5f} "
              f"{-own.mean():>10.4f} {float(-diff.mean()):>7.3f} {float(diff.std() / np.sqrt(N)):>8.3f}")
    print(f"largest difference of the means on shared codes: {worst:.5f} nats "
          f"({'within' if worst < 0.1 else 'NOT within'} 0.1)")
    raise SystemExit(0 if worst < 0.1 else 1)


if __name__ == "__main__":
    main()
