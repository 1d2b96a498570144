// explorer.js — tutorial 7's page logic. The decoding itself is C++: aet_decode() of
// wasm/explorer_api.cpp, compiled from the toolkit's own sources. This file draws the map,
// turns clicks, drags and keys into a code z, and shows what the decoder returns.
//
// Files it reads (written by `make tutorial-7`, tutorials/07-latent-explorer/main.cpp):
//   vae.ckpt, cvae.ckpt   the models, in the toolkit's checkpoint format
//   codes.json            μ of test images under both models, their labels, class names
//   test_images.u8        those test images, 28·28 bytes each (for the interpolation ends)
// ?vae=FILE&cvae=FILE in the address loads other checkpoints from this folder.
"use strict";

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const SLOT = { vae: 0, cvae: 1 };
const $ = (id) => document.getElementById(id);

const state = {
  wasm: null, codes: null, images: null, mode: "vae", cls: 0,
  z: [0, 0], a: -1, b: -1, bounds: null, times: [], lastImage: null, loaded: { vae: false, cvae: false },
};

function showError(text) {
  const box = $("error");
  box.textContent = text;
  box.hidden = false;
}
function clearError() { $("error").hidden = true; $("error").textContent = ""; }

// ---- the C++ side ------------------------------------------------------------------------
// Writes the bytes into emscripten's in-memory file system and lets the C++ loader read
// them; on failure the loader's own message is shown.
function loadCheckpoint(mode, bytes, label) {
  const path = "/" + label.replace(/[^A-Za-z0-9._-]/g, "_");  // the loader's messages name the file
  state.wasm.FS.writeFile(path, bytes);
  const ok = state.wasm.ccall("aet_load", "number", ["number", "string"], [SLOT[mode], path]);
  if (!ok) {
    const message = state.wasm.ccall("aet_error", "string", [], []);
    showError(`could not load ${label} as the ${mode.toUpperCase()}:\n${message}`);
    return false;
  }
  state.loaded[mode] = true;
  return true;
}

// decode(z) with the current model and class: 784 floats in (0, 1), copied out of the heap.
function decode(z1, z2) {
  const w = state.wasm;
  const start = performance.now();
  const ptr = w.ccall("aet_decode", "number", ["number", "number", "number", "number"],
                      [SLOT[state.mode], z1, z2, state.cls]);
  const n = w.ccall("aet_pixels", "number", ["number"], [SLOT[state.mode]]);
  const image = ptr ? new Float32Array(w.HEAPF32.buffer, ptr, n).slice() : null;
  const ms = performance.now() - start;
  if (!image) showError(w.ccall("aet_error", "string", [], []));
  return { image, ms };
}

