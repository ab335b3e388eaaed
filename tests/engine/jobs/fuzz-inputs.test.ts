/**
 * Damaged and odd inputs (DICOM header bytes and attribute values, image files' bytes) are either sent and received
 * as PNG and DICOM, within what the sender was told, or refused by the sender by name with nothing left behind: never
 * a crash, and never a file the receiver refuses (two kinds of DICOM input did reach the receiver before 0.12).
 * `npm run fuzz:inputs -- N` runs more.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { encodeImageFile, readableByReceiver } from '../../../src-main/engine/jobs/encrypt.js';
import type { ImageRecord } from '../../../src-main/engine/codec/record.js';
import { DICOM_FUZZ_FILES, fuzzInputs, imageFuzzFiles } from '../../../scripts/fuzz/inputs.js';
import { defaultModel, FIXTURES, models, MR_SLICE, tempDir } from '../../helpers.js';

describe('damaged inputs', () => {
  const ctx = async () => ({ model: await defaultModel(), models: models(), key: generateSharedKey('Fuzz') });

  it('240 seeded mutations of DICOM files: each sent and received, or refused by the sender by name; no crash, nothing left', async () => {
    const report = await fuzzInputs(DICOM_FUZZ_FILES.map((f) => join(FIXTURES, 'dicom', f)), 240, 20_261_129, await tempDir(), await ctx());
    expect(report.failures).toEqual([]);
    expect(report.inputs).toBeGreaterThan(200);
    expect(report.sent).toBeGreaterThan(50); // both outcomes are exercised
    expect(report.refused).toBeGreaterThan(20);
  }, 120_000);

  it('120 seeded mutations of JPEG, PNG, TIFF and WebP files: the same, and what is received is what the sender was told', async () => {
    const dir = await tempDir();
    const report = await fuzzInputs(await imageFuzzFiles(MR_SLICE, dir), 120, 20_261_130, dir, await ctx());
    expect(report.failures).toEqual([]);
    expect(report.sent).toBeGreaterThan(20);
    expect(report.refused).toBeGreaterThan(20);
  }, 120_000);
});

describe('the receiver\'s check, run by the sender before a file is written', () => {
  it('refuses a record the receiver would read back with less than the sender read: units, calibration, window, header', async () => {
    const task = { input: join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), coding: { quality: 'lossless' as const }, measure: false, maxPixels: 1 << 26 };
    const [entry] = (await encodeImageFile(await defaultModel(), task)).images;
    readableByReceiver(entry!.record); // as the sender made it: read back whole
    const changed = (pixel: Record<string, unknown>) => {
      const dicom = entry!.record.metadata!.dicom as { pixel: Record<string, unknown> };
      return { ...entry!.record, metadata: { ...entry!.record.metadata, dicom: { ...dicom, pixel: { ...dicom.pixel, ...pixel } } } } as ImageRecord;
    };
    // NaN travels as null in the record's JSON: the receiver would drop the spacing, and measure in pixels.
    expect(() => readableByReceiver(changed({ pixelSpacing: [Number.NaN, 0.7] }))).toThrow(/the receiver would lose its pixel spacing\. Export it again/);
    expect(() => readableByReceiver(changed({ window: { center: 40, width: Number.POSITIVE_INFINITY } }))).toThrow(/would lose its window/);
    // A header the receiver does not take for DICOM at all: the image would arrive as a plain picture, HU and all lost.
    expect(() => readableByReceiver(changed({ bitsStored: 17 }))).toThrow(/would lose its DICOM header/);
  });
});

