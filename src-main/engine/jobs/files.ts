import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
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
