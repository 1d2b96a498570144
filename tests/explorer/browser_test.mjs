// browser_test.mjs — tutorial 7's page in a real browser (Debian's chromium, headless,
// driven by playwright-core), checked against the native C++ decoder.
//
//   node browser_test.mjs SITE_DIR NATIVE_DECODE SCREENSHOT.png
//
// SITE_DIR holds the page, the wasm and a tiny model made by the test (tests/explorer/run.sh);
// NATIVE_DECODE is the native build of the same decoder (native_decode.cpp), run here on the
// same checkpoints and the codes in POINTS below. Checks, each a
// failure if it does not hold: the page loads without an error; for every point, the floats
// the wasm decoder returns are within 1e-5 of the native ones and the canvas holds the same
// 8-bit pixels; a click and an arrow key move z; the CVAE's class changes the image and
// matches the native decoder; the interpolation slider lands between A and B; a damaged, a
// truncated and a VAE checkpoint given as the CVAE show the C++ side's message. Prints the
// decode time.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";

const [siteDir, nativeDecode, screenshotPath] = process.argv.slice(2);
// AET_SCREENSHOT_SCALE < 1 makes a smaller picture (the README's: 0.75).
const screenshotScale = Number(process.env.AET_SCREENSHOT_SCALE || 1);
// Dyadic values: exactly representable as float32, so the page (a JS double passed to a
// float parameter) and native_decode (a decimal string) decode exactly the same z.
const POINTS = [[0, 0], [1.5, -0.75], [-2.25, 1.125], [0.375, 2.5], [-1, -1.75]];
const CVAE_POINT = [0.5, -0.25], CVAE_CLASSES = [0, 7];
const native = (ckpt, cls, points) => JSON.parse(execFileSync(nativeDecode,
    [path.join(siteDir, ckpt), String(cls), ...points.flat().map(String)], { encoding: "utf8" })).images;
const reference = { vae: native("vae.ckpt", 0, POINTS), cvae: CVAE_CLASSES.map((k) => native("cvae.ckpt", k, [CVAE_POINT])[0]) };

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
}

// A static server for SITE_DIR on 127.0.0.1 and a free port.
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm",
                ".json": "application/json" };
