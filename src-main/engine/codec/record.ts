/**
 * The per-image record that travels inside the encryption: geometry, normalisation, latent coding parameters,
 * fidelity figures and metadata. Every field read from a file is validated here before any pixel is allocated.
 */
import { AeimgError, ErrorCode, Remedy } from '../errors.js';
import { checkDimensions } from '../image/dimensions.js';
import { maxValue, SIGNED_OFFSET } from '../image/image.js';
import type { Fidelity } from '../../../src-shared/fidelity.js';
import { MAX_CT_INTERCEPT, senderDisplayWindow, type DisplayWindow } from '../../../src-shared/windows.js';
import { validKnots, type Knots } from './transfer.js';
import type { FrameLayout } from '../dicom/stored-image.js';
import { KEEPABLE_SYNTAXES } from '../dicom/codestream.js';

export { MAX_BITS, MIN_BITS } from '../defaults.js';
import { MAX_BITS, MIN_BITS } from '../defaults.js';

export interface ImageRecord {
  kind: 'image';
  /** Original file name (base name only). */
  name: string;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  /** Per colour plane, the [min, max] sample values the plane was normalised with. */
  planes: [number, number][];
  /**
   * Per colour plane, the piecewise-linear companding the network saw instead of a linear min..max squash
   * (codec/transfer.ts; aeimg 0.4, images of more than 8 bits with a latent). Absent: linear.
   */
  transfer?: Knots[];
  /**
   * The autoencoder's latent. Absent (aeimg 0.3 and later) in images coded directly by the refinement layer
   * against zero planes, which is how the levels with a per-pixel guarantee are written.
   */
  latent?: {
    width: number;
    height: number;
    channels: number;
    bits: number;
    /** Per (plane, latent channel) map, its dequantization range. */
    ranges: [number, number][];
    /** 'ac1': the adaptive arithmetic coder (entropy.ts); absent: files from aeimg 0.1 (brotli, legacy.ts). */
    coding?: 'ac1';
  };
  /**
   * A network-only image that had salt-and-pepper impulses and no other noise (aeimg 0.7): per colour plane, the
   * darkest and brightest sample values its impulses had. Where they were is the `impulses` blob (codec/impulse-map.ts):
   * the latent is that of the image with them repaired, and the receiver's image has them put back.
   */
  impulses?: { values: [number, number][] };
  /** Byte lengths of the blobs that follow the record, in this order (`impulses` only with the field above). */
  blobs: { latent: number; alpha: number; residual: number; impulses?: number };
  /**
   * Present when a refinement layer follows (lossless and near-lossless files): every sample is within ±maxError of
   * the original (0: exact); sha256 is that of the samples the receiver must rebuild (refinement-layer.ts pixelHash; its first 128 bits since aeimg 0.4).
   */
  refinement?: Refinement;
  /** Lossless files from aeimg 0.1 (read only): the v1 residual and the hash of the original samples. */
  lossless?: { sha256: string; predictor: 'med+decoder'; backend: string };
  /** What the receiver sees, measured by the sender (metrics/fidelity.ts). */
  fidelity?: Fidelity;
  /** De-identified or descriptive metadata (never in the clear header). */
  metadata?: Record<string, unknown>;
  /**
   * The sender's image was RGB (RGBA) with R = G = B everywhere, a grey image exported as colour: it is carried as its
   * grey plane (channels 1, or 2 with alpha, above) and rebuilt as colour by copying that plane (aeimg 0.8). Readers
   * before 0.8 do not know the field and give the grey image, which looks the same.
   */
  greyAsColour?: true;
  /**
   * A compressed frame carried as its file held it (aeimg 0.9: a DICOM file's frame or a JPEG file; codec/kept-frame.ts):
   * its transfer syntax and what turns its stored values into this image. The residual blob is the frame's data and
   * `refinement.coding` is 'dicom'.
   */
  codestream?: FrameLayout;
  /**
   * Per colour plane, the step its samples lie on from the plane's minimum (aeimg 0.9, codec/steps.ts): the refinement
   * layer codes the grid indices. Only on records without a latent; absent: every step 1.
   */
  steps?: number[];
  /**
   * An image file's grey values went up by this much to be 16-bit samples (aeimg 0.35: a signed 16-bit TIFF with values
   * below 0, image/whole-values.ts): the reader's values are the samples − valueOffset, shown so in the viewer and
   * written so by DICOM output. A DICOM image says its own in its metadata. Readers before 0.35 refuse the record.
   */
  valueOffset?: number;
  /**
   * The sender said this image file is a CT whose HU are its values + ctIntercept (aeimg 0.36: a PACS's 16-bit export
   * holds stored values, HU + 1024, so −1024; a signed TIFF in HU, 0): the viewer shows HU and the CT presets, the
   * sender's figures are in them, and DICOM output writes a CT's rescale. Grey 16-bit image files only (an 8-bit
   * image holds a window's grey levels, not HU). Readers before 0.36 refuse the record.
   */
  ctIntercept?: number;
}

