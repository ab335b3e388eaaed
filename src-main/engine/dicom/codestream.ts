/**
 * A DICOM file's compressed frame, carried as it is (aeimg 0.9, docs/format.md "Kept frames"). A frame that the file
 * already holds as JPEG, JPEG-LS, JPEG 2000 or RLE is often smaller than aeimg's own coding of its decoded pixels,
 * always so when it was compressed lossily (its decoded pixels carry the codec's noise, which no lossless coder
 * shrinks): the sender then carries the frame's data itself, and the receiver decodes it with the same decoder the
 * sender read it with, so the image is bit-exact to what the sender saw.
 *
 * What the codestream may carry besides pixels goes first: JPEG comments and application segments (EXIF and the like,
 * which may name a device, a date or a person), JPEG 2000 comments. Only segments that decoding needs stay (JFIF,
 * Adobe's colour transform, CharLS's colour transform); the sender checks that the cleaned data decodes to the same
 * samples, and otherwise codes the pixels itself.
 */
import { decodeFrameData } from './parse.js';
import { u16be as u16, u32be as u32 } from '../big-endian.js';
import { storedToImage, type FrameLayout } from './stored-image.js';
import { JPEG_2000_SYNTAXES, TransferSyntax, type ReadAs } from './codecs.js';
import { isFrameHeader, jpegSegments } from './jpeg-markers.js';
import type { Image } from '../image/image.js';
import { AeimgError, ErrorCode } from '../errors.js';

/** The transfer syntaxes whose frames may be kept: those whose data holds nothing but the coded image once cleaned. */
const JPEG_FAMILY = new Set<string>([
  TransferSyntax.JpegBaseline, TransferSyntax.JpegExtended, TransferSyntax.JpegLossless57, TransferSyntax.JpegLossless70,
  TransferSyntax.JpegLsLossless, TransferSyntax.JpegLsNear,
]);
export const KEEPABLE_SYNTAXES: ReadonlySet<string> = new Set([...JPEG_FAMILY, ...JPEG_2000_SYNTAXES, TransferSyntax.Rle]);

const startsWith = (d: Uint8Array, at: number, text: string) => [...text].every((ch, i) => d[at + i] === ch.charCodeAt(0));

/** The data up to and including its last end marker (FFD9: JPEG's EOI, JPEG 2000's EOC); a DICOM fragment's pad byte goes. */
function throughEnd(d: Uint8Array): Uint8Array | undefined {
  for (let at = d.length - 2; at >= 0; at--) if (d[at] === 0xff && d[at + 1] === 0xd9) return d.subarray(0, at + 2);
  return undefined;
}

/** Application segments a decoder reads: JFIF, Adobe's colour transform (APP14), CharLS's colour transform (APP8 "mrfx"). */
function decoderNeeds(d: Uint8Array, at: number): boolean {
  const marker = d[at + 1]!;
  return (marker === 0xe0 && startsWith(d, at + 4, 'JFIF\0')) || (marker === 0xee && startsWith(d, at + 4, 'Adobe')) ||
    (marker === 0xe8 && startsWith(d, at + 4, 'mrfx'));
}

/** JPEG and JPEG-LS: the segments before the first scan without comments and other application data. */
function cleanJpeg(data: Uint8Array): Uint8Array | undefined {
  const d = throughEnd(data);
  if (!d || d[0] !== 0xff || d[1] !== 0xd8) return undefined;
  const parts: Uint8Array[] = [d.subarray(0, 2)];
  let at = 2;
  for (;;) {
    if (at + 4 > d.length || d[at] !== 0xff) return undefined;
    const marker = d[at + 1]!;
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { parts.push(d.subarray(at, at + 2)); at += 2; continue; }
    const end = at + 2 + u16(d, at + 2);
    if (end > d.length) return undefined;
    const text = marker === 0xfe || (marker >= 0xe0 && marker <= 0xef && !decoderNeeds(d, at));
    if (!text) parts.push(d.subarray(at, end));
    at = end;
    if (marker === 0xda) break; // start of scan: entropy-coded data follows
  }
  const rest = d.subarray(at);
  // After the first scan a marker is FF followed by a byte that coded data never puts there (JPEG stuffs 00, JPEG-LS a
  // byte below 80): a comment or application segment between scans is not removed, the frame is not kept.
  for (let i = 0; i + 1 < rest.length; i++) {
    if (rest[i] === 0xff && (rest[i + 1] === 0xfe || (rest[i + 1]! >= 0xe0 && rest[i + 1]! <= 0xef))) return undefined;
  }
  parts.push(rest);
  return concat(parts);
}

