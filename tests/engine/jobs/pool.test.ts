import { describe, expect, it } from 'vitest';
import { encodeImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { CodecPool, mapLimit } from '../../../src-main/engine/jobs/pool.js';
import { DEFAULT_MODEL } from '../../../src-main/engine/defaults.js';
import { decodeImageRecord } from '../../../src-main/engine/codec/image-codec.js';
import { CT_SLICE, defaultModel, MR_SLICE } from '../../helpers.js';

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
});
