import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../../src-main/engine/codec/record.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { UidMapper } from '../../../src-main/engine/dicom/deidentify.js';
import { cieLabToRgb, displayShutter } from '../../../src-main/engine/dicom/shutter.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { drawShutter, shuttered, type DisplayShutter, type OverlayGraphic } from '../../../src-shared/graphics.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';
import { mkdir } from 'node:fs/promises';
import { parseDicomHeader } from '../../../src-main/engine/dicom/read-dataset.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { overlayDicom } from '../../overlay-dicom.js';
import { coveredByDefault, SHUTTER_SIZE, shutterDicom } from '../../shutter-dicom.js';

/** A file read as the sender reads it, and its record as the viewer gets it after decryption. */
async function opened(path: string, deidentify = true) {
  const [frame] = await readDicomFile(path, { maxPixels: 1 << 24, deidentify: deidentify ? {} : null, uids: new UidMapper() });
  const { image, dicom } = frame!;
  const record = {
    kind: 'image', name: 'x.dcm', width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth,
    metadata: { dicom }, refinement: { maxError: 0 },
  } as unknown as ImageRecord;
  return describeImage(record, image, 0);
}

/** Every pixel (y × width + x) a shutter covers. */
function coveredPixels(s: DisplayShutter, width: number, height: number): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (shuttered(s, y, x)) out.push(y * width + x);
  return out;
}

const GREY: [number, number, number] = [0, 0, 0];
const json = (vr: string, ...Value: (string | number)[]) => ({ vr, Value });

