/**
 * Which image format a file's first bytes say it is, of those aeimg reads (PNG, JPEG, TIFF, WebP, BMP, GIF, JPEG 2000;
 * JPEG-LS begins as JPEG does).
 */
import { isBmp } from './bmp.js';

/** Every PNG starts with these 8 bytes. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** A JP2 or JPH file's first box (ISO 15444-1 I.5.1, 15444-15). */
export const JP2_SIGNATURE = Uint8Array.of(0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20, 0x0d, 0x0a, 0x87, 0x0a);

export type ImageSignature = 'PNG' | 'JPEG' | 'TIFF' | 'WebP' | 'BMP' | 'GIF' | 'JPEG 2000';

/** The format the bytes begin as, or undefined. */
export function imageSignature(h: Uint8Array): ImageSignature | undefined {
  const at = (offset: number, bytes: ArrayLike<number>) => h.length >= offset + bytes.length && Array.prototype.every.call(bytes, (b: number, i: number) => h[offset + i] === b);
  if (at(0, PNG_SIGNATURE)) return 'PNG';
  if (at(0, [0xff, 0xd8, 0xff])) return 'JPEG';
  if (at(0, [0x49, 0x49, 0x2a, 0x00]) || at(0, [0x4d, 0x4d, 0x00, 0x2a])) return 'TIFF'; // II*\0, MM\0*
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'WebP'; // RIFF....WEBP
  if (isBmp(h)) return 'BMP'; // BM, then a DIB header of a known size
  if (at(0, [0x47, 0x49, 0x46, 0x38]) && (at(4, [0x37, 0x61]) || at(4, [0x39, 0x61]))) return 'GIF'; // GIF87a, GIF89a
  if (at(0, [0xff, 0x4f, 0xff, 0x51]) || at(0, JP2_SIGNATURE)) return 'JPEG 2000'; // a bare codestream (SOC, SIZ), a JP2/JPH file
  return undefined;
}

/**
 * "DICM" after the 128-byte preamble: a DICOM Part 10 file, whatever its preamble holds. A preamble may hold a TIFF
 * header (a file both DICOM and TIFF), which imageSignature would name: callers that name a file use fileSignature.
 */
export function isDicomPart10(h: Uint8Array): boolean {
  return h.length >= 132 && h[128] === 0x44 && h[129] === 0x49 && h[130] === 0x43 && h[131] === 0x4d;
}

/**
 * What a file's first bytes (at least 132 of them, where the file has them) say it is: a DICOM Part 10 file first,
 * whatever its preamble holds (a TIFF header, in a file both DICOM and TIFF), else an image format, else undefined.
 * For naming a file to its user; imageSignature is for choosing a decoder among image formats.
 */
export function fileSignature(h: Uint8Array): 'DICOM' | ImageSignature | undefined {
  return isDicomPart10(h) ? 'DICOM' : imageSignature(h);
}
