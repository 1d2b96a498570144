"""PyTorch reference for tutorial 3's "frozen encoder + MLP-128 head" row.

A peer for comparison only (Debian's python3-torch, never a dependency of the toolkit):
the same recipe as tutorials 1 and 3, so their figures can be checked side by side.

    /usr/bin/python3 tutorials/03-transfer-learning/pytorch_reference.py --seed 1 --epochs 20

Autoencoder 784-512-256-10-256-512-784 (ReLU, sigmoid output), MSE, Adam 1e-3, batch 128;
then, for three draws of 100 labelled images per class, a 10-128-10 head on the frozen
codes, Adam 1e-3, batch 64, 60 epochs, scored on the 10 000 test images.
"""
import argparse
import gzip
import os

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(directory, prefix):
    name = next(f for f in sorted(os.listdir(directory)) if f.startswith(prefix))
    return read_idx(os.path.join(directory, name))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--epochs", type=int, default=5, help="autoencoder epochs (tutorial 1: 5, tutorial 2: 20)")
    ap.add_argument("--data", default=os.environ.get("AET_DATA", "/usr/share/datasets/fashion-mnist"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_train = torch.tensor(load(args.data, "train-images").reshape(-1, 784) / 255.0, dtype=torch.float32)
    y_train = torch.tensor(load(args.data, "train-labels").astype(np.int64))
    x_test = torch.tensor(load(args.data, "t10k-images").reshape(-1, 784) / 255.0, dtype=torch.float32)
    y_test = torch.tensor(load(args.data, "t10k-labels").astype(np.int64))

    encoder = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    decoder = nn.Sequential(nn.Linear(10, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                            nn.Linear(512, 784), nn.Sigmoid())
    opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=1e-3)
    for _ in range(args.epochs):
        order = torch.randperm(len(x_train))
        for i in range(0, len(x_train), 128):
            x = x_train[order[i:i + 128]]
            loss = ((decoder(encoder(x)) - x) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        print(f"autoencoder: {args.epochs} epochs, seed {args.seed}, test MSE "
              f"{((decoder(encoder(x_test)) - x_test) ** 2).mean().item():.5f}")
        codes_test = encoder(x_test)

    for draw in (42, 1, 2):
        rng = np.random.RandomState(draw)
        few = np.concatenate([rng.choice(np.where(y_train.numpy() == c)[0], 100, replace=False)
                              for c in range(10)])
        with torch.no_grad():
            codes = encoder(x_train[few])
        labels = y_train[few]
        head = nn.Sequential(nn.Linear(10, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = torch.optim.Adam(head.parameters(), lr=1e-3)
        for _ in range(60):
            order = torch.randperm(len(few))
            for i in range(0, len(few), 64):
                j = order[i:i + 64]
                loss = nn.functional.cross_entropy(head(codes[j]), labels[j])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            acc = (head(codes_test).argmax(1) == y_test).float().mean().item()
        print(f"labelled draw {draw}: frozen encoder + MLP-128 head, test accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
