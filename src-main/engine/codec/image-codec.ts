/**
 * One image through the autoencoder: planes → normalise → encoder → quantize → entropy code, and back.
 * Grey images stay one plane; RGB goes channel-wise through the grey model (one plane per colour channel);
 * alpha is carried losslessly beside the latent.
 */
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { AeimgError, ErrorCode } from '../errors.js';
import { allocPixels, colourChannels, extractChannel, hasAlpha, interleave, maxValue, type Image } from '../image/image.js';
import { compareImages, type Fidelity } from '../metrics/fidelity.js';
import type { Autoencoder, TileExecutor } from '../model/autoencoder.js';
import { decodeMaps, encodeMaps, predictMed } from './entropy.js';
import { dequantizeLatents, quantizeLatents } from './quantize.js';
import type { ImageRecord } from './record.js';

export const DEFAULT_BITS = 8;

export interface EncodeOptions {
  bits?: number;
  /** Carry the residual (original − decoded) too, so the receiver rebuilds the exact pixels. */
  lossless?: boolean;
  /** Also decode, as the receiver will, and measure fidelity (costs one decoder pass). */
  measure?: boolean;
  metadata?: Record<string, unknown>;
  /** Run the network's tiles on workers (big images on several cores). */
  tiles?: TileExecutor;
}

export interface EncodedImage {
  record: ImageRecord;
  blobs: Buffer[];
  /** What the receiver will see, when measured. */
  decoded?: Image;
  timings: Record<string, number>;
}

/** Plane c of the image as floats in [0, 1] over [lo, hi], padded by edge replication to even size. */
function normalisedPlane(image: Image, c: number, lo: number, hi: number, ph: number, pw: number): Float32Array {
  const src = extractChannel(image, c);
  const { width: w, height: h } = image;
  const span = hi > lo ? hi - lo : 1;
  const out = new Float32Array(ph * pw);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(y, h - 1);
    for (let x = 0; x < pw; x++) out[y * pw + x] = (src[sy * w + Math.min(x, w - 1)]! - lo) / span;
  }
  return out;
}

