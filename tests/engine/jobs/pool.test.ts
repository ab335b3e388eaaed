import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { CodecPool, mapLimit } from '../../../src-main/engine/jobs/pool.js';
import { DEFAULT_MODEL } from '../../../src-main/engine/defaults.js';
import { decodeImageRecord } from '../../../src-main/engine/codec/image-codec.js';
import { encodePng, readImageFile } from '../../../src-main/engine/image/io.js';
import { noisyImage } from '../../../src-main/engine/train/noise.js';
import { CT_SLICE, defaultModel, MR_SLICE, tempDir } from '../../helpers.js';

describe('the codec worker pool', () => {
  it('encodes and decodes in workers exactly as in-process, several files at once', async () => {
    const model = await defaultModel();
    const pool = CodecPool.create(2);
    try {
      const tasks = [MR_SLICE, CT_SLICE, MR_SLICE].map((input) => ({ input, coding: { quality: 'max', bits: 8 } as const, measure: true, maxPixels: 1 << 26 }));
      const results = await mapLimit(tasks, 4, (t) => pool.encode(DEFAULT_MODEL, t));
      for (const [i, r] of results.entries()) {
        expect(r.status).toBe('fulfilled');
        const remote = (r as PromiseFulfilledResult<Awaited<ReturnType<typeof pool.encode>>>).value;
        const local = await encodeImageFile(model, tasks[i]!);
        expect(remote.images[0]!.record).toEqual(local.images[0]!.record);
        expect(Buffer.concat(remote.images[0]!.blobs).equals(Buffer.concat(local.images[0]!.blobs))).toBe(true);
        const dec = await pool.decode(model.id, remote.images[0]!.record, remote.images[0]!.blobs, true);
        expect(Array.from(dec.image.pixels)).toEqual(Array.from((await decodeImageRecord(model, local.images[0]!.record, local.images[0]!.blobs)).pixels));
        expect(dec.png!.subarray(1, 4).toString()).toBe('PNG');
      }
      // A big image's tiles on the workers give exactly what the calling thread gives.
      const big = Float32Array.from({ length: 1024 * 768 }, (_, i) => 0.5 + 0.4 * Math.sin(i / 97) * Math.cos(i / 5003));
      const [here] = await model.encode([big], 768, 1024);
      const [there] = await model.encode([big], 768, 1024, { tiles: pool });
      expect(there!.every((v, i) => v === here![i])).toBe(true);
      const [outHere] = await model.decode([here!], 384, 512);
      const [outThere] = await model.decode([here!], 384, 512, { tiles: pool });
      expect(outThere!.every((v, i) => v === outHere![i])).toBe(true);
      const bad = await pool.encode(DEFAULT_MODEL, { ...tasks[0]!, input: '/nonexistent/x.png' }).catch((e) => e);
      expect(bad.message).toMatch(/x\.png: file not found/);
    } finally {
      await pool.close();
    }
  });

  it('a file that carries impulses beside its latent: written and read in workers as in-process, both views', async () => {
    const model = await defaultModel();
    const dir = await tempDir();
    const input = join(dir, 'sp.png');
    await writeFile(input, await encodePng(noisyImage(await readImageFile(MR_SLICE), 'saltpepper', 21)));
    const pool = CodecPool.create(2);
    try {
      const task = { input, coding: { quality: 'max' } as const, measure: true, maxPixels: 1 << 26 };
      const remote = (await pool.encode(DEFAULT_MODEL, task)).images[0]!;
      const local = (await encodeImageFile(model, task)).images[0]!;
      expect(remote.record.impulses).toBeDefined();
      expect(remote.record).toEqual(local.record);
      for (const denoise of [false, true]) {
        const there = await pool.decode(model.id, remote.record, remote.blobs, false, denoise);
        const here = await decodeImageRecord(model, local.record, local.blobs, undefined, { denoise });
        expect(Buffer.from(there.image.pixels).equals(Buffer.from(here.pixels))).toBe(true);
      }
    } finally {
      await pool.close();
    }
  });
});
