/** The one batch runner and cancelling: past failures, per-file events, and an abort that stops the file in progress. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src-main/engine/errors.js';
import { encodePng } from '../../../src-main/engine/image/io.js';
import { encryptFiles, runBatch, type BatchEvent } from '../../../src-main/engine/jobs/batch.js';
import { encodeImageFile, encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptStudy, encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { defaultModel, models, phantom, tempDir } from '../../helpers.js';

const key = generateSharedKey('Radiology A');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

async function slices(dir: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    const img = phantom(32, 32);
    for (let j = 0; j < img.pixels.length; j++) img.pixels[j] = (img.pixels[j]! + 5 * i) & 0xff;
    out.push(join(dir, `s${i}.png`));
    await writeFile(out[out.length - 1]!, await encodePng(img));
  }
  return out;
}

describe('runBatch', () => {
  it('goes on past a failure, reports each file, and cancels what has not started', async () => {
    const events: BatchEvent<string>[] = [];
    const controller = new AbortController();
    const outcome = await runBatch(['a', 'b', 'c', 'd'], async (input) => {
      if (input === 'b') throw new Error('broken');
      if (input === 'c') controller.abort();
      return input.toUpperCase();
    }, { signal: controller.signal, onEvent: (e) => events.push(e) });
    expect(outcome.done).toEqual(['A', 'C']);
    expect(outcome.failed.map((e) => e.message)).toEqual(['b: broken']);
    expect(outcome.cancelled).toBe(1);
    expect(events.filter((e) => e.status !== 'queued').map((e) => `${e.input}:${e.status}`))
      .toEqual(['a:working', 'a:done', 'b:working', 'b:failed', 'c:working', 'c:done', 'd:cancelled']);
  });
});

describe('an aborted file leaves nothing behind', () => {
  it('encrypt: aborted while encoding, the file fails as cancelled and no .aeimg or temp file appears', async () => {
    const dir = await tempDir();
    const [input] = await slices(dir, 1);
    const controller = new AbortController();
    const err = await encryptImageFile(input!, {
      model, recipients: [key], measure: false, signal: controller.signal,
      encode: async (task) => { controller.abort(); return encodeImageFile(model, task); },
    }).catch((e) => e);
    expect(err).toMatchObject({ code: ErrorCode.Cancelled, message: 's1.png: cancelled; nothing was written.' });
    expect(await readdir(dir)).toEqual(['s1.png']);
  });

  it('a batch cancelled in the middle: the done files stay, the rest are cancelled, no partial output', async () => {
    const dir = await tempDir();
    const inputs = await slices(dir, 3);
    const controller = new AbortController();
    const outcome = await encryptFiles(inputs, {
      model, recipients: [key], measure: false,
      encode: async (task) => {
        if (task.input.endsWith('s2.png')) controller.abort();
        return encodeImageFile(model, task);
      },
    }, { signal: controller.signal });
    expect(outcome.done.map((r) => r.output)).toEqual([join(dir, 's1.aeimg')]);
    expect(outcome.cancelled).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['s1.aeimg', 's1.png', 's2.png', 's3.png']);
  });

  it('studies stop between slices, encrypting and decrypting, and leave no part or image', async () => {
    const dir = await tempDir();
    const inputs = await slices(dir, 6);
    const out = join(dir, 'parts');
    await mkdir(out);
    const stop = new AbortController();
    await expect(encryptStudy(inputs, {
      model, recipients: [key], name: 'st', outDir: out, maxPartBytes: 3_000, coding: { quality: 'max', bits: 8 }, measure: false,
      signal: stop.signal, onSlice: (i) => { if (i === 2) stop.abort(); },
    })).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    expect(await readdir(out)).toEqual([]);

    const study = await encryptStudy(inputs, { model, recipients: [key], name: 'st', outDir: out, maxPartBytes: 3_000, coding: { quality: 'max', bits: 8 }, measure: false });
    const restored = join(dir, 'restored');
    await mkdir(restored);
    const again = new AbortController();
    await expect(decryptStudy(study.parts.map((p) => p.path), {
      identities: [key], models: models(), outDir: restored, format: 'png', signal: again.signal,
      onImage: (i) => { if (i === 3) again.abort(); },
    })).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    expect(await readdir(restored)).toEqual([]);
  });
});
