/**
 * The samples a written DICOM image stores, and the attributes that hold sample values (Pixel Padding Value, Smallest
 * and Largest Image Pixel Value, …) as those samples are: their VR, their range, measured again where not bit-exact.
 */
import { maxValue, type Image } from '../image/image.js';
import { imageFileMapping } from '../../../src-shared/windows.js';
import { attribute, SAMPLE_VALUE_TAGS, type DicomJson } from './dataset.js';
import type { DicomFrameMeta } from './import.js';

/** The samples as written: 8 or 16 bits allocated, Bits Stored, Pixel Representation. */
export interface StoredSamples {
  data: ArrayBuffer;
  bits: number;
  signed: boolean;
}

/**
 * Samples back to stored values (undoing the importer's offset and inversion), 8 or 16 bits allocated as the image
 * is, with the source's Bits Stored: a MONOCHROME1 source gets its own values back at either depth, and a 1-bit
 * segmentation (imported as 8-bit 0/1) says Bits Stored 1, so that a viewer shows 1 as white.
 */
export function storedSamples(image: Image, meta: DicomFrameMeta | undefined, valueOffset?: number, inverted?: boolean): StoredSamples {
  // An image file's values that went up by an offset (a signed TIFF) go back signed, as a signed DICOM image's do; a
  // WhiteIsZero one's, inverted back, as a MONOCHROME1 DICOM image's do.
  const px = meta?.pixel ?? imageFileMapping(image.bitDepth, { valueOffset, inverted });
  const out = image.bitDepth === 8 ? new Uint8Array(image.pixels.length) : new Uint16Array(image.pixels.length);
  const maxStored = px ? (1 << px.bitsStored) - 1 : maxValue(image.bitDepth);
  for (let i = 0; i < out.length; i++) {
    let v = image.pixels[i]! - (px?.offset ?? 0);
    if (px?.inverted) v = px.signed ? -1 - v : maxStored - v;
    out[i] = v & 0xffff;
  }
  // Capped at the depth written: palette colour comes in as 8-bit RGB whatever its indices' Bits Stored.
  return { data: out.buffer, bits: Math.min(px?.bitsStored ?? image.bitDepth, image.bitDepth), signed: px?.signed ?? false };
}

/**
 * The attributes of sample values (dataset.ts SAMPLE_VALUE_TAGS) as the samples written are: SS where they are signed,
 * US where not (a record from aeimg 0.44 and before may carry an implicit-VR source's −2000 as US 63536: it goes back
 * as −2000). Smallest and Largest Image Pixel Value, where the source had them, are those of the samples written, as
 * the standard has them (a decoded image's are not the original's); for several frames, not bit-exact, they are left
 * out, as are the series' and the plane's: the receiver cannot know them. A colour image keeps none (a palette
 * image's were of its indices, written as RGB).
 */
export function writeSampleValues(ds: DicomJson, stored: StoredSamples, image: Image, frames: number, exact: boolean): void {
  if (image.channels !== 1) {
    for (const tag of SAMPLE_VALUE_TAGS) delete ds[tag];
    return;
  }
  const vr = stored.signed ? 'SS' : 'US';
  const asWritten = (v: number) => (stored.signed ? (v > 32767 ? v - 65536 : v) : v < 0 ? v + 65536 : v);
  const [lo, hi] = stored.signed ? [-32768, 32767] : [0, 65535];
  for (const tag of SAMPLE_VALUE_TAGS) {
    if (!ds[tag]) continue;
    // A record from any sender may hold anything: a value no sample can have is left out, not wrapped into one.
    const values = (ds[tag].Value ?? []).map((v) => asWritten(Number(v))).filter((v) => Number.isInteger(v) && v >= lo && v <= hi);
    if (values.length) ds[tag] = attribute(vr, ...values);
    else delete ds[tag];
  }
  if (!exact) for (const t of ['00280108', '00280109', '00280110', '00280111']) delete ds[t];
  if (exact || !(ds['00280106'] || ds['00280107'])) return;
  if (frames > 1) {
    delete ds['00280106'];
    delete ds['00280107'];
    return;
  }
  const samples = image.bitDepth === 8 ? (stored.signed ? new Int8Array(stored.data) : new Uint8Array(stored.data)) : stored.signed ? new Int16Array(stored.data) : new Uint16Array(stored.data);
  let smallest = Infinity, largest = -Infinity;
  for (const v of samples) {
    if (v < smallest) smallest = v;
    if (v > largest) largest = v;
  }
  if (ds['00280106']) ds['00280106'] = attribute(vr, smallest);
  if (ds['00280107']) ds['00280107'] = attribute(vr, largest);
}
