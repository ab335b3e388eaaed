/**
 * A DICOM file named after its patient: de-identification clears the attributes, and the record's name (which names
 * the receiver's files) loses what identifies the patient too; the sender is told the .aeimg's own name still has it.
 */
import { copyFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DicomJson } from '../../../src-main/engine/dicom/dataset.js';
import { UidMapper } from '../../../src-main/engine/dicom/deidentify.js';
import { identifyingParts, maskedFileName } from '../../../src-main/engine/dicom/file-name.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { AEIMG_EXT, batchOutputs, withSendingNames } from '../../../src-main/engine/jobs/files.js';
import { encryptFiles } from '../../../src-main/engine/jobs/batch.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

const patient: DicomJson = {
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^John^Q' }] },
  '00100020': { vr: 'LO', Value: ['12345678'] },
  '00100030': { vr: 'DA', Value: ['19620315'] },
  '00080050': { vr: 'SH', Value: ['ACC77'] },
};
const mask = (name: string, json = patient) => maskedFileName(name, identifyingParts(json));
const SALT = '11'.repeat(32);

describe('a file name that identifies the patient', () => {
  it('loses the name, IDs and birth date, whole words or run together, and keeps the rest', () => {
    expect(mask('DOE_JOHN_CT_001.dcm')).toBe('anon_CT_001.dcm');
    expect(mask('JohnDoe-head.dcm')).toBe('anon-head.dcm');
    expect(mask('12345678_19620315.dcm')).toBe('anon.dcm');
    expect(mask('P12345678 1962-03-15 chest.dcm')).toBe('Panon chest.dcm');
    expect(mask('acc77.dcm')).toBe('anon.dcm');
  });

  it('leaves names that only contain a part of one: no false alarm on a word or a series number', () => {
    expect(mask('IM000001')).toBeUndefined();
    expect(mask('doeskin_study.dcm')).toBeUndefined(); // "doe" inside a word
    expect(mask('1.2.840.113619.2.55.3.604688119.320')).toBeUndefined();
    expect(mask('anything.dcm', {})).toBeUndefined(); // a dataset that names no one
    expect(mask('lee_sleep.dcm', { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'LEE^A' }] } })).toBe('anon_sleep.dcm');
    // Letters beyond ASCII, in either case, and as macOS spells them in file names (decomposed: u + U+0308).
    const mueller: DicomJson = { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Jürgen' }] } };
    expect(mask('MÜLLER_knee.dcm', mueller)).toBe('anon_knee.dcm');
    expect(mask('mu\u0308ller-ju\u0308rgen.dcm', mueller)).toBe('anon.dcm');
  });
});

describe('encrypting such a file', () => {
  const CT = join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'); // Patient's Name CompressedSamples^CT1, ID 1CT1

  it('sends it under a name without them, and says so; an output named otherwise is to be renamed; --deidentify none keeps it', async () => {
    const dir = await tempDir();
    const input = join(dir, 'CompressedSamples_1CT1_axial.dcm');
    await copyFile(CT, input);
    const key = new SharedKey(Buffer.alloc(32, 3));
    const model = await defaultModel();
    const enc = await encryptImageFile(input, { model, recipients: [key], measure: false });
    expect(basename(enc.output)).toBe('anon_axial.aeimg');
    expect(enc.warnings).toContain('CompressedSamples_1CT1_axial.dcm: its name holds the patient\'s name, ID or birth date, which ' +
      'de-identification keeps out of what is sent: the image goes as anon_axial.dcm, in anon_axial.aeimg.');
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: dir });
    expect(dec.images.map((i) => [i.record.name, basename(i.output!)])).toEqual([['anon_axial.dcm', 'anon_axial.png']]);
    // A batch names its outputs the same way, before any file is encoded, and the subfolders they go into
    // (a viewer's export folder named after the patient).
    const [inFolder] = await withSendingNames([{ path: input, subfolder: join('CompressedSamples 1CT1', 'CT head') }], {}, SALT);
    expect(inFolder!.subfolder).toBe(join('anon', 'CT head'));
    expect(batchOutputs(await withSendingNames([{ path: input, subfolder: '' }, { path: CT, subfolder: '' }], {}, SALT), AEIMG_EXT, dir).map((o) => basename(o)))
      .toEqual(['anon_axial.aeimg', 'ct_small_explicit_le.aeimg']);

    const named = await encryptImageFile(input, { model, recipients: [key], measure: false, output: join(dir, 'CompressedSamples.aeimg') });
    expect(named.warnings.join('\n')).toContain('but the .aeimg\'s own name (CompressedSamples.aeimg) is seen by anyone who sees the e-mail: rename it before sending.');

    const plain = await encryptImageFile(input, { model, recipients: [key], measure: false, deidentify: null });
    expect(basename(plain.output)).toBe('CompressedSamples_1CT1_axial.aeimg');
    expect(plain.warnings.join('\n')).not.toContain('name holds');
    const decPlain = await decryptAeimgFile(plain.output, { identities: [key], models: models(), write: false });
    expect(decPlain.images[0]!.record.name).toBe('CompressedSamples_1CT1_axial.dcm');
  });

  it('a file named by its UID goes under the UID its de-identified dataset gets (the same for the .aeimg and inside); retain-uids keeps it', async () => {
    const dir = await tempDir();
    const sop = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322'; // the fixture's SOP Instance UID
    const input = join(dir, `${sop}.dcm`);
    await copyFile(CT, input);
    const key = new SharedKey(Buffer.alloc(32, 4));
    const found = await withSendingNames([{ path: input, subfolder: '' }], {}, SALT);
    const enc = await encryptFiles([input], { model: await defaultModel(), recipients: [key], measure: false, outputs: batchOutputs(found, AEIMG_EXT, dir), uidSalt: SALT });
    const sent = basename(enc.done[0]!.output);
    expect(sent).toMatch(/^2\.25\.\d+\.aeimg$/);
    const dec = await decryptAeimgFile(enc.done[0]!.output, { identities: [key], models: models(), write: false });
    const dataset = (dec.images[0]!.record.metadata!.dicom as { dataset: DicomJson }).dataset;
    expect(`${dataset['00080018']!.Value![0]}.aeimg`).toBe(sent);
    expect(dec.images[0]!.record.name).toBe(`${dataset['00080018']!.Value![0]}.dcm`);
    // A UID that only starts like the file's is no match; retained UIDs stay in the name.
    const uids = new UidMapper(Buffer.from(SALT, 'hex'));
    const parts = identifyingParts({ '00080018': { vr: 'UI', Value: [sop] } }, uids);
    expect(maskedFileName(`IM_${sop}.dcm`, parts)).toBe(`IM_${uids.map(sop)}.dcm`);
    expect(maskedFileName(`${sop}5.dcm`, parts)).toBeUndefined();
    expect(maskedFileName(`9${sop}.dcm`, parts)).toBeUndefined();
    expect(await withSendingNames([{ path: input, subfolder: '' }], { retainUids: true }, SALT)).toEqual([{ path: input, subfolder: '' }]);
  });
});
