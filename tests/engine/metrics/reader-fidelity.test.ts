/**
 * Fidelity as a reader sees it, checked against an independent computation: stored values read back from the DICOM
 * files, real-world values through the rescale, the DICOM linear VOI function written out here, and a plain 2-D
 * Gaussian SSIM in Float64 (no strips, no lookup tables).
 */
import { execFileSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CT_PRESETS, renderToByte, sampleToReal, voiToByte, windowToByte } from '../../../src-shared/windows.js';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { writeDicom } from '../../../src-main/engine/dicom/write.js';
import { fidelityHeadline, worstFidelity, worstImages, worstSsim as worstWindowSsim, type Fidelity } from '../../../src-shared/fidelity.js';
import { receivedFidelity } from '../../../src-main/engine/codec/record.js';
import { decodeStoredFrame, parseDicom } from '../../../src-main/engine/dicom/parse.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { describeImage, receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { readerFidelity, plainDisplay, windowFidelity } from '../../../src-main/engine/metrics/fidelity.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import type { Quality } from '../../../src-shared/quality.js';
import { defaultModel, dicomDataset, FIXTURES, models, MR_SLICE, phantom, tempDir } from '../../helpers.js';
import { readInput } from '../../../src-main/engine/jobs/read-input.js';
import { pngChunk } from '../../../src-main/engine/image/png-chunks.js';

const CT_HEAD = join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm');
const key = generateSharedKey('Radiology A');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

/** DICOM PS3.3 C.11.2.1.2.1, written out from the standard's text. */
function voi(x: number, c: number, w: number): number {
  if (x <= c - 0.5 - (w - 1) / 2) return 0;
  if (x > c - 0.5 + (w - 1) / 2) return 255;
  return Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * 255);
}

/** Mean SSIM with a direct 11x11 Gaussian window (sigma 1.5), 'valid' region, on values in [0, 1]. */
/**
 * SSIM window by window, over the part of the renderings a reader sees anything in: a window whose every pixel both
 * show at the same end (black or white) is left out (nothing left: 1). `wholeFrame`: every window, as aeimg 0.41
 * measured a reader's window.
 */
function naiveSsim(a: Float64Array, b: Float64Array, w: number, h: number, wholeFrame = false): number {
  const g = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 ** 2)));
  const s = g.reduce((p, q) => p + q, 0);
  const k = g.map((v) => v / s);
  let sum = 0, n = 0;
  for (let y = 0; y + 11 <= h; y++) {
    for (let x = 0; x + 11 <= w; x++) {
      let ma = 0, mb = 0, aa = 0, bb = 0, ab = 0, blank = true;
      for (let j = 0; j < 11; j++) {
        for (let i = 0; i < 11; i++) {
          const wt = k[j]! * k[i]!, va = a[(y + j) * w + x + i]!, vb = b[(y + j) * w + x + i]!;
          ma += wt * va; mb += wt * vb; aa += wt * va * va; bb += wt * vb * vb; ab += wt * va * vb;
          if (va !== vb || (va !== 0 && va !== 1)) blank = false;
        }
      }
      if (blank && !wholeFrame) continue;
      const c1 = 0.01 ** 2, c2 = 0.03 ** 2;
      sum += ((2 * ma * mb + c1) * (2 * (ab - ma * mb) + c2)) / ((ma * ma + mb * mb + c1) * (aa - ma * ma + bb - mb * mb + c2));
      n++;
    }
  }
  return n === 0 ? 1 : sum / n;
}

async function storedValues(path: string): Promise<{ values: number[]; slope: number; intercept: number }> {
  const parsed = parseDicom(new Uint8Array(readFileSync(path)), 1e8);
  return { values: Array.from(await decodeStoredFrame(parsed, 0), Number), slope: parsed.info.rescaleSlope, intercept: parsed.info.rescaleIntercept };
}

/** A DICOM fixture through encrypt (at `quality`) and decrypt to DICOM: the record, the output, and both stored values. */
async function roundTrip(quality: Quality, fixture = CT_HEAD) {
  const dir = await tempDir();
  const input = join(dir, basename(fixture));
  await copyFile(fixture, input);
  const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality } });
  await mkdir(join(dir, 'out'));
  const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out'), format: 'dcm' });
  const original = await storedValues(fixture);
  const back = await storedValues(dec.images[0]!.output!);
  const ds = dicomDataset(dec.images[0]!.output!);
  return { enc, record: dec.images[0]!.record, original, back, ds };
}

function windowSsim(o: { values: number[]; slope: number; intercept: number }, b: number[], c: number, w: number): number {
  const render = (v: number[]) => Float64Array.from(v, (s) => voi(s * o.slope + o.intercept, c, w) / 255);
  return naiveSsim(render(o.values), render(b), 512, 512);
}

