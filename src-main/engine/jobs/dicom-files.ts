/**
 * Which decoded images go into one DICOM file: the frames of a cine (an ultrasound or angiography run) as the one
 * multi-frame file it was, and the pages of an animated GIF or WebP as one (0.25), so that a PACS plays it; everything
 * else a file per image. Decrypt, a study's decrypt and the
 * viewer's "Export all" group alike.
 */
import { convertedWordsOf, lossySourceOfRecord } from '../image/source.js';
import { blobLengths, ctCalibrationOf, fileInvertedOf, fileModalityOf, fileSpacingOf, fileWindowsOf, imageChannels, senderWindowOf, type ImageRecord } from '../codec/record.js';
import type { Image } from '../image/image.js';
import { dicomMetaOf, type DicomFrameMeta } from '../dicom/import.js';
import { dicomFileClass, newUid, writeDicomParts } from '../dicom/write.js';
import { clipClass, multiFrameClass } from '../dicom/write-cine.js';
import { animationTiming, type Animation } from '../image/animation.js';
import { shutterAttributes } from '../dicom/shutter.js';
import type { WrittenImage } from '../dicom/write-study-objects.js';
import { JPEG_2000_SYNTAXES } from '../dicom/codecs.js';
import { worstFidelity, worstImages } from '../../../src-shared/fidelity.js';
import { receivedSummary } from './view.js';

/** A decoded image with its record and, where the file carried them, its blobs (a kept frame's data). */
export interface OutputFrame {
  image: Image;
  record: ImageRecord;
  blobs?: Buffer[];
}

/** The source's SOP Instance UID as carried (each frame of a file has the same). */
const instanceOf = (meta: DicomFrameMeta) => String(meta.dataset['00080018']?.Value?.[0] ?? '');

/** A record whose DICOM frame can be written in a multi-frame file with the frames after it. */
function multiFrameMeta(record: ImageRecord): DicomFrameMeta | undefined {
  const meta = dicomMetaOf(record);
  return meta && instanceOf(meta) && multiFrameClass(meta, { channels: imageChannels(record), bitDepth: record.bitDepth }) ? meta : undefined;
}

/**
 * A frame that goes as its file held it (decrypt.ts outputBytes): a palette frame goes as samples, and so does JPEG 2000
 * whose values beyond Bits Stored aeimg clamped (0.15: other toolkits would read them above its top, where the reader
 * was shown them at it).
 */
const isKept = (record: ImageRecord) => !!record.codestream && record.codestream.photometric !== 'PALETTE COLOR' &&
  !(record.codestream.reading === 15 && JPEG_2000_SYNTAXES.has(record.codestream.syntax));

/**
 * `next` is the frame after `prev` in the same multi-frame file and goes into the same DICOM file: a class holds them
 * (multiFrameClass), and they are described alike (size, rescale, window, spacing, position, display shutter). How each went does not
 * part them (0.16): not a grey frame of a colour clip that went as one grey plane (greyAsColour: a B-mode frame among
 * colour Doppler ones), nor a frame that aeimg coded smaller than the file's JPEG among frames that went as it. Before,
 * each parted the clip, which came back as several files and a PACS listed as several instances; a file whose frames
 * did not all go as their file held them is written as samples.
 */
export function sameDicomFile(prev: ImageRecord, next: ImageRecord): boolean {
  const [p, n] = [clipPage(prev), clipPage(next)];
  if (p && n) {
    return p.file === n.file && n.page === p.page + 1 && prev.width === next.width && prev.height === next.height &&
      imageChannels(prev) === imageChannels(next) && prev.bitDepth === next.bitDepth;
  }
  const [a, b] = [multiFrameMeta(prev), multiFrameMeta(next)];
  return !!a && !!b && instanceOf(a) === instanceOf(b) && a.frames === b.frames && b.frame === a.frame + 1 &&
    prev.width === next.width && prev.height === next.height && imageChannels(prev) === imageChannels(next) && prev.bitDepth === next.bitDepth &&
    JSON.stringify(a.pixel) === JSON.stringify(b.pixel) &&
    // An enhanced file's frames may each have their own display shutter, which one file's top level cannot say.
    JSON.stringify(shutterAttributes(a.dataset)) === JSON.stringify(shutterAttributes(b.dataset));
}

