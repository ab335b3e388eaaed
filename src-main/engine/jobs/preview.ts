/**
 * The sender's look before sending: a queued file encoded at the chosen level on the codec worker pool, exactly as
 * encryption would encode it, decoded as the receiver will see it and measured in the reader's windows. Nothing is
 * written: no key is involved, the coded bytes are dropped, only the pixels and the figures come back.
 */
import { stat } from 'node:fs/promises';
import type { SenderPreview } from '../../../src-shared/api.js';
import type { CodingChoice } from '../../../src-shared/quality.js';
import type { DeidentifyOptions } from '../dicom/deidentify.js';
import { studyImageIndex, studyReportMarks } from '../dicom/documents.js';
import { reportMarksInfo } from '../dicom/report-marks.js';
import { dicomMetaOf } from '../dicom/import.js';
import { studyOrder, type StudyOrder } from '../dicom/order.js';
import { studyObjects, type StudyObjects } from '../dicom/study-objects.js';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import type { Image } from '../image/image.js';
import { DEFAULT_MAX_PIXELS } from '../image/io.js';
import type { EncodedFile, EncodeTask } from './encrypt.js';
import { readInput } from './read-input.js';
import { plainDisplay, windowFidelity, type WindowFigures } from '../metrics/fidelity.js';
import type { ShownWindow } from '../../../src-shared/api.js';
import { senderWindowOf, seriesWindows } from './sender-window.js';
import { describeImage, recordDisplay, shownImage } from './view.js';

export interface PreviewRequest {
  path: string;
  coding: CodingChoice;
  /** As the file would be encrypted (the pixels do not depend on it, the receiver's DICOM header does). */
  deidentify: DeidentifyOptions | null;
  /** EncodeTask.ctIntercept: the file, an image file, is a CT whose HU are its values + this. */
  ctIntercept?: number;
  /** Image (frame of a multi-frame DICOM) of the file, from 0. */
  frame: number;
  /**
   * The files it would be encrypted with as one study (itself among them): with the full header, the study's
   * presentation states and key object selections that reference it go with it (dicom/study-objects.ts), so the
   * preview draws and measures what the reader will get.
   */
  study?: readonly string[];
  /**
   * Windows of the sender's by path (EncryptFileOptions.senderWindow): the one it would go in, its own, or in a study
   * another image's of its series (jobs/sender-window.ts seriesWindows), as encryption would give it.
   */
  senderWindows?: Readonly<Record<string, ShownWindow>>;
}

/** One file as the receiver would get it: every frame's original and decoded pixels, and the coded records. */
interface PreviewedFile {
  originals: Image[];
  encoded: EncodedFile;
  bytes: number;
}

/** The samples as the engine reads them for encoding (DICOM: stored values with the recorded offset, per frame). */
async function readOriginals(path: string, maxPixels: number): Promise<Image[]> {
  return (await readInput({ input: path, maxPixels, deidentify: null })).map((i) => i.image);
}

const pixels = (i: Image) => ({ width: i.width, height: i.height, channels: i.channels, bitDepth: i.bitDepth, pixels: i.pixels });

/**
 * Previews by file, quality and de-identification; a multi-frame file is encoded once and its frames come from
 * memory. Kept up to `maxBytes` of pixels (least recently used dropped first), and again whenever the file changes.
 */
export class SenderPreviews {
  private readonly files = new Map<string, Promise<PreviewedFile>>();
  private readonly sizes = new Map<string, number>();
  /** The order and objects of the last few studies asked about (the queue's files, sorted). */
  private readonly studies = new Map<string, Promise<{ order: StudyOrder; objects: StudyObjects }>>();
  /** windowFigures' requests, counted: only the latest is measured. */
  private windowAsked = 0;

  constructor(
    private readonly encode: (task: EncodeTask) => Promise<EncodedFile>,
    private readonly maxBytes = 256 << 20,
    private readonly maxPixels = DEFAULT_MAX_PIXELS,
  ) {}

  /** Frame `req.frame` of the file as the receiver would see it, with the sender's figures. */
  async preview(req: PreviewRequest): Promise<SenderPreview> {
    try {
      const { file, entry, original, frames } = await this.frameOf(req);
      const info = describeImage(entry.record, entry.decoded, req.frame);
      // The regions the study's structured reports measured on this image, which the reader's viewer draws (full header
      // only); the study's other images only say where they lie, so that a 3D mark falls on it as on the reader's.
      const study = req.study && req.deidentify === null ? await this.study(req.study, null).catch(() => undefined) : undefined;
      const documents = [...(study?.objects.documentsByImage.values() ?? [])].flat();
      const meta = documents.length ? dicomMetaOf(entry.record) : undefined;
      const others = [...(study?.order.instances ?? [])].flatMap(([path, i]) => (path !== req.path && i.plane ? [i.plane] : []));
      const marks = meta && studyReportMarks([{ ...meta, documents, width: entry.record.width, height: entry.record.height }, ...others], studyImageIndex([meta])).get(0);
      if (marks && info.dicom) info.dicom.reportMarks = reportMarksInfo(marks);
      return {
        name: entry.record.name, frame: req.frame, frames, quality: entry.coding.quality,
        ...(entry.coding.kept ? { kept: entry.coding.kept } : {}),
        info,
        ...(file.encoded.unitless ? { unitless: file.encoded.unitless } : {}),
        warnings: file.encoded.warnings, // less the one of no units, which the preview says in its own line (unitless)
        // A colour image through its ICC profile, as the reader's viewer shows it (view.ts shownImage).
        original: pixels(await shownImage(original, entry.record)), decoded: pixels(await shownImage(entry.decoded, entry.record)),
      };
    } catch (err) {
      throw inFile(req.path, err);
    }
  }

