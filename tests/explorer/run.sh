#!/usr/bin/env bash
# tests/explorer/run.sh — `make test-explorer` after the builds: a tiny model, then the page
# in headless chromium against the native decoder (browser_test.mjs).
#   tests/explorer/run.sh SITE_DIR BUILD_DIR
# SITE_DIR holds the page and the wasm (make explorer); BUILD_DIR the native binaries.
set -euo pipefail
site=$1 build=$2
work=$build/explorer-test
rm -rf "$work" && mkdir -p "$work/site" out
start=$SECONDS

# A tiny Z = 2 VAE and CVAE: tutorial 7's --smoke run (one epoch on 512 images), in the
# portable GEMM kernel, the one the wasm build has.
export AET_GEMM_KERNEL=portable
"$build/tutorials/07-latent-explorer" --smoke --threads 1 --out "$work/site" > "$work/tutorial-7.log"
cp "$site"/* "$work/site/"

(cd tests/explorer && npm ci --no-audit --no-fund --loglevel=error)
node tests/explorer/browser_test.mjs "$work/site" "$build/tests/explorer/native_decode" out/explorer-test-screenshot.png
echo "test-explorer: model, reference and browser checks took $((SECONDS - start)) s"
