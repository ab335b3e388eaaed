/**
 * Image files in the codings DICOM uses that the image library (libvips) does not read: JPEG 2000 (a bare codestream,
 * .j2k/.j2c, or a JP2 file's), High-Throughput JPEG 2000 (.jhc, .jph), JPEG-LS (.jls), and JPEG of more than 8 bits
 * (12-bit DCT; lossless up to 16 bits): what a PACS or a DICOM toolkit exports a frame as (aeimg 0.28; before, such a
 * file was named and refused). Each is read as a DICOM frame of that coding (dicom/codestream.ts, with the codecs aeimg
 * reads DICOM with) in the layout its own headers declare, and its data may be carried as it is, as a JPEG file's is
 * (codec/kept-frame.ts). Layouts an image file cannot say how to show are refused by name: signed samples, components
 * sampled apart, a palette, another colour space than grey or sRGB.
 */
import { decodeCodestream } from '../dicom/codestream.js';
import { j2kMainHeader } from '../dicom/lossy-coding.js';
import { u16be as u16, u32be as u32 } from '../big-endian.js';
import { TransferSyntax } from '../dicom/codecs.js';
import { isFrameHeader, jpegLsCoding, jpegSegments, losslessPointTransform } from '../dicom/jpeg-markers.js';
import type { FrameLayout } from '../dicom/stored-image.js';
import type { FrameData } from '../codec/kept-frame.js';
import { AeimgError, ErrorCode } from '../errors.js';
import type { Image } from './image.js';
import { cutShort, endsEarly } from './cut-short.js';
import { JP2_SIGNATURE, imageSignature } from './signature.js';

/** The codings this reads, as the sender and receiver are told them. */
export type CodestreamFormat = 'JPEG 2000' | 'JPEG-LS' | 'JPEG';

/** An image file read as a codestream: its frame (layout and codestream), its size, and whether it was coded lossily. */
export interface CodestreamFile {
  format: CodestreamFormat;
  frame: FrameData;
  width: number;
  height: number;
  /**
   * DCT JPEG, lossless JPEG with a point transform, near-lossless JPEG-LS, JPEG 2000's irreversible wavelet. A
   * reversible wavelet counts as lossless, though a writer may have left out layers of it.
   */
  lossy: boolean;
}

const text = (d: Uint8Array, at: number, n: number) => String.fromCharCode(...d.subarray(at, at + n));

const EXPORT_AGAIN = 'export the image again as PNG or TIFF, or send the DICOM file it came from';
const notCarried = (what: string) => new AeimgError(ErrorCode.BadInput, `is ${what}, which aeimg does not read: ${EXPORT_AGAIN}.`);

/**
 * The file `data` as a codestream this reads, an AeimgError naming why it will not be read (a layout it does not carry,
 * a copy cut short), or undefined where it is none of these (PNG, TIFF, an 8-bit JPEG the image library reads).
 * `whole` false: `data` is the file's head only (a large file's check), and where it ends says nothing.
 */
export function codestreamFileOf(data: Uint8Array, whole = true): CodestreamFile | AeimgError | undefined {
  const kind = imageSignature(data);
  return kind === 'JPEG 2000' ? jpeg2000File(data, whole) : kind === 'JPEG' ? jpegFile(data, whole) : undefined;
}

/** Decodes such a file's image (the caller has checked its size). */
export function decodeCodestreamFile(file: CodestreamFile): Promise<Image> {
  return decodeCodestream(file.frame.layout, file.width, file.height, file.frame.data);
}

/** The layout of a frame of `components` samples of `precision` bits in `syntax`: grey, or RGB as the decoder gives it. */
function layoutOf(syntax: string, components: number, precision: number): FrameLayout {
  return {
    syntax, photometric: components === 1 ? 'MONOCHROME2' : 'RGB', samplesPerPixel: components,
    bitsAllocated: precision <= 8 ? 8 : 16, bitsStored: precision, signed: false, planarConfiguration: 0,
  };
}

function fileOf(format: CodestreamFormat, layout: FrameLayout, data: Uint8Array, width: number, height: number, lossy: boolean): CodestreamFile {
  return { format, frame: { layout, data, label: format }, width, height, lossy };
}

/**
 * A JPEG 2000 codestream, bare or in a JP2/JPH file's contiguous codestream box (jp2c); undefined where the head of a
 * file (`whole` false) does not reach its codestream's header.
 */
