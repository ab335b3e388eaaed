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
  /** Format version (default 1: the vectors of aeimg 0.1–0.3, still written byte for byte to prove they still open). */
  version?: 1 | 2;
  /** Format 2: the model the header names, or none (every image coded without the network). */
  model?: string | null;
  keys: { type: 'key'; hex: string }[] | { type: 'passphrase'; passphrase: string; logN: number }[] | { type: 'contact'; secretHex: string }[];
  chunkSize: number;
  entries: { meta: Record<string, unknown>; blobHex?: string[]; blobPattern?: { length: number; seed: number } }[];
}

const pattern = (length: number, seed: number) => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed * 7 + (i >> 8)) & 0xff));

/** A format 2 image record as aeimg 0.4 writes it (blob lengths match the patterned blobs of the vector). */
function v2Image(name: string, extra: Record<string, unknown>, residual: number): Record<string, unknown> {
  return {
    kind: 'image', name, width: 64, height: 48, channels: 1, bitDepth: 16, planes: [[-1024 + 32768, 1900 + 32768]],
    blobs: { latent: 0, alpha: 0, residual },
    refinement: { coding: 'wp2', maxError: 2, sha256: '0123456789abcdef0123456789abcdef', backend: 'none' },
    fidelity: {
      ssim: 0.99871, psnr: 51.02, mse: Math.fround(7.8e-6), exact: false, maxError: 2,
      stored: { maxAbs: 2, rmse: 1.131, units: '', perStored: 1 }, real: { maxAbs: 2, rmse: 1.131, units: 'HU', perStored: 1 },
      windows: [
        { name: 'stroke', center: 40, width: 40, source: 'preset', ssim: 0.98433, psnr: 40.11 },
        { name: 'file window 1', center: 40.5, width: 80, source: 'file', ssim: 0.99512, psnr: 46.2 },
        { name: 'bone', center: 500, width: 2000, source: 'preset', ssim: 1, psnr: null },
      ],
      reduced: false,
    },
    ...extra,
  };
}

