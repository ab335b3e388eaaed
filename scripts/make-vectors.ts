/**
 * Writes the .aeimg format test vectors in tests/vectors/ from fixed keys and a seeded random source.
 * The tests regenerate them and require byte-identical output, so any change to the format is deliberate.
 *   npx tsx scripts/make-vectors.ts [--check]
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AeimgWriter } from '../src-main/engine/container/aeimg-file.js';
import { Passphrase, SharedKey, type Identity, type Recipient } from '../src-main/engine/keys/recipients.js';
import { X25519Identity } from '../src-main/engine/keys/x25519.js';
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
  keys: { type: 'key'; hex: string }[] | { type: 'passphrase'; passphrase: string; logN: number }[] | { type: 'contact'; secretHex: string }[];
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
  {
    // A contact's public key: the ephemeral secret comes from the seeded source, so the file is reproducible too.
    name: 'v1-contact',
    keys: [{ type: 'contact', secretHex: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a' }],
    chunkSize: 1024,
    entries: [{ meta: { kind: 'note', text: 'for a contact', blobs: [100] }, blobPattern: { length: 100, seed: 3 } }],
  },
];

function keyOf(k: VectorSpec['keys'][number]): SharedKey | Passphrase | X25519Identity {
  if (k.type === 'key') return new SharedKey(Buffer.from(k.hex, 'hex'));
  if (k.type === 'passphrase') return new Passphrase(k.passphrase, k.logN);
  return new X25519Identity(Buffer.from(k.secretHex, 'hex'));
}

/** Who a vector is written for (a contact: its public key). */
export function recipientsOf(spec: VectorSpec): Recipient[] {
  return spec.keys.map((k) => { const key = keyOf(k); return key instanceof X25519Identity ? key.recipient : key; });
}

/** Who opens it (a contact: the identity holding the secret). */
export function identitiesOf(spec: VectorSpec): Identity[] {
  return spec.keys.map(keyOf);
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