function jpeg2000File(data: Uint8Array, whole: boolean): CodestreamFile | AeimgError | undefined {
  let codestream: Uint8Array = data;
  if (u16(data, 0) !== 0xff4f) {
    const boxed = jp2Codestream(data, whole);
    if (boxed instanceof AeimgError) return boxed;
    if (!boxed) return whole ? notCarried('a JPEG 2000 file without a codestream box (JPX may keep its image in fragments)') : undefined;
    codestream = boxed;
  }
  // SIZ (ISO 15444-1 A.5.1): Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, tiles (16 bytes), Csiz, then Ssiz XRsiz YRsiz each.
  if (codestream.length < 42 || u16(codestream, 0) !== 0xff4f || u16(codestream, 2) !== 0xff51) {
    return whole ? cutShort('JPEG 2000') : undefined;
  }
  const width = u32(codestream, 8) - u32(codestream, 16);
  const height = u32(codestream, 12) - u32(codestream, 20);
  const components = u16(codestream, 40);
  if (codestream.length < 42 + 3 * components) return cutShort('JPEG 2000');
  const sizes = Array.from({ length: components }, (_, c) => ({
    ssiz: codestream[42 + 3 * c]!, dx: codestream[43 + 3 * c]!, dy: codestream[44 + 3 * c]!,
  }));
  const precision = (sizes[0]?.ssiz ?? 0) % 128 + 1;
  if (components !== 1 && components !== 3) return notCarried(`a JPEG 2000 image of ${components} components (aeimg reads grey or RGB)`);
  if (sizes.some((s) => s.ssiz >= 128)) return notCarried('a JPEG 2000 image of signed samples');
  if (sizes.some((s) => s.ssiz !== sizes[0]!.ssiz)) return notCarried('a JPEG 2000 image whose components differ in precision');
  if (sizes.some((s) => s.dx !== 1 || s.dy !== 1)) return notCarried('a JPEG 2000 image whose components are sampled apart (subsampled colour)');
  if (precision > 16) return notCarried(`a ${precision}-bit JPEG 2000 image (aeimg carries up to 16 bits)`);
  // A copy cut short may still decode, to a blurred or partial image: its tile-parts must all be there. Where only its
  // End Of Codestream is missing, it is put back: the decoder reads no image without it.
  if (whole) {
    const end = tilePartsEnd(codestream);
    if (end === undefined) return cutShort('JPEG 2000');
    if (end !== true) {
      const closed = new Uint8Array(end + 2);
      closed.set(codestream.subarray(0, end));
      closed.set([0xff, 0xd9], end);
      codestream = closed;
    }
  }
  const { ht, irreversible: lossy } = j2kMainHeader(codestream);
  const syntax = ht ? (lossy ? TransferSyntax.Htj2k : TransferSyntax.Htj2kLossless) : (lossy ? TransferSyntax.J2k : TransferSyntax.J2kLossless);
  return fileOf('JPEG 2000', layoutOf(syntax, components, precision), codestream, width, height, lossy);
}

/**
 * Whether the codestream holds all of its tile-parts, each tile-part's length (Psot, in its SOT marker) within the data:
 * true up to End Of Codestream (FF D9); where the data ends right after its last tile-part without one (some encoders
 * leave it out), where that is; undefined for a codestream cut short. A last tile-part of length 0 ("to the end") needs
 * End Of Codestream last, followed by nothing but zeros or one byte more: a DICOM fragment's pad byte, 00 or, from some
 * writers, FF (pydicom-data's MR2_J2KI, US1_J2KR).
 */
function tilePartsEnd(d: Uint8Array): true | number | undefined {
  let end = d.length;
  while (end > 0 && d[end - 1] === 0) end--;
  const endsWithEoc = (end >= 2 && u16(d, end - 2) === 0xffd9) || (end >= 3 && u16(d, end - 3) === 0xffd9);
  let at = 2;
  while (at + 4 <= d.length && d[at] === 0xff && u16(d, at) !== 0xff90) at += 2 + u16(d, at + 2); // the main header
  let parts = 0;
  for (; at + 12 <= d.length && u16(d, at) === 0xff90; parts++) {
    const psot = u32(d, at + 6);
    if (psot === 0) return endsWithEoc || undefined; // the last tile-part, to End Of Codestream
    if (at + psot > d.length) return undefined;
    at += psot;
  }
  if (parts === 0) return undefined; // cut before its first tile-part
  if (at + 2 <= d.length && u16(d, at) === 0xffd9) return true;
  return at >= end - 1 && at <= d.length ? at : undefined; // every tile-part there, without End Of Codestream
}

/**
 * A JP2 or JPH file's codestream (its jp2c box; ISO 15444-1 I.4), undefined where it has none, or why the file is
 * refused: a palette (pclr), a colour space other than grey or sRGB (sYCC, an ICC profile), a box past the file's end,
 * more than one codestream (a JPX file's frames or layers; a large file's head is not searched past its first), no
 * header box (jp2h) before the codestream, or a JPX file's compositing layer header (jplh): the colour boxes are read in
 * jp2h alone, so without one, or with colours a layer header defines, the codestream's samples would be taken for
 * sRGB without anything saying so (Pillow's expected_to_read.jp2, which OpenJPEG and Pillow refuse, was read).
 */