/**
 * Where a record's ctIntercept comes from when not from its sender's declaration: 'imagej', the file's own calibration
 * (an ImageJ TIFF of a CT, aeimg 0.39: the rescale of the DICOM file ImageJ opened, image/imagej.ts), which its reader
 * is told. Carried in its metadata (`ctCalibration`), which readers 0.36–0.38 ignore (they say the sender declared it)
 * where a new record field would have them refuse the file; any other value is not one aeimg wrote, and says nothing.
 */
export function ctCalibrationOf(record: Pick<ImageRecord, 'ctIntercept' | 'metadata'>): 'imagej' | undefined {
  return record.ctIntercept !== undefined && record.metadata?.ctCalibration === 'imagej' ? 'imagej' : undefined;
}

/**
 * An image file's pixel spacing in mm, between rows and between columns (its metadata's `pixelSpacing`, aeimg 0.39: an
 * ImageJ TIFF's spatial calibration, its DICOM file's Pixel Spacing), which its reader measures with. Readers before
 * 0.39 ignore it (they measure in pixels). Only a well-formed one (two sizes a pixel may have); none otherwise.
 */
export function fileSpacingOf(record: Pick<ImageRecord, 'metadata'>): { row: number; column: number } | undefined {
  const s = record.metadata?.pixelSpacing;
  if (record.metadata?.dicom !== undefined || !Array.isArray(s) || s.length !== 2 || !s.every((v) => typeof v === 'number' && v >= 1e-6 && v <= 1e4)) return undefined;
  return { row: s[0] as number, column: s[1] as number };
}

/** A Modality (0008,0060) as DICOM codes one: a code string of capitals, digits and underscores, at most 16. */
export const isModality = (v: unknown): v is string => typeof v === 'string' && /^[A-Z][A-Z0-9_]{0,15}$/.test(v);

/**
 * An image file's modality other than CT (its metadata's `modality`, aeimg 0.40: the Modality of the DICOM file an ImageJ
 * TIFF was saved from, kept in its Info), which DICOM output writes in place of OT (a CT's is CT, by its HU). Readers
 * before 0.40 ignore it. Only a code string, and not CT (a CT without HU would be read as one in HU); none otherwise.
 */
export function fileModalityOf(record: Pick<ImageRecord, 'metadata'>): string | undefined {
  const m = record.metadata?.modality;
  return record.metadata?.dicom === undefined && isModality(m) && m !== 'CT' ? m : undefined;
}

/**
 * An image file's grey is WhiteIsZero (its metadata's `monochrome1`, aeimg 0.40: a TIFF's Photometric 0, as ImageJ writes
 * an image shown through an inverted LUT, a MONOCHROME1 DICOM file's among them): its samples are its values inverted,
 * (2^bits − 1) − value, as libvips reads it and as a MONOCHROME1 DICOM image's are kept, and it shows so (src-shared/
 * windows.ts imageFileMapping). Readers before 0.40 ignore it: they show it as its samples, its values inverted.
 */