describe('fidelity as a reader sees it', () => {
  it('renders windows with the DICOM linear VOI function', () => {
    for (const [c, w] of [[40, 80], [40, 40], [-600, 1500], [500, 2000], [0.5, 1]] as const) {
      for (let x = -1100; x <= 1600; x += 0.5) expect(windowToByte(x, c, w)).toBe(voi(x, c, w));
    }
  });

  it('CT head at the default level: bit-exact stored values, and every figure says so', async () => {
    const { enc, record, original, back, ds } = await roundTrip('auto');
    expect(enc.coding.quality).toBe('lossless');
    expect(back.values).toEqual(original.values);
    expect(enc.reduced).toBe(false);
    expect(fidelityHeadline(enc.fidelity, enc.coding)).toBe('bit-exact');
    expect(record.fidelity).toMatchObject({ exact: true, reduced: false });
    expect(ds['00282110']?.Value?.[0]).toBe('00');
  });

  it('CT head within ±2: largest error ≤ 2 HU, figures equal an independent computation over the head, not its air', { timeout: 120_000 }, async () => {
    const { enc, record, original, back } = await roundTrip('within-2');
    const f = record.fidelity!;
    // The RMSE over the pixels some window shows: not where every window shows both images black, or both white (the
    // fixture's padding outside the field of view at −2000 HU, a fifth of the frame); the largest error over all.
    expect(f.windows!.every((w) => !w.fn && !w.table)).toBe(true);
    const hu = (s: number) => s * original.slope + original.intercept;
    let largest = 0, se = 0, seFrame = 0, shown = 0;
    for (let i = 0; i < back.values.length; i++) {
      const d = Math.abs((back.values[i]! - original.values[i]!) * original.slope);
      largest = Math.max(largest, d);
      seFrame += d * d;
      if (f.windows!.some((w) => {
        const [a, b] = [voi(hu(original.values[i]!), w.center, w.width), voi(hu(back.values[i]!), w.center, w.width)];
        return a !== b || (a !== 0 && a !== 255);
      })) { se += d * d; shown++; }
    }
    expect(largest).toBeLessThanOrEqual(2);
    expect(f.real).toMatchObject({ units: 'HU', maxAbs: largest });
    expect(shown).toBeLessThan(0.9 * back.values.length);
    expect(f.real!.rmse).toBeCloseTo(Math.sqrt(se / shown), 3); // kept to 0.001
    expect(f.real!.rmse).toBeGreaterThan(Math.sqrt(seFrame / back.values.length) + 0.05); // over the frame, 0.44 read lower
    // Every CT preset is there, each equal to the independent SSIM of what a viewer shows.
    const byName = new Map(f.windows!.map((w) => [w.name, w]));
    for (const p of CT_PRESETS) {
      const w = byName.get(p.name);
      expect(w, p.name).toBeDefined();
      expect(w!.ssim).toBeCloseTo(windowSsim(original, back.values, p.center, p.width), 5); // kept to 1e-5
    }
    // The air around the head, black in the brain window in both, is left out: over the whole frame, as 0.41 measured
    // it, its perfect black would have lifted the brain window above the line (0.9713 over the head here).
    const brain = byName.get('brain')!.ssim;
    const render = (v: number[]) => Float64Array.from(v, (x) => voi(x * original.slope + original.intercept, 40, 80) / 255);
    const [a, b] = [render(original.values), render(back.values)];
    expect(brain).toBeLessThan(0.98);
    expect(naiveSsim(a, b, 512, 512, true)).toBeGreaterThanOrEqual(0.98);
    expect(f.reduced).toBe(true);
    // Worst first, and the headline names it with the error in HU.
    const worst = Math.min(...f.windows!.map((w) => w.ssim));
    expect(f.windows![0]!.ssim).toBe(worst);
    expect(fidelityHeadline(enc.fidelity, enc.coding)).toMatch(
      new RegExp(`^every pixel within ±2 HU; worst window ${f.windows![0]!.name} [-\\d.]+/[\\d.]+: SSIM ${worst.toFixed(4)}, largest error ${largest} HU$`));
    // The whole-range detail is taken on the stored values as they are (not shifted by +32768).
    const L = original.values.reduce((a, v) => Math.max(a, v), -Infinity) - original.values.reduce((a, v) => Math.min(a, v), Infinity);
    const whole = naiveSsim(Float64Array.from(original.values, (v) => v / L), Float64Array.from(back.values, (v) => v / L), 512, 512, true);
    expect(f.ssim).toBeCloseTo(whole, 5);
  });

  it('a rescale without a named unit (Philips MR, Rescale Type US, slope 9.57): errors in the values a viewer shows', { timeout: 120_000 }, async () => {
    for (const quality of ['within-2', 'max'] as const) {
      const { enc, record, original, back } = await roundTrip(quality, join(FIXTURES, 'dicom', 'mr_philips_512_implicit_le_nometa.dcm'));
      expect(original.slope).toBeCloseTo(9.570207, 6);
      let stored = 0;
      for (let i = 0; i < back.values.length; i++) stored = Math.max(stored, Math.abs(back.values[i]! - original.values[i]!));
      const shown = stored * original.slope; // what a viewer's pixel values differ by (stored × slope + intercept)
      expect(record.fidelity!.real).toMatchObject({ units: '', perStored: original.slope });
      expect(record.fidelity!.real!.maxAbs).toBeCloseTo(shown, 6);
      const text = fidelityHeadline(enc.fidelity, enc.coding);
      // 0.10 said "every pixel within ±2 of the original" and "largest error 459" here: stored units, 9.57 times less.
      expect(text).toContain(`largest error ${shown < 10 ? shown.toFixed(2) : shown.toFixed(1)} in rescaled values`);
      if (quality === 'within-2') expect(text).toMatch(/^every pixel within ±2 stored units \(±19\.1 in rescaled values\); /);
      // A file from 0.10 has no such figures: its receiver is told the same, from the stored ones and the rescale.
      const { real: _real, ...old } = record.fidelity!;
      expect(receivedSummary({ ...record, fidelity: old }).text).toBe(receivedSummary(record).text);
    }
  });

  it('CT head at low (the network alone, below the line in a window): reduced quality for sender, record and DICOM output', { timeout: 120_000 }, async () => {
    const { enc, record, original, back, ds } = await roundTrip('low');
    expect(enc.reduced).toBe(true);
    const f = record.fidelity as Fidelity;
    expect(f.reduced).toBe(true);
    expect(f.windows![0]!.ssim).toBeLessThan(0.98);
    expect(f.windows![0]!.ssim).toBeCloseTo(windowSsim(original, back.values, f.windows![0]!.center, f.windows![0]!.width), 5);
    expect(ds['00282110']?.Value?.[0]).toBe('01');
    expect(ds['00282114']?.Value).toEqual(['AEIMG_AE']);
    expect(Number(ds['00282112']?.Value?.[0])).toBeGreaterThan(1);
    expect(String(ds['00082111']?.Value?.[0])).toMatch(/^REDUCED QUALITY - NOT FOR PRIMARY DIAGNOSIS\. .*worst window .*: SSIM 0\.\d{4}, largest error \d+ HU/);
    expect(ds['00204000']?.Value).toEqual(['REDUCED QUALITY - NOT FOR PRIMARY DIAGNOSIS (aeimg)']); // Image Comments, which PACS show
  });

  it('CT at max: the network sees HU companded around the brain and soft-tissue windows, and keeps more of the brain window than a min..max squash', { timeout: 120_000 }, async () => {
    const { readDicomFile } = await import('../../../src-main/engine/dicom/import.js');
    const { dicomDisplay } = await import('../../../src-main/engine/dicom/display.js');
    const { encodeImage, decodeImageRecord } = await import('../../../src-main/engine/codec/image-codec.js');
    const [frame] = await readDicomFile(CT_HEAD, { maxPixels: 1e8, deidentify: {} });
    const display = dicomDisplay(frame!.dicom);
    const brain = (f: Fidelity) => f.windows!.find((w) => w.name === 'brain')!.ssim;
    const companded = await encodeImage(model, frame!.image, 'ct', { bits: 6, measure: true, display });
    const linear = await encodeImage(model, frame!.image, 'ct', { bits: 6, measure: true, display, transfer: false });
    expect(companded.record.transfer).toHaveLength(1);
    expect(linear.record.transfer).toBeUndefined();
    // The receiver inverts what the record says: its decode is the sender's measured image.
    const back = await decodeImageRecord(model, companded.record, companded.blobs);
    expect(Array.from(back.pixels)).toEqual(Array.from(companded.decoded!.pixels));
    console.log(`CT head at max, brain window SSIM: companded ${brain(companded.record.fidelity!)}, linear ${brain(linear.record.fidelity!)}`);
    expect(brain(companded.record.fidelity!)).toBeGreaterThan(brain(linear.record.fidelity!) + 0.02);
  });

  it('8-bit images at the default level keep every pixel within ±1, and their window is the full range', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { encodePng } = await import('../../../src-main/engine/image/io.js');
    const dir = await tempDir();
    const img = phantom(96, 80);
    await writeFile(join(dir, 'p.png'), await encodePng(img));
    const enc = await encryptImageFile(join(dir, 'p.png'), { model, recipients: [key] });
    expect(enc.coding).toMatchObject({ quality: 'within-1', maxError: 1 });
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), write: false });
    const got = dec.images[0]!.image.pixels;
    expect(Array.from(got, (v, i) => Math.abs(v - img.pixels[i]!)).reduce((a, d) => Math.max(a, d), 0)).toBeLessThanOrEqual(1);
    expect(enc.fidelity!.windows!.map((w) => w.name)).toEqual(['full range']);
    expect(enc.fidelity!.windows![0]!.ssim).toBeCloseTo(enc.fidelity!.ssim, 12);
  });

  it('a Modality LUT and a VOI LUT Sequence are applied as a viewer applies them', async () => {
    const file = join(FIXTURES, 'dicom', 'lut_modality_voi_overlay.dcm');
    const dir = await tempDir();
    await copyFile(file, join(dir, 'lut.dcm'));
    const enc = await encryptImageFile(join(dir, 'lut.dcm'), { model, recipients: [key], coding: { quality: 'max' } });
    await mkdir(join(dir, 'out'));
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out'), format: 'dcm' });
    const w = enc.fidelity!.windows!.find((x) => x.table);
    expect(w?.name).toBe('file VOI LUT SQRT');
    // Independently: both tables from the file through dcmjs, applied to the stored values of each side.
    const ds = dicomDataset(file);
    const table = (seq: string) => {
      const item = ds[seq]!.Value![0] as Record<string, { Value?: unknown[]; InlineBinary?: string }>;
      const [, first, bits] = item['00283002']!.Value as number[];
      const raw = item['00283006']!.Value as unknown[];
      const data = raw.length === 1 && raw[0] instanceof ArrayBuffer ? Array.from(new Uint16Array(raw[0])) : (raw as number[]);
      return (v: number) => ({ out: data[Math.min(data.length - 1, Math.max(0, v - first!))]!, bits: bits! });
    };
    const modality = table('00283000'), voiLut = table('00283010');
    const show = (v: number) => { const r = voiLut(modality(v).out); return Math.round((r.out * 255) / (2 ** r.bits - 1)) / 255; };
    const [o, d] = [await storedValues(file), await storedValues(dec.images[0]!.output!)];
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    const a = o.values.map(show), c = d.values.map(show);
    const ma = mean(a), mc = mean(c);
    const va = mean(a.map((v) => (v - ma) ** 2)), vc = mean(c.map((v) => (v - mc) ** 2)), cov = mean(a.map((v, i) => (v - ma) * (c[i]! - mc)));
    const ssim = ((2 * ma * mc + 1e-4) * (2 * cov + 9e-4)) / ((ma * ma + mc * mc + 1e-4) * (va + vc + 9e-4));
    expect(w!.ssim).toBeCloseTo(ssim, 5);
    // The error in what a viewer shows through the Modality LUT (its values), not in stored values.
    const largest = Math.max(...o.values.map((v, i) => Math.abs(modality(v).out - modality(d.values[i]!).out)));
    expect(enc.fidelity!.real).toMatchObject({ maxAbs: largest, units: '' });
    expect(largest).toBeGreaterThan(enc.fidelity!.stored!.maxAbs); // the table is steeper than 1 where it matters here

    // Within ±2 stored units: the bound through the table is its largest move over 2 entries (190 → 255 here).
    await copyFile(file, join(dir, 'near.dcm'));
    const near = await encryptImageFile(join(dir, 'near.dcm'), { model, recipients: [key], coding: { quality: 'within-2' } });
    expect(fidelityHeadline(near.fidelity, near.coding)).toMatch(/^every pixel within ±2 stored units \(±65 in rescaled values\); /);
  });

  it('images of more than 8 bits without presets get their 1st–99th percentile window', () => {
    const a = phantom(64, 64, 1, 16);
    const b = { ...a, pixels: a.pixels.map((v, i) => Math.max(0, v + ((i % 7) - 3))) };
    const f = readerFidelity(a, b, plainDisplay(a));
    expect(f.windows!.map((w) => w.source)).toEqual(['percentile']);
    expect(f.stored).toMatchObject({ maxAbs: 3 });
    expect(f.windows![0]!.width).toBeGreaterThan(100);
    // A 16-bit colour image is measured over its full range, as the viewer opens it and image viewers show it (0.36).
    const c = phantom(32, 32, 3, 16);
    const f3 = readerFidelity(c, { ...c, pixels: c.pixels.map((v) => v + 1) }, plainDisplay(c));
    expect(f3.windows!.map(({ name, center, width, source }) => ({ name, center, width, source }))).toEqual([{ name: 'full range', center: 32768, width: 65536, source: 'full' }]);
  });

  it('values that step by less than a unit (a PET in g/ml, 0..0.8) are measured in a percentile window that shows them, not a threshold', () => {
    const a = phantom(64, 64, 1, 16);
    const b = { ...a, pixels: a.pixels.map((v, i) => Math.min(65535, v + (i % 5) * 400)) };
    const slope = 0.8 / 65535; // the phantom's 16 bits as 0..0.8 g/ml
    const display = { mapping: { offset: 0, inverted: false, signed: false, bitsStored: 16, slope, intercept: 0 }, units: 'g/ml', monochrome1: false, percentile: true, windows: [] };
    const f = readerFidelity(a, b, display);
    const [w] = f.windows!;
    expect(w).toMatchObject({ source: 'percentile', fn: 'LINEAR_EXACT' });
    expect(w!.width).toBeLessThan(1);
    // Independently: the share of grey levels the change moves in that window, rendered linearly over it.
    const grey = (s: number) => Math.round(Math.min(1, Math.max(0, (s * slope - w!.center) / w!.width + 0.5)) * 255);
    const moved = Array.from(a.pixels).filter((v, i) => grey(v) !== grey(b.pixels[i]!)).length / a.pixels.length;
    expect(moved).toBeGreaterThan(0.5);
    expect(w!.ssim).toBeLessThan(0.98); // was 1.0000 through a window widened to 1 g/ml: every pixel white or black in both
    expect(f.reduced).toBe(true);
    expect(f.real!.rmse).toBeGreaterThan(0);
  });

  it('a bound or error below 0.1 of a unit is told in two significant digits, not as "0.00" (a PET in Bq/ml of slope 0.0012345)', () => {
    const f: Fidelity = {
      ssim: 0.999, psnr: 60, mse: 0, maxError: 2,
      stored: { maxAbs: 2, rmse: 0.8, units: '', perStored: 1 },
      real: { maxAbs: 2 * 0.0012345, rmse: 0.001, units: 'Bq/ml', perStored: 0.0012345 },
      windows: [{ name: '1st–99th percentile', center: 40, width: 80, source: 'percentile', ssim: 0.9991, psnr: 60 }],
    };
    expect(fidelityHeadline(f, {})).toBe('every pixel within ±2 stored units (±0.0025 Bq/ml); worst window 1st–99th percentile 40/80: SSIM 0.9991, largest error 0.0025 Bq/ml');
    const larger = { ...f, real: { ...f.real!, maxAbs: 0.17, perStored: 0.085 } };
    expect(fidelityHeadline(larger, {})).toMatch(/\(±0\.17 Bq\/ml\).*largest error 0\.17 Bq\/ml$/);
  });

  it('a window counts as reduced only where some pixel shows more than one grey level off', () => {
    // An 8-bit export's near-black background, every sample within ±1: SSIM's luminance term (divided by the squared
    // mean) puts it below the line, yet no display shows the change. Before 0.8 this image was "reduced quality".
    let seed = 3;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const w = 96, h = 96;
    const dark = new Uint8Array(w * h).map(() => (rnd() < 0.5 ? 0 : 1));
    const offByOne = dark.map((v) => v + (rnd() < 0.8 ? 1 : 0)); // a near-lossless coder's offset in a flat region
    const a = { width: w, height: h, channels: 1 as const, bitDepth: 8 as const, pixels: dark };
    const f = readerFidelity(a, { ...a, pixels: offByOne }, plainDisplay(a), { maxError: 1 });
    expect(f.windows![0]!.ssim).toBeLessThan(0.98);
    expect(f.reduced).toBe(false);
    // The same error of 1 stored unit on a 16-bit CT is 6 grey levels in the stroke window (40 HU wide): reduced.
    const ct = phantom(96, 96, 1, 16);
    const display = { mapping: { offset: 0, inverted: false, signed: false, bitsStored: 16, slope: 1, intercept: -1024 },
      units: 'HU', monochrome1: false, percentile: false, windows: [...CT_PRESETS] };
    const near = { ...ct, pixels: ct.pixels.map((v, i) => v + (i % 3) - 1) };
    const g = readerFidelity(ct, near, display, { maxError: 1 });
    expect(g.windows![0]!.ssim).toBeLessThan(0.98);
    expect(g.reduced).toBe(true);
  });
});