/** Format 2 vectors (aeimg 0.4): binary header and entries; images that need no model, and one that does. */
const V2_VECTORS: VectorSpec[] = [
  {
    name: 'v2-key-image',
    version: 2,
    model: null,
    keys: [{ type: 'key', hex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' }],
    chunkSize: 1024,
    entries: [
      { meta: { kind: 'file', app: 'aeimg 0.4.0', created: '2026-11-28T12:00:00.000Z' } },
      { meta: v2Image('IM-0001-0001.dcm', { metadata: { dicom: { note: 'de-identified dataset goes here' } } }, 1500), blobPattern: { length: 1500, seed: 4 } },
    ],
  },
  {
    // A study part: the file entry names the study; the second record is coded against the first (name, geometry).
    name: 'v2-passphrase-study',
    version: 2,
    model: null,
    keys: [{ type: 'passphrase', passphrase: 'correct horse battery staple', logN: 14 }],
    chunkSize: 1024,
    entries: [
      { meta: { kind: 'file', app: 'aeimg 0.4.0', created: '2026-11-28T12:00:00.000Z', study: { id: '00112233445566778899aabbccddeeff', name: 'head', part: 1, firstImage: 0 } } },
      { meta: v2Image('IM-0001-0001.dcm', {}, 700), blobPattern: { length: 700, seed: 5 } },
      { meta: v2Image('IM-0001-0002.dcm', {}, 650), blobPattern: { length: 650, seed: 6 } },
      { meta: { kind: 'study-end', images: 2, parts: 1 } },
    ],
  },
  {
    // An 8-bit image with a latent (the network levels): the header names the model.
    name: 'v2-contact-latent',
    version: 2,
    keys: [{ type: 'contact', secretHex: '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a' }],
    chunkSize: 1024,
    entries: [
      { meta: { kind: 'file', app: 'aeimg 0.4.0', created: '2026-11-28T12:00:00.000Z' } },
      {
        meta: {
          kind: 'image', name: 'scan.png', width: 9, height: 7, channels: 2, bitDepth: 8, planes: [[3, 250]],
          latent: { width: 5, height: 4, channels: 1, bits: 6, ranges: [[Math.fround(0.0013), Math.fround(0.9987)]], coding: 'ac1' },
          blobs: { latent: 40, alpha: 20, residual: 0 },
          fidelity: {
            ssim: 0.97012, psnr: 38.4, mse: Math.fround(1.4e-4), exact: false,
            stored: { maxAbs: 17, rmse: 3.5, units: '', perStored: 1 },
            windows: [{ name: 'full range', center: 128, width: 256, source: 'full', ssim: 0.97012, psnr: 38.4 }], reduced: true,
          },
        },
        blobPattern: { length: 60, seed: 7 },
      },
      { meta: { kind: 'note', text: 'an entry kind without a binary form travels as JSON' } },
    ],
  },
  {
    // aeimg 0.7: a network-only image whose salt-and-pepper impulses travel beside the latent (image flag 64: the
    // impulse blob's length and each plane's dark and bright values; the map is a fourth blob after the residual).
    name: 'v2-key-impulses',
    version: 2,
    keys: [{ type: 'key', hex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' }],
    chunkSize: 1024,
    entries: [
      { meta: { kind: 'file', app: 'aeimg 0.7.0', created: '2026-11-28T12:00:00.000Z' } },
      {
        meta: {
          kind: 'image', name: 'sp.png', width: 9, height: 7, channels: 1, bitDepth: 8, planes: [[14, 231]],
          latent: { width: 5, height: 4, channels: 1, bits: 6, ranges: [[Math.fround(0.0021), Math.fround(0.9912)]], coding: 'ac1' },
          impulses: { values: [[0, 255]] },
          blobs: { latent: 40, alpha: 0, residual: 0, impulses: 14 },
          fidelity: {
            ssim: 0.99712, psnr: 41.3, mse: Math.fround(7.4e-5), exact: false,
            stored: { maxAbs: 9, rmse: 2.2, units: '', perStored: 1 },
            windows: [{ name: 'full range', center: 128, width: 256, source: 'full', ssim: 0.99712, psnr: 41.3 }], reduced: false,
          },
        },
        blobPattern: { length: 54, seed: 8 },
      },
    ],
  },
  {
    // aeimg 0.9: image flag 128, the extension block. A DICOM frame kept as its file held it (tag 1: its layout,
    // here palette colour with three 4-entry tables; refinement coding 3, 'dicom'), then a lossless image whose
    // samples step by 16 (tag 2: the steps; refinement coding wp2 over the grid indices).
    name: 'v2-key-kept-steps',
    version: 2,
    model: null,
    keys: [{ type: 'key', hex: '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f' }],
    chunkSize: 1024,
    entries: [
      { meta: { kind: 'file', app: 'aeimg 0.9.0', created: '2026-11-29T12:00:00.000Z' } },
      {
        meta: {
          kind: 'image', name: 'us.dcm#1', width: 16, height: 8, channels: 3, bitDepth: 8, planes: [[0, 250], [3, 200], [9, 99]],
          blobs: { latent: 0, alpha: 0, residual: 90 },
          refinement: { coding: 'dicom', maxError: 0, sha256: '00112233445566778899aabbccddeeff', backend: 'none' },
          codestream: {
            syntax: '1.2.840.10008.1.2.5', photometric: 'PALETTE COLOR', samplesPerPixel: 1, bitsAllocated: 8, bitsStored: 8,
            signed: false, planarConfiguration: 0,
            palette: [{ first: 0, table: [0, 80, 160, 250] }, { first: 0, table: [3, 50, 100, 200] }, { first: 0, table: [9, 30, 60, 99] }],
          },
        },
        blobPattern: { length: 90, seed: 9 },
      },
      {
        meta: {
          kind: 'image', name: 'ankle.dcm', width: 16, height: 8, channels: 1, bitDepth: 16, planes: [[32800, 36896]],
          blobs: { latent: 0, alpha: 0, residual: 70 },
          refinement: { coding: 'wp2', maxError: 0, sha256: 'ffeeddccbbaa99887766554433221100', backend: 'none' },
          steps: [16],
        },
        blobPattern: { length: 70, seed: 10 },
      },
    ],
  },
];

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
  ...V2_VECTORS,
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
    recipients: recipientsOf(spec), model: spec.model === undefined ? 'ab'.repeat(32) : spec.model, chunkSize: spec.chunkSize,
    random: seededRandom(spec.name), formatVersion: spec.version ?? 1,
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
