import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dicomMetaOf } from '../../../src-main/engine/dicom/import.js';
import { cleanedKeyObject, keyObjectFor, readKeyObjectSelection, validKeyObjects } from '../../../src-main/engine/dicom/key-objects.js';
import { parseDicomHeader } from '../../../src-main/engine/dicom/read-dataset.js';
import { decryptStudy, encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { spawnSync } from 'node:child_process';
import { openAeimg } from '../../../src-main/engine/jobs/open.js';
import { readCodedSlices } from '../../../src-main/engine/jobs/slices.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { DCIODVFY, defaultModel, FIXTURES, models, phantom, tempDir } from '../../helpers.js';
import { keyObjectDicom, withInstance } from '../../key-object-dicom.js';
import { CT_SMALL_SOP } from '../../presentation-state-dicom.js';

const key = generateSharedKey('Key images');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

const CT = join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm');
const SECOND = '2.25.777';

/** A two-slice CT study (the fixture and a copy of another UID), with key object selections made by `make`. */
async function study(make: (dir: string) => Promise<string[]>) {
  const dir = await tempDir();
  await copyFile(CT, join(dir, 'ct1.dcm'));
  await withInstance(CT, join(dir, 'ct2.dcm'), SECOND, 2);
  const objects = await make(dir);
  await mkdir(join(dir, 'parts'));
  return { dir, inputs: [...objects, join(dir, 'ct1.dcm'), join(dir, 'ct2.dcm')] };
}

describe('a key object selection: the images of a study a reader flagged', () => {
  it('is read as its SR tree says: its title, its description, the images it flags, whether it rejects them', async () => {
    const dir = await tempDir();
    await keyObjectDicom(join(dir, 'kos.dcm'), [CT_SMALL_SOP], { description: 'Lesion best seen here' });
    await keyObjectDicom(join(dir, 'bad.dcm'), [SECOND], { code: '113001', title: 'Rejected for Quality Reasons' });
    const read = async (f: string) => readKeyObjectSelection(parseDicomHeader(new Uint8Array(await readFile(join(dir, f)))));
    const kos = await read('kos.dcm');
    const code = { value: '113000', scheme: 'DCM' };
    expect(kos).toEqual({ title: 'Of Interest', code, description: 'Lesion best seen here', rejected: false, images: [{ sop: CT_SMALL_SOP }] });
    expect(keyObjectFor(kos, CT_SMALL_SOP, 1)).toEqual({ title: 'Of Interest', code, description: 'Lesion best seen here', rejected: false });
    expect(keyObjectFor(kos, SECOND, 1)).toBeUndefined();
    expect(await read('bad.dcm')).toMatchObject({ title: 'Rejected for Quality Reasons', rejected: true, images: [{ sop: SECOND }] });
  });

  it('a study sent with its full header carries it with the images it flags: the viewer is told which, and which are rejected', async () => {
    const { dir, inputs } = await study(async (d) => {
      await keyObjectDicom(join(d, 'kos.dcm'), [CT_SMALL_SOP], { description: 'Lesion best seen here' });
      await keyObjectDicom(join(d, 'bad.dcm'), [SECOND], { code: '113001', title: 'Rejected for Quality Reasons' });
      return [join(d, 'kos.dcm'), join(d, 'bad.dcm')];
    });
    const enc = await encryptStudy(inputs, { model, recipients: [key], name: 'keys', outDir: join(dir, 'parts'), measure: false, deidentify: null });
    expect(enc.images).toBe(2);
    expect(enc.warnings).toEqual([]);
    expect(enc.carriedObjects.map((c) => [c.kind, c.label, c.images])).toEqual([
      ['key object selection', 'Of Interest', 1], ['key object selection', 'Rejected for Quality Reasons', 1]]);
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const told = items.map(({ record }) => describeImage(record, phantom(128, 128, 1, 16), 0).dicom?.keyObjects);
    expect(told).toEqual([
      [{ title: 'Of Interest', description: 'Lesion best seen here', rejected: false }],
      [{ title: 'Rejected for Quality Reasons', rejected: true }],
    ]);

    // DICOM output writes each back as a key object selection document flagging the images as written.
    await mkdir(join(dir, 'dcm'));
    const back = await decryptStudy(enc.parts.map((p) => p.path), { identities: [key], models: models(), outDir: join(dir, 'dcm'), format: 'dcm' });
    expect(back.studyObjects.map((o) => [o.kind, o.path.slice(join(dir, 'dcm').length + 1)])).toEqual([
      ['key object selection', 'key-images-Of_Interest.dcm'], ['key object selection', 'key-images-Rejected_for_Quality_Reasons.dcm']]);
    const uids = await Promise.all(back.outputs.map(async (o) => parseDicomHeader(new Uint8Array(await readFile(o))).string('x00080018')!));
    const [interest, rejected] = await Promise.all(back.studyObjects.map(async ({ path }) => readKeyObjectSelection(parseDicomHeader(new Uint8Array(await readFile(path))))));
    expect(interest).toEqual({ title: 'Of Interest', code: { value: '113000', scheme: 'DCM' }, description: 'Lesion best seen here', rejected: false, images: [{ sop: uids[0] }] });
    expect(rejected).toEqual({ title: 'Rejected for Quality Reasons', code: { value: '113001', scheme: 'DCM' }, rejected: true, images: [{ sop: uids[1] }] });
    if (DCIODVFY) { // dicom3tools' validator: the Key Object Selection Document IOD
      for (const { path: p } of back.studyObjects) {
        const report = spawnSync(DCIODVFY, [p], { encoding: 'utf8' });
        expect(`${report.stdout}${report.stderr}`).toContain('KeyObjectSelectionDocument');
        expect(`${report.stdout}${report.stderr}`.split('\n').filter((l) => l.startsWith('Error')), p).toEqual([]);
      }
    }
  });

  it('de-identified, or flagging none of the study\'s images, it does not go, and the sender is told why', async () => {
    const { dir, inputs } = await study(async (d) => {
      await keyObjectDicom(join(d, 'kos.dcm'), [CT_SMALL_SOP]);
      await keyObjectDicom(join(d, 'elsewhere.dcm'), ['1.2.3.4']);
      return [join(d, 'kos.dcm'), join(d, 'elsewhere.dcm')];
    });
    const basic = await encryptStudy(inputs.filter((p) => !p.endsWith('elsewhere.dcm')), { model, recipients: [key], name: 'basic', outDir: join(dir, 'parts'), measure: false });
    expect(basic.carriedObjects).toEqual([]);
    expect(basic.warnings).toEqual(['kos.dcm: is a key object selection, the images a reader flagged in its study: de-identification removes key object ' +
      'selections (their text may name the patient), so the study goes without it and the reader will not see which images it flags. To carry its flags ' +
      'without its text, de-identify with the Clean Graphics option (aeimg encrypt --deidentify basic,clean-graphics; in the app, DICOM metadata ' +
      '"De-identify, keep the radiologist\'s marks"). To carry it, send the study with its full header (aeimg encrypt --deidentify none; in the app, DICOM metadata "Keep all").']);
    const { items } = await openAeimg(basic.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    expect(items.map(({ record }) => dicomMetaOf(record)?.keyObjects)).toEqual([undefined, undefined]);
    // With the Clean Graphics option it goes as its flags: its title in the standard's words by its code, no description.
    await keyObjectDicom(inputs.find((p) => p.endsWith('kos.dcm'))!, [CT_SMALL_SOP], { description: 'Mrs Doe asked for this one', code: '113001', title: 'Rejected: Doe' });
    const clean = await encryptStudy(inputs.filter((p) => !p.endsWith('elsewhere.dcm')), {
      model, recipients: [key], name: 'clean', outDir: join(dir, 'parts'), measure: false, deidentify: { cleanGraphics: true },
    });
    expect(clean.carriedObjects.map((c) => [c.kind, c.label])).toEqual([['key object selection', 'Rejected for Quality Reasons']]);
    const cleanItems = (await openAeimg(clean.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids))).items;
    expect(cleanItems.map(({ record }) => dicomMetaOf(record)?.keyObjects)).toEqual([
      [{ title: 'Rejected for Quality Reasons', code: { value: '113001', scheme: 'DCM' }, rejected: true }], undefined]);
    expect(cleanedKeyObject({ title: 'Smith', code: { value: 'X1', scheme: '99PRIVATE' }, rejected: false, images: [] })).toEqual({ title: 'Key images', rejected: false, images: [], cleaned: true });
    const full = await encryptStudy(inputs, { model, recipients: [key], name: 'full', outDir: join(dir, 'parts'), measure: false, deidentify: null });
    expect(full.warnings).toEqual(['elsewhere.dcm: is a key object selection, the images a reader flagged in its study: it flags none of the study\'s images ' +
      '(they are not among the files given), so the study goes without it.']);
  });

  it('a crafted record\'s malformed ones are left out', () => {
    expect(validKeyObjects([{ title: 'A', rejected: false }, { title: 7, rejected: false }, { title: 'B' }, { title: 'C', rejected: true, description: 5 }, null]))
      .toEqual([{ title: 'A', rejected: false }]);
    expect(validKeyObjects('keys')).toEqual([]);
  });
});
