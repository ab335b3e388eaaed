/**
 * Corrupted input never crashes and is never accepted: 2,100 seeded mutations of real files (700 per stanza kind:
 * shared key, passphrase, contact) through the whole decrypt journey. `npm run fuzz -- N` runs more.
 */
import fc from 'fast-check';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AeimgError } from '../../../src-main/engine/errors.js';
import { importKey } from '../../../src-main/engine/keys/export.js';
import { readKeyFile } from '../../../src-main/engine/keys/keyfile.js';
import { parseContactCard } from '../../../src-main/engine/keys/x25519.js';
import { checkFile, fuzzSample, makeSample, mutate, STANZA_KINDS } from '../../../scripts/fuzz/harness.js';
import { models, tempDir } from '../../helpers.js';

describe('corrupted input is refused', () => {
  it.each(STANZA_KINDS)('700 mutations of a file for a %s stanza: each an AeimgError naming the file, no output', async (kind) => {
    const dir = await tempDir();
    const sample = await makeSample(kind, dir, models());
    const report = await fuzzSample(sample, 700, 20_240_601, dir, models());
    expect(report.files).toBe(700);
    expect(report.failures).toEqual([]);
  }, 60_000);

  it('the check fails when a file is accepted: the unmutated file is reported, and mutate never returns it', async () => {
    const dir = await tempDir();
    const sample = await makeSample('key', dir, models());
    expect(await checkFile(sample, sample.data, dir, models())).toBe('accepted');
    expect(mutate(sample, { kind: 'flip', at: 3, bit: 0 }).equals(sample.data)).toBe(false);
    expect(mutate(sample, { kind: 'swap-chunks', a: 1, b: 1 }).equals(sample.data)).toBe(false);
  });

  it('arbitrary text as a key file, key export or contact card is an AeimgError', async () => {
    const dir = await tempDir();
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), async (text) => {
      const path = join(dir, 'k');
      await writeFile(path, text);
      for (const attempt of [() => readKeyFile(path), () => importKey(text, 'a passphrase of length'), async () => parseContactCard(text)]) {
        const err = await attempt().then(() => null, (e) => e);
        expect(err).toBeInstanceOf(AeimgError);
      }
    }), { numRuns: 200, seed: 7 });
  });
});
