/**
 * Pixel-data decoders per transfer syntax, all from maintained npm packages (no hand-written image codec):
 * CharLS (JPEG-LS), OpenJPEG (JPEG 2000), OpenJPH (High-Throughput JPEG 2000), libjpeg-turbo (8-bit JPEG
 * baseline/extended), dcmjs-codecs (12-bit JPEG extended, where the cornerstone loader's pdf.js port is off by ~15
 * grey levels against libjpeg; and RLE), jpeg-lossless-decoder-js (JPEG lossless). Each wasm module is instantiated
 * once per thread, on first use.
 */
import { createRequire } from 'node:module';
import { inflateRawSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { AeimgError, COPY_OR_EXPORT_AGAIN, ErrorCode } from '../errors.js';
import { jpegSegments, losslessPointTransform } from './jpeg-markers.js';
import { jpegDamage } from '../image/jpeg-damage.js';

const require = createRequire(import.meta.url);

export const TransferSyntax = {
  ImplicitLE: '1.2.840.10008.1.2',
  ExplicitLE: '1.2.840.10008.1.2.1',
  DeflatedLE: '1.2.840.10008.1.2.1.99',
  ExplicitBE: '1.2.840.10008.1.2.2',
  JpegBaseline: '1.2.840.10008.1.2.4.50',
  JpegExtended: '1.2.840.10008.1.2.4.51',
  /** Retired (2006) and still written by dcmtk (`dcmcjpeg +es`, `+ep`): DCT JPEG in other scan orders. */
  JpegSpectral53: '1.2.840.10008.1.2.4.53',
  JpegProgressive55: '1.2.840.10008.1.2.4.55',
  JpegLossless57: '1.2.840.10008.1.2.4.57',
  JpegLossless70: '1.2.840.10008.1.2.4.70',
  JpegLsLossless: '1.2.840.10008.1.2.4.80',
  JpegLsNear: '1.2.840.10008.1.2.4.81',
  J2kLossless: '1.2.840.10008.1.2.4.90',
  J2k: '1.2.840.10008.1.2.4.91',
  Rle: '1.2.840.10008.1.2.5',
  Htj2kLossless: '1.2.840.10008.1.2.4.201',
  Htj2kRpclLossless: '1.2.840.10008.1.2.4.202',
  Htj2k: '1.2.840.10008.1.2.4.203',
  DeflatedImageFrame: '1.2.840.10008.1.2.8.1',
} as const;

/** DCT JPEG, lossy whatever its parameters: baseline, extended, and the retired spectral selection and progression. */
export const DCT_JPEG_SYNTAXES: ReadonlySet<string> = new Set<string>([
  TransferSyntax.JpegBaseline, TransferSyntax.JpegExtended, TransferSyntax.JpegSpectral53, TransferSyntax.JpegProgressive55,
]);

/** Lossless JPEG (Process 14, and its Selection Value 1): lossless unless a point transform drops low bits. */
export const LOSSLESS_JPEG_SYNTAXES: ReadonlySet<string> = new Set<string>([TransferSyntax.JpegLossless57, TransferSyntax.JpegLossless70]);

/** JPEG 2000 and High-Throughput JPEG 2000: codestreams of their own precision, which may exceed Bits Stored. */
export const JPEG_2000_SYNTAXES: ReadonlySet<string> = new Set<string>([
  TransferSyntax.J2kLossless, TransferSyntax.J2k, TransferSyntax.Htj2kLossless, TransferSyntax.Htj2kRpclLossless, TransferSyntax.Htj2k,
]);

export const SYNTAX_NAMES: Record<string, string> = {
  [TransferSyntax.ImplicitLE]: 'Implicit VR Little Endian',
  [TransferSyntax.ExplicitLE]: 'Explicit VR Little Endian',
  [TransferSyntax.DeflatedLE]: 'Deflated Explicit VR Little Endian',
  [TransferSyntax.ExplicitBE]: 'Explicit VR Big Endian',
  [TransferSyntax.JpegBaseline]: 'JPEG Baseline (Process 1)',
  [TransferSyntax.JpegExtended]: 'JPEG Extended (Process 2 and 4)',
  [TransferSyntax.JpegSpectral53]: 'JPEG Spectral Selection (Process 6 and 8, retired)',
  [TransferSyntax.JpegProgressive55]: 'JPEG Full Progression (Process 10 and 12, retired)',
  [TransferSyntax.JpegLossless57]: 'JPEG Lossless (Process 14)',
  [TransferSyntax.JpegLossless70]: 'JPEG Lossless (Process 14, Selection Value 1)',
  [TransferSyntax.JpegLsLossless]: 'JPEG-LS Lossless',
  [TransferSyntax.JpegLsNear]: 'JPEG-LS Near-Lossless',
  [TransferSyntax.J2kLossless]: 'JPEG 2000 Lossless',
  [TransferSyntax.J2k]: 'JPEG 2000',
  [TransferSyntax.Rle]: 'RLE Lossless',
  [TransferSyntax.Htj2kLossless]: 'High-Throughput JPEG 2000 Lossless',
  [TransferSyntax.Htj2kRpclLossless]: 'High-Throughput JPEG 2000 with RPCL Options Lossless',
  [TransferSyntax.Htj2k]: 'High-Throughput JPEG 2000',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  [TransferSyntax.DeflatedImageFrame]: 'Deflated Image Frame Compression',
  '1.2.840.10008.1.2.4.100': 'MPEG2 video',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 video',
};

export const NATIVE_SYNTAXES = new Set<string>([
  TransferSyntax.ImplicitLE, TransferSyntax.ExplicitLE, TransferSyntax.DeflatedLE, TransferSyntax.ExplicitBE,
]);

/** The syntax's name alone (the UID where aeimg has none). */
export function syntaxTitle(uid: string): string {
  return SYNTAX_NAMES[uid] ?? uid;
}

export function syntaxName(uid: string): string {
  return SYNTAX_NAMES[uid] ? `${SYNTAX_NAMES[uid]} (${uid})` : uid;
}

/** What a decoder needs to know about a frame. */
export interface FrameInfo {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  signed: boolean;
  planarConfiguration: number;
  /** Photometric Interpretation, where it decides how a codestream is read (an RGB JPEG without colour markers). */
  photometric?: string;
}

/**
 * `legacy`: a frame's data read as aeimg read it before it followed what the data itself says (until 0.14 for JPEG and
 * JPEG 2000, until 0.15 for JPEG-LS): a frame kept by such a sender shows what that sender read (kept-frame.ts).
 */
export interface ReadAs { legacy?: boolean }

/** The lowest and highest stored value Bits Stored allows, signed (two's complement) or not. */
export function storedRange(bitsStored: number, signed: boolean): [low: number, top: number] {
  return signed ? [-(2 ** (bitsStored - 1)), 2 ** (bitsStored - 1) - 1] : [0, 2 ** bitsStored - 1];
}

/** A decoded frame's samples, little-endian in memory order, as the dataset's Bits Allocated says. */
export type FrameSamples = Uint8Array | Uint16Array | Int16Array;

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned?: boolean };
  /** CharLS only: 0 means the components come one after the other (planar). */
  getInterleaveMode?(): number;
  /** Frees the decoder's buffers on the wasm heap (embind: not garbage-collected). */
  delete(): void;
}

