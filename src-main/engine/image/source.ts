/**
 * An image file that was itself lossy-compressed (a JPEG or lossy WebP export of a scan): the record says so in its
 * metadata (`source`), so that the receiver is told that "bit-exact" is to that file, not to the scanner's data, and a
 * DICOM file written from it says Lossy Image Compression 01 with the method and ratio, as a PACS must know.
 * As a DICOM file's own flag (dicom/write.ts markLossy) and its lossy transfer syntaxes (jobs/view.ts) do.
 */
import type { Image } from './image.js';
import { imageSignature } from './signature.js';
import type { CodestreamFile } from './codestream-file.js';
import { isFrameHeader, jpegSegments, losslessPointTransform } from '../dicom/jpeg-markers.js';

const LOSSY_FORMATS = ['JPEG', 'WebP', 'JPEG 2000', 'JPEG-LS'] as const;
type LossyFormat = (typeof LOSSY_FORMATS)[number];

/** The record's `metadata.source`: the lossy format the sender's file had, and its compression ratio. */
export interface LossySource {
  format: LossyFormat;
  lossy: true;
  /** Uncompressed bytes of the decoded images over the file's bytes (Lossy Image Compression Ratio, 0028,2112). */
  ratio: number;
}

/** DICOM's Lossy Image Compression Method (0028,2114) for each (PS3.3 C.7.6.1.1.5); WebP has no defined term. */
export const LOSSY_SOURCE_METHOD: Record<LossySource['format'], string> = {
  JPEG: 'ISO_10918_1', WebP: 'WEBP', 'JPEG 2000': 'ISO_15444_1', 'JPEG-LS': 'ISO_14495_1',
};

/**
 * The lossy format of the image file `data` (decoded as `pages`; `codestream` where it was read as one), or undefined
 * for PNG, TIFF, lossless WebP, lossless JPEG (since 0.28; before, any JPEG file said "lossy"), lossless JPEG-LS and
 * JPEG 2000 of the reversible wavelet.
 */
export function lossySourceOf(data: Buffer, pages: readonly Image[], codestream?: CodestreamFile): LossySource | undefined {
  const format = codestream ? (codestream.lossy ? codestream.format : undefined)
    : imageSignature(data) === 'JPEG' ? (losslessJpeg(data) ? undefined : 'JPEG') : isLossyWebp(data) ? 'WebP' : undefined;
  if (!format) return undefined;
  const raw = pages.reduce((n, p) => n + p.pixels.byteLength, 0);
  return { format, lossy: true, ratio: Number((raw / Math.max(1, data.length)).toFixed(2)) };
}

/** An 8-bit JPEG of the lossless process (SOF3, SOF7) without a point transform, which drops low bits. */
function losslessJpeg(data: Uint8Array): boolean {
  for (const { marker } of jpegSegments(data)) {
    if (marker === 0xc3 || marker === 0xc7) return (losslessPointTransform(data)?.pt ?? 0) === 0;
    if (isFrameHeader(marker)) return false;
  }
  return false;
}

/**
 * A WebP file whose image data is VP8 (lossy), not VP8L (lossless): its RIFF chunks walked, an animation's frames
 * (ANMF, whose data holds the frame's own chunks after a 16-byte header) included.
 */
function isLossyWebp(b: Buffer): boolean {
  if (b.length < 16 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP') return false;
  // Frames hold no frames: one level of ANMF only (a crafted file could nest them deeper than the stack goes).
  const walk = (start: number, end: number, top: boolean): boolean => {
    for (let at = start; at + 8 <= end;) {
      const id = b.toString('latin1', at, at + 4);
      const size = b.readUInt32LE(at + 4);
      if (id === 'VP8 ') return true;
      if (top && id === 'ANMF' && walk(at + 8 + 16, Math.min(end, at + 8 + size), false)) return true;
      at += 8 + size + (size & 1);
    }
    return false;
  };
  return walk(12, b.length, true);
}

/** The record's `metadata.source`, if well formed (it came from a sender: checked before it is used). */
export function lossySourceOfRecord(record: { metadata?: Record<string, unknown> }): LossySource | undefined {
  const s = record.metadata?.source as Partial<LossySource> | undefined;
  if (!s || typeof s !== 'object' || s.lossy !== true || !LOSSY_FORMATS.includes(s.format as LossyFormat)) return undefined;
  return { format: s.format as LossyFormat, lossy: true, ratio: typeof s.ratio === 'number' && Number.isFinite(s.ratio) && s.ratio > 0 ? s.ratio : 1 };
}

/**
 * The record's `metadata.converted` (0.48): an image file whose values were converted to be shown as viewers show them,
 * so that what is sent, and what its figures (bit-exact, within ±N) compare with, is that image, not the file's own
 * values: a PNG's gamma or a colour profile that moved them by more than a level (image/io.ts asSent), a
 * CMYK file's colours taken to RGB. The sender is warned (jobs/sender-warnings.ts); with this the reader is told too,
 * in the same figure (before 0.48 a 16-bit PNG of gamma 1.0, moved by up to 18,817 levels, reached its reader as
 * "bit-exact" alone, and its DICOM output as a bit-exact reconstruction).
 */
export interface ConvertedSource {
  /** What the file declared: "a gamma of 1 (its gAMA chunk)", "a colour profile", or "CMYK" (print colours). */
  from: string;
  /** The largest difference from the file's own values, in the image's levels; none for CMYK (no RGB values to compare). */
  shift?: number;
}

/** The reader's words for a record's `converted` (well formed, or none): what its figures are of, at its bit depth's scale. */
export function convertedWordsOf(record: { metadata?: Record<string, unknown>; bitDepth: number }): string | undefined {
  const c = convertedSourceOfRecord(record);
  if (!c) return undefined;
  if (c.from === 'CMYK') {
    return 'the sender\'s file was a CMYK image (print colours), converted to RGB as image viewers show it: the figures are of that RGB image';
  }
  return `the sender's file declares ${c.from}, so its values were converted to sRGB as a colour-managed viewer shows them, ` +
    `up to ${c.shift} levels of ${2 ** record.bitDepth - 1} from the file's own: the figures are of that sRGB image`;
}

/** The record's `metadata.converted`, if well formed (it came from a sender: checked before it is used). */
function convertedSourceOfRecord(record: { metadata?: Record<string, unknown> }): ConvertedSource | undefined {
  const c = record.metadata?.converted as Partial<ConvertedSource> | undefined;
  if (!c || typeof c !== 'object' || typeof c.from !== 'string' || !c.from || c.from.length > 200) return undefined;
  if (c.from === 'CMYK') return { from: c.from };
  return typeof c.shift === 'number' && Number.isInteger(c.shift) && c.shift > 0 ? { from: c.from, shift: c.shift } : undefined;
}
