/**
 * Damaged and odd DICOM inputs (header bytes mutated, attributes given odd values) are either sent and received as PNG
 * and DICOM, or refused by the sender by name with nothing left behind: never a crash, and never a file the receiver
 * refuses (two such inputs did reach the receiver before 0.12). `npm run fuzz:dicom -- N` runs more.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { DICOM_FUZZ_FILES, fuzzDicomInputs } from '../../../scripts/fuzz/dicom-inputs.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

describe('damaged DICOM inputs', () => {
  it('240 seeded mutations: each sent and received, or refused by the sender by name; no crash, nothing left', async () => {
    const files = DICOM_FUZZ_FILES.map((f) => join(FIXTURES, 'dicom', f));
    const report = await fuzzDicomInputs(files, 240, 20_261_129, await tempDir(), { model: await defaultModel(), models: models(), key: generateSharedKey('Fuzz') });
    expect(report.failures).toEqual([]);
    expect(report.inputs).toBeGreaterThan(200);
    expect(report.sent).toBeGreaterThan(50); // both outcomes are exercised
    expect(report.refused).toBeGreaterThan(20);
  }, 120_000);
});
