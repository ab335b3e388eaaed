/**
 * STREAM chunked AEAD (age's payload design) over AES-256-GCM.
 * Plaintext is cut into fixed-size chunks; chunk i is sealed with nonce = 11-byte big-endian i || last-flag.
 * A reordered, dropped, duplicated or appended chunk, or a file cut at any point, fails to authenticate.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { gcmOpen, gcmSeal, GCM_TAG_BYTES } from '../crypto/primitives.js';
import type { ByteSource } from './source.js';
import { MAGIC } from './header.js';

const COUNTER_LIMIT = 2 ** 48;

function chunkNonce(counter: number, last: boolean): Buffer {
  if (counter >= COUNTER_LIMIT) throw new AeimgError(ErrorCode.TooLarge, 'the payload is too large to encrypt.');
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(counter, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Encrypts a byte stream chunk by chunk; call write() any number of times, then finish() once. */
export class StreamEncryptor {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private counter = 0;
  private finished = false;

  constructor(
    private readonly key: Buffer,
    private readonly chunkSize: number,
    private readonly sink: (sealed: Buffer) => Promise<void>,
  ) {}

  async write(data: Uint8Array): Promise<void> {
    if (this.finished) throw new Error('StreamEncryptor: write after finish');
    this.pending.push(Buffer.from(data));
    this.pendingBytes += data.length;
    // Keep at least one byte back: the last chunk must be sealed with the last flag, and it may be full.
    while (this.pendingBytes > this.chunkSize) {
      const all = Buffer.concat(this.pending);
      await this.sink(gcmSeal(this.key, chunkNonce(this.counter++, false), all.subarray(0, this.chunkSize)));
      this.pending = [all.subarray(this.chunkSize)];
      this.pendingBytes = all.length - this.chunkSize;
    }
  }

  async finish(): Promise<void> {
    this.finished = true;
    await this.sink(gcmSeal(this.key, chunkNonce(this.counter++, true), Buffer.concat(this.pending)));
    this.pending = [];
  }
}

/** Appended data is usually short (a newline, a signature): how far back the real end is looked for. */
const MAX_APPENDED_SEARCH = 256;

/** Text a mail program or an editor may append (a footer, a disclaimer): printable ASCII, tabs and line ends. */
const isText = (b: number) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127);

/**
 * When a piece fails, whether it is a whole final chunk followed by appended bytes: returns how many bytes follow
 * the chunk within this piece (more follow when the piece is not the file's end), or null. Tries the last
 * MAX_APPENDED_SEARCH possible ends (one AES-GCM open each), then, where the piece ends in a longer run of text (a
 * mail footer of a kilobyte, 0.47), the ends near where that text starts: ciphertext is text by chance for a few bytes.
 */
function appendedBytes(key: Buffer, counter: number, sealed: Buffer, last: boolean): number | null {
  const nonce = chunkNonce(counter, true);
  const opens = (cut: number) => sealed.length - cut >= GCM_TAG_BYTES && gcmOpen(key, nonce, sealed.subarray(0, sealed.length - cut)) !== null;
  for (let cut = last ? 1 : 0; cut <= MAX_APPENDED_SEARCH && sealed.length - cut >= GCM_TAG_BYTES; cut++) if (opens(cut)) return cut;
  let text = 0;
  // Not only in the file's last piece: a footer may run on past the piece that holds the last chunk.
  while (text < sealed.length && isText(sealed[sealed.length - 1 - text]!)) text++;
  for (let cut = text; cut > MAX_APPENDED_SEARCH && cut >= text - 64; cut--) if (opens(cut)) return cut;
  return null;
}

/** Where a second .aeimg file starts inside a piece whose first part is a whole final chunk (two files saved as one), or -1. */
function joinedFile(key: Buffer, counter: number, sealed: Buffer): number {
  const at = sealed.indexOf(MAGIC);
  return at >= GCM_TAG_BYTES && gcmOpen(key, chunkNonce(counter, true), sealed.subarray(0, at)) ? at : -1;
}

/** Yields the authenticated plaintext of each chunk, in order; throws Truncated or Tampered. */
export async function* decryptStream(source: ByteSource, key: Buffer, chunkSize: number): AsyncGenerator<Buffer> {
  const sealedSize = chunkSize + GCM_TAG_BYTES;
  for (let counter = 0; ; counter++) {
    const start = source.position;
    const sealed = await source.read(sealedSize);
    const last = await source.atEnd();
    if (sealed.length === 0) {
      throw new AeimgError(ErrorCode.Truncated, 'the file is cut short (the encrypted data ends early); ask the sender for a complete copy.');
    }
    const plain = gcmOpen(key, chunkNonce(counter, last), sealed);
    if (plain) {
      if (last && plain.length === 0 && counter > 0) {
        throw new AeimgError(ErrorCode.Malformed, 'the file ends with an empty chunk, which aeimg never writes.');
      }
      yield plain;
      if (last) return;
      continue;
    }
    if (last && sealed.length === sealedSize && gcmOpen(key, chunkNonce(counter, false), sealed)) {
      throw new AeimgError(ErrorCode.Truncated, 'the file is cut short (it ends at a chunk boundary); ask the sender for a complete copy.');
    }
    const joined = joinedFile(key, counter, sealed);
    if (joined >= 0) {
      throw new AeimgError(ErrorCode.Malformed,
        `has a second .aeimg file joined to its end (from byte ${start + joined}): two attachments were saved as one file, and ` +
        'nothing was decrypted. Save each attachment on its own, or ask the sender for the files again.');
    }
    const extra = appendedBytes(key, counter, sealed, last);
    if (extra !== null) {
      throw new AeimgError(ErrorCode.Malformed,
        `has extra bytes after its end (${last ? `${extra} bytes were` : 'something was'} appended to it, e.g. by a mail program or a ` +
        'download); the file was not decrypted. Ask the sender for a clean copy.');
    }
    // Where: the chunk that fails, by its bytes (0.46 said "near byte N", its start, as if the damage were there).
    const where = `bytes ${start}–${start + sealed.length - 1}`;
    if (last && sealed.length < sealedSize) {
      // A short final piece that fails as a last chunk is most often a cut in the middle of a chunk; a change in it
      // fails alike, and nothing tells the two apart: both are said (0.46 said "cut short" here, and "altered or
      // damaged" of the same change in an earlier chunk).
      throw new AeimgError(ErrorCode.Truncated,
        `the file is cut short, or damaged in transit: its last part (${where}) does not authenticate. Ask the sender for a complete copy.`);
    }
    throw new AeimgError(ErrorCode.Tampered,
      `the encrypted data does not authenticate in ${where} (chunk ${counter + 1}): the file was altered or damaged in transit. ` +
      'Ask the sender for a new copy.');
  }
}