  /**
   * The figures of frame `req.frame` in a window the sender looks in (0.43), measured as the record measures each of
   * its windows (metrics/fidelity.ts windowFidelity), in the display the encoder measured it in: for a window that is
   * none of those, which the file does not carry and the reader's viewer gives no figure for.
   */
  async windowFigures(req: PreviewRequest, window: ShownWindow): Promise<WindowFigures> {
    // Only the latest window is measured: one asked for since, while this waited for its file, supersedes it (a sender
    // dragging over a 4096² image, 1.7–1.9 s a window, would otherwise wait for every window rested on before).
    const mine = ++this.windowAsked;
    try {
      const { entry, original } = await this.frameOf(req);
      await new Promise((r) => setImmediate(r)); // let a newer request arrive
      if (mine !== this.windowAsked) throw new AeimgError(ErrorCode.Cancelled, 'its window was not measured: another was asked for since.');
      const display = recordDisplay(entry.record) ?? plainDisplay(entry.record);
      return windowFidelity(original, entry.decoded, display, { name: 'on screen', source: 'file', ...window }, { maxError: entry.coding.maxError });
    } catch (err) {
      throw inFile(req.path, err);
    }
  }

  private async frameOf(req: PreviewRequest) {
    const file = await this.file(req);
    const frames = file.encoded.images.length;
    const entry = file.encoded.images[req.frame];
    const original = file.originals[req.frame];
    if (!entry || !original) {
      throw new AeimgError(ErrorCode.BadInput, `holds ${frames} image${frames > 1 ? 's' : ''}; there is no image ${req.frame + 1}.`);
    }
    const decoded = entry.decoded;
    if (!decoded) throw new AeimgError(ErrorCode.BadInput, 'was not decoded for the preview.');
    return { file, frames, original, entry: { ...entry, decoded } };
  }

  private async file(req: PreviewRequest): Promise<PreviewedFile> {
    const s = await stat(req.path);
    // Another of the study's files that cannot be read is the study's error, named when it is encrypted, not this file's.
    // With the full header they go whole; with the Clean Graphics option, presentation states go cleaned.
    const objects = req.study && (req.deidentify === null || req.deidentify.cleanGraphics)
      ? (await this.study(req.study, req.deidentify).catch(() => undefined))?.objects : undefined;
    const presentationStates = objects?.statesByImage.get(req.path);
    const keyObjects = objects?.keyObjectsByImage.get(req.path);
    const senderWindow = req.study && req.senderWindows
      ? await this.study(req.study, req.deidentify).then(({ order }) => senderWindowOf(seriesWindows(order, req))(req.path), () => undefined)
      : senderWindowOf(req)(req.path);
    const key = JSON.stringify([req.path, s.mtimeMs, s.size, req.coding, req.deidentify, req.ctIntercept, presentationStates, keyObjects, senderWindow]);
    let file = this.files.get(key);
    if (file) {
      this.files.delete(key); // most recently used last
      this.files.set(key, file);
      return file;
    }
    const task: EncodeTask = {
      input: req.path, coding: req.coding, measure: true, maxPixels: this.maxPixels, deidentify: req.deidentify,
      ctIntercept: req.ctIntercept, ...(senderWindow ? { senderWindow } : {}),
      ...(presentationStates ? { presentationStates } : {}), ...(keyObjects ? { keyObjects } : {}),
    };
    file = Promise.all([readOriginals(req.path, this.maxPixels), this.encode(task)]).then(([originals, encoded]) => ({
      originals, encoded,
      bytes: originals.reduce((n, o) => n + o.pixels.byteLength, 0) + encoded.images.reduce((n, e) => n + (e.decoded?.pixels.byteLength ?? 0), 0),
    }));
    this.files.set(key, file);
    try {
      const done = await file;
      this.sizes.set(key, done.bytes);
      this.evict();
      return done;
    } catch (err) {
      this.files.delete(key); // a failure is not remembered: the sender may fix the file and try again
      throw err;
    }
  }

  /**
   * What a study of these files does with its presentation states and key object selections, as encryptStudy reads it;
   * read again when a file changes (a state saved again at the workstation while queued), as the image cache is.
   */
  private async study(paths: readonly string[], deidentify: DeidentifyOptions | null): Promise<{ order: StudyOrder; objects: StudyObjects }> {
    const stamps = await Promise.all([...paths].sort().map(async (p) => {
      const s = await stat(p).catch(() => undefined);
      return [p, s?.mtimeMs, s?.size];
    }));
    const key = JSON.stringify([stamps, deidentify]);
    let objects = this.studies.get(key);
    if (!objects) {
      objects = studyOrder([...paths]).then(async (order) => ({ order, objects: await studyObjects(order, deidentify) }));
      objects.catch(() => this.studies.delete(key)); // a failure is not remembered
      this.studies.set(key, objects);
      for (const k of this.studies.keys()) if (this.studies.size > 4 && k !== key) this.studies.delete(k);
    }
    return objects;
  }

  private evict(): void {
    let total = [...this.sizes.values()].reduce((n, b) => n + b, 0);
    for (const key of this.files.keys()) {
      if (total <= this.maxBytes || this.files.size <= 1) break;
      const size = this.sizes.get(key);
      if (size === undefined) continue; // still being encoded
      this.files.delete(key);
      this.sizes.delete(key);
      total -= size;
    }
  }
}
