import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemorySource } from '../../../src-main/engine/container/source.js';
import { decryptStream, StreamEncryptor } from '../../../src-main/engine/container/stream.js';
import { MAGIC } from '../../../src-main/engine/container/header.js';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';

const KEY = Buffer.alloc(32, 9);
const CHUNK = 64;

async function seal(plain: Buffer, writes: number[] = [plain.length]): Promise<Buffer> {
  const out: Buffer[] = [];
  const enc = new StreamEncryptor(KEY, CHUNK, async (b) => { out.push(b); });
  let off = 0;
  for (const n of writes) {
    await enc.write(plain.subarray(off, off + n));
    off += n;
  }
  await enc.write(plain.subarray(off));
  await enc.finish();
  return Buffer.concat(out);
}

async function open(sealed: Buffer, piece?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of decryptStream(new MemorySource(sealed, piece), KEY, CHUNK)) parts.push(p);
  return Buffer.concat(parts);
}

const bytes = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + 5) & 0xff));

describe('STREAM chunked AES-256-GCM', () => {
  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 7])('round-trips %i bytes, whole and byte by byte', async (n) => {
    const plain = bytes(n);
    const sealed = await seal(plain);
    expect(sealed.length).toBe(Math.max(1, Math.ceil(n / CHUNK)) * 16 + n);
    expect((await open(sealed)).equals(plain)).toBe(true);
    expect((await open(sealed, 1)).equals(plain)).toBe(true);
  });

  it('gives the same ciphertext however the writes are split', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: 400 }), fc.array(fc.integer({ min: 0, max: 90 }), { maxLength: 8 }),
      async (n, writes) => {
        const plain = bytes(n);
        expect((await seal(plain, writes)).equals(await seal(plain))).toBe(true);
      }), { numRuns: 60 });
  });

  it('detects a cut at any position', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 300 }), fc.nat(), async (n, cutSeed) => {
      const sealed = await seal(bytes(n));
      const cut = cutSeed % sealed.length;
      const err = await open(sealed.subarray(0, cut)).catch((e) => e);
      expect(err).toBeInstanceOf(AeimgError);
      expect([ErrorCode.Truncated, ErrorCode.Tampered]).toContain((err as AeimgError).code);
      if (cut > 0 && cut % (CHUNK + 16) === 0) expect((err as AeimgError).code).toBe(ErrorCode.Truncated);
    }), { numRuns: 100 });
  });

  it('says "cut short" when a file ends exactly at a chunk boundary', async () => {
    const sealed = await seal(bytes(3 * CHUNK));
    for (const k of [1, 2]) {
      const err = await open(sealed.subarray(0, k * (CHUNK + 16))).catch((e) => e);
      expect(err.code).toBe(ErrorCode.Truncated);
      expect(err.message).toMatch(/cut short/);
    }
  });
});

describe('what a damaged stream is said to be (0.47)', () => {
  const failure = async (sealed: Buffer) => (await open(sealed).catch((e: unknown) => e)) as AeimgError;

  it('a mail footer of a kilobyte appended: extra bytes, not a cut (0.46 looked back 256 bytes only)', async () => {
    // Chunks of 4 KiB (aeimg writes 64 KiB): the last chunk and the footer are read as one piece, the file's last.
    const big = 4096;
    const out: Buffer[] = [];
    const enc = new StreamEncryptor(KEY, big, async (b) => { out.push(b); });
    await enc.write(bytes(big + 300));
    await enc.finish();
    const footer = Buffer.from('\r\n-- \r\nThis e-mail and any attachments are confidential. '.repeat(20), 'latin1');
    expect(footer.length).toBeGreaterThan(1000);
    const err = await (async () => { for await (const _ of decryptStream(new MemorySource(Buffer.concat([...out, footer])), KEY, big)); })().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`has extra bytes after its end \\(${footer.length} bytes were appended`));
  });

  it('a footer that runs on past the piece holding the last chunk is extra bytes too', async () => {
    const big = 4096;
    const out: Buffer[] = [];
    const enc = new StreamEncryptor(KEY, big, async (b) => { out.push(b); });
    await enc.write(bytes(big + (big - 600))); // a last chunk 600 bytes short of a full piece
    await enc.finish();
    const footer = Buffer.from('\r\nThis e-mail and any attachments are confidential and for the named recipient only. '.repeat(14), 'latin1');
    expect(footer.length).toBeGreaterThan(1000);
    const err = await (async () => { for await (const _ of decryptStream(new MemorySource(Buffer.concat([...out, footer])), KEY, big)); })().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/has extra bytes after its end \(something was appended/);
  });

  it('two files saved as one: a second .aeimg joined to the first\'s end is named', async () => {
    const first = await seal(bytes(2 * CHUNK + 10));
    const second = Buffer.concat([MAGIC, Buffer.from([2]), await seal(bytes(50))]);
    const err = await failure(Buffer.concat([first, second]));
    expect(err.message).toMatch(new RegExp(`has a second \\.aeimg file joined to its end \\(from byte ${first.length}\\)`));
  });

  it('a changed byte is named by the bytes of its chunk, in the last chunk as in an earlier one', async () => {
    const sealed = await seal(bytes(2 * CHUNK + 10));
    const flipped = (at: number) => { const b = Buffer.from(sealed); b[at]! ^= 1; return b; };
    const early = await failure(flipped(CHUNK + 16 + 5)); // in chunk 2 of 3
    expect(early.message).toBe(`the encrypted data does not authenticate in bytes ${CHUNK + 16}–${2 * (CHUNK + 16) - 1} (chunk 2): the file was altered or damaged in transit. Ask the sender for a new copy.`);
    const late = await failure(flipped(sealed.length - 3)); // in the last chunk: a cut and a change look alike
    expect(late.message).toBe(`the file is cut short, or damaged in transit: its last part (bytes ${2 * (CHUNK + 16)}–${sealed.length - 1}) does not authenticate. Ask the sender for a complete copy.`);
  });
});
