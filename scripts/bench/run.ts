/**
 * `npm run bench`: measures aeimg on this machine and writes docs/benchmarks.md, .json and benchmarks-rd.svg.
 * Benchmarks are not tests: nothing here asserts a speed. Needs ../shared/data/mri-ct-slices (or --data DIR).
 * Also, per source of mri-ct-slices/val and slices16/val (--per-source N slices each, default 6): the network's
 * levels against JPEG, JPEG 2000 and JPEG XL (compare.ts), denoising, and the standards at equal guarantee
 * (standards.ts), with the targets met or not. --compare-only measures just those into the saved results;
 * --render writes the documents again from the saved results (report.ts).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { encodeImage } from '../../src-main/engine/codec/image-codec.js';
import { encodePlanes } from '../../src-main/engine/codec/refinement.js';
import { DEFAULT_QUALITY, QUALITIES, QUALITY_LEVELS } from '../../src-shared/quality.js';
import { gcmSeal } from '../../src-main/engine/crypto/primitives.js';
import { decodeImage, encodePng, readImageFile } from '../../src-main/engine/image/io.js';
import { encodeJpeg } from './jpeg.js';
import type { Image } from '../../src-main/engine/image/image.js';
import { decryptAeimgFile } from '../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import { CodecPool, mapLimit } from '../../src-main/engine/jobs/pool.js';
import { generateSharedKey } from '../../src-main/engine/keys/keyfile.js';
import { compareImages } from '../../src-main/engine/metrics/fidelity.js';
import { DEFAULT_MODEL, ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { initBackend } from '../../src-main/engine/model/tf.js';
import { timeMs } from '../../src-main/engine/train/evaluate.js';
import { measureBrainAll, measureRd } from './compare.js';
import { measureCtNoise, measureDenoise } from './denoise.js';
import { mosaic, rgbMosaic } from './images.js';
import { codingFor, writeDocs, type CompareResult } from './report.js';
import { measureStandards } from './standards.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DATA = join(ROOT, '..', 'shared', 'data', 'mri-ct-slices');
const { values } = parseArgs({ options: {
  data: { type: 'string', default: DATA }, quick: { type: 'boolean', default: false },
  // Re-render docs/benchmarks.md and the plot from docs/benchmarks.json without measuring again.
  render: { type: 'boolean', default: false },
  // Measure only the command line as a user runs it (start-up, whole-process batch) into the saved results.
  'cli-only': { type: 'boolean', default: false },
  // Slices per source for the per-source comparisons (rate–distortion, denoising, standards).
  'per-source': { type: 'string', default: '6' },
  // Measure only the per-source comparisons into the saved results.
  'compare-only': { type: 'boolean', default: false },
} });
const started = performance.now();
const run = promisify(execFile);
if (values.render || values['cli-only']) {
  const saved = JSON.parse(await readFile(join(ROOT, 'docs', 'benchmarks.json'), 'utf8'));
  if (values['cli-only']) saved.cli = await measureCli();
  await writeDocs(saved);
  process.exit(0);
}
const log = (s: string) => process.stderr.write(`${s}\n`);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** A 4096² 16-bit CT mosaic (stored = HU + 1024) from the axial slices of slices16/val, if that folder is there. */
async function ct16Mosaic(dir: string): Promise<Image | null> {
  const names = await readdir(dir).then((n) => n.filter((f) => f.startsWith('ct-cranium_axial')).sort(), () => []);
  if (names.length === 0) return null;
  const tiles = await Promise.all(names.map((f) => readImageFile(join(dir, f))));
  const px = new Uint16Array(4096 * 4096);
  for (let t = 0; t < 256; t++) {
    const s = tiles[t % tiles.length]!, tx = (t % 16) * 256, ty = Math.floor(t / 16) * 256;
    for (let y = 0; y < 256; y++) px.set(s.pixels.subarray(y * 256, y * 256 + 256), (ty + y) * 4096 + tx);
  }
  return { width: 4096, height: 4096, channels: 1, bitDepth: 16, pixels: px };
}

const work = await mkdtemp(join(tmpdir(), 'aeimg-bench-'));
const valDir = join(values.data, 'val');
const valFiles = (await readdir(valDir)).filter((f) => f.endsWith('.png')).sort().map((f) => join(valDir, f));
const trainDir = join(values.data, 'train');
const trainFiles = (await readdir(trainDir)).filter((f) => f.endsWith('.png')).sort().map((f) => join(trainDir, f));
const subset = valFiles.filter((_, i) => i % 4 === 0); // 50 slices for the slower comparisons
const backend = (await initBackend()).name;
const models = new ModelCache();
const model = await models.byName(DEFAULT_MODEL);
const key = generateSharedKey('bench');
const perSource = values.quick ? 2 : Number(values['per-source']);

