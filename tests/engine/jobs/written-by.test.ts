/**
 * A file's figures as its writer measured them (aeimg 0.44): aeimg 0.41 and before measured each reader window over the
 * whole image, counting what the window shows black in both images (a head CT's air in the brain window) as reproduced
 * perfectly; its receiver is told so where it gives the figures, as they read higher than what the window shows. And
 * (0.45) aeimg 0.44 and before took the RMSE over every pixel, counting a CT's padding, black in every window in both, as
 * reproduced perfectly: lower than over what the windows show, and marked so.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { asWritten, type ImageRecord } from '../../../src-main/engine/codec/record.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { readCodedSlices } from '../../../src-main/engine/jobs/slices.js';
import { decryptStudy, encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { describeImage, receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { figuresOrigin } from '../../../src-shared/fidelity.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

/** The writer the files of this test say they come from (their file entry's `app`). */
const writer = vi.hoisted(() => ({ app: 'aeimg 0.41.0' }));
vi.mock('../../../src-main/engine/jobs/version.js', () => ({ APP_VERSION: '0.41.0', get APP_ID() { return writer.app; } }));

const key = generateSharedKey('Written by');
const CT_HEAD = join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

describe('a file written by aeimg 0.41 and before', () => {
  it('has its window figures marked as over the whole image, and its receiver told so; one written since 0.42 does not', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const input = join(dir, 'ct.dcm');
    await copyFile(CT_HEAD, input);
    const opened = async (app: string, out: string): Promise<ImageRecord> => {
      writer.app = app;
      await mkdir(join(dir, out));
      const sent = await encryptImageFile(input, { model, recipients: [key], coding: { quality: 'within-2' }, outDir: join(dir, out) });
      const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
      // The app's viewer reads the file as its slices, the same way.
      expect((await readCodedSlices(sent.output, [key]))[0]!.record.fidelity?.overFrame).toBe(got.images[0]!.record.fidelity?.overFrame);
      return got.images[0]!.record;
    };
    const old = await opened('aeimg 0.41.0', 'old');
    expect(old.fidelity?.overFrame).toBe(true);
    expect(figuresOrigin(receivedSummary(old).fidelity!)).toBe('measured by the sender over the whole image, as aeimg 0.41 and before measured: higher than over what each window shows');
    expect(old.fidelity?.rmseOverFrame).toBe(true);
    const between = await opened('aeimg 0.43.0', 'between');
    expect(between.fidelity?.overFrame).toBeUndefined();
    expect(figuresOrigin(between.fidelity!)).toBe('measured by the sender');
    expect(between.fidelity?.rmseOverFrame).toBe(true);
    const now = await opened('aeimg 0.45.0', 'now');
    expect(now.fidelity?.overFrame).toBeUndefined();
    expect(now.fidelity?.rmseOverFrame).toBeUndefined();
    // What the viewer is given carries the mark (its corner's words: tests/renderer/sender-figure.test.ts).
    const blank = (r: ImageRecord) => ({ width: r.width, height: r.height, channels: 1 as const, bitDepth: 16 as const, pixels: new Uint16Array(r.width * r.height) });
    expect(describeImage(old, blank(old), 0).fidelity?.overFrame).toBe(true);
    expect(describeImage(now, blank(now), 0).fidelity?.overFrame).toBeUndefined();
    expect(describeImage(between, blank(between), 0).fidelity?.rmseOverFrame).toBe(true);
    expect(describeImage(now, blank(now), 0).fidelity?.rmseOverFrame).toBeUndefined();
  });

  it('in a study, each slice is marked as its part\'s writer measured it', { timeout: 60_000 }, async () => {
    writer.app = 'aeimg 0.40.1';
    const dir = await tempDir();
    const input = join(dir, 'ct.dcm');
    await copyFile(CT_HEAD, input);
    await mkdir(join(dir, 'parts'));
    const study = await encryptStudy([input], { model, recipients: [key], name: 'old', outDir: join(dir, 'parts'), coding: { quality: 'within-2' } });
    const records: ImageRecord[] = [];
    await mkdir(join(dir, 'back'));
    await decryptStudy(study.parts.map((p) => p.path), { identities: [key], models: models(), outDir: join(dir, 'back'), format: 'png', onImage: (_, rec) => { records.push(rec); } });
    expect(records.map((r) => r.fidelity?.overFrame)).toEqual([true]);
  });

  it('is told only of figures of windows: not a bit-exact image, not one without them, not a writer other than aeimg', () => {
    const record = { fidelity: { ssim: 0.99, psnr: 40, mse: 1e-4, windows: [{ name: 'brain', center: 40, width: 80, source: 'preset', ssim: 0.98, psnr: 40 }] } } as unknown as ImageRecord;
    expect(asWritten(record, 'aeimg 0.41.3').fidelity?.overFrame).toBe(true);
    expect(asWritten(record, 'aeimg 0.9.0').fidelity?.overFrame).toBe(true);
    for (const app of ['aeimg 0.42.0', 'aeimg 0.43.0', 'aeimg 1.0.0', 'other 0.1.0', undefined, 41]) expect(asWritten(record, app).fidelity?.overFrame, String(app)).toBeUndefined();
    expect(asWritten({ fidelity: { ...record.fidelity!, exact: true } } as ImageRecord, 'aeimg 0.41.0').fidelity?.overFrame).toBeUndefined();
    expect(asWritten({ fidelity: { ssim: 0.99, psnr: 40, mse: 1e-4 } } as ImageRecord, 'aeimg 0.2.0').fidelity?.overFrame).toBeUndefined();
  });

  it('is told its RMSE is over every pixel where aeimg 0.44 and before measured it, and only where there is one', () => {
    const stored = { maxAbs: 2, rmse: 0.93, units: '', perStored: 1 };
    const record = { fidelity: { ssim: 0.99, psnr: 40, mse: 1e-4, stored } } as unknown as ImageRecord;
    for (const app of ['aeimg 0.44.2', 'aeimg 0.42.0', 'aeimg 0.3.0']) expect(asWritten(record, app).fidelity?.rmseOverFrame, app).toBe(true);
    for (const app of ['aeimg 0.45.0', 'aeimg 1.0.0', 'other 0.1.0', undefined]) expect(asWritten(record, app).fidelity?.rmseOverFrame, String(app)).toBeUndefined();
    expect(asWritten(record, 'aeimg 0.44.0').fidelity?.overFrame).toBeUndefined(); // no window figures to mark
    expect(asWritten({ fidelity: { ...record.fidelity!, exact: true } } as ImageRecord, 'aeimg 0.44.0').fidelity?.rmseOverFrame).toBeUndefined();
    expect(asWritten({ fidelity: { ...record.fidelity!, stored: { ...stored, rmse: 0 } } } as ImageRecord, 'aeimg 0.44.0').fidelity?.rmseOverFrame).toBeUndefined();
  });
});