describe('a window\'s figures are of what it shows', () => {
  // A 128² CT slice: air (−1000 HU) around a 32² block of tissue (35–45 HU), as a head lies in its field of view.
  const w = 128, h = 128;
  const inBlock = (i: number) => (i % w) >= 48 && (i % w) < 80 && Math.floor(i / w) >= 48 && Math.floor(i / w) < 80;
  const ct: Image = { width: w, height: h, channels: 1, bitDepth: 16,
    pixels: Uint16Array.from({ length: w * h }, (_, i) => (inBlock(i) ? 1024 + 35 + ((i * 7919) % 11) : 24)) };
  const display = { mapping: { offset: 0, inverted: false, signed: false, bitsStored: 16, slope: 1, intercept: -1024 },
    units: 'HU', monochrome1: false, percentile: false, windows: [...CT_PRESETS] };
  const brainOf = (f: Fidelity) => f.windows!.find((x) => x.name === 'brain')!;
  const render = (img: Image) => Float64Array.from(img.pixels, (v) => voi(v - 1024, 40, 80) / 255);
  // Every tissue pixel 4 HU off, up or down; the air as it was.
  const off = { ...ct, pixels: ct.pixels.map((v, i) => (inBlock(i) ? v + ((i % 2) * 8 - 4) : v)) };

  it('air black in the window in both images does not count, so an error in the tissue is not averaged away', () => {
    const f = readerFidelity(ct, off, display, { maxError: 4 });
    const brain = brainOf(f);
    const [a, b] = [render(ct), render(off)];
    expect(brain.ssim).toBeCloseTo(naiveSsim(a, b, w, h), 5);
    expect(brain.ssim).toBeLessThan(0.9);
    // Over the frame, as 0.41 measured it (its air at SSIM 1): 0.9814, above the line, and the file not reduced.
    expect(naiveSsim(a, b, w, h, true)).toBeGreaterThanOrEqual(0.98);
    expect(f.reduced).toBe(true);
    // PSNR over the pixels shown: the tissue's (every air pixel black in both).
    let se = 0, n = 0;
    for (let i = 0; i < a.length; i++) if (inBlock(i)) { se += (a[i]! - b[i]!) ** 2; n++; }
    expect(brain.psnr).toBeCloseTo(10 * Math.log10(n / se), 2);
    // At the window's white end likewise: the tissue in bone (1200 HU), white in the brain window in both.
    const inBone = (img: Image) => ({ ...img, pixels: img.pixels.map((v, i) => (inBlock(i) ? v : 2224)) });
    const [c, d] = [inBone(ct), inBone(off)];
    const inside = brainOf(readerFidelity(c, d, display, { maxError: 4 })).ssim;
    expect(inside).toBeCloseTo(naiveSsim(render(c), render(d), w, h), 5);
    expect(inside).toBeLessThan(0.9);
  });

  it('air changed where the window still shows it black counts for nothing; an artefact the window shows counts', () => {
    const base = brainOf(readerFidelity(ct, off, display, { maxError: 4 })).ssim;
    // The air 30 HU off everywhere (−970 HU): black in the brain window all the same, and the figure does not move.
    const airOff = { ...off, pixels: off.pixels.map((v, i) => (inBlock(i) ? v : v + 30)) };
    expect(brainOf(readerFidelity(ct, airOff, display)).ssim).toBe(base);
    // A 4x4 spot of the air brought to 40 HU (a bright blob in the air, as the network can ring): it counts.
    const spot = (i: number) => (i % w) >= 10 && (i % w) < 14 && Math.floor(i / w) >= 10 && Math.floor(i / w) < 14;
    const blob = { ...off, pixels: off.pixels.map((v, i) => (spot(i) ? 1064 : v)) };
    const withBlob = brainOf(readerFidelity(ct, blob, display)).ssim;
    expect(withBlob).toBeLessThan(base);
    expect(withBlob).toBeCloseTo(naiveSsim(render(ct), render(blob), w, h), 5);
  });

  it('an 8-bit image: its full-range window leaves out its black (0) in both, its whole-range detail does not', () => {
    // An 8-bit export's head on black: the block's values 60..100, every other one 12 levels off; the background 0 in both.
    const img: Image = { width: w, height: h, channels: 1, bitDepth: 8, pixels: Uint8Array.from(ct.pixels, (v, i) => (inBlock(i) ? 60 + (v % 41) : 0)) };
    const back = { ...img, pixels: img.pixels.map((v, i) => (inBlock(i) ? v + 12 * (i % 2) : v)) };
    const f = readerFidelity(img, back, plainDisplay(img));
    const scale = (m: Image) => Float64Array.from(m.pixels, (v) => v / 255);
    expect(f.windows!.map((x) => x.name)).toEqual(['full range']);
    expect(f.windows![0]!.ssim).toBeCloseTo(naiveSsim(scale(img), scale(back), w, h), 5);
    expect(f.ssim).toBeCloseTo(naiveSsim(scale(img), scale(back), w, h, true), 5);
    expect(f.windows![0]!.ssim).toBeLessThan(f.ssim - 0.02); // 0.9739 against 0.9967
  });

  it('any window the sender looks in is measured as the reader windows are (the sender\'s preview, 0.43)', () => {
    const f = readerFidelity(ct, off, display, { maxError: 4 });
    // Each reader window, asked for alone, gives the record's figures.
    for (const x of f.windows!) expect(windowFidelity(ct, off, display, x, { maxError: 4 })).toMatchObject({ ssim: x.ssim, psnr: x.psnr });
    // A narrow window of the sender's own (38/16 HU) over the tissue: over what it shows, and seen.
    const narrow = { name: 'mine', center: 38, width: 16, source: 'file' as const };
    const mine = windowFidelity(ct, off, display, narrow, { maxError: 4 });
    const shown = (img: Image) => Float64Array.from(img.pixels, (v) => voi(v - 1024, 38, 16) / 255);
    expect(mine.ssim).toBeCloseTo(naiveSsim(shown(ct), shown(off), w, h), 5);
    expect(mine.ssim).toBeLessThan(brainOf(f).ssim);
    expect(mine.visible).toBe(true);
    // Bit-exact: the same in every window, nothing computed.
    expect(windowFidelity(ct, off, display, narrow, { maxError: 0 })).toEqual({ ssim: 1, psnr: null, visible: false });
    // A segmentation's labels: over the frame, as its record's window.
    const labels = { ...display, labels: true as const };
    expect(windowFidelity(ct, off, labels, narrow).ssim).toBeCloseTo(naiveSsim(shown(ct), shown(off), w, h, true), 5);
  });

  it('a window that shows every pixel black or white in both, unchanged, is identical: SSIM 1, no PSNR', () => {
    const air: Image = { ...ct, pixels: new Uint16Array(w * h).fill(24) };
    const f = readerFidelity(air, { ...air, pixels: air.pixels.map((v, i) => v + 10 * (i % 5)) }, display);
    expect(brainOf(f)).toMatchObject({ ssim: 1, psnr: null });
    expect(f.windows!.find((x) => x.name === 'lung')!.ssim).toBeLessThan(1); // the lung window shows the air
  });
});