type Factory = (opts: { print: () => void; printErr: () => void }) => Promise<Record<string, new () => WasmDecoder>>;
const wasmModules = new Map<string, Promise<Record<string, new () => WasmDecoder>>>();

function wasmDecoder(module: string, className: string): Promise<WasmDecoder> {
  let mod = wasmModules.get(module);
  if (!mod) {
    const factory = require(module) as Factory;
    mod = factory({ print: () => {}, printErr: () => {} }); // the codecs log every header they read
    wasmModules.set(module, mod);
  }
  return mod.then((m) => new m[className]!());
}

function typed(bytes: Uint8Array, info: FrameInfo): FrameSamples {
  if (info.bitsAllocated <= 8) return bytes.slice();
  const copy = bytes.slice();
  return info.signed ? new Int16Array(copy.buffer, 0, copy.length >> 1) : new Uint16Array(copy.buffer, 0, copy.length >> 1);
}

/** Converts planar (RRR…GGG…BBB) colour to interleaved. */
export function interleavePlanar(samples: FrameSamples, pixels: number): FrameSamples {
  const out = new (samples.constructor as new (n: number) => FrameSamples)(samples.length);
  for (let i = 0; i < pixels; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = samples[c * pixels + i]!;
  return out;
}

async function decodeWithWasm(module: string, className: string, data: Uint8Array, info: FrameInfo): Promise<FrameSamples> {
  const decoder = await wasmDecoder(module, className);
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    const samples = typed(decoder.getDecodedBuffer(), info); // a copy: the decoder's buffer goes with it
    // JPEG-LS interleave mode 0 (one scan per component) comes out of CharLS plane by plane.
    const planar = info.samplesPerPixel === 3 && decoder.getInterleaveMode?.() === 0;
    return planar ? interleavePlanar(samples, info.rows * info.columns) : samples;
  } finally {
    // Each decoder holds its encoded and decoded frame on the wasm heap until deleted: without this, a series of
    // 512² 16-bit J2K slices kept 0.55 MB each, and a few thousand slices filled the heap.
    decoder.delete();
  }
}

