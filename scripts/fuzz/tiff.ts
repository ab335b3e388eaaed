/** TIFF files written sample by sample, of sample types the image library does not write (fuzz seeds and tests). */

/**
 * An uncompressed little-endian TIFF, one grey page per array, one strip each, its samples of the array's type (8-, 16-
 * or 32-bit, unsigned, signed or float; sharp writes neither float, signed nor multi-page grey from raw samples as such).
 * `newSubfileTypes`: each page's NewSubfileType (254), where given (1: a reduced-resolution copy, 4: a transparency mask).
 */
export function tiffOf(pages: (Uint8Array | Uint16Array | Uint32Array | Int16Array | Int32Array | Float32Array)[], width: number, height: number,
  newSubfileTypes?: readonly number[]): Buffer {
  const tagCount = newSubfileTypes ? 11 : 10;
  const ifdBytes = 2 + tagCount * 12 + 4;
  const head = Buffer.alloc(8);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(8, 4);
  const chunks: Buffer[] = [head];
  let at = 8;
  pages.forEach((samples, p) => {
    const dataAt = at + ifdBytes;
    const format = samples instanceof Float32Array ? 3 : samples instanceof Int32Array || samples instanceof Int16Array ? 2 : 1;
    const tags: [number, number, number][] = [ // tag, type (3 SHORT, 4 LONG), value; in ascending order
      ...(newSubfileTypes ? [[254, 4, newSubfileTypes[p] ?? 0] as [number, number, number]] : []), [256, 4, width], [257, 4, height], [258, 3, samples.BYTES_PER_ELEMENT * 8], [259, 3, 1], [262, 3, 1],
      [273, 4, dataAt], [277, 3, 1], [278, 4, height], [279, 4, samples.byteLength], [339, 3, format],
    ];
    const ifd = Buffer.alloc(ifdBytes);
    ifd.writeUInt16LE(tagCount, 0);
    tags.forEach(([tag, type, value], i) => {
      ifd.writeUInt16LE(tag, 2 + i * 12);
      ifd.writeUInt16LE(type, 4 + i * 12);
      ifd.writeUInt32LE(1, 6 + i * 12);
      if (type === 3) ifd.writeUInt16LE(value, 10 + i * 12);
      else ifd.writeUInt32LE(value, 10 + i * 12);
    });
    ifd.writeUInt32LE(p + 1 < pages.length ? dataAt + samples.byteLength : 0, ifdBytes - 4);
    chunks.push(ifd, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
    at = dataAt + samples.byteLength;
  });
  return Buffer.concat(chunks);
}

/**
 * An uncompressed little-endian CMYK TIFF (Photometric 5, four samples a pixel, interleaved), 8- or 16-bit, without a
 * colour profile: sharp writes CMYK only at 8 bits.
 */
export function cmykTiffOf(samples: Uint8Array | Uint16Array, width: number, height: number): Buffer {
  const bits = samples.BYTES_PER_ELEMENT * 8;
  const tags: [number, number, number, number][] = [ // tag, type (3 SHORT, 4 LONG), count, value (offsets filled below)
    [256, 4, 1, width], [257, 4, 1, height], [258, 3, 4, 0], [259, 3, 1, 1], [262, 3, 1, 5],
    [273, 4, 1, 0], [277, 3, 1, 4], [278, 4, 1, height], [279, 4, 1, samples.byteLength], [284, 3, 1, 1],
  ];
  const ifdBytes = 2 + tags.length * 12 + 4;
  const bitsAt = 8 + ifdBytes, dataAt = bitsAt + 8;
  const out = Buffer.alloc(dataAt + samples.byteLength);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(tags.length, 8);
  tags.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(count, at + 4);
    const v = tag === 258 ? bitsAt : tag === 273 ? dataAt : value;
    if (type === 3 && count === 1) out.writeUInt16LE(v, at + 8);
    else out.writeUInt32LE(v, at + 8);
  });
  for (let k = 0; k < 4; k++) out.writeUInt16LE(bits, bitsAt + 2 * k);
  Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).copy(out, dataAt);
  return out;
}
