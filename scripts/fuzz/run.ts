/**
 * `npm run fuzz -- [COUNT] [SEED]`: COUNT seeded mutations per stanza kind (default 20,000) through the decrypt
 * journey; prints files, time and result, and exits 1 if any mutated file was accepted, crashed or left output.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { fuzzArgs } from './args.js';
import { fuzzSample, makeSample, STANZA_KINDS } from './harness.js';

const { count, seed } = fuzzArgs(20_000, 'npm run fuzz -- [COUNT per stanza kind] [SEED]');
const dir = await mkdtemp(join(tmpdir(), 'aeimg-fuzz-'));
const models = new ModelCache();
let failed = 0;
try {
  const t0 = performance.now();
  for (const kind of STANZA_KINDS) {
    const t = performance.now();
    const report = await fuzzSample(await makeSample(kind, dir, models), count, seed, dir, models);
    failed += report.failures.length;
    process.stdout.write(`${kind.padEnd(10)} ${report.files} files, ${((performance.now() - t) / 1000).toFixed(1)} s, ` +
      `${report.failures.length === 0 ? 'all refused with a clear error, no output' : `${report.failures.length} FAILED`}\n`);
    for (const f of report.failures) process.stdout.write(`  ${JSON.stringify(f.mutation)}: ${f.problem}\n`);
  }
  process.stdout.write(`total ${count * STANZA_KINDS.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s (seed ${seed}): ${failed === 0 ? 'pass' : 'FAIL'}\n`);
} finally {
  await models.dispose();
  await rm(dir, { recursive: true, force: true });
}
process.exitCode = failed === 0 ? 0 : 1;
