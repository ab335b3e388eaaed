/**
 * The plaintext inside the STREAM: a sequence of entries, then a 4-byte zero terminator.
 *   entry = u32 BE length of JSON (1..1 MiB) | JSON | blobs (their lengths are given by the JSON)
 * Entries are written and read one at a time, so a file can hold any number of images in bounded memory.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import type { StreamEncryptor } from './stream.js';

export const MAX_ENTRY_JSON = 1 << 20;

export interface Entry {
  meta: Record<string, unknown>;
  blobs: Buffer[];
}

/** Plaintext bytes one entry takes in the payload: length prefix, JSON, blobs. */
export function entryBytes(meta: object, blobs: readonly Buffer[] = []): number {
  return 4 + Buffer.byteLength(JSON.stringify(meta)) + blobs.reduce((a, b) => a + b.length, 0);
}

export class PayloadWriter {
  constructor(private readonly out: StreamEncryptor) {}

  async add(meta: object, blobs: Buffer[] = []): Promise<void> {
    const json = Buffer.from(JSON.stringify(meta), 'utf8');
    if (json.length === 0 || json.length > MAX_ENTRY_JSON) throw new AeimgError(ErrorCode.TooLarge, 'metadata too large to store.');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    await this.out.write(Buffer.concat([len, json]));
    for (const b of blobs) await this.out.write(b);
  }

  async end(): Promise<void> {
    await this.out.write(Buffer.alloc(4));
    await this.out.finish();
  }
}

/** Validates an entry's JSON and returns the byte lengths of its blobs; throws to refuse it before any allocation. */
export type EntryValidator = (meta: Record<string, unknown>) => number[];

export class PayloadReader {
  private buf = Buffer.alloc(0);
  private done = false;

  constructor(private readonly chunks: AsyncIterator<Buffer>) {}

  private async take(n: number): Promise<Buffer> {
    const parts: Buffer[] = [this.buf];
    let have = this.buf.length;
    while (have < n) {
      const next = await this.chunks.next();
      if (next.done) {
        throw new AeimgError(ErrorCode.Malformed, 'its encrypted contents end in the middle of an entry.');
      }
      parts.push(next.value);
      have += next.value.length;
    }
    const all = parts.length === 1 ? this.buf : Buffer.concat(parts);
    this.buf = all.subarray(n);
    return all.subarray(0, n);
  }

  /** The next entry, or null after the terminator (checking that nothing follows it). */
  async next(validate: EntryValidator): Promise<Entry | null> {
    if (this.done) return null;
    const len = (await this.take(4)).readUInt32BE(0);
    if (len === 0) {
      this.done = true;
      if (this.buf.length > 0 || !(await this.chunks.next()).done) {
        throw new AeimgError(ErrorCode.Malformed, 'has data after the end of its contents.');
      }
      return null;
    }
    if (len > MAX_ENTRY_JSON) throw new AeimgError(ErrorCode.Malformed, `has an entry claiming ${len} bytes of metadata.`);
    let meta: unknown;
    try {
      meta = JSON.parse((await this.take(len)).toString('utf8'));
    } catch {
      throw new AeimgError(ErrorCode.Malformed, 'has an entry whose metadata is not valid JSON.');
    }
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
      throw new AeimgError(ErrorCode.Malformed, 'has an entry whose metadata is not an object.');
    }
    const lengths = validate(meta as Record<string, unknown>);
    const blobs: Buffer[] = [];
    for (const n of lengths) blobs.push(Buffer.from(await this.take(n)));
    return { meta: meta as Record<string, unknown>, blobs };
  }
}
