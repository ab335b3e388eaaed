/**
 * A frame's stored values → the image aeimg codes, without the dataset (a kept frame's record holds its layout): grey
 * keeps its precision (8-bit stays 8-bit, wider becomes 16-bit, signed offset by 32768), MONOCHROME1 is inverted to
 * MONOCHROME2, palette colour and native YBR become 8-bit RGB, 16-bit RGB stays 16-bit.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { SIGNED_OFFSET, type Image } from '../image/image.js';
import type { FrameSamples } from './codecs.js';

/** How a frame's stored values become an image, without the dataset. */
export interface FrameLayout {
  syntax: string;
  photometric: string;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  planarConfiguration: number;
  /** PALETTE COLOR: red, green and blue, each the stored value its first entry maps and its 8-bit entries. */
  palette?: Palette;
  /**
   * A kept frame's record only: 15 where its data is read otherwise than before aeimg 0.15 (codecs.ts
   * readOtherwiseBefore015); absent, a receiver reads it as 0.15 does, else as its sender before 0.15 did.
   */
  reading?: 15;
}

/** A palette as aeimg applies it: per colour, stored value `first` → `table[0]`, values clamped to the table. */
export type Palette = { first: number; table: number[] }[];

/** Palette colour → 8-bit RGB. */
function paletteToRgb(palette: Palette, samples: FrameSamples): Uint8Array {
  const out = new Uint8Array(samples.length * 3);
  for (let i = 0; i < samples.length; i++) {
    for (let c = 0; c < 3; c++) {
      const { first, table } = palette[c]!;
      out[i * 3 + c] = table[Math.min(table.length - 1, Math.max(0, samples[i]! - first))]!;
    }
  }
  return out;
}

function ybrToRgb(samples: FrameSamples): Uint8Array {
  const out = new Uint8Array(samples.length);
  const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let i = 0; i < samples.length; i += 3) {
    const y = samples[i]!, cb = samples[i + 1]! - 128, cr = samples[i + 2]! - 128;
    out[i] = clamp(y + 1.402 * cr);
    out[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    out[i + 2] = clamp(y + 1.772 * cb);
  }
  return out;
}

function colourToImage(info: FrameLayout, width: number, height: number, samples: FrameSamples): Image {
  // Compressed YBR frames come out of the JPEG decoders as RGB already; only native (and RLE) YBR_FULL needs converting,
  // and native YBR_FULL_422, which parse.ts gives with its chroma repeated (YBR_FULL).
  const nativeYbr = (info.photometric === 'YBR_FULL' || info.photometric === 'YBR_FULL_422') &&
    info.syntax.startsWith('1.2.840.10008.1.2') && !info.syntax.includes('.4.');
  if (info.bitsAllocated === 8) {
    return { width, height, channels: 3, bitDepth: 8, pixels: nativeYbr ? ybrToRgb(samples) : Uint8Array.from(samples) };
  }
  if (nativeYbr || info.signed) {
    throw new AeimgError(ErrorCode.BadInput,
      `has 16-bit ${info.signed ? 'signed ' : ''}${info.photometric} colour, which aeimg does not carry; it reads 16-bit colour as unsigned RGB.`);
  }
  return { width, height, channels: 3, bitDepth: 16, pixels: Uint16Array.from(samples) };
}

/** A frame's stored values → the image aeimg codes (a palette colour frame needs the layout's palette). */
export function storedToImage(info: FrameLayout, width: number, height: number, samples: FrameSamples): { image: Image; offset: number; inverted: boolean } {
  if (info.photometric === 'PALETTE COLOR') {
    if (!info.palette) throw new AeimgError(ErrorCode.Malformed, 'has a palette colour frame without its palette.');
    return { image: { width, height, channels: 3, bitDepth: 8, pixels: paletteToRgb(info.palette, samples) }, offset: 0, inverted: false };
  }
  if (info.samplesPerPixel === 3) return { image: colourToImage(info, width, height, samples), offset: 0, inverted: false };
  const inverted = info.photometric === 'MONOCHROME1';
  const maxStored = (1 << info.bitsStored) - 1;
  // 8-bit and 1-bit grey stay stored values in 8 bits (a segmentation is 0/1, Bits Stored 1 recorded).
  if (info.bitsAllocated <= 8 && !info.signed) {
    const pixels = Uint8Array.from(samples, (v) => (inverted ? maxStored - v : v));
    return { image: { width, height, channels: 1, bitDepth: 8, pixels }, offset: 0, inverted };
  }
  const offset = info.signed ? SIGNED_OFFSET : 0;
  const pixels = new Uint16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    pixels[i] = (inverted ? (info.signed ? -1 - v : maxStored - v) : v) + offset;
  }
  return { image: { width, height, channels: 1, bitDepth: 16, pixels }, offset, inverted };
}
