/**
 * A PNG or JPEG file that ends before its image does (a copy that failed part-way), found from its structure without
 * decoding it. Such a file may still decode (libpng reads a PNG whose image stream ends before the cut, libjpeg some
 * JPEGs without their last marker), so the structure only says which files io.ts imageHeaderRefusal decodes to be
 * sure. A WebP, GIF or TIFF cut short is refused by its header's reader already.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { imageSignature } from './signature.js';
import { pngChunks } from './png-chunks.js';

/** The format of a PNG or JPEG file that ends before its image does, or undefined where it does not or cannot tell. */
export function endsEarly(data: Uint8Array): 'PNG' | 'JPEG' | undefined {
  const kind = imageSignature(data);
  if (kind === 'PNG') return pngEndsEarly(data) ? kind : undefined;
  if (kind === 'JPEG') return jpegEndsEarly(data) ? kind : undefined;
  return undefined;
}

/** What a file is told that ends before its image (and does not decode, or is JPEG 2000: codestream-file.ts). */
export function cutShort(kind: string): AeimgError {
  return new AeimgError(ErrorCode.Truncated, `is truncated: the file ends inside its ${kind} image data. ` +
    'This copy is incomplete: copy it again, or export the image again.');
}

/** Its chunks (4-byte length, 4-byte type, data, 4-byte CRC) stop before IEND: inside one, or between two. */
function pngEndsEarly(data: Uint8Array): boolean {
  for (const { type, at } of pngChunks(data)) {
    if (type === 'IEND') return false;
    if (at === 8 && type !== 'IHDR') return false; // not a PNG's chunks: damaged otherwise, its reader says how
  }
  return true;
}

/**
 * No End Of Image marker (FF D9) after its first scan, nor one before it (a file of tables only has no image to cut).
 * The segments before the scan are walked by their lengths, so a thumbnail's own marker inside an APP1 segment is not
 * taken for the image's.
 */
function jpegEndsEarly(data: Uint8Array): boolean {
  let at = 2;
  while (at + 2 <= data.length) {
    if (data[at] !== 0xff) return false; // not a marker where one belongs: its reader says what is wrong
    const marker = data[at + 1]!;
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0xd9) return false; // it ends where it says, before any image (tables only): its reader names that
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) { at += 2; continue; } // markers without a length
    if (at + 4 > data.length) return true;
    const end = at + 2 + ((data[at + 2]! << 8) | data[at + 3]!);
    if (end > data.length) return true;
    if (marker === 0xda) {
      // From the end: the marker is last, or followed only by what some writers append.
      for (let i = data.length - 2; i >= end; i--) if (data[i] === 0xff && data[i + 1] === 0xd9) return false;
      return true;
    }
    at = end;
  }
  return true; // it ends before its first scan
}
