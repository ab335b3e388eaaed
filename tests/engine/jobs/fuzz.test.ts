import fc from 'fast-check';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AeimgError } from '../../../src-main/engine/errors.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { importKey } from '../../../src-main/engine/keys/export.js';
import { readKeyFile } from '../../../src-main/engine/keys/keyfile.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { parseContactCard } from '../../../src-main/engine/keys/x25519.js';
import { defaultModel, models, MR_SLICE, tempDir } from '../../helpers.js';

const key = new SharedKey(Buffer.alloc(32, 5), 'fuzz');
let original: Buffer;

beforeAll(async () => {
  const dir = await tempDir();
  const enc = await encryptImageFile(MR_SLICE, { model: await defaultModel(), recipients: [key], outDir: dir, measure: false, chunkSize: 4096 });
  original = await readFile(enc.output);
});

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(data: Buffer, m: { kind: string; at: number; bit?: number; bytes?: Uint8Array; count?: number }): Buffer {
  const at = m.at % data.length;
  if (m.kind === 'flip') {
    const out = Buffer.from(data);
    out[at]! ^= 1 << m.bit!;
    return out;
  }
  if (m.kind === 'insert') return Buffer.concat([data.subarray(0, at), m.bytes!, data.subarray(at)]);
  if (m.kind === 'delete') return Buffer.concat([data.subarray(0, at), data.subarray(at + m.count!)]);
  return data.subarray(0, at);
}

describe('corrupted input never crashes', () => {
  it('any flip, insertion, deletion or cut of an .aeimg ends in a clear error and no output', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    await mkdir(out);
    await fc.assert(fc.asyncProperty(mutation, async (m) => {
      const path = join(dir, 'f.aeimg');
      await writeFile(path, mutate(original, m));
      const err = await decryptAeimgFile(path, { identities: [key], models: models(), outDir: out }).then(() => null, (e) => e);
      expect(err).toBeInstanceOf(AeimgError);
      expect(err.message).toMatch(/^f\.aeimg: /);
      expect(await readdir(out)).toEqual([]);
    }), { numRuns: 150 });
  });

  it('arbitrary text as a key file, key export or contact card gives an AeimgError', async () => {
    const dir = await tempDir();
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), async (text) => {
      const path = join(dir, 'k');
      await writeFile(path, text);
      for (const attempt of [() => readKeyFile(path), () => importKey(text, 'a passphrase of length'), async () => parseContactCard(text)]) {
        const err = await attempt().then(() => null, (e) => e);
        if (err) expect(err).toBeInstanceOf(AeimgError);
      }
    }), { numRuns: 200 });
  });
});
