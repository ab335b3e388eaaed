/** Studies written beside each other, and on a full disk: each run's parts hold its own slices or nothing. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import { encodePng } from '../../../src-main/engine/image/io.js';
import { encodeImageFile, type EncodeTask } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptStudy, encryptStudy, type StudyResult } from '../../../src-main/engine/jobs/study.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { defaultModel, models, phantom, tempDir } from '../../helpers.js';

/** Writes to temp files under `fullDisk.dir` fail with ENOSPC once `fullDisk.after` bytes went to one file. */
const fullDisk = vi.hoisted(() => ({ dir: '', after: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const open = async (...args: Parameters<typeof fs.open>) => {
    const handle = await fs.open(...args);
    if (!fullDisk.dir || !String(args[0]).startsWith(fullDisk.dir) || !String(args[0]).endsWith('.partial')) return handle;
    let written = 0;
    const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<{ bytesWritten: number }>;
    (handle as { write: unknown }).write = async (...a: unknown[]) => {
      const r = await write(...a);
      written += r.bytesWritten;
      if (written > fullDisk.after) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      return r;
    };
    return handle;
  };
  return { ...fs, default: { ...fs, open }, open };
});

const key = generateSharedKey('Radiology A');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

async function slices(dir: string, prefix: string, n: number, shade: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    const img = phantom(32, 32);
    for (let j = 0; j < img.pixels.length; j++) img.pixels[j] = (img.pixels[j]! + shade * i + (j % 5)) & 0xff;
    const p = join(dir, `${prefix}${i}.png`);
    await writeFile(p, await encodePng(img));
    out.push(p);
  }
  return out;
}

describe('study output', () => {
  it('two runs with the same name into one folder at once: one writes its own study, the other fails and leaves nothing', async () => {
    const dir = await tempDir();
    const a = await slices(join(dir, 'a'), 'alpha', 4, 3);
    const b = await slices(join(dir, 'b'), 'beta', 4, 11);
    const out = join(dir, 'out');
    await mkdir(out);
    // Each slice yields to the other run, so the two interleave as two processes would.
    const encode = async (task: EncodeTask) => {
      const r = await encodeImageFile(model, task);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return r;
    };
    const opts = { model, recipients: [key], name: 'head', outDir: out, maxPartBytes: 3_000, coding: { quality: 'max' as const, bits: 8 }, measure: false, lookahead: 1, encode };
    const runs = await Promise.allSettled([encryptStudy(a, opts), encryptStudy(b, opts)]);
    const won = runs.flatMap((r, i) => (r.status === 'fulfilled' ? [{ r: r.value, inputs: [a, b][i]! }] : []));
    const lost = runs.flatMap((r) => (r.status === 'rejected' ? [r.reason as AeimgError] : []));
    expect(won.length).toBe(1);
    expect(lost.length).toBe(1);
    expect(lost[0]).toBeInstanceOf(AeimgError);
    expect(lost[0]!.code).toBe(ErrorCode.OutputExists);
    expect(lost[0]!.message).toMatch(/head\.part1of\d\.aeimg already exists/);
    const { r, inputs } = won[0]! as { r: StudyResult; inputs: string[] };
    expect((await readdir(out)).sort()).toEqual(r.parts.map((p) => basename(p.path)).sort()); // no temp file, no stray part
    const back = join(dir, 'back');
    await mkdir(back);
    const dec = await decryptStudy(r.parts.map((p) => p.path), { identities: [key], models: models(), outDir: back, format: 'png' });
    // Sent at max without measuring, every slice is reduced quality, and its PNG is named so.
    expect(dec.outputs.map((o) => basename(o))).toEqual(inputs.map((i) => basename(i).replace(/\.png$/, '.reduced-quality.png')));
  });

  it('never replaces an existing part without force, checking every name before placing any', async () => {
    const dir = await tempDir();
    const a = await slices(join(dir, 'a'), 'alpha', 4, 3);
    const out = join(dir, 'out');
    await mkdir(out);
    const opts = { model, recipients: [key], name: 'head', outDir: out, maxPartBytes: 3_000, coding: { quality: 'max' as const, bits: 8 }, measure: false };
    const first = await encryptStudy(a, opts);
    const last = first.parts[first.parts.length - 1]!.path;
    await writeFile(last, 'someone else\'s file');
    const names = (await readdir(out)).sort();
    const err = await encryptStudy(a, opts).catch((e) => e);
    expect(err.code).toBe(ErrorCode.OutputExists);
    expect((await readdir(out)).sort()).toEqual(names);
  });

  it('a full disk ends in a clear error naming the part, with no temp file left', async () => {
    const dir = await tempDir();
    const a = await slices(join(dir, 'a'), 'alpha', 4, 3);
    const out = join(dir, 'out');
    await mkdir(out);
    fullDisk.dir = out;
    fullDisk.after = 500;
    try {
      const err = await encryptStudy(a, { model, recipients: [key], name: 'head', outDir: out, coding: { quality: 'max', bits: 8 }, measure: false }).catch((e) => e);
      expect(err).toBeInstanceOf(AeimgError);
      expect(err.code).toBe(ErrorCode.Io);
      expect(err.message).toMatch(/^head\.part1\.aeimg: the disk is full\. Free some space/);
      expect(await readdir(out)).toEqual([]);
    } finally {
      fullDisk.dir = '';
    }
  });
});
