/**
 * One image through the autoencoder: planes → normalise → encoder → quantize → entropy code, and back.
 * Grey images stay one plane; RGB goes channel-wise through the grey model (one plane per colour channel);
 * alpha is carried losslessly beside the latent.
 * Images with a per-pixel guarantee (lossless, within-N) are coded directly by the plane coder, without a latent:
 * measured on every source, the latent cost more bits than it saved and its decoder pass 7–10x the time
 * (docs/decisions.md); `latent: true` (or explicit latent bits) still carries one under the refinement layer.
 * The refinement layer and alpha: refinement-layer.ts; impulses and plateaus beside a latent: beside-latent.ts and
 * impulse-map.ts.
 */
import { brotliCompressSync } from 'node:zlib';
import { AeimgError, ErrorCode } from '../errors.js';
import { allocPixels, colourChannels, colourOfGrey, extractChannel, greyOfColour, hasAlpha, interleave, maxValue, planeRange, type Image } from '../image/image.js';
import { withoutImpulses } from '../image/impulses.js';
import { findPlateaus, withPlateaus } from '../image/plateaus.js';
import { restoreDetail } from '../image/restore.js';
import { plainDisplay, readerFidelity, type Fidelity } from '../metrics/fidelity.js';
import type { Autoencoder, TileExecutor } from '../model/autoencoder.js';
import { decodeMaps, encodeMaps } from './entropy.js';
import { carriedImpulses, shownBy, withNeededFlats } from './beside-latent.js';
import { decodeImpulseMaps, encodeImpulseMaps, insertImpulses, plateausOf } from './impulse-map.js';
import { decodeKeptFrame } from './kept-frame.js';
import { indexCoding, indexView, mapSteps, sampleSteps, stepped } from './steps.js';
import { decodeMapsV1 } from './legacy.js';
import { alphaBytes, alphaPlane, applyRefinement, encodeRefinementLayer, flatApproximation, pixelCheck } from './refinement-layer.js';
import { dequantizeLatents, quantizeLatents } from './quantize.js';
import { receivedFidelity, type ImageRecord } from './record.js';
import { DEFAULT_QUALITY, QUALITY_LEVELS, REFINEMENT_BITS, resolveCoding } from '../../../src-shared/quality.js';
import type { DisplayModel } from '../../../src-shared/windows.js';
import { chooseKnots, forward, inverse, type Knots } from './transfer.js';

export interface EncodeOptions {
  /**
   * Latent bits (2..8) and refinement (every rebuilt sample within ±maxError of the original; 0: lossless): one image's
   * resolved coding (src-shared/quality.ts resolveCoding). Both absent: the default level for this image.
   */
  bits?: number;
  maxError?: number;
  /** Also decode, as the receiver will, and measure fidelity in the reader's windows (one decoder pass). */
  measure?: boolean;
  /** How a reader sees this image (units, windows); a plain image's by default. */
  display?: DisplayModel;
  /** false: the network sees a linear min..max squash even over 8 bits (benchmarks compare the two). */
  transfer?: false;
  /** Carry the autoencoder's latent under a refinement layer (default: only when latent bits are given). */
  latent?: boolean;
  metadata?: Record<string, unknown>;
  /** Run the network's tiles on workers (big images on several cores). */
  tiles?: TileExecutor;
  /** false: no sample steps (steps.ts), so that readers before aeimg 0.9 open the record (--recode). */
  steps?: false;
}

export interface EncodedImage {
  record: ImageRecord;
  blobs: Buffer[];
  /** What the receiver will see, when measured. */
  decoded?: Image;
  timings: Record<string, number>;
}

/**
 * Plane c of the image as floats in [0, 1] over [lo, hi] (through `knots` when given: codec/transfer.ts), padded by
 * edge replication to even size.
 */
function normalisedPlane(image: Image, c: number, lo: number, hi: number, ph: number, pw: number, knots?: Knots): Float32Array {
  const src = extractChannel(image, c);
  const { width: w, height: h } = image;
  const span = hi > lo ? hi - lo : 1;
  const out = new Float32Array(ph * pw);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, h - 1);
    for (let x = 0; x < pw; x++) {
      const s = src[sy * w + Math.min(x, w - 1)]!;
      out[y * pw + x] = knots ? forward(knots, s) : (s - lo) / span;
    }
  }
  return out;
}

