/**
 * `aeimg eval`: how good a model is, honestly. For every image of a folder: fidelity of the full
 * encode → quantize → entropy code → decode path on the clean image; the paper's Table 6 for each noise
 * (original vs noisy, vs decoded(noisy), vs a 3x3 median of the noisy image); and its Table 3 as time:
 * AES-256-GCM on the raw image vs on the coded latent, and every stage of the path.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { encodeImage, decodeImageRecord } from '../codec/image-codec.js';
import { gcmSeal } from '../crypto/primitives.js';
import { mapColourPlanes, type Image } from '../image/image.js';
import { encodePng, readImageFile } from '../image/io.js';
import { compareImages, type Similarity as Fidelity } from '../metrics/fidelity.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { median3x3, noisyImage, NOISES, type NoiseKind } from './noise.js';
import { extensionPattern, IMAGE_EXTENSIONS } from '../../../src-shared/files.js';

const IMAGE_EXT = extensionPattern(...IMAGE_EXTENSIONS);

export interface ImageEval {
  file: string;
  source: string;
  clean: Fidelity & { aeimgBytes: number; pngBytes: number; rawBytes: number; pixels: number };
  noise: Partial<Record<NoiseKind, { noisy: Fidelity; decoded: Fidelity; median: Fidelity }>>;
  timings: Record<string, number>;
}

export interface EvalOptions {
  bits: number;
  noises: NoiseKind[];
  limit?: number;
  seed?: number;
  onImage?: (done: number, total: number, file: string) => void;
}

export async function listImages(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listImages(p)));
    else if (IMAGE_EXT.test(e.name)) out.push(p);
  }
  return out.sort();
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

export async function evaluateImage(model: Autoencoder, file: string, root: string, opts: EvalOptions, index: number): Promise<ImageEval> {
  const rel = relative(root, file);
  const source = rel.includes(sep) ? rel.split(sep)[0]! : '';
  let t = performance.now();
  const image = await readImageFile(file);
  const timings: Record<string, number> = { read: performance.now() - t };
  const enc = await encodeImage(model, image, rel, { bits: opts.bits });
  Object.assign(timings, enc.timings);
  t = performance.now();
  const decoded = await decodeImageRecord(model, enc.record, enc.blobs);
  timings.decode = performance.now() - t;
  const latentBytes = Buffer.concat(enc.blobs);
  const raw = Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength);
  const key = Buffer.alloc(32, 1);
  const nonce = Buffer.alloc(12);
  timings.aesRaw = timeMs(() => gcmSeal(key, nonce, raw), 25);
  timings.aesLatent = timeMs(() => gcmSeal(key, nonce, latentBytes), 25);
  const png = await encodePng(image);
  const fileBytes = file.toLowerCase().endsWith('.png') ? (await stat(file)).size : Infinity;
  const result: ImageEval = {
    file: rel, source,
    clean: {
      ...compareImages(image, decoded), aeimgBytes: latentBytes.length, pngBytes: Math.min(png.length, fileBytes),
      rawBytes: raw.length, pixels: image.width * image.height,
    },
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
  images: number;
  mean: Summary;
  perSource: Record<string, Summary>;
  perImage: ImageEval[];
}

interface Summary {
  images: number;
  clean: { ssim: number; psnr: number; mse: number; aeimgBytes: number; pngBytes: number; rawBytes: number; bitsPerPixel: number };
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
  return {
    images: items.length,
    clean: {
      ...meanFid(c), aeimgBytes: mean(c.map((x) => x.aeimgBytes)), pngBytes: mean(c.map((x) => x.pngBytes)),
      rawBytes: mean(c.map((x) => x.rawBytes)), bitsPerPixel: mean(c.map((x) => (8 * x.aeimgBytes) / x.pixels)),
    },
    noise, timings,
  };
}

export async function evaluate(model: Autoencoder, dir: string, backend: string, opts: EvalOptions): Promise<EvalReport> {
  const files = (await listImages(dir)).slice(0, opts.limit ?? Infinity);
  const perImage: ImageEval[] = [];
  for (const [i, f] of files.entries()) {
    perImage.push(await evaluateImage(model, f, dir, opts, i));
    opts.onImage?.(i + 1, files.length, f);
  }
  const sources = [...new Set(perImage.map((p) => p.source).filter(Boolean))];
  return {
    model: { name: model.manifest.name, id: model.id, architecture: model.manifest.architecture },
    ...(model.hasDenoiser ? { denoiser: true } : {}),
    backend, data: dir, bits: opts.bits, images: perImage.length,
    mean: summarise(perImage),
    perSource: Object.fromEntries(sources.map((s) => [s, summarise(perImage.filter((p) => p.source === s))])),
    perImage,
  };
}
