/**
 * PET: the receiver reads SUVbw though de-identification removed what it is computed from. The sender computes the
 * factor from the file as it is (weight, dose, half-life, injection and scan times); only the factor travels; the
 * viewer shows SUVbw and DICOM output carries it as a Real World Value Mapping a PACS reads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { fidelityHeadline } from '../../../src-shared/fidelity.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { DCIODVFY, dciodvfyErrors, defaultModel, dicomDataset, FIXTURES, models, tempDir } from '../../helpers.js';

const dcmodify = ['/usr/bin/dcmodify'].find(existsSync);
const key = generateSharedKey('PET');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

/** The small CT fixture made a PET slice (Bq/ml, slope 2.5) with the attributes SUV takes, changed by `edits`. */
async function petSlice(edits: string[] = []): Promise<string> {
  const path = join(await tempDir(), 'pet.dcm');
  await copyFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), path);
  const base = ['(0008,0060)=PT', '(0054,1001)=BQML', '(0054,1102)=START', '(0010,1030)=70', '(0008,0021)=20260101', '(0008,0031)=110000',
    '(0008,0022)=20260101', '(0008,0032)=110500', '(0054,0016)[0].(0018,1074)=370000000', '(0054,0016)[0].(0018,1075)=6586.2', '(0054,0016)[0].(0018,1072)=100000',
    '(0028,1052)=0', '(0028,1053)=2.5'];
  execFileSync(dcmodify!, ['-nb', ...[...base, ...edits].flatMap((e) => (e.startsWith('-') ? [e.slice(0, 2), e.slice(2)] : ['-i', e])), path], { stdio: 'ignore' });
  return path;
}

/**
 * A Philips PET slice in counts (Units CNTS): `petSlice` given, with dcmjs (dcmodify writes an unknown private tag
 * empty), the private `elements` (tag → [VR, value]), e.g. the SUV Scale Factor under "Philips PET Private Group".
 */
async function philipsSlice(elements: Record<string, [string, string | number]>): Promise<string> {
  const path = await petSlice(['(0054,1001)=CNTS']);
  const b = await readFile(path);
  const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  for (const [tag, [vr, value]] of Object.entries(elements)) dicom.dict[tag] = { vr, Value: [value] };
  await writeFile(path, Buffer.from(dicom.write()));
  return path;
}
const PHILIPS = 'Philips PET Private Group';

/** Written out from QIBA's recipe: weight (g) / (dose × 2^(−Δt / half-life)). */
const expected = (weightKg: number, dose: number, seconds: number, halfLife = 6586.2) => (weightKg * 1000) / (dose * 2 ** (-seconds / halfLife));
const suvOf = async (path: string) => (await readDicomFile(path, { maxPixels: 1e8, deidentify: {} }))[0]!.dicom.suvBw;

