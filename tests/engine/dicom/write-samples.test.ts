/**
 * The attributes that hold sample values ("US or SS": Pixel Padding Value, Smallest/Largest Image Pixel Value) as a
 * reader's viewer takes them: signed where the samples are, and true of the samples the receiver's file holds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dicomMetaOf, readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decodeStoredFrame, parseDicom } from '../../../src-main/engine/dicom/parse.js';
import { writeDicom } from '../../../src-main/engine/dicom/write.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import type { Quality } from '../../../src-shared/quality.js';
import { defaultModel, dicomDataset, FIXTURES, models, tempDir } from '../../helpers.js';

const DIR = join(FIXTURES, 'dicom');
const key = generateSharedKey('Sample values');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

type Dict = Record<string, { vr: string; Value?: number[] }>;

/** `path` through encrypt at `quality` and decrypt to DICOM: the receiver's file, its stored samples, the dataset carried. */
async function received(path: string, quality: Quality): Promise<{ out: Dict; samples: number[]; carried: Dict }> {
  const dir = await tempDir();
  const input = join(dir, 'in.dcm');
  await copyFile(path, input);
  const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality }, measure: false });
  await mkdir(join(dir, 'out'));
  const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out'), format: 'dcm' });
  const file = dec.images[0]!.output!;
  const carried = (dec.images[0]!.record.metadata!.dicom as { dataset: Dict }).dataset;
  return { carried, out: dicomDataset<Dict>(file), samples: Array.from(await decodeStoredFrame(parseDicom(new Uint8Array(readFileSync(file)), 1e8), 0), Number) };
}

describe('attributes of sample values in the receiver\'s DICOM file', () => {
  it.skipIf(!existsSync('/usr/bin/dcmconv'))('a signed CT in Implicit VR (no VR written): its Pixel Padding Value −2000 goes as SS −2000, not US 63536', { timeout: 60_000 }, async () => {
    const implicit = join(await tempDir(), 'implicit.dcm');
    execFileSync('dcmconv', ['+ti', join(DIR, 'ct_small_explicit_le.dcm'), implicit]);
    for (const quality of ['auto', 'max'] as const) {
      const { out, carried } = await received(implicit, quality);
      expect(carried['00280120'], quality).toEqual({ vr: 'SS', Value: [-2000] }); // as it travels, inside the encryption
      expect(out['00280103']?.Value, quality).toEqual([1]);
      expect(out['00280120'], quality).toMatchObject({ vr: 'SS', Value: [-2000] });
    }
  });

  it('a record whose padding travelled as US 63536 (aeimg 0.44 and before, from such a file) is written as SS −2000', async () => {
    const [frame] = await readDicomFile(join(DIR, 'ct_small_explicit_le.dcm'), { maxPixels: 1e8, deidentify: null });
    const meta = { ...frame!.dicom, dataset: { ...frame!.dicom.dataset, '00280120': { vr: 'US', Value: [63536] } } };
    const bytes = writeDicom([{ image: frame!.image }], dicomMetaOf({ metadata: { dicom: meta } }), { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1 });
    expect(dicomDataset<Dict>(bytes)['00280120']).toMatchObject({ vr: 'SS', Value: [-2000] });
    // A record from any sender may hold anything: values no sample can have are left out, not wrapped into others.
    const crafted = { ...frame!.dicom, dataset: { ...frame!.dicom.dataset, '00280120': { vr: 'US', Value: [1e9, 'abc', -70000, 2.5] }, '00280121': { vr: 'SS', Value: [1e9, -1000] } } };
    const out = dicomDataset<Dict>(writeDicom([{ image: frame!.image }], dicomMetaOf({ metadata: { dicom: crafted } }), { exact: false, reduced: false, fidelityText: 'x', ratio: 1 }));
    expect(out['00280120']).toBeUndefined();
    expect(out['00280121']).toMatchObject({ vr: 'SS', Value: [-1000] });
  });

  it('Smallest Image Pixel Value is the smallest sample the receiver\'s file holds: the source\'s where bit-exact, measured where not', { timeout: 60_000 }, async () => {
    const ankle = join(DIR, 'ct_ankle_512_implicit_le.dcm');
    const source = dicomDataset<Dict>(ankle)['00280106']!.Value![0];
    const exact = await received(ankle, 'auto');
    expect(exact.out['00280106']).toMatchObject({ vr: 'SS', Value: [source] }); // as the source said it
    const lossy = await received(ankle, 'max');
    const smallest = lossy.samples.reduce((a, v) => Math.min(a, v), Infinity);
    expect(smallest).not.toBe(source);
    expect(lossy.out['00280106']).toMatchObject({ vr: 'SS', Value: [smallest] });
  });
});
