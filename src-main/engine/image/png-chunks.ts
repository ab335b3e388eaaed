/**
 * A PNG file's chunks (4-byte length, 4-byte type, data, 4-byte CRC), read and written: what cut-short.ts, apng.ts and
 * the fuzzer's APNG writer walk or make, each of them before in a loop of its own.
 */
import { crc32 } from 'node:zlib';

export interface PngChunkAt {
  type: string;
  /** Where the chunk starts (its length field). */
  at: number;
  /** Its data; absent where the file ends inside the chunk (the last one given). */
  data?: Uint8Array;
  /** Whether its CRC matches (computed when asked: a header check walks a large file's chunks for their types alone). */
  crcMatches(): boolean;
}

/** The chunks after the signature, in order, as far as their types can be read; the last may be cut off (no `data`). */
export function* pngChunks(png: Uint8Array): Generator<PngChunkAt> {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 8 <= png.length;) {
    const length = view.getUint32(at), type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (at + 12 + length > png.length) {
      yield { type, at, crcMatches: () => false };
      return;
    }
    const data = png.subarray(at + 8, at + 8 + length), end = at + 8 + length;
    yield { type, at, data, crcMatches: () => crc32(png.subarray(at + 4, end)) === view.getUint32(end) };
    at += 12 + length;
  }
}

/** A PNG chunk: length, type, data and its CRC. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * `png` saying its pixels' size as the image's own spacing (`spacing`, mm between rows and between columns, as DICOM's
 * Pixel Spacing): a pHYs chunk of pixels per metre after its header; or saying none where the image has none (aeimg
 * 0.47). libvips writes 1000 pixels a metre, 1 mm a pixel, into every PNG it makes, which ImageJ and other tools that
 * measure read as the image's spacing: a 0.49 mm CT measured twice its size.
 */
export function withPixelSpacing(png: Buffer, given?: { row: number; column: number }): Buffer {
  // Pixels a metre that a pHYs chunk holds (1 to 2^31 − 1): a spacing outside (1e-7 mm, 5 m) says none.
  const perMetre = (mm: number) => Math.round(1000 / mm);
  const fits = (mm: number) => perMetre(mm) >= 1 && perMetre(mm) <= 0x7fffffff;
  const spacing = given && fits(given.row) && fits(given.column) ? given : undefined;
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  for (const chunk of pngChunks(png)) {
    const end = chunk.at + 12 + (chunk.data?.length ?? 0);
    if (chunk.type !== 'pHYs') parts.push(png.subarray(chunk.at, end));
    if (chunk.type === 'IHDR' && spacing) {
      const data = Buffer.alloc(9);
      data.writeUInt32BE(perMetre(spacing.column), 0); // x: along a row, across its columns
      data.writeUInt32BE(perMetre(spacing.row), 4);
      data[8] = 1; // the metre
      parts.push(pngChunk('pHYs', data));
    }
  }
  return Buffer.concat(parts);
}
