import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AeimgReader } from '../../../src-main/engine/container/aeimg-file.js';
import { MemorySource } from '../../../src-main/engine/container/source.js';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { createHash } from 'node:crypto';
import { blobsOf, buildVector, identitiesOf, VECTORS, VECTOR_DIR, type VectorSpec } from '../../../scripts/make-vectors.js';
import { tempDir } from '../../helpers.js';

/** Blob lengths: an image record's three (four with impulses), as one; or a generic entry's list. */
const genericBlobs = (meta: Record<string, unknown>) => {
  if (meta.kind === 'image') {
    const b = meta.blobs as { latent: number; alpha: number; residual: number; impulses?: number };
    return [b.latent + b.alpha + b.residual + (b.impulses ?? 0)];
  }
  return Array.isArray(meta.blobs) ? (meta.blobs as number[]) : [];
};

async function readAll(data: Uint8Array, spec: VectorSpec, piece?: number) {
  const reader = await AeimgReader.fromSource(new MemorySource(data, piece), identitiesOf(spec));
  const entries = [];
  for (let e = await reader.next(genericBlobs); e; e = await reader.next(genericBlobs)) entries.push(e);
  return entries;
}

async function rejection(data: Uint8Array, spec: VectorSpec): Promise<AeimgError> {
  try {
    await readAll(data, spec);
  } catch (err) {
    expect(err).toBeInstanceOf(AeimgError);
    return err as AeimgError;
  }
  throw new Error('the damaged file was accepted');
}

describe.each(VECTORS.map((v) => [v.name, v] as const))('format vector %s', (name, spec) => {
  const file = readFileSync(join(VECTOR_DIR, `${name}.aeimg`));

  it('is the file its description names (size and SHA-256), so a regenerated vector cannot pass unnoticed', () => {
    const described = JSON.parse(readFileSync(join(VECTOR_DIR, `${name}.json`), 'utf8')) as { sha256: string; bytes: number; keys: unknown };
    expect(file.length).toBe(described.bytes);
    expect(createHash('sha256').update(file).digest('hex')).toBe(described.sha256);
    expect(described.keys).toEqual(spec.keys);
  });

  it('is reproduced byte for byte by the writer', async () => {
    const rebuilt = await buildVector(spec, join(await tempDir(), `${name}.aeimg`));
    expect(rebuilt.equals(file)).toBe(true);
  });

  it.each([['whole', undefined], ['byte by byte', 1], ['in 7-byte pieces', 7]] as const)(
    'decrypts to its entries when read %s', async (_how, piece) => {
      const entries = await readAll(file, spec, piece);
      expect(entries.map((e) => e.meta)).toEqual(spec.entries.map((e) => e.meta));
      entries.forEach((e, i) => expect(Buffer.concat(e.blobs).equals(Buffer.concat(blobsOf(spec.entries[i]!)))).toBe(true));
    });

  it('is refused with a wrong key, naming the key it needs', async () => {
    const wrong = new SharedKey(Buffer.alloc(32, 7), 'Wrong');
    const err = await AeimgReader.fromSource(new MemorySource(file), [wrong]).catch((e) => e);
    expect(err.code).toBe(ErrorCode.WrongKey);
    const kind = spec.keys[0]!.type;
    expect(err.message).toMatch(kind === 'key' ? /fingerprint [0-9A-F]{4}-/ : kind === 'passphrase' ? /passphrase/ : /contact/);
  });
});

describe('tampering and truncation of a 3-chunk vector', () => {
  const spec = VECTORS[0]!;
  const file = readFileSync(join(VECTOR_DIR, `${spec.name}.aeimg`));

  it('refuses every single flipped byte, header or payload', async () => {
    for (let i = 0; i < file.length; i++) {
      const bad = Buffer.from(file);
      bad[i]! ^= 0x01 << (i % 8);
      const err = await rejection(bad, spec);
      expect([ErrorCode.Tampered, ErrorCode.Truncated, ErrorCode.NotAeimg, ErrorCode.Malformed, ErrorCode.WrongKey,
        ErrorCode.UnsupportedVersion]).toContain(err.code);
    }
  });

  it('refuses the file cut at every length, saying it is cut short once past the header', async () => {
    for (let len = 0; len < file.length; len++) {
      const err = await rejection(file.subarray(0, len), spec);
      if (len >= 8 && len > file.length - 3 * (1024 + 16)) expect(err.code).toBe(ErrorCode.Truncated);
    }
  });

  it('refuses swapped chunks and an appended chunk', async () => {
    const headerEnd = 13 + file.readUInt32BE(9) + 32; // prefix + JSON + MAC (docs/format.md)
    const tail = file.subarray(headerEnd + 2080);
    const c0 = file.subarray(headerEnd, headerEnd + 1040);
    const c1 = file.subarray(headerEnd + 1040, headerEnd + 2080);
    const swapped = Buffer.concat([file.subarray(0, headerEnd), c1, c0, tail]);
    expect((await rejection(swapped, spec)).code).toBe(ErrorCode.Tampered);
    const appended = Buffer.concat([file, c0]);
    expect((await rejection(appended, spec)).code).toBe(ErrorCode.Tampered);
  });

  it('refuses a file that is not an aeimg file', async () => {
    expect((await rejection(Buffer.from('\x89PNG\r\n\x1a\n........'), spec)).code).toBe(ErrorCode.NotAeimg);
  });
});
