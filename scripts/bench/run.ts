/**
 * `npm run bench`: measures aeimg on this machine and writes docs/benchmarks.md, .json and benchmarks-rd.svg.
 * Benchmarks are not tests: nothing here asserts a speed. Needs ../shared/data/mri-ct-slices (or --data DIR).
 * Also, per source of mri-ct-slices/val and slices16/val (--per-source N slices each, default 6): the network's
 * levels against JPEG, JPEG 2000 and JPEG XL (compare.ts), denoising, and the standards at equal guarantee
 * (standards.ts), with the issue's targets met or not. --compare-only measures just those into the saved results.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { encodeImage } from '../../src-main/engine/codec/image-codec.js';
import { encodePlanes } from '../../src-main/engine/codec/refinement.js';
import { DEFAULT_QUALITY, QUALITIES, QUALITY_LEVELS, REFINEMENT_BITS, resolveCoding } from '../../src-shared/quality.js';

/** The levels as they apply to the 8-bit slices measured here (`auto` is within-1 there). */
const codingFor = (quality: (typeof QUALITIES)[number]) => resolveCoding({ quality }, { bitDepth: 8, dicom: false });
import { gcmSeal } from '../../src-main/engine/crypto/primitives.js';
import { decodeImage, encodeJpeg, encodePng, readImageFile } from '../../src-main/engine/image/io.js';
import type { Image } from '../../src-main/engine/image/image.js';
import { decryptAeimgFile } from '../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import { CodecPool, mapLimit } from '../../src-main/engine/jobs/pool.js';
import { generateSharedKey } from '../../src-main/engine/keys/keyfile.js';
import { compareImages } from '../../src-main/engine/metrics/fidelity.js';
import { DEFAULT_MODEL, ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { initBackend } from '../../src-main/engine/model/tf.js';
import { timeMs } from '../../src-main/engine/train/evaluate.js';
import { compareMarkdown, measureBrainAll, measureRd, type BrainAll, type PooledCurves, type SourceRd } from './compare.js';
import { ctNoiseMarkdown, denoiseMarkdown, denoiseTargets, measureCtNoise, measureDenoise, type CtNoiseRow, type DenoiseRow } from './denoise.js';
import { bdRate, bdRateLinear, mosaic, rgbMosaic } from './images.js';
import { measureStandards, STANDARDS_METHOD, standardsTables, type StandardsRow } from './standards.js';

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

interface CompareResult {
  perSource: number; rd: SourceRd[]; brainAll: BrainAll[]; denoise: DenoiseRow[]; denoiseModels: string[]; ctNoise: CtNoiseRow[];
  standards: { perSource: number; rows: StandardsRow[] };
}
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

type Rd = { bpp: number; ssim: number; psnr: number };

/**
 * The command line as a user runs it: `aeimg --help` against `node -e 0` (median of 7, in one run), and 100 val slices
 * through one `aeimg encrypt` process at the default level, with the reader's figures (the default) and without.
 */
async function measureCli() {
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
    nodeMs: median(node), helpMs: median(help), built: existsSync(join(ROOT, 'dist-cli', 'aeimg.mjs')), slices: files.length,
    encryptPerSecond: await batch([]), encryptNoFiguresPerSecond: await batch(['--no-measure']),
    maxPerSecond: await batch(['--quality', 'max']), maxNoFiguresPerSecond: await batch(['--quality', 'max', '--no-measure']),
  };
  await rm(dir, { recursive: true, force: true });
  return out;
}

/** SSIM as decibels, -10·log10(1 − SSIM), which spreads the high end; and the monotone envelope of a curve. */
function ssimDb(s: number): number {
  return -10 * Math.log10(Math.max(1e-9, 1 - s));
}
function envelope(pts: { rate: number; q: number }[]): { rate: number; q: number }[] {
  return [...pts].sort((x, y) => x.rate - y.rate).filter((p, i, all) => all.slice(0, i).every((o) => o.q < p.q));
}

