/**
 * Writes the .aeimg format test vectors in tests/vectors/ from fixed keys and a seeded random source.
 * The tests regenerate them and require byte-identical output, so any change to the format is deliberate.
 *   npx tsx scripts/make-vectors.ts [--check]
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AeimgWriter } from '../src-main/engine/container/aeimg-file.js';
import { Passphrase, SharedKey } from '../src-main/engine/keys/recipients.js';
import type { RandomSource } from '../src-main/engine/crypto/primitives.js';

export const VECTOR_DIR = join(import.meta.dirname, '..', 'tests', 'vectors');

/** Deterministic bytes: SHA-256(seed || counter) blocks. For vectors only, never for real files. */
export function seededRandom(seed: string): RandomSource {
  let counter = 0;
  return (n) => {
    const out: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
      out.push(block);
      have += block.length;
    }
    return Buffer.concat(out).subarray(0, n);
  };
}

export interface VectorSpec {
  name: string;
  keys: { type: 'key'; hex: string }[] | { type: 'passphrase'; passphrase: string; logN: number }[];
  chunkSize: number;
  entries: { meta: Record<string, unknown>; blobHex?: string[]; blobPattern?: { length: number; seed: number } }[];
}

const pattern = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff));

export const VECTORS: VectorSpec[] = [
  {
    name: 'v1-key-3chunks',
    keys: [{ type: 'key', hex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' }],
    chunkSize: 1024,
    entries: [
      { meta: { kind: 'file', app: 'aeimg vectors', created: '2026-01-01T00:00:00.000Z' } },
      { meta: { kind: 'note', text: 'three chunks of payload', blobs: [2500] }, blobPattern: { length: 2500, seed: 1 } },
    ],
  },
  {
    name: 'v1-two-keys-exact-chunk',
    keys: [
      { type: 'key', hex: '1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100' },
      { type: 'key', hex: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
    ],
    chunkSize: 1024,
    // 4 (length) + 26 (JSON) + 990 (blob) + 4 (terminator) = 1024: the payload fills exactly one chunk.
    entries: [{ meta: { kind: 'x', blobs: [990] }, blobPattern: { length: 990, seed: 2 } }],
  },
  {
    name: 'v1-passphrase',
    keys: [{ type: 'passphrase', passphrase: 'correct horse battery staple', logN: 14 }],
    chunkSize: 65536,
    entries: [{ meta: { kind: 'note', text: 'passphrase-protected' } }],
  },
];

export function recipientsOf(spec: VectorSpec): (SharedKey | Passphrase)[] {
  return spec.keys.map((k) => (k.type === 'key' ? new SharedKey(Buffer.from(k.hex, 'hex')) : new Passphrase(k.passphrase, k.logN)));
}

export function blobsOf(entry: VectorSpec['entries'][number]): Buffer[] {
  if (entry.blobPattern) return [pattern(entry.blobPattern.length, entry.blobPattern.seed)];
  return (entry.blobHex ?? []).map((h) => Buffer.from(h, 'hex'));
}

/** Builds one vector file at `path`. */
export async function buildVector(spec: VectorSpec, path: string): Promise<Buffer> {
  await rm(path, { force: true });
  const writer = await AeimgWriter.create(path, {
    recipients: recipientsOf(spec), model: 'ab'.repeat(32), chunkSize: spec.chunkSize, random: seededRandom(spec.name),
  });
  for (const e of spec.entries) await writer.add(e.meta, blobsOf(e));
  await writer.commit();
  return readFile(path);
}

if (process.argv[1]?.endsWith('make-vectors.ts')) {
  for (const spec of VECTORS) {
    const data = await buildVector(spec, join(VECTOR_DIR, `${spec.name}.aeimg`));
    await writeFile(join(VECTOR_DIR, `${spec.name}.json`), JSON.stringify({ ...spec, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length }, null, 2) + '\n');
    console.log(`${spec.name}.aeimg ${data.length} bytes`);
  }
}
