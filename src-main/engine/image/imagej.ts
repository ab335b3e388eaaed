/**
 * What an ImageJ (or Fiji) TIFF says of its values: its calibration, in the ImageDescription ImageJ writes
 * ("ImageJ=1.53t\ncf=0\nc0=-33792.0\nc1=1.0\nvunit=Gray Value\n…"), and the modality of the DICOM file it was opened
 * from, in the DICOM header ImageJ keeps as the image's Info ("0008,0060  Modality: CT", in its IJMetadata tag).
 * ImageJ opens a CT's DICOM file as its stored values with the rescale as a straight-line calibration; saved as TIFF,
 * a signed image goes up by 32,768 (ImageJ's 16-bit images are unsigned), its calibration c0 = intercept − 32,768.
 * So such a TIFF says its own values and HU, as its DICOM file did (jobs/read-input.ts, jobs/declared-ct.ts ownCtIntercept).
 */

import type { DisplayWindow } from '../../../src-shared/windows.js';
import type { DicomJson } from '../dicom/dataset.js';
import { fileWindows } from '../dicom/display.js';
import { tiffReader, type TiffEntry as Entry, type TiffReader } from './tiff-tags.js';

/** ImageJ's calibration function "straight line": value = c0 + c1 × sample (ij/measure/Calibration.java). */
const STRAIGHT_LINE = 0;
const DESCRIPTION = 270, META_DATA_BYTE_COUNTS = 50838, META_DATA = 50839;
/** "IJIJ" and "info", written as 32-bit numbers in the file's byte order (ij/io/TiffEncoder.java). */
const MAGIC = 0x494a494a, INFO = 0x696e666f;

export interface ImagejCalibration {
  /** value = intercept + slope × sample, in `unit` ("Gray Value" where ImageJ was not told one). */
  intercept: number;
  slope: number;
  /** It has no calibration (the identity): its DICOM file's, if any, was taken off, so it says no HU. */
  uncalibrated?: true;
  /**
   * Its spatial calibration in mm per pixel between rows and between columns (ImageJ's pixel height and width, as a
   * DICOM file's Pixel Spacing gives them: ImageJ takes them from it), where ImageJ's unit is a length.
   */
  pixelSpacing?: { row: number; column: number };
  unit?: string;
  /** The Modality (0008,0060) of the DICOM file ImageJ opened it from, where its Info keeps that header. */
  modality?: string;
  /**
   * That DICOM file's VOI windows (0028,1050 / 1051, with their explanations and VOI LUT Function), as its Info keeps
   * them, in its real-world values (HU for a CT), named as a DICOM file's are ("file window 1"); none where it had none.
   */
  windows?: DisplayWindow[];
  /**
   * The display range ImageJ showed it in when it was saved (its description's `min` and `max`: the window its DICOM
   * file opened in, or one its user set), in its real-world values; none for a multichannel image (that range is one
   * channel's) or one that is not a range.
   */
  displayRange?: { low: number; high: number };
}

/**
 * The straight-line calibration of an ImageJ TIFF (its first image's; none written, the identity: ImageJ writes `cf`
 * only for a function), and its DICOM file's modality and windows; undefined for other files and other functions.
 */
export function imagejCalibration(data: Uint8Array): ImagejCalibration | undefined {
  const tiff = tiffReader(data);
  const entries = tiff && tiff.firstEntries();
  const description = entries?.get(DESCRIPTION);
  if (!tiff || !entries || !description) return undefined;
  const text = new TextDecoder('latin1').decode(tiff.bytesOf(description) ?? new Uint8Array());
  if (!text.startsWith('ImageJ=')) return undefined;
  const field = new Map(text.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).replace(/\0+$/, '')]));
  const [c0, c1] = field.has('cf') ? [Number(field.get('c0')), Number(field.get('c1'))] : [0, 1];
  if (field.has('cf') && (Number(field.get('cf')) !== STRAIGHT_LINE || !field.has('c0') || !field.has('c1'))) return undefined;
  if (!Number.isFinite(c0) || !Number.isFinite(c1) || c1 === 0) return undefined;
  const info = dicomInfo(tiff, entries);
  const modality = info && /^0008,0060 +Modality: *([A-Z0-9_ ]*?) *$/m.exec(info)?.[1];
  // Its windows are in its DICOM file's rescaled values: kept where its values, as imagejValues gives them, are those.
  const values = imagejValues({ intercept: c0, slope: c1 });
  const rescale = (tag: string, none: number) => Number(infoValue(info ?? '', tag) ?? none);
  const windows = info && values && rescale('0028,1052', 0) === values.intercept && rescale('0028,1053', 1) === 1 ? infoWindows(info) : [];
  const pixelSpacing = spacingOf(tiff, entries, field.get('unit'));
  const displayRange = displayRangeOf(field, c0, c1);
  return {
    intercept: c0, slope: c1, ...(field.has('cf') ? {} : { uncalibrated: true as const }), ...(field.get('vunit') ? { unit: field.get('vunit') } : {}),
    ...(modality ? { modality } : {}),
    ...(windows.length ? { windows } : {}),
    ...(pixelSpacing ? { pixelSpacing } : {}),
    ...(displayRange ? { displayRange } : {}),
  };
}

