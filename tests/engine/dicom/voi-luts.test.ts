/**
 * A file with several VOI LUTs (a mammogram's NORMAL, HARDER and SOFTER, fo-dicom's GH133.dcm): each is a window its
 * reader may pick, so each is measured for the sender, offered by the viewer and written back. Before 0.17 only the
 * first was read: the others were neither measured nor carried.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dicomDisplay } from '../../../src-main/engine/dicom/display.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { defaultModel, dicomDataset, FIXTURES, models, tempDir } from '../../helpers.js';

const DCM2PNM = ['/usr/bin/dcm2pnm'].find(existsSync);
const key = generateSharedKey('VOI LUTs');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

/** The LUT fixture (4x4, Modality LUT to 0..255, VOI LUT "SQRT") with a second VOI LUT, "HARDER": a steep ramp. */
async function twoLuts(): Promise<string> {
  const path = join(await tempDir(), 'luts.dcm');
  const b = readFileSync(join(FIXTURES, 'dicom', 'lut_modality_voi_overlay.dcm'));
  const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
  const harder = Array.from({ length: 256 }, (_, i) => Math.max(0, Math.min(255, 4 * (i - 96))));
  const items = (dicom.dict['00283010'] as { Value: unknown[] }).Value;
  items.push({ '00283002': v('US', 256, 0, 8), '00283003': v('LO', 'HARDER'), '00283006': v('US', ...harder) });
  await writeFile(path, Buffer.from(dicom.write()));
  return path;
}

describe('several VOI LUTs', () => {
  it('each is a reader\'s window: measured for the sender, offered by the viewer, written back as the file had it', async () => {
    const input = await twoLuts();
    const [frame] = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    expect(dicomDisplay(frame!.dicom).windows.filter((w) => w.lut).map((w) => w.name)).toEqual(['file VOI LUT SQRT', 'file VOI LUT HARDER']);
    const dir = await tempDir();
    const enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'max' }, outDir: dir });
    expect(enc.fidelity!.windows!.filter((w) => w.table).map((w) => w.name).sort()).toEqual(['file VOI LUT HARDER', 'file VOI LUT SQRT']); // worst first
    const out = join(dir, 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    expect(describeImage(dec.images[0]!.record, dec.images[0]!.image, 0).windows!.map((w) => w.name)).toContain('file VOI LUT HARDER');
    const written = dicomDataset(dec.images[0]!.output!)['00283010']!.Value as Record<string, { Value?: unknown[] }>[];
    expect(written.map((i) => i['00283003']?.Value?.[0])).toEqual(['SQRT', 'HARDER']);
    if (DCM2PNM) {
      // dcmtk shows the output through its second VOI LUT as it shows the original through its own.
      const shown = (path: string) => {
        const pgm = join(dir, 'shown.pgm');
        execFileSync(DCM2PNM, ['--no-overlays', '--write-raw-pnm', '+Wl', '2', path, pgm], { stdio: 'ignore' });
        return readFileSync(pgm);
      };
      await mkdir(join(dir, 'exact'));
      const lossless = await encryptImageFile(input, { model, recipients: [key], outDir: join(dir, 'exact') });
      const back = await decryptAeimgFile(lossless.output, { identities: [key], models: models(), outDir: out, format: 'dcm', force: true });
      expect(shown(back.images[0]!.output!).equals(shown(input))).toBe(true);
    }
  });
});

describe('a damaged table', () => {
  /** The LUT fixture with its VOI LUT's descriptor saying `bits` bits an entry. */
  async function withBits(bits: number): Promise<string> {
    const path = join(await tempDir(), `bits${bits}.dcm`);
    const b = readFileSync(join(FIXTURES, 'dicom', 'lut_modality_voi_overlay.dcm'));
    const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
    const item = (dicom.dict['00283010'] as { Value: Record<string, { Value: number[] }>[] }).Value[0]!;
    item['00283002']!.Value[2] = bits;
    await writeFile(path, Buffer.from(dicom.write()));
    return path;
  }

  it('a VOI LUT of more than 16 bits an entry is refused by name: the sender would measure through a table no reader keeps', async () => {
    await expect(readDicomFile(await withBits(40), { maxPixels: 1e8, deidentify: {} })).rejects.toThrow(
      'bits40.dcm: has a VOI LUT Sequence (0028,3010) whose LUT Descriptor (0028,3002) gives 40 bits an entry, where DICOM allows 8 to 16; the file is damaged.');
    expect(await readDicomFile(await withBits(8), { maxPixels: 1e8, deidentify: {} })).toHaveLength(1);
  });
});
