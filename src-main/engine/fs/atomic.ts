/**
 * Output files appear complete or not at all: data goes to a temp file in the destination folder,
 * is flushed, then linked (no clobber) or renamed (replacing, when forced) into place.
 */
import { randomBytes } from 'node:crypto';
import { access, link, lstat, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AeimgError, ErrorCode, inFile, Remedy } from '../errors.js';

export interface WriteOptions {
  /** Replace an existing file. */
  force?: boolean;
  mode?: number;
}

/**
 * A file's bytes: one array, or its parts in order (a cine's DICOM: its header, then each frame's samples as it is
 * written, so that the whole file is never one buffer).
 */
export type FileData = Uint8Array | Iterable<Uint8Array>;

export class AtomicFile {
  private done = false;
  private sealed = false;
  private constructor(
    readonly path: string,
    readonly tempPath: string,
    readonly handle: FileHandle,
    private readonly force: boolean,
  ) {}

  static async create(path: string, { force = false, mode = 0o644 }: WriteOptions = {}): Promise<AtomicFile> {
    const tempPath = join(dirname(path), `.${shortened(basename(path), 233)}.${randomBytes(6).toString('hex')}.partial`);
    try {
      const handle = await open(tempPath, 'wx', mode);
      return new AtomicFile(path, tempPath, handle, force);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new AeimgError(ErrorCode.Io, `${basename(path)}: the folder ${dirname(path)} does not exist; create it first or choose another folder.`);
      }
      throw inFile(path, err);
    }
  }

  async write(data: FileData): Promise<void> {
    for (const part of data instanceof Uint8Array ? [data] : data) {
      let off = 0;
      while (off < part.length) off += (await this.handle.write(part, off, part.length - off)).bytesWritten;
    }
  }

  /** Flushes and moves the file into place; fails with OutputExists rather than replace a file without force. */
  async commit(): Promise<void> {
    try {
      await this.seal();
      await place(this.tempPath, this.path, this.force);
      this.done = true;
    } catch (err) {
      await this.abort();
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw outputExists(this.path);
      throw inFile(this.path, err);
    }
  }

  /** Flushes and closes the temp file, leaving it unplaced: commitAll places a set of files together. */
  async seal(): Promise<void> {
    if (this.sealed) return;
    this.sealed = true;
    await this.handle.sync();
    await this.handle.close();
  }

  /** Removes the temp file; safe to call more than once. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (!this.sealed) await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }

  /** Marks a sealed file as placed (commitAll moved it). */
  placed(): void {
    this.done = true;
  }
}

async function place(tempPath: string, path: string, force: boolean): Promise<void> {
  if (force) {
    await rename(tempPath, path);
  } else {
    await link(tempPath, path); // fails with EEXIST rather than replace: no clobber even against another process
    await unlink(tempPath);
  }
}

/**
 * Places several sealed files under their final names, all or none: every name is checked before any is placed,
 * and without force a name taken meanwhile (another run) undoes the ones this call placed. The files are aborted on
 * failure.
 */
export async function commitAll(files: { file: AtomicFile; path: string }[], force: boolean): Promise<void> {
  const placed: string[] = [];
  try {
    for (const { file } of files) await file.seal();
    if (!force) {
      for (const { path } of files) {
        if (await access(path).then(() => true, () => false)) throw outputExists(path);
      }
    }
    for (const { file, path } of files) {
      try {
        await place(file.tempPath, path, force);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw outputExists(path);
        throw inFile(path, err);
      }
      placed.push(path);
      file.placed();
    }
  } catch (err) {
    if (!force) await Promise.all(placed.map((p) => unlink(p).catch(() => undefined)));
    await Promise.all(files.map(({ file }) => file.abort()));
    throw err;
  }
}

/**
 * A name cut to at most `bytes` bytes of UTF-8, on a character boundary: a temp name adds 22 bytes to its file's, and
 * file systems allow 255 (a 240-character name failed with ENAMETOOLONG on its temp file).
 */
function shortened(name: string, bytes: number): string {
  const utf8 = Buffer.from(name, 'utf8');
  if (utf8.length <= bytes) return name;
  let end = bytes;
  while (end > 0 && (utf8[end]! & 0xc0) === 0x80) end--;
  return utf8.subarray(0, end).toString('utf8');
}

/** The temp names AtomicFile.create makes: `.NAME.<12 hex digits>.partial` (NAME cut to 233 bytes). */
export const TEMP_NAME = /^\..+\.[0-9a-f]{12}\.partial$/;

/**
 * Removes what a killed run (kill -9, power cut) left in `dir`: regular files named as our temp files and last
 * modified before `before` (ms since the epoch; a run in progress keeps writing its own). Nothing else is touched.
 * Returns the names removed.
 */
export async function removeStalePartials(dir: string, before: number): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names.filter((n) => TEMP_NAME.test(n))) {
    const path = join(dir, name);
    const info = await lstat(path).catch(() => null);
    if (!info?.isFile() || info.mtimeMs >= before) continue;
    if (await unlink(path).then(() => true, () => false)) removed.push(name);
  }
  return removed;
}

export function outputExists(path: string): AeimgError {
  return new AeimgError(ErrorCode.OutputExists, `${basename(path)} already exists in ${dirname(path)}.`,
    { remedy: Remedy.ReplaceExisting, facts: { file: path } });
}

export async function writeFileAtomic(path: string, data: FileData, options: WriteOptions = {}): Promise<void> {
  const file = await AtomicFile.create(path, options);
  try {
    await file.write(data);
  } catch (err) {
    await file.abort();
    throw inFile(path, err);
  }
  await file.commit();
}
