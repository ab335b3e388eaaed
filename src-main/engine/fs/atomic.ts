/**
 * Output files appear complete or not at all: data goes to a temp file in the destination folder,
 * is flushed, then linked (no clobber) or renamed (--force) into place.
 */
import { randomBytes } from 'node:crypto';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AeimgError, ErrorCode, inFile } from '../errors.js';

export interface WriteOptions {
  /** Replace an existing file. */
  force?: boolean;
  mode?: number;
}

export class AtomicFile {
  private done = false;
  private constructor(
    readonly path: string,
    readonly tempPath: string,
    readonly handle: FileHandle,
    private readonly force: boolean,
  ) {}

  static async create(path: string, { force = false, mode = 0o644 }: WriteOptions = {}): Promise<AtomicFile> {
    const tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
    try {
      const handle = await open(tempPath, 'wx', mode);
      return new AtomicFile(path, tempPath, handle, force);
    } catch (err) {
      throw inFile(path, err);
    }
  }

  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) off += (await this.handle.write(data, off, data.length - off)).bytesWritten;
  }

  /** Flushes and moves the file into place; fails with OutputExists rather than replace a file without force. */
  async commit(): Promise<void> {
    try {
      await this.handle.sync();
      await this.handle.close();
      if (this.force) {
        await rename(this.tempPath, this.path);
      } else {
        await link(this.tempPath, this.path);
        await unlink(this.tempPath);
      }
      this.done = true;
    } catch (err) {
      await this.abort();
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw outputExists(this.path);
      throw inFile(this.path, err);
    }
  }

  /** Removes the temp file; safe to call more than once. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close().catch(() => undefined);
    await unlink(this.tempPath).catch(() => undefined);
  }
}

export function outputExists(path: string): AeimgError {
  return new AeimgError(ErrorCode.OutputExists,
    `${basename(path)} already exists in ${dirname(path)}; choose another output folder or pass --force to replace it.`);
}

export async function writeFileAtomic(path: string, data: Uint8Array, options: WriteOptions = {}): Promise<void> {
  const file = await AtomicFile.create(path, options);
  try {
    await file.write(data);
  } catch (err) {
    await file.abort();
    throw inFile(path, err);
  }
  await file.commit();
}
