/**
 * Pixel-data decoders per transfer syntax, all from maintained npm packages (no hand-written image codec):
 * CharLS (JPEG-LS), OpenJPEG (JPEG 2000), libjpeg-turbo (8-bit JPEG baseline/extended), jpeg-lossless-decoder-js
 * (JPEG lossless), and the RLE decoder of @cornerstonejs/dicom-image-loader. 12-bit lossy JPEG is refused by name:
 * the only npm decoder for it (the loader's pdf.js port) is off by ~15 grey levels against libjpeg (docs/dicom.md).
 * Each wasm module is instantiated once per thread, on first use.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AeimgError, ErrorCode } from '../errors.js';

const require = createRequire(import.meta.url);

export const TransferSyntax = {
  ImplicitLE: '1.2.840.10008.1.2',
  ExplicitLE: '1.2.840.10008.1.2.1',
  DeflatedLE: '1.2.840.10008.1.2.1.99',
  ExplicitBE: '1.2.840.10008.1.2.2',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegExtended: '1.2.840.10008.1.2.4.51',
  JpegLossless57: '1.2.840.10008.1.2.4.57',
  JpegLossless70: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  JpegLsNear: '1.2.840.10008.1.2.4.81',
  J2kLossless: '1.2.840.10008.1.2.4.90',
  J2k: '1.2.840.10008.1.2.4.91',
  Rle: '1.2.840.10008.1.2.5',
} as const;

export const SYNTAX_NAMES: Record<string, string> = {
  [TransferSyntax.ImplicitLE]: 'Implicit VR Little Endian',
  [TransferSyntax.ExplicitLE]: 'Explicit VR Little Endian',
  [TransferSyntax.DeflatedLE]: 'Deflated Explicit VR Little Endian',
  [TransferSyntax.ExplicitBE]: 'Explicit VR Big Endian',
  [TransferSyntax.JpegBaseline]: 'JPEG Baseline (Process 1)',
  [TransferSyntax.JpegExtended]: 'JPEG Extended (Process 2 and 4)',
  [TransferSyntax.JpegLossless57]: 'JPEG Lossless (Process 14)',
  [TransferSyntax.JpegLossless70]: 'JPEG Lossless (Process 14, Selection Value 1)',
  [TransferSyntax.JpegLsLossless]: 'JPEG-LS Lossless',
  [TransferSyntax.JpegLsNear]: 'JPEG-LS Near-Lossless',
  [TransferSyntax.J2kLossless]: 'JPEG 2000 Lossless',
  [TransferSyntax.J2k]: 'JPEG 2000',
  [TransferSyntax.Rle]: 'RLE Lossless',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 Lossless',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.4.100': 'MPEG2 video',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 video',
};

export const NATIVE_SYNTAXES = new Set<string>([
  TransferSyntax.ImplicitLE, TransferSyntax.ExplicitLE, TransferSyntax.DeflatedLE, TransferSyntax.ExplicitBE,
]);

export function syntaxName(uid: string): string {
  return SYNTAX_NAMES[uid] ? `${SYNTAX_NAMES[uid]} (${uid})` : uid;
}

/** What a decoder needs to know about a frame. */
export interface FrameInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  signed: boolean;
  planarConfiguration: number;
}

/** A decoded frame's samples, little-endian in memory order, as the dataset's Bits Allocated says. */
export type FrameSamples = Uint8Array | Uint16Array | Int16Array;

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
}

type Factory = (opts: { print: () => void; printErr: () => void }) => Promise<Record<string, new () => WasmDecoder>>;
const wasmModules = new Map<string, Promise<Record<string, new () => WasmDecoder>>>();

function wasmDecoder(pkg: string, className: string): Promise<WasmDecoder> {
  let mod = wasmModules.get(pkg);
  if (!mod) {
    const factory = require(`${pkg}/decodewasmjs`) as Factory;
    mod = factory({ print: () => {}, printErr: () => {} }); // the codecs log every header they read
    wasmModules.set(pkg, mod);
  }
  return mod.then((m) => new m[className]!());
}

function typed(bytes: Uint8Array, info: FrameInfo): FrameSamples {
  if (info.bitsAllocated <= 8) return bytes.slice();
  const copy = bytes.slice();
  return info.signed ? new Int16Array(copy.buffer, 0, copy.length >> 1) : new Uint16Array(copy.buffer, 0, copy.length >> 1);
}

