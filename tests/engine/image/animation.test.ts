import { describe, expect, it } from 'vitest';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { animationTiming } from '../../../src-main/engine/image/animation.js';
import { pageDelays, readImageData } from '../../../src-main/engine/image/io.js';

const delaysOf = async (path: string) => pageDelays(await readImageData(path));
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { localDecode } from '../../../src-main/engine/jobs/decrypt.js';
import { openAeimg } from '../../../src-main/engine/jobs/open.js';
import { readCodedSlices } from '../../../src-main/engine/jobs/slices.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

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

  it('an evenly timed clip plays at its rate; a GIF\'s "0" (as fast as possible) is shown 100 ms, as browsers show it; a crafted timing is left out', async () => {
    expect(await delaysOf(join(GIF, 'cine.gif'))).toEqual([100, 100, 100]);
    expect(await delaysOf(join(GIF, 'fast.gif'))).toEqual([100, 100]); // its file says 0
    expect(animationTiming({ metadata: { animation: { delay: 40, meanDelay: 40 } } })).toEqual({ frameRate: 25 });
    for (const animation of [{ delay: 0, meanDelay: 40 }, { delay: 40, meanDelay: Infinity }, { delay: '40', meanDelay: 40 }, 'fast', null]) {
      expect(animationTiming({ metadata: { animation } })).toBeUndefined();
    }
  });
});