/** The per-source comparisons: rate–distortion against the standard lossy codecs, denoising, standards at equal guarantee. */
async function measureCompare(): Promise<CompareResult> {
  log(`per-source comparisons, ${perSource} slices a source…`);
  const data = join(values.data, '..');
  const rd = await measureRd({ model, models, key, data, work, perSource });
  const brainAll = await measureBrainAll(model, data);
  const denoiseModels = [DEFAULT_MODEL, 'mrct-grey-clean'];
  const denoise = await measureDenoise(Object.fromEntries(await Promise.all(denoiseModels.map(async (n) => [n, await models.byName(n)] as const))), data, perSource);
  const ctNoise = await measureCtNoise(model, data, perSource);
  log('standards at equal guarantee…');
  const standards = { perSource, rows: await measureStandards(model, perSource, data) };
  return { perSource, rd, brainAll, denoise, denoiseModels, ctNoise, standards };
}
if (values['compare-only']) {
  const saved = JSON.parse(await readFile(join(ROOT, 'docs', 'benchmarks.json'), 'utf8'));
  saved.compare = await measureCompare();
  saved.compare.seconds = (performance.now() - started) / 1000;
  await writeDocs(saved);
  await rm(work, { recursive: true, force: true });
  await models.dispose();
  process.exit(0);
}
// 256 distinct slices, so the 4096² mosaic repeats none (brotli in 0.1 profited from repeated tiles).
const slices = await Promise.all([...valFiles, ...trainFiles].slice(0, 256).map((f) => readImageFile(f)));

// 1. Stages per size and backend at the default level, each subject in its own process; the 4096² images also with
// the reader's fidelity figures (the CLI's default), to show their cost in time and memory.
const ct16 = await ct16Mosaic(join(values.data, '..', 'slices16', 'val'));
const subjects: [string, Image, number][] = [
  ['grey 256²', slices[0]!, 7], ['grey 512²', mosaic(slices, 2), 5], ['grey 2048²', mosaic(slices, 8), 3],
  ['grey 4096²', mosaic(slices, 16), 2], ...(ct16 ? [['CT 16-bit 4096²', ct16, 2] as [string, Image, number]] : []), ['RGB 512²', rgbMosaic(slices, 2), 5],
];
const stages: Record<string, unknown>[] = [];
const backends = [backend, ...(backend !== 'cpu' ? ['cpu'] : [])];
for (const [name, img, runs] of values.quick ? subjects.slice(0, 1) : subjects) {
  const file = join(work, `${name.replace(/\W+/g, '_')}.png`);
  await writeFile(file, await encodePng(img));
  for (const be of backends) {
    if (be === 'cpu' && img.width > 256) continue; // the plain-JS backend is far too slow for big images
    log(`stages: ${name} on ${be}…`);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/child.ts'), file, String(be === 'cpu' ? 1 : runs)],
      { env: { ...process.env, AEIMG_BACKEND: be }, cwd: ROOT, maxBuffer: 1 << 24 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    stages.push({ subject: name, pixels: img.width * img.height, pngBytes: (await stat(file)).size, ...r });
    if (img.width === 4096 && be === backend) {
      log(`stages: ${name} with the reader's figures…`);
      const m = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/bench/child.ts'), file, String(runs), 'measure'],
        { env: { ...process.env, AEIMG_BACKEND: be }, cwd: ROOT, maxBuffer: 1 << 24 });
      stages.push({ subject: `${name}, with figures`, pixels: img.width * img.height, pngBytes: (await stat(file)).size, ...JSON.parse(m.stdout.trim().split('\n').pop()!) });
    }
  }
}

// 2. What a user would do instead, on 256² slices: PNG + AES-GCM, JPEG matched to our SSIM + AES-GCM, raw + AES-GCM.
log('alternatives…');
const aesKey = Buffer.alloc(32, 7);
const nonce = Buffer.alloc(12);
const alt = { ours: [] as number[], oursSsim: [] as number[], png: [] as number[], jpeg: [] as number[], jpegSsim: [] as number[], jpegQ: [] as number[],
  tPng: [] as number[], tJpeg: [] as number[], tRawAes: [] as number[], tPngAes: [] as number[], tJpegAes: [] as number[] };
