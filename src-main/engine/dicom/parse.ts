/**
 * Checks that a DICOM dataset (read-dataset.ts reads the file's bytes) holds an image aeimg reads, and yields each
 * frame's stored values exactly as the dataset defines them (the oracle: pydicom + GDCM's pixel_array).
 */
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { AeimgError, COPY_OR_EXPORT_AGAIN, ErrorCode } from '../errors.js';
import { decodeEncapsulatedFrame, interleavePlanar, JPEG_2000_SYNTAXES, jpegFrameDamage, NATIVE_SYNTAXES, readOtherwiseBefore015, storedRange, TransferSyntax, type FrameInfo, type FrameSamples, type ReadAs } from './codecs.js';
import { jpegLsCoding } from './jpeg-markers.js';
import { lossyCodingMethod, type LossyCoding } from './lossy-coding.js';
import { readFrameValues, type FrameValues } from './functional-groups.js';
import { readLutItems, readLutSequence, type StoredLut } from './lut.js';
import { readUsRegions, type UsRegion } from './us-regions.js';
import { checkImageHeader, nativePixelBytes, truncatedPixels } from './pixel-module.js';
import { numberOf, parserMessage, readDataset } from './read-dataset.js';

export interface DicomPixelInfo extends FrameInfo {
  frames: number;
  /**
   * High Bit (0028,0102): the stored value's top bit in each sample, Bits Stored − 1 in nearly every file; older files
   * may keep a 12-bit value in bits 4..15 (High Bit 15), uncompressed only (parseDicom refuses it compressed).
   */
  highBit: number;
  photometric: string;
  syntax: string;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** The file's first VOI window, in stored-value units after rescale (as DICOM defines it). */
  window?: { center: number; width: number };
  burnedInAnnotation: boolean;
  /** Burned In Annotation (0028,0301) says YES or NO; absent or empty, nobody said. */
  burnedInStated: boolean;
  /** Modality LUT Sequence (0028,3000): stored value → output units, instead of Rescale Slope/Intercept. */
  modalityLut?: StoredLut;
  /** The first item of VOI LUT Sequence (0028,3010). */
  voiLut?: StoredLut;
  /** Its other items (a mammogram's HARDER and SOFTER), each a window a reader may pick. */
  otherVoiLuts?: StoredLut[];
  /** Enhanced multi-frame: each frame's rescale, window and position from the functional groups. */
  perFrame?: FrameValues[];
  /** Ultrasound: the 2D regions calibrated in cm (Sequence of Ultrasound Regions). */
  usRegions: UsRegion[];
}

export interface ParsedDicom {
  dataset: DataSet;
  info: DicomPixelInfo;
}

/** Parses the dataset and checks that it holds an image aeimg can read. */
export function parseDicom(bytes: Uint8Array, maxPixels: number): ParsedDicom {
  return parsedDicomOf(readDataset(bytes, undefined, maxPixels), maxPixels);
}

/** A dataset read up to its Pixel Data element at least (every attribute of the image comes before it), checked. */
export function parsedDicomOf(dataset: DataSet, maxPixels: number): ParsedDicom {
  const { syntax, rows, columns, frames, samplesPerPixel, bitsAllocated, bitsStored, highBit, photometric, planarConfiguration } = checkImageHeader(dataset, maxPixels);
  const burnedIn = (dataset.string('x00280301') ?? '').trim().toUpperCase();
  const wc = numberOf(dataset, 'x00281050', NaN);
  const ww = numberOf(dataset, 'x00281051', NaN);
  return {
    dataset,
    info: {
      rows, columns, frames, samplesPerPixel, bitsAllocated, bitsStored, highBit,
      signed: dataset.uint16('x00280103') === 1,
      planarConfiguration, photometric,
      syntax,
      rescaleSlope: numberOf(dataset, 'x00281053', 1),
      rescaleIntercept: numberOf(dataset, 'x00281052', 0),
      window: Number.isFinite(wc) && Number.isFinite(ww) && ww > 0 ? { center: wc, width: ww } : undefined,
      burnedInAnnotation: burnedIn === 'YES',
      burnedInStated: burnedIn === 'YES' || burnedIn === 'NO',
      modalityLut: readLutSequence(dataset, 'x00283000', 'Modality LUT Sequence (0028,3000)'),
      ...voiLutsOf(readLutItems(dataset, 'x00283010', 'VOI LUT Sequence (0028,3010)')),
      perFrame: readFrameValues(dataset, frames),
      usRegions: readUsRegions(dataset, rows, columns),
    },
  };
}