interface DcmjsCodecs {
  NativeCodecs: {
    initializeAsync(opts: { webAssemblyModulePathOrUrl: string; logCodecsInfo?: boolean }): Promise<void>;
    decodeJpeg(context: object, parameters: { convertColorspaceToRgb: boolean }): DcmjsContext;
    decodeRle(context: object, parameters: object): DcmjsContext;
  };
  Context: new (attrs: Record<string, unknown>) => object;
  /** Its own loglevel logger (bundled), through which its codecs' messages come at level info. */
  log: { methodFactory: LogMethodFactory; setLevel(level: 'info'): void };
}
type LogMethodFactory = (method: string, level: number, logger: unknown) => (...message: unknown[]) => void;
interface DcmjsContext { getDecodedBuffer(): Uint8Array | undefined; getPlanarConfiguration(): number | undefined }
let dcmjsCodecs: Promise<DcmjsCodecs> | undefined;
/** The codecs' messages of the decode in progress, where jpegFrameDamage listens; else dropped. */
let messages: string[] | undefined;

/**
 * dcmjs-codecs: wasm builds of libjpeg (12-bit JPEG, where it reproduces libjpeg's values exactly) and of an RLE
 * decoder that handles every sample layout (the cornerstone loader's mixes up 16-bit and interleaved colour).
 */
async function decodeWithDcmjsCodecs(codec: 'decodeJpeg' | 'decodeRle', data: Uint8Array, info: FrameInfo): Promise<FrameSamples> {
  return decodeDcmjs(await loadDcmjsCodecs(), codec, data, info);
}

function loadDcmjsCodecs(): Promise<DcmjsCodecs> {
  return dcmjsCodecs ??= (async () => {
    const codecs = require('dcmjs-codecs') as DcmjsCodecs;
    const wasm = join(dirname(require.resolve('dcmjs-codecs')), 'dcmjs-native-codecs.wasm');
    // libjpeg's messages (its warnings of damaged data among them) come as info lines: kept for jpegFrameDamage, never printed.
    const { methodFactory } = codecs.log;
    codecs.log.methodFactory = (method, level, logger) => method === 'info'
      ? (...message) => { messages?.push(message.join(' ').replace(/^.*::EmitMessage::/, '')); } : methodFactory(method, level, logger);
    codecs.log.setLevel('info');
    await codecs.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: wasm, logCodecsInfo: true });
    return codecs;
  })();
}

function decodeDcmjs({ NativeCodecs, Context }: DcmjsCodecs, codec: 'decodeJpeg' | 'decodeRle', data: Uint8Array, info: FrameInfo): FrameSamples {
  // Pixel Representation 0 gives the codec's raw output; the caller sign-extends from Bits Stored.
  const context = new Context({
    width: info.columns, height: info.rows, bitsAllocated: info.bitsAllocated, bitsStored: info.bitsStored,
    samplesPerPixel: info.samplesPerPixel, pixelRepresentation: 0, planarConfiguration: info.planarConfiguration,
    photometricInterpretation: info.samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2', encodedBuffer: data,
  });
  const result = codec === 'decodeJpeg'
    ? NativeCodecs.decodeJpeg(context, { convertColorspaceToRgb: false }) : NativeCodecs.decodeRle(context, {});
  const decoded = result.getDecodedBuffer();
  if (!decoded) throw new Error('the decoder returned no pixels');
  const samples = typed(decoded, info);
  return info.samplesPerPixel === 3 && result.getPlanarConfiguration() === 1 ? interleavePlanar(samples, info.rows * info.columns) : samples;
}