for (const f of subset) {
  const img = await readImageFile(f);
  const enc = await encodeImage(model, img, 'x', { bits: QUALITY_LEVELS.max.bits, measure: true });
  alt.ours.push(enc.blobs[0]!.length);
  alt.oursSsim.push(enc.record.fidelity!.ssim);
  const png = await encodePng(img);
  alt.png.push(Math.min(png.length, (await stat(f)).size));
  let lo = 1, hi = 100, best: Buffer | null = null, bestQ = 100, bestS = 0;
  while (lo <= hi) {
    const q = (lo + hi) >> 1;
    const j = await encodeJpeg(img, q);
    const s = compareImages(img, await decodeImage(j)).ssim;
    if (s >= enc.record.fidelity!.ssim) { best = j; bestQ = q; bestS = s; hi = q - 1; } else lo = q + 1;
  }
  best ??= await encodeJpeg(img, 100);
  alt.jpeg.push(best.length); alt.jpegQ.push(bestQ); alt.jpegSsim.push(bestS);
  const raw = Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength);
  alt.tRawAes.push(timeMs(() => gcmSeal(aesKey, nonce, raw), 15));
  alt.tPngAes.push(timeMs(() => gcmSeal(aesKey, nonce, png), 15));
  alt.tJpegAes.push(timeMs(() => gcmSeal(aesKey, nonce, best!), 15));
  let t = performance.now(); await encodePng(img); alt.tPng.push(performance.now() - t);
  t = performance.now(); await encodeJpeg(img, bestQ); alt.tJpeg.push(performance.now() - t);
}

// 3. Size at the default quality over all of val, with real .aeimg files; and lossless.
log('sizes over val…');
const sizeDir = join(work, 'sizes');
await mkdir(sizeDir);
const ratios: number[] = [];
for (const f of values.quick ? subset.slice(0, 5) : valFiles) {
  const r = await encryptImageFile(f, { model, recipients: [key], outDir: sizeDir, force: true, measure: false });
  ratios.push(r.outputBytes / r.inputBytes);
}
const lossless: { aeimg: number; png: number; raw: number; latent: number; residual: number; alone: number }[] = [];
for (const f of subset.slice(0, values.quick ? 3 : 50)) {
  const r = await encryptImageFile(f, { model, recipients: [key], outDir: sizeDir, force: true, measure: false, coding: { quality: 'lossless' } });
  // The same refinement coder with no network reconstruction to lean on: what the latent buys (or costs) here.
  const img = await readImageFile(f);
  const flat = new Uint8Array(img.pixels.length);
  const alone = encodePlanes([{ geometry: { width: img.width, height: img.height, top: 255, floor: 0 }, orig: img.pixels, dec: flat }], 0).data.length;
  const e = await encodeImage(model, img, 'x', { maxError: 0, latent: true }); // as 0.2 wrote it: latent + refinement
  lossless.push({ aeimg: r.outputBytes, png: r.inputBytes, raw: r.rawBytes, latent: e.blobs[0]!.length, residual: e.blobs[2]!.length, alone });
}

// 4. Rate–distortion: the quality levels vs JPEG qualities, mean over the subset. Rates are of real .aeimg files
// (header, key stanza, record and tags included); JPEG's are of the bare JPEG.
log('rate–distortion…');
const overhead: number[] = []; // bytes of a real file beyond its coded blobs: header, stanza, records, tags
const rdAe: { quality: string; bits?: number; maxError?: number; bpp: number; ssim: number; psnr: number }[] = [];
for (const quality of QUALITIES.filter((q) => q !== 'auto' && q !== 'lossless')) {
  const pts = [];
  for (const f of subset) {
    const img = await readImageFile(f);
    const r = await encryptImageFile(f, { model, recipients: [key], outDir: sizeDir, force: true, measure: false, coding: { quality } });
    const dec = await decryptAeimgFile(r.output, { identities: [key], models, write: false });
    const blobs = dec.images[0]!.record.blobs;
    overhead.push(r.outputBytes - blobs.latent - blobs.alpha - blobs.residual);
    pts.push({ bpp: (8 * r.outputBytes) / (img.width * img.height), ...compareImages(img, dec.images[0]!.image) });
  }
  rdAe.push({ ...codingFor(quality), bpp: mean(pts.map((p) => p.bpp)), ssim: mean(pts.map((p) => p.ssim)), psnr: mean(pts.map((p) => p.psnr)) });
}
const rdJpeg: { quality: number; bpp: number; ssim: number; psnr: number }[] = [];
for (const quality of [5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]) {
  const pts = await Promise.all(subset.map(async (f) => {
    const img = await readImageFile(f);
    const j = await encodeJpeg(img, quality);
    return { bpp: (8 * j.length) / (img.width * img.height), ...compareImages(img, await decodeImage(j)) };
  }));
  rdJpeg.push({ quality, bpp: mean(pts.map((p) => p.bpp)), ssim: mean(pts.map((p) => p.ssim)), psnr: mean(pts.map((p) => p.psnr)) });
}

