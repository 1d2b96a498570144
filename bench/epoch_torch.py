#!/usr/bin/python3
"""epoch_torch.py - the PyTorch peer of bench/epoch.cpp: the same VAE / AE, batch and
Adam on Fashion-MNIST, one training epoch per command, so the C++ driver can alternate
our epochs with PyTorch's in the same run.

    /usr/bin/python3 bench/epoch_torch.py --model vae --threads 1 [--blas-threads 1]

Models: vae, ae (the MLPs of tutorials 4 and 1) and conv_vae (tutorial 6's ConvVAE,
models/conv_vae.h: conv 32 s2 -> conv 64 s2 -> (mu, log var) 20 each; dense -> 64x7x7 ->
convT 64 s2 -> convT 32 s2 -> conv 1, all 3x3 with padding 1, the same layers and
PyTorch's default initialisation as ours).

Protocol (line based, stdin -> stdout): the script prints "ready <info>" once loaded,
then for each line "epoch" it trains one epoch and prints "epoch <seconds> <mean loss>"
("epoch N": only the first N batches of a shuffled epoch, for the slow conv model);
"quit" prints "rss <peak RSS in MiB>" and exits.

Memory: PyTorch allocates a fresh buffer for every op's output and gradient, and glibc's
malloc gives large freed buffers back to the kernel (unmapping them, or trimming its
heap), so every step faults their pages in again. On a virtual machine whose page faults are dear
that dominates: on the Zen 5 guest of 2026-12-06 the AE epoch took 8.9-9.5 s with 720 000
page faults and 6.1 s of system time, and 5.1-5.8 s with 56 000 once freed buffers were
kept for reuse (the same losses). So the script runs itself with malloc set to keep them
(MALLOC_MMAP_THRESHOLD_ at glibc's maximum, 32 MiB, and no trimming), as PyTorch's
performance guide advises a caching allocator (jemalloc, tcmalloc) for CPU training: the
peer at its best, not at the mercy of the kernel. --system-malloc turns this off. Our side
keeps its buffers in a pool (bench/epoch.cpp's "fresh allocs/epoch" column).

Threads: torch.set_num_threads(n) sets PyTorch's own (OpenMP) pool, but on Debian the
GEMMs go to OpenBLAS, whose pool it does not reach. OpenBLAS is therefore pinned twice:
OPENBLAS_NUM_THREADS is set before torch is imported, and openblas_set_num_threads() is
called through ctypes on the libopenblas.so.0 that torch loaded. The two pools share the
cores, so OpenMP's workers wait passively (OMP_WAIT_POLICY, unless set): spinning, they
made 2 threads 2.5x slower than 1 (the VAE, 2026-12-06).
"""
import argparse
import ctypes
import gzip
import os
import resource
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--model", choices=["vae", "ae", "conv_vae"], required=True)
ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
ap.add_argument("--blas-threads", type=int, default=None, help="OpenBLAS threads (default: --threads)")
ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist/")
ap.add_argument("--batch", type=int, default=128)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--system-malloc", action="store_true", help="leave glibc's malloc settings alone")
args = ap.parse_args()

# glibc reads these when the process starts, so the script starts itself again with them.
KEEP_FREED = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}
if not args.system_malloc and any(os.environ.get(k) != v for k, v in KEEP_FREED.items()):
    os.environ.update(KEEP_FREED)
    # The interpreter running now (bench/epoch.cpp starts /usr/bin/python3 under the name
    # "python3", so sys.executable may name another python3 on the PATH).
    python = os.path.realpath("/proc/self/exe") if os.path.exists("/proc/self/exe") else sys.executable
    os.execv(python, [python] + sys.argv)
blas_threads = args.blas_threads or args.threads

os.environ["OPENBLAS_NUM_THREADS"] = str(blas_threads)
os.environ["OMP_NUM_THREADS"] = str(args.threads)
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")  # idle workers stop spinning soon
# PyTorch's OpenMP workers spin while they wait (the active policy), on the same cores as
# OpenBLAS's own threads: on 2 threads of a 2-core guest (2026-12-06) the VAE epoch took
# 6.6-7.6 s against 2.4 s on 1 thread, and 3.0 s with passive waiting.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(args.threads)
blas = ctypes.CDLL("libopenblas.so.0")
blas.openblas_set_num_threads(blas_threads)
blas.openblas_get_num_threads.restype = ctypes.c_int
torch.manual_seed(args.seed)