async function decodeWithWasm(pkg: string, className: string, data: Uint8Array, info: FrameInfo): Promise<FrameSamples> {
  const decoder = await wasmDecoder(pkg, className);
  decoder.getEncodedBuffer(data.length).set(data);
  decoder.decode();
  return typed(decoder.getDecodedBuffer(), info);
}

async function decodeJpegLossless(data: Uint8Array, info: FrameInfo): Promise<FrameSamples> {
  const { Decoder } = require('@cornerstonejs/jpeg-lossless-decoder-js') as {
    Decoder: new () => { decode(buf: ArrayBuffer, offset: number, length: number, bytes: number): Uint8Array | Uint16Array };
  };
  const out = new Decoder().decode(data.buffer as ArrayBuffer, data.byteOffset, data.length, info.bitsAllocated <= 8 ? 1 : 2);
  if (info.bitsAllocated <= 8) return new Uint8Array(out.buffer, out.byteOffset, out.length).slice();
  const u = new Uint16Array(out.buffer, out.byteOffset, out.length).slice();
  return info.signed ? new Int16Array(u.buffer) : u;
}

/** The dicom-image-loader's internal decoders are not in its exports map; they are loaded by file path. */
async function loaderModule<T>(relative: string): Promise<T> {
  const root = dirname(require.resolve('@cornerstonejs/dicom-image-loader/package.json'));
  return (await import(pathToFileURL(join(root, 'dist/esm', relative)).href)) as T;
}

async function decodeRle(data: Uint8Array, info: FrameInfo): Promise<FrameSamples> {
  const { default: decode } = await loaderModule<{ default: (frame: object, px: Uint8Array) => Promise<{ pixelData: Uint8Array | Int16Array | Uint16Array }> }>(
    'shared/decoders/decodeRLE.js');
  const frame = await decode({
    rows: info.rows, columns: info.columns, samplesPerPixel: info.samplesPerPixel, bitsAllocated: info.bitsAllocated,
    planarConfiguration: info.planarConfiguration, pixelRepresentation: info.signed ? 1 : 0,
  }, data);
  const px = frame.pixelData;
  if (info.bitsAllocated <= 8) return new Uint8Array(px.buffer, px.byteOffset, px.byteLength).slice();
  const u = new Uint16Array(px.buffer, px.byteOffset, px.byteLength >> 1).slice();
  return info.signed ? new Int16Array(u.buffer) : u;
}

/**
 * Decodes one encapsulated frame. Output samples are interleaved (RLE is delivered as the loader gives it:
 * planar for colour; the caller handles planar configuration).
 */
export async function decodeEncapsulatedFrame(syntax: string, data: Uint8Array, info: FrameInfo): Promise<FrameSamples> {
  try {
    switch (syntax) {
      case TransferSyntax.JpegLsLossless:
      case TransferSyntax.JpegLsNear:
        return await decodeWithWasm('@cornerstonejs/codec-charls', 'JpegLSDecoder', data, info);
      case TransferSyntax.J2kLossless:
      case TransferSyntax.J2k:
        return await decodeWithWasm('@cornerstonejs/codec-openjpeg', 'J2KDecoder', data, info);
      case TransferSyntax.JpegBaseline:
      case TransferSyntax.JpegExtended:
        if (info.bitsAllocated <= 8) return await decodeWithWasm('@cornerstonejs/codec-libjpeg-turbo-8bit', 'JPEGDecoder', data, info);
        throw new AeimgError(ErrorCode.BadInput, `uses ${syntaxName(syntax)} with 12-bit samples, which aeimg cannot decode exactly: ` +
          'no maintained npm decoder reproduces libjpeg\'s 12-bit output. Convert it first, e.g. with dcmtk: dcmdjpeg in.dcm out.dcm.');
      case TransferSyntax.JpegLossless57:
      case TransferSyntax.JpegLossless70:
        return await decodeJpegLossless(data, info);
      case TransferSyntax.Rle:
        return await decodeRle(data, info);
    }
  } catch (err) {
    if (err instanceof AeimgError) throw err;
    const why = typeof err === 'number' ? `codec error ${err}` : (err as Error)?.message ?? String(err);
    throw new AeimgError(ErrorCode.BadInput, `has ${syntaxName(syntax)} pixel data that could not be decoded (${why}); the file may be damaged.`);
  }
  throw new AeimgError(ErrorCode.BadInput,
    `uses the transfer syntax ${syntaxName(syntax)}, which aeimg cannot decode. Export the image uncompressed or as JPEG 2000 / JPEG-LS and try again.`);
}