/** A VOI LUT Sequence's tables as the first and the others. */
function voiLutsOf([first, ...others]: StoredLut[]): Pick<DicomPixelInfo, 'voiLut' | 'otherVoiLuts'> {
  return { ...(first ? { voiLut: first } : {}), ...(others.length ? { otherVoiLuts: others } : {}) };
}

/** 1-bit frames are packed back to back, least significant bit first, and need not start on a byte boundary. */
function unpackBits(dataset: DataSet, pixel: Element, info: DicomPixelInfo, index: number): Uint8Array {
  const pixels = info.rows * info.columns;
  const available = Math.min(pixel.length, dataset.byteArray.length - pixel.dataOffset);
  if (nativePixelBytes(info) > available) throw truncatedPixels(info, pixel, dataset.byteArray.length);
  // In big endian, OW swaps the bytes of each 16-bit word (OB, which dcmtk writes, does not).
  const swap = info.syntax === TransferSyntax.ExplicitBE && pixel.vr === 'OW' ? 1 : 0;
  const out = new Uint8Array(pixels);
  for (let i = 0, bit = index * pixels; i < pixels; i++, bit++) {
    out[i] = (dataset.byteArray[pixel.dataOffset + ((bit >> 3) ^ swap)]! >> (bit & 7)) & 1;
  }
  return out;
}

function nativeFrame(dataset: DataSet, pixel: Element, info: DicomPixelInfo, index: number): FrameSamples {
  if (info.bitsAllocated === 1) return unpackBits(dataset, pixel, info, index);
  const bytesPerSample = info.bitsAllocated / 8;
  const subsampled = info.photometric === 'YBR_FULL_422' && info.samplesPerPixel === 3;
  if (subsampled && (bytesPerSample !== 1 || info.columns % 2 === 1)) {
    throw new AeimgError(ErrorCode.BadInput, `has ${info.bitsAllocated}-bit YBR_FULL_422 colour${info.columns % 2 ? ' with an odd number of columns' : ''}, which aeimg does not read.`);
  }
  // YBR_FULL_422 (PS3.3 C.7.6.3.1.2): each pair of pixels in a row is Y1 Y2 Cb Cr, two bytes a pixel.
  const frameBytes = nativePixelBytes({ ...info, frames: 1 });
  const start = pixel.dataOffset + index * frameBytes;
  const available = Math.min(pixel.length, dataset.byteArray.length - pixel.dataOffset);
  if ((index + 1) * frameBytes > available) throw truncatedPixels(info, pixel, dataset.byteArray.length);
  const bytes = dataset.byteArray.slice(start, start + frameBytes);
  if (subsampled) return fullChroma(bytes);
  if (bytesPerSample === 1) return bytes;
  if (info.syntax === TransferSyntax.ExplicitBE) {
    for (let i = 0; i < bytes.length; i += 2) { const b = bytes[i]!; bytes[i] = bytes[i + 1]!; bytes[i + 1] = b; }
  }
  return info.signed ? new Int16Array(bytes.buffer, 0, bytes.length >> 1) : new Uint16Array(bytes.buffer, 0, bytes.length >> 1);
}

/** YBR_FULL_422 samples (Y1 Y2 Cb Cr per pair of pixels) → YBR_FULL (Y Cb Cr per pixel, each pair sharing its chroma). */
function fullChroma(pairs: Uint8Array): Uint8Array {
  const out = new Uint8Array((pairs.length / 4) * 6);
  for (let i = 0, o = 0; i < pairs.length; i += 4, o += 6) {
    const cb = pairs[i + 2]!, cr = pairs[i + 3]!;
    out[o] = pairs[i]!; out[o + 1] = cb; out[o + 2] = cr;
    out[o + 3] = pairs[i + 1]!; out[o + 4] = cb; out[o + 5] = cr;
  }
  return out;
}

/** Masks unused high bits, and sign-extends signed data from Bits Stored, as the standard defines stored values. */
function fixBits(samples: FrameSamples, info: FrameInfo): FrameSamples {
  const bits = info.bitsStored;
  if (bits >= info.bitsAllocated) return samples;
  const mask = (1 << bits) - 1;
  if (!info.signed) {
    for (let i = 0; i < samples.length; i++) samples[i] = samples[i]! & mask;
    return samples;
  }
  const sign = 1 << (bits - 1);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]! & mask;
    samples[i] = v & sign ? v - (1 << bits) : v;
  }
  return samples;
}