describe('a Display Shutter: what a PACS covers, the receiver\'s viewer covers', () => {
  it('a circular and a rectangular shutter of a de-identified CT reach the viewer, which covers what either covers, in the file\'s grey', async () => {
    const path = join(await tempDir(), 'shutter.dcm');
    await shutterDicom(path);
    const info = await opened(path);
    const s = info.dicom?.shutter;
    expect(s).toEqual({ rectangle: { left: 20, right: 110, top: 30, bottom: 100 }, circle: { row: 64, column: 60, radius: 40 }, colour: [128, 128, 128], name: 'rectangular, circular' });
    const n = SHUTTER_SIZE;
    const expected = Array.from({ length: n * n }, (_, i) => i).filter((i) => coveredByDefault(Math.floor(i / n), i % n));
    expect(coveredPixels(s!, n, n)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(n * n / 3);
    // Drawn into rendered pixels: the covered ones in the shutter's grey, the others as rendered.
    const out = new Uint8ClampedArray(n * n * 4).fill(7);
    drawShutter(s!, n, n, out);
    for (let i = 0; i < n * n; i++) expect(Array.from(out.subarray(i * 4, i * 4 + 4))).toEqual(coveredByDefault(Math.floor(i / n), i % n) ? [128, 128, 128, 255] : [7, 7, 7, 7]);
  });

  it('edges belong to what shows: a rectangle\'s edge columns and rows, a circle\'s rim, a polygon\'s sides', () => {
    const rect: DisplayShutter = { rectangle: { left: 2, right: 4, top: 3, bottom: 3 }, colour: GREY, name: 'rectangular' };
    // 1-based columns 2–4 of row 3: 0-based (2, 1), (2, 2), (2, 3).
    expect(coveredPixels(rect, 6, 5).length).toBe(30 - 3);
    expect([shuttered(rect, 2, 1), shuttered(rect, 2, 3), shuttered(rect, 2, 0), shuttered(rect, 2, 4), shuttered(rect, 1, 2)]).toEqual([false, false, true, true, true]);
    const circle: DisplayShutter = { circle: { row: 5, column: 5, radius: 3 }, colour: GREY, name: 'circular' };
    expect([shuttered(circle, 4, 7), shuttered(circle, 4, 8), shuttered(circle, 1, 4), shuttered(circle, 7, 7)]).toEqual([false, true, false, true]);
    // A right triangle with vertices at rows/columns (1,1), (1,5), (5,1): its hypotenuse row + column = 6 shows.
    const triangle: DisplayShutter = { polygon: [{ row: 1, column: 1 }, { row: 1, column: 5 }, { row: 5, column: 1 }], colour: GREY, name: 'polygonal' };
    for (let y = 0; y < 6; y++) for (let x = 0; x < 6; x++) expect(shuttered(triangle, y, x)).toBe(y + 1 + x + 1 > 6);
  });

  it('a bitmap shutter (full header): its overlay plane covers where its bits are set, and is not drawn as graphics too', async () => {
    const dir = await tempDir();
    await overlayDicom(join(dir, 'mr.dcm'));
    const b = await readFile(join(dir, 'mr.dcm'));
    const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
    Object.assign(dicom.dict, { '00181600': json('CS', 'BITMAP'), '00181623': json('US', 0x6000), '00181622': json('US', 65535) });
    await writeFile(join(dir, 'bitmap.dcm'), Buffer.from(dicom.write()));
    const full = await opened(join(dir, 'bitmap.dcm'), false);
    expect(full.dicom?.shutter?.name).toBe('bitmap');
    expect(full.dicom?.shutter?.bitmap?.name).toBe('overlay 6000 ("Siemens MedCom Object Graphics")');
    expect(full.dicom?.graphics?.map((g) => g.name)).toEqual(['overlay 6002 ("First target mark")', 'overlay 6004']);
    // The ring of overlay 6000 (radius 12 about row 28, column 32, 0-based) is what it covers, in white.
    const covered = coveredPixels(full.dicom!.shutter!, 64, 64);
    expect(covered.length).toBeGreaterThan(50);
    expect(covered.every((i) => Math.abs(Math.hypot(Math.floor(i / 64) - 28, (i % 64) - 32) - 12) < 0.7)).toBe(true);
    expect(full.dicom?.shutter?.colour).toEqual([255, 255, 255]);
    // De-identified, the plane is removed: no shutter to draw, and nothing the viewer shows is less than the file says.
    expect((await opened(join(dir, 'bitmap.dcm'))).dicom?.shutter).toBeUndefined();
    // DICOM output: with its plane, the bitmap shutter as the file had it; without (de-identified), no shutter that
    // names a plane the file does not hold.
    const key = generateSharedKey('Shutter');
    const shapesOut = async (deidentify: null | undefined) => {
      const out = join(dir, `out-${deidentify === null ? 'full' : 'basic'}`);
      await mkdir(out);
      const enc = await encryptImageFile(join(dir, 'bitmap.dcm'), { model: await defaultModel(), recipients: [key], measure: false, outDir: out, ...(deidentify === null ? { deidentify } : {}) });
      const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
      const ds = parseDicomHeader(new Uint8Array(await readFile(dec.images[0]!.output!)));
      return {
        shapes: [ds.string('x00181600'), ds.uint16('x00181623'), ds.elements.x00181622 ? 'value' : undefined, ds.elements.x60003000 ? 'plane' : undefined],
        warnings: enc.warnings, output: dec.images[0]!.output!,
      };
    };
    const kept = await shapesOut(null);
    expect(kept.shapes).toEqual(['BITMAP', 0x6000, 'value', 'plane']);
    // The tag is dcmtk's Shutter Overlay Group (0018,1623), as PS3.3 C.7.6.15 names it (0.18 read and wrote 0018,6100,
    // which is no attribute: a real file's bitmap shutter was drawn as an overlay instead of covering the image).
    if (existsSync('/usr/bin/dcmdump')) expect(execFileSync('/usr/bin/dcmdump', ['+P', '0018,1623', kept.output], { encoding: 'utf8' })).toMatch(/US 24576\s+#\s+2, 1 ShutterOverlayGroup/);
    expect(kept.warnings.filter((w) => /overlay|shutter/.test(w))).toEqual([]);
    const basic = await shapesOut(undefined);
    expect(basic.shapes).toEqual([undefined, undefined, undefined, undefined]);
    // The sender is told the reader will see what the shutter covers, and the plane is not called graphics.
    expect(basic.warnings.filter((w) => /overlay|shutter/.test(w))).toEqual([
      'bitmap.dcm has a bitmap display shutter in overlay 6000 ("Siemens MedCom Object Graphics"): the parts of the image its reader\'s PACS covers, ' +
      'which de-identification removes with the overlays (its data may hold the patient\'s name), so the reader will see the whole image, what it covers ' +
      'included. If that matters, send the file with its full header (aeimg encrypt --deidentify none; in the app, DICOM metadata "Keep all").',
      expect.stringMatching(/^bitmap\.dcm has 2 overlays, overlay 6002 \("First target mark"\) and overlay 6004: graphics a viewer draws over the image/),
    ]);
  });

  it('an enhanced file\'s Frame Display Shutter, shared or a frame\'s own, covers that frame in the viewer and goes into its DICOM output', async () => {
    const dir = await tempDir();
    const source = join(dir, 'enhanced.dcm');
    const b = await readFile(join(FIXTURES, 'dicom', 'enhanced_mr_3frame_functional_groups.dcm')); // 4 x 4, 3 frames
    const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
    const group = (attributes: Record<string, unknown>) => ({ vr: 'SQ', Value: [attributes] });
    // Shared: columns 2–4 show (column 1 covered), in white; frame 2's own: a circle about row 2, column 2, radius 1.
    (dicom.dict['52009229']!.Value as Record<string, unknown>[])[0]!['00189472'] = group({
      '00181600': json('CS', 'RECTANGULAR'), '00181602': json('IS', 2), '00181604': json('IS', 4), '00181606': json('IS', 1), '00181608': json('IS', 4),
      '00181622': json('US', 65535),
    });
    (dicom.dict['52009230']!.Value as Record<string, unknown>[])[1]!['00189472'] = group({
      '00181600': json('CS', 'CIRCULAR'), '00181610': json('IS', 2, 2), '00181612': json('IS', 1),
    });
    await writeFile(source, Buffer.from(dicom.write()));
    const frames = await readDicomFile(source, { maxPixels: 1 << 24, deidentify: {}, uids: new UidMapper() });
    const shutters = frames.map((f) => displayShutter(f.dicom.dataset, 1, new Map()));
    expect(shutters.map((s) => s && coveredPixels(s, 4, 4))).toEqual([[0, 4, 8, 12], [0, 2, 3, 7, 8, 10, 11, 12, 13, 14, 15], [0, 4, 8, 12]]);
    expect(shutters.map((s) => s?.colour)).toEqual([[255, 255, 255], [0, 0, 0], [255, 255, 255]]);
    // DICOM output writes each frame (a file each) with its own.
    const key = generateSharedKey('Shutter');
    const enc = await encryptImageFile(source, { model: await defaultModel(), recipients: [key], measure: false, outDir: dir });
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: dir, format: 'dcm' });
    const written = await Promise.all(dec.images.map(async (i) => parseDicomHeader(new Uint8Array(await readFile(i.output!)))));
    expect(written.map((ds) => [ds.string('x00181600'), ds.string('x00181602'), ds.string('x00181612')])).toEqual([
      ['RECTANGULAR', '2', undefined], ['CIRCULAR', undefined, '1'], ['RECTANGULAR', '2', undefined]]);

    // A cine (its frames timed, otherwise alike) goes back as one file, but not across frames whose shutters differ.
    const rectangle = (dicom.dict['52009229']!.Value as Record<string, unknown>[])[0]!['00189472'];
    const circle = (dicom.dict['52009230']!.Value as Record<string, unknown>[])[1]!['00189472'];
    const cine = async (name: string, ownShutter: boolean) => {
      dicom.dict['52009229'] = { vr: 'SQ', Value: [{ '00189472': rectangle }] };
      dicom.dict['52009230'] = { vr: 'SQ', Value: [{}, ownShutter ? { '00189472': circle } : {}, {}] };
      dicom.dict['00181063'] = json('DS', 40);
      const path = join(dir, `${name}.dcm`);
      await writeFile(path, Buffer.from(dicom.write()));
      const out = join(dir, name);
      await mkdir(out);
      const e = await encryptImageFile(path, { model: await defaultModel(), recipients: [key], measure: false, outDir: out });
      const d = await decryptAeimgFile(e.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
      return Promise.all([...new Set(d.images.map((i) => i.output!))].map(async (f) => {
        const ds = parseDicomHeader(new Uint8Array(await readFile(f)));
        return [ds.string('x00280008') ?? '1', ds.string('x00181600')];
      }));
    };
    expect(await cine('alike', false)).toEqual([['3', 'RECTANGULAR']]);
    expect(await cine('own', true)).toEqual([['1', 'RECTANGULAR'], ['1', 'CIRCULAR'], ['1', 'RECTANGULAR']]);
  });

  it('a shape whose figures do not make one is left out; a file without a shape has none', () => {
    const none = new Map<number, OverlayGraphic>();
    const base = { '00181602': json('IS', 9), '00181604': json('IS', 3), '00181606': json('IS', 1), '00181608': json('IS', 5) }; // left right of right
    expect(displayShutter({ ...base, '00181600': json('CS', 'RECTANGULAR') }, 1, none)).toBeUndefined();
    expect(displayShutter({ '00181600': json('CS', 'CIRCULAR'), '00181610': json('IS', 5, 5), '00181612': json('IS', 0) }, 1, none)).toBeUndefined();
    expect(displayShutter({ '00181600': json('CS', 'POLYGONAL'), '00181620': json('IS', 1, 1, 5, 5) }, 1, none)).toBeUndefined();
    expect(displayShutter({ '00181600': json('CS', 'BITMAP'), '00181623': json('US', 0x6000) }, 1, none)).toBeUndefined();
    expect(displayShutter({ '00181622': json('US', 100) }, 1, none)).toBeUndefined();
    // The good shape of two stays.
    const two = displayShutter({ ...base, '00181600': json('CS', 'RECTANGULAR', 'CIRCULAR'), '00181610': json('IS', 5, 5), '00181612': json('IS', 2) }, 1, none);
    expect(two).toEqual({ circle: { row: 5, column: 5, radius: 2 }, colour: [0, 0, 0], name: 'circular' });
  });

  it('its colour: a grey image\'s P-value, a colour image\'s CIELab, black where the file says neither', () => {
    const none = new Map<number, OverlayGraphic>();
    const circle = { '00181600': json('CS', 'CIRCULAR'), '00181610': json('IS', 5, 5), '00181612': json('IS', 2) };
    const lab = json('US', 65535 / 2, 0x8080, 0x8080); // L* 50, a* b* 0: sRGB 119 (a mid grey by lightness)
    expect(displayShutter(circle, 1, none)?.colour).toEqual([0, 0, 0]);
    expect(displayShutter({ ...circle, '00181622': json('US', 65535), '00181624': lab }, 1, none)?.colour).toEqual([255, 255, 255]);
    expect(displayShutter({ ...circle, '00181622': json('US', 65535), '00181624': lab }, 3, none)?.colour).toEqual([119, 119, 119]);
    expect(displayShutter({ ...circle, '00181624': lab }, 1, none)?.colour).toEqual([119, 119, 119]);
    // sRGB red is L* 54.29, a* 80.80, b* 69.89 under D50 (ICC PCS).
    const red = cieLabToRgb([54.29 * 655.35, ((80.8 + 128) * 65535) / 255, ((69.89 + 128) * 65535) / 255]);
    expect(red.map((v, i) => Math.abs(v - [255, 0, 0][i]!) <= 2)).toEqual([true, true, true]);
    expect(cieLabToRgb([65535, 0x8080, 0x8080])).toEqual([255, 255, 255]);
  });
});