/** What the network sees of each colour plane: a companding for images over 8 bits, else none (linear). */
export function planeKnots(image: Image, planes: [number, number][], display?: DisplayModel): Knots[] | undefined {
  if (image.bitDepth <= 8) return undefined; // linear: no plane needs copying out to find out
  const knots = planes.map(([lo, hi], c) => chooseKnots(extractChannel(image, c), lo, hi, image.bitDepth, display));
  return knots.every((k) => k !== undefined) ? knots as Knots[] : undefined;
}

/** The colour planes as the encoder takes them (through `transfer` where given), padded to even size `ph` x `pw`. */
function networkInput(image: Image, ranges: [number, number][], transfer: Knots[] | undefined) {
  const ph = image.height + (image.height % 2);
  const pw = image.width + (image.width % 2);
  return { ph, pw, inputs: ranges.map(([lo, hi], c) => normalisedPlane(image, c, lo, hi, ph, pw, transfer?.[c])) };
}

/**
 * What the encoder sees of an image: each colour plane over its own range, companded over 8 bits (`transfer` false:
 * linear), padded to even size; with the ranges and knots the record carries. encodeImage, the denoised view and
 * `aeimg train` (its patches) all take it from here, so a model is trained on what it is given.
 */
export function encoderView(image: Image, display?: DisplayModel, transfer = true) {
  const ranges = Array.from({ length: colourChannels(image) }, (_, c) => planeRange(image, c));
  const knots = transfer ? planeKnots(image, ranges, display) : undefined;
  return { ranges, transfer: knots, ...networkInput(image, ranges, knots) };
}

const now = () => performance.now();

export async function encodeImage(model: Autoencoder, image: Image, name: string, opts: EncodeOptions = {}): Promise<EncodedImage> {
  // A grey image exported as colour goes as its one grey plane: a third of the samples to code, the same picture.
  const grey = greyOfColour(image);
  if (grey) {
    const encoded = await encodeImage(model, grey, name, opts);
    encoded.record.greyAsColour = true;
    return { ...encoded, ...(encoded.decoded ? { decoded: colourOfGrey(encoded.decoded) } : {}) };
  }
  const coding = opts.bits === undefined && opts.maxError === undefined
    ? resolveCoding({ quality: DEFAULT_QUALITY }, { bitDepth: image.bitDepth, dicom: false })
    : { bits: opts.bits, maxError: opts.maxError };
  const { maxError } = coding;
  const refine = maxError !== undefined;
  if (refine && !(opts.latent ?? coding.bits !== undefined)) {
    return encodeDirect(image, name, Array.from({ length: colourChannels(image) }, (_, c) => planeRange(image, c)), maxError, opts);
  }
  const bits = coding.bits ?? (refine ? REFINEMENT_BITS : QUALITY_LEVELS.max.bits);
  const timings: Record<string, number> = {};
  let t = now();
  // Network only, through a model with a faithful decoder and a denoiser (issue #14's two decoders): impulse noise
  // alone, and plateaus (image/plateaus.ts), go beside the latent, which then carries the image without them
  // (impulse-map.ts). The older models' decoder is their view (the paper's denoising autoencoder): their files stay as
  // they were.
  let carried = refine || !model.hasDenoiser ? undefined : carriedImpulses(image, opts.display);
  const seen = carried?.repaired ?? image;
  const { ranges: planes, transfer, ph, pw, inputs } = encoderView(seen, opts.display, opts.transfer !== false);
  const latents = await model.encode(inputs, ph, pw, { tiles: opts.tiles });
  timings.encoder = now() - t;
  t = now();
  const q = quantizeLatents(latents, model.latentChannels, bits);
  const latentBlob = encodeMaps(q.maps, { count: q.maps.length, height: ph / 2, width: pw / 2, bits });
  const alphaBlob = hasAlpha(image) ? brotliCompressSync(alphaBytes(image)) : Buffer.alloc(0);
  timings.entropy = now() - t;
  const latent: ImageRecord['latent'] = { width: pw / 2, height: ph / 2, channels: model.latentChannels, bits, ranges: q.ranges, coding: 'ac1' };
  const head = { kind: 'image', name, width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth, planes } as const;
  let decoded: Image | undefined;
  const flats = carried?.plateaus?.flats.some(Boolean) ?? false;
  if (opts.measure || refine || flats) {
    t = now();
    const blobs = [latentBlob, alphaBlob, Buffer.alloc(0)];
    decoded = await decodeApproximation(model, { ...head, ...(transfer ? { transfer } : {}), latent, blobs: { latent: 0, alpha: alphaBlob.length, residual: 0 } }, blobs, opts.tiles);
    if (carried && flats) carried = withNeededFlats(carried, image, decoded, opts.display ?? plainDisplay(image));
    if (carried) decoded = insertImpulses(decoded, carried.maps, carried.values);
    timings.decoder = now() - t;
  }
  const impulseBlob = carried ? encodeImpulseMaps(carried.maps, image.width) : undefined;
  const record: ImageRecord = {
    ...head,
    ...(transfer ? { transfer } : {}),
    latent,
    blobs: { latent: latentBlob.length, alpha: alphaBlob.length, residual: 0, ...(impulseBlob ? { impulses: impulseBlob.length } : {}) },
    ...(carried ? { impulses: { values: carried.values } } : {}),
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  };
  const blobs = [latentBlob, alphaBlob, Buffer.alloc(0), ...(impulseBlob ? [impulseBlob] : [])];
  if (refine) {
    t = now();
    const { blob, rebuilt } = encodeRefinementLayer(image, record, decoded!, maxError, 'wp1');
    blobs[2] = blob;
    record.blobs.residual = blob.length;
    record.refinement = { coding: 'wp1', maxError, sha256: pixelCheck(rebuilt), backend: model.backend };
    decoded = rebuilt;
    timings.residual = now() - t;
  }
  if (opts.measure) {
    t = now();
    const f = readerFidelity(image, decoded!, opts.display ?? plainDisplay(image), { maxError });
    // No per-pixel guarantee (the network alone) is reduced quality whatever its windows read (0.47), as its level is
    // named: an XA at max read SSIM 0.9853 with a pixel 17 levels off and went without the banner, where within ±2 of
    // it, SSIM 0.9785, carried it. A receiver says so of an older sender's file too (record.ts receivedFidelity).
    record.fidelity = maxError === undefined ? { ...f, reduced: true } : f;
    timings.fidelity = now() - t;
  }
  return { record, blobs, decoded, timings };
}