/**
 * ImageJ's display range in real-world values: its description's `min` and `max` are samples (ImageJ writes its
 * processor's, for every 16-bit image and an 8-bit one shown other than 0..255), through its calibration.
 */
function displayRangeOf(field: Map<string, string>, c0: number, c1: number): ImagejCalibration['displayRange'] {
  if (Number(field.get('channels') ?? 1) > 1 || !field.has('min') || !field.has('max')) return undefined;
  const [low, high] = [Number(field.get('min')), Number(field.get('max'))].map((sample) => c0 + c1 * sample).sort((a, b) => a - b) as [number, number];
  return Number.isFinite(low) && Number.isFinite(high) && high > low ? { low, high } : undefined;
}

const X_RESOLUTION = 282, Y_RESOLUTION = 283;
/** mm in one of ImageJ's length units (ij/measure/Calibration.java names them so; "pixel" and others are not lengths). */
// Not "inch": ImageJ calibrates in inches from another TIFF's print resolution (a 300 dpi export: 0.0847 mm), which says
// nothing of the body; a DICOM file's Pixel Spacing it takes in mm (0.40; 0.39 took inches too).
const MM_PER_UNIT: Record<string, number> = { mm: 1, cm: 10, m: 1000, micron: 1e-3, 'µm': 1e-3, um: 1e-3, nm: 1e-6 };

/**
 * mm per pixel as ImageJ calibrated it: its resolution tags hold pixels per its `unit` (its description's), so the
 * spacing is their inverse in that unit; 6 significant digits, what ImageJ's rationals (a millionth) hold of a
 * DICOM file's Pixel Spacing. Undefined without a length unit, or where the result is no size a pixel has.
 */
function spacingOf(tiff: TiffReader, entries: Map<number, Entry>, unit: string | undefined): ImagejCalibration['pixelSpacing'] {
  const mm = unit === undefined ? undefined : MM_PER_UNIT[unit];
  const x = tiff.rational(entries.get(X_RESOLUTION));
  const y = tiff.rational(entries.get(Y_RESOLUTION)) ?? x;
  if (!mm || !x || !y) return undefined;
  const [column, row] = [x, y].map((perUnit) => Number((mm / perUnit).toPrecision(6))) as [number, number];
  return [row, column].every((v) => v >= 1e-6 && v <= 1e4) ? { row, column } : undefined;
}

/** The VOI attributes of a DICOM header as ImageJ's Info keeps it ("0028,1050  Window Center: 40\\400"). */
const VOI_TAGS = ['0028,1050', '0028,1051', '0028,1055', '0028,1056'];

/** An attribute's value in the DICOM header an ImageJ Info keeps ("0028,1052  Rescale Intercept: -1024"), as written. */
function infoValue(info: string, tag: string): string | undefined {
  return new RegExp(`^${tag} +[^:\n]*: *(.*?) *$`, 'm').exec(info)?.[1] || undefined;
}

/** The windows of the DICOM header in an ImageJ Info, read as a DICOM file's are (dicom/display.ts fileWindows). */
function infoWindows(info: string): DisplayWindow[] {
  const ds: DicomJson = {};
  for (const tag of VOI_TAGS) {
    const value = infoValue(info, tag);
    if (value) ds[tag.replace(',', '')] = { vr: tag === '0028,1055' ? 'LO' : tag === '0028,1056' ? 'CS' : 'DS', Value: value.split('\\').map((v) => v.trim()) };
  }
  return fileWindows(ds);
}

/**
 * The DICOM header ImageJ keeps as Info, as text: its IJMetadata starts with a header ("IJIJ", then a type and
 * a count per kind of entry), its byte counts say where each entry ends, and Info, the first kind, is UTF-16 text.
 */