/** JPEG 2000 (and High-Throughput JPEG 2000) codestreams: the main header without comments (COM); none in tile-parts. */
function cleanJ2k(data: Uint8Array): Uint8Array | undefined {
  const d = throughEnd(data);
  if (!d || u16(d, 0) !== 0xff4f || u16(d, 2) !== 0xff51) return undefined; // SOC, SIZ: a bare codestream, not a JP2 file
  const parts: Uint8Array[] = [d.subarray(0, 2)];
  let at = 2;
  while (u16(d, at) !== 0xff90) { // up to the first tile-part (SOT)
    if (at + 4 > d.length || d[at] !== 0xff) return undefined;
    const end = at + 2 + u16(d, at + 2);
    if (end > d.length) return undefined;
    if (u16(d, at) !== 0xff64) parts.push(d.subarray(at, end));
    at = end;
  }
  // Tile-parts: a comment in a tile-part header would change its length (Psot), which TLM markers may repeat.
  for (let tile = at; tile < d.length - 2;) {
    if (u16(d, tile) !== 0xff90) return undefined;
    const psot = u32(d, tile + 6);
    const end = psot === 0 ? d.length : Math.min(d.length, tile + psot); // tile-parts do not overlap: one pass in all
    for (let m = tile + 12; u16(d, m) !== 0xff93; m += 2 + u16(d, m + 2)) { // up to SOD
      if (m + 4 > end || d[m] !== 0xff || u16(d, m) === 0xff64) return undefined;
    }
    if (psot === 0) break; // the last tile-part runs to EOC
    tile += psot;
  }
  parts.push(d.subarray(at));
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/**
 * The frame's data with nothing but the coded image, or undefined where that cannot be said of it (a layout this
 * reader does not walk, a comment between scans or in a tile-part). The caller still checks that it decodes as the
 * original did.
 */
export function cleanCodestream(syntax: string, data: Uint8Array): Uint8Array | undefined {
  if (JPEG_FAMILY.has(syntax)) return cleanJpeg(data);
  if (JPEG_2000_SYNTAXES.has(syntax)) return cleanJ2k(data);
  // RLE: a header of segment offsets, then the segments; nothing but samples.
  return syntax === TransferSyntax.Rle && data.length >= 64 ? data : undefined;
}

/**
 * The width and height a JPEG, JPEG-LS or JPEG 2000 codestream declares (its SOF or SIZ segment), read before any
 * decoder allocates for it; RLE declares none (its decoder fills the record's geometry). Undefined: none found.
 */
export function declaredSize(syntax: string, d: Uint8Array): { width: number; height: number } | undefined {
  if (JPEG_2000_SYNTAXES.has(syntax)) {
    if (d.length < 24 || u16(d, 0) !== 0xff4f || u16(d, 2) !== 0xff51) return undefined;
    return { width: u32(d, 8) - u32(d, 16), height: u32(d, 12) - u32(d, 20) };
  }
  if (!JPEG_FAMILY.has(syntax)) return undefined;
  for (const { marker, at } of jpegSegments(d)) {
    if (at + 9 > d.length) return undefined;
    // A frame header: precision (1), lines (2), samples per line (2).
    if (isFrameHeader(marker)) {
      return { width: u16(d, at + 7), height: u16(d, at + 5) };
    }
  }
  return undefined;
}

/** The image a kept frame decodes to (`width` x `height`, the layout's samples), as the sender read its file. */
export async function decodeCodestream(layout: FrameLayout, width: number, height: number, data: Uint8Array, opts: ReadAs = {}): Promise<Image> {
  const size = declaredSize(layout.syntax, data);
  if (layout.syntax !== TransferSyntax.Rle && (size?.width !== width || size.height !== height)) {
    throw new AeimgError(ErrorCode.Malformed, `declares ${size ? `${size.width}x${size.height}` : 'no size'} where the image is ${width}x${height}.`);
  }
  const samples = await decodeFrameData(layout.syntax, data, { ...layout, rows: height, columns: width }, 'the frame', opts);
  return storedToImage(layout, width, height, samples).image;
}
