/**
 * DICOM overlays (a reader's circle round a lesion, a scanner's labels, a mammogram's target mark): the reader sees
 * them or the sender is told by name that the reader will not. De-identification removes them (PS3.15 Table E.1-1); a
 * file sent with its full header carries them, the viewer draws them, and DICOM output writes them back so that
 * dcmtk draws the same pixels as from the sender's file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dicomMetaOf, readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { drawGraphics, type OverlayGraphic } from '../../../src-shared/graphics.js';
import { writeFile } from 'node:fs/promises';
import dcmjs from 'dcmjs';
import { cineDicom, DCIODVFY, dciodvfyErrors, defaultModel, dicomDataset, models, tempDir } from '../../helpers.js';
import { OVERLAY_SIZE, overlayDicom } from '../../overlay-dicom.js';

const [DCM2PNM, DCMCONV] = ['/usr/bin/dcm2pnm', '/usr/bin/dcmconv'].map((p) => (existsSync(p) ? p : undefined));
const key = generateSharedKey('Overlays');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

/** The pixels (y × width + x) that drawing `graphics` turns white, as the viewer draws them. */
function drawnBy(graphics: readonly OverlayGraphic[], width = OVERLAY_SIZE, height = OVERLAY_SIZE): Set<number> {
  const rgba = new Uint8ClampedArray(width * height * 4);
  drawGraphics(graphics, width, height, rgba);
  return new Set(Array.from({ length: width * height }, (_, i) => i).filter((i) => rgba[i * 4] === 255));
}

/** The pixels dcmtk draws an overlay on (of frame `frame`): its rendering with overlays complemented against its rendering without. */
function drawnByDcmtk(path: string, dir: string, frame = 1): Set<number> {
  const render = (args: string[], out: string) => {
    execFileSync(DCM2PNM!, ['+Wm', '+op', '+F', String(frame), ...args, path, out]);
    const b = readFileSync(out);
    return b.subarray(b.length - OVERLAY_SIZE * OVERLAY_SIZE); // 8-bit PGM: the pixels end the file
  };
  const [plain, drawn] = [render(['-O'], join(dir, 'plain.pgm')), render(['+Omc'], join(dir, 'drawn.pgm'))];
  return new Set(Array.from(plain.keys()).filter((i) => plain[i] !== drawn[i]));
}

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
const overlayTags = (path: string) => Object.keys(dicomDataset(path)).filter((t) => /^60[01][0-9A-F]/i.test(t));

