/**
 * The plaintext inside the STREAM: a sequence of entries, then a terminator.
 *   format 2: entry = varint length (1..1 MiB) | binary entry (entries.ts) | blobs;   terminator = one 0 byte
 *   format 1: entry = u32 BE length (1..1 MiB) | JSON                     | blobs;   terminator = u32 0
 * The entry says how long its blobs are. Entries are written and read one at a time, so a file can hold any number
 * of images in bounded memory.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { ByteWriter } from './binary.js';
import { EntryCodec } from './entries.js';
import type { FormatVersion } from './header.js';
import type { StreamEncryptor } from './stream.js';

export const MAX_ENTRY_JSON = 1 << 20;

export interface Entry {
  meta: Record<string, unknown>;
  blobs: Buffer[];
}

/** An entry's bytes with their length prefix, as `version` frames them. */
function framed(version: FormatVersion, bytes: Buffer): Buffer {
  if (bytes.length === 0 || bytes.length > MAX_ENTRY_JSON) throw new AeimgError(ErrorCode.TooLarge, 'metadata too large to store.');
  if (version === 2) return Buffer.concat([new ByteWriter().varint(bytes.length).finish(), bytes]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

const blobBytes = (blobs: readonly Buffer[]) => blobs.reduce((a, b) => a + b.length, 0);

/**
 * Plaintext bytes an entry takes, for estimates before encoding a batch: on its own (as the first image of a file), or
 * after the entries `codec` has been advanced past (as a file codes it: a profile the record before had goes once).
 */
export function entryBytes(meta: object, blobs: readonly Buffer[] = [], codec = new EntryCodec()): number {
  return framed(2, codec.encode(meta)).length + blobBytes(blobs);
}

export class PayloadWriter {
  private readonly codec = new EntryCodec();

  constructor(private readonly out: StreamEncryptor, readonly version: FormatVersion = 2) {}

  /** The last entry encoded: a study asks an entry's size and then adds it, and the record is encoded once. */
  private last: { meta: object; bytes: Buffer } | undefined;

  private bytesOf(meta: object): Buffer {
    if (this.last?.meta !== meta) {
      const bytes = framed(this.version, this.version === 2 ? this.codec.encode(meta) : Buffer.from(JSON.stringify(meta), 'utf8'));
      this.last = { meta, bytes };
    }
    return this.last.bytes;
  }

  /** Plaintext bytes this entry would take if it were added next. */
  entryBytes(meta: object, blobs: readonly Buffer[] = []): number {
    return this.bytesOf(meta).length + blobBytes(blobs);
  }

  async add(meta: object, blobs: Buffer[] = []): Promise<void> {
    const bytes = this.bytesOf(meta);
    this.last = undefined; // the next entry is coded against this one
    await this.out.write(bytes);
    this.codec.advance(meta);
    for (const b of blobs) await this.out.write(b);
  }

  get terminatorBytes(): number {
    return this.version === 2 ? 1 : 4;
  }

  async end(): Promise<void> {
    await this.out.write(Buffer.alloc(this.terminatorBytes));
    await this.out.finish();
  }
}

/** Validates an entry's JSON and returns the byte lengths of its blobs; throws to refuse it before any allocation. */
export type EntryValidator = (meta: Record<string, unknown>) => number[];

export class PayloadReader {
  private buf = Buffer.alloc(0);
  private done = false;
  private readonly codec = new EntryCodec();

  constructor(private readonly chunks: AsyncIterator<Buffer>, private readonly version: FormatVersion = 2) {}

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
    const len = this.version === 2 ? await this.takeVarint() : (await this.take(4)).readUInt32BE(0);
    if (len === 0) {
      this.done = true;
      if (this.buf.length > 0 || !(await this.chunks.next()).done) {
        throw new AeimgError(ErrorCode.Malformed, 'has data after the end of its contents.');
      }
      return null;
    }
    if (len > MAX_ENTRY_JSON) throw new AeimgError(ErrorCode.Malformed, `has an entry claiming ${len} bytes of metadata.`);
    const bytes = Buffer.from(await this.take(len));
    const meta = this.version === 2 ? this.codec.decode(bytes) : parseJson(bytes);
    const lengths = validate(meta);
    this.codec.advance(meta);
    const blobs: Buffer[] = [];
    for (const n of lengths) blobs.push(Buffer.from(await this.take(n)));
    return { meta, blobs };
  }

  private async takeVarint(): Promise<number> {
    let v = 0;
    for (let shift = 1; shift <= 128 ** 3; shift *= 128) {
      const b = (await this.take(1))[0]!;
      v += (b & 0x7f) * shift;
      if (!(b & 0x80)) return v;
    }
    throw new AeimgError(ErrorCode.Malformed, 'has a damaged entry length.');
  }
}

function parseJson(bytes: Buffer): Record<string, unknown> {
  let meta: unknown;
  try {
    meta = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AeimgError(ErrorCode.Malformed, 'has an entry whose metadata is not valid JSON.');
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new AeimgError(ErrorCode.Malformed, 'has an entry whose metadata is not an object.');
  }
  return meta as Record<string, unknown>;
}