/**
 * The words of libjpeg where a DCT or lossless JPEG frame's data is damaged (image/jpeg-damage.ts), undefined where it
 * is not (or for another syntax). libjpeg goes on past damage, filling what it lost with grey or shifted blocks, and says
 * so only in a warning, which the 8-bit wasm decoder does not give, nor the lossless one (jpeg-lossless-decoder-js, which
 * has no warnings): the frame is read again through dcmjs-codecs' libjpeg (8 and 12 bits; lossless to 16, 0.47), its
 * messages kept. A decode that fails is left to the frame's own decoder to report.
 */
export async function jpegFrameDamage(syntax: string, data: Uint8Array, info: FrameInfo): Promise<string | undefined> {
  if (!DCT_JPEG_SYNTAXES.has(syntax) && !LOSSLESS_JPEG_SYNTAXES.has(syntax)) return undefined;
  const codecs = await loadDcmjsCodecs();
  const said: string[] = messages = [];
  try {
    decodeDcmjs(codecs, 'decodeJpeg', data, info);
  } catch { /* reported by the frame's own decoder */ } finally {
    messages = undefined;
  }
  return jpegDamage(said.join('\n'));
}

/**
 * Whether aeimg before 0.15 decoded this frame's data to other values (a lossless JPEG with a point transform, an RGB
 * JPEG without colour markers; JPEG 2000 values beyond Bits Stored are the third case, dicom/parse.ts). A frame kept as
 * the file holds it says so (kept-frame.ts), and a frame kept by such a sender is read as it read it (ReadAs).
 */
export function readOtherwiseBefore015(syntax: string, data: Uint8Array, info: FrameInfo): boolean {
  return (LOSSLESS_JPEG_SYNTAXES.has(syntax) && (losslessPointTransform(data)?.pt ?? 0) > 0) || untransformedRgbJpeg(syntax, data, info);
}

/**
 * An 8-bit JPEG frame that DICOM calls RGB and whose data says nothing of its colour space: no JFIF or Adobe marker,
 * three components sampled alike, not named R, G, B. libjpeg then takes its components for YCbCr and converts them;
 * DICOM (PS3.5 8.2.1), dcmtk, GDCM and pydicom take Photometric Interpretation RGB at its word: no transform (pydicom's
 * SC_jpeg_no_color_transform.dcm, a whole-slide image's tile, came out magenta). Where the data does say (JFIF, an Adobe
 * transform, subsampled chroma: fo-dicom's GH195.dcm, a JFIF photograph labelled RGB), libjpeg follows it, as before.
 */
function untransformedRgbJpeg(syntax: string, data: Uint8Array, info: FrameInfo): boolean {
  if (!DCT_JPEG_SYNTAXES.has(syntax) || info.bitsAllocated > 8) return false;
  if (info.samplesPerPixel !== 3 || info.photometric !== 'RGB') return false;
  for (const { marker, at } of jpegSegments(data)) {
    const id = String.fromCharCode(...data.subarray(at + 4, at + 9));
    if ((marker === 0xe0 && id.startsWith('JFIF')) || (marker === 0xee && id === 'Adobe')) return false;
    if (marker >= 0xc0 && marker <= 0xc2) {
      const components = [0, 1, 2].map((k) => ({ id: data[at + 10 + 3 * k], sampling: data[at + 11 + 3 * k] }));
      if (data[at + 9] !== 3 || components.some((c) => c.sampling !== components[0]!.sampling)) return false;
      return components.map((c) => String.fromCharCode(c.id ?? 0)).join('') !== 'RGB';
    }
  }
  return false;
}

/** The JPEG data with an Adobe marker saying "no colour transform" after its SOI, so that libjpeg leaves RGB as RGB. */
function withAdobeRgb(data: Uint8Array): Uint8Array {
  const adobe = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00];
  const out = new Uint8Array(data.length + adobe.length);
  out.set(data.subarray(0, 2));
  out.set(adobe, 2);
  out.set(data.subarray(2), 2 + adobe.length);
  return out;
}