// 5. Throughput: a 300-slice batch through the worker pool (one worker per core), as `aeimg encrypt --jobs`.
log('300-slice batch…');
const batchDir = join(work, 'batch');
await mkdir(join(batchDir, 'out'), { recursive: true });
const batch = [...valFiles, ...trainFiles].slice(0, values.quick ? 20 : 300);
await Promise.all(batch.map((f, i) => copyFile(f, join(batchDir, `s${String(i).padStart(3, '0')}.png`))));
const inputs = batch.map((_, i) => join(batchDir, `s${String(i).padStart(3, '0')}.png`));
const pool = CodecPool.create(availableParallelism());
await pool.encode(DEFAULT_MODEL, { input: inputs[0]!, coding: { quality: DEFAULT_QUALITY }, measure: false, maxPixels: 1 << 26 }); // warm-up: workers load the model
let t0 = performance.now();
const encResults = await mapLimit(inputs, pool.size * 2, (input) => encryptImageFile(input, {
  model, recipients: [key], force: true, measure: false, encode: (task) => pool.encode(DEFAULT_MODEL, task) }));
const encSeconds = (performance.now() - t0) / 1000;
t0 = performance.now();
const decResults = await mapLimit(inputs, pool.size * 2, (input) => decryptAeimgFile(input.replace(/\.png$/, '.aeimg'), {
  identities: [key], models, outDir: join(batchDir, 'out'), force: true, decode: (...a) => pool.decode(...a) }));
const decSeconds = (performance.now() - t0) / 1000;
await pool.close();
const failed = [...encResults, ...decResults].filter((r) => r.status === 'rejected').length;
const cli = await measureCli();
const compare = await measureCompare();

// Report.
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const result = {
  machine: { cpu, cores: availableParallelism(), node: process.version, backend, date: new Date().toISOString() },
  stages, alternatives: {
    slices: subset.length, oursBytes: mean(alt.ours), oursSSIM: mean(alt.oursSsim), pngBytes: mean(alt.png), jpegBytes: mean(alt.jpeg),
    jpegSSIM: mean(alt.jpegSsim), jpegQuality: mean(alt.jpegQ), pngEncodeMs: mean(alt.tPng), jpegEncodeMs: mean(alt.tJpeg),
    aesRawMs: mean(alt.tRawAes), aesPngMs: mean(alt.tPngAes), aesJpegMs: mean(alt.tJpegAes),
  },
  size: { slices: ratios.length, meanAeimgOverPng: mean(ratios) },
  lossless: { slices: lossless.length, aeimg: mean(lossless.map((l) => l.aeimg)), png: mean(lossless.map((l) => l.png)), raw: mean(lossless.map((l) => l.raw)),
    latent: mean(lossless.map((l) => l.latent)), residual: mean(lossless.map((l) => l.residual)), alone: mean(lossless.map((l) => l.alone)) },
  rd: { aeimg: rdAe, jpeg: rdJpeg, overheadBytes: mean(overhead) },
  batch: { slices: batch.length, workers: availableParallelism(), encryptPerSecond: batch.length / encSeconds, decryptPerSecond: batch.length / decSeconds, failed },
  cli, compare, wallSeconds: (performance.now() - started) / 1000,
};
await writeDocs(result);
await rm(work, { recursive: true, force: true });
await models.dispose();

/**
 * The command line as a user runs it: `aeimg --help` against `node -e 0` (median of 7, in one run), and 100 val slices
 * through one `aeimg encrypt` process at the default level, with the reader's figures (the default) and without.
 * dist-cli/ is rebuilt first, as `npm ci` leaves it: in a working tree edited since the last build, bin/aeimg.js would
 * run the sources through tsx instead, and the start-up figure would be that of a developer's tree, not a user's.
 */
async function measureCli() {
  await run(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT });
  const time = async (args: string[]) => { const t = performance.now(); await run(process.execPath, args, { cwd: ROOT, maxBuffer: 1 << 24 }); return performance.now() - t; };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const cliBin = join(ROOT, 'bin', 'aeimg.js');
  const node: number[] = [], help: number[] = [];
  for (let i = 0; i < 7; i++) { node.push(await time(['-e', '0'])); help.push(await time([cliBin, '--help'])); }
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-bench-cli-'));
  const files = (await readdir(join(values.data, 'val'))).filter((f) => f.endsWith('.png')).sort().slice(0, 100);
  await mkdir(join(dir, 'in'));
  await Promise.all(files.map((f) => copyFile(join(values.data, 'val', f), join(dir, 'in', f))));
  await run(process.execPath, [cliBin, 'keygen', '-o', join(dir, 'k.key')]);
  const batch = async (extra: string[]) => files.length / ((await time([cliBin, 'encrypt', join(dir, 'in'), '-o', join(dir, 'out'), '--key-file', join(dir, 'k.key'), '--force', ...extra])) / 1000);
  const out = {
    nodeMs: median(node), helpMs: median(help), slices: files.length,
    encryptPerSecond: await batch([]), encryptNoFiguresPerSecond: await batch(['--no-measure']),
    maxPerSecond: await batch(['--quality', 'max']), maxNoFiguresPerSecond: await batch(['--quality', 'max', '--no-measure']),
  };
  await rm(dir, { recursive: true, force: true });
  return out;
}