function dicomInfo(tiff: TiffReader, entries: Map<number, Entry>): string | undefined {
  const countsEntry = entries.get(META_DATA_BYTE_COUNTS), metaEntry = entries.get(META_DATA);
  if (!countsEntry || !metaEntry || countsEntry.type !== 4 || countsEntry.count < 2) return undefined;
  const meta = tiff.bytesOf(metaEntry);
  if (!meta || meta.length < 12) return undefined;
  const view = new DataView(meta.buffer, meta.byteOffset, meta.byteLength);
  if (view.getUint32(0, tiff.little) !== MAGIC || view.getUint32(4, tiff.little) !== INFO) return undefined;
  let header: number, infoBytes: number;
  try {
    header = tiff.u32(countsEntry.at);
    infoBytes = tiff.u32(countsEntry.at + 4);
  } catch {
    return undefined; // its byte counts lie beyond the file
  }
  if (header < 12 || header + infoBytes > meta.length || infoBytes % 2) return undefined;
  return new TextDecoder(tiff.little ? 'utf-16le' : 'utf-16be').decode(meta.subarray(header, header + infoBytes));
}

/** What ImageJ moves a signed 16-bit image's values up by, as its 16-bit images are unsigned (its calibration's c0 with them). */
const SIGNED_SHIFT = 32768;

/**
 * How an ImageJ TIFF's samples give the values of the image ImageJ opened: less `offset` (32,768 where the calibration
 * is ImageJ's for a signed image: slope 1, c0 within 16,384 of −32,768), and the real-world values those + `intercept`
 * (its DICOM file's Rescale Intercept). Undefined for a calibration that is not a whole intercept of slope 1.
 */
export function imagejValues(calibration: ImagejCalibration): { offset: number; intercept: number } | undefined {
  const { intercept, slope } = calibration;
  if (slope !== 1 || !Number.isInteger(intercept)) return undefined;
  const offset = Math.abs(intercept + SIGNED_SHIFT) <= SIGNED_SHIFT / 2 ? SIGNED_SHIFT : 0;
  return { offset, intercept: intercept + offset };
}

/**
 * The intercept by which an ImageJ TIFF's values (its samples less imagejValues' offset) give HU, where the file says it
 * is a CT (its DICOM file's Modality, or a unit ImageJ was told is HU) and is calibrated as ImageJ calibrates one
 * (imagejValues), within the range a record's ctIntercept may say; undefined otherwise, and for one whose calibration
 * was taken off (its values then may be stored values or HU: nothing says which).
 */
export function imagejCtIntercept(calibration: ImagejCalibration | undefined, maxIntercept: number): number | undefined {
  if (!calibration || calibration.uncalibrated || (calibration.modality !== 'CT' && calibration.unit !== 'HU')) return undefined;
  const values = imagejValues(calibration);
  return values && Math.abs(values.intercept) <= maxIntercept ? values.intercept : undefined;
}

/** What a reader calls the window an ImageJ TIFF was shown in when saved (and a DICOM file made of it explains it as). */
export const IMAGEJ_DISPLAY_RANGE = 'ImageJ display range';

/**
 * The windows of an ImageJ TIFF that goes with `ctIntercept` (undefined: without one): first the display range it was
 * saved in, where that leaves out some of this image's values (`values`, its least and greatest real-world value; a
 * range that holds them all is ImageJ's default, no window anyone chose), then its DICOM file's windows (one equal to
 * that range within half a value is that range). They are in its real-world values, which its reader's values are where
 * it goes with its calibration's own intercept (a CT's HU), or where that is 0 (an MR's values, its rescale the
 * identity); none otherwise (one declared a CT it is not).
 */
export function imagejWindows(calibration: ImagejCalibration | undefined, ctIntercept: number | undefined, values?: [number, number]): DisplayWindow[] {
  const own = calibration && imagejValues(calibration);
  if (!own || (ctIntercept ?? 0) !== own.intercept) return [];
  const windows = calibration!.windows ?? [];
  const range = calibration!.displayRange;
  if (!range || !values || (range.low <= values[0] && range.high >= values[1])) return windows;
  const same = windows.find((w) => Math.abs(w.center - w.width / 2 - range.low) <= 0.5 && Math.abs(w.center + w.width / 2 - range.high) <= 0.5);
  const shown: DisplayWindow = same ?? {
    name: IMAGEJ_DISPLAY_RANGE, center: (range.low + range.high) / 2, width: range.high - range.low, source: 'file', explanation: IMAGEJ_DISPLAY_RANGE,
  };
  return [shown, ...windows.filter((w) => w !== same)];
}
