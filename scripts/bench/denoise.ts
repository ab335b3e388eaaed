/**
 * Part of `npm run bench` (scripts/bench/run.ts): aeimg's denoising against the noisy input and a 3x3 median.
 *  - The paper's four noises (src-main/engine/train/noise.ts) on the val of every source: SSIM/PSNR over the stored range
 *    of the noisy input, its 3x3 median, the impulse repair alone, `max` through each model's faithful decoder and its
 *    denoised view, and the denoised view of a file at the default level. Issue #14's denoising target.
 *  - Noise at a scanner's level on the 16-bit CT in HU: Gaussian σ in HU, SSIM in the windows a reader uses.
 */
import { decodeImageRecord, encodeImage } from '../../src-main/engine/codec/image-codec.js';
import type { Image } from '../../src-main/engine/image/image.js';
import { repairImpulses } from '../../src-main/engine/image/impulses.js';
import { readImageFile } from '../../src-main/engine/image/io.js';
import { compareImages, readerFidelity } from '../../src-main/engine/metrics/fidelity.js';
import type { Autoencoder } from '../../src-main/engine/model/autoencoder.js';
import { medianCopy } from '../../src-main/engine/train/evaluate.js';
import { noisyImage, NOISES, withGaussianNoise, withGrainNoise, type NoiseKind } from '../../src-main/engine/train/noise.js';
import { DEFAULT_QUALITY, QUALITY_LEVELS, resolveCoding } from '../../src-shared/quality.js';
import type { DisplayModel } from '../../src-shared/windows.js';
import { f1, f4, mean, type Targets } from './compare.js';
import { evaluationSources, spread } from './sources.js';

const log = (s: string) => process.stderr.write(`${s}\n`);

interface Sim { ssim: number; psnr: number }

export interface DenoiseRow {
  source: string; noise: NoiseKind; slices: number;
  noisy: Sim; median: Sim;
  models: Record<string, Sim>;
}

/** The impulse repair alone, in the denoising table beside the 3x3 median. */
export const IMPULSE_REPAIR = 'impulse repair alone';

/**
 * The denoising target per source, for the default model: better than the noisy input and than the 3x3 median (SSIM)
 * for all four noises, through each of its two denoised views.
 */
export function denoiseTargets(rows: DenoiseRow[], model: string): Targets['rows'] {
  const out: Targets['rows'] = [];
  for (const source of [...new Set(rows.map((r) => r.source))]) {
    const mine = rows.filter((r) => r.source === source);
    for (const [view, what] of [[`${model} view of a default file`, 'the denoised view of a default file'], [`${model} denoiser`, 'the denoised view of a `max` file']] as const) {
      if (!mine.every((r) => r.models[view])) continue;
      const missed = mine.filter((r) => !(r.models[view]!.ssim > r.noisy.ssim && r.models[view]!.ssim > r.median.ssim));
      out.push({
        target: `denoising beats the noisy input and a 3x3 median (SSIM), all four noises, ${source}: ${what}`,
        measured: missed.length ? `not for ${missed.map((r) => `${r.noise} (${f4(r.models[view]!.ssim)} vs median ${f4(r.median.ssim)}, noisy ${f4(r.noisy.ssim)})`).join(', ')}` : 'all four',
        met: missed.length === 0,
      });
    }
  }
  return out;
}

function repairedCopy(image: Image): Image {
  const pixels = image.pixels.slice();
  repairImpulses(pixels, image.width, image.height);
  return { ...image, pixels };
}

/**
 * Denoising on every source's val: noisy input, 3x3 median, impulse repair alone, and per model aeimg `max` through its
 * faithful decoder and (where it has one) its denoised view, and the denoised view of a file at the default level (the
 * image the reader received, impulses repaired, through the encoder and the denoiser, detail restored from it where the
 * noise is mild): in-process encode/decode.
 */