/** The denoising targets and sections that go into the comparison's part of docs/benchmarks.md (denoise.ts). */
function denoiseParts(c: Partial<CompareResult>): { targets: ReturnType<typeof denoiseTargets>; sections: string[] } {
  const rows = c.denoise ?? [];
  return {
    targets: rows.length && c.denoiseModels?.length ? denoiseTargets(rows, c.denoiseModels[0]!) : [],
    sections: [...denoiseMarkdown(rows), ...ctNoiseMarkdown(c.ctNoise ?? [])],
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function writeDocs(result: any): Promise<void> {
  const f1 = (x: number) => x.toFixed(1);
  const ms = (x: unknown) => (typeof x === 'number' ? (x < 10 ? x.toFixed(2) : x.toFixed(0)) : '-');
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const curve = (pts: Rd[], q: (p: Rd) => number) => envelope(pts.map((p) => ({ rate: p.bpp, q: q(p) })));
  const bdPsnr = bdRate(curve(result.rd.jpeg, (p) => p.psnr), curve(result.rd.aeimg, (p) => p.psnr));
  const bdSsim = bdRate(curve(result.rd.jpeg, (p) => ssimDb(p.ssim)), curve(result.rd.aeimg, (p) => ssimDb(p.ssim)));
  // The network's own levels, without the refinement layer: what the autoencoder alone achieves against JPEG.
  const netOnly = result.rd.aeimg.filter((p: { maxError?: number }) => p.maxError === undefined);
  const bdPsnrNet = bdRate(curve(result.rd.jpeg, (p) => p.psnr), curve(netOnly, (p) => p.psnr));
  const bdSsimNet = bdRate(curve(result.rd.jpeg, (p) => ssimDb(p.ssim)), curve(netOnly, (p) => ssimDb(p.ssim)));
  // The same with piecewise-linear log-rate (as the per-source tables): cubic fits through 4 points swing on these curves.
  const linNet = (q: (p: Rd) => number) => bdRateLinear(result.rd.jpeg.map((p: Rd) => ({ rate: p.bpp, q: q(p) })), netOnly.map((p: Rd) => ({ rate: p.bpp, q: q(p) })));
  const subset: PooledCurves = { slices: result.alternatives.slices, jpeg: result.rd.jpeg.map((p: Rd & { quality: number }) => ({ ...p, setting: `q${p.quality}` })),
    aeimg: netOnly.map((p: Rd & { quality: string }) => ({ ...p, setting: p.quality })).reverse() };
  const { stages, rd: { aeimg: rdAe, jpeg: rdJpeg }, machine: { cpu, cores } } = result;
    const stageRows = stages.map((s: Record<string, unknown>) => {
    const m = (s as { medians: Record<string, number> }).medians;
    return `| ${s.subject} | ${s.backend} | ${ms(m['enc.read'])} | ${ms(m['enc.encoder'])} | ${ms(m['enc.entropy'])} | ${ms(m['enc.encryptWrite'])} | ` +
      `**${ms(m.encryptTotal)}** | ${ms(m['dec.decrypt'])} | ${ms(m['dec.decoder'])} | ${ms(m['dec.write'])} | **${ms(m.decryptTotal)}** | ` +
      `${kb(s.pngBytes as number)} → ${kb(s.outputBytes as number)} | ${s.peakRssMB} MB |`;
  });
  const a = result.alternatives;
  const md = `# Benchmarks
  
  Measured by \`npm run bench\` (scripts/bench/run.ts${result.compare ? `, ${result.compare.perSource} slices a source for the per-source comparisons: \`--per-source N\`` : ''}) on ${cpu}, ${cores} cores, Node ${process.version}, ${result.machine.date.slice(0, 10)}${result.wallSeconds ? `; the whole run took ${(result.wallSeconds / 60).toFixed(1)} min` : ''}.
  Default inference backend here: \`${result.machine.backend}\`${result.machine.backend === 'wasm' ? ' (tfjs-node cannot be installed on this machine: no libtensorflow download)' : ''}.
  Medians of several runs per subject, each subject in its own process. Nothing here is asserted by the tests.
  
  ## Time per stage (ms), encrypt then decrypt
  
  | image | backend | read | encoder | quantize + entropy | AES-GCM + write | **encrypt** | read + AES-GCM open | entropy decode + decoder + PNG encode | write | **decrypt** | PNG → .aeimg | peak RSS |
  |---|---|---|---|---|---|---|---|---|---|---|---|---|
  ${stageRows.join('\n')}
  
  At the default level (\`auto\`: \`within-1\` for the 8-bit images, bit-exact for the 16-bit CT). The sender's fidelity
  figures (SSIM in every reader window, errors in real units), on by default in the CLI and the app, are off here
  except in the rows "with figures"; \`--no-measure\` skips them.
  
  ## Against what a user would do instead (${a.slices} val slices, 256², means)
  
  | | bytes | SSIM | encode (ms) | AES-256-GCM (ms) |
  |---|---|---|---|---|
  | raw pixels + AES-GCM | ${kb(65536)} | 1 | 0 | ${ms(a.aesRawMs)} |
  | PNG + AES-GCM | ${kb(a.pngBytes)} | 1 | ${ms(a.pngEncodeMs)} | ${ms(a.aesPngMs)} |
  | JPEG at the quality that matches our SSIM (mean q ${f1(a.jpegQuality)}) + AES-GCM | ${kb(a.jpegBytes)} | ${a.jpegSSIM.toFixed(4)} | ${ms(a.jpegEncodeMs)} | ${ms(a.aesJpegMs)} |
  | **aeimg \`max\`**, the network alone, no per-pixel guarantee (coded latent; the .aeimg adds ${kb(result.rd.overheadBytes)} of header, records and tags) | ${kb(a.oursBytes)} | ${a.oursSSIM.toFixed(4)} | see above | < 0.1 |
  
  AES-GCM is a fraction of a millisecond for any of these: the network is where the time goes, and the size is where
  the user gains.
  
  ## Size
  
  - Default quality (\`${DEFAULT_QUALITY}\`, on 8-bit slices \`${codingFor(DEFAULT_QUALITY).quality}\`: coded directly, no latent), real \`.aeimg\` files over ${result.size.slices} val slices: mean **${(100 * result.size.meanAeimgOverPng).toFixed(1)}%** of the lossless PNG, every pixel within ±1 (0.2's target of ≤ 50% was for its network-only default, \`max\`: see the rate–distortion table for \`max\`).
  - Lossless (\`--lossless\`, ${result.lossless.slices} slices): ${kb(result.lossless.aeimg)} vs PNG ${kb(result.lossless.png)} vs raw ${kb(result.lossless.raw)} (**${(100 * result.lossless.aeimg / result.lossless.png).toFixed(0)}% of PNG**, target < 100%).
    Since 0.3 the guaranteed levels are coded directly, with no latent (the coder alone: ${kb(result.lossless.alone)} of coded data a slice). As 0.2 wrote
    them, a ${REFINEMENT_BITS}-bit latent (${kb(result.lossless.latent)}) and a residual against its reconstruction (${kb(result.lossless.residual)}) took
    ${kb(result.lossless.latent + result.lossless.residual)}: ${result.lossless.alone < result.lossless.latent + result.lossless.residual
    ? `the latent cost ${kb(result.lossless.latent + result.lossless.residual - result.lossless.alone)} more than it saved, and a decoder pass (docs/decisions.md).`
    : 'the latent paid for itself here: revisit docs/decisions.md.'}
  
  ## Rate–distortion (${a.slices} val slices)
  
  ![rate-distortion](benchmarks-rd.svg)
  
  | aeimg quality | latent bits | max error | bits/pixel | SSIM | PSNR (dB) |
  |---|---|---|---|---|---|
  ${rdAe.map((p: Rd & { quality: string; bits?: number; maxError?: number }) => `| ${p.quality} | ${p.bits ?? "none"} | ${p.maxError === undefined ? '-' : `±${p.maxError}`} | ${p.bpp.toFixed(3)} | ${p.ssim.toFixed(4)} | ${p.psnr.toFixed(2)} |`).join('\n')}

  Rates are those of real \`.aeimg\` files (header, key stanza, records and GCM tags included: ${kb(result.rd.overheadBytes)} a file); JPEG's are
  of the bare JPEG. \`low\`..\`max\` are the network alone (its fidelity levels off near ${rdAe.filter((p: { maxError?: number }) => p.maxError === undefined).at(-1).psnr.toFixed(1)} dB); the \`within-N\` levels add the
  near-lossless refinement layer (every sample within ±N of the original, backgrounds exact).
  
  | JPEG quality | bits/pixel | SSIM | PSNR (dB) |
  |---|---|---|---|
  ${rdJpeg.map((p: Rd & { quality: number }) => `| ${p.quality} | ${p.bpp.toFixed(3)} | ${p.ssim.toFixed(4)} | ${p.psnr.toFixed(2)} |`).join('\n')}
  
  Bjøntegaard delta rate of aeimg against JPEG (negative = aeimg needs fewer bits for the same quality), over the
  overlapping quality range (cubic fits of log-rate over each curve's monotone envelope): **${f1(bdPsnr)}%** at equal
PSNR, **${f1(bdSsim)}%** at equal SSIM (as dB, −10·log10(1 − SSIM)). JPEG's SSIM is not monotonic in its quality on
these slices (whether the black background stays exactly 0 changes SSIM a lot), hence the envelope.
The network's levels alone (\`low\`..\`max\`, over their own narrower range): **${f1(bdPsnrNet)}%** at equal PSNR,
**${f1(bdSsimNet)}%** at equal SSIM (piecewise-linear instead of cubic: ${f1(linNet((p) => p.psnr))}% and ${f1(linNet((p) => ssimDb(p.ssim)))}%; the two
fits disagree by several points on these short curves); above ~38 dB it is the refinement layer that beats JPEG, not the network.
  
  <!-- compare -->
  ## Batch throughput (${result.batch.slices} slices of 256², ${cores} workers, no fidelity check)
  
  - encrypt: **${f1(result.batch.encryptPerSecond)} slices/s** (target ≥ 25)
  - decrypt (to PNG): **${f1(result.batch.decryptPerSecond)} slices/s** (target ≥ 15)
  - failures: ${result.batch.failed}
  ${result.cli ? `
  ## The command line as a user runs it
  
  - start-up: \`aeimg --help\` **${f1(result.cli.helpMs)} ms** against \`node -e 0\` ${f1(result.cli.nodeMs)} ms (**${(result.cli.helpMs / result.cli.nodeMs).toFixed(1)}x**, target ≤ 3x; ${result.cli.built ? 'the build in dist-cli/ that `npm ci` makes' : 'the TypeScript sources through tsx: dist-cli/ was not built'})
  - one \`aeimg encrypt\` process over ${result.cli.slices} val slices (256², one worker per core), the whole process timed:
    default level (\`auto\` = within-1 here) with the reader's figures **${f1(result.cli.encryptPerSecond)} slices/s**, without them (\`--no-measure\`)
    ${f1(result.cli.encryptNoFiguresPerSecond)}; the network alone (\`--quality max\`) ${f1(result.cli.maxPerSecond)} with figures, ${f1(result.cli.maxNoFiguresPerSecond)} without (target ≥ 25 at the default with figures)
  ` : ''}`;
  const text = md.replace(/^ {2}/gm, '') // the template is indented with the code
    .replace('<!-- compare -->\n', result.compare ? `${compareMarkdown(result.compare, subset, denoiseParts(result.compare))}\n${standardsSection(result.compare.standards)}\n` : '');
  await writeFile(join(ROOT, 'docs', 'benchmarks.md'), text);
  await writeFile(join(ROOT, 'docs', 'benchmarks.json'), JSON.stringify(result, null, 1));
  await writeFile(join(ROOT, 'docs', 'benchmarks-rd.svg'), rdSvg(rdAe, rdJpeg));
  process.stdout.write(text);
}

function standardsSection(s: { perSource: number; rows: StandardsRow[] }): string {
  return ['## Standards at equal guarantee (issue #18)', '',
    `aeimg's guaranteed levels against what a department would use for the same guarantee, ${s.perSource} slices spread over each`,
    `source's \`val\` (the same measurement as \`npm run bench:standards\`, which writes docs/standards.md with more slices). ${STANDARDS_METHOD}`, '',
    ...standardsTables(s.rows, '###')].join('\n');
}

