/**
 * Export of a whole opened file or study from the viewer: every image as PNG (16-bit where the source was) or DICOM,
 * one file each, in a folder the user chose. All files appear together or none (temp files in that folder, then
 * placed without replacing anything), so a failure halfway leaves no partial study behind.
 */
import { basename, extname, join } from 'node:path';
import { AtomicFile, commitAll } from '../fs/atomic.js';
import { outputBytes, type OutputFormat } from './decrypt.js';
import { mapLimit } from './pool.js';
import type { SliceCache } from './slices.js';

/** File names for the images, from their recorded names ("scan.dcm#3" → "scan-3"), made unique in order. */
export function exportNames(names: string[], format: OutputFormat): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    const [, file = '', frame] = /^(.*?)(?:#(\d+))?$/s.exec(name) ?? [];
    const base = basename(file.replace(/\\/g, '/')); // never a folder: the name came from inside the file
    const stem = `${basename(base, extname(base)).replace(/^\.+/, '')}${frame ? `-${frame}` : ''}` || 'image'; // no hidden files
    let out = `${stem}.${format}`;
    for (let k = 2; taken.has(out.toLowerCase()); k++) out = `${stem}-${k}.${format}`;
    taken.add(out.toLowerCase());
    return out;
  });
}

/**
 * Writes every image of `slices` into `dir`; returns the paths written. Decoding goes through the slice cache
 * (`lanes` images at a time), so a large study never sits in memory whole.
 */
export async function exportSlices(slices: SliceCache, dir: string, format: OutputFormat, lanes = 2): Promise<string[]> {
  const indices = Array.from({ length: slices.length }, (_, i) => i);
  const names = exportNames(indices.map((i) => slices.record(i).name), format);
  const files: { file: AtomicFile; path: string }[] = [];
  const written = await mapLimit(indices, lanes, async (i) => {
    const path = join(dir, names[i]!);
    const file = await AtomicFile.create(path);
    files.push({ file, path });
    await file.write(await outputBytes(await slices.image(i), slices.record(i), format, i + 1, { blobs: slices.coded(i).blobs }));
    await file.seal();
    return path;
  });
  const failed = written.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(files.map(({ file }) => file.abort()));
    throw failed.reason;
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  await commitAll(files, false);
  return written.map((r) => (r as PromiseFulfilledResult<string>).value);
}