function planeRange(image: Image, c: number): [number, number] {
  const { channels: n, pixels } = image;
  let lo = Infinity, hi = -Infinity;
  for (let i = c; i < pixels.length; i += n) {
    const v = pixels[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function alphaBytes(image: Image): Buffer {
  const a = extractChannel(image, image.channels - 1);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

const now = () => performance.now();

export async function encodeImage(model: Autoencoder, image: Image, name: string, opts: EncodeOptions = {}): Promise<EncodedImage> {
  const bits = opts.bits ?? DEFAULT_BITS;
  const timings: Record<string, number> = {};
  const nColour = colourChannels(image);
  const ph = image.height + (image.height % 2);
  const pw = image.width + (image.width % 2);
  const planes = Array.from({ length: nColour }, (_, c) => planeRange(image, c));
  let t = now();
  const inputs = planes.map(([lo, hi], c) => normalisedPlane(image, c, lo, hi, ph, pw));
  const latents = await model.encode(inputs, ph, pw, { tiles: opts.tiles });
  timings.encoder = now() - t;
  t = now();
  const q = quantizeLatents(latents, model.latentChannels, bits);
  const latentBlob = encodeMaps(q.maps, { count: q.maps.length, height: ph / 2, width: pw / 2, bits, predict: true });
  const alphaBlob = hasAlpha(image) ? brotliCompressSync(alphaBytes(image)) : Buffer.alloc(0);
  timings.entropy = now() - t;
  const record: ImageRecord = {
    kind: 'image',
    name,
    width: image.width,
    height: image.height,
    channels: image.channels,
    bitDepth: image.bitDepth,
    planes,
    latent: { width: pw / 2, height: ph / 2, channels: model.latentChannels, bits, ranges: q.ranges },
    blobs: { latent: latentBlob.length, alpha: alphaBlob.length, residual: 0 },
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  };
  const blobs = [latentBlob, alphaBlob, Buffer.alloc(0)];
  let decoded: Image | undefined;
  if (opts.measure || opts.lossless) {
    t = now();
    decoded = await decodeApproximation(model, record, blobs, opts.tiles);
    timings.decoder = now() - t;
  }
  if (opts.measure && !opts.lossless) {
    t = now();
    record.fidelity = compareImages(image, decoded!);
    timings.fidelity = now() - t;
  }
  if (opts.lossless) {
    t = now();
    const blob = encodeResidual(image, decoded!);
    blobs[2] = blob;
    record.blobs.residual = blob.length;
    record.lossless = { sha256: pixelHash(image), predictor: 'med+decoder', backend: model.backend };
    // The receiver gets these exact pixels, so that is the fidelity to report (PSNR is stored as null in JSON).
    if (opts.measure) record.fidelity = { ssim: 1, psnr: Infinity, mse: 0 };
    timings.residual = now() - t;
  }
  return { record, blobs, decoded, timings };
}

/** SHA-256 of the samples (interleaved, 16-bit little-endian): what "bit-exact" is checked against. */
export function pixelHash(image: Image): string {
  return createHash('sha256').update(new Uint8Array(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength)).digest('hex');
}

/**
 * The lossless predictor: JPEG-LS's median edge detector on the original's causal neighbours, plus the local detail
 * the decoder saw (its own value minus the same predictor on its neighbours). Encodes with `orig` known; decodes in
 * raster order, rebuilding `orig` as it goes. Returns residuals mod 2^bits.
 */
function detailPredictor(orig: ArrayLike<number> & { [i: number]: number }, dec: ArrayLike<number>, h: number, w: number, bits: number,
  residual: Uint16Array, decode: boolean): void {
  const size = 2 ** bits;
  const top = size - 1;
  const mid = size >> 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const p = Math.min(top, Math.max(0, predictMed(orig, i, x, y, w, mid) + dec[i]! - predictMed(dec, i, x, y, w, mid)));
      if (decode) orig[i] = (p + residual[i]!) % size;
      else residual[i] = (orig[i]! - p + size) % size;
    }
  }
}

/** The residual maps against the detail predictor, entropy-coded. */
function encodeResidual(image: Image, decoded: Image): Buffer {
  const maps = Array.from({ length: colourChannels(image) }, (_, c) => {
    const r = new Uint16Array(image.width * image.height);
    detailPredictor(extractChannel(image, c), extractChannel(decoded, c), image.height, image.width, image.bitDepth, r, false);
    return r;
  });
  const blob = encodeMaps(maps, { count: maps.length, height: image.height, width: image.width, bits: image.bitDepth, predict: false });
  return blob;
}

/** Adds the carried residual to the decoded planes and checks the result against the sender's hash. */
function applyResidual(record: ImageRecord, decoded: Image, blob: Buffer): Image {
  const lossless = record.lossless!;
  const nColour = record.planes.length;
  const maps = decodeMaps(blob, { count: nColour, height: record.height, width: record.width, bits: record.bitDepth, predict: false });
  const planes = Array.from({ length: record.channels }, (_, c) => {
    const d = extractChannel(decoded, c);
    if (c >= nColour) return d;
    const exact = allocPixels(record.width, record.height, 1, record.bitDepth);
    detailPredictor(exact, d, record.height, record.width, record.bitDepth, maps[c]!, true);
    return exact;
  });
  const exact = interleave(planes, record.width, record.height, record.bitDepth);
  if (pixelHash(exact) !== lossless.sha256) {
    throw new AeimgError(ErrorCode.Tampered,
      `failed its bit-exact check: the pixels rebuilt here differ from the sender's. The sender's decoder ran on the ` +
      `'${lossless.backend}' inference backend; open the file with AEIMG_BACKEND=${lossless.backend === 'tensorflow-gpu' ? 'tensorflow' : lossless.backend}.`);
  }
  return exact;
}

/**
 * Rebuilds the image a record describes (bit-exact when it carries a residual).
 * The record must have been validated (validateImageRecord).
 */
export async function decodeImageRecord(model: Autoencoder, record: ImageRecord, blobs: Buffer[], tiles?: TileExecutor): Promise<Image> {
  const approx = await decodeApproximation(model, record, blobs, tiles);
  return record.lossless && blobs[2]?.length ? applyResidual(record, approx, blobs[2]) : approx;
}

async function decodeApproximation(model: Autoencoder, record: ImageRecord, blobs: Buffer[], tiles?: TileExecutor): Promise<Image> {
  const { latent, width, height, bitDepth } = record;
  if (latent.channels !== model.latentChannels) {
    throw new AeimgError(ErrorCode.Malformed, 'its latent does not fit the model it names.');
  }
  const nColour = record.planes.length;
  const maps = decodeMaps(blobs[0]!, {
    count: nColour * latent.channels, height: latent.height, width: latent.width, bits: latent.bits, predict: true,
  });
  const latents = dequantizeLatents({ bits: latent.bits, ranges: latent.ranges, maps }, nColour, latent.channels);
  const outputs = await model.decode(latents, latent.height, latent.width, { tiles });
  const pw = latent.width * 2;
  const top = maxValue(bitDepth);
  const planes = outputs.map((out, c) => {
    const [lo, hi] = record.planes[c]!;
    const span = hi > lo ? hi - lo : 0;
    const plane = allocPixels(width, height, 1, bitDepth);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = Math.round(lo + Math.min(1, Math.max(0, out[y * pw + x]!)) * span);
        plane[y * width + x] = v > top ? top : v;
      }
    }
    return plane;
  });
  if (record.channels !== nColour) {
    let alpha: Buffer;
    try {
      alpha = brotliDecompressSync(blobs[1]!, { maxOutputLength: width * height * (bitDepth / 8) + 1 });
    } catch {
      throw new AeimgError(ErrorCode.Malformed, 'its alpha channel is damaged.');
    }
    if (alpha.length !== width * height * (bitDepth / 8)) throw new AeimgError(ErrorCode.Malformed, 'its alpha channel has the wrong size.');
    const plane = allocPixels(width, height, 1, bitDepth); // samples are little-endian, as on every Node host
    new Uint8Array(plane.buffer).set(alpha);
    planes.push(plane);
  }
  return interleave(planes, width, height, bitDepth);
}

export type { Fidelity };