/**
 * JPEG lossless (Process 14) through jpeg-lossless-decoder-js, which reads a scan's point transform Pt but ignores it:
 * it starts each line's prediction at 2^(P-1) where T.81 (H.2.1) says 2^(P-Pt-1), and gives the values without
 * scaling them back by 2^Pt. So with Pt > 0 the decoder is handed the stream with precision P - Pt (which it uses for
 * nothing else), and each value is shifted back up: dcmtk's and GDCM's values (a GE radiograph at Pt 2 came out a
 * quarter of its values, a dcmtk-coded MR offset by 24,576).
 */
async function decodeJpegLossless(data: Uint8Array, info: FrameInfo, as: ReadAs = {}): Promise<FrameSamples> {
  const { Decoder } = require('@cornerstonejs/jpeg-lossless-decoder-js') as {
    Decoder: new () => { decode(buf: ArrayBuffer, offset: number, length: number, bytes: number): Uint8Array | Uint16Array };
  };
  const point = losslessPointTransform(data);
  const pt = point && point.pt > 0 && point.pt < data[point.precisionAt]! && !as.legacy ? point.pt : 0;
  let stream = data;
  if (pt > 0) {
    stream = data.slice();
    stream[point!.precisionAt] = data[point!.precisionAt]! - pt;
  }
  const out = new Decoder().decode(stream.buffer as ArrayBuffer, stream.byteOffset, stream.length, info.bitsAllocated <= 8 ? 1 : 2);
  if (pt > 0) {
    const mask = (1 << (stream[point!.precisionAt]!)) - 1;
    for (let i = 0; i < out.length; i++) out[i] = (out[i]! & mask) << pt;
  }
  if (info.bitsAllocated <= 8) return new Uint8Array(out.buffer, out.byteOffset, out.length).slice();
  const u = new Uint16Array(out.buffer, out.byteOffset, out.length).slice();
  return info.signed ? new Int16Array(u.buffer) : u;
}

/**
 * The syntaxes a 1-bit frame (a segmentation's) is read in besides the native ones (0.14): JPEG 2000, whose codestream
 * has 1-bit samples (OpenJPEG gives them as 0 and 1), and Deflated Image Frame Compression, each frame's bits packed,
 * least significant first, then deflated. Not RLE: dcmtk and GDCM do not decode 1-bit RLE, and pydicom-data's sample
 * holds packed bytes where pydicom's decoder expects a byte a pixel; where toolkits disagree, aeimg refuses by name.
 */
export const ONE_BIT_SYNTAXES = new Set<string>([TransferSyntax.J2kLossless, TransferSyntax.J2k, TransferSyntax.DeflatedImageFrame]);

