/**
 * Windows bitmaps (.bmp), as DICOM viewers export them (RadiAnt, MicroDicom and others offer BMP beside JPEG and PNG):
 * palette (1, 2, 4, 8 bits; RLE4 and RLE8 too), 16-, 24- and 32-bit colour with or without bit fields, bottom-up or
 * top-down, headers from OS/2's to BITMAPV5HEADER. libvips, which reads every other format aeimg takes, does
 * not read BMP; the npm decoders found either index a palette image without its palette (fast-bmp) or write alpha and
 * RLE4 pixels to the wrong bytes (bmp-ts), so this one is aeimg's own (docs/decisions.md).
 *
 * A BMP is lossless and 8 bits a channel: an image whose pixels are all grey (a greyscale export, palette or 24-bit)
 * comes out as its grey plane, as a GIF's does (io.ts); others as RGB, with alpha only where the file has an alpha mask
 * and uses it.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { greyOfColour, type Image } from './image.js';
import { checkDimensions } from './dimensions.js';

const BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_JPEG = 4, BI_PNG = 5, BI_ALPHA_BITFIELDS = 6;
/** DIB header sizes: OS/2 1.x (12), OS/2 2.x (16 or 64), BITMAPINFOHEADER (40), its V2/V3 (52, 56), V4 (108), V5 (124). */
const HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

/** Whether the bytes begin as a BMP file: "BM", then a DIB header of a size aeimg reads. */
export function isBmp(h: Uint8Array): boolean {
  if (h.length < 18 || h[0] !== 0x42 || h[1] !== 0x4d) return false;
  return HEADER_SIZES.has(h[14]! | (h[15]! << 8) | (h[16]! << 16) | (h[17]! << 24));
}

const damaged = (why: string) => new AeimgError(ErrorCode.BadInput, `is a BMP file that could not be read (${why}); the file may be damaged: export the image again as PNG, or send the DICOM file.`);
const notRead = (what: string) => new AeimgError(ErrorCode.BadInput, `is a BMP file ${what}, which aeimg does not read: export the image again as PNG, or send the DICOM file.`);