export function fileInvertedOf(record: Pick<ImageRecord, 'metadata' | 'channels'>): boolean {
  return record.metadata?.monochrome1 === true && record.channels === 1 && record.metadata?.dicom === undefined;
}

/** A window's numbers as a record may carry them: a finite centre, a width above 0, a VOI function aeimg renders. */
function wellFormedWindow(w: Partial<DisplayWindow>): boolean {
  return Number.isFinite(w.center) && Number.isFinite(w.width) && w.width! > 0 && (w.fn === undefined || w.fn === 'SIGMOID' || w.fn === 'LINEAR_EXACT');
}

/** More windows than a DICOM file gives its reader: a record with more says none. */
const MAX_FILE_WINDOWS = 16;

/**
 * An image file's own VOI windows (its metadata's `windows`, aeimg 0.39: an ImageJ TIFF keeps those of the DICOM file
 * ImageJ opened, image/imagej.ts), in its reader's values, as a DICOM file's are: the sender measured in them and its
 * reader opens in the first. Readers before 0.39 ignore them (the figures of "file window 1" go unshown). Only well-formed
 * ones (it came from a sender): none where any is not.
 */
export function fileWindowsOf(record: Pick<ImageRecord, 'metadata' | 'channels'>): DisplayWindow[] {
  const windows = record.metadata?.windows;
  if (!Array.isArray(windows) || windows.length > MAX_FILE_WINDOWS || record.channels !== 1 || record.metadata?.dicom !== undefined) return [];
  const wellFormed = windows.every((w: Partial<DisplayWindow> | null) => typeof w === 'object' && w !== null && w.source === 'file' &&
    typeof w.name === 'string' && w.name.length <= 128 && wellFormedWindow(w) &&
    (w.explanation === undefined || (typeof w.explanation === 'string' && w.explanation.length <= 128)) && w.lut === undefined && w.table === undefined);
  return wellFormed ? windows as DisplayWindow[] : [];
}

/**
 * The window its sender chose to send a grey image in (its metadata's `senderWindow`, aeimg 0.43: src-shared/windows.ts
 * SENDER_WINDOW), in its reader's values, DICOM or not: its sender's figures measure it and its reader opens in it.
 * Readers before 0.43 ignore it (its figures show in their table as "sender's window"). Undefined where none or not
 * well formed.
 */
export function senderWindowOf(record: Pick<ImageRecord, 'metadata' | 'channels' | 'greyAsColour'>): DisplayWindow | undefined {
  const w = record.metadata?.senderWindow as Partial<DisplayWindow> | undefined;
  if (typeof w !== 'object' || w === null || imageChannels(record) > 2) return undefined; // grey, with or without alpha
  return wellFormedWindow(w) ? senderDisplayWindow(w as DisplayWindow) : undefined;
}

/** The channels of the image the receiver rebuilds (the sender's: a grey plane carried for colour counts as colour). */
export function imageChannels(record: Pick<ImageRecord, 'channels' | 'greyAsColour'>): ImageRecord['channels'] {
  return record.greyAsColour ? (record.channels + 2) as 3 | 4 : record.channels;
}

/** Plane coders of the refinement layer: 'wp1' (aeimg 0.2–0.3), 'wp2' (0.4: see docs/format.md). */
export const PLANE_CODINGS = ['wp1', 'wp2'] as const;
export type PlaneCoding = (typeof PLANE_CODINGS)[number];

/** The refinement codings: a plane coder, or a DICOM frame kept as it was ('dicom', with `codestream`). */
export const REFINEMENT_CODINGS = [...PLANE_CODINGS, 'dicom'] as const;

