/**
 * Decrypting a whole study (study.ts has the sender's side): every part checked before anything is written, its
 * images decoded a few ahead of the writer into one folder (a folder per series where it holds several), with its
 * presentation states, key object selections and reports beside them; nothing appears unless every part
 * authenticates.
 */
import { join } from 'node:path';
import type { ImageRecord } from '../codec/record.js';
import { AeimgReader, type IdentitySource } from '../container/aeimg-file.js';
import { checkParts, checkPartStart, checkStudyEnded } from '../container/study.js';
import type { DocumentKind } from '../dicom/sop-classes.js';
import type { StudyObjectFile, WrittenImage } from '../dicom/write-study-objects.js';
import { inFile } from '../errors.js';
import { AtomicFile, type FileData } from '../fs/atomic.js';
import { DEFAULT_MAX_PIXELS } from '../image/io.js';
import type { ModelCache } from '../model/autoencoder.js';
import { checkAborted } from './abort.js';
import { checkDenoiseFormat, DENOISED_EXT, imageExt, localDecode, outputBytes, type DecodeFn } from './decrypt.js';
import { DicomFileGroups, dicomFileBytes, fileRecord, type OutputFrame } from './dicom-files.js';
import { besideStudy, commitStudy, seriesFoldersOf, studyPaths } from './export.js';
import { checkOutput, imageStem } from './files.js';
import { decodedImages } from './images.js';
import { seriesFactsOf } from './view.js';
import { seriesKey } from '../../../src-shared/series.js';
import { numbered, UniqueNames } from '../../../src-shared/unique-names.js';

export interface StudyDecryptOptions {
  identities: IdentitySource;
  models: ModelCache;
  outDir: string;
  format: 'png' | 'dcm';
  force?: boolean;
  maxPixels?: number;
  decode?: DecodeFn;
  /** Image `index` decoded (its file appears, with the rest, once every part has authenticated). */
  onImage?: (index: number, record: ImageRecord) => void;
  /** Images decoded ahead of the writer (default 4; twice the pool size is a good choice). */
  lookahead?: number;
  /** Cancels between slices; nothing appears. */
  signal?: AbortSignal;
  /** Each slice's denoised view as NAME.denoised.png (PNG only), not the image as sent; see DecryptFileOptions. */
  denoise?: boolean;
}

export interface StudyDecryptResult {
  name: string;
  images: number;
  /** Each image's file, in viewing order: in `outDir`, or in a folder per series when the study holds several. */
  outputs: string[];
  /** Each image's frame in its file (from 1) where that file is a cine's multi-frame DICOM file, else undefined. */
  outputFrames: (number | undefined)[];
  records: ImageRecord[];
  /** The series' folders below `outDir`, in order (none for a study of one series). */
  seriesFolders: string[];
  /**
   * The study's objects written beside it: with DICOM output its presentation states and key object selections
   * (aeimg 0.18); its reports with either output (aeimg 0.22: dicom/documents.ts).
   */
  studyObjects: { kind: StudyObjectFile['kind'] | DocumentKind; path: string }[];
  /** Reports that came with it and could not be written (a crafted record), each with why. */
  documentsLeftOut: string[];
}

/**
 * Names a study's images in order: each its file's stem; one already taken (without case: UniqueNames) gets "-N" (N its
 * place, from 1), and "-N-2", "-N-3", … where that is taken too.
 */
function imageNamer(ext: string): (record: ImageRecord, index: number) => string {
  const names = new UniqueNames();
  return (record, index) => {
    const stem = imageStem(record.name).replace(/[^\w.-]+/g, '_') || `image-${index + 1}`;
    const placed = numbered(`${stem}-${index + 1}`, imageExt(record, ext));
    return names.claim((k) => (k === 1 ? `${stem}${imageExt(record, ext)}` : placed(k - 1)));
  };
}

/**
 * Decrypts every part of a study, in order, into one folder (a subfolder per series when it holds several: studyPaths);
 * nothing appears unless every part authenticates.
 */