/**
 * A page of an animated image file (a GIF or WebP clip, its record timed: image/animation.ts) that a multi-frame class
 * holds: its file's name and page number ("loop.gif#3"). Its pages go into one DICOM file, as a cine's frames do.
 */
function clipPage(record: ImageRecord): { file: string; page: number } | undefined {
  const m = /^(.*)#(\d+)$/.exec(record.name);
  if (!m || dicomMetaOf(record) || !animationTiming(record) || !clipClass({ channels: imageChannels(record), bitDepth: record.bitDepth })) return undefined;
  return { file: m[1]!, page: Number(m[2]) };
}

/** The record that names a file's images: its first, as its file ("run.dcm", not "run.dcm#1") when it holds several. */
export function fileRecord(records: readonly ImageRecord[]): ImageRecord {
  const first = records[0]!;
  return records.length > 1 ? { ...first, name: first.name.replace(/#\d+$/, '') } : first;
}


/**
 * Groups decoded images into DICOM files as they come: `add` returns the files complete (none while a cine's frames
 * are still coming), `end` the last. Only a multi-frame file's frames are held, and an animated image file's pages
 * (until a record that is not their next page, or the end).
 */
export class DicomFileGroups<T extends { record: ImageRecord } = OutputFrame> {
  private open: T[] = [];

  add(frame: T): T[][] {
    const done: T[][] = [];
    if (this.open.length && !sameDicomFile(this.open.at(-1)!.record, frame.record)) done.push(this.open.splice(0));
    this.open.push(frame);
    // A clip's pages are held until a record that is not its next page, or the end: its record does not say how many.
    const meta = multiFrameMeta(frame.record);
    if (meta ? meta.frame === meta.frames - 1 : !clipPage(frame.record)) done.push(this.open.splice(0));
    return done;
  }

  end(): T[][] {
    return this.open.length ? [this.open.splice(0)] : [];
  }
}

/** Consecutive images' indices grouped into DICOM files, in order, as DicomFileGroups groups them as they come. */
export function dicomFileGroups(records: readonly ImageRecord[]): number[][] {
  const groups = new DicomFileGroups<{ record: ImageRecord; index: number }>();
  const files = [...records.flatMap((record, index) => groups.add({ record, index })), ...groups.end()];
  return files.map((frames) => frames.map((f) => f.index));
}

/** The transfer syntax every frame's own data went in, where all went as their file held them (DicomWriteOptions.carriedSyntax). */
function carriedSyntax(frames: readonly OutputFrame[]): { carriedSyntax?: string } {
  const syntax = frames[0]!.record.codestream?.syntax;
  return syntax && frames.every((f) => f.record.codestream?.syntax === syntax) ? { carriedSyntax: syntax } : {};
}

/**
 * The DICOM file of one group's frames. What it says the reader gets is its frames' worst: bit-exact only if every
 * frame is, the largest bound, reduced quality if any frame is, and, where the frames' texts differ, the windows of
 * the frame with the lowest SSIM in a reader's window with the largest error of any frame (src-shared/fidelity.ts
 * worstFidelity): "worst of 10 frames (frame 7; largest error: frame 3): …". `objects`: where given, the file goes
 * into it, for the presentation states, key object selections and reports written back to reference it
 * (dicom/write-study-objects.ts, dicom/report-references.ts).
 */
export function dicomFileBytes(frames: readonly OutputFrame[], instanceNumber: number, objects?: WrittenImage[]): Iterable<Uint8Array> {
  const metas = frames.map((f) => dicomMetaOf(f.record)); // each frame's, read once: its figures, number, header and overlays
  const summaries = frames.map((f, i) => receivedSummary(f.record, metas[i]));
  const bounds = summaries.map((s) => s.maxError);
  const maxError = bounds.every((b) => b !== undefined) ? Math.max(...bounds) : undefined;
  const alike = summaries.every((s) => s.text === summaries[0]!.text);
  const frameOf = (i: number) => (metas[i] ? metas[i]!.frame + 1 : i + 1); // a clip's pages by their place
  const measured = frames.map((f) => f.record.fidelity);
  const worst = worstImages(measured);
  // Unmeasured frames (a guaranteed level sent with --no-measure): the largest bound's.
  const bound = bounds.reduce<number>((w, b, i) => ((b ?? Infinity) > (bounds[w] ?? Infinity) ? i : w), 0);
  const text = alike ? summaries[0]!.text : worst.ssim < 0 ? `worst of ${frames.length} frames (frame ${frameOf(bound)}): ${summaries[bound]!.text}`
    : `worst of ${frames.length} frames (frame ${frameOf(worst.ssim)}${worst.error !== worst.ssim ? `; largest error: frame ${frameOf(worst.error)}` : ''}): ` +
      receivedSummary({ ...frames[worst.ssim]!.record, fidelity: worstFidelity(measured) }).text;
  const codedBytes = frames.reduce((n, f) => n + blobLengths(f.record).reduce((a, b) => a + b, 0), 0);
  const sampleBytes = frames.reduce((n, f) => n + f.image.pixels.byteLength, 0);
  const meta = metas[0];
  // Kept DICOM frames go back as their own data when all of the file's frames were kept (one transfer syntax for the
  // file). Not a palette frame (its DICOM would need the palette's descriptors and tables written back) nor a JPEG
  // file's data (a progressive or 4:2:0 JPEG is not what DICOM's JPEG Baseline syntax describes): those go as samples.
  const kept = meta && frames.every(({ record, blobs }) => isKept(record) && blobs?.[2]);
  const dicomFrames = frames.map(({ image, record, blobs }, i) => ({
    image, ...(kept ? { kept: { layout: record.codestream!, data: blobs![2]! } } : {}),
    overlays: metas[i]?.overlays,
  }));
  const sopInstance = newUid();
  const sender = senderWindowOf(frames[0]!.record); // first in the file's windows: a PACS opens it there (0.43)
  const parts = writeDicomParts(dicomFrames, meta, {
    exact: maxError === 0, maxError, reduced: summaries.some((s) => s.reduced), fidelityText: text, ...carriedSyntax(frames),
    ratio: sampleBytes / Math.max(1, codedBytes), instanceNumber, sopInstance,
    ...(sender ? { senderWindow: sender } : {}),
    ...(meta ? {} : { lossySource: lossySourceOfRecord(frames[0]!.record), converted: convertedWordsOf(frames[0]!.record), valueOffset: frames[0]!.record.valueOffset, ctIntercept: frames[0]!.record.ctIntercept,
      ctCalibration: ctCalibrationOf(frames[0]!.record), windows: fileWindowsOf(frames[0]!.record),
      pixelSpacing: fileSpacingOf(frames[0]!.record), modality: fileModalityOf(frames[0]!.record), monochrome1: fileInvertedOf(frames[0]!.record) }),
    ...(!meta && frames.length > 1 ? { frameDelays: frames.map((f) => (f.record.metadata!.animation as Animation).delay) } : {}),
  });
  // A presentation state, key object selection or report written back references the file by the UID it is written with.
  if (objects) {
    objects.push({
      sopClass: dicomFileClass(frames, meta), sopInstance,
      frames: frames.flatMap(({ image }, i) => (metas[i] ? [{
        ...(frames.length > 1 ? { number: i + 1 } : {}), meta: metas[i]!, width: image.width, height: image.height, channels: image.channels,
      }] : [])),
    });
  }
  return parts;
}