/** A guaranteed image coded by the plane coder alone: no latent, no network pass on either side. */
function encodeDirect(image: Image, name: string, planes: [number, number][], maxError: number, opts: EncodeOptions): EncodedImage {
  const timings: Record<string, number> = {};
  let t = now();
  const alphaBlob = hasAlpha(image) ? brotliCompressSync(alphaBytes(image)) : Buffer.alloc(0);
  const record: ImageRecord = {
    kind: 'image', name, width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth, planes,
    blobs: { latent: 0, alpha: alphaBlob.length, residual: 0 },
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  };
  // Samples on a grid (a CT stepping by 16, 8-bit data saved as 16-bit) are coded as their grid indices (steps.ts).
  const steps = opts.steps === false ? [] : sampleSteps(image, planes);
  const grid = stepped(steps) ? indexCoding(planes, steps, maxError) : undefined;
  if (grid) record.steps = steps;
  const view = grid ? { ...record, planes: grid.planes } : record;
  // wp2: the plane coder made for planes with no reconstruction (docs/decisions.md, 2026-11-29).
  const coded = encodeRefinementLayer(grid ? mapSteps(image, planes, steps) : image, view, flatApproximation(view, alphaBlob),
    grid?.maxError ?? maxError, 'wp2');
  const { blob } = coded;
  const rebuilt = grid ? mapSteps(coded.rebuilt, planes, steps, true) : coded.rebuilt;
  record.blobs.residual = blob.length;
  record.refinement = { coding: 'wp2', maxError, sha256: pixelCheck(rebuilt), backend: 'none' };
  timings.residual = now() - t;
  if (opts.measure) {
    t = now();
    record.fidelity = readerFidelity(image, rebuilt, opts.display ?? plainDisplay(image), { maxError });
    timings.fidelity = now() - t;
  }
  return { record, blobs: [Buffer.alloc(0), alphaBlob, blob], decoded: rebuilt, timings };
}

export interface DecodeRecordOptions {
  /**
   * The denoised view instead of the image as sent: the record's latent through the model's denoiser (no refinement
   * layer: the view is the network's output), or, when the record has no latent or the model no denoiser, the rebuilt
   * image through denoiseImage. `model` must then be given (ModelCache.forDenoising). Never what the file contains.
   */
  denoise?: boolean;
}

