/**
 * Export of a whole opened file or study from the viewer: every image as PNG (16-bit where the source was) or DICOM,
 * one file each (a cine's frames one multi-frame DICOM file), in a folder the user chose, a subfolder per series when
 * a study holds several. All files appear together or none (temp files in that folder, then placed without replacing anything), so a failure halfway leaves
 * no partial study behind.
 */
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import { seriesFolders } from '../../../src-shared/series.js';
import { numbered, UniqueNames } from '../../../src-shared/unique-names.js';
import type { ImageRecord } from '../codec/record.js';
import { AtomicFile, commitAll } from '../fs/atomic.js';
import { inFolders } from '../fs/folders.js';
import { imageExt, outputBytes, type OutputFormat } from './decrypt.js';
import { dicomFileBytes, dicomFileGroups, fileRecord, type OutputFrame } from './dicom-files.js';
import { studyObjectFiles, type StudyObjectFile, type WrittenImage } from '../dicom/write-study-objects.js';
import { writtenReferences } from '../dicom/report-references.js';
import { documentFiles, plainDocuments, studyImageNamer, type CarriedDocument, type DocumentFile } from '../dicom/documents.js';
import { dicomMetaOf } from '../dicom/import.js';
import { mapLimit } from './pool.js';
import type { SliceCache } from './slices.js';
import { seriesFactsOf } from './view.js';