export interface Refinement {
  coding: (typeof REFINEMENT_CODINGS)[number];
  maxError: number;
  sha256: string;
  /** The inference backend the sender's decoder ran on: the rebuild needs the same reconstruction ('none': no latent). */
  backend: string;
}

/** The lengths of the blobs that follow a validated record, in the order they follow it. */
export function blobLengths(record: ImageRecord): number[] {
  const { latent, alpha, residual, impulses } = record.blobs;
  return record.impulses ? [latent, alpha, residual, impulses!] : [latent, alpha, residual];
}

/** The receiver gets the original samples exactly. */
export function isExact(record: ImageRecord): boolean {
  return record.refinement?.maxError === 0 || record.lossless !== undefined;
}

/**
 * What a record tells its reader: the sender's figures, the guarantee the file itself carries (refinement), and
 * whether it is reduced quality: any image without a per-pixel guarantee (the network alone) is, since 0.47, whatever
 * its figures (files from aeimg ≤ 0.2, of whole-range figures only, were below the line or over 8 bits).
 */
export function receivedFidelity(record: ImageRecord): { fidelity?: Fidelity; maxError?: number; reduced: boolean } {
  const maxError = isExact(record) ? 0 : record.refinement?.maxError;
  const f = record.fidelity;
  if (maxError === 0) return { fidelity: f ? { ...f, exact: true, maxError: 0, reduced: false } : undefined, maxError, reduced: false };
  // Without a per-pixel guarantee, reduced quality (0.47; a sender before 0.47 marked only images whose window read below the line).
  if (f?.windows?.length) return { fidelity: maxError === undefined && !f.reduced ? { ...f, reduced: true } : f, maxError, reduced: f.reduced === true || maxError === undefined };
  // Files from 0.1/0.2: without a guarantee, reduced quality (0.47; before, only below the line or over 8 bits).
  return { fidelity: f, maxError, reduced: maxError === undefined };
}

const bad = (what: string) => new AeimgError(ErrorCode.Malformed, `has an invalid image record (${what}).`, { remedy: Remedy.UpdateOrAskSender });

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

function isRange(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[0] <= v[1];
}

/**
 * A record as its file's writer measured it (`app`: the file entry's, "aeimg 0.41.0"): a writer before 0.42 measured
 * each reader window over the whole image, and one before 0.45 the RMSE over every pixel, so those figures are marked
 * (Fidelity.overFrame, rmseOverFrame) for the receiver to say so. An app that is not aeimg's, or not readable, is taken
 * as today's: nothing is marked.
 */
export function asWritten(record: ImageRecord, app: unknown): ImageRecord {
  const f = record.fidelity;
  const v = typeof app === 'string' ? /^aeimg (\d+)\.(\d+)\./.exec(app) : null;
  if (!f || f.exact || !v || Number(v[1]) > 0) return record;
  const minor = Number(v[2]);
  const windows = !!f.windows?.length && minor < 42, rmse = !!(f.real ?? f.stored)?.rmse && minor < 45;
  if (!windows && !rmse) return record;
  return { ...record, fidelity: { ...f, ...(windows ? { overFrame: true as const } : {}), ...(rmse ? { rmseOverFrame: true as const } : {}) } };
}