def load_images(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    pixels = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    return torch.from_numpy(pixels.astype(np.float32) / 255.0)


class VAE(nn.Module):  # 784-400-(20,20), 20-400-784, ReLU; decoder gives logits
    def __init__(self):
        super().__init__()
        self.enc_hidden = nn.Linear(784, 400)
        self.enc_mu = nn.Linear(400, 20)
        self.enc_logvar = nn.Linear(400, 20)
        self.dec_hidden = nn.Linear(20, 400)
        self.dec_out = nn.Linear(400, 784)

    def loss(self, x):
        h = F.relu(self.enc_hidden(x))
        mu, logvar = self.enc_mu(h), self.enc_logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        logits = self.dec_out(F.relu(self.dec_hidden(z)))
        n = x.shape[0]
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
        return recon + kl


class AE(nn.Module):  # 784-512-256-10-256-512-784, ReLU, sigmoid output, MSE
    def __init__(self):
        super().__init__()
        w = [784, 512, 256, 10, 256, 512, 784]
        layers = []
        for i in range(len(w) - 1):
            layers.append(nn.Linear(w[i], w[i + 1]))
            if i + 2 < len(w) and i != 2:
                layers.append(nn.ReLU())
        self.net = nn.Sequential(*layers)

    def loss(self, x):
        return F.mse_loss(torch.sigmoid(self.net(x)), x)


class ConvVAE(nn.Module):  # the layers of models/conv_halves.h and models/conv_vae.h
    def __init__(self, z=20):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, stride=2, padding=1)
        self.enc_mu = nn.Linear(64 * 7 * 7, z)
        self.enc_logvar = nn.Linear(64 * 7 * 7, z)
        self.dense = nn.Linear(z, 64 * 7 * 7)
        self.up1 = nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1)
        self.up2 = nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1)
        self.out = nn.Conv2d(32, 1, 3, padding=1)

    def loss(self, x):
        n = x.shape[0]
        h = F.relu(self.conv2(F.relu(self.conv1(x.view(n, 1, 28, 28))))).flatten(1)
        mu, logvar = self.enc_mu(h), self.enc_logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        h = F.relu(self.dense(z)).view(n, 64, 7, 7)
        logits = self.out(F.relu(self.up2(F.relu(self.up1(h))))).flatten(1)
        recon = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / n
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / n
        return recon + kl


images = load_images(os.path.join(args.data, "train-images-idx3-ubyte.gz"))
model = {"vae": VAE, "ae": AE, "conv_vae": ConvVAE}[args.model]()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)


def epoch(max_batches=None):
    order = torch.randperm(images.shape[0])
    total, batches = 0.0, 0
    t0 = time.perf_counter()
    for start in range(0, images.shape[0], args.batch):
        if max_batches is not None and batches == max_batches:
            break
        x = images[order[start:start + args.batch]]
        opt.zero_grad()
        loss = model.loss(x)
        loss.backward()
        opt.step()
        total += loss.item()
        batches += 1
    return time.perf_counter() - t0, total / batches


def openblas_core():
    try:
        blas.openblas_get_corename.restype = ctypes.c_char_p
        return blas.openblas_get_corename().decode()
    except AttributeError:
        return "?"


def cpu_capability():
    try:
        return torch.backends.cpu.get_cpu_capability()
    except AttributeError:
        return "?"


print(f"ready torch {torch.__version__} set_num_threads={torch.get_num_threads()} "
      f"openblas_threads={blas.openblas_get_num_threads()} openblas_core={openblas_core()} "
      f"aten_cpu_capability={cpu_capability()} "
      f"malloc={'system' if args.system_malloc else 'keeps freed buffers'}", flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "epoch" or cmd.startswith("epoch "):
        s, loss = epoch(int(cmd.split()[1]) if " " in cmd else None)
        print(f"epoch {s:.4f} {loss:.5f}", flush=True)
    elif cmd == "quit":
        break
print(f"rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}", flush=True)
