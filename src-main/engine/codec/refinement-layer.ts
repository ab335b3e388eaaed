/**
 * The refinement layer of an image record (docs/format.md, "Refinement blob"): the plane coder's residual against a
 * reconstruction (the network's, or zero planes for records without a latent), the pixel check the receiver compares,
 * and the alpha channel carried losslessly beside the colour planes.
 */
import { createHash } from 'node:crypto';
import { brotliDecompressSync } from 'node:zlib';
import { AeimgError, ErrorCode } from '../errors.js';
import { allocPixels, extractChannel, interleave, maxValue, type Image } from '../image/image.js';
import { applyResidualV1 } from './legacy.js';
import { decodePlanes2, encodePlanes2 } from './plane2.js';
import { decodePlanes, encodePlanes } from './refinement.js';
import type { ImageRecord, PlaneCoding } from './record.js';

/** The reference a latent-free refinement layer is coded against: zero planes (and the exact alpha). */
export function flatApproximation(record: ImageRecord, alphaBlob: Buffer): Image {
  const { width, height, bitDepth } = record;
  const planes = record.planes.map(() => allocPixels(width, height, 1, bitDepth));
  if (record.channels !== record.planes.length) planes.push(alphaPlane(record, alphaBlob));
  return interleave(planes, width, height, bitDepth);
}

/** SHA-256 of the samples (interleaved, 16-bit little-endian): what "bit-exact" is checked against. */
export function pixelHash(image: Image): string {
  return createHash('sha256').update(new Uint8Array(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength)).digest('hex');
}

/** Whether samples are those a record's check names: records of aeimg ≤ 0.3 carry the whole SHA-256, later ones its first 128 bits. */
export function passesCheck(image: Image, sha256: string): boolean {
  return pixelHash(image).slice(0, sha256.length) === sha256;
}

/** What a record written since aeimg 0.4 carries: the first 128 bits of pixelHash (docs/format.md, format 2). */
export function pixelCheck(image: Image): string {
  return pixelHash(image).slice(0, 32);
}

/**
 * The colour planes of an image as refinement inputs, each with its reconstruction. wp2 also clamps to, and escapes,
 * the plane's largest sample (`ceiling`), which the record carries; wp1 ignores it.
 */
function refinementPlanes(record: ImageRecord, decoded: Image) {
  const top = maxValue(record.bitDepth);
  return record.planes.map(([floor, ceiling], c) => ({
    geometry: { width: record.width, height: record.height, top, floor, ceiling }, dec: extractChannel(decoded, c),
  }));
}

/** Codes the original against the reconstruction; returns the blob and the image the receiver will rebuild. */
export function encodeRefinementLayer(image: Image, record: ImageRecord, decoded: Image, maxError: number, coding: PlaneCoding): { blob: Buffer; rebuilt: Image } {
  const planes = refinementPlanes(record, decoded).map((p, c) => ({ ...p, orig: extractChannel(image, c) }));
  const { data, rebuilt } = coding === 'wp2' ? encodePlanes2(planes, maxError) : encodePlanes(planes, maxError);
  // The rebuilt planes already have the image's sample type (refinement.ts sizes them by `top`); alpha is exact.
  const out = Array.from({ length: record.channels }, (_, c) => (c < planes.length ? rebuilt[c]! : extractChannel(image, c)));
  return { blob: data, rebuilt: interleave(out, record.width, record.height, record.bitDepth) };
}

/**
 * Rebuilds the refined image from the reconstruction and checks it against the sender's hash; `finish` turns what the
 * plane coder rebuilt into the image the hash is of (a stepped image's indices into its samples: codec/steps.ts).
 */
export function applyRefinement(record: ImageRecord, decoded: Image, blob: Buffer, finish = (image: Image) => image): Image {
  const { width: w, height: h, bitDepth } = record;
  const nColour = record.planes.length;
  const planes = Array.from({ length: record.channels }, (_, c) => (c < nColour ? allocPixels(w, h, 1, bitDepth) : extractChannel(decoded, c)));
  const check = record.refinement ?? record.lossless!;
  if (record.refinement) {
    const inputs = refinementPlanes(record, decoded).map((p, c) => ({ ...p, out: planes[c]! }));
    // The validator admits only the codings named in record.ts (PLANE_CODINGS).
    if (record.refinement.coding === 'wp2') decodePlanes2(blob, inputs, record.refinement.maxError);
    else decodePlanes(blob, inputs, record.refinement.maxError);
  } else {
    applyResidualV1(blob, planes.slice(0, nColour).map((_, c) => extractChannel(decoded, c)), h, w, bitDepth, planes);
  }
  const exact = finish(interleave(planes, w, h, bitDepth));
  if (!passesCheck(exact, check.sha256)) {
    throw new AeimgError(ErrorCode.Tampered,
      `failed its pixel check: the pixels rebuilt here differ from the sender's. The sender's decoder ran on the ` +
      `'${check.backend}' inference backend; open the file with AEIMG_BACKEND=${check.backend === 'tensorflow-gpu' ? 'tensorflow' : check.backend}.`);
  }
  return exact;
}

/** The alpha channel, carried losslessly (brotli) beside the colour planes. */
export function alphaPlane(record: ImageRecord, blob: Buffer): Uint8Array | Uint16Array {
  const { width, height, bitDepth } = record;
  let alpha: Buffer;
  try {
    alpha = brotliDecompressSync(blob, { maxOutputLength: width * height * (bitDepth / 8) + 1 });
  } catch {
    throw new AeimgError(ErrorCode.Malformed, 'its alpha channel is damaged.');
  }
  if (alpha.length !== width * height * (bitDepth / 8)) throw new AeimgError(ErrorCode.Malformed, 'its alpha channel has the wrong size.');
  const plane = allocPixels(width, height, 1, bitDepth); // samples are little-endian, as on every Node host
  new Uint8Array(plane.buffer).set(alpha);
  return plane;
}

/** The alpha channel's samples as bytes, for brotli (the sender's side of alphaPlane). */
export function alphaBytes(image: Image): Buffer {
  const a = extractChannel(image, image.channels - 1);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}
