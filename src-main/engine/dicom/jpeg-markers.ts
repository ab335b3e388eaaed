/**
 * A JPEG stream's marker segments read without decoding it (T.81, and T.87 for JPEG-LS): the frame header, a lossless
 * scan's point transform, a JPEG-LS scan's NEAR. What the DICOM decoders (codecs.ts), a frame's coding (codestream.ts)
 * and an image file's (image/codestream-file.ts, image/source.ts) are told from.
 */

/** A JPEG stream's marker segments after its SOI, up to its first scan header (SOS) or where they cannot be followed. */
export function* jpegSegments(data: Uint8Array): Generator<{ marker: number; at: number }> {
  for (let at = 2; at + 4 <= data.length;) {
    if (data[at] !== 0xff) return;
    const marker = data[at + 1]!;
    if (marker === 0xff) { at++; continue; } // fill byte
    yield { marker, at };
    if (marker === 0xda) return;
    at += 2 + ((data[at + 2]! << 8) | data[at + 3]!);
  }
}

/** A frame header's marker: SOF0..SOF15 (not DHT C4, JPG C8, DAC CC), and JPEG-LS's SOF55 (F7). */
export const isFrameHeader = (marker: number) =>
  (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;

/**
 * A lossless JPEG stream's point transform Pt (the low half of its scan header's Ah/Al byte) and the offset of its
 * frame header's sample precision P; undefined where the markers cannot be followed to a scan.
 */
export function losslessPointTransform(data: Uint8Array): { pt: number; precisionAt: number } | undefined {
  let precisionAt = -1;
  for (const { marker, at } of jpegSegments(data)) {
    if (marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf) precisionAt = at + 4; // lossless SOF
    if (marker === 0xda) {
      const ahAl = data[at + 5 + 2 * (data[at + 4] ?? 0) + 2];
      return precisionAt < 0 || ahAl === undefined ? undefined : { pt: ahAl & 0x0f, precisionAt };
    }
  }
  return undefined;
}

/**
 * A JPEG-LS stream's sample precision P (its SOF55 frame header) and its scan's NEAR (0: lossless); undefined where the
 * markers cannot be followed to a scan.
 */
export function jpegLsCoding(data: Uint8Array): { precision: number; near: number } | undefined {
  let precision: number | undefined;
  for (const { marker, at } of jpegSegments(data)) {
    if (marker === 0xf7) precision = data[at + 4];
    if (marker === 0xda) {
      const near = data[at + 5 + 2 * (data[at + 4] ?? 0)];
      return precision === undefined || near === undefined ? undefined : { precision, near };
    }
  }
  return undefined;
}