/**
 * Rebuilds the image a record describes (bit-exact when it carries a residual).
 * The record must have been validated (validateImageRecord).
 */
export async function decodeImageRecord(
  model: Autoencoder | undefined, record: ImageRecord, blobs: Buffer[], tiles?: TileExecutor, opts: DecodeRecordOptions = {},
): Promise<Image> {
  const image = await decodeCarried(model, record, blobs, tiles, opts);
  return record.greyAsColour ? colourOfGrey(image) : image;
}

/** The image as the record carries it (a grey plane for greyAsColour). */
async function decodeCarried(
  model: Autoencoder | undefined, record: ImageRecord, blobs: Buffer[], tiles?: TileExecutor, opts: DecodeRecordOptions = {},
): Promise<Image> {
  if (opts.denoise) return decodeDenoised(model, record, blobs, tiles);
  if (record.codestream) return decodeKeptFrame(record, blobs[2]!);
  if (record.latent && !model) throw new AeimgError(ErrorCode.ModelMissing, 'needs the model it was made with to decode its latent.');
  if (record.steps) {
    // Grid indices, rebuilt as samples before the sender's check (steps.ts).
    const view = indexView(record);
    return applyRefinement(view, flatApproximation(view, blobs[1]!), blobs[2]!, (indices) => mapSteps(indices, record.planes, record.steps!, true));
  }
  const approx = record.latent ? await decodeApproximation(model!, record, blobs, tiles) : flatApproximation(record, blobs[1]!);
  if (record.impulses) return withImpulses(record, approx, blobs[3]!);
  return (record.refinement || record.lossless) && blobs[2]?.length ? applyRefinement(record, approx, blobs[2]) : approx;
}

/** The network's image with the record's impulses put back where the sender's image had them. */
function withImpulses(record: ImageRecord, approx: Image, blob: Buffer): Image {
  const values = record.impulses!.values;
  return insertImpulses(approx, decodeImpulseMaps(blob, values.length, record.width, record.height), values);
}

async function decodeDenoised(model: Autoencoder | undefined, record: ImageRecord, blobs: Buffer[], tiles?: TileExecutor): Promise<Image> {
  if (!model) throw new AeimgError(ErrorCode.ModelMissing, 'needs a model to give its denoised view.');
  if (record.impulses) {
    // Impulses were the image's only noise: the view is the faithful decoder's image without them, as a received
    // image's view is its repair alone (denoiseImage). Plateaus (a CT's padding) are not noise: they are put back.
    const values = record.impulses.values;
    const { plateaus, impulses } = plateausOf(decodeImpulseMaps(blobs[3]!, values.length, record.width, record.height), record.width, record.height);
    const view = await decodeApproximation(model, record, blobs, tiles, !impulses && model.hasDenoiser);
    return insertImpulses(view, plateaus, values);
  }
  if (record.latent && model.hasDenoiser) return decodeApproximation(model, record, blobs, tiles, true);
  // Exact or within ±N samples: a salt-and-pepper impulse is still a single sample, which the repair finds.
  return denoiseImage(model, await decodeCarried(model, record, blobs, tiles), { tiles, received: receivedFidelity(record).maxError });
}

export interface DenoiseOptions {
  tiles?: TileExecutor;
  display?: DisplayModel;
  /**
   * The pixels are what a file carried (exact, or within ±this: its error bound), not a network's output. Salt-and-
   * pepper impulses are then repaired first (image/impulses.ts, with this tolerance), and the detail the denoiser lost
   * is restored from these pixels afterwards (image/restore.ts). Absent: neither (in a network's output impulses are
   * no longer single samples, and its detail is the network's own).
   */
  received?: number;
}

/**
 * Detail is restored from the received pixels (image/restore.ts) only in planes whose noise σ is below this (0..1 of
 * the range): under heavier noise the residual is mostly noise and the denoiser's output is the better view. On the
 * bench's val slices the paper's speckle and Poisson noise measure 0.008–0.023, its Gaussian noise 0.072–0.083; with
 * restoration at every σ the Gaussian rows fell from 0.78–0.91 to 0.74–0.80 SSIM (docs/models.md).
 */
const RESTORE_SIGMA = 0.05;

