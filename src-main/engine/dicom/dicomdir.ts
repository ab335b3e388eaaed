/**
 * A CD's index (PS3.10 DICOMDIR, PS3.3 F.5): the images it lists. A CD given whole goes as the images its DICOMDIR
 * lists, as viewers import a CD, rather than every file below it: a CD also carries its viewer, whose icons are PNG
 * files, and non-image objects (structured reports, presentation states) that are no image to encrypt.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '../fs/read.js';
import { parseDicomHeader } from './parse.js';

/** Directory Record Sequence, its items' type and file ID. */
const RECORDS = 'x00041220';
const RECORD_TYPE = 'x00041430';
const FILE_ID = 'x00041500';

/** A DICOMDIR larger than this is not read (one of a CD of 10,000 images is a few MB): the folder is searched instead. */
const MAX_DICOMDIR_BYTES = 64 << 20;

/** A file ID component (PS3.10 8.2 allows 1–8 of A–Z, 0–9, _; exporters bend that): a plain name, never a way out. */
const COMPONENT = /^(?!\.{1,2}$)[^/\\:\0]{1,255}$/;

/**
 * The image files that the DICOMDIR at `path` lists and that exist, in its order (patient, study, series, image),
 * each once; undefined when it is no readable DICOMDIR or lists no image that exists (the folder is then searched as
 * any other).
 */
export async function dicomdirImages(path: string, folder: string): Promise<string[] | undefined> {
  let items: { dataSet?: { string(tag: string): string | undefined } }[];
  try {
    if ((await stat(path)).size > MAX_DICOMDIR_BYTES) return undefined;
    const ds = parseDicomHeader(new Uint8Array(await readRegularFile(path)));
    items = (ds.elements[RECORDS]?.items ?? []) as typeof items;
  } catch {
    return undefined;
  }
  const files = new Set<string>();
  for (const item of items) {
    const record = item.dataSet;
    if (record?.string(RECORD_TYPE)?.trim().toUpperCase() !== 'IMAGE') continue;
    const parts = (record.string(FILE_ID) ?? '').split('\\').map((p) => p.trim());
    if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) continue;
    const file = join(folder, ...parts);
    if (!files.has(file) && await stat(file).then((s) => s.isFile(), () => false)) files.add(file);
  }
  return files.size > 0 ? [...files] : undefined;
}
