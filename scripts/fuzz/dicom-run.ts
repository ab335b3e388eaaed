/**
 * `npm run fuzz:dicom -- [COUNT] [SEED]`: COUNT damaged or odd DICOM inputs (default 2,000) sent and received
 * (scripts/fuzz/dicom-inputs.ts); prints the result and exits 1 on any crash, file left behind, or file sent that the
 * receiver refuses.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSharedKey } from '../../src-main/engine/keys/keyfile.js';
import { DEFAULT_MODEL, ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { DICOM_FUZZ_FILES, fuzzDicomInputs } from './dicom-inputs.js';

const count = Number(process.argv[2] ?? 2000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz:dicom -- [COUNT] [SEED]\n');
  process.exit(2);
}
const dir = await mkdtemp(join(tmpdir(), 'aeimg-fuzz-dicom-'));
const models = new ModelCache();
try {
  const t0 = performance.now();
  const files = DICOM_FUZZ_FILES.map((f) => join(import.meta.dirname, '..', '..', 'tests', 'fixtures', 'dicom', f));
  const report = await fuzzDicomInputs(files, count, seed, dir, { model: await models.byName(DEFAULT_MODEL), models, key: generateSharedKey('Fuzz') });
  for (const f of report.failures) process.stdout.write(`  ${f.mutation}: ${f.problem}\n`);
  process.stdout.write(`${report.inputs} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s (seed ${seed}): ${report.sent} sent and received ` +
    `(PNG and DICOM), ${report.refused} refused by name, ${report.failures.length} failures: ${report.failures.length === 0 ? 'pass' : 'FAIL'}\n`);
  process.exitCode = report.failures.length === 0 ? 0 : 1;
} finally {
  await models.dispose();
  await rm(dir, { recursive: true, force: true });
}
