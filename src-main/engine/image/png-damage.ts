/**
 * A PNG whose bytes were changed after it was written (a bit flipped in a copy, a mail gateway's rewrite): libpng
 * refuses it as "libpng read error", which names neither the file's fault nor what to do. Each chunk carries a CRC
 * of its bytes, and its image data is one zlib stream: what failed is found from them, and said (io.ts refuses it).
 */
import { inflateSync } from 'node:zlib';
import { AeimgError, ErrorCode } from '../errors.js';
import { pngChunks } from './png-chunks.js';

/**
 * What is damaged in a PNG, in the sender's words: its first critical chunk before IEND (IHDR, PLTE, IDAT: libpng
 * refuses those, and drops an ancillary chunk that fails) whose CRC does not match its bytes; with `inflate`, else its
 * image data where it does not inflate. Undefined where neither, or where a chunk is cut off (cut-short.ts says so).
 * Without `inflate` only the CRCs are computed: what a check before any image is encoded can afford on a large file.
 */
export function pngDamage(png: Uint8Array, inflate: boolean): string | undefined {
  const idat: Uint8Array[] = [];
  for (const chunk of pngChunks(png)) {
    if (!chunk.data) return undefined;
    if (chunk.type === 'IEND') break; // it holds nothing: a changed checksum there harms no pixel (libvips does not read it)
    const critical = chunk.type.charCodeAt(0) >= 0x41 && chunk.type.charCodeAt(0) <= 0x5a;
    if (critical && !chunk.crcMatches()) {
      return `its ${chunk.type} chunk at byte ${chunk.at} does not match its checksum (CRC): bytes were changed after it was written`;
    }
    if (chunk.type === 'IDAT') idat.push(chunk.data);
  }
  if (!inflate || !idat.length) return undefined;
  try {
    inflateSync(Buffer.concat(idat));
  } catch (err) {
    return `its image data does not decompress (${(err as Error).message})`;
  }
  return undefined;
}

export function damagedPng(words: string): AeimgError {
  return new AeimgError(ErrorCode.BadInput, `is a damaged PNG: ${words}, so its pixels cannot be read as they were. ` +
    'Copy it again from where it came from, or export the image again (as PNG), or send the DICOM file.');
}