describe.skipIf(!dcmodify)('SUVbw', () => {
  it('the sender computes it from the file, decay-corrected from the injection to the scan\'s start; only the factor travels', async () => {
    const [frame] = await readDicomFile(await petSlice(), { maxPixels: 1e8, deidentify: {} });
    expect(frame!.dicom.suvBw! / expected(70, 370e6, 3600)).toBeCloseTo(1, 12); // injected 10:00, series 11:00
    const sent = JSON.stringify(frame!.dicom.dataset);
    expect(sent).not.toMatch(/00101030|00080031|00540016|370000000/); // weight, series time and the dose stay behind
  });

  it('the other ways a file states it, and the files it cannot be computed for', async () => {
    expect(await suvOf(await petSlice(['(0054,1102)=ADMIN']))).toBeCloseTo(70_000 / 370e6, 15); // decay-corrected to the injection
    // A DateTime across midnight: injected 23:30, series 00:30 the next day.
    expect((await suvOf(await petSlice(['(0008,0021)=20260102', '(0008,0022)=20260102', '(0008,0031)=003000', '(0008,0032)=003000',
      '(0054,0016)[0].(0018,1078)=20260101233000'])))! / expected(70, 370e6, 3600)).toBeCloseTo(1, 12);
    // A series time written after the acquisition's (as some scanners do): the acquisition's start is the scan's.
    expect((await suvOf(await petSlice(['(0008,0031)=120000'])))! / expected(70, 370e6, 3900)).toBeCloseTo(1, 12);
    for (const edit of [['(0010,1030)='], ['(0054,1001)=CNTS'], ['(0054,1102)=NONE'], ['(0054,0016)[0].(0018,1072)=120000', '(0008,0032)=120000'], ['(0008,0060)=NM']]) {
      expect(await suvOf(await petSlice(edit)), edit.join(' ')).toBeUndefined();
    }
  });

  it('the receiver is told it, and DICOM output carries it as a Real World Value Mapping in g/ml', async () => {
    const input = await petSlice();
    const factor = expected(70, 370e6, 3600);
    const enc = await encryptImageFile(input, { model, recipients: [key], measure: false });
    const out = join(await tempDir(), 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    const info = describeImage(dec.images[0]!.record, dec.images[0]!.image, 0);
    expect(info.units).toBe('Bq/ml');
    expect(info.dicom!.suvBw! / factor).toBeCloseTo(1, 12);
    const ds = dicomDataset<Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>>(dec.images[0]!.output!);
    const rwvm = ds['00409096']!.Value![0]!;
    expect(rwvm['00409210']?.Value?.[0]).toBe('SUVbw');
    expect((rwvm['004008EA']?.Value?.[0] as unknown as Record<string, { Value?: unknown[] }>)['00080100']?.Value?.[0]).toBe('g/ml');
    expect(Number(rwvm['00409225']?.Value?.[0]) / (2.5 * factor)).toBeCloseTo(1, 12); // stored × 2.5 Bq/ml × factor
    expect([rwvm['00409216']?.Value?.[0], rwvm['00409211']?.Value?.[0]]).toEqual([-32768, 32767]); // every stored value (signed)
    expect(ds['00101030']).toBeUndefined();
    if (DCIODVFY) expect(dciodvfyErrors(dec.images[0]!.output!)).toEqual([]);
  });
  it('the sender and the reader are told the errors in SUVbw too, in the same words', async () => {
    const input = await petSlice();
    const factor = expected(70, 370e6, 3600);
    const out = join(await tempDir(), 'out');
    await mkdir(out);
    for (const quality of ['within-2', 'max'] as const) {
      const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality }, outDir: out, force: true });
      expect(enc.units.suvBw! / factor).toBeCloseTo(1, 12);
      const said = fidelityHeadline(enc.fidelity, { ...enc.coding, ...enc.units });
      const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, force: true });
      const shown = describeImage(dec.images[0]!.record, dec.images[0]!.image, 0).fidelityText;
      if (quality === 'within-2') {
        // ±2 stored units at slope 2.5 are ±5 Bq/ml, which are 5 × the factor in SUVbw (0.0014 here).
        const suv = Number((5 * factor).toPrecision(2));
        expect(said.startsWith(`every pixel within ±2 stored units (±5 Bq/ml, ±${suv} SUVbw); worst window `), said).toBe(true);
        expect(said.endsWith(`largest error 5 Bq/ml, ${suv} SUVbw`), said).toBe(true);
        expect(shown).toBe(said);
      } else {
        const m = /largest error ([\d.]+) Bq\/ml, ([\d.]+) SUVbw/.exec(said);
        expect(m, said).not.toBeNull();
        expect(Number(m![2]) / (Number(m![1]) * factor)).toBeCloseTo(1, 1);
        expect(shown).toContain(m![0]); // the reduced-quality banner names the same error
      }
    }
  });
  it('SUL (lean body mass, Janmahasatian) where the file has height and sex; only its factor travels, and DICOM output maps it too', async () => {
    const bw = expected(70, 370e6, 3600);
    const sulOf = async (edits: string[]) => (await readDicomFile(await petSlice(edits), { maxPixels: 1e8, deidentify: {} }))[0]!.dicom.sul;
    const bmi = 70 / 1.75 ** 2; // 22.9
    // PERCIST 1.0: LBM = 9270·W / (6680 + 216·BMI) for men, 9270·W / (8780 + 244·BMI) for women; SUL = SUVbw × LBM / W.
    expect((await sulOf(['(0010,1020)=1.75', '(0010,0040)=M']))! / (bw * 9270 / (6680 + 216 * bmi))).toBeCloseTo(1, 12);
    expect((await sulOf(['(0010,1020)=1.75', '(0010,0040)=F']))! / (bw * 9270 / (8780 + 244 * bmi))).toBeCloseTo(1, 12);
    for (const edit of [['(0010,1020)=175', '(0010,0040)=M'], ['(0010,1020)=1.75'], ['(0010,1020)=1.75', '(0010,0040)=O'], ['(0010,0040)=M']]) {
      expect(await sulOf(edit), edit.join(' ')).toBeUndefined(); // centimetres, no sex, other, no height
    }
    const input = await petSlice(['(0010,1020)=1.75', '(0010,0040)=F']);
    const sul = bw * 9270 / (8780 + 244 * bmi);
    const [frame] = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    expect(JSON.stringify(frame!.dicom.dataset)).not.toMatch(/00101020|1\.75/); // the height stays behind (the sex is emptied)
    expect(frame!.dicom.dataset['00100040']?.Value ?? []).toEqual([]);
    const enc = await encryptImageFile(input, { model, recipients: [key], measure: false });
    const out = join(await tempDir(), 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    expect(describeImage(dec.images[0]!.record, dec.images[0]!.image, 0).dicom!.sul! / sul).toBeCloseTo(1, 12);
    const ds = dicomDataset<Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>>(dec.images[0]!.output!);
    const items = ds['00409096']!.Value!;
    expect(items.map((i) => i['00409210']?.Value?.[0])).toEqual(['SUVbw', 'SUL']);
    expect(Number(items[1]!['00409225']?.Value?.[0]) / (2.5 * sul)).toBeCloseTo(1, 12);
    if (DCIODVFY) expect(dciodvfyErrors(dec.images[0]!.output!)).toEqual([]);
  });
  it('Philips PET in counts: the scanner\'s own SUV Scale Factor, read only under its private creator, in the same words and window', async () => {
    const factor = 0.000731; // SUVbw per count, as the scanner computed it (weight, dose and decay inside)
    const input = await philipsSlice({ '70530010': ['LO', PHILIPS], '70531000': ['DS', factor] });
    expect(await suvOf(input)).toBe(factor);
    // Another block the creator reserved; the same element under another creator, or none, is not Philips' factor.
    expect(await suvOf(await philipsSlice({ '70530011': ['LO', PHILIPS], '70531100': ['DS', 0.0005] }))).toBe(0.0005);
    expect(await suvOf(await philipsSlice({ '70530010': ['LO', 'SOME OTHER GROUP'], '70531000': ['DS', factor] }))).toBeUndefined();
    expect(await suvOf(await philipsSlice({ '70531000': ['DS', factor] }))).toBeUndefined();
    expect(await suvOf(await philipsSlice({ '70530010': ['LO', PHILIPS], '70531000': ['DS', 0] }))).toBeUndefined();
    const out = join(await tempDir(), 'out');
    await mkdir(out);
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'within-2' }, outDir: out });
    // ±2 stored units at slope 2.5 are ±5 counts, which are 5 × the factor in SUVbw.
    const said = fidelityHeadline(enc.fidelity, { ...enc.coding, ...enc.units });
    expect(said.startsWith(`every pixel within ±2 stored units (±5 counts, ±${Number((5 * factor).toPrecision(2))} SUVbw); worst window `), said).toBe(true);
    const suv = enc.fidelity!.windows!.find((w) => w.name === 'SUVbw 0–5');
    expect([suv!.center * factor, suv!.width * factor].map((v) => Number(v.toFixed(9)))).toEqual([2.5, 5]); // in counts
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    const info = describeImage(dec.images[0]!.record, dec.images[0]!.image, 0);
    expect([info.units, info.dicom?.suvBw, info.fidelityText]).toEqual(['counts', factor, said]);
    const ds = dicomDataset<Record<string, { Value?: Record<string, { Value?: unknown[] }>[] }>>(dec.images[0]!.output!);
    expect(Number(ds['00409096']!.Value![0]!['00409225']?.Value?.[0]) / (2.5 * factor)).toBeCloseTo(1, 12); // stored × 2.5 × factor
    expect(ds['70531000']).toBeUndefined(); // private elements are not carried: the factor travels as aeimg's own
  });
  it('the window PET is read in, SUVbw 0–5, is measured by the sender and offered by the viewer', async () => {
    const input = await petSlice();
    const factor = expected(70, 370e6, 3600);
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'max' } });
    const suv = enc.fidelity!.windows!.find((w) => w.name === 'SUVbw 0–5');
    expect([suv!.center * factor, suv!.width * factor].map((v) => Number(v.toFixed(9)))).toEqual([2.5, 5]); // in Bq/ml
    expect(suv!.ssim).toBeLessThan(1);
    const out = join(await tempDir(), 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out });
    const info = describeImage(dec.images[0]!.record, dec.images[0]!.image, 0);
    expect((info.windows ?? []).map((w) => w.name)).toContain('SUVbw 0–5');
    // Without a factor (no weight), no such window: SUV cannot be shown.
    const plain = await encryptImageFile(await petSlice(['(0010,1030)=']), { model, recipients: [key], coding: { quality: 'max' } });
    expect(plain.fidelity!.windows!.map((w) => w.name)).not.toContain('SUVbw 0–5');
  });
});
