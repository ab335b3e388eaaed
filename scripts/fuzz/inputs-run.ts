/**
 * `npm run fuzz:inputs -- [COUNT] [SEED]`: COUNT damaged or odd inputs (default 2,000; about half of them DICOM
 * files, half image files) sent and received (scripts/fuzz/inputs.ts); prints the result and exits 1 on any crash, file left behind,
 * file sent that the receiver refuses, or received image further from the input than the sender was told.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSharedKey } from '../../src-main/engine/keys/keyfile.js';
import { DEFAULT_MODEL, ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { fuzzArgs } from './args.js';
import { DICOM_FUZZ_FILES, fuzzInputs, imageFuzzFiles } from './inputs.js';

const { count, seed } = fuzzArgs(2000, 'npm run fuzz:inputs -- [COUNT] [SEED]');
const dir = await mkdtemp(join(tmpdir(), 'aeimg-fuzz-inputs-'));
const models = new ModelCache();
try {
  const t0 = performance.now();
  const fixtures = join(import.meta.dirname, '..', '..', 'tests', 'fixtures');
  const dicom = DICOM_FUZZ_FILES.map((f) => join(fixtures, 'dicom', f));
  const images = await imageFuzzFiles(join(fixtures, 'slices', 'mr-colin27-axial-020.png'), dir);
  const files = [...dicom, ...images, ...images]; // about as many image files as DICOM files
  const report = await fuzzInputs(files, count, seed, dir, { model: await models.byName(DEFAULT_MODEL), models, key: generateSharedKey('Fuzz') });
  for (const f of report.failures) process.stdout.write(`  ${f.mutation}: ${f.problem}\n`);
  process.stdout.write(`${report.inputs} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s (seed ${seed}): ${report.sent} sent and received ` +
    `(PNG and DICOM), ${report.refused} refused by name, ${report.failures.length} failures: ${report.failures.length === 0 ? 'pass' : 'FAIL'}\n`);
  process.exitCode = report.failures.length === 0 ? 0 : 1;
} finally {
  await models.dispose();
  await rm(dir, { recursive: true, force: true });
}