/** Whether a JPEG 2000 codestream's first component is signed (SIZ's Ssiz, top bit); a JP2 box's codestream too. */
function codestreamSigned(data: Uint8Array): boolean {
  for (let at = 0; at + 41 < data.length && at < 4096; at++) {
    if (data[at] === 0xff && data[at + 1] === 0x4f && data[at + 2] === 0xff && data[at + 3] === 0x51) return (data[at + 42]! & 0x80) !== 0;
  }
  return false;
}

/**
 * JPEG 2000 values beyond Bits Stored clamped to its range, the others as fixBits gives them; how many were clamped.
 * A lossy codestream of 16-bit precision overshoots a 12-bit image's range at its edges (weasis' multi-frame J2K: 196
 * samples up to 4123); masking them as uncompressed data's unused high bits wrapped 4123 to 27, a black speck where
 * GDCM, and the viewers that show the file, show white, and a signed image's air at −2112 to +1984, a white one (0.15).
 * An unsigned codestream of a signed image holds its two's complement bits, which fixBits sign-extends as before.
 */
function clampOvershoot(samples: FrameSamples, info: FrameInfo, data: Uint8Array): number {
  if (info.bitsStored >= info.bitsAllocated || (info.signed && !codestreamSigned(data))) return 0;
  const [low, top] = storedRange(info.bitsStored, info.signed);
  let clamped = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (v > top || v < low) { samples[i] = v > top ? top : low; clamped++; }
  }
  return clamped;
}

/**
 * JPEG-LS near-lossless values beyond Bits Stored, within NEAR of its range, clamped to it; how many were clamped. A
 * codestream whose precision is above Bits Stored (GDCM codes a 12-bit image at 16) gives back a sample within ±NEAR
 * of the original, so a white 4095 may come back as 4098 and air at −2048 as −2051: masked as uncompressed data's unused
 * high bits, they wrapped to 2 and +2045, specks across the range (0.16; dcmtk's and GDCM's decoders give 4098 and
 * −2051). Clamped, each is within ±NEAR of the original, as the codestream promises. A value further out is the file's
 * own high bits (a 12-bit image coded with them), masked as before.
 */
function clampNearLossless(samples: FrameSamples, info: FrameInfo, data: Uint8Array): number {
  const coding = jpegLsCoding(data);
  if (!coding || coding.near === 0 || coding.precision <= info.bitsStored || info.bitsStored >= info.bitsAllocated) return 0;
  const [low, top] = storedRange(info.bitsStored, info.signed);
  const full = 2 ** coding.precision;
  let clamped = 0;
  for (let i = 0; i < samples.length; i++) {
    const bits = samples[i]! & (full - 1);
    const v = info.signed && bits >= full / 2 ? bits - full : bits; // the codestream's own two's complement
    if (v > top && v <= top + coding.near) { samples[i] = top; clamped++; }
    if (v < low && v >= low - coding.near) { samples[i] = low; clamped++; }
  }
  return clamped;
}