function jp2Codestream(d: Uint8Array, whole: boolean): Uint8Array | AeimgError | undefined {
  const headerless = () => notCarried('a JPEG 2000 file without the header box (jp2h) that says what its colours are');
  const walk = (start: number, end: number, top: boolean): Uint8Array | AeimgError | undefined => {
    let codestream: Uint8Array | undefined;
    let described = false;
    for (let at = start; at + 8 <= end;) {
      let length = u32(d, at);
      const type = text(d, at + 4, 4);
      let header = 8;
      if (length === 1) {
        if (at + 16 > end) return cutShort('JPEG 2000');
        length = u32(d, at + 8) * 2 ** 32 + u32(d, at + 12);
        header = 16;
      } else if (length === 0) {
        length = end - at; // to the end of the file
      }
      if (length < header) return notCarried('a JPEG 2000 file whose boxes aeimg could not read');
      if (at + length > end) {
        if (whole) return cutShort('JPEG 2000');
        if (type === 'jp2c' && top && !described && !codestream) return headerless();
        return codestream ?? (type === 'jp2c' ? d.subarray(at + header, end) : undefined); // a large file's head
      }
      const body = d.subarray(at + header, at + length);
      if (type === 'jplh') return notCarried('a JPEG 2000 file whose compositing layers define its colours (JPX)');
      if (type === 'jp2h' && top) { // one level: a crafted file could nest boxes deeper than the stack goes
        const refusal = walk(at + header, at + length, false); // its image header, colour and palette boxes
        if (refusal instanceof AeimgError) return refusal;
        described = true;
      }
      if (type === 'pclr') return notCarried('a JPEG 2000 file of palette colour');
      if (type === 'colr') {
        const enumerated = body[0] === 1 ? u32(body, 3) : undefined;
        if (enumerated !== 16 && enumerated !== 17) {
          const what = enumerated === 18 ? 'in the sYCC colour space' : enumerated === undefined ? 'whose colours an ICC profile defines'
            : `in an unknown colour space (${enumerated})`;
          return notCarried(`a JPEG 2000 file ${what} (aeimg reads grey and sRGB)`);
        }
      }
      if (type === 'jp2c') {
        if (top && !described) return headerless();
        // A JPX file may hold several (frames, layers): one read alone would leave the others out without a word.
        if (codestream) return notCarried('a JPEG 2000 file of several codestreams (a JPX file\'s frames or layers)');
        if (!whole) return body;
        codestream = body;
      }
      at += length;
    }
    return codestream;
  };
  return walk(JP2_SIGNATURE.length, d.length, true);
}

/**
 * A JPEG file this reads and the image library does not: JPEG-LS, 12-bit DCT (grey), lossless of more than 8 bits;
 * from its first frame header (SOF). Undefined for an 8-bit JPEG (the image library reads it) and where no frame header
 * is found (its reader says what is wrong).
 */
function jpegFile(data: Uint8Array, whole: boolean): CodestreamFile | AeimgError | undefined {
  for (const { marker, at } of jpegSegments(data)) {
    if (!isFrameHeader(marker)) continue;
    if (at + 10 > data.length) return whole ? cutShort('JPEG') : undefined;
    const precision = data[at + 4]!;
    const height = u16(data, at + 5), width = u16(data, at + 7), components = data[at + 9]!;
    const lossless = marker === 0xc3 || marker === 0xc7;
    if (marker !== 0xf7 && precision <= 8) return undefined; // 8-bit JPEG, lossless too: the image library's
    const format: CodestreamFormat = marker === 0xf7 ? 'JPEG-LS' : 'JPEG';
    const named = marker === 0xf7 ? 'JPEG-LS image' : `${precision}-bit ${lossless ? 'lossless ' : ''}JPEG image`;
    if (components !== 1 && components !== 3) return notCarried(`a ${named} of ${components} components (aeimg reads grey or RGB)`);
    if (precision < 2 || precision > 16) return notCarried(`a ${named} of ${precision}-bit samples`);
    if (height === 0) return notCarried(`a ${named} whose height is given after its image (a DNL marker)`);
    // After the frame header, its scan: a copy cut short before its End Of Image may still decode, in part.
    if (whole && endsEarly(data)) return cutShort(format);
    if (marker === 0xf7) {
      const coding = jpegLsCoding(data);
      const near = coding?.near ?? 0;
      const layout = layoutOf(near > 0 ? TransferSyntax.JpegLsNear : TransferSyntax.JpegLsLossless, components, precision);
      return fileOf(format, layout, data, width, height, near > 0);
    }
    if (lossless) {
      return fileOf(format, layoutOf(TransferSyntax.JpegLossless57, components, precision), data, width, height, (losslessPointTransform(data)?.pt ?? 0) > 0);
    }
    // DCT of 12 bits: extended (SOF1) or progressive (SOF2); others (arithmetic, hierarchical) are not decoded.
    if (marker !== 0xc1 && marker !== 0xc2) return notCarried(`a ${named} in a coding aeimg does not decode (SOF${marker - 0xc0})`);
    if (components !== 1) return notCarried(`a ${named} in colour (aeimg reads 12-bit JPEG in grey)`);
    // Progressive as extended: one decoder (libjpeg) reads both, and a kept frame's data is cleaned as either.
    return fileOf(format, layoutOf(TransferSyntax.JpegExtended, 1, precision), data, width, height, true);
  }
  return undefined;
}
