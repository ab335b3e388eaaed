/**
 * Image file samples of a type aeimg does not code (signed, 32-bit, floating-point), carried where nothing changes: a
 * grey page whose every value is a whole number from 0 to 65,535 goes as 16-bit samples holding the same numbers (an
 * ITK or tifffile export of an MR as signed 16-bit, a mask or label map saved as 32-bit float), and one whose values
 * are whole numbers from −32,768 to 32,767, some below 0 (a CT in HU as signed 16-bit), as 16-bit samples holding each
 * value + 32,768, as a signed DICOM image goes, the record saying so (`valueOffset`, aeimg 0.35) so that the receiver
 * shows and writes back the values. Any other page is refused with its range, as a cast to 16 bits would clip
 * negatives, round fractions or wrap large values (before 0.8 a float TIFF of 0..1 came out black, every sample 0 or 1).
 */
import sharp, { type Metadata } from 'sharp';
import { AeimgError, ErrorCode } from '../errors.js';
import { sampleRange, SIGNED_OFFSET, type Image } from './image.js';

/**
 * The sample types (libvips' names) read this way, as the sender is told them. Not signed 8-bit: viewers disagree on
 * it (Pillow shows its `8bit.s.tif` as unsigned bytes, the picture it was made from; read as its tag says, signed, its
 * bright half wraps to black), so it stays refused.
 */
const WIDE_SAMPLES: Record<string, string> = {
  short: 'signed 16-bit', uint: '32-bit', int: 'signed 32-bit', float: '32-bit floating-point', double: '64-bit floating-point',
};

/** What a page's samples are called where they are of such a type ('signed 16-bit'); undefined for 8- and 16-bit unsigned. */
export function wideSampleType(meta: Pick<Metadata, 'depth'>): string | undefined {
  return WIDE_SAMPLES[meta.depth ?? ''];
}

/** A page's decoded values, as the file holds them (read by wholeValuesImage). */
export interface WideSamples {
  width: number;
  height: number;
  values: ArrayLike<number>;
}

const TYPED: Record<string, { new (b: ArrayBuffer, o: number, n: number): ArrayLike<number>; BYTES_PER_ELEMENT: number }> = {
  uint: Uint32Array, int: Int32Array, float: Float32Array, double: Float64Array,
};

/**
 * A grey page's values as the file holds them (EXIF orientation applied). libvips converts a signed 16-bit page's
 * colour space through unsigned 16 bits, clipping what is below 0, so those go up by 32,768 first (exact in its float
 * arithmetic) and come back down. The image library's errors are thrown as they are (io.ts names the file).
 */
export async function readWideSamples(data: Buffer, meta: Metadata, maxPixels: number, page: number): Promise<WideSamples> {
  const base = sharp(data, { limitInputPixels: maxPixels, failOn: 'error', page, autoOrient: true, ignoreIcc: true });
  if (meta.depth === 'short') {
    const { data: raw, info } = await base.linear(1, SIGNED_OFFSET).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    const shifted = new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2);
    return { width: info.width, height: info.height, values: Int32Array.from(shifted, (v) => v - SIGNED_OFFSET) };
  }
  const type = TYPED[meta.depth ?? '']!;
  const { data: raw, info } = await base.toColourspace('b-w').raw({ depth: meta.depth as 'float' }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, values: new type(raw.buffer, raw.byteOffset, raw.length / type.BYTES_PER_ELEMENT) };
}

/** "−1024", "0.0039": a value as the sender reads it. */
export function valueWords(v: number): string {
  return (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))).replace('-', '−');
}

/**
 * What a page's samples go as: the 16-bit image, what was added to each value (0, or 32,768 for values below 0), and
 * the range of the values as the file holds them.
 */
export interface WholeValues {
  image: Image;
  offset: number;
  range: [number, number];
}

/**
 * The 16-bit image of a page's values where each is a whole number from 0 to 65,535, or from −32,768 to 32,767 (then
 * each + 32,768); else the refusal, with the range the file holds and what to do.
 */
export function wholeValuesImage(samples: WideSamples, type: string): WholeValues {
  const { width, height, values } = samples;
  const [lo, hi] = sampleRange(values);
  let fraction: number | undefined;
  for (let i = 0; i < values.length && fraction === undefined; i++) if (!Number.isInteger(values[i])) fraction = values[i];
  const offset = lo < 0 ? SIGNED_OFFSET : 0;
  if (fraction !== undefined || lo < -SIGNED_OFFSET || hi > 65535 - offset) {
    const why = fraction !== undefined ? (Number.isNaN(fraction) ? ', some not a number' : `, not all whole numbers (${valueWords(fraction)})`)
      : lo < -SIGNED_OFFSET ? ', some below −32,768' : hi > 65535 ? ', some above 65,535' : ', both below 0 and above 32,767';
    throw new AeimgError(ErrorCode.BadInput,
      `has ${type} samples from ${valueWords(lo)} to ${valueWords(hi)}${why}, which aeimg does not carry without changing them (it carries ` +
      'whole numbers from 0 to 65,535, or from −32,768 to 32,767, as they are): save it as 16-bit PNG or TIFF, or send the DICOM file it came from.');
  }
  return { image: { width, height, channels: 1, bitDepth: 16, pixels: Uint16Array.from(values, (v) => v + offset) }, offset, range: [lo, hi] };
}