describe('a segmentation\'s 1-bit mask', () => {
  it('is measured over 0..1, as a viewer shows it, and one voxel out of the region or into it makes it reduced quality', async () => {
    // highdicom's binary CT segmentation at `max`: one voxel of 256 changed, measured through 0..255 (SSIM 1.0000), not reduced.
    const mask: Image = { width: 32, height: 32, channels: 1, bitDepth: 8, pixels: Uint8Array.from({ length: 1024 }, (_, i) => Number((i % 32) > 10 && (i >> 5) > 12)) };
    // As dicomDisplay gives a 1-bit segmentation's (its labels flag: checked on a real one below).
    const display = { mapping: { offset: 0, inverted: false, signed: false, bitsStored: 1, slope: 1, intercept: 0 }, units: '', monochrome1: false, percentile: false, windows: [], labels: true as const };
    const changed = { ...mask, pixels: mask.pixels.map((v, i) => (i === 600 ? 1 - v : v)) };
    const f = readerFidelity(mask, changed, display);
    expect(f.windows!.map((w) => [w.name, w.center, w.width])).toEqual([['full range', 1, 2]]);
    expect([f.stored!.maxAbs, f.reduced]).toEqual([1, true]);
    // Over the frame (0.42 measures a window over what it shows, but a mask is all at the window's ends: that would be
    // the changed voxel's neighbourhood alone, and a figure that says nothing of how much changed).
    const asShown = (img: Image) => Float64Array.from(img.pixels);
    expect(f.windows![0]!.ssim).toBeCloseTo(naiveSsim(asShown(mask), asShown(changed), 32, 32, true), 5);
    expect(readerFidelity(mask, mask, display).reduced).toBe(false);
    const [seg] = await readDicomFile(join(FIXTURES, 'dicom', 'seg_liver_1bit_3frame_deflated.dcm'), { maxPixels: 1e8, deidentify: {} });
    expect(dicomDisplay(seg!.dicom)).toMatchObject({ labels: true, mapping: { bitsStored: 1 } });
    // An 8-bit image of 8 stored bits keeps 0..255.
    expect(readerFidelity(mask, changed, { ...display, mapping: { ...display.mapping, bitsStored: 8 } }).windows![0]).toMatchObject({ center: 128, width: 256 });
  });

  it('a 1-bit image file (a mask exported as a 1-bit PNG) is labels too: any pixel changed is reduced quality (0.46)', { timeout: 60_000 }, async () => {
    // Two discs, 1 bit a pixel, rows packed most significant bit first (PNG colour type 0, depth 1).
    const w = 256, h = 256;
    const inside = (x: number, y: number) => Math.hypot(x - 90, y - 100) < 60 || Math.hypot(x - 180, y - 170) < 40;
    const rows = Array.from({ length: h }, (_, y) => {
      const row = Buffer.alloc(1 + w / 8);
      for (let x = 0; x < w; x++) if (inside(x, y)) row[1 + (x >> 3)]! |= 0x80 >> (x & 7);
      return row;
    });
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 1;
    const dir = await tempDir();
    const file = join(dir, 'mask.png');
    await writeFile(file, Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.concat(rows))), pngChunk('IEND', Buffer.alloc(0))]));
    const [input] = await readInput({ input: file, maxPixels: 1e6, deidentify: null });
    expect(input!.bilevel).toBe(true);
    const sent = await encryptImageFile(file, { model, recipients: [key], coding: { quality: 'max' } });
    expect(sent.fidelity!.stored!.maxAbs).toBeGreaterThan(0);
    expect(sent.fidelity!.reduced).toBe(true);
    // Measured as labels are, over the frame (before, as a picture, over what its window shows: another figure).
    const decoded = (await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false })).images[0]!.image;
    const shown = (img: Image) => Float64Array.from(img.pixels, (v) => v / 255);
    const [frame, whatShows] = [true, false].map((whole) => naiveSsim(shown(input!.image), shown(decoded), w, h, whole));
    expect(Math.abs(frame! - whatShows!)).toBeGreaterThan(1e-3);
    expect(sent.fidelity!.windows![0]!.ssim).toBeCloseTo(frame!, 4);
    const [grey] = await readInput({ input: MR_SLICE, maxPixels: 1e6, deidentify: null });
    expect(grey!.bilevel).toBeUndefined();
  });

  it('a 4-bit grey image file goes as viewers show it, each value × 17, and its sender is told so with what to do (0.47)', { timeout: 60_000 }, async () => {
    // A 4-bit grey PNG (colour type 0, depth 4): values 0..15 in steps across the width, two pixels a byte.
    const w = 64, h = 16;
    const rows = Array.from({ length: h }, () => Buffer.from([0, ...Array.from({ length: w / 2 }, (_, k) => ((k >> 1) << 4) | (k >> 1))]));
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 4;
    const file = join(await tempDir(), 'labels4.png');
    await writeFile(file, Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.concat(rows))), pngChunk('IEND', Buffer.alloc(0))]));
    const [input] = await readInput({ input: file, maxPixels: 1e6, deidentify: null });
    expect(input!.fewBits).toBe(4);
    const sent = await encryptImageFile(file, { model, recipients: [key], coding: { quality: 'lossless' } });
    expect(sent.warnings).toEqual([expect.stringMatching(/^labels4\.png has 4-bit grey levels \(0–15\), .*\(each value × 17, .*holds 0–255, not the file's 0–15\. .*divides by 17\.$/)]);
    const received = (await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false })).images[0]!.image;
    expect(new Set(received.pixels)).toEqual(new Set(Array.from({ length: 16 }, (_, v) => v * 17)));
    const plain = await encryptImageFile(MR_SLICE, { model, recipients: [key], outDir: await tempDir(), coding: { quality: 'lossless' } });
    expect(plain.warnings.filter((x) => x.includes('grey levels'))).toEqual([]);
  });

  it('a label map\'s segment numbers: any voxel given another number makes it reduced quality', async () => {
    // highdicom's Label Map Segmentation: segment 3 given as 4 in one voxel is one grey level in 0..255 (not visible,
    // SSIM about 1), and a voxel of another segment.
    const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'seg_labelmap_sm_20frame.dcm'), { maxPixels: 1e8, deidentify: {} });
    const display = dicomDisplay(frame!.dicom);
    expect(display.labels).toBe(true);
    const image = frame!.image;
    const changed = { ...image, pixels: image.pixels.map((v, i) => (i === 55 ? v + 1 : v)) };
    const f = readerFidelity(image, changed, display);
    expect([f.stored!.maxAbs, f.reduced]).toEqual([1, true]);
    const { labels: _, ...intensities } = display;
    expect(readerFidelity(image, changed, intensities).reduced).toBe(false); // as an image of intensities it would pass
    expect(dicomDisplay((await readDicomFile(CT_HEAD, { maxPixels: 1e8, deidentify: {} }))[0]!.dicom).labels).toBeUndefined();
  });
});

