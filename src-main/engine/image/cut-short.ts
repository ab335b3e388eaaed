/**
 * A PNG or JPEG file cut short (a copy that failed part-way), found from its structure without decoding it, where the
 * structure makes it certain that its decoder will fail. A WebP, GIF or TIFF cut short is already refused by its
 * header's reader (io.ts metadataOf).
 */
import { inflateSync } from 'node:zlib';
import { MAX_FILE_PIXEL_BYTES } from '../defaults.js';
import { AeimgError, ErrorCode } from '../errors.js';
import { imageSignature } from './signature.js';

/** Why the file is refused as a copy cut short, or undefined where it is whole or its structure cannot tell. */
export function cutShortImage(data: Uint8Array): AeimgError | undefined {
  const kind = imageSignature(data);
  const cut = kind === 'PNG' ? pngCutShort(data) : kind === 'JPEG' ? jpegCutShort(data) : false;
  return cut ? new AeimgError(ErrorCode.Truncated, `is truncated: the file ends inside its ${kind} image data. ` +
    'This copy is incomplete: copy it again, or export the image again.') : undefined;
}

/**
 * A chunk the image needs runs past the file's end (PNG: 4-byte length, 4-byte type, data, 4-byte CRC), and, where it
 * is image data, the image's zlib stream is not complete in what the file holds: libpng reads an image whose stream
 * ends before the cut (a file that stops in a trailing chunk, or in an IDAT after the stream's end).
 */
function pngCutShort(data: Uint8Array): boolean {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= data.length;) {
    const type = String.fromCharCode(...data.subarray(at + 4, at + 8));
    if (type === 'IEND' || (at === 8 && type !== 'IHDR')) return false; // not a PNG's chunks: damaged otherwise
    const end = at + 12 + view.getUint32(at);
    if (type === 'IDAT') idat.push(data.subarray(at + 8, Math.min(end - 4, data.length)));
    if (end > data.length) return type === 'IDAT' ? !zlibComplete(idat) : type === 'IHDR' || type === 'PLTE';
    at = end;
  }
  return idat.length === 0; // it ends between chunks: cut short where no image data came at all
}

/** Whether the zlib stream split over `parts` ends within them (an image within aeimg's pixel limit: bounded output). */
function zlibComplete(parts: Uint8Array[]): boolean {
  try {
    inflateSync(Buffer.concat(parts), { maxOutputLength: MAX_FILE_PIXEL_BYTES * 2 });
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'; // more than any image it takes: no verdict
  }
}

/**
 * The file has no End Of Image marker (FF D9) after its first scan: libjpeg then stops with "premature end of JPEG
 * image", even where only the marker is missing. The segments before the scan are walked by their lengths, so a
 * thumbnail's own marker inside an APP1 segment is not taken for the image's.
 */
function jpegCutShort(data: Uint8Array): boolean {
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) return false; // not a marker where one belongs: the decoder says what is wrong
    const marker = data[at + 1]!;
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) { at += 2; continue; } // markers without a length
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
