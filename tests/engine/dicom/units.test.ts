/**
 * The units a reader reads a CT's values in: HU, unless the file says otherwise. A CT perfusion map (rCBF in
 * ml/100ml/s), a breast tomosynthesis or a 3D rendering says Rescale Type US (unspecified; PS3.3 C.11.1.1.2), and a
 * perfusion map names its units in a Real World Value Mapping. Before 0.17 aeimg showed and measured all of them as
 * HU (the brain and lung presets over rCBF values) and wrote Rescale Type HU into their DICOM output.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import dcmjs from 'dcmjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { dicomMetaOf, readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { fidelityHeadline } from '../../../src-shared/fidelity.js';
import { drawPalette } from '../../../src-shared/graphics.js';
import { defaultModel, dicomDataset, FIXTURES, models, tempDir } from '../../helpers.js';

const DCMODIFY = ['/usr/bin/dcmodify'].find(existsSync);
const key = generateSharedKey('Units');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

/** `fixture` given `edits` with dcmodify (-i tag=value, or -e tag to erase). */
async function edited(fixture: string, edits: string[]): Promise<string> {
  const path = join(await tempDir(), fixture);
  await copyFile(join(FIXTURES, 'dicom', fixture), path);
  execFileSync(DCMODIFY!, ['-nb', ...edits.flatMap((e) => (e.startsWith('-e ') ? ['-e', e.slice(3)] : ['-i', e])), path], { stdio: 'ignore' });
  return path;
}

/** A Real World Value Mapping item (in `at`, a sequence path) of `slope`/`intercept` in the UCUM `units`. */
const mapping = (at: string, slope: number, intercept: number, units: string) => [
  `${at}(0040,9210)=RCBF`, `${at}(0028,3003)=Regional Cerebral Blood Flow`, `${at}(0040,9216)=0`, `${at}(0040,9211)=4095`,
  `${at}(0040,9224)=${intercept}`, `${at}(0040,9225)=${slope}`,
  `${at}(0040,08ea)[0].(0008,0100)=${units}`, `${at}(0040,08ea)[0].(0008,0102)=UCUM`, `${at}(0040,08ea)[0].(0008,0104)=${units}`,
];

const unitsOf = async (path: string) => {
  const [frame] = await readDicomFile(path, { maxPixels: 1e8, deidentify: {} });
  return dicomDisplay(frame!.dicom);
};

/** A perfusion map's palette: 100 entries from stored value 1024, red rising, green a hump, blue falling (16-bit). */
const TABLES = [0, 1, 2].map((c) => Uint16Array.from({ length: 100 }, (_, i) => [i * 655, Math.round(65535 * Math.sin((i * Math.PI) / 99)), 65535 - i * 655][c]!));

/**
 * ct_small as a CT perfusion map in ml/100ml/s (Rescale Type US and a Real World Value Mapping) with a Supplemental
 * Palette Color LUT over stored values 1024–1123 (0–99 ml/100ml/s), written with dcmjs; `blue: false` leaves its blue
 * table out, as a damaged file might.
 */
async function perfusionMap(opts: { blue: boolean }): Promise<string> {
  const input = await edited('ct_small_explicit_le.dcm', ['(0028,1054)=US', ...mapping('(0040,9096)[0].', 1, -1024, 'ml/100ml/s')]);
  const b = readFileSync(input);
  const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  for (const c of [1, 2, 3]) {
    dicom.dict[`0028110${c}`] = { vr: 'US', Value: [100, 1024, 16] };
    if (c < 3 || opts.blue) dicom.dict[`0028120${c}`] = { vr: 'OW', Value: [TABLES[c - 1]!.slice().buffer] };
  }
  dicom.dict['00089205'] = { vr: 'CS', Value: ['COLOR'] };
  await writeFile(input, Buffer.from(dicom.write()));
  return input;
}

