/**
 * The encrypt journey for one file: read → encoder → quantize + entropy code (key-free, may run in a worker)
 * → .aeimg written by the calling thread (temp file, then rename). Keys never leave the calling thread.
 */
import { stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { encodeImage } from '../codec/image-codec.js';
import { keepFrame, type FrameData } from '../codec/kept-frame.js';
import { syntaxTitle } from '../dicom/codecs.js';
import type { PresentationStateFile } from '../dicom/presentation-state.js';
import type { KeyObjectFile } from '../dicom/key-objects.js';
import type { CarriedDocument } from '../dicom/documents.js';
import { dicomMetaOf, type DicomImage } from '../dicom/import.js';
import type { DeidentifyOptions } from '../dicom/deidentify.js';
import { imageChannels, validateImageRecord, type ImageRecord } from '../codec/record.js';
import { AeimgWriter } from '../container/aeimg-file.js';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import type { Image } from '../image/image.js';
import { DEFAULT_MAX_PIXELS } from '../image/io.js';
import { throughIccProfile } from '../image/icc-png.js';
import { maxValue } from '../image/image.js';
import { errorFigures } from '../metrics/fidelity.js';
import { senderWindowFor, senderWindowMetadata, withSenderWindow, type SenderWindow, type WithoutWindow } from './sender-window.js';
import { roundShown, worstFidelity, type Fidelity, type ReaderUnits } from '../../../src-shared/fidelity.js';
import { DEFAULT_QUALITY, isNetworkOnly, resolveCoding, type Coding, type CodingChoice } from '../../../src-shared/quality.js';
import type { DisplayModel } from '../../../src-shared/windows.js';
import type { Recipient } from '../keys/recipients.js';
import { readInput } from './read-input.js';
import { loadedModel, type Autoencoder, type ModelRef, type TileExecutor } from '../model/autoencoder.js';
import { aeimgNamedRefusal, AEIMG_EXT, AEIMG_INPUT, checkOutput, outputPathFor, sendingName } from './files.js';
import { APP_ID } from './version.js';
import { DEFAULT_MAX_PART_BYTES } from '../defaults.js';
import { abortable, checkAborted } from './abort.js';
import { iccProfileFor, readerUnits } from './view.js';
import { ctOfDicomWarning, inputWarnings, mailSizeWarning, maskedNameWarning, ownCtWarning, unitlessWarning } from './sender-warnings.js';
import { implausibleCtOf, isUnitless, ownCtIntercept, type Unitless } from './declared-ct.js';
import { inputDisplay } from './input-display.js';

/** What a worker needs to encode one file: no key, only the file and the coding choices. */
export interface EncodeTask {
  input: string;
  /** The user's choice, resolved for each image once it is read (`auto` depends on DICOM and bit depth). */
  coding: CodingChoice;
  measure: boolean;
  maxPixels: number;
  /** DICOM inputs: the Annex E options, or null to carry the full plain header (still inside the encryption). */
  deidentify?: DeidentifyOptions | null;
  /** Hex salt shared by a job's files, so replacement UIDs stay consistent across a study. */
  uidSalt?: string;
  /** EncryptFileOptions.display. */
  display?: DisplayModel;
  /** EncryptFileOptions.ctIntercept. */
  ctIntercept?: number;
  /** A study's presentation states that reference this file (dicom/import.ts DicomImportOptions), full header only. */
  presentationStates?: PresentationStateFile[];
  /** A study's key object selections that flag this file, likewise. */
  keyObjects?: KeyObjectFile[];
  /** The study's reports that travel in this file's record (its first frame's), with the full header only (dicom/documents.ts). */
  documents?: CarriedDocument[];
  /** EncryptFileOptions.senderWindow. */
  senderWindow?: SenderWindow;
}

/** One image of a file (a DICOM file may hold many frames). */
export interface EncodedEntry {
  record: ImageRecord;
  blobs: Buffer[];
  decoded?: Image;
  coding: Coding;
}

export interface EncodedFile {
  images: EncodedEntry[];
  rawBytes: number;
  timings: Record<string, number>;
  warnings: string[];
  /** The file's name without what identified its patient (dicom/file-name.ts), when it held any: the records' name. */
  maskedName?: string;
  /**
   * Some image is a 16-bit grey image file without units (no DICOM header, not declared a CT) that is not sent bit-exact:
   * its figures are of a percentile window, where a CT's error of tens of HU hardly shows. Carried apart from `warnings`
   * (fileWarnings words it, once a file, for encryption; the app's preview says it in its own line, from this).
   * 'signed': its values go below 0, as a CT's HU do (a signed TIFF).
   */
  unitless?: Unitless;
}

/** What encryption tells the sender of file `input` that `encoded` came from: its warnings, and that it has no units. */
export function fileWarnings(input: string, encoded: Pick<EncodedFile, 'warnings' | 'unitless'>): string[] {
  return [...encoded.warnings, ...(encoded.unitless ? [unitlessWarning(input, encoded.unitless)] : [])];
}

const keptCoding = (frame: FrameData): Coding => ({ quality: 'lossless', maxError: 0, kept: frame.label ?? syntaxTitle(frame.layout.syntax) });
const bytesOf = (e: { blobs: Buffer[] }) => e.blobs.reduce((n, b) => n + b.length, 0);

/**
 * A multi-frame file's frames go alike where that costs little (0.16): when some went as the file held them and others
 * were coded by aeimg because that was smaller (a black frame of a JPEG cine), the others go as the file held them too
 * if that adds at most a tenth to the file's images. The receiver's DICOM file then holds every frame as the sender's
 * file did (one transfer syntax for the file); frames that went differently are written back as samples, a cine of
 * JPEG frames ten times its size.
 */
async function keepAlike(images: EncodedEntry[], unkept: { index: number; keep: () => Promise<EncodedEntry | undefined> }[]): Promise<void> {
  if (unkept.length === 0 || !images.some((e) => e.coding.kept)) return;
  const before = images.reduce((n, e) => n + bytesOf(e), 0);
  const alike: (EncodedEntry | undefined)[] = [];
  for (const u of unkept) alike.push(await u.keep());
  const extra = unkept.reduce((n, u, k) => n + (alike[k] ? bytesOf(alike[k]!) - bytesOf(images[u.index]!) : 0), 0);
  if (extra > before / 10) return;
  unkept.forEach((u, k) => {
    if (!alike[k]) return;
    readableByReceiver(alike[k]!.record); // as every entry is, in encodeImageFile's loop
    images[u.index] = alike[k]!;
  });
}

/** Encodes one file with a model (key-free: runs in a worker or in-process; in-process, `signal` stops it between images). */
export async function encodeImageFile(model: Autoencoder, task: EncodeTask, tiles?: TileExecutor, signal?: AbortSignal): Promise<EncodedFile> {
  const t = performance.now();
  const inputs = await readInput(task);
  const timings: Record<string, number> = { read: performance.now() - t };
  const images: EncodedEntry[] = [];
  const warnings: string[] = [];
  /** Frames that could go as their file held them and did not, as aeimg's coding was smaller (keepAlike). */
  const unkept: { index: number; keep: () => Promise<EncodedEntry | undefined> }[] = [];
  let rawBytes = 0;
  /** Some image is a 16-bit grey image file without units, not sent bit-exact: its figures are of a percentile window. */
  let unitless: Unitless | undefined;
  /** Why images of the file go without the sender's window, and the units of those whose values are not in its. */
  const withoutWindow = new Map<WithoutWindow, string>();
  for (const input of inputs) {
    const { image, name, metadata, frame, valueOffset, inverted } = input;
    checkAborted(signal);
    const dicom = metadata?.dicom as DicomImage['dicom'] | undefined;
    const coding = resolveCoding(task.coding, { bitDepth: image.bitDepth, dicom: dicom !== undefined });
    // A CT its sender declared (an image file: a DICOM file's own rescale gives its HU, as an ImageJ TIFF's calibration
    // does), refused where it cannot be one; an ImageJ TIFF's own windows go with it, as a DICOM file's do.
    const { display: itsOwn, ctIntercept: ct, own, windows } = inputDisplay(input, task.ctIntercept);
    const base = (!dicom && task.display) || itsOwn;
    const { window: sender, without } = senderWindowFor(image, base, task.senderWindow);
    if (without) withoutWindow.set(without, base.units);
    const display = withSenderWindow(base, sender);
    const encoded = await encodeImage(model, image, name, {
      bits: coding.bits, maxError: coding.maxError, measure: task.measure, display, tiles, metadata, ...(task.coding.recode ? { steps: false } : {}),
    });
    if (valueOffset) encoded.record.valueOffset = valueOffset; // its reader's values are the samples − this
    if (ct !== undefined) encoded.record.ctIntercept = ct; // and its HU those values + this
    // What the file said of itself, which its reader is told (codec/record.ts ctCalibrationOf, fileWindowsOf).
    const said = {
      ...(own !== undefined ? { ctCalibration: 'imagej' } : {}), ...(windows.length && !task.display ? { windows } : {}),
      ...(inverted ? { monochrome1: true } : {}), // an image file's only (readInput)
      ...(sender ? { senderWindow: senderWindowMetadata(sender) } : {}),
    };
    if (Object.keys(said).length) encoded.record.metadata = { ...encoded.record.metadata, ...said };
    if (!dicom && !task.display && isUnitless(input, ct, coding.maxError)) unitless = valueOffset || unitless === 'signed' ? 'signed' : 'unsigned';
    for (const [k, v] of Object.entries(encoded.timings)) timings[k] = (timings[k] ?? 0) + v;
    // A compressed DICOM frame (or a JPEG file) smaller than that coding goes as its file held it: bit-exact, whatever
    // the level (codec/kept-frame.ts), unless the sender asked for aeimg's coding (--recode).
    const t = performance.now();
    const keep = frame && !task.coding.recode
      ? async (codedBytes: number): Promise<EncodedEntry | undefined> => {
        const kept = await keepFrame(image, name, frame, codedBytes, { measure: task.measure, display, metadata });
        return kept && { ...kept, coding: keptCoding(frame) };
      }
      : undefined;
    const kept = await keep?.(bytesOf(encoded));
    if (frame) timings.keptFrame = (timings.keptFrame ?? 0) + performance.now() - t;
    images.push(kept ?? { record: encoded.record, blobs: encoded.blobs, decoded: encoded.decoded, coding });
    if (keep && !kept) unkept.push({ index: images.length - 1, keep: () => keep(Infinity) });
    readableByReceiver(images.at(-1)!.record);
    rawBytes += image.pixels.byteLength;
  }
  await keepAlike(images, unkept);
  warnings.push(...inputWarnings(task.input, inputs));
  if (withoutWindow.has('colour')) {
    warnings.push(`${basename(task.input)}: ${inputs.length > 1 ? 'its colour images go' : 'it is a colour image, and goes'} without the window given ` +
      '(a window greys a grey image\'s values; a colour image shows as it is): its figures are of its full range.');
  }
  if (withoutWindow.has('units') && task.senderWindow) {
    const { center, width, units } = task.senderWindow;
    const theirs = withoutWindow.get('units') ? `in ${withoutWindow.get('units')}` : 'without units';
    warnings.push(`${basename(task.input)}: goes without the window given (${center}/${width} ${units}, for the run's images in ${units}): its values are ` +
      `${theirs}, not ${units}, and the reader's viewer would show them wrongly in it. Its figures are of its own windows; to send it in a window, ` +
      'encrypt it in a run of its own with --window in its values.');
  }
  if (task.ctIntercept !== undefined) {
    // A DICOM file's own rescale gives its HU, as an ImageJ TIFF's calibration does (said where the declaration differs);
    // an image file's declaration that puts it far from air is said, once.
    const own = inputs[0] && ownCtIntercept(inputs[0]);
    const said = inputs.some((i) => i.metadata?.dicom) ? ctOfDicomWarning(task.input)
      : own !== undefined ? (own !== task.ctIntercept ? ownCtWarning(task.input, own, task.ctIntercept) : undefined)
      : implausibleCtOf(task.input, inputs, task.ctIntercept);
    if (said) warnings.push(said);
  }
  const shown = await shownColourChange(inputs.map((i) => i.image), images);
  if (shown) {
    warnings.push(`${basename(task.input)}: its colours show through its ICC profile (0028,2000), and so the reader's viewer shows them, where ` +
      `what is sent differs from the original by up to ${shown.shown} levels of 255, though its values differ by at most ${shown.values} ` +
      `(a profile moves some colours steeply, near the edge of what the screen shows). ` +
      'Its figures (within ±N, SSIM) are of the values; the reader\'s viewer says this beside them. If every colour must show within them, send it lossless.');
  }
  const maskedName = inputs[0]?.masked ? inputs[0].name.replace(/#\d+$/, '') : undefined;
  return { images, rawBytes, timings, warnings, ...(maskedName ? { maskedName } : {}), ...(unitless ? { unitless } : {}) };
}

/**
 * How far what is sent differs from the original as the viewer shows a colour image, through its ICC profile
 * (view.ts shownImage), against how far its values differ: the largest of each over the file's images, in levels of
 * 255; undefined where no image has a profile, or every such image went bit-exact or shows within a level of its values'
 * bound. Each image's own figure, where it is beyond that, goes into its record's fidelity (`shown`), so that the
 * reader's viewer says it beside the figures of the values, as the sender is told (aeimg 0.34).
 */
async function shownColourChange(originals: Image[], images: EncodedEntry[]): Promise<{ shown: number; values: number } | undefined> {
  let shown = 0, values = 0;
  for (const [i, original] of originals.entries()) {
    const { record, decoded } = images[i]!;
    const icc = decoded && iccProfileFor(record, original);
    if (!icc) continue;
    const scale = 255 / maxValue(original.bitDepth);
    const v = errorFigures(original, decoded!).maxAbs * scale;
    if (v === 0) continue;
    const s = errorFigures(await throughIccProfile(original, icc), await throughIccProfile(decoded!, icc)).maxAbs * scale;
    // Each image through the profile is rounded to its levels, so one level more is rounding (an sRGB profile's), not said.
    if (s > v + 1 && record.fidelity) record.fidelity.shown = roundShown(s);
    values = Math.max(values, v);
    shown = Math.max(shown, s);
  }
  return shown > values + 1 ? { shown: roundShown(shown), values: roundShown(values) } : undefined;
}

export interface EncryptFileOptions {
  /** The model the header names; loaded, unless `encode` runs the network elsewhere (then a reference will do). */
  model: Autoencoder | ModelRef;
  recipients: Recipient[];
  outDir?: string;
  /** The .aeimg to write (default: the input's name with .aeimg, in `outDir` or beside it); a batch names each. */
  output?: string;
  force?: boolean;
  /** Quality level (and latent bits override); the default level when absent. */
  coding?: CodingChoice;
  /** Measure what the receiver will see (one extra decoder pass); on by default. */
  measure?: boolean;
  maxPixels?: number;
  /** STREAM chunk size in bytes (default 64 KiB). */
  chunkSize?: number;
  /** Where the key-free encoding runs (a worker pool); in-process by default. */
  encode?: (task: EncodeTask) => Promise<EncodedFile>;
  /** When encoding in-process, where the network's tiles run (big images on every core). */
  tiles?: TileExecutor;
  /** DICOM de-identification (default: the basic profile); null keeps the full header inside the encryption. */
  deidentify?: DeidentifyOptions | null;
  uidSalt?: string;
  /**
   * An image file that is not DICOM: the display model its DICOM would give (rescale to HU or other units, windows),
   * so a 16-bit CT slice is companded and measured in HU. Ignored for DICOM inputs, which carry their own.
   */
  display?: DisplayModel;
  /**
   * The sender says the image files are CT whose HU are their values + this (aeimg 0.36; `--ct-intercept`, the app's
   * "16-bit image files are CT"): carried in each record (ImageRecord.ctIntercept), so that the figures, the coding's
   * emphasis and the reader's viewer are in HU and the CT windows. An 8-bit or colour image file is refused; a DICOM
   * file keeps its own rescale (the sender is told).
   */
  ctIntercept?: number;
  /**
   * The window its sender chose to send it in (aeimg 0.43; `--window`, the app's preview), in its real-world values (HU
   * for CT): measured with the reader windows, carried in each grey image's record, and the window its reader's viewer
   * opens in (jobs/sender-window.ts). A colour image goes without it, and so does one whose values are not in its
   * `units` where it has them (the sender is told).
   */
  senderWindow?: SenderWindow;
  /**
   * Asked before a reduced-quality file is written (a window below SSIM 0.98 that shows some pixel more than one grey
   * level off, or unmeasured without a per-pixel guarantee); false leaves nothing written and fails the file with
   * ErrorCode.Declined. Absent: written, reported.
   */
  confirm?: (facts: ReducedQuality) => Promise<boolean>;
  /** Cancels the file: checked between reading, encoding and writing; a cancelled file leaves nothing behind. */
  signal?: AbortSignal;
  /**
   * The largest .aeimg an e-mail takes (default DEFAULT_MAX_PART_BYTES, Gmail's); a larger one is written and the
   * sender warned, with how to send it in parts (`mailSizeWarning`).
   */
  mailBytes?: number;
}

/** What the sender is shown before a reduced-quality file is written. */
export interface ReducedQuality {
  input: string;
  fidelity?: Fidelity;
  coding: Coding;
  /** How its values are named for a reader (units; PET's SUVbw factor), as the receiver's words name them. */
  units: ReaderUnits;
}

export interface EncryptResult {
  input: string;
  output: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  inputBytes: number;
  rawBytes: number;
  outputBytes: number;
  /** The worst image's fidelity (over the frames of a multi-frame file). */
  fidelity?: Fidelity;
  /** How the images were coded (the level `auto` resolved to). */
  coding: Coding;
  /** ReducedQuality.units. */
  units: ReaderUnits;
  /** Below the reduced-quality line in some reader's window, or without guarantee and unmeasured. */
  reduced: boolean;
  /** Images in the file (frames of a multi-frame DICOM). */
  images: number;
  /**
   * Each image's size ("512x512x3 8-bit"), where they are not all the first's (a TIFF's pages: a pyramid's smaller
   * copies, a thumbnail), so that the sender is not told "3 frames of" the first's size (0.30).
   */
  shapes?: string[];
  /** Milliseconds per stage. */
  timings: Record<string, number>;
  decoded?: Image;
  warnings: string[];
}

export async function encryptImageFile(input: string, opts: EncryptFileOptions): Promise<EncryptResult> {
  const uidSalt = opts.uidSalt ?? randomBytes(32).toString('hex');
  const deidentify = opts.deidentify === undefined ? {} : opts.deidentify;
  const output = opts.output ?? outputPathFor(input, AEIMG_EXT, opts.outDir, '', await sendingName(input, deidentify, uidSalt));
  const { signal } = opts;
  try {
    checkAborted(signal);
    if (AEIMG_INPUT.test(input)) throw await aeimgNamedRefusal(input);
    checkOutput(output, [input], opts.force ?? false);
    const task: EncodeTask = {
      input, coding: opts.coding ?? { quality: DEFAULT_QUALITY }, measure: opts.measure ?? true,
      maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, deidentify, uidSalt,
      ...(opts.display ? { display: opts.display } : {}), ctIntercept: opts.ctIntercept,
      ...(opts.senderWindow ? { senderWindow: opts.senderWindow } : {}),
    };
    const encoded = await abortable(opts.encode ? opts.encode(task) : encodeImageFile(loadedModel(opts.model), task, opts.tiles, signal), signal);
    const worst = worstFidelity(encoded.images.map((e) => e.record.fidelity));
    // A multi-frame file whose frames went some kept, some coded: the level that was coded names the file's figures.
    const coding = encoded.images.find((e) => !e.coding.kept)?.coding ?? encoded.images[0]!.coding;
    const reduced = encoded.images.some(isReduced);
    const units = readerUnits(encoded.images[0]!.record);
    if (reduced && opts.confirm && !(await opts.confirm({ input, fidelity: worst, coding, units }))) {
      throw new AeimgError(ErrorCode.Declined, 'not written: its reduced quality was declined.');
    }
    checkAborted(signal);
    const t = performance.now();
    const writer = await AeimgWriter.create(output, {
      recipients: opts.recipients, model: encoded.images.some((e) => e.record.latent) ? opts.model.id : null,
      force: opts.force, chunkSize: opts.chunkSize,
    });
    try {
      await writer.add({ kind: 'file', app: APP_ID, created: new Date().toISOString() });
      for (const entry of encoded.images) {
        checkAborted(signal);
        await writer.add(entry.record, entry.blobs);
      }
      checkAborted(signal);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    await writer.commit();
    const record = encoded.images[0]!.record;
    const outputBytes = (await stat(output)).size;
    const mailBytes = opts.mailBytes ?? DEFAULT_MAX_PART_BYTES;
    return {
      input, output,
      width: record.width, height: record.height, channels: imageChannels(record), bitDepth: record.bitDepth,
      inputBytes: (await stat(input)).size,
      rawBytes: encoded.rawBytes,
      outputBytes,
      fidelity: worst, coding, units, reduced,
      images: encoded.images.length,
      ...shapesOf(encoded.images),
      timings: { ...encoded.timings, encryptWrite: performance.now() - t },
      decoded: encoded.images[0]!.decoded,
      warnings: [
        ...fileWarnings(input, encoded), ...(encoded.maskedName ? [maskedNameWarning(input, output, encoded.maskedName)] : []),
        ...(outputBytes > mailBytes ? [mailSizeWarning(output, outputBytes, mailBytes, encoded.images.length)] : []),
      ],
    };
  } catch (err) {
    throw inFile(input, err);
  }
}

/** What a DICOM record's reader uses, in words, as the receiver's check would leave it out (dicom/import.ts dicomMetaOf). */
const CARRIED_PIXEL_FIELDS = {
  pixelSpacing: 'its pixel spacing', window: 'its window', modalityLut: 'its Modality LUT', voiLut: 'its VOI LUT', otherVoiLuts: 'its other VOI LUTs',
  usRegions: 'its ultrasound calibration', planePosition: 'its position', planeOrientation: 'its orientation',
  realWorldUnits: 'its units', colourPalette: 'its colour palette',
} as const;

/**
 * The receiver's own check of a record (as it will read it: a JSON copy), here at the sender: a file that a receiver
 * would refuse is never written. An input that gets this far with a header no image can have (a damaged term its
 * decoder guessed at) stops here, by name, where it used to reach the receiver as "an invalid image record". Nor is
 * one written whose DICOM metadata the receiver would read back with less than the sender read (0.13): its units,
 * calibration or windows would be dropped without a word, the image shown as a plain picture.
 */
export function readableByReceiver(record: ImageRecord): void {
  const copy = JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
  try {
    validateImageRecord(copy, Number.MAX_SAFE_INTEGER);
  } catch (err) {
    throw new AeimgError(ErrorCode.BadInput, `could not be made into an image aeimg reads back (${(err as Error).message.replace(/^has an /, 'an ').replace(/\.$/, '')}): ` +
      'its header describes its pixels in a way aeimg does not carry. Export it again from the modality or PACS.');
  }
  const sent = record.metadata?.dicom as DicomImage['dicom'] | undefined;
  if (!sent) return;
  const read = dicomMetaOf(copy as { metadata?: Record<string, unknown> });
  const lost = !read ? ['its DICOM header']
    : Object.entries(CARRIED_PIXEL_FIELDS).filter(([k]) => sent.pixel[k as keyof typeof CARRIED_PIXEL_FIELDS] !== undefined &&
      read.pixel[k as keyof typeof CARRIED_PIXEL_FIELDS] === undefined).map(([, words]) => words);
  if (read && sent.suvBw !== undefined && read.suvBw === undefined) lost.push('its SUV factor');
  if (read && sent.sul !== undefined && read.sul === undefined) lost.push('its SUL factor');
  if (read && (sent.overlays?.length ?? 0) !== (read.overlays?.length ?? 0)) lost.push('its overlays');
  if (lost.length) {
    throw new AeimgError(ErrorCode.BadInput, `could not be made into an image aeimg reads back as it was read: the receiver would lose ${lost.join(', ')}. ` +
      'Export it again from the modality or PACS.');
  }
}

/** EncryptResult.shapes, where the images are not all one size. */
function shapesOf(images: readonly EncodedEntry[]): Pick<EncryptResult, 'shapes'> {
  const shapes = images.map(({ record: r }) => `${r.width}x${r.height}x${imageChannels(r)} ${r.bitDepth}-bit`);
  return new Set(shapes).size > 1 ? { shapes } : {};
}

/** Reduced quality: measured below the line, or coded by the network alone and not measured. */
export function isReduced(e: Pick<EncodedEntry, 'record' | 'coding'>): boolean {
  return e.record.fidelity ? e.record.fidelity.reduced === true : isNetworkOnly(e.coding.quality);
}