export async function measureDenoise(models: Record<string, Autoencoder>, data: string, perSource: number): Promise<DenoiseRow[]> {
  const rows: DenoiseRow[] = [];
  const bits = QUALITY_LEVELS.max.bits;
  for (const [source, all] of evaluationSources(data)) {
    const items = spread(all, perSource);
    const acc = new Map<NoiseKind, { noisy: Sim[]; median: Sim[]; models: Record<string, Sim[]> }>();
    for (const [index, it] of items.entries()) {
      const image = await readImageFile(it.file);
      for (const [k, kind] of NOISES.entries()) {
        const noisy = noisyImage(image, kind, 1_000_003 + index * 17 + k);
        const a = acc.get(kind) ?? { noisy: [], median: [], models: {} };
        acc.set(kind, a);
        const sim = (d: Image): Sim => { const c = compareImages(image, d); return { ssim: c.ssim, psnr: c.psnr }; };
        a.noisy.push(sim(noisy));
        a.median.push(sim(medianCopy(noisy)));
        (a.models[IMPULSE_REPAIR] ??= []).push(sim(repairedCopy(noisy)));
        for (const [name, model] of Object.entries(models)) {
          const e = await encodeImage(model, noisy, 'x', { bits, display: it.display });
          (a.models[name] ??= []).push(sim(await decodeImageRecord(model, e.record, e.blobs)));
          if (!model.hasDenoiser) continue;
          // The same file's denoised view (the viewer's, decrypt --denoise).
          (a.models[`${name} denoiser`] ??= []).push(sim(await decodeImageRecord(model, e.record, e.blobs, undefined, { denoise: true })));
          (a.models[`${name} view of a default file`] ??= []).push(sim(await defaultFileView(model, noisy, it.display)));
        }
      }
    }
    const avg = (ms: Sim[]) => ({ ssim: mean(ms.map((m) => m.ssim)), psnr: mean(ms.map((m) => m.psnr)) });
    for (const [noise, a] of acc) {
      rows.push({ source, noise, slices: items.length, noisy: avg(a.noisy), median: avg(a.median),
        models: Object.fromEntries(Object.entries(a.models).map(([k, v]) => [k, avg(v)])) });
    }
    log(`denoise: ${source}, ${items.length} slices`);
  }
  return rows;
}

/** The denoising section of docs/benchmarks.md. */
export function denoiseMarkdown(rows: DenoiseRow[]): string[] {
  const L: string[] = [];
  if (rows.length) {
    // The impulse repair alone, then each model and, for those with a denoiser, "NAME denoiser" and "NAME view of a default file".
    const names = Object.keys(rows[0]!.models);
    const head = (n: string) => (n === IMPULSE_REPAIR ? n : n.endsWith(' view of a default file') ? `\`${n.replace(/ view of a default file$/, '')}\` view of a default file`
      : n.endsWith(' denoiser') ? `\`max\`, \`${n.replace(/ denoiser$/, '')}\` denoised view` : `\`max\`, \`${n}\``);
    L.push(`## Denoising (val of every source, ${rows[0]!.slices} slices a source)`, '',
      'The four noises of the paper at scikit-image defaults (src-main/engine/train/noise.ts: salt-and-pepper 5%, speckle σ 0.1,',
      'Poisson at 256 levels, Gaussian σ 0.1), seeded, on a [0, 1] scale: 0..255 for 8-bit slices, a 16-bit slice\'s own stored range',
      '(salt is its maximum). SSIM / PSNR (dB) against the clean original, over the original\'s stored range, of: the noisy input; its 3x3',
      'median; the impulse repair alone (src-main/engine/image/impulses.ts, a switching median: only small clusters of samples at the extremes);',
      `aeimg \`max\` (the network alone, ${QUALITY_LEVELS.max.bits}-bit latent) through each model's faithful decoder and, where it has one,`,
      'its denoised view (what `aeimg decrypt --denoise` and the viewer give for a `max` file: the latent through the denoiser, or,',
      'since aeimg 0.7, when the image\'s only noise was salt-and-pepper, the faithful decoder\'s image without the impulses the file',
      'carries beside its latent: docs/format.md, "Impulse blob"); and the denoised view of a file at the',
      'default level (no latent: the received image, impulses repaired, then the encoder and the denoiser, then, where the noise is',
      'mild, the detail the denoiser dropped restored from the received samples: src-main/engine/image/restore.ts).', '',
      `| source | noise | noisy | 3x3 median | ${names.map(head).join(' | ')} |`,
      `|---|---|---|---|${names.map(() => '---|').join('')}`,
      ...rows.map((d) => `| ${d.source} | ${d.noise} | ${f4(d.noisy.ssim)} / ${f1(d.noisy.psnr)} | ${f4(d.median.ssim)} / ${f1(d.median.psnr)} | ` +
        `${names.map((n) => `${f4(d.models[n]?.ssim)} / ${f1(d.models[n]?.psnr ?? NaN)}`).join(' | ')} |`), '');
  }
  return L;
}

/**
 * Noise added to the 16-bit CT, in HU: none (what the view does to the scanner's own image), then low to high dose
 * levels, white; then the two higher levels again with a CT's grain (withGrainNoise).
 */
export const CT_NOISE = [[0, 'white'], [5, 'white'], [10, 'white'], [20, 'white'], [10, 'grain'], [20, 'grain']] as const;
const CT_NOISE_WINDOWS = ['brain', 'soft tissue'] as const;

/** SSIM in one reader window at one added noise level, means over the slices. */
export interface CtNoiseRow {
  source: string; sigmaHu: number; window: string; slices: number;
  /** White Gaussian noise, or a CT's grain (absent in results before aeimg 0.7.2: white). */
  texture?: 'white' | 'grain';
  noisy: number; median: number; view: number; maxView: number;
}