describe('the network alone is reduced quality (0.47)', () => {
  it('an image at max whose windows read above the line is reduced quality to its sender and reader, and an older sender\'s file too', async () => {
    const dir = await tempDir();
    const input = join(dir, 'mr.png');
    await copyFile(MR_SLICE, input);
    const enc = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], coding: { quality: 'max' } });
    expect(worstWindowSsim(enc.fidelity!)).toBeGreaterThanOrEqual(0.98); // its windows alone would not make it reduced
    expect(enc.reduced).toBe(true);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), write: false });
    const record = dec.images[0]!.record;
    expect(receivedSummary(record).text).toMatch(/^Reduced quality — not for primary diagnosis \(worst window /);
    // A sender before 0.47 marked it reduced only below the line: its reader is told it is reduced all the same.
    const older = { ...record, fidelity: { ...record.fidelity!, reduced: false } };
    expect(receivedFidelity(older).reduced).toBe(true);
    // A guaranteed level is not: within ±1 of the same image, its windows above the line.
    const within = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], coding: { quality: 'within-1' }, force: true });
    expect(within.reduced).toBe(false);
  });
});

describe('what a file of several images (a multi-frame file) says', () => {
  const frame = (ssim: number, maxAbs: number, more: Partial<Fidelity> = {}): Fidelity => ({
    ssim, psnr: 40, mse: 1, windows: [{ name: 'stroke', center: 40, width: 40, source: 'preset', ssim, psnr: 40 }],
    stored: { maxAbs, rmse: 1, units: '', perStored: 1 }, real: { maxAbs, rmse: 1, units: 'HU', perStored: 1 }, ...more,
  });

  it('its worst frame\'s windows with the largest error of any frame; bit-exact if all are, reduced if any is, bounded if all are', () => {
    const f = worstFidelity([frame(0.99, 40), frame(0.95, 20, { reduced: true }), undefined, frame(0.97, 60)])!;
    expect(fidelityHeadline(f)).toBe('worst window stroke 40/40: SSIM 0.9500, largest error 60 HU');
    expect(f.reduced).toBe(true);
    expect(worstFidelity([frame(0.95, 20), frame(0.99, 40, { reduced: true })])!.reduced).toBe(true);
    const mixed = worstFidelity([frame(1, 0, { exact: true, maxError: 0 }), frame(0.99, 2, { maxError: 2 })])!;
    expect([mixed.maxError, mixed.exact, fidelityHeadline(mixed)]).toEqual([2, undefined, 'every pixel within ±2 HU; worst window stroke 40/40: SSIM 0.9900, largest error 2 HU']);
    expect(fidelityHeadline(worstFidelity([frame(1, 0, { exact: true, maxError: 0 }), frame(1, 0, { exact: true, maxError: 0 })]))).toBe('bit-exact');
    // A frame without a per-pixel guarantee (the network alone) leaves the file without one.
    expect(worstFidelity([frame(0.99, 2, { maxError: 2 }), frame(0.98, 9)])!.maxError).toBeUndefined();
    expect(worstFidelity([undefined, undefined])).toBeUndefined();
    // A colour frame shown through its profile further off than its values (0.34): the largest of any frame is said.
    const shown = worstFidelity([frame(0.95, 20, { shown: 23.5 }), frame(0.99, 40, { shown: 41 }), frame(0.97, 60)])!;
    expect(fidelityHeadline(shown)).toBe('worst window stroke 40/40: SSIM 0.9500, largest error 60 HU; shown through its colour profile, up to 41 levels of 255');
    expect(worstFidelity([frame(0.95, 20), frame(0.99, 40)])!.shown).toBeUndefined();
  });

  it('frames with their own rescale: the largest error in stored units and in rescaled values, each where it is largest', () => {
    // A Philips field map's magnitude and B0 frames: the file told 873 stored units (the frame with the largest error
    // in rescaled values, slope 1.28), and a frame of slope 0.5 received 2096.
    const rescaled = (maxAbs: number, slope: number, more: Partial<Fidelity> = {}) => frame(0.95, maxAbs, {
      stored: { maxAbs, rmse: 1, units: '', perStored: 1 }, real: { maxAbs: maxAbs * slope, rmse: 1, units: '', perStored: slope }, ...more });
    const f = worstFidelity([rescaled(873, 1.28), rescaled(2096, 0.5)])!;
    expect([f.stored!.maxAbs, f.real!.maxAbs]).toEqual([2096, 873 * 1.28]);
    expect(fidelityHeadline(f)).toBe('worst window stroke 40/40: SSIM 0.9500, largest error 1117.4 in rescaled values');
    expect(worstImages([rescaled(873, 1.28), rescaled(2096, 0.5)]).error).toBe(0); // the frame the text names
    // A bound holds in rescaled values with the largest slope of any frame.
    const bounded = worstFidelity([rescaled(2, 0.5, { maxError: 2 }), rescaled(2, 1.28, { maxError: 2 })])!;
    expect(fidelityHeadline(bounded)).toMatch(/^every pixel within ±2 stored units \(±2\.56 in rescaled values\)/);
    // Units that do not compare (Hz and a unitless magnitude): the largest error in stored units.
    const hz = frame(0.95, 40, { stored: { maxAbs: 40, rmse: 1, units: '', perStored: 1 }, real: { maxAbs: 400, rmse: 1, units: 'Hz', perStored: 10 } });
    const mixed = worstFidelity([hz, rescaled(2096, 0.5)])!;
    expect([mixed.stored!.maxAbs, mixed.real!.maxAbs, mixed.real!.units]).toEqual([2096, 2096, 'stored units']);
    expect(fidelityHeadline(mixed)).toBe('worst window stroke 40/40: SSIM 0.9500, largest error 2096 stored units'); // 0.46: a bare "2096"
    expect(worstImages([hz, rescaled(2096, 0.5)]).error).toBe(1);
    // Frames of the identity rescale (no real-world figures: they show their stored values) beside one of slope 2.5 (the
    // enhanced MR fixture): each in the values it shows, 37 and 92.5 (0.46 told "largest error 37", frame 1's, no unit).
    const identity = frame(0.93, 37, { real: undefined });
    const worst = worstFidelity([identity, rescaled(37, 2.5), identity])!;
    expect(fidelityHeadline(worst)).toBe('worst window stroke 40/40: SSIM 0.9300, largest error 92.5 in rescaled values');
    expect(worstImages([identity, rescaled(37, 2.5), identity]).error).toBe(1);
  });

  it('the enhanced MR at max: its sender is told frame 2\'s largest error in the values its reader is shown', async () => {
    const dir = await tempDir();
    const input = join(dir, 'enhanced.dcm');
    await copyFile(join(FIXTURES, 'dicom', 'enhanced_mr_3frame_functional_groups.dcm'), input);
    const enc = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], coding: { quality: 'max' } });
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), write: false });
    const told = (r: { fidelity?: Fidelity }) => r.fidelity!.real?.maxAbs ?? r.fidelity!.stored!.maxAbs;
    const largest = Math.max(...dec.images.map((i) => told(i.record)));
    expect(largest).toBeGreaterThan(Math.max(...dec.images.map((i) => i.record.fidelity!.stored!.maxAbs))); // frame 2's slope shows
    expect(fidelityHeadline(enc.fidelity, { ...enc.coding, ...enc.units })).toContain(`largest error ${largest} in rescaled values`);
  });
});