// ---- drawing -----------------------------------------------------------------------------
// One byte per pixel, the same rounding the test applies to the native decoder's floats.
function drawImage(canvas, values) {
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(values[i] * 255);
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function mus() { return state.codes[state.mode]; }

// Map bounds: a square around the codes, so both axes share one scale.
function computeBounds() {
  let m = 1;
  for (const mode of ["vae", "cvae"])
    for (const v of state.codes[mode]) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  m = Math.min(Math.ceil(m * 1.05 * 2) / 2, 10);
  state.bounds = [-m, m];
}
function toCanvas(z1, z2, canvas) {
  const [lo, hi] = state.bounds;
  return [(z1 - lo) / (hi - lo) * canvas.width, (hi - z2) / (hi - lo) * canvas.height];
}
function fromCanvas(x, y, canvas) {
  const [lo, hi] = state.bounds;
  return [lo + x / canvas.width * (hi - lo), hi - y / canvas.height * (hi - lo)];
}

function drawMap() {
  const canvas = $("map"), ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  // Axes through z = 0 with a tick every unit.
  ctx.strokeStyle = "#bbb";
  ctx.fillStyle = "#333";
  ctx.font = "13px system-ui, sans-serif";
  const [ox, oy] = toCanvas(0, 0, canvas);
  ctx.beginPath(); ctx.moveTo(0, oy); ctx.lineTo(canvas.width, oy); ctx.moveTo(ox, 0); ctx.lineTo(ox, canvas.height); ctx.stroke();
  for (let t = Math.ceil(state.bounds[0]) + 1; t < state.bounds[1]; t++) {
    if (t === 0) continue;
    const [tx] = toCanvas(t, 0, canvas), [, ty] = toCanvas(0, t, canvas);
    ctx.fillText(String(t), tx - 4, oy + 15);
    ctx.fillText(String(t), ox + 5, ty + 4);
  }
  ctx.fillText("z₁ →", canvas.width - 36, oy - 6);
  ctx.fillText("↑ z₂", ox + 6, 14);
  const mu = mus(), labels = state.codes.labels;
  ctx.globalAlpha = 0.55;
  for (let i = 0; i < labels.length; i++) {
    const [x, y] = toCanvas(mu[2 * i], mu[2 * i + 1], canvas);
    ctx.fillStyle = COLORS[labels[i] % COLORS.length];
    ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
  }
  ctx.globalAlpha = 1;
  // A and B, then the current z.
  for (const [which, name] of [[state.a, "A"], [state.b, "B"]]) {
    if (which < 0) continue;
    const [x, y] = toCanvas(mu[2 * which], mu[2 * which + 1], canvas);
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
    ctx.strokeRect(x - 5, y - 5, 10, 10);
    ctx.fillStyle = "#000"; ctx.font = "bold 14px system-ui, sans-serif";
    ctx.fillText(name, x + 7, y - 7);
  }
  const [x, y] = toCanvas(state.z[0], state.z[1], canvas);
  ctx.lineWidth = 3; ctx.strokeStyle = "#fff";
  ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
  ctx.lineWidth = 2; ctx.strokeStyle = "#000";
  ctx.beginPath(); ctx.arc(x, y, 8, 0, 2 * Math.PI); ctx.stroke();
  ctx.lineWidth = 1;
}

function median(values) {
  const s = [...values].sort((p, q) => p - q);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

// Decodes the current z and redraws everything that depends on it.
function update() {
  if (!state.loaded[state.mode]) return;
  const [z1, z2] = state.z;
  const { image, ms } = decode(z1, z2);
  if (!image) return;
  state.lastImage = image;
  drawImage($("decoded"), image);
  state.times.push(ms);
  if (state.times.length > 50) state.times.shift();
  $("timing").textContent = `decode: ${ms.toFixed(2)} ms (median of the last ${state.times.length}: ` +
                            `${median(state.times).toFixed(2)} ms)`;
  const cls = state.mode === "cvae" ? `, y = ${state.codes.class_names[state.cls]}` : "";
  $("zvalue").textContent = `z = (${z1.toFixed(2)}, ${z2.toFixed(2)})${cls}`;
  $("z1").value = z1.toFixed(2);
  $("z2").value = z2.toFixed(2);
  drawMap();
}

function setZ(z1, z2) { state.z = [z1, z2]; update(); }

// ---- interpolation -----------------------------------------------------------------------
function nearestTestImage() {
  const mu = mus();
  let best = -1, bestD = Infinity;
  for (let i = 0; i < state.codes.labels.length; i++) {
    const d = (mu[2 * i] - state.z[0]) ** 2 + (mu[2 * i + 1] - state.z[1]) ** 2;
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}
function pick(which) {
  const i = nearestTestImage();
  state[which] = i;
  const pixels = state.images.subarray(784 * i, 784 * (i + 1));
  drawImage($("image-" + which), Float32Array.from(pixels, (p) => p / 255));
  $("cap-" + which).textContent = `${which.toUpperCase()}: test #${i}, ${state.codes.class_names[state.codes.labels[i]]}`;
  $("t").disabled = state.a < 0 || state.b < 0;
  update();
}
function interpolate(t) {
  $("t-value").textContent = t.toFixed(2);
  if (state.a < 0 || state.b < 0) return;
  const mu = mus(), a = state.a, b = state.b;
  setZ((1 - t) * mu[2 * a] + t * mu[2 * b], (1 - t) * mu[2 * a + 1] + t * mu[2 * b + 1]);
}

// ---- input -------------------------------------------------------------------------------
function wireInput() {
  const map = $("map");
  let dragging = false;
  const at = (e) => {
    const r = map.getBoundingClientRect();
    const [z1, z2] = fromCanvas((e.clientX - r.left) * map.width / r.width, (e.clientY - r.top) * map.height / r.height, map);
    setZ(z1, z2);
  };
  map.addEventListener("pointerdown", (e) => { dragging = true; map.setPointerCapture(e.pointerId); map.focus(); at(e); });
  map.addEventListener("pointermove", (e) => { if (dragging) at(e); });
  map.addEventListener("pointerup", () => { dragging = false; });
  map.addEventListener("keydown", (e) => {
    const step = e.shiftKey ? 0.5 : 0.05;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (!moves[e.key]) return;
    e.preventDefault();
    setZ(state.z[0] + moves[e.key][0], state.z[1] + moves[e.key][1]);
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (state.mode === "cvae" && /^[0-9]$/.test(e.key) && Number(e.key) < state.codes.class_names.length) setClass(Number(e.key));
  });
  for (const id of ["z1", "z2"])
    $(id).addEventListener("change", () => setZ(Number($("z1").value), Number($("z2").value)));
  for (const radio of document.querySelectorAll("input[name=mode]"))
    radio.addEventListener("change", () => setMode(radio.value));
  $("class").addEventListener("change", () => setClass(Number($("class").value)));
  $("pick-a").addEventListener("click", () => pick("a"));
  $("pick-b").addEventListener("click", () => pick("b"));
  $("t").addEventListener("input", () => interpolate(Number($("t").value)));
  $("file").addEventListener("change", async () => {
    const file = $("file").files[0];
    if (!file) return;
    clearError();
    if (loadCheckpoint(state.mode, new Uint8Array(await file.arrayBuffer()), file.name)) showLayers(), update();
  });
}

function setMode(mode) {
  state.mode = mode;
  for (const radio of document.querySelectorAll("input[name=mode]")) radio.checked = radio.value === mode;
  $("class-box").disabled = mode !== "cvae";
  showLayers();
  update();
}
function setClass(k) { state.cls = k; $("class").value = String(k); update(); }

function showLayers() {
  const w = state.wasm, slot = SLOT[state.mode];
  $("layers").textContent = state.loaded[state.mode]
      ? `${state.mode.toUpperCase()}\n` + w.ccall("aet_layers", "string", ["number"], [slot]) : "(not loaded)";
}

// For the browser test and for curious students (open the console): n decodes in a row,
// milliseconds per decode. performance.now() is coarse in a page, so one decode's time is not.
function benchmark(n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) decode(Math.sin(i), Math.cos(i));
  return (performance.now() - start) / n;
}

async function fetchBytes(name) {
  const r = await fetch(name);
  if (!r.ok) throw new Error(`${name}: HTTP ${r.status} (is it beside index.html? make tutorial-7 writes it)`);
  return new Uint8Array(await r.arrayBuffer());
}

async function main() {
  wireInput();
  state.wasm = await createExplorer();
  const params = new URLSearchParams(location.search);
  const files = { vae: params.get("vae") || "vae.ckpt", cvae: params.get("cvae") || "cvae.ckpt" };
  state.codes = JSON.parse(new TextDecoder().decode(await fetchBytes("codes.json")));
  state.images = await fetchBytes("test_images.u8");
  for (const mode of ["vae", "cvae"]) loadCheckpoint(mode, await fetchBytes(files[mode]), files[mode]);
  const legend = $("legend");
  state.codes.class_names.forEach((name, k) => {
    const li = document.createElement("li");
    li.innerHTML = `<span style="background:${COLORS[k % COLORS.length]}"></span>${k} ${name}`;
    legend.appendChild(li);
    const option = document.createElement("option");
    option.value = String(k);
    option.textContent = `${k} ${name}`;
    $("class").appendChild(option);
  });
  computeBounds();
  $("status").textContent = `${state.codes.labels.length} test images; decoder: C++ compiled to WebAssembly`;
  showLayers();
  drawMap();
  update();
}

window.explorer = { state, setZ, setMode, setClass, pick, interpolate, benchmark, ready: main().catch((e) => showError(String(e.message || e))) };