/** A 1-bit frame of an ONE_BIT_SYNTAXES syntax as one byte a pixel, 0 or 1. */
async function decodeOneBitFrame(syntax: string, data: Uint8Array, info: FrameInfo): Promise<Uint8Array> {
  const pixels = info.rows * info.columns;
  if (syntax === TransferSyntax.DeflatedImageFrame) {
    const packed = inflateRawSync(data, { maxOutputLength: Math.ceil(pixels / 8) + 8 });
    if (packed.length < Math.ceil(pixels / 8)) {
      throw new AeimgError(ErrorCode.BadInput, `has a 1-bit frame that inflates to ${packed.length} bytes where ${info.columns}x${info.rows} bits need ${Math.ceil(pixels / 8)}; the file is damaged. ${COPY_OR_EXPORT_AGAIN}`);
    }
    const out = new Uint8Array(pixels);
    for (let i = 0; i < pixels; i++) out[i] = (packed[i >> 3]! >> (i & 7)) & 1;
    return out;
  }
  const bytes = await decodeEncapsulatedFrame(syntax, data, { ...info, bitsAllocated: 8, bitsStored: 8, signed: false });
  if (bytes.BYTES_PER_ELEMENT !== 1 || bytes.some((v) => v > 1)) {
    throw new AeimgError(ErrorCode.BadInput, `has a 1-bit frame in ${syntaxName(syntax)} whose values are not 0 and 1; the file is damaged. ${COPY_OR_EXPORT_AGAIN}`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length); // the decoder's may be a Uint8ClampedArray
}

/** The encapsulated syntaxes decodeEncapsulatedFrame decodes (its cases below; Deflated Image Frame for 1-bit only). */
const DECODED_SYNTAXES = new Set<string>([
  TransferSyntax.JpegLsLossless, TransferSyntax.JpegLsNear, TransferSyntax.J2kLossless, TransferSyntax.J2k,
  TransferSyntax.Htj2kLossless, TransferSyntax.Htj2kRpclLossless, TransferSyntax.Htj2k, TransferSyntax.JpegBaseline,
  TransferSyntax.JpegExtended, TransferSyntax.JpegSpectral53, TransferSyntax.JpegProgressive55, TransferSyntax.JpegLossless57,
  TransferSyntax.JpegLossless70, TransferSyntax.Rle, TransferSyntax.DeflatedImageFrame,
]);

/** Whether aeimg reads pixel data of `bitsAllocated` in `syntax` (a header check: parse.ts checkImageHeader). */
export const decodesSyntax = (syntax: string, bitsAllocated: number) => NATIVE_SYNTAXES.has(syntax) ||
  (DECODED_SYNTAXES.has(syntax) && (syntax !== TransferSyntax.DeflatedImageFrame || bitsAllocated === 1));

/** A syntax aeimg has no decoder for (JPEG XL, a private one), named with what to do. */
export const undecodedSyntax = (syntax: string) => new AeimgError(ErrorCode.BadInput,
  `uses the transfer syntax ${syntaxName(syntax)}, which aeimg cannot decode. Export the image uncompressed or as JPEG 2000 / JPEG-LS and try again.`);

/** Decodes one encapsulated frame to interleaved samples. */
export async function decodeEncapsulatedFrame(syntax: string, data: Uint8Array, info: FrameInfo, as: ReadAs = {}): Promise<FrameSamples> {
  if (info.bitsAllocated === 1) {
    if (!ONE_BIT_SYNTAXES.has(syntax) || info.samplesPerPixel !== 1) {
      throw new AeimgError(ErrorCode.BadInput, `has 1-bit Pixel Data in ${syntaxName(syntax)}, which aeimg does not decode.`);
    }
    try {
      return await decodeOneBitFrame(syntax, data, info);
    } catch (err) {
      if (err instanceof AeimgError) throw err;
      throw new AeimgError(ErrorCode.BadInput, `has ${syntaxName(syntax)} pixel data that could not be decoded (${(err as Error)?.message ?? String(err)}); the file may be damaged. ${COPY_OR_EXPORT_AGAIN}`);
    }
  }
  try {
    switch (syntax) {
      case TransferSyntax.JpegLsLossless:
      case TransferSyntax.JpegLsNear:
        return await decodeWithWasm('@cornerstonejs/codec-charls/decodewasmjs', 'JpegLSDecoder', data, info);
      case TransferSyntax.J2kLossless:
      case TransferSyntax.J2k:
        return await decodeWithWasm('@cornerstonejs/codec-openjpeg/decodewasmjs', 'J2KDecoder', data, info);
      case TransferSyntax.Htj2kLossless:
      case TransferSyntax.Htj2kRpclLossless:
      case TransferSyntax.Htj2k:
        return await decodeWithWasm('@cornerstonejs/codec-openjph/wasmjs', 'HTJ2KDecoder', data, info);
      case TransferSyntax.JpegBaseline:
      case TransferSyntax.JpegExtended:
      case TransferSyntax.JpegSpectral53:
      case TransferSyntax.JpegProgressive55:
        if (info.bitsAllocated <= 8) {
          const stream = !as.legacy && untransformedRgbJpeg(syntax, data, info) ? withAdobeRgb(data) : data;
          return await decodeWithWasm('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', 'JPEGDecoder', stream, info);
        }
        return await decodeWithDcmjsCodecs('decodeJpeg', data, info);
      case TransferSyntax.JpegLossless57:
      case TransferSyntax.JpegLossless70:
        return await decodeJpegLossless(data, info, as);
      case TransferSyntax.Rle:
        return await decodeWithDcmjsCodecs('decodeRle', data, info);
    }
  } catch (err) {
    if (err instanceof AeimgError) throw err;
    const why = typeof err === 'number' ? `codec error ${err}` : (err as Error)?.message ?? String(err);
    throw new AeimgError(ErrorCode.BadInput, `has ${syntaxName(syntax)} pixel data that could not be decoded (${why}); the file may be damaged. ${COPY_OR_EXPORT_AGAIN}`);
  }
  throw undecodedSyntax(syntax);
}
