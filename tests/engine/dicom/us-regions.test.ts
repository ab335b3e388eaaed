/** Ultrasound calibration: the Sequence of Ultrasound Regions travels, the viewer measures with it, DICOM output keeps it. */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { parseDicom } from '../../../src-main/engine/dicom/parse.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

const dcmodify = ['/usr/bin/dcmodify'].find(existsSync);
const key = generateSharedKey('US');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

/** The 80x60 RGB ultrasound fixture with regions added by dcmtk (each: [spatial format, units x, units y, x0, y0, x1, y1, Δx, Δy]). */
async function usWithRegions(regions: number[][]): Promise<string> {
  const path = join(await tempDir(), 'us.dcm');
  await copyFile(join(FIXTURES, 'dicom', 'us_rgb_explicit_be.dcm'), path);
  const tags = ['6012', '6024', '6026', '6018', '601a', '601c', '601e', '602c', '602e'];
  const args = regions.flatMap((r, k) => [...tags.map((t, i) => ['-i', `(0018,6011)[${k}].(0018,${t})=${r[i]}`]).flat(),
    '-i', `(0018,6011)[${k}].(0018,6014)=1`, '-i', `(0018,6011)[${k}].(0018,6016)=0`]);
  execFileSync(dcmodify!, ['-nb', ...args, path], { stdio: 'ignore' });
  return path;
}

describe.skipIf(!dcmodify)('ultrasound regions', () => {
  it('keeps the 2D regions calibrated in cm inside the image; Doppler and out-of-image regions are left out', async () => {
    const path = await usWithRegions([
      [1, 3, 3, 5, 6, 70, 50, 0.0125, 0.025], // B-mode: 0.125 mm across, 0.25 mm down
      [3, 4, 7, 0, 52, 79, 59, 0.01, 2], // a Doppler strip: seconds and cm/s, not a distance
      [1, 3, 3, 10, 10, 200, 40, 0.01, 0.01], // reaches past the 80 columns
    ]);
    const [frame] = await readDicomFile(path, { maxPixels: 1e8, deidentify: {} });
    expect(frame!.dicom.pixel.usRegions).toEqual([{ x0: 5, y0: 6, x1: 70, y1: 50, deltaX: 0.0125, deltaY: 0.025, dataType: 1, flags: 0 }]);
  });

  it('the receiver measures in mm inside the region, and its DICOM output carries the region for a PACS', async () => {
    const path = await usWithRegions([[1, 3, 3, 5, 6, 70, 50, 0.0125, 0.025]]);
    const enc = await encryptImageFile(path, { model, recipients: [key], measure: false });
    const out = join(await tempDir(), 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    const info = describeImage(dec.images[0]!.record, dec.images[0]!.image, 0);
    expect(info.dicom?.pixelSpacing).toEqual({ row: 0.25, column: 0.125, source: 'UltrasoundRegion', region: { x0: 5, y0: 6, x1: 70, y1: 50 } });
    const back = parseDicom(new Uint8Array(await readFile(dec.images[0]!.output!)), 1e8);
    expect(back.info.usRegions).toEqual(frameRegions(await readDicomFile(path, { maxPixels: 1e8, deidentify: null })));
    // As an ultrasound image (whose IOD has the region calibration module), not a Secondary Capture.
    expect(back.dataset.string('x00080016')).toBe('1.2.840.10008.5.1.4.1.1.6.1');
  });
});

const frameRegions = (frames: Awaited<ReturnType<typeof readDicomFile>>) => frames[0]!.dicom.pixel.usRegions;