/** A channel mask's shift and its largest value (0 for no mask). */
function maskOf(mask: number): { shift: number; max: number } {
  if (mask === 0) return { shift: 0, max: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  return { shift, max: mask >>> shift };
}

/** Decodes a BMP file's bytes; refuses dimensions beyond the limits before allocating any pixel. */
export function decodeBmp(data: Uint8Array, maxPixels: number): Image {
  if (data.length < 18 || data[0] !== 0x42 || data[1] !== 0x4d) throw damaged('no BMP header');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const headerSize = u32(14);
  if (!HEADER_SIZES.has(headerSize)) throw damaged(`a header of ${headerSize} bytes, which no BMP has`);
  if (data.length < 14 + headerSize) throw damaged('its header is cut off');
  const core = headerSize === 12;
  const width = core ? u16(18) : view.getInt32(18, true);
  const rawHeight = core ? u16(20) : view.getInt32(22, true);
  const bpp = core ? u16(24) : u16(28);
  // OS/2 2.x's 16-byte header stops after the bit count; its 64-byte one numbers two codings of its own as 3 and 4.
  const compression = headerSize < 20 ? BI_RGB : u32(30);
  if (headerSize === 64 && (compression === 3 || compression === 4)) throw notRead(`in OS/2's ${compression === 3 ? 'Huffman' : 'RLE24'} coding`);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (compression === BI_JPEG || compression === BI_PNG) throw notRead(`holding a ${compression === BI_JPEG ? 'JPEG' : 'PNG'} image`);
  if (![BI_RGB, BI_RLE8, BI_RLE4, BI_BITFIELDS, BI_ALPHA_BITFIELDS].includes(compression)) throw notRead(`of compression ${compression}`);
  if (![1, 2, 4, 8, 16, 24, 32].includes(bpp)) throw notRead(`of ${bpp} bits a pixel`);
  if ((compression === BI_RLE8 && bpp !== 8) || (compression === BI_RLE4 && bpp !== 4) || ((compression === BI_RLE8 || compression === BI_RLE4) && topDown)) {
    throw damaged(`run-length coding of ${bpp}-bit ${topDown ? 'top-down ' : ''}pixels`);
  }
  if ((compression === BI_BITFIELDS || compression === BI_ALPHA_BITFIELDS) && bpp !== 16 && bpp !== 32) throw damaged(`bit fields over ${bpp}-bit pixels`);
  checkDimensions(width, height, maxPixels);

  // Channel masks: in the header from V2 on, else after a 40-byte header with bit fields; the defaults otherwise.
  let masks = bpp === 16 ? [0x7c00, 0x03e0, 0x001f, 0] : [0xff0000, 0xff00, 0xff, 0];
  let afterHeader = 14 + headerSize;
  if (compression === BI_BITFIELDS || compression === BI_ALPHA_BITFIELDS) {
    const count = compression === BI_ALPHA_BITFIELDS ? 4 : 3;
    const at = headerSize >= 52 ? 54 : afterHeader;
    if (data.length < at + 4 * count) throw damaged('its colour masks are cut off');
    masks = [u32(at), u32(at + 4), u32(at + 8), count === 4 || headerSize >= 56 ? u32(at + 12) : 0];
    if (headerSize === 40) afterHeader += 4 * count;
  }
  const [red, green, blue, alpha] = masks.map(maskOf) as [ReturnType<typeof maskOf>, ReturnType<typeof maskOf>, ReturnType<typeof maskOf>, ReturnType<typeof maskOf>];
  if (bpp > 8 && bpp !== 24 && (!red.max || !green.max || !blue.max)) throw damaged('a colour mask of no bits');

  // The palette: 4 bytes an entry (3 in an OS/2 header), blue, green, red.
  let palette: Uint8Array | undefined;
  let start = u32(10) || afterHeader; // 0: not given, the pixels follow the header (and palette), as Pillow reads it
  if (start < afterHeader) throw damaged(`its pixels would begin at byte ${start}, inside its ${afterHeader}-byte header`);
  if (bpp <= 8) {
    const used = headerSize >= 36 ? u32(46) : 0;
    const given = used > 0 && used <= 1 << bpp;
    const entries = given ? used : 1 << bpp;
    const size = core ? 3 : 4;
    if (data.length < afterHeader + entries * size) throw damaged('its palette is cut off');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < entries; i++) {
      const at = afterHeader + i * size;
      palette.set([data[at + 2]!, data[at + 1]!, data[at]!], i * 3);
    }
    // Pixels read from the palette's bytes would be a picture of noise. Some writers point the offset at the palette as
    // if it were not there: their pixels follow it, where Pillow reads them too. An offset inside a palette whose size
    // the header gives is damage (without one, a writer may have written fewer colours than the bits allow).
    const paletteEnd = afterHeader + entries * size;
    if (start === afterHeader) start = paletteEnd;
    else if (given && start < paletteEnd) throw damaged(`its pixels would begin at byte ${start}, inside its palette of ${entries} colours, which ends at byte ${paletteEnd}`);
  }
  if (start >= data.length) throw damaged('its pixels are missing');
  // Rows are padded to 4 bytes; the file must hold them before any pixel is allocated (RLE data is walked as it comes).
  const stride = Math.ceil((width * bpp) / 32) * 4;
  const rle = compression === BI_RLE8 || compression === BI_RLE4;
  if (!rle && start + stride * (height - 1) + Math.ceil((width * bpp) / 8) > data.length) {
    throw damaged(`its pixels are cut off: ${height} rows of ${stride} bytes need ${stride * height}, it holds ${data.length - start}`);
  }
  const n = width * height;
  const rgba = new Uint8Array(n * 4);
  const put = (x: number, row: number, r: number, g: number, b: number, a = 255) => {
    const i = ((topDown ? row : height - 1 - row) * width + x) * 4;
    rgba[i] = r; rgba[i + 1] = g; rgba[i + 2] = b; rgba[i + 3] = a;
  };
  const index = (x: number, row: number, k: number) => put(x, row, palette![k * 3]!, palette![k * 3 + 1]!, palette![k * 3 + 2]!);
  if (rle) {
    for (let row = 0; row < height; row++) for (let x = 0; x < width; x++) index(x, row, 0); // what the runs skip
    decodeRle(data.subarray(start), bpp, width, height, (x, row, k) => index(x, row, k));
  } else {
    const scale = (v: number, m: { shift: number; max: number }) => (m.max === 255 ? (v >>> m.shift) & 255 : Math.round((((v >>> m.shift) & m.max) * 255) / m.max));
    for (let row = 0; row < height; row++) {
      const line = start + row * stride;
      for (let x = 0; x < width; x++) {
        if (bpp <= 8) {
          const bit = x * bpp;
          index(x, row, (data[line + (bit >> 3)]! >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1));
        } else if (bpp === 24) {
          const at = line + x * 3;
          put(x, row, data[at + 2]!, data[at + 1]!, data[at]!);
        } else {
          const v = bpp === 16 ? u16(line + x * 2) : u32(line + x * 4);
          put(x, row, scale(v, red), scale(v, green), scale(v, blue), alpha.max ? scale(v, alpha) : 255);
        }
      }
    }
  }
  return toImage(rgba, width, height, alpha.max > 0);
}