/** Encrypted within ±2 and decrypted as DICOM: what the sender is told, the reader's units and the output's header. */
async function roundTrip(input: string) {
  const dir = await tempDir();
  const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'within-2' }, outDir: dir });
  const out = join(dir, 'out');
  await mkdir(out);
  const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
  const info = describeImage(dec.images[0]!.record, dec.images[0]!.image, 0);
  return { told: fidelityHeadline(enc.fidelity, { ...enc.coding, ...enc.units }), info, written: dicomDataset<Record<string, { Value?: unknown[] }>>(dec.images[0]!.output!) };
}

describe.skipIf(!DCMODIFY)('a CT\'s units', () => {
  it('a CT of Rescale Type US is not read as HU: no HU, no HU presets; its DICOM output says US', async () => {
    const input = await edited('ct_small_explicit_le.dcm', ['(0028,1054)=US']);
    const display = await unitsOf(input);
    expect(display.units).toBe('');
    expect(display.windows.map((w) => w.source)).not.toContain('preset');
    const { told, info, written } = await roundTrip(input);
    expect(told).not.toContain('HU');
    expect(told).toMatch(/^every pixel within ±2 of the original; /);
    expect(info.units).toBe('');
    expect(written['00281054']?.Value).toEqual(['US']);
  });

  it('a perfusion map names its units in a Real World Value Mapping: shown, told and written back in them', async () => {
    const input = await edited('ct_small_explicit_le.dcm', ['(0028,1054)=US', '(0008,0008)=DERIVED\\PRIMARY\\PERFUSION\\RCBF',
      ...mapping('(0040,9096)[0].', 1, -1024, 'ml/100ml/s')]);
    expect((await unitsOf(input)).units).toBe('ml/100ml/s');
    const { told, info, written } = await roundTrip(input);
    expect(told).toMatch(/^every pixel within ±2 ml\/100ml\/s; worst window .*largest error \d ml\/100ml\/s$/);
    expect(info.units).toBe('ml/100ml/s');
    expect(info.windows!.map((w) => w.name)).not.toContain('brain');
    expect(written['00281054']?.Value).toEqual(['US']);
    const item = (written['00409096']?.Value as Record<string, { Value?: unknown[] }>[])[0]!;
    expect([item['00409210']?.Value, item['00409225']?.Value, item['00409224']?.Value]).toEqual([['RCBF'], [1], [-1024]]);
    expect((item['004008EA']?.Value as Record<string, { Value?: unknown[] }>[])[0]!['00080100']?.Value).toEqual(['ml/100ml/s']);
    // Without a Rescale Type (a CT's default, HU), the mapping's units still win, and the output says US, not HU.
    const untyped = await edited('ct_small_explicit_le.dcm', [...mapping('(0040,9096)[0].', 1, -1024, 'ml/100ml/s')]);
    expect((await unitsOf(untyped)).units).toBe('ml/100ml/s');
    expect((await roundTrip(untyped)).written['00281054']?.Value).toEqual(['US']);
  });

  it('a mapping of another slope is another quantity, not the values\' units; nor is UCUM\'s "no units"; a plain CT stays in HU', async () => {
    const other = await edited('ct_small_explicit_le.dcm', ['(0028,1054)=US', ...mapping('(0040,9096)[0].', 2.5, 0, 'ml/100ml/s')]);
    expect((await unitsOf(other)).units).toBe('');
    const none = await edited('ct_small_explicit_le.dcm', ['(0028,1054)=US', ...mapping('(0040,9096)[0].', 1, -1024, '1')]);
    expect((await unitsOf(none)).units).toBe('');
    const plain = await unitsOf(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'));
    expect(plain.units).toBe('HU');
    // A Rescale Type written in lower case (CS is upper case, but some write it so) says the same.
    expect((await unitsOf(await edited('ct_small_explicit_le.dcm', ['(0028,1054)=hu']))).units).toBe('HU');
    expect((await unitsOf(await edited('ct_small_explicit_le.dcm', ['(0028,1054)=us']))).units).toBe('');
    expect(plain.windows.map((w) => w.name)).toContain('brain');
  });

  it('a supplemental colour palette (a map its reader sees in colour) travels: shown in colour by the viewer, written back as it was', async () => {
    const input = await perfusionMap({ blue: true });
    const dir = await tempDir();
    const enc = await encryptImageFile(input, { model, recipients: [key], measure: false, outDir: dir });
    expect(enc.warnings.join()).not.toMatch(/palette/);
    const out = join(dir, 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    const palette = describeImage(dec.images[0]!.record, dec.images[0]!.image, 0).dicom!.colourPalette!;
    expect(palette.map((c) => c.first)).toEqual([1024, 1024, 1024]);
    expect(palette.map((c) => c.table)).toEqual(TABLES.map((t) => Array.from(t, (v) => v >> 8))); // 8-bit, as a viewer shows it
    // The viewer's rendering: a value the palette covers in its colours, the others as the window left them.
    const rgba = new Uint8ClampedArray(4 * 3).fill(7);
    drawPalette(palette, [32768 + 1024 + 50, 32768 + 1023, 32768 + 1124], 32768, rgba);
    expect(Array.from(rgba)).toEqual([TABLES[0]![50]! >> 8, TABLES[1]![50]! >> 8, TABLES[2]![50]! >> 8, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
    const written = dicomDataset<Record<string, { Value?: unknown[] }>>(dec.images[0]!.output!);
    for (const c of [0, 1, 2]) {
      expect(written[`0028110${c + 1}`]?.Value).toEqual([100, 1024, 16]);
      const data = new Uint16Array(written[`0028120${c + 1}`]!.Value![0] as ArrayBuffer);
      expect(Array.from(data, (v) => v >> 8)).toEqual(Array.from(TABLES[c]!, (v) => v >> 8));
    }
    expect(written['00089205']?.Value).toEqual(['COLOR']);
  });

  it('a supplemental colour palette that cannot be read is named to the sender, with the values it covers in the map\'s units', async () => {
    const input = await perfusionMap({ blue: false });
    const enc = await encryptImageFile(input, { model, recipients: [key], measure: false, outDir: await tempDir() });
    expect(enc.warnings).toContain('ct_small_explicit_le.dcm has a supplemental colour palette (its reader\'s workstation shows stored values 1024–1123 ' +
      '(0–99 ml/100ml/s) in colour: a perfusion or parametric map), but has no Blue Palette Color Lookup Table Data (0028,1203) nor its segmented ' +
      'form (0028,1223): aeimg carries the values without it, so the reader will see the map in grey. If its colours matter, send a screen capture of it too.');
  });

  it('an enhanced CT says it in its functional groups: its Pixel Value Transformation\'s US, its frames\' mapping', async () => {
    const input = await edited('enhanced_mr_3frame_functional_groups.dcm', ['(0008,0060)=CT',
      '(5200,9229)[0].(0028,9145)[0].(0028,1054)=US', ...mapping('(5200,9230)[1].(0040,9096)[0].', 2.5, -100, 'ml/100ml/s')]);
    const frames = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    // Frame 2 has its own rescale 2.5/−100 (fixtures LICENSE.md), which its mapping matches; frames 1 and 3 have none.
    expect(frames.map((f) => dicomDisplay(f.dicom).units)).toEqual(['', 'ml/100ml/s', '']);
    const { written } = await roundTrip(input);
    expect(written['00281054']?.Value).toEqual(['US']);
    const meta = dicomMetaOf({ metadata: { dicom: JSON.parse(JSON.stringify({ ...frames[1]!.dicom, pixel: { ...frames[1]!.dicom.pixel, realWorldUnits: { units: 5 } } })) } });
    expect(meta!.pixel.realWorldUnits).toBeUndefined(); // a crafted record's malformed units are left out
  });
});
