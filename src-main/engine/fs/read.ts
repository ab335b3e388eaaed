/** Reading inputs: only regular files, so a pipe or device given by mistake is refused by name instead of waiting forever. */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { AeimgError, ErrorCode, inFile } from '../errors.js';

/** Opens `path` for reading; a pipe, device, socket or folder is refused (opening never blocks: O_NONBLOCK). */
export async function openRegularFile(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw inFile(path, err);
  }
  const info = await handle.stat().catch(async (err: unknown) => {
    await handle.close();
    throw inFile(path, err);
  });
  if (!info.isFile()) {
    await handle.close();
    throw inFile(path, new AeimgError(ErrorCode.BadInput, info.isDirectory()
      ? 'is a folder, not a file.'
      : 'is not a regular file (a pipe, device or socket); give a file saved on disk.'));
  }
  return handle;
}

/**
 * The whole of a regular file. `check` is first given its first `head` bytes and may throw (an archive named from
 * them), so that a file refused by its head is not read whole, in one open.
 */
export async function readRegularFile(path: string, check?: { head: number; of: (head: Buffer) => void }): Promise<Buffer> {
  const handle = await openRegularFile(path);
  try {
    if (check) {
      const buf = Buffer.alloc(check.head);
      const { bytesRead } = await handle.read(buf, 0, check.head, 0); // at position 0: readFile still reads from the start
      check.of(buf.subarray(0, bytesRead));
    }
    return await handle.readFile();
  } catch (err) {
    throw inFile(path, err);
  } finally {
    await handle.close();
  }
}

/** The first `n` bytes of a regular file (fewer if it is shorter); undefined if it cannot be read as one. */
export async function readHead(path: string, n: number): Promise<Buffer | undefined> {
  return (await readHeadAndSize(path, n))?.head;
}

/** readHead, with the file's length in bytes. */
export async function readHeadAndSize(path: string, n: number): Promise<{ head: Buffer; size: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await openRegularFile(path);
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await handle.read(buf, 0, n, 0);
    return { head: buf.subarray(0, bytesRead), size: (await handle.stat()).size };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