/**
 * Noise at a scanner's level on every CT-in-HU source's val: Gaussian noise of σ HU (σ / rescale slope in samples),
 * white (withGaussianNoise) or with a CT's grain (withGrainNoise), and SSIM in the brain and soft-tissue windows as a
 * viewer renders them, of the noisy input, its 3x3 median, the denoised view of a file at the default level and that
 * of a `max` file.
 */
export async function measureCtNoise(model: Autoencoder, data: string, perSource: number): Promise<CtNoiseRow[]> {
  const rows: CtNoiseRow[] = [];
  for (const [source, all] of evaluationSources(data)) {
    const display = all[0]!.display;
    if (!all[0]!.ct || !display?.mapping) continue;
    const items = spread(all, perSource);
    const acc = new Map<string, Record<'noisy' | 'median' | 'view' | 'maxView', number[]>>();
    for (const [index, it] of items.entries()) {
      const image = await readImageFile(it.file);
      for (const [sigmaHu, texture] of CT_NOISE) {
        const add = texture === 'white' ? withGaussianNoise : withGrainNoise;
        const noisy = add(image, sigmaHu / display.mapping.slope, 2_000_003 + index * 17 + sigmaHu);
        const views = { noisy, median: medianCopy(noisy), view: await defaultFileView(model, noisy, it.display), maxView: await maxFileView(model, noisy, it.display) };
        for (const [name, view] of Object.entries(views)) {
          const windows = readerFidelity(image, view, it.display!).windows!;
          for (const w of CT_NOISE_WINDOWS) {
            const a = acc.get(`${sigmaHu}|${texture}|${w}`) ?? { noisy: [], median: [], view: [], maxView: [] };
            acc.set(`${sigmaHu}|${texture}|${w}`, a);
            a[name as keyof typeof views].push(windows.find((x) => x.name === w)!.ssim);
          }
        }
      }
    }
    for (const [k, a] of acc) {
      const [sigma, texture, window] = k.split('|') as [string, 'white' | 'grain', string];
      rows.push({ source, sigmaHu: Number(sigma), texture, window, slices: items.length, noisy: mean(a.noisy), median: mean(a.median), view: mean(a.view), maxView: mean(a.maxView) });
    }
    log(`CT noise in HU: ${source}, ${items.length} slices`);
  }
  return rows;
}

/** The denoised view of a file at the default level: what the viewer and `aeimg decrypt --denoise` show of it. */
async function defaultFileView(model: Autoencoder, image: Image, display: DisplayModel | undefined): Promise<Image> {
  const coding = resolveCoding({ quality: DEFAULT_QUALITY }, { bitDepth: image.bitDepth, dicom: false });
  const d = await encodeImage(model, image, 'x', { bits: coding.bits, maxError: coding.maxError, display });
  return decodeImageRecord(model, d.record, d.blobs, undefined, { denoise: true });
}

/** A `max` file's denoised view. */
async function maxFileView(model: Autoencoder, image: Image, display: DisplayModel | undefined): Promise<Image> {
  const e = await encodeImage(model, image, 'x', { bits: QUALITY_LEVELS.max.bits, display });
  return decodeImageRecord(model, e.record, e.blobs, undefined, { denoise: true });
}

/** The section on noise at a scanner's level, for docs/benchmarks.md. */
export function ctNoiseMarkdown(rows: CtNoiseRow[]): string[] {
  if (!rows.length) return [];
  return [`## Denoising at a scanner's noise level: CT in HU, in the reader's windows (${rows[0]!.slices} val slices a source)`, '',
    'The paper\'s noises above are scaled to a slice\'s stored range, which for a CT in HU is thousands of HU: its Gaussian σ 0.1 is',
    'hundreds of HU, far above any scanner. Here Gaussian noise of σ HU is added instead (src-main/engine/train/noise.ts): white',
    '(`withGaussianNoise`), and with a CT\'s grain (`withGrainNoise`: white noise through a difference of Gaussians of σ 1 and 3',
    'pixels, as filtered back-projection leaves it, in blobs of 3–5 pixels that look like fine texture), and SSIM is',
    'taken in the windows a reader reads a head CT in, as a viewer renders them (readerFidelity). The reference is the scanner\'s image,',
    'which carries its own noise: a denoiser that also removes that noise moves away from it. The σ 0 rows show that alone: what',
    'each view does to the received image when nothing was added. Not a target of issue #14; a reader\'s guide to the denoised view.', '',
    '| source | σ added (HU) | noise | window | noisy (received) | 3x3 median | view of a default file | view of a `max` file |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.source} | ${r.sigmaHu} | ${r.texture ?? 'white'} | ${r.window} | ${f4(r.noisy)} | ${f4(r.median)} | ${f4(r.view)} | ${f4(r.maxView)} |`), ''];
}