/** Validates an untrusted record; `maxPixels` bounds what may be allocated for it. */
export function validateImageRecord(raw: Record<string, unknown>, maxPixels: number): ImageRecord {
  if (raw.kind !== 'image') throw bad('kind');
  if (typeof raw.name !== 'string' || raw.name.length > 255) throw bad('name');
  const { width, height, channels, bitDepth } = raw;
  if (!isInt(width, 1, 1e9) || !isInt(height, 1, 1e9)) throw bad('dimensions');
  checkDimensions(width, height, maxPixels);
  if (!isInt(channels, 1, 4)) throw bad('channels');
  if (bitDepth !== 8 && bitDepth !== 16) throw bad('bit depth');
  const colour = channels === 2 || channels === 4 ? channels - 1 : channels;
  if (!Array.isArray(raw.planes) || raw.planes.length !== colour || !raw.planes.every(isRange)) throw bad('planes');
  if (raw.transfer !== undefined && (raw.latent === undefined || !Array.isArray(raw.transfer) || raw.transfer.length !== colour ||
    !raw.transfer.every((k, c) => validKnots(k, (raw.planes as [number, number][])[c]![0], (raw.planes as [number, number][])[c]![1])))) {
    throw bad('transfer');
  }
  const lat = raw.latent as Record<string, unknown> | undefined;
  if (lat !== undefined) {
    if (!lat || typeof lat !== 'object') throw bad('latent');
    if (lat.width !== Math.ceil(width / 2) || lat.height !== Math.ceil(height / 2)) throw bad('latent size');
    if (!isInt(lat.channels, 1, 64) || !isInt(lat.bits, MIN_BITS, MAX_BITS)) throw bad('latent coding');
    if (lat.coding !== undefined && lat.coding !== 'ac1') throw bad('latent coding');
    if (!Array.isArray(lat.ranges) || lat.ranges.length !== colour * lat.channels || !lat.ranges.every(isRange)) {
      throw bad('latent ranges');
    }
  } else if (raw.refinement === undefined) {
    throw bad('no latent and no refinement');
  }
  const blobs = raw.blobs as Record<string, unknown> | undefined;
  const latentMax = lat === undefined ? 0 : 64 * 1024 + 2 * colour * (lat.channels as number) * (width / 2 + 1) * (height / 2 + 1);
  const alphaMax = colour === channels ? 0 : 64 * 1024 + 2 * width * height * (bitDepth / 8);
  const residualMax = 64 * 1024 + 2 * colour * width * height * (bitDepth / 8);
  if (!blobs || !isInt(blobs.latent, lat === undefined ? 0 : 1, latentMax) || !isInt(blobs.alpha, 0, alphaMax) || !isInt(blobs.residual, 0, residualMax)) {
    throw bad('blob sizes');
  }
  if (colour !== channels && blobs.alpha === 0) throw bad('missing alpha');
  const isHash = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  const isCheck = (v: unknown) => typeof v === 'string' && /^([0-9a-f]{32}){1,2}$/.test(v); // 128 bits since 0.4
  const ll = raw.lossless as Record<string, unknown> | undefined;
  const rf = raw.refinement as Record<string, unknown> | undefined;
  if (ll !== undefined && rf !== undefined) throw bad('two refinements');
  if (ll !== undefined) {
    if (typeof ll !== 'object' || ll === null || !isHash(ll.sha256) || ll.predictor !== 'med+decoder' ||
      typeof ll.backend !== 'string' || blobs.residual === 0) throw bad('lossless');
  } else if (rf !== undefined) {
    if (typeof rf !== 'object' || rf === null || !REFINEMENT_CODINGS.includes(rf.coding as Refinement['coding']) || !isInt(rf.maxError, 0, 65535) || !isCheck(rf.sha256) ||
      typeof rf.backend !== 'string' || blobs.residual === 0 || (lat !== undefined && lat.coding !== 'ac1')) throw bad('refinement');
  } else if (blobs.residual !== 0) {
    throw bad('residual without refinement');
  }
  const imp = raw.impulses as Record<string, unknown> | undefined;
  if (imp !== undefined) {
    const top = maxValue(bitDepth);
    const isValues = (v: unknown) => isRange(v) && isInt(v[0], 0, top) && isInt(v[1], 0, top);
    if (typeof imp !== 'object' || imp === null || lat === undefined || rf !== undefined || ll !== undefined ||
      !Array.isArray(imp.values) || imp.values.length !== colour || !imp.values.every(isValues) ||
      !isInt(blobs.impulses, 5, 64 * 1024 + colour * width * height)) throw bad('impulses');
  } else if (blobs.impulses !== undefined) {
    throw bad('impulse map without impulses');
  }
  if (raw.greyAsColour !== undefined && (raw.greyAsColour !== true || colour !== 1)) throw bad('grey as colour');
  const shown = (raw.fidelity as Record<string, unknown> | undefined)?.shown;
  if (shown !== undefined && !(typeof shown === 'number' && shown >= 0 && shown <= 255)) throw bad('shown colour difference');
  if (raw.steps !== undefined && (!Array.isArray(raw.steps) || raw.steps.length !== colour || !raw.steps.every((g) => isInt(g, 1, 65535)) ||
    lat !== undefined || rf === undefined || rf.coding !== 'wp2' ||
    !raw.steps.every((g, c) => Number.isInteger(((raw.planes as [number, number][])[c]![1] - (raw.planes as [number, number][])[c]![0]) / g)))) {
    throw bad('sample steps');
  }
  if (raw.valueOffset !== undefined && (raw.valueOffset !== SIGNED_OFFSET || bitDepth !== 16 || colour !== 1 ||
    raw.greyAsColour !== undefined || (raw.metadata as Record<string, unknown> | undefined)?.dicom !== undefined)) throw bad('value offset');
  if (raw.ctIntercept !== undefined && (!isInt(raw.ctIntercept, -MAX_CT_INTERCEPT, MAX_CT_INTERCEPT) || bitDepth !== 16 || channels !== 1 ||
    raw.greyAsColour !== undefined || (raw.metadata as Record<string, unknown> | undefined)?.dicom !== undefined)) throw bad('CT intercept');
  if ((rf?.coding === 'dicom') !== (raw.codestream !== undefined)) throw bad('kept frame');
  if (raw.codestream !== undefined) {
    if (!validLayout(raw.codestream, channels, bitDepth) || lat !== undefined || rf!.maxError !== 0 || rf!.backend !== 'none' ||
      blobs.alpha !== 0 || raw.greyAsColour !== undefined) throw bad('kept frame');
  }
  return raw as unknown as ImageRecord;
}

