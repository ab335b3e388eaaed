import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isDicomPath } from '../dicom/import.js';
import { outputExists } from '../fs/atomic.js';

export const AEIMG_EXT = '.aeimg';

/** name.ext in `outDir` (default: beside the input) with a new extension. */
export function outputPathFor(input: string, ext: string, outDir?: string, suffix = ''): string {
  const base = basename(input, extname(input));
  return join(outDir ?? dirname(input), `${base}${suffix}${ext}`);
}

/** Fails early, before any heavy work, when an output would replace a file or an input. */
export function checkOutput(output: string, inputs: readonly string[], force: boolean): void {
  const out = resolve(output);
  if (inputs.some((i) => resolve(i) === out)) {
    throw new Error(`${basename(output)} would overwrite an input file; choose another output folder.`);
  }
  if (!force && existsSync(out)) throw outputExists(out);
}

/** Image inputs the encrypt journey takes from folders. */
export const IMAGE_INPUT = /\.(png|jpe?g|tiff?|webp|dcm|dicom)$/i;

/** Files and folders → files: a folder gives its files matching `pattern`, in natural name order. */
export async function expandInputs(paths: string[], pattern: RegExp): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      // a missing path is reported by the job itself, with its name
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    const names = (await readdir(p)).filter((n) => pattern.test(n) && !n.startsWith('.'));
    names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    out.push(...names.map((n) => join(p, n)));
  }
  return out;
}

/** A decrypted image's file name without extension: the original name, frame "#3" as "-3". */
export function imageStem(recordName: string): string {
  return basename(recordName, extname(recordName)).replace(/#(\d+)$/, '-$1');
}

export type InputKind = 'image' | 'dicom' | 'aeimg' | 'other';

export function inputKind(path: string): InputKind {
  if (/\.aeimg$/i.test(path)) return 'aeimg';
  if (isDicomPath(path)) return 'dicom';
  if (IMAGE_INPUT.test(path)) return 'image';
  return 'other';
}

/** Files and folders → the files in them that aeimg takes, with their size and kind (the app's file list). */
export async function listInputs(paths: string[]): Promise<{ path: string; name: string; bytes: number; kind: InputKind }[]> {
  const files = await expandInputs(paths, /\.(png|jpe?g|tiff?|webp|dcm|dicom|aeimg)$/i);
  return Promise.all(files.map(async (path) => ({
    path, name: basename(path), bytes: await stat(path).then((s) => s.size, () => 0), kind: inputKind(path),
  })));
}
