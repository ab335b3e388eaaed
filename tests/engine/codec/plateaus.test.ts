/**
 * Plateaus at a plane's extremes that stand apart from the rest (image/plateaus.ts): a CT's padding outside the field
 * of view. The network sees them filled and rings no more along their edge; the file carries them beside the latent,
 * exactly, in the impulse map; the denoised view puts them back.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImageRecord, denoiseImage, encodeImage } from '../../../src-main/engine/codec/image-codec.js';
import { decodeImpulseMaps, plateausOf } from '../../../src-main/engine/codec/impulse-map.js';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { sampleRange, type Image } from '../../../src-main/engine/image/image.js';
import { findPlateaus } from '../../../src-main/engine/image/plateaus.js';
import { readerFidelity } from '../../../src-main/engine/metrics/fidelity.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { noisyImage } from '../../../src-main/engine/train/noise.js';
import { QUALITY_LEVELS } from '../../../src-shared/quality.js';
import type { DisplayModel } from '../../../src-shared/windows.js';
import { defaultModel, FIXTURES, phantom } from '../../helpers.js';

const MAX = { bits: QUALITY_LEVELS.max.bits, measure: true } as const;
let model: Autoencoder;
let ct: Image;
let display: DisplayModel;
/** The CT head's padding: the samples at −2000 HU outside the scanner's field of view. */
let padding: number;
beforeAll(async () => {
  model = await defaultModel();
  const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm'), { maxPixels: 1e7, deidentify: null });
  ({ image: ct } = frame!);
  display = dicomDisplay(frame!.dicom);
  [padding] = sampleRange(ct.pixels);
});

const windowSsim = (f: { windows?: { name: string; ssim: number }[] }, name: string) => f.windows!.find((w) => w.name === name)!.ssim;
const atPadding = (im: Image) => Array.from(ct.pixels).flatMap((v, i) => (v === padding ? [im.pixels[i]] : []));

