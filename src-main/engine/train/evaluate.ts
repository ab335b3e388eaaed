/**
 * `aeimg eval`: how good a model is, honestly. For every image of a folder: fidelity of the full
 * encode → quantize → entropy code → decode path on the clean image; the paper's Table 6 for each noise
 * (original vs noisy, vs decoded(noisy), vs a 3x3 median of the noisy image); and its Table 3 as time:
 * AES-256-GCM on the raw image vs on the coded latent, and every stage of the path.
 */
import { stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { encodeImage, decodeImageRecord } from '../codec/image-codec.js';
import { gcmSeal } from '../crypto/primitives.js';
import { mapColourPlanes, type Image } from '../image/image.js';
import { encodePng } from '../image/io.js';
import { compareImages, type Similarity as Fidelity } from '../metrics/fidelity.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { median3x3, noisyImage, NOISES, type NoiseKind } from './noise.js';
import { examplesUnder, type Example } from './examples.js';
import { worstSsim, type Fidelity as RecordFidelity } from '../../../src-shared/fidelity.js';
import { windowLabel } from '../../../src-shared/windows.js';

/**
 * What a reader sees of the decoded image (0.50): its worst reader window (a CT's presets in HU, a DICOM file's own
 * windows; an image without units, its 1st–99th percentile) and its error in the image's units, as the sender is told.
 * The whole-range SSIM beside it hardly moves for a CT's error of tens of HU.
 */
export interface ReaderFigures {
  /** Its worst window as a reader names it ("brain 40/80"), and by its name alone ("brain"), as the summary counts them. */
  window: string;
  name: string;
  ssim: number;
  /** 'HU', another unit, or '' (stored values). */
  units: string;
  rmse: number;
  maxAbs: number;
}

export interface ImageEval {
  file: string;
  source: string;
  clean: Fidelity & { aeimgBytes: number; pngBytes: number; rawBytes: number; pixels: number };
  reader: ReaderFigures;
  noise: Partial<Record<NoiseKind, { noisy: Fidelity; decoded: Fidelity; median: Fidelity }>>;
  timings: Record<string, number>;
}

export interface EvalOptions {
  bits: number;
  noises: NoiseKind[];
  limit?: number;
  seed?: number;
  /** After each image (a DICOM file's frames each), with its name under the folder. */
  onImage?: (done: number, name: string) => void;
  /** ExampleOptions.ctIntercept: the image files are a CT's 16-bit exports (HU = value + this). */
  ctIntercept?: number;
}

/** The 3x3 median of each colour plane (the classic denoising baseline); alpha as it is. */
export function medianCopy(image: Image): Image {
  return mapColourPlanes(image, (src) => {
    const m = median3x3(src, image.height, image.width);
    return src.map((_, i) => m[i]!);
  });
}

/** Median of `reps` timings of fn, in ms. */
export function timeMs(fn: () => void, reps: number): number {
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

function readerFigures(f: RecordFidelity): ReaderFigures {
  const worst = f.windows?.[0];
  const errors = f.real ?? f.stored;
  return {
    window: worst ? windowLabel(worst) : 'full range', name: worst?.name ?? 'full range', ssim: worstSsim(f),
    units: errors?.units ?? '', rmse: errors?.rmse ?? Math.sqrt(f.mse), maxAbs: errors?.maxAbs ?? NaN,
  };
}

/** `example` (examples.ts) through the model: its clean figures, a reader's, its noise table and its stage times. */
export async function evaluateExample(model: Autoencoder, example: Example, root: string, opts: EvalOptions, index: number): Promise<ImageEval> {
  const { image, display, name: rel } = example;
  const source = rel.includes(sep) ? rel.split(sep)[0]! : '';
  const timings: Record<string, number> = { read: example.readMs };
  const enc = await encodeImage(model, image, rel, { bits: opts.bits, measure: true, display });
  Object.assign(timings, enc.timings);
  const t = performance.now();
  const decoded = await decodeImageRecord(model, enc.record, enc.blobs);
  timings.decode = performance.now() - t;
  const latentBytes = Buffer.concat(enc.blobs);
  const raw = Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength);
  const key = Buffer.alloc(32, 1);
  const nonce = Buffer.alloc(12);
  timings.aesRaw = timeMs(() => gcmSeal(key, nonce, raw), 25);
  timings.aesLatent = timeMs(() => gcmSeal(key, nonce, latentBytes), 25);
  const png = await encodePng(image);
  const fileBytes = rel.toLowerCase().endsWith('.png') ? (await stat(join(root, rel))).size : Infinity;
  const result: ImageEval = {
    file: rel, source,
    clean: {
      ...compareImages(image, decoded), aeimgBytes: latentBytes.length, pngBytes: Math.min(png.length, fileBytes),
      rawBytes: raw.length, pixels: image.width * image.height,
    },
    reader: readerFigures(enc.record.fidelity!),
    noise: {},
    timings,
  };
  for (const [k, kind] of opts.noises.entries()) {
    const noisy = noisyImage(image, kind, (opts.seed ?? 1) * 1_000_003 + index * 17 + k);
    const coded = await encodeImage(model, noisy, rel, { bits: opts.bits });
    // The paper's Table 6 role: a model's denoiser where it has one (its faithful decoder keeps the noise by design).
    const den = await decodeImageRecord(model, coded.record, coded.blobs, undefined, model.hasDenoiser ? { denoise: true } : undefined);
    result.noise[kind] = { noisy: compareImages(image, noisy), decoded: compareImages(image, den), median: compareImages(image, medianCopy(noisy)) };
  }
  return result;
}

export interface EvalReport {
  model: { name: string; id: string; architecture: string };
  /** The noise figures are the model's denoiser's (it has one). */
  denoiser?: boolean;
  backend: string;
  data: string;
  bits: number;
  /** EvalOptions.ctIntercept, where the image files were declared a CT's. */
  ctIntercept?: number;
  /** What perSource groups by: the data folder's sub-folders, or, in a folder without any, the file names' prefixes. */
  sourcesBy?: 'sub-folder' | 'name prefix';
  images: number;
  mean: Summary;
  perSource: Record<string, Summary>;
  perImage: ImageEval[];
}

interface Summary {
  images: number;
  clean: { ssim: number; psnr: number; mse: number; aeimgBytes: number; pngBytes: number; rawBytes: number; bitsPerPixel: number };
  /** Means of ReaderFigures (ssim, rmse), the largest maxAbs, the windows that were worst ("brain ×3", most often first), the units ('mixed'). */
  reader: { ssim: number; rmse: number; maxAbs: number; units: string; windows: string[] };
  noise: Partial<Record<NoiseKind, { noisy: Fidelity; decoded: Fidelity; median: Fidelity }>>;
  timings: Record<string, number>;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const meanFid = (fs: Fidelity[]): Fidelity => ({ ssim: mean(fs.map((f) => f.ssim)), psnr: mean(fs.map((f) => f.psnr)), mse: mean(fs.map((f) => f.mse)) });

export function summarise(items: ImageEval[]): Summary {
  const noise: Summary['noise'] = {};
  for (const kind of NOISES) {
    const have = items.filter((i) => i.noise[kind]);
    if (have.length) {
      noise[kind] = {
        noisy: meanFid(have.map((i) => i.noise[kind]!.noisy)),
        decoded: meanFid(have.map((i) => i.noise[kind]!.decoded)),
        median: meanFid(have.map((i) => i.noise[kind]!.median)),
      };
    }
  }
  const timings: Record<string, number> = {};
  for (const k of Object.keys(items[0]?.timings ?? {})) timings[k] = mean(items.map((i) => i.timings[k] ?? 0));
  const c = items.map((i) => i.clean);
  const r = items.map((i) => i.reader);
  const units = [...new Set(r.map((x) => x.units))];
  const worst = new Map<string, number>();
  for (const x of r) worst.set(x.name, (worst.get(x.name) ?? 0) + 1);
  return {
    images: items.length,
    reader: {
      ssim: mean(r.map((x) => x.ssim)), rmse: mean(r.map((x) => x.rmse)), maxAbs: Math.max(...r.map((x) => x.maxAbs)),
      units: units.length === 1 ? units[0]! : 'mixed', windows: [...worst.entries()].sort((a, b) => b[1] - a[1]).map(([w, n]) => `${w} ×${n}`),
    },
    clean: {
      ...meanFid(c), aeimgBytes: mean(c.map((x) => x.aeimgBytes)), pngBytes: mean(c.map((x) => x.pngBytes)),
      rawBytes: mean(c.map((x) => x.rawBytes)), bitsPerPixel: mean(c.map((x) => (8 * x.aeimgBytes) / x.pixels)),
    },
    noise, timings,
  };
}

/**
 * A folder without sub-folders whose file names say their source before an underscore (the shared data's
 * "ct-cranium_axial_020.png", "colin27_axial_020.png"): each image's source is that prefix, where it splits the folder
 * into two or more groups of two or more (aeimg 0.51; before, such a folder was reported pooled only). Whether it did.
 */
function namePrefixSources(perImage: ImageEval[]): boolean {
  if (perImage.length === 0 || perImage.some((p) => p.source !== '' || !p.file.includes('_'))) return false;
  const prefix = (p: ImageEval) => p.file.slice(0, p.file.indexOf('_'));
  const counts = new Map<string, number>();
  for (const p of perImage) counts.set(prefix(p), (counts.get(prefix(p)) ?? 0) + 1);
  if (counts.size < 2 || [...counts.values()].some((n) => n < 2)) return false;
  for (const p of perImage) p.source = prefix(p);
  return true;
}

export async function evaluate(model: Autoencoder, dir: string, backend: string, opts: EvalOptions): Promise<EvalReport> {
  const perImage: ImageEval[] = [];
  for await (const example of examplesUnder(dir, opts.limit, { ctIntercept: opts.ctIntercept })) {
    perImage.push(await evaluateExample(model, example, dir, opts, perImage.length));
    opts.onImage?.(perImage.length, example.name);
  }
  const sourcesBy = namePrefixSources(perImage) ? 'name prefix' : 'sub-folder';
  const sources = [...new Set(perImage.map((p) => p.source).filter(Boolean))];
  return {
    model: { name: model.manifest.name, id: model.id, architecture: model.manifest.architecture },
    ...(model.hasDenoiser ? { denoiser: true } : {}),
    backend, data: dir, bits: opts.bits, ctIntercept: opts.ctIntercept, images: perImage.length,
    mean: summarise(perImage),
    ...(sources.length ? { sourcesBy } : {}),
    perSource: Object.fromEntries(sources.map((s) => [s, summarise(perImage.filter((p) => p.source === s))])),
    perImage,
  };
}
