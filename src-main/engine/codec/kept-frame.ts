/**
 * A DICOM frame kept as its file held it (aeimg 0.9): the record of such a frame, on the sender's side when it is
 * smaller than aeimg's own coding, and the image it gives on the receiver's (dicom/codestream.ts; docs/format.md).
 */
import { cleanCodestream, decodeCodestream } from '../dicom/codestream.js';
import { TransferSyntax, type ReadAs } from '../dicom/codecs.js';
import type { FrameLayout } from '../dicom/stored-image.js';
import { AeimgError, ErrorCode } from '../errors.js';
import { colourChannels, planeRange, type Image } from '../image/image.js';
import { plainDisplay, readerFidelity } from '../metrics/fidelity.js';
import type { DisplayModel } from '../../../src-shared/windows.js';
import { passesCheck, pixelCheck } from './refinement-layer.js';
import type { ImageRecord } from './record.js';

/** What a kept frame's record says about its data besides the aeimg coding's: its layout, a few dozen bytes. */
const LAYOUT_BYTES = 48;

/** A compressed frame as its file holds it, with what turns its decoded samples into the image (and its name in words). */
export interface FrameData {
  layout: FrameLayout;
  data: Uint8Array;
  /** How the result line names it (default: the transfer syntax's name). */
  label?: string;
  /** aeimg before 0.15 read this data to other values (dicom/codecs.ts readOtherwiseBefore015). */
  otherwiseBefore015?: true;
}

/**
 * An image file that is a JPEG (8-bit grey or colour, one image): its bytes as a frame that may be kept, as a DICOM
 * file's JPEG frame is. A JPEG export is noise a lossless coder does not shrink, so its own data is often the smaller
 * and is bit-exact; where this decoder reads it otherwise than the image reader did (an EXIF rotation, another
 * upsampling), keepFrame finds out and aeimg codes the pixels.
 */
export function jpegFileFrame(data: Buffer, image: Image): FrameData | undefined {
  if (data[0] !== 0xff || data[1] !== 0xd8 || data[2] !== 0xff || image.bitDepth !== 8 || (image.channels !== 1 && image.channels !== 3)) return undefined;
  const layout: FrameLayout = {
    syntax: TransferSyntax.JpegBaseline, photometric: image.channels === 1 ? 'MONOCHROME2' : 'YBR_FULL_422',
    samplesPerPixel: image.channels, bitsAllocated: 8, bitsStored: 8, signed: false, planarConfiguration: 0,
  };
  return { layout, data: new Uint8Array(data.buffer, data.byteOffset, data.length), label: 'JPEG' };
}

export interface KeptFrame {
  record: ImageRecord;
  blobs: Buffer[];
  decoded: Image;
}

/**
 * The record that carries `frame` as it is, when its cleaned data is smaller than `codedBytes` (what aeimg's own
 * coding of `image` takes) and decodes to exactly `image`; otherwise undefined.
 */
export async function keepFrame(
  image: Image, name: string, frame: FrameData, codedBytes: number,
  opts: { measure?: boolean; display?: DisplayModel; metadata?: Record<string, unknown> } = {},
): Promise<KeptFrame | undefined> {
  // A segmentation's 1-bit frames are coded as samples: receivers before 0.14 do not decode them compressed.
  if (frame.layout.bitsAllocated === 1) return undefined;
  const data = cleanCodestream(frame.layout.syntax, frame.data);
  if (!data || data.length + LAYOUT_BYTES >= codedBytes) return undefined;
  const check = pixelCheck(image);
  try {
    if (pixelCheck(await decodeCodestream(frame.layout, image.width, image.height, data)) !== check) return undefined;
  } catch {
    return undefined; // the cleaned data does not decode: aeimg codes the pixels
  }
  const record: ImageRecord = {
    kind: 'image', name, width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth,
    planes: Array.from({ length: colourChannels(image) }, (_, c) => planeRange(image, c)),
    blobs: { latent: 0, alpha: 0, residual: data.length },
    refinement: { coding: 'dicom', maxError: 0, sha256: check, backend: 'none' },
    // Data that receivers before 0.15 decode to other values (a lossless JPEG with a point transform, an RGB JPEG
    // without colour markers, JPEG 2000 values beyond Bits Stored) says so: they ask for an update instead of refusing
    // the pixels as altered; it keeps its size (a lossy J2K series of 112 KB: a 120 KB .aeimg kept, 523 KB coded as samples).
    codestream: { ...frame.layout, ...(frame.otherwiseBefore015 ? { reading: 15 as const } : {}) },
    ...(opts.metadata ? { metadata: opts.metadata } : {}),
  };
  if (opts.measure) record.fidelity = readerFidelity(image, image, opts.display ?? plainDisplay(image), { maxError: 0 });
  return { record, blobs: [Buffer.alloc(0), Buffer.alloc(0), Buffer.from(data)], decoded: image };
}

/** The image of a validated record with a kept frame, checked against the sender's pixels. */
export async function decodeKeptFrame(record: ImageRecord, blob: Buffer): Promise<Image> {
  let image: Image;
  const decode = (opts: ReadAs = {}) => decodeCodestream(record.codestream!, record.width, record.height, blob, opts);
  const passes = (img: Image) => img.channels === record.channels && img.bitDepth === record.bitDepth && passesCheck(img, record.refinement!.sha256);
  try {
    image = await decode();
    // A sender before 0.15 kept frames it read otherwise (codecs.ts readOtherwiseBefore015; such a record has no
    // `reading`), and one before 0.16 JPEG-LS frames whose values it masked (parse.ts clampNearLossless): the image
    // it read, and measured, is the one to show.
    if (!passes(image) && record.codestream!.reading === undefined) image = await decode({ legacy: true });
  } catch (err) {
    const why = err instanceof AeimgError ? err.message : String(err);
    throw new AeimgError(ErrorCode.Malformed, `holds a compressed frame that could not be decoded (${why})`);
  }
  if (!passes(image)) {
    throw new AeimgError(ErrorCode.Tampered,
      'failed its pixel check: its compressed frame decodes here to other pixels than the sender\'s aeimg read from it. ' +
      'Open it with the aeimg version the sender used, or ask the sender to encrypt it again with --recode.');
  }
  return image;
}