/** A kept frame's layout: a syntax aeimg decodes, and samples that give an image of the record's channels and depth. */
function validLayout(v: unknown, channels: number, bitDepth: number): v is FrameLayout {
  if (typeof v !== 'object' || v === null) return false;
  const l = v as Record<string, unknown>;
  const grey = l.photometric === 'MONOCHROME1' || l.photometric === 'MONOCHROME2';
  const palette = l.photometric === 'PALETTE COLOR';
  const colour = typeof l.photometric === 'string' && ['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT'].includes(l.photometric);
  const sampling = grey ? l.samplesPerPixel === 1 && channels === 1 && bitDepth === (l.bitsAllocated === 16 || l.signed ? 16 : 8)
    : palette ? l.samplesPerPixel === 1 && channels === 3 && bitDepth === 8 && validPalette(l.palette)
      : colour && l.samplesPerPixel === 3 && channels === 3 && bitDepth === l.bitsAllocated;
  return typeof l.syntax === 'string' && KEEPABLE_SYNTAXES.has(l.syntax) && (l.bitsAllocated === 8 || l.bitsAllocated === 16) &&
    isInt(l.bitsStored, 1, l.bitsAllocated) && typeof l.signed === 'boolean' && isInt(l.planarConfiguration, 0, 1) &&
    sampling && (palette || l.palette === undefined) && (l.reading === undefined || l.reading === 15);
}

/** Red, green and blue tables of 1..65536 entries of 0..255, each with the stored value its first entry maps. */
export function validPalette(v: unknown): boolean {
  return Array.isArray(v) && v.length === 3 && v.every((t: { first?: unknown; table?: unknown }) =>
    isInt(t?.first, -32768, 65535) && Array.isArray(t.table) && t.table.length >= 1 && t.table.length <= 65536 &&
    t.table.every((x) => isInt(x, 0, 255)));
}