describe('a file read through its own VOI LUT Function (mammography, some radiography: SIGMOID)', () => {
  /** PS3.3 C.11.2.1.3.1 and C.11.2.1.3.2, written out from the standard's text (output range 0..255). */
  const sigmoid = (x: number, c: number, w: number) => Math.round(255 / (1 + Math.exp(-4 * (x - c) / w)));
  const linearExact = (x: number, c: number, w: number) => (x <= c - w / 2 ? 0 : x > c + w / 2 ? 255 : Math.round(((x - c) / w + 0.5) * 255));

  it('renders SIGMOID and LINEAR_EXACT as the standard writes them', () => {
    for (const [c, w] of [[40, 80], [40, 400], [-600, 1500], [2047.5, 4096], [0.5, 0.25]] as const) {
      for (let x = -1100; x <= 4200; x += 0.5) {
        expect(voiToByte(x, c, w, 'SIGMOID')).toBe(sigmoid(x, c, w));
        expect(voiToByte(x, c, w, 'LINEAR_EXACT')).toBe(linearExact(x, c, w));
      }
    }
  });

  const dcmodify = ['/usr/bin/dcmodify'].find(existsSync);
  const dcm2pnm = ['/usr/bin/dcm2pnm'].find(existsSync);
  it.skipIf(!dcmodify)('the file\'s window is a sigmoid in the viewer, in what the sender is told and in DICOM output, as dcmtk shows it', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const input = join(dir, 'sigmoid.dcm');
    await copyFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), input);
    execFileSync(dcmodify!, ['-nb', '-i', '(0028,1050)=40', '-i', '(0028,1051)=400', '-i', '(0028,1056)=SIGMOID', input], { stdio: 'ignore' });
    const [frame] = await readDicomFile(input, { maxPixels: 1e8, deidentify: null });
    const display = dicomDisplay(frame!.dicom);
    const file = display.windows.find((w) => w.source === 'file')!;
    expect(file).toMatchObject({ name: 'file window 1 (sigmoid)', center: 40, width: 400, fn: 'SIGMOID' });
    expect(display.windows.filter((w) => w.source === 'preset').every((w) => w.fn === undefined)).toBe(true); // presets stay linear
    const shown = Array.from(frame!.image.pixels, (s) => renderToByte(sampleToReal(s, display.mapping), file));
    if (dcm2pnm) { // dcmtk reads the VOI LUT Function with the file's window: the same grey levels (dcmtk truncates, aeimg rounds)
      const pgm = join(dir, 'shown.pgm');
      execFileSync(dcm2pnm, ['--write-raw-pnm', '+Wi', '1', input, pgm], { stdio: 'ignore' });
      const grey = readFileSync(pgm).subarray(-shown.length);
      expect(Math.max(...shown.map((g, i) => Math.abs(g - grey[i]!)))).toBeLessThanOrEqual(1);
      expect(shown.filter((g, i) => g !== voi(sampleToReal(frame!.image.pixels[i]!, display.mapping), 40, 400)).length).toBeGreaterThan(1000); // not the linear ramp
    }
    // What the sender is told of that window is measured through the sigmoid (an independent SSIM over it).
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'max' } });
    await mkdir(join(dir, 'out'));
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out'), format: 'dcm' });
    const told = dec.images[0]!.record.fidelity!.windows!.find((w) => w.name === 'file window 1 (sigmoid)')!;
    const real = (v: number[]) => Float64Array.from(v, (s) => sigmoid(s - 1024, 40, 400) / 255); // stored → HU (intercept −1024)
    const [original, back] = [await storedValues(input), await storedValues(dec.images[0]!.output!)];
    expect(told.ssim).toBeCloseTo(naiveSsim(real(original.values), real(back.values), 128, 128), 4);
    expect(String(dicomDataset(dec.images[0]!.output!)['00281056']?.Value?.[0])).toBe('SIGMOID'); // and a PACS is told too
    expect(describeImage(dec.images[0]!.record, dec.images[0]!.image, 0).window.fn).toBe('SIGMOID'); // the viewer opens with it
  });

  it.skipIf(!dcmodify)('an enhanced file\'s frame through the VOI LUT Function of its own functional groups, written back with it', async () => {
    const dir = await tempDir();
    const input = join(dir, 'enhanced.dcm');
    await copyFile(join(FIXTURES, 'dicom', 'enhanced_mr_3frame_functional_groups.dcm'), input);
    execFileSync(dcmodify!, ['-nb', '-i', '(5200,9230)[1].(0028,9132)[0].(0028,1056)=SIGMOID', input], { stdio: 'ignore' }); // frame 2 only
    const frames = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    const fileWindow = (k: number) => dicomDisplay(frames[k]!.dicom).windows.find((w) => w.source === 'file');
    expect(fileWindow(1)).toMatchObject({ name: 'file window 1 (sigmoid)', center: 210, width: 420, fn: 'SIGMOID' });
    expect(fileWindow(0)).toMatchObject({ name: 'file window 1', center: 200 });
    expect(fileWindow(0)!.fn).toBeUndefined();
    const bytes = writeDicom([{ image: frames[1]!.image }], frames[1]!.dicom, { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1 });
    const out = join(dir, 'frame2.dcm');
    await writeFile(out, bytes);
    expect(String(dicomDataset(out)['00281056']?.Value?.[0])).toBe('SIGMOID'); // a PACS reads it at the top level of the frame's file
  });
});
