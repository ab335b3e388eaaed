/** Output folders made for a run and taken away again if the run put nothing in them. */
import { existsSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { AeimgError, ErrorCode, inFile } from '../errors.js';

/**
 * Runs work whose outputs may go into subfolders of the output folder that do not exist yet (a folder's subfolders
 * mirrored by batchOutputs, a study's series): creates them first, and removes afterwards those it created that stayed
 * empty (every file in them failed or was cancelled), so a failed run leaves no empty folders behind.
 */
export async function inFolders<R>(outputs: readonly string[], outDir: string | undefined, run: () => Promise<R>): Promise<R> {
  const created: string[] = [];
  try {
    // Only below an output folder that exists: a missing one is the user's to create (each file says so).
    const below = outDir !== undefined && existsSync(outDir) ? resolve(outDir) + sep : undefined;
    for (const dir of new Set(outputs.map((o) => dirname(resolve(o))))) {
      if (below === undefined || !dir.startsWith(below)) continue;
      const first = await mkdir(dir, { recursive: true }).catch((err: unknown) => {
        throw new AeimgError(ErrorCode.Io, `cannot create the output folder ${dir}: ${inFile(dir, err).message.replace(/^[^:]*: /, '')}; choose another output folder.`);
      });
      for (let d = dir; first !== undefined; d = dirname(d)) {
        created.push(d);
        if (d === first || d === dirname(d)) break;
      }
    }
    return await run();
  } finally {
    // Deepest first; a folder that received a file is not empty and stays.
    for (const d of created.sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined);
  }
}
