/**
 * A DICOM file's bytes as a dataset, through dicom-parser: Part 10 files, files without their preamble, bare datasets
 * (no File Meta) in either little-endian syntax, and Deflated datasets inflated no further than their image needs.
 */
import { constants as zlibConstants, inflateRawSync } from 'node:zlib';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { AeimgError, COPY_OR_EXPORT_AGAIN, ErrorCode, Remedy } from '../errors.js';
import { TransferSyntax } from './codecs.js';
import { megapixels } from '../image/dimensions.js';
import { DEFAULT_MAX_PIXELS, MAX_FILE_PIXEL_BYTES } from '../defaults.js';

/** The first value of a numeric string attribute (DS, IS), or `fallback` when it is absent, empty or not a number. */
export const numberOf = (ds: DataSet, tag: string, fallback: number) => {
  const s = ds.string(tag);
  const v = s === undefined || s === '' ? NaN : Number(s.split('\\')[0]);
  return Number.isFinite(v) ? v : fallback;
};

/** An explicit VR element has two upper-case letters after its tag. */
function looksExplicit(bytes: Uint8Array): boolean {
  const upper = (b: number | undefined) => b !== undefined && b >= 0x41 && b <= 0x5a;
  return upper(bytes[4]) && upper(bytes[5]);
}

/**
 * Whether bytes begin like a dataset written without preamble: a little-endian group 0x0002 (File Meta) or 0x0008
 * element below 0x0100, with an explicit VR or an implicit length it could have (even and short, or undefined for a
 * sequence; 4 for a group length). Other data (a raw RLE stream's segment table, raw pixels) seldom passes all of it.
 */
export function looksLikeDataset(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const group = view.getUint16(0, true);
  const element = view.getUint16(2, true);
  if ((group !== 0x0002 && group !== 0x0008) || element >= 0x0100) return false;
  if (looksExplicit(bytes)) return true;
  const length = view.getUint32(4, true);
  if (element === 0x0000) return length === 4;
  return length === 0xffffffff || (length % 2 === 0 && length <= 0x1000);
}

/**
 * Some writers (pyjpegls, older PACS exports) leave out the 128-byte preamble and "DICM" but keep the File Meta group.
 * dicom-parser then reads the whole file in one syntax and misses everything after the meta group, Pixel Data
 * included; with the marker put back it reads the meta group and switches to the file's transfer syntax.
 */
function withPreamble(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(132 + bytes.length);
  out.set([0x44, 0x49, 0x43, 0x4d], 128);
  out.set(bytes, 132);
  return out;
}

/** dicom-parser throws strings, Errors, or { exception, dataSet } objects. */
export function parserMessage(err: unknown): string {
  const e = err as { exception?: unknown; message?: string };
  const raw = typeof err === 'string' ? err : typeof e?.exception === 'string' ? e.exception : e?.message ?? String(err);
  return raw.replace(/^dicomParser[.\w]*: /, '');
}

/** The attributes before Pixel Data may inflate to at most this much (private tags, icons, overlays). */
const MAX_INFLATED_HEADER = 16 << 20;
/** Elements after Pixel Data (signatures, padding) may add at most this much. */
const MAX_INFLATED_TRAILER = 1 << 20;
const PIXEL_DATA_TAG = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);

const tooLargeToInflate = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;

/** Where Pixel Data starts in an explicit little-endian dataset, or -1 (bytes that merely look like it: the bound only gets tighter). */
function pixelDataOffset(data: Buffer): number {
  for (let at = data.indexOf(PIXEL_DATA_TAG); at >= 0; at = data.indexOf(PIXEL_DATA_TAG, at + 1)) {
    const vr = data.toString('latin1', at + 4, at + 6);
    if ((vr === 'OB' || vr === 'OW') && data.length >= at + 12) return at;
  }
  return -1;
}

/**
 * Inflates a Deflated Explicit VR Little Endian dataset no further than its declared image needs: first the attributes
 * before Pixel Data (at most 16 MiB), whose geometry is checked against the pixel limits, then the whole dataset
 * with the output capped at those attributes, the pixels they declare and 1 MiB of trailing elements. A
 * `headerOnly` read (sorting a study) stops before Pixel Data.
 */
function inflateBounded(deflated: Uint8Array, maxPixels: number, headerOnly: boolean): Buffer {
  let head: Buffer;
  let pixelAt: number;
  for (let prefix = 1024; ; prefix *= 4) {
    const input = deflated.subarray(0, prefix);
    try {
      head = inflateRawSync(input, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: MAX_INFLATED_HEADER });
    } catch (err) {
      if (!tooLargeToInflate(err)) throw err;
      throw new AeimgError(ErrorCode.TooLarge,
        `has Deflated data whose attributes before the pixels inflate to more than ${MAX_INFLATED_HEADER >> 20} MiB: refused as a possible decompression bomb.`);
    }
    pixelAt = pixelDataOffset(head);
    if (pixelAt >= 0 || input.length === deflated.length) break;
  }
  if (pixelAt < 0) return head; // no image: parseDicom says so
  if (headerOnly) return head.subarray(0, pixelAt);
  const attrs = dicomParser.parseDicom(new Uint8Array(head.subarray(0, pixelAt)), { TransferSyntaxUID: TransferSyntax.ExplicitLE } as never);
  const rows = attrs.uint16('x00280010') ?? 0;
  const columns = attrs.uint16('x00280011') ?? 0;
  const frames = Math.max(1, numberOf(attrs, 'x00280008', 1));
  const samples = attrs.uint16('x00280002') ?? 1;
  const bits = attrs.uint16('x00280100') ?? 16;
  if (rows * columns > maxPixels) {
    throw new AeimgError(ErrorCode.TooLarge, `is ${columns}x${rows} pixels (${megapixels(rows * columns)}), over the limit of ${megapixels(maxPixels)}.`,
      { remedy: Remedy.RaisePixelLimit, facts: { limit: maxPixels, needed: rows * columns } });
  }
  const pixelBytes = Math.ceil(rows * columns * samples * frames * Math.max(1, bits) / 8);
  if (pixelBytes > MAX_FILE_PIXEL_BYTES) {
    throw new AeimgError(ErrorCode.TooLarge, `has ${frames} frames of ${columns}x${rows}, more than aeimg decodes at once (1 GiB of pixels). Split the series first.`);
  }
  const limit = pixelAt + 12 + pixelBytes + 1 + MAX_INFLATED_TRAILER;
  try {
    return inflateRawSync(deflated, { maxOutputLength: limit });
  } catch (err) {
    if (!tooLargeToInflate(err)) throw err;
    throw new AeimgError(ErrorCode.TooLarge,
      `inflates to more than its ${columns}x${rows} image needs (${frames} frame(s), ${pixelBytes} bytes of pixels; the data was cut off at ` +
      `${limit} bytes): refused as a possible decompression bomb. Ask the sender for the file in an ordinary transfer syntax.`);
  }
}