export async function decryptStudy(paths: string[], opts: StudyDecryptOptions): Promise<StudyDecryptResult> {
  const infos = await checkParts(paths, opts.identities);
  const identities = [infos[0]!.identity]; // the key is found once, for the whole study
  /** Each file written and its images' indices (a cine's frames go into one DICOM file). */
  const pending: { file: AtomicFile; indices: number[] }[] = [];
  const records: ImageRecord[] = [];
  const series = new Set<string>();
  let expected = 0;
  let ended = false;
  checkDenoiseFormat(opts.denoise, opts.format);
  const decode = opts.decode ?? localDecode(opts.models, undefined, opts.denoise);
  const ext = opts.denoise ? DENOISED_EXT : `.${opts.format}`;
  const flatName = imageNamer(ext);
  const groups = new DicomFileGroups<OutputFrame & { index: number }>();
  const written: WrittenImage[] = []; // DICOM files a presentation state or key object selection written back references
  const dicomFile = (frames: (OutputFrame & { index: number })[]) => dicomFileBytes(frames, frames[0]!.index + 1, written);
  const states: { file: AtomicFile; path: string; kind: StudyObjectFile['kind'] | DocumentKind }[] = [];
  const place = async (frames: { record: ImageRecord; index: number }[], bytes: () => Promise<FileData> | FileData) => {
    const name = flatName(fileRecord(frames.map((f) => f.record)), pending.length);
    // Checked early while the study may still be one series (its files then go right here); the folders of a
    // study of several are known at the end, and placing checks every name before it places any.
    if (series.size < 2) checkOutput(join(opts.outDir, name), paths, opts.force ?? false);
    const file = await AtomicFile.create(join(opts.outDir, name), { force: opts.force });
    pending.push({ file, indices: frames.map((f) => f.index) });
    await file.write(await bytes());
  };
  try {
    for (const info of infos) {
      checkPartStart(info, expected);
      const reader = await AeimgReader.open(info.path, identities);
      let end: Record<string, unknown> | undefined;
      try {
        const first = await reader.next(() => []);
        const images = decodedImages(reader, {
          decode, png: opts.format === 'png', maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, lookahead: opts.lookahead ?? 4, writer: first?.meta.app,
          signal: opts.signal, onStudyEnd: (meta) => { end = meta; },
        });
        for await (const { record, image, png, blobs } of images) {
          const index = expected++;
          records.push(record);
          series.add(seriesKey(seriesFactsOf(record)));
          const frame = { image, record, blobs, index };
          if (opts.format === 'dcm') for (const frames of groups.add(frame)) await place(frames, () => dicomFile(frames));
          else await place([frame], () => outputBytes(image, record, opts.format, index + 1, { png }));
          opts.onImage?.(index, record);
        }
        for (const frames of groups.end()) await place(frames, () => dicomFile(frames));
        if (end) ended = end.images === expected; // the study-end entry comes last, after every image it counts
      } catch (err) {
        throw inFile(info.path, err);
      } finally {
        await reader.close();
      }
    }
    checkStudyEnded(infos, ended);
    checkAborted(opts.signal);
    const filePaths = studyPaths(opts.outDir, pending.map((p) => fileRecord(p.indices.map((i) => records[i]!))), (inFolder) => inFolder.map(imageNamer(ext)));
    // Its presentation states and key object selections beside it, referencing the images as written, so a PACS has
    // them too; its reports with any output.
    const beside = besideStudy(opts.outDir, filePaths, pending.map((p) => p.indices), records, written, opts.format);
    for (const s of beside.files) {
      const path = join(opts.outDir, s.name);
      checkOutput(path, paths, opts.force ?? false);
      const file = await AtomicFile.create(path, { force: opts.force });
      states.push({ file, path, kind: s.kind });
      await file.write(s.bytes);
    }
    await commitStudy(opts.outDir, [...pending.map(({ file }, i) => ({ file, path: filePaths[i]! })), ...states], opts.force ?? false);
    const outputs: string[] = [];
    const outputFrames: (number | undefined)[] = [];
    pending.forEach(({ indices }, i) => indices.forEach((index, k) => {
      outputs[index] = filePaths[i]!;
      outputFrames[index] = indices.length > 1 ? k + 1 : undefined;
    }));
    return {
      images: expected, outputs, outputFrames, records, seriesFolders: seriesFoldersOf(opts.outDir, filePaths), name: infos[0]!.study.name,
      studyObjects: states.map(({ kind, path }) => ({ kind, path })), documentsLeftOut: beside.leftOut,
    };
  } catch (err) {
    await Promise.all([...pending, ...states].map(({ file }) => file.abort()));
    throw err;
  }
}