/**
 * The denoised view of an image in memory: the plateaus at its extremes filled (image/plateaus.ts), impulses repaired
 * (when the pixels are `received`; if the image had impulse noise and nothing else, that is the view), then its
 * colour planes normalised as encodeImage does → encoder → latent
 * quantized at the model's default bits (8) → the model's denoiser (its faithful decoder when it has none: one more
 * pass through the autoencoder) → samples of the image's bit depth over each plane's own range → (received pixels,
 * mild noise) detail restored from them → the input's samples where the plateaus were. Alpha is kept.
 */
export async function denoiseImage(model: Autoencoder, input: Image, opts: DenoiseOptions = {}): Promise<Image> {
  const { tiles, display } = opts;
  // Plateaus (a CT's padding, a large flat region over 8 bits: image/plateaus.ts) are not noise, and the network would
  // ring along a padding's edge: it sees the padding filled, and the view has the input's samples in every plateau.
  const shows = input.bitDepth > 8 ? shownBy(input, display ?? plainDisplay(input)) : undefined;
  const plateaus = findPlateaus(input, opts.received ?? 0, shows);
  const keep = (view: Image) => (plateaus ? withPlateaus(view, input, plateaus.masks) : view);
  let image = plateaus?.filled ?? input;
  // Per colour plane, the received plane to restore detail from (mild noise only).
  let received: (Uint8Array | Uint16Array | undefined)[] = [];
  if (opts.received !== undefined) {
    const repaired = withoutImpulses(image, opts.received);
    if (repaired.quiet) return keep(repaired.image);
    image = repaired.image;
    received = repaired.sigmas.map((sigma, c) => (sigma < RESTORE_SIGMA ? repaired.planes[c] : undefined));
  }
  const { width, height, bitDepth } = image;
  const bits = model.manifest.quantization.defaultBits;
  const { ranges, transfer, ph, pw, inputs } = encoderView(image, display);
  const latents = await model.encode(inputs, ph, pw, { tiles });
  const q = quantizeLatents(latents, model.latentChannels, bits);
  const outputs = await model.decode(dequantizeLatents(q, ranges.length, model.latentChannels), ph / 2, pw / 2, {
    tiles, denoise: model.hasDenoiser,
  });
  const planes = toSamples(outputs, ranges, width, height, bitDepth, pw, transfer)
    .map((plane, c) => (received[c] ? restoreDetail(received[c], plane, width, height) : plane));
  for (let c = ranges.length; c < image.channels; c++) planes.push(extractChannel(image, c));
  return keep(interleave(planes, width, height, bitDepth));
}

/**
 * Network output planes (padded width `pw`, [0, 1] nominal) → samples over each plane's [lo, hi] (through the inverse
 * of its knots when given), clipped.
 */
export function toSamples(outputs: Float32Array[], ranges: readonly (readonly [number, number])[], width: number, height: number,
  bitDepth: 8 | 16, pw: number, transfer?: readonly Knots[]) {
  const top = maxValue(bitDepth);
  return outputs.map((out, c) => {
    const [lo, hi] = ranges[c]!;
    const span = hi > lo ? hi - lo : 0;
    const knots = transfer?.[c];
    const plane = allocPixels(width, height, 1, bitDepth);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const yv = Math.min(1, Math.max(0, out[y * pw + x]!));
        const v = Math.round(knots ? inverse(knots, yv) : lo + yv * span);
        plane[y * width + x] = v > top ? top : v;
      }
    }
    return plane;
  });
}

async function decodeApproximation(model: Autoencoder, record: ImageRecord, blobs: Buffer[], tiles?: TileExecutor, denoise = false): Promise<Image> {
  const { width, height, bitDepth } = record;
  const latent = record.latent!;
  if (latent.channels !== model.latentChannels) {
    throw new AeimgError(ErrorCode.Malformed, 'its latent does not fit the model it names.');
  }
  const nColour = record.planes.length;
  const geometry = { count: nColour * latent.channels, height: latent.height, width: latent.width, bits: latent.bits };
  const maps = latent.coding === 'ac1' ? decodeMaps(blobs[0]!, geometry) : decodeMapsV1(blobs[0]!, { ...geometry, predict: true });
  const latents = dequantizeLatents({ bits: latent.bits, ranges: latent.ranges, maps }, nColour, latent.channels);
  const outputs = await model.decode(latents, latent.height, latent.width, { tiles, denoise });
  const planes = toSamples(outputs, record.planes, width, height, bitDepth, latent.width * 2, record.transfer);
  if (record.channels !== nColour) planes.push(alphaPlane(record, blobs[1]!));
  return interleave(planes, width, height, bitDepth);
}

export type { Fidelity };