/** Explicit VRs whose length takes 4 bytes after 2 reserved ones (PS3.5 7.1.2). */
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/**
 * The File Meta's Transfer Syntax UID (0002,0010) as an element, read within the group length that (0002,0000) gives.
 * Some writers repeat group 0002 at the start of the dataset; dicom-parser reads on through it as File Meta, so the
 * dataset's copy would say the syntax (a GE radiograph in JPEG Lossless whose copy says Explicit VR Little Endian was
 * read as uncompressed, and refused as truncated).
 */
function metaSyntaxElement(bytes: Uint8Array): Element | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hasGroupLength = bytes.length >= 144 && view.getUint32(132, true) === 0x0002 && bytes[136] === 0x55 && bytes[137] === 0x4c; // (0002,0000) UL
  if (!hasGroupLength) return undefined;
  const end = Math.min(bytes.length, 144 + view.getUint32(140, true));
  for (let at = 144; at + 8 <= end;) {
    if (view.getUint16(at, true) !== 0x0002) return undefined;
    const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
    const long = LONG_LENGTH_VRS.has(vr);
    const length = long ? view.getUint32(at + 8, true) : view.getUint16(at + 6, true);
    const dataOffset = at + (long ? 12 : 8);
    if (view.getUint16(at + 2, true) === 0x0010) return dataOffset + length <= end ? { tag: 'x00020010', vr, dataOffset, length } as Element : undefined;
    at = dataOffset + length;
  }
  return undefined;
}

/** A Part 10 file (preamble and "DICM" at 128), its Transfer Syntax UID the File Meta's own (metaSyntaxElement). */
function parsePart10(bytes: Uint8Array, options: object): DataSet {
  const dataset = dicomParser.parseDicom(bytes, options as never);
  const meta = metaSyntaxElement(bytes);
  if (meta) dataset.elements.x00020010 = meta;
  return dataset;
}

/** The dataset of a file's bytes; `untilTag` stops before that tag, `maxPixels` bounds a Deflated dataset's image. */
export function readDataset(bytes: Uint8Array, untilTag?: string, maxPixels = DEFAULT_MAX_PIXELS): DataSet {
  const hasPreamble = bytes.length > 132 && String.fromCharCode(...bytes.subarray(128, 132)) === 'DICM';
  const inflater = (arr: Uint8Array, position: number) => {
    const inflated = inflateBounded(arr.subarray(position), maxPixels, untilTag === 'x7fe00010');
    const out = new Uint8Array(position + inflated.length);
    out.set(arr.subarray(0, position));
    out.set(inflated, position);
    return out;
  };
  try {
    if (hasPreamble) return parsePart10(bytes, { inflater, untilTag });
    if (!looksLikeDataset(bytes)) throw new Error('no DICOM preamble');
    if (bytes[0] === 0x02 && looksExplicit(bytes)) return parsePart10(withPreamble(bytes), { inflater, untilTag });
    // No File Meta: the VR field (or its absence) says which little-endian syntax the dataset is in.
    const [first, second] = looksExplicit(bytes)
      ? [TransferSyntax.ExplicitLE, TransferSyntax.ImplicitLE] : [TransferSyntax.ImplicitLE, TransferSyntax.ExplicitLE];
    try {
      return dicomParser.parseDicom(bytes, { TransferSyntaxUID: first, untilTag });
    } catch {
      return dicomParser.parseDicom(bytes, { TransferSyntaxUID: second, untilTag });
    }
  } catch (err) {
    const inner = (err as { exception?: unknown })?.exception ?? err;
    if (inner instanceof AeimgError) throw inner;
    const why = parserMessage(err);
    if (!hasPreamble && !looksLikeDataset(bytes)) {
      throw new AeimgError(ErrorCode.BadInput, 'is not a DICOM file (no "DICM" marker and no dataset at the start).');
    }
    throw new AeimgError(ErrorCode.BadInput, `is a damaged or truncated DICOM file (${why}). ${COPY_OR_EXPORT_AGAIN}`);
  }
}

/** The attributes before Pixel Data only (sorting a study needs no pixels). */
export function parseDicomHeader(bytes: Uint8Array): DataSet {
  return readDataset(bytes, 'x7fe00010');
}