const server = http.createServer((req, res) => {
  const name = decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/^\/$/, "/index.html");
  const root = path.resolve(siteDir), file = path.join(root, path.normalize(name));
  if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { "Content-Type": types[path.extname(file)] || "application/octet-stream" });
  res.end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: screenshotScale });
  page.on("pageerror", (e) => check(false, `page error: ${e.message}`));
  await page.goto(url);
  await page.evaluate(() => window.explorer.ready);
  check(await page.locator("#error").isHidden(), "page loads both checkpoints without an error");

  // The decoder of the page versus the native one, point by point.
  const decodeAt = (z) => page.evaluate(([z1, z2]) => {
    window.explorer.setZ(z1, z2);
    const rgba = document.getElementById("decoded").getContext("2d").getImageData(0, 0, 28, 28).data;
    return { floats: Array.from(window.explorer.state.lastImage), gray: Array.from(rgba.filter((_, i) => i % 4 === 0)) };
  }, z);
  const compare = (got, want, label) => {
    let maxDiff = 0, pixelsOff = 0;
    for (let i = 0; i < want.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got.floats[i] - want[i]));
      if (got.gray[i] !== Math.round(want[i] * 255)) pixelsOff++;
    }
    check(got.floats.length === want.length && maxDiff <= 1e-5 && pixelsOff === 0,
          `${label}: max |wasm - native| = ${maxDiff.toExponential(2)} on 0..1, ${pixelsOff} of ${want.length} canvas pixels differ`);
    return maxDiff;
  };
  let worst = 0;
  for (let p = 0; p < POINTS.length; p++)
    worst = Math.max(worst, compare(await decodeAt(POINTS[p]), reference.vae[p], `VAE z = (${POINTS[p]})`));

  // Mouse and keyboard reach z.
  const box = await page.locator("#map").boundingBox();
  await page.mouse.click(box.x + box.width * 0.75, box.y + box.height * 0.25);
  const clicked = await page.evaluate(() => window.explorer.state.z.slice());
  check(clicked[0] > 0 && clicked[1] > 0, `a click in the upper right quarter of the map sets z = (${clicked.map((v) => v.toFixed(2))})`);
  await page.keyboard.press("ArrowRight");
  const moved = await page.evaluate(() => window.explorer.state.z.slice());
  check(Math.abs(moved[0] - clicked[0] - 0.05) < 1e-9 && moved[1] === clicked[1], "ArrowRight on the focused map moves z₁ by 0.05");

  // Interpolation between the test images nearest two codes.
  await page.evaluate(() => { window.explorer.setZ(-1, 0); window.explorer.pick("a"); window.explorer.setZ(1, 0.5); window.explorer.pick("b"); });
  await page.locator("#t").fill("0.5");
  const mid = await page.evaluate(() => {
    const s = window.explorer.state, mu = s.codes.vae;
    return { z: s.z, want: [(mu[2 * s.a] + mu[2 * s.b]) / 2, (mu[2 * s.a + 1] + mu[2 * s.b + 1]) / 2] };
  });
  check(Math.hypot(mid.z[0] - mid.want[0], mid.z[1] - mid.want[1]) < 1e-9, "the slider at t = 0.5 puts z halfway between A and B");
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath, fullPage: true });
  console.log(`screenshot: ${screenshotPath}`);

  // Decode time: one decode is below performance.now()'s resolution in a page, so time many.
  const perDecode = [];
  for (let r = 0; r < 5; r++) perDecode.push(await page.evaluate(() => window.explorer.benchmark(200)));
  perDecode.sort((a, b) => a - b);
  console.log(`decode time in headless chromium: ${perDecode[2].toFixed(3)} ms per 28x28 image (median of 5 runs of 200 decodes)`);

  // The CVAE: same z, another class.
  await page.locator("input[value=cvae]").check();
  const images = [];
  for (let k = 0; k < CVAE_CLASSES.length; k++) {
    await page.selectOption("#class", String(CVAE_CLASSES[k]));
    const got = await decodeAt(CVAE_POINT);
    worst = Math.max(worst, compare(got, reference.cvae[k], `CVAE z = (${CVAE_POINT}), class ${CVAE_CLASSES[k]}`));
    images.push(got.gray);
  }
  // Any change shows y reaches the decoder (the values themselves were checked above); a
  // trained CVAE changes most pixels, the test's one-epoch model only some.
  const changed = images[0].filter((v, i) => v !== images[1][i]).length;
  const meanChange = images[0].reduce((s, v, i) => s + Math.abs(v - images[1][i]), 0) / images[0].length;
  check(changed > 0, `switching the CVAE class from ${CVAE_CLASSES[0]} to ${CVAE_CLASSES[1]} changes ${changed} of 784 pixels, by ${meanChange.toFixed(1)} of 255 on average`);
  console.log(`pixel agreement: max |wasm - native| = ${worst.toExponential(2)} over ${POINTS.length + CVAE_CLASSES.length} codes`);

  // Damaged checkpoints: the loader's own message, in the page.
  const good = fs.readFileSync(path.join(siteDir, "cvae.ckpt"));
  const flipped = Buffer.from(good);
  flipped[Math.floor(flipped.length / 2)] ^= 0x40;
  const vaeBytes = fs.readFileSync(path.join(siteDir, "vae.ckpt"));
  for (const [name, bytes, expect] of [["flipped.ckpt", flipped, "checksum mismatch"],
                                       ["truncated.ckpt", good.subarray(0, 1000), "truncated"],
                                       ["a-vae.ckpt", vaeBytes, "this is a VAE checkpoint, but it was loaded as the CVAE"]]) {
    await page.locator("#file").setInputFiles({ name, mimeType: "application/octet-stream", buffer: bytes });
    // Wait for this file's message, not the previous one (the page reads the file asynchronously).
    await page.waitForFunction((n) => document.getElementById("error").textContent.includes(n), name, { timeout: 5000 });
    const text = await page.locator("#error").textContent();
    check(text.includes(expect) && text.includes(name), `${name} shows the loader's message: ${JSON.stringify(text.split("\n")[1] || text)}`);
  }
  const still = await decodeAt(CVAE_POINT);
  check(still.gray.every((v, i) => v === images[1][i]), "after a failed load the page keeps decoding with the model it had");
} finally {
  await browser.close();
  server.close();
}
console.log(failures === 0 ? "browser test passed" : `browser test: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
