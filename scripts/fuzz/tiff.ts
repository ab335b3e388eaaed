/** TIFF files written sample by sample, of sample types the image library does not write (fuzz seeds and tests). */

/**
 * An uncompressed little-endian TIFF, one grey page per array, one strip each, its samples of the array's type (8-, 16-
 * or 32-bit, unsigned, signed or float; sharp writes neither float, signed nor multi-page grey from raw samples as such).
 */
export function tiffOf(pages: (Uint8Array | Uint16Array | Uint32Array | Int16Array | Int32Array | Float32Array)[], width: number, height: number): Buffer {
  const tagCount = 10;
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
    const tags: [number, number, number][] = [ // tag, type (3 SHORT, 4 LONG), value
      [256, 4, width], [257, 4, height], [258, 3, samples.BYTES_PER_ELEMENT * 8], [259, 3, 1], [262, 3, 1],
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
