import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isDicomFile } from '../dicom/import.js';
import { AeimgError, ErrorCode } from '../errors.js';
import { outputExists } from '../fs/atomic.js';
import { AEIMG_EXT, AEIMG_INPUT } from '../../../src-shared/files.js';

export { isDicomFile, AEIMG_EXT, AEIMG_INPUT };

/** Extensions a name loses when its output gets a new one; others stay, so "1.2.840.10008.1.320" keeps its ".320". */
const KNOWN_EXT = /\.(png|jpe?g|tiff?|webp|dcm|dicom|dic|ima|aeimg)$/i;

/** A file name without its extension, if aeimg knows that extension (a UID-named DICOM file is all name). */
export function nameStem(name: string): string {
  return basename(name).replace(KNOWN_EXT, '');
}

/** name.ext in `outDir` (default: beside the input) with a new extension. */
export function outputPathFor(input: string, ext: string, outDir?: string, suffix = ''): string {
  return join(outDir ?? dirname(input), `${nameStem(input)}${suffix}${ext}`);
}

/**
 * The outputs of a batch, one per input: as outputPathFor, but never one path twice (compared without case, as
 * macOS and Windows do): a later input whose name is taken gets " (2)", " (3)", … (scan.png and scan.jpg in one folder,
 * or two folders' scan.png into one `-o` folder, were written to one scan.aeimg, the last replacing the others). Not
 * "-2": a decrypted file's second frame is name-2.png. With `ext` '', the paths are output stems (decryptFiles).
 */
/** A path as a batch compares outputs: resolved, without case (as macOS and Windows compare names). */
export function outputKey(path: string): string {
  return resolve(path).toLowerCase();
}

export function batchOutputs(inputs: readonly string[], ext: string, outDir?: string): string[] {
  const taken = new Set<string>();
  return inputs.map((input) => {
    let output = outputPathFor(input, ext, outDir);
    for (let k = 2; taken.has(outputKey(output)); k++) output = outputPathFor(input, ext, outDir, ` (${k})`);
    taken.add(outputKey(output));
    return output;
  });
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

/**
 * Files and folders → files: a folder gives its files matching `pattern`, and, with `sniff`, those whose name does
 * not match but whose content does (a CD's DICOM files have no extension), in natural name order; each file once.
 */
export async function expandInputs(paths: string[], pattern: RegExp, sniff?: (path: string) => Promise<boolean>): Promise<string[]> {
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
    const names: string[] = [];
    for (const n of await readdir(p)) {
      if (n.startsWith('.')) continue;
      if (pattern.test(n) || (sniff && await sniff(join(p, n)))) names.push(n);
    }
    names.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    out.push(...names.map((n) => join(p, n)));
  }
  // A file given twice (by name and in its folder, say) is one input.
  const seen = new Set<string>();
  return out.filter((f) => !seen.has(resolve(f)) && seen.add(resolve(f)));
}

/** The nearest folder under `folder` (breadth first, `depth` levels down) that holds files `expandInputs` takes. */
async function subfolderWithInputs(folder: string, pattern: RegExp, sniff: ((path: string) => Promise<boolean>) | undefined, depth = 4): Promise<string | undefined> {
  let level = [folder];
  for (let d = 0; d < depth && level.length > 0; d++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (!e.isDirectory() || e.name.startsWith('.')) continue; // links to folders are not followed
        const sub = join(dir, e.name);
        if ((await expandInputs([sub], pattern, sniff)).length > 0) return sub;
        next.push(sub);
      }
    }
    level = next;
  }
  return undefined;
}

/**
 * What to say when the folders given hold no image: their subfolders are not searched, so name the first that holds
 * images (a DICOM CD keeps them in DICOM/ST000000/SE000000).
 */
export async function noImagesMessage(paths: string[]): Promise<string> {
  for (const p of paths) {
    const sub = await subfolderWithInputs(p, IMAGE_INPUT, isDicomFile);
    if (sub) return `${basename(p)} holds no image itself, and its subfolders are not searched: give the folder that holds them, e.g. ${sub}.`;
  }
  return 'the folders given hold no PNG, JPEG, TIFF, WebP or DICOM image.';
}

/** A decrypted image's file name without extension: the original name, frame "#3" as "-3". */
export function imageStem(recordName: string): string {
  const [, name, frame] = /^(.*?)(#\d+)?$/.exec(basename(recordName))!;
  return nameStem(name!) + (frame ? `-${frame.slice(1)}` : '');
}

export type InputKind = 'image' | 'dicom' | 'aeimg' | 'other';

export async function inputKind(path: string): Promise<InputKind> {
  if (AEIMG_INPUT.test(path)) return 'aeimg';
  if (await isDicomFile(path)) return 'dicom';
  if (IMAGE_INPUT.test(path)) return 'image';
  return 'other';
}

/** Files and folders → the files in them that aeimg takes, with their size and kind (the app's file list). */
export async function listInputs(paths: string[]): Promise<{ path: string; name: string; bytes: number; kind: InputKind }[]> {
  const files = await expandInputs(paths, /\.(png|jpe?g|tiff?|webp|dcm|dicom|aeimg)$/i, isDicomFile);
  if (files.length === 0) throw new AeimgError(ErrorCode.BadInput, await noImagesMessage(paths));
  return Promise.all(files.map(async (path) => ({
    path, name: basename(path), bytes: await stat(path).then((s) => s.size, () => 0), kind: await inputKind(path),
  })));
}