describe('plateaus at the extremes', () => {
  it('are the samples at an extreme that a gap of 1/8 of the range keeps apart from the rest, in clusters of 64 or more', () => {
    // A ramp (no gap anywhere) inside a frame at 0, far below it; one sample at 0 alone inside the ramp is an impulse,
    // and a 3x3 block at 0 is as small as salt-and-pepper noise makes them: neither is a plateau.
    const img = phantom(40, 30, 1, 16);
    img.pixels.forEach((_, i) => { img.pixels[i] = 30000 + (i % 40) * 10; });
    for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) if (y < 3 || x < 3 || (y >= 10 && y < 13 && x >= 10 && x < 13)) img.pixels[y * 40 + x] = 0;
    img.pixels[20 * 40 + 20] = 0;
    const p = findPlateaus(img)!;
    expect(p.masks[0]!.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(3 * 40 + 27 * 3);
    expect(p.masks[0]![20 * 40 + 20]).toBe(0);
    expect(p.masks[0]![11 * 40 + 11]).toBe(0);
    expect(p.filled.pixels[0]).toBe(30030); // the nearest value of the rest
    expect(p.filled.pixels[20 * 40 + 20]).toBe(0);
    // No gap (the frame at the ramp's own first value), or only two values: none.
    for (let i = 0; i < img.pixels.length; i++) if (img.pixels[i] === 0) img.pixels[i] = 30030;
    expect(findPlateaus(img)).toBeUndefined();
    expect(findPlateaus({ ...img, pixels: img.pixels.map((v) => (v > 30200 ? 65535 : 0)) })).toBeUndefined();
  });

  it('over 8 bits, a flat value that holds a fifth of a plane and shows in a window is a plateau too, kept as it is', () => {
    const img = phantom(64, 64, 1, 16); // 12-bit values; the body's inside is not flat
    const flat = 1200;
    for (let i = 0; i < 64 * 20; i++) img.pixels[i] = flat; // the top 20 rows: 31%
    const p = findPlateaus(img, 0, () => true)!;
    expect(p.flats).toEqual([1]);
    expect(p.values[0]![0]).toBe(flat);
    expect(p.masks[0]!.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(64 * 20);
    expect(Array.from(p.filled.pixels)).toEqual(Array.from(img.pixels)); // no edge to take away: not filled
    expect(findPlateaus(img, 0, (s) => s !== flat)).toBeUndefined(); // below or above every window
    expect(findPlateaus(img)).toBeUndefined(); // without windows to ask
    const eight = { ...img, bitDepth: 8 as const, pixels: Uint8Array.from(img.pixels, (v) => v >> 4) };
    expect(findPlateaus(eight, 0, () => true)).toBeUndefined();
  });

  it('a CT ankle\'s flat outside-the-body region (73% at −896 HU) goes beside the latent, as the network gave it back with noise', async () => {
    const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_ankle_512_implicit_le.dcm'), { maxPixels: 1e7, deidentify: null });
    const ankle = frame!.image, shown = dicomDisplay(frame!.dicom);
    const e = await encodeImage(model, ankle, 'ankle', { ...MAX, display: shown });
    const received = await decodeImageRecord(model, e.record, e.blobs);
    const flat = e.record.impulses!.values[0]![0];
    const region = Array.from(ankle.pixels).flatMap((v, i) => (v === flat ? [received.pixels[i]] : []));
    expect(region.length).toBeGreaterThan(0.7 * ankle.pixels.length);
    expect(region.filter((v) => v === flat).length).toBeGreaterThan(0.999 * region.length);
    // 0.9025 in the lung window, the worst, before (the region came back with ~24 grey levels of noise there).
    expect(readerFidelity(ankle, received, shown)).toEqual(e.record.fidelity);
    expect(windowSsim(e.record.fidelity!, 'lung')).toBeGreaterThan(0.98);
    expect(e.record.fidelity!.windows![0]!.ssim).toBeGreaterThan(0.93);
  });

  it('a flat region the network already gives back is not carried: the file is as before', async () => {
    // The bone scan's background (value 1, above its minimum 0; 56% of the frame) comes back within 0.3 grey levels.
    const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'nm_bone_jpeg_extended_12bit.dcm'), { maxPixels: 1e7, deidentify: null });
    expect(findPlateaus(frame!.image, 0, () => true)?.flats).toEqual([1]);
    const e = await encodeImage(model, frame!.image, 'nm', { ...MAX, display: dicomDisplay(frame!.dicom) });
    expect(e.record.impulses).toBeUndefined();
    expect(e.blobs).toHaveLength(3);
  });

  it('noise clipped at an extreme makes no flat plateau', () => {
    // A CT's air raised to −1000 HU, the image's minimum, under Gaussian noise of σ 0.1 of the range: a fifth of the
    // slice clips to the minimum.
    const noisy = noisyImage({ ...ct, pixels: ct.pixels.map((v) => Math.max(v, padding + 1000)) }, 'gaussian', 3);
    const [lo] = sampleRange(noisy.pixels);
    expect(Array.from(noisy.pixels).filter((v) => v === lo).length).toBeGreaterThan(0.2 * noisy.pixels.length);
    expect(findPlateaus(noisy, 0, () => true)).toBeUndefined();
  });

  it('a CT head\'s padding travels beside the latent, and the lung window no longer rings along the field of view', async () => {
    const e = await encodeImage(model, ct, 'ct', { ...MAX, display });
    expect(e.record.impulses?.values[0]![0]).toBe(padding);
    // The receiver's image has the padding exactly where the sender's had it, and nowhere else.
    const received = await decodeImageRecord(model, e.record, e.blobs);
    expect(new Set(atPadding(received))).toEqual(new Set([padding]));
    expect(Array.from(received.pixels).filter((v) => v === padding)).toHaveLength(atPadding(received).length);
    // What the sender is told is what the receiver gets; the lung window (air grey, padding black) was 0.974 before.
    expect(readerFidelity(ct, received, display)).toEqual(e.record.fidelity);
    expect(windowSsim(e.record.fidelity!, 'lung')).toBeGreaterThan(0.985);
    // The map is a plateau's, not impulses: the denoised view puts it back.
    const maps = decodeImpulseMaps(e.blobs[3]!, 1, ct.width, ct.height);
    expect(plateausOf(maps, ct.width, ct.height).impulses).toBe(false);
    const view = await decodeImageRecord(model, e.record, e.blobs, undefined, { denoise: true });
    expect(new Set(atPadding(view))).toEqual(new Set([padding]));
    expect(windowSsim(readerFidelity(ct, view, display), 'lung')).toBeGreaterThan(0.98);
  });

  it('with salt-and-pepper noise too: the impulses and the padding come back, and the view leaves out only the impulses', async () => {
    const noisy = noisyImage(ct, 'saltpepper', 11);
    const e = await encodeImage(model, noisy, 'ct', { ...MAX, display });
    const received = await decodeImageRecord(model, e.record, e.blobs);
    const map = decodeImpulseMaps(e.blobs[3]!, 1, ct.width, ct.height)[0]!;
    for (let i = 0; i < map.length; i++) if (map[i]) expect(received.pixels[i]).toBe(noisy.pixels[i]);
    expect(plateausOf([map], ct.width, ct.height).impulses).toBe(true);
    const view = await decodeImageRecord(model, e.record, e.blobs, undefined, { denoise: true });
    // Salt in the padding is padding again in the view, but where the field of view's edge leaves it no majority.
    const off = atPadding(view).filter((v) => v !== padding).length;
    console.log(`salt-and-pepper on the CT head: ${off} of ${atPadding(view).length} padding samples are not padding in the view`);
    expect(off).toBeLessThan(atPadding(view).length / 1000);
    const [, salt] = sampleRange(noisy.pixels);
    expect(Array.from(view.pixels).filter((v) => v === salt).length).toBeLessThan(Array.from(noisy.pixels).filter((v) => v === salt).length / 100);
  });

  it('the denoised view of a received image keeps its padding, and every window of it holds', async () => {
    const view = await denoiseImage(model, ct, { received: 0, display });
    expect(new Set(atPadding(view))).toEqual(new Set([padding]));
    // Before the plateaus, its lung window was 0.988, the worst.
    for (const w of readerFidelity(ct, view, display).windows!) expect(w.ssim, w.name).toBeGreaterThan(0.99);
  });
});
