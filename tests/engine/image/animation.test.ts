import { describe, expect, it } from 'vitest';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { animationTiming, pageDelays } from '../../../src-main/engine/image/animation.js';
import { cineFrameRate } from '../../../src-main/engine/dicom/display.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { writeDicomParts } from '../../../src-main/engine/dicom/write.js';
import { readImageData, readImagePages } from '../../../src-main/engine/image/io.js';

const delaysOf = async (path: string) => pageDelays(await readImageData(path));
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptAeimgFile, localDecode } from '../../../src-main/engine/jobs/decrypt.js';
import { openAeimg } from '../../../src-main/engine/jobs/open.js';
import { readCodedSlices } from '../../../src-main/engine/jobs/slices.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { DCIODVFY, dciodvfyErrors, defaultModel, dicomDataset, FIXTURES, models, tempDir } from '../../helpers.js';

const GIF = join(FIXTURES, 'gif');

describe('an animated image file\'s timing (a GIF or WebP clip)', () => {
  it('goes with each page, so the reader\'s viewer plays the clip at its pace: 50, 100 and 150 ms a frame is 10 a second, each held as timed', async () => {
    expect(await delaysOf(join(GIF, 'uneven.gif'))).toEqual([50, 100, 150]);
    expect(await delaysOf(join(GIF, 'grey.gif'))).toBeUndefined(); // a still image
    const dir = await tempDir();
    await copyFile(join(GIF, 'uneven.gif'), join(dir, 'loop.gif'));
    const key = generateSharedKey('Echo lab');
    const enc = await encryptImageFile(join(dir, 'loop.gif'), { model: await defaultModel(), recipients: [key], measure: false });
    const { items } = await openAeimg(enc.output, [key], (f, ids) => readCodedSlices(f, ids));
    const infos = await Promise.all(items.map(async (item, i) => describeImage(item.record, (await localDecode(models())(item.modelId, item.record, item.blobs, false)).image, i)));
    expect(infos.map((info) => info.animation)).toEqual([
      { frameRate: 10, frameTimeRatio: 0.5 }, { frameRate: 10 }, { frameRate: 10, frameTimeRatio: 1.5 },
    ]);
    expect(infos[0]!.dicom).toBeUndefined();
  });

  it('as DICOM, a clip is one multi-frame cine timed as its file: a PACS plays it, where each page was a file of its own', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('Echo lab');
    const sent = async (gif: string, name: string) => {
      await copyFile(join(GIF, gif), join(dir, name));
      return (await encryptImageFile(join(dir, name), { model: await defaultModel(), recipients: [key], measure: false })).output;
    };
    const [uneven, even, still] = [await sent('uneven.gif', 'loop.gif'), await sent('cine.gif', 'cine.gif'), await sent('grey.gif', 'still.gif')];
    const out = join(dir, 'out');
    await mkdir(out);
    for (const f of [uneven, even, still]) await decryptAeimgFile(f, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    expect((await readdir(out)).sort()).toEqual(['cine.dcm', 'loop.dcm', 'still.dcm']);
    const loop = dicomDataset(join(out, 'loop.dcm'));
    // Shown 50, 100 and 150 ms: from each frame to the next, 50 and 100 (DICOM has no place for the last frame's own time).
    expect([loop['00080016']?.Value, loop['00280008']?.Value, loop['00280009']?.Value, loop['00181065']?.Value]).toEqual([
      ['1.2.840.10008.5.1.4.1.1.7.2'], [3], [0x00181065], [0, 50, 100]]); // Multi-frame Grayscale Byte SC: its pages are grey
    const cine = dicomDataset(join(out, 'cine.dcm'));
    expect([cine['00280008']?.Value, cine['00280009']?.Value, cine['00181063']?.Value, cine['00181065']]).toEqual([[3], [0x00181063], [100], undefined]);
    // Read back, each frame the page the reader's viewer showed (in order, not one page repeated); a DICOM viewer plays it at 10 a second.
    const [frames, pages] = [await readDicomFile(join(out, 'cine.dcm'), { maxPixels: 1e7, deidentify: null }), await readImagePages(join(GIF, 'cine.gif'))];
    expect(frames.length).toBe(pages.length);
    // Within ±1 of each page: the default for an 8-bit image.
    expect(frames.map((f, i) => Array.from(f.image.pixels).reduce((m: number, v, k) => Math.max(m, Math.abs(v - pages[i]!.pixels[k]!)), 0))).toEqual([1, 1, 1]);
    expect(cineFrameRate(frames[0]!.dicom)).toBe(10);
    expect(dicomDataset(join(out, 'still.dcm'))['00280008']).toBeUndefined();
    if (DCIODVFY) for (const name of ['loop.dcm', 'cine.dcm']) expect(dciodvfyErrors(join(out, name))).toEqual([]);
    // A clip with one grey page (a title or B-mode frame) stays colour throughout, and goes as one cine all the same.
    const mixed = await readImagePages(join(GIF, 'mixed.gif'));
    expect(mixed.map((p) => p.channels)).toEqual([3, 3]);
    const mixedOut = await sent('mixed.gif', 'mixed.gif');
    await decryptAeimgFile(mixedOut, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    expect((await readdir(out)).filter((n) => n.startsWith('mixed'))).toEqual(['mixed.dcm']);
    expect(dicomDataset(join(out, 'mixed.dcm'))['00280008']?.Value).toEqual([2]);
    // A WebP's delays in thirds of a frame time fit DICOM's 16 characters a decimal (1000/30 ms has 17).
    const page = { width: 4, height: 4, channels: 1 as const, bitDepth: 8 as const, pixels: new Uint8Array(16) };
    const thirds = writeDicomParts([{ image: page }, { image: page }, { image: page }], undefined,
      { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1, frameDelays: [1000 / 30, 2000 / 30, 1000 / 30] });
    expect(dicomDataset(Buffer.concat([...thirds]))['00181065']?.Value).toEqual([0, 33.3333333333333, 66.6666666666667]);
  });

  it('an evenly timed clip plays at its rate; a GIF\'s "0" (as fast as possible) is shown 100 ms, as browsers show it; a crafted timing is left out', async () => {
    expect(await delaysOf(join(GIF, 'cine.gif'))).toEqual([100, 100, 100]);
    expect(await delaysOf(join(GIF, 'fast.gif'))).toEqual([100, 100]); // its file says 0
    expect(animationTiming({ metadata: { animation: { delay: 40, meanDelay: 40 } } })).toEqual({ frameRate: 25 });
    for (const animation of [{ delay: 0, meanDelay: 40 }, { delay: 40, meanDelay: Infinity }, { delay: '40', meanDelay: 40 }, 'fast', null]) {
      expect(animationTiming({ metadata: { animation } })).toBeUndefined();
    }
  });
});