/** File names for the images, from their recorded names ("scan.dcm#3" → "scan-3"), made unique in order (UniqueNames). */
export function exportNames(names: string[], format: OutputFormat): string[] {
  const taken = new UniqueNames();
  return names.map((name) => {
    const [, file = '', frame] = /^(.*?)(?:#(\d+))?$/s.exec(name) ?? [];
    const base = basename(file.replace(/\\/g, '/')); // never a folder: the name came from inside the file
    const stem = `${basename(base, extname(base)).replace(/^\.+/, '')}${frame ? `-${frame}` : ''}` || 'image'; // no hidden files
    return taken.claim(numbered(stem, `.${format}`));
  });
}

/**
 * Where each image of a study goes below its output folder: NAME, or SERIES/NAME when the study holds more than one
 * series (a CD's scout, axial series and reformats), so a reader of plain PNG files can tell them apart. `names`
 * names the images of one folder, unique among themselves.
 */
export function studyPaths(dir: string, records: readonly ImageRecord[], names: (records: readonly ImageRecord[]) => string[]): string[] {
  const folders = seriesFolders(records.map(seriesFactsOf));
  const paths = new Array<string>(records.length);
  for (const folder of new Set(folders)) {
    const indices = folders.flatMap((f, i) => (f === folder ? [i] : []));
    names(indices.map((i) => records[i]!)).forEach((name, k) => { paths[indices[k]!] = join(dir, folder, name); });
  }
  return paths;
}

/** The series' folders below `dir` that a study's files went into, in order (none for a study of one series). */
export function seriesFoldersOf(dir: string, paths: readonly string[]): string[] {
  return [...new Set(paths.map((p) => relative(dir, dirname(p))).filter(Boolean))];
}

/** Places a study's sealed images, all or none, creating its series' folders (removed again if placing fails). */
export function commitStudy(dir: string, files: { file: AtomicFile; path: string }[], force: boolean): Promise<void> {
  return inFolders(files.map((f) => f.path), dir, () => commitAll(files, force));
}

/**
 * The reports that came in a record: a DICOM image's in its DICOM metadata (0.22; `meta`, where the caller has read it
 * already), a plain PDF in the record's own (0.23).
 */
export function recordDocuments(record: ImageRecord, meta = dicomMetaOf(record)): CarriedDocument[] {
  return [...(meta?.documents ?? []), ...plainDocuments(record.metadata?.documents)];
}

/**
 * What a study's output writes beside its images (file k at `paths[k]` below `dir`, holding images `groups[k]`): as
 * DICOM its presentation states and key object selections (`written`: its DICOM files as written, which they
 * reference, as a structured report written back does), and its reports (a structured report's text naming the files
 * its images went into), each named apart
 * from the images' files and folders in `dir`; `leftOut` names reports that could not be written.
 */
export function besideStudy(
  dir: string, paths: readonly string[], groups: readonly (readonly number[])[], records: readonly ImageRecord[], written: readonly WrittenImage[], format: OutputFormat,
): { files: (StudyObjectFile | DocumentFile)[]; leftOut: string[] } {
  const fileOf: string[] = [];
  groups.forEach((g, k) => g.forEach((index, f) => { fileOf[index] = `${relative(dir, paths[k]!)}${g.length > 1 ? ` frame ${f + 1}` : ''}`; }));
  const metas = records.map(dicomMetaOf);
  const names = new UniqueNames(paths.map((p) => relative(dir, p).split(sep)[0]!));
  const reports = documentFiles(records.flatMap((r, i) => recordDocuments(r, metas[i])), format, {
    images: studyImageNamer(metas, (i) => fileOf[i]!), names, references: writtenReferences(written),
  });
  return { files: [...studyObjectFiles(written, names), ...reports.files], leftOut: reports.leftOut };
}

/**
 * Writes every image of `slices` into `dir` (a subfolder per series: studyPaths), a cine's frames as one DICOM file
 * (dicom-files.ts), as DICOM the presentation states and key object selections that came with it, and its reports
 * (dicom/documents.ts: as DICOM files, else a PDF as it is and a structured report as text); returns the paths
 * written, one per file, those last. Decoding goes through the slice cache (`lanes` files at a time), so a large study never
 * sits in memory whole.
 */
export async function exportSlices(slices: SliceCache, dir: string, format: OutputFormat, lanes = 2): Promise<string[]> {
  const records = Array.from({ length: slices.length }, (_, i) => slices.record(i));
  const groups = format === 'dcm' ? dicomFileGroups(records) : records.map((_, i) => [i]);
  const paths = studyPaths(dir, groups.map((g) => fileRecord(g.map((i) => records[i]!))), (inFolder) => exportNames(inFolder.map((r) => r.name), format)
    .map((name, i) => name.replace(/\.png$/, (ext) => imageExt(inFolder[i]!, ext))));
  const files: { file: AtomicFile; path: string }[] = [];
  const images: WrittenImage[] = []; // DICOM files a presentation state or key object selection written back references
  const written = await mapLimit(groups.map((g, k) => k), lanes, async (k) => {
    const path = paths[k]!;
    const file = await AtomicFile.create(join(dir, basename(path))); // its series' folder is made when all are placed
    files.push({ file, path });
    const frames: OutputFrame[] = [];
    for (const i of groups[k]!) frames.push({ image: await slices.image(i), record: records[i]!, blobs: slices.coded(i).blobs });
    await file.write(format === 'dcm' ? dicomFileBytes(frames, groups[k]![0]! + 1, images) : await outputBytes(frames[0]!.image, frames[0]!.record, format, groups[k]![0]! + 1));
    await file.seal();
    return path;
  });
  const failed = written.find((r) => r.status === 'rejected');
  // The study's presentation states and key object selections beside its DICOM files, referencing them as written (aeimg 0.18).
  const states: string[] = [];
  try {
    if (failed) throw failed.reason;
    for (const s of besideStudy(dir, paths, groups, records, images, format).files) {
      const path = join(dir, s.name);
      const file = await AtomicFile.create(path);
      files.push({ file, path });
      await file.write(s.bytes);
      await file.seal();
      states.push(path);
    }
  } catch (err) {
    await Promise.all(files.map(({ file }) => file.abort()));
    throw err;
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  await commitStudy(dir, files, false);
  return [...written.map((r) => (r as PromiseFulfilledResult<string>).value), ...states];
}