function encapsulatedFrame(dataset: DataSet, pixel: Element, frames: number, index: number): Uint8Array {
  const fragments = pixel.fragments ?? [];
  if (frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(dataset, pixel, 0, fragments.length);
  if (pixel.basicOffsetTable?.length === frames) {
    try {
      return dicomParser.readEncapsulatedImageFrame(dataset, pixel, index);
    } catch {
      // A wrong offset table: fall through to the fragment layout.
    }
  }
  if (fragments.length === frames) return dicomParser.readEncapsulatedPixelDataFromFragments(dataset, pixel, index, 1);
  return dicomParser.readEncapsulatedImageFrame(dataset, pixel, index, dicomParser.createJPEGBasicOffsetTable(dataset, pixel));
}

/** A DICOM file's JPEG frame that libjpeg found damaged (jpegFrameDamage), refused as a damaged JPEG image file is. */
function damagedJpegFrame(words: string, index: number, frames: number): AeimgError {
  return new AeimgError(ErrorCode.BadInput, `has damaged JPEG data${frames > 1 ? ` in frame ${index + 1} of ${frames}` : ''}: its decoder reads ` +
    `"${words}", and shows the part it lost as grey or shifted blocks, which would go as its image. ${COPY_OR_EXPORT_AGAIN}`);
}

/** Frame `index`'s encapsulated data as the file holds it (compressed transfer syntaxes only). */
export function encapsulatedFrameData(parsed: ParsedDicom, index: number): Uint8Array {
  const { dataset, info } = parsed;
  try {
    return encapsulatedFrame(dataset, dataset.elements.x7fe00010!, info.frames, index);
  } catch (err) {
    throw new AeimgError(ErrorCode.Truncated, `has damaged or truncated Pixel Data (frame ${index + 1}: ${parserMessage(err)}). ${COPY_OR_EXPORT_AGAIN}`);
  }
}

/** The stored values of frame `index` (interleaved samples, signed where Pixel Representation says so). */
export async function decodeStoredFrame(parsed: ParsedDicom, index: number): Promise<FrameSamples> {
  return (await readStoredFrame(parsed, index)).samples;
}

/**
 * Frame `index`'s stored values, and for a compressed syntax the frame's data they were decoded from, which the sender
 * may carry as it is, and whether aeimg before 0.15 read that data to other values (readOtherwiseBefore015,
 * clampOvershoot). A JPEG-LS frame whose values were clamped (clampNearLossless) comes without its data: receivers
 * before 0.16 would mask them and refuse the frame as altered, so its samples go instead. `lossy`: where the frame's
 * coding is itself lossy (dicom/lossy-coding.ts), its Lossy Image Compression Method and ratio.
 */
export async function readStoredFrame(parsed: ParsedDicom, index: number):
Promise<{ samples: FrameSamples; data?: Uint8Array; otherwiseBefore015?: true; lossy?: LossyCoding }> {
  const { dataset, info } = parsed;
  if (!NATIVE_SYNTAXES.has(info.syntax)) {
    const data = encapsulatedFrameData(parsed, index);
    // Read here, by the sender alone: a receiver decodes what the sender's aeimg read.
    const damage = await jpegFrameDamage(info.syntax, data, info);
    if (damage) throw damagedJpegFrame(damage, index, info.frames);
    const { samples, otherwiseBefore015, clampedNear } = await decodeFrameValues(info.syntax, data, info, `frame ${index + 1}`);
    const method = lossyCodingMethod(info.syntax, data);
    const lossy = method && { method, ratio: nativePixelBytes({ ...info, frames: 1 }) / Math.max(1, data.length) };
    return { samples, ...(clampedNear ? {} : { data }), ...(otherwiseBefore015 ? { otherwiseBefore015 } : {}), ...(lossy ? { lossy } : {}) };
  }
  let samples = nativeFrame(dataset, dataset.elements.x7fe00010!, info, index);
  if (info.samplesPerPixel === 3 && info.planarConfiguration === 1) samples = interleavePlanar(samples, info.rows * info.columns);
  // A value whose top bit is not bit Bits Stored − 1 is moved down first (arithmetic shift: signed data keeps its sign).
  const shift = info.bitsAllocated > 1 ? info.highBit + 1 - info.bitsStored : 0;
  if (shift > 0) for (let i = 0; i < samples.length; i++) samples[i] = samples[i]! >> shift;
  return { samples: fixBits(samples, info) };
}

/**
 * The stored values of one encapsulated frame's data (`what` names the frame in messages): what the sender read from
 * its DICOM file, and what a receiver rebuilds from a frame carried as it was (codec/codestream.ts).
 */
export async function decodeFrameData(syntax: string, data: Uint8Array, info: FrameInfo, what = 'the frame', opts: ReadAs = {}): Promise<FrameSamples> {
  return (await decodeFrameValues(syntax, data, info, what, opts)).samples;
}

async function decodeFrameValues(syntax: string, data: Uint8Array, info: FrameInfo, what: string, opts: ReadAs = {}):
Promise<{ samples: FrameSamples; otherwiseBefore015?: true; clampedNear?: true }> {
  const samples = await decodeEncapsulatedFrame(syntax, data, info, opts);
  const expected = info.rows * info.columns * info.samplesPerPixel;
  if (samples.length !== expected) {
    throw new AeimgError(ErrorCode.BadInput,
      `${what} decoded to ${samples.length} samples where ${info.columns}x${info.rows}x${info.samplesPerPixel} were expected; the file is damaged. ${COPY_OR_EXPORT_AGAIN}`);
  }
  if (opts.legacy) return { samples: fixBits(samples, info) };
  const jpegLs = syntax === TransferSyntax.JpegLsNear || syntax === TransferSyntax.JpegLsLossless;
  const clampedNear = jpegLs && clampNearLossless(samples, info, data) > 0;
  const clamped = JPEG_2000_SYNTAXES.has(syntax) && clampOvershoot(samples, info, data) > 0;
  const otherwise = clamped || readOtherwiseBefore015(syntax, data, info);
  return { samples: fixBits(samples, info), ...(otherwise ? { otherwiseBefore015: true as const } : {}), ...(clampedNear ? { clampedNear: true as const } : {}) };
}
