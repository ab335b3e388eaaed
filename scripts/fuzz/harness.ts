/**
 * Mutation fuzzing of .aeimg files: a small real file per stanza kind (shared key, passphrase, contact), then seeded
 * mutations (bit flips, insertions, deletions, cuts, appended bytes, chunks swapped, duplicated or dropped, header
 * bytes rewritten) through the whole decrypt journey. Every mutated file must be refused with an AeimgError naming the
 * file, and leave no output. Used by tests/engine/jobs/fuzz.test.ts (in `npm test`) and `npm run fuzz` (longer).
 */
import fc from 'fast-check';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AeimgError } from '../../src-main/engine/errors.js';
import { encodePng } from '../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import { Passphrase, SharedKey, type Identity, type Recipient } from '../../src-main/engine/keys/recipients.js';
import { X25519Identity } from '../../src-main/engine/keys/x25519.js';
import type { ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { DEFAULT_MODEL } from '../../src-main/engine/model/autoencoder.js';
import { headerBytes, MAC_BYTES } from '../../src-main/engine/container/header.js';

export const STANZA_KINDS = ['key', 'passphrase', 'x25519'] as const;
export type StanzaKind = (typeof STANZA_KINDS)[number];

/** Small chunks, so a two-image file has many and chunk-level mutations have something to work on. */
const CHUNK = 1024;

export interface Sample {
  kind: StanzaKind;
  data: Buffer;
  identities: Identity[];
  /** Where the payload's chunks start, for chunk-level mutations. */
  payloadStart: number;
}

function keysFor(kind: StanzaKind): { recipient: Recipient; identity: Identity } {
  if (kind === 'key') {
    const k = new SharedKey(Buffer.alloc(32, 5), 'fuzz');
    return { recipient: k, identity: k };
  }
  if (kind === 'passphrase') {
    // 2^14: the smallest work factor the format allows; the reader derives it once and caches it per salt.
    const p = new Passphrase('correct horse battery staple', 14);
    return { recipient: p, identity: new Passphrase('correct horse battery staple') };
  }
  const me = X25519Identity.generate('fuzz').identity;
  return { recipient: me.recipient, identity: me };
}

/** A real .aeimg of a small grey image (lossless, so it carries a refinement blob too) for `kind`. */
export async function makeSample(kind: StanzaKind, dir: string, models: ModelCache): Promise<Sample> {
  const { recipient, identity } = keysFor(kind);
  const w = 40, h = 24;
  const pixels = new Uint8Array(w * h).map((_, i) => (i * 37 + (i >> 3)) & 0xff);
  const input = join(dir, `${kind}.png`);
  await writeFile(input, await encodePng({ width: w, height: h, channels: 1, bitDepth: 8, pixels }));
  const enc = await encryptImageFile(input, {
    model: await models.byName(DEFAULT_MODEL), recipients: [recipient], outDir: dir, measure: false, chunkSize: CHUNK,
    coding: { quality: 'lossless' },
  });
  const data = await readFile(enc.output);
  return { kind, data, identities: [identity], payloadStart: headerBytes(data) };
}

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'swap-chunks'; a: number; b: number }
  | { kind: 'duplicate-chunk'; at: number }
  | { kind: 'drop-chunk'; at: number }
  | { kind: 'header-text'; at: number; text: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
  fc.record({ kind: fc.constant('swap-chunks' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-chunk' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('drop-chunk' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('header-text' as const), at: fc.nat(), text: fc.constantFrom('"', '}', ',', '0', 'x', '{"type":"key"}', '[]', '\\u0000', 'null', '1e999') }),
);

/** The mutated bytes, always different from the original. */
export function mutate(sample: Sample, m: Mutation): Buffer {
  const data = sample.data;
  const at = 'at' in m ? m.at % data.length : 0;
  const sealed = CHUNK + 16;
  const chunks: Buffer[] = [];
  for (let o = sample.payloadStart; o < data.length; o += sealed) chunks.push(data.subarray(o, o + sealed));
  const head = data.subarray(0, sample.payloadStart);
  let out: Buffer;
  switch (m.kind) {
    case 'flip': out = Buffer.from(data); out[at]! ^= 1 << m.bit; break;
    case 'set': out = Buffer.from(data); out[at] = m.value === data[at] ? (m.value + 1) & 0xff : m.value; break;
    case 'insert': out = Buffer.concat([data.subarray(0, at), m.bytes, data.subarray(at)]); break;
    case 'delete': out = Buffer.concat([data.subarray(0, at), data.subarray(at + m.count)]); break;
    case 'truncate': out = data.subarray(0, at); break;
    case 'append': out = Buffer.concat([data, m.bytes]); break;
    case 'swap-chunks': {
      const a = m.a % chunks.length, b = m.b % chunks.length;
      const c = [...chunks];
      [c[a], c[b]] = [c[b]!, c[a]!];
      out = Buffer.concat([head, ...c]);
      if (a === b || out.equals(data)) out = Buffer.concat([head, ...c, c[0]!]);
      break;
    }
    case 'duplicate-chunk': {
      const i = m.at % chunks.length;
      out = Buffer.concat([head, ...chunks.slice(0, i + 1), chunks[i]!, ...chunks.slice(i + 1)]);
      break;
    }
    case 'drop-chunk': {
      const i = m.at % chunks.length;
      out = Buffer.concat([head, ...chunks.slice(0, i), ...chunks.slice(i + 1)]);
      break;
    }
    case 'header-text': {
      const pos = 11 + (m.at % Math.max(1, sample.payloadStart - 11 - MAC_BYTES)); // inside format 2's binary header
      out = Buffer.concat([data.subarray(0, pos), Buffer.from(m.text), data.subarray(pos + m.text.length)]);
      break;
    }
  }
  return out.equals(data) ? Buffer.concat([data, Buffer.from([0])]) : out;
}

export interface FuzzReport {
  kind: StanzaKind;
  files: number;
  /** Mutations that decrypted, or failed with something other than an AeimgError naming the file, or left output. */
  failures: { mutation: Mutation; problem: string }[];
}

/** What is wrong with how `bytes` (as the sample's file) was handled: '' when refused properly. */
export async function checkFile(sample: Sample, bytes: Buffer, dir: string, models: ModelCache): Promise<string> {
  const out = join(dir, `out-${sample.kind}`);
  await mkdir(out, { recursive: true });
  const path = join(dir, `f-${sample.kind}.aeimg`);
  await writeFile(path, bytes);
  const err = await decryptAeimgFile(path, { identities: sample.identities, models, outDir: out }).then(() => null, (e: unknown) => e);
  const left = await readdir(out);
  await Promise.all(left.map((n) => rm(join(out, n), { force: true })));
  if (err === null) return 'accepted';
  if (!(err instanceof AeimgError)) return `not an AeimgError: ${String((err as Error)?.stack ?? err).slice(0, 300)}`;
  if (!err.message.startsWith(`f-${sample.kind}.aeimg: `)) return `message does not name the file: ${err.message}`;
  return left.length > 0 ? 'left output' : '';
}

/** Decrypts `count` seeded mutations of `sample`; keeps the first 10 failures. */
export async function fuzzSample(sample: Sample, count: number, seed: number, dir: string, models: ModelCache): Promise<FuzzReport> {
  const report: FuzzReport = { kind: sample.kind, files: 0, failures: [] };
  for (const m of fc.sample(mutation, { numRuns: count, seed })) {
    report.files++;
    const problem = await checkFile(sample, mutate(sample, m), dir, models);
    if (problem && report.failures.length < 10) report.failures.push({ mutation: m, problem });
  }
  return report;
}
