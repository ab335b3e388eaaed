/**
 * A CD's index (PS3.10 DICOMDIR, PS3.3 F.5): the images it lists. A CD given whole goes as the images its DICOMDIR
 * lists, as viewers import a CD, rather than every file below it: a CD also carries its viewer, whose icons are PNG
 * files. The objects without an image that a study carries (presentation states, key object selections, structured
 * reports, PDF and CDA documents: OBJECT_RECORDS) are listed too where a study is made of it (0.22; dicom/study-objects.ts
 * carries them or names why not); before, a CD's presentation states and reports never reached the study, and its sender
 * was not told. Its other records (waveforms, RT objects, private records) stay out, as before: a study would only set them
 * aside, or, for one whose file is not what its record says, fail.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '../fs/read.js';
import { parseDicomHeader } from './read-dataset.js';

/** Directory Record Sequence, its items' type and file ID. */
const RECORDS = 'x00041220';
const RECORD_TYPE = 'x00041430';
const FILE_ID = 'x00041500';
/** The record types (PS3.3 F.5) of the objects a study carries beside its images. */
const OBJECT_RECORDS = new Set(['PRESENTATION', 'KEY OBJECT DOC', 'SR DOCUMENT', 'ENCAP DOC']);

/** A DICOMDIR larger than this is not read (one of a CD of 10,000 images is a few MB): the folder is searched instead. */
const MAX_DICOMDIR_BYTES = 64 << 20;

/** A file ID component (PS3.10 8.2 allows 1–8 of A–Z, 0–9, _; exporters bend that): a plain name, never a way out. */
const COMPONENT = /^(?!\.{1,2}$)[^/\\:\0]{1,255}$/;

/**
 * A file ID's file below `folder`, its components matched without case where the exact name is not there: Linux
 * mounts a plain ISO 9660 CD in lower case (`dicom/st000000/...`) while its DICOMDIR says `DICOM\ST000000\...`.
 * Folder listings are read once each.
 */
function caseless(folder: string): (parts: string[]) => Promise<string | undefined> {
  const listings = new Map<string, Promise<Map<string, string>>>();
  const listing = (dir: string) => {
    let l = listings.get(dir);
    if (!l) {
      l = readdir(dir).then((names) => new Map(names.map((n) => [n.toUpperCase(), n])), () => new Map<string, string>());
      listings.set(dir, l);
    }
    return l;
  };
  return async (parts) => {
    const exact = join(folder, ...parts);
    if (await stat(exact).then((s) => s.isFile(), () => false)) return exact;
    let dir = folder;
    for (const p of parts) {
      const name = (await listing(dir)).get(p.toUpperCase());
      if (!name) return undefined;
      dir = join(dir, name);
    }
    return await stat(dir).then((s) => s.isFile(), () => false) ? dir : undefined;
  };
}

/**
 * The image files that the DICOMDIR at `path` lists and that exist, in its order (patient, study, series, image),
 * each once, and with `objects` the files of its OBJECT_RECORDS (presentation states, reports) after them, marked;
 * undefined when it is no readable DICOMDIR or lists no image that exists (the folder is then searched as any other).
 */
export async function dicomdirImages(path: string, folder: string, objects = false): Promise<{ path: string; object?: true }[] | undefined> {
  let items: { dataSet?: { string(tag: string): string | undefined } }[];
  try {
    if ((await stat(path)).size > MAX_DICOMDIR_BYTES) return undefined;
    const ds = parseDicomHeader(new Uint8Array(await readRegularFile(path)));
    items = (ds.elements[RECORDS]?.items ?? []) as typeof items;
  } catch {
    return undefined;
  }
  const files = new Set<string>();
  const others = new Set<string>();
  const find = caseless(folder);
  for (const item of items) {
    const record = item.dataSet;
    const type = record?.string(RECORD_TYPE)?.trim().toUpperCase() ?? '';
    const image = type === 'IMAGE';
    if (!record || !(image || (objects && OBJECT_RECORDS.has(type)))) continue;
    const id = record.string(FILE_ID);
    if (!id) continue; // a patient, study or series record
    const parts = id.split('\\').map((p) => p.trim());
    if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) continue;
    const file = await find(parts);
    if (file) (image ? files : others).add(file);
  }
  return files.size > 0 ? [...[...files].map((f) => ({ path: f })), ...[...others].filter((f) => !files.has(f)).map((f) => ({ path: f, object: true as const }))] : undefined;
}