/** RLE8 / RLE4 (bottom-up): runs of one index (two alternating for RLE4), literal runs, end of line, delta, end. */
function decodeRle(src: Uint8Array, bpp: number, width: number, height: number, set: (x: number, row: number, k: number) => void): void {
  let x = 0, row = 0, at = 0;
  const byte = () => {
    if (at >= src.length) throw damaged('its run-length data is cut off');
    return src[at++]!;
  };
  const paint = (k: number) => {
    if (x < width && row < height) set(x, row, k);
    x++;
  };
  while (row < height) {
    const count = byte(), value = byte();
    if (count > 0) {
      for (let i = 0; i < count; i++) paint(bpp === 8 ? value : i % 2 === 0 ? value >> 4 : value & 15);
    } else if (value === 0) {
      x = 0; row++; // end of line
    } else if (value === 1) {
      return; // end of bitmap
    } else if (value === 2) {
      x += byte(); row += byte(); // delta
    } else {
      const bytes = bpp === 8 ? value : Math.ceil(value / 2);
      for (let i = 0; i < value; i++) {
        const b = bpp === 8 ? byte() : i % 2 === 0 ? byte() : src[at - 1]!;
        paint(bpp === 8 ? b : i % 2 === 0 ? b >> 4 : b & 15);
      }
      if (bytes % 2 === 1) byte(); // literal runs end on a 16-bit boundary
    }
  }
}

/**
 * RGBA → the image aeimg codes: RGB, or RGBA where the file's alpha mask is used; all grey, as its grey plane (with
 * alpha), as a palette format has no other way to say a greyscale image (image.ts greyOfColour).
 */
function toImage(rgba: Uint8Array, width: number, height: number, hasAlphaMask: boolean): Image {
  const n = width * height;
  let opaque = true, allClear = true;
  for (let i = 3; i < rgba.length; i += 4) {
    if (rgba[i] !== 255) opaque = false;
    if (rgba[i] !== 0) allClear = false;
  }
  // An alpha mask whose every value is 0 is a writer's unused byte, not a transparent picture: opaque.
  const image: Image = hasAlphaMask && !opaque && !allClear ? { width, height, channels: 4, bitDepth: 8, pixels: rgba } : (() => {
    const pixels = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) pixels.set(rgba.subarray(4 * i, 4 * i + 3), 3 * i);
    return { width, height, channels: 3 as const, bitDepth: 8 as const, pixels };
  })();
  return greyOfColour(image) ?? image;
}