function rdSvg(ae: { bpp: number; psnr: number }[], jp: { bpp: number; psnr: number }[]): string {
  const W = 560, H = 360, L = 60, B = 50, T = 30, R = 20;
  const all = [...ae, ...jp];
  const xMax = Math.max(...all.map((p) => p.bpp)) * 1.05;
  const yMin = Math.floor(Math.min(...all.map((p) => p.psnr)) - 1), yMax = Math.ceil(Math.max(...all.map((p) => p.psnr)) + 1);
  const x = (v: number) => L + (v / xMax) * (W - L - R);
  const y = (v: number) => T + (1 - (v - yMin) / (yMax - yMin)) * (H - T - B);
  const line = (pts: { bpp: number; psnr: number }[], c: string) => `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${x(p.bpp)},${y(p.psnr)}`).join(' ')}"/>` +
    pts.map((p) => `<circle cx="${x(p.bpp)}" cy="${y(p.psnr)}" r="3" fill="${c}"/>`).join('');
  const ticks = Array.from({ length: 6 }, (_, i) => (xMax * i) / 5);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<text x="${L}" y="18" font-size="13">PSNR vs bits per pixel, mri-ct-slices/val</text>
${ticks.map((t) => `<text x="${x(t)}" y="${H - B + 16}" text-anchor="middle">${t.toFixed(2)}</text>`).join('')}
${Array.from({ length: yMax - yMin + 1 }, (_, i) => yMin + i).filter((v) => v % 2 === 0).map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`).join('')}
<text x="${(W + L) / 2}" y="${H - 12}" text-anchor="middle">bits per pixel</text><text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">PSNR (dB)</text>
${line(jp, '#7a9cc6')}${line(ae, '#d9534f')}
<text x="${W - 150}" y="${H - B - 30}" fill="#d9534f">aeimg (quality levels)</text><text x="${W - 150}" y="${H - B - 15}" fill="#7a9cc6">JPEG (quality 5–95)</text>
</svg>`;
}