describe('DICOM overlays', () => {
  it('are read as dcmtk draws them: Overlay Data, a plane partly outside the image, and the Pixel Data\'s unused bit 15 (also in Big Endian, as OW and as OB)', async () => {
    const dir = await tempDir();
    const path = join(dir, 'mr.dcm');
    const { drawn, stored } = await overlayDicom(path);
    const files = [path];
    if (DCMCONV) {
      execFileSync(DCMCONV, ['+tb', path, join(dir, 'mr_be.dcm')]);
      // Overlay Data as OB (Explicit VR may say either): in Big Endian its bytes are not swapped as OW's words are.
      const b = readFileSync(path);
      const ob = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
      (ob.dict['60003000'] as { vr: string }).vr = 'OB';
      await writeFile(join(dir, 'mr_ob.dcm'), Buffer.from(ob.write()));
      execFileSync(DCMCONV, ['+tb', join(dir, 'mr_ob.dcm'), join(dir, 'mr_ob_be.dcm')]);
      files.push(join(dir, 'mr_be.dcm'), join(dir, 'mr_ob_be.dcm'));
    }
    for (const file of files) {
      const [frame] = await readDicomFile(file, { maxPixels: 1e8, deidentify: null });
      expect(frame!.dicom.overlays!.map((p) => [p.group, p.origin, p.description])).toEqual([
        [0x6000, [1, 1], 'Siemens MedCom Object Graphics'], [0x6002, [-3, 51], 'First target mark'], [0x6004, [1, 1], undefined],
      ]);
      const graphics = describeImage({ ...recordOf(frame!) }, frame!.image, 0).dicom!.graphics!;
      expect(sorted(drawnBy(graphics)), file).toEqual(sorted(drawn));
      expect(Array.from(frame!.image.pixels)).toEqual(Array.from(stored)); // bit 15 is the overlay's, not the image's
      if (DCM2PNM) expect(sorted(drawnByDcmtk(file, dir)), file).toEqual(sorted(drawn));
    }
  });

  it('de-identified: removed as the profile requires, and the sender is told which and how to send them', async () => {
    const dir = await tempDir();
    const input = join(dir, 'mr.dcm');
    await overlayDicom(input);
    const enc = await encryptImageFile(input, { model, recipients: [key], measure: false });
    const said = enc.warnings.filter((w) => w.includes('overlay'));
    expect(said).toEqual([expect.stringMatching(/^mr\.dcm has 3 overlays, overlay 6000 \("Siemens MedCom Object Graphics"\), overlay 6002 \("First target mark"\) and overlay 6004: .*which de-identification removes.*the reader will not see them.*--deidentify none/)]);
    const out = join(dir, 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    expect(dicomMetaOf(dec.images[0]!.record)!.overlays).toBeUndefined();
    expect(describeImage(dec.images[0]!.record, dec.images[0]!.image, 0).dicom!.graphics).toBeUndefined();
    expect(overlayTags(dec.images[0]!.output!)).toEqual([]);
  });

  it('full header: carried, drawn by the viewer, and written back as overlays dcmtk draws on the same pixels', async () => {
    const dir = await tempDir();
    const input = join(dir, 'mr.dcm');
    const { drawn } = await overlayDicom(input);
    const enc = await encryptImageFile(input, { model, recipients: [key], measure: false, deidentify: null });
    expect(enc.warnings.filter((w) => w.includes('overlay'))).toEqual([]);
    const out = join(dir, 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    const info = describeImage(dec.images[0]!.record, dec.images[0]!.image, 0);
    expect(info.dicom!.graphics!.map((g) => g.name)).toEqual(['overlay 6000 ("Siemens MedCom Object Graphics")', 'overlay 6002 ("First target mark")', 'overlay 6004']);
    expect(sorted(drawnBy(info.dicom!.graphics!))).toEqual(sorted(drawn));
    const written = dec.images[0]!.output!;
    expect(overlayTags(written)).toContain('60003000');
    const [again] = await readDicomFile(written, { maxPixels: 1e8, deidentify: null });
    expect(sorted(drawnBy(describeImage(recordOf(again!), again!.image, 0).dicom!.graphics!))).toEqual(sorted(drawn));
    if (DCM2PNM) expect(sorted(drawnByDcmtk(written, dir))).toEqual(sorted(drawn));
    if (DCIODVFY) expect(dciodvfyErrors(written).filter((l) => /overlay/i.test(l))).toEqual([]);
  });

  it('a cine\'s overlay over frames 2 and 3 comes back over those frames of its one multi-frame file', async () => {
    const dir = await tempDir();
    const input = join(dir, 'cine.dcm');
    await cineDicom(input, { frames: 4, bitDepth: 16 });
    // A 10x10 box's outline over frame 2, its diagonal over frame 3: one overlay of two frames from frame 2.
    const planes = [(r: number, c: number) => r === 0 || r === 9 || c === 0 || c === 9, (r: number, c: number) => r === c];
    const bits = planes.flatMap((on) => Array.from({ length: 100 }, (_, i) => (on(Math.floor(i / 10), i % 10) ? 1 : 0)));
    const packed = new Uint8Array(26);
    bits.forEach((b, i) => { if (b) packed[i >> 3]! |= 1 << (i & 7); });
    const b = readFileSync(input);
    const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
    const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
    Object.assign(dicom.dict, {
      '60000010': v('US', 10), '60000011': v('US', 10), '60000015': v('IS', 2), '60000040': v('CS', 'G'), '60000050': v('SS', 21, 31),
      '60000051': v('US', 2), '60000100': v('US', 1), '60000102': v('US', 0), '60003000': v('OW', packed.buffer),
    });
    await writeFile(input, Buffer.from(dicom.write()));
    const expected = planes.map((on) => new Set(Array.from({ length: 100 }, (_, i) => i).filter((i) => on(Math.floor(i / 10), i % 10))
      .map((i) => (20 + Math.floor(i / 10)) * OVERLAY_SIZE + 30 + (i % 10))));
    const enc = await encryptImageFile(input, { model, recipients: [key], measure: false, deidentify: null });
    const out = join(dir, 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    const shown = dec.images.map((im) => drawnBy(describeImage(im.record, im.image, 0).dicom?.graphics ?? []));
    expect(shown.map(sorted)).toEqual([[], sorted(expected[0]!), sorted(expected[1]!), []]);
    const written = [...new Set(dec.images.map((im) => im.output))];
    expect(written.length).toBe(1);
    const ds = dicomDataset(written[0]!);
    expect([ds['60000015']?.Value, ds['60000051']?.Value]).toEqual([[2], [2]]);
    if (DCM2PNM) expect([1, 2, 3, 4].map((f) => sorted(drawnByDcmtk(written[0]!, dir, f)))).toEqual(shown.map(sorted));
  });

  it('an overlay nobody can draw (its data shorter than its size) is named with why, de-identified or not; the file still goes', async () => {
    const dir = await tempDir();
    const input = join(dir, 'mr.dcm');
    await overlayDicom(input, { short: true });
    const short = 'overlay 6006 ("NMS") (its data holds 510 bytes where its size needs 512), which aeimg does not carry: the reader will not see it.';
    for (const deidentify of [undefined, null]) {
      const enc = await encryptImageFile(input, { model, recipients: [key], measure: false, deidentify, outDir: dir, force: true });
      const said = enc.warnings.filter((w) => w.includes('overlay'));
      expect(said.at(-1)).toBe(`mr.dcm has ${short}`);
      expect(said.length).toBe(deidentify === null ? 1 : 2); // de-identified: the other three, removed, in their own line
      if (deidentify === undefined) expect(said[0]).not.toContain('6006');
    }
  });

  it('a crafted record\'s malformed planes are left out, not drawn', async () => {
    const dir = await tempDir();
    const input = join(dir, 'mr.dcm');
    await overlayDicom(input);
    const [frame] = await readDicomFile(input, { maxPixels: 1e8, deidentify: null });
    const good = frame!.dicom.overlays![0]!;
    const crafted = [good, { ...good, group: 0x6001 }, { ...good, bits: good.bits.slice(8) }, { ...good, rows: 0 }, { ...good, origin: [1] }, null];
    const meta = dicomMetaOf({ metadata: { dicom: JSON.parse(JSON.stringify({ ...frame!.dicom, overlays: crafted })) } });
    expect(meta!.overlays).toEqual([good]);
  });
});

/** A record as the receiver gets it, for a frame read here (describeImage reads the DICOM metadata from it). */
function recordOf(frame: Awaited<ReturnType<typeof readDicomFile>>[number]) {
  return {
    name: 'mr.dcm', width: frame.image.width, height: frame.image.height, channels: frame.image.channels, bitDepth: frame.image.bitDepth,
    metadata: { dicom: JSON.parse(JSON.stringify(frame.dicom)) },
  } as unknown as Parameters<typeof describeImage>[0];
}
