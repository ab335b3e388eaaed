/** The plane coder wp2 (images coded without a latent): exact and bounded round trips, edge cases, damage. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePlanes2, encodePlanes2, type PlaneGeometry2 } from '../../../src-main/engine/codec/plane2.js';
import { encodePlanes } from '../../../src-main/engine/codec/refinement.js';
import { AeimgError } from '../../../src-main/engine/errors.js';
import { readImageFile } from '../../../src-main/engine/image/io.js';

const DATA = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

function geometryOf(w: number, h: number, top: number, orig: ArrayLike<number>, ceiling = true): PlaneGeometry2 {
  let floor = Infinity, hi = -Infinity;
  for (let i = 0; i < orig.length; i++) {
    floor = Math.min(floor, orig[i]!);
    hi = Math.max(hi, orig[i]!);
  }
  return { width: w, height: h, top, floor, ...(ceiling ? { ceiling: hi } : {}) };
}

/** Codes, decodes, and checks: the receiver rebuilds what the sender says, within ±maxError of every sample. */
function roundTrip(geometry: PlaneGeometry2, orig: ArrayLike<number>, maxError: number): number {
  const { data, rebuilt } = encodePlanes2([{ geometry, orig }], maxError);
  const out = geometry.top > 255 ? new Uint16Array(orig.length) : new Uint8Array(orig.length);
  decodePlanes2(data, [{ geometry, out }], maxError);
  expect(Array.from(out)).toEqual(Array.from(rebuilt[0]!));
  let worst = 0;
  for (let i = 0; i < orig.length; i++) worst = Math.max(worst, Math.abs(out[i]! - orig[i]!));
  expect(worst).toBeLessThanOrEqual(maxError);
  return data.length;
}

const ERRORS = [0, 1, 2, 4, 100];

describe('plane coder wp2: edge cases', () => {
  const cases: [string, number, number, 255 | 65535, (i: number, r: () => number) => number][] = [
    ['1x1', 1, 1, 255, () => 77],
    ['1x1 at the top', 1, 1, 65535, () => 65535],
    ['1xN', 1, 97, 255, (i, r) => (i * 3 + Math.floor(r() * 5)) & 255],
    ['Nx1', 97, 1, 65535, (i, r) => Math.floor(r() * 65536)],
    ['constant', 40, 30, 255, () => 200],
    ['constant zero', 17, 9, 65535, () => 0],
    ['16-bit full-range noise', 64, 48, 65535, (_, r) => Math.floor(r() * 65536)],
    ['alternating extremes (8-bit)', 33, 31, 255, (i) => ((i % 33) + Math.floor(i / 33)) % 2 ? 255 : 0],
    ['alternating extremes (16-bit)', 32, 16, 65535, (i) => i % 2 ? 65535 : 0],
    ['stripes of extremes', 50, 20, 65535, (i) => (Math.floor(i / 50) % 3 === 0 ? 0 : 65535)],
  ];
  it.each(cases)('%s: exact and within ±N, with and without the ceiling', (_, w, h, top, f) => {
    const r = rng(w * 131 + h);
    const orig = (top > 255 ? new Uint16Array(w * h) : new Uint8Array(w * h)).map((_v, i) => f(i, r));
    for (const maxError of ERRORS) {
      roundTrip(geometryOf(w, h, top, orig), orig, maxError);
      roundTrip(geometryOf(w, h, top, orig, false), orig, maxError);
    }
  });

  it('gives a sample at the plane\'s extremes back exactly at every ±N: a CT\'s padding beside the anatomy, where no neighbour is padding', () => {
    // A head in a field of view: −3024 HU padding (stored 0 here) outside a circle, noisy anatomy from air (2000) up inside.
    const w = 96, h = 80, r = rng(5);
    const orig = new Uint16Array(w * h).map((_v, i) => {
      const x = i % w, y = Math.floor(i / w);
      if (Math.hypot(x - w / 2, y - h / 2) > 36) return 0;
      return 2000 + Math.floor(r() * 40) + (Math.hypot(x - w / 2, y - h / 2) < 30 ? 1000 + Math.floor(r() * 400) : 0);
    });
    orig[w * 40 + 48] = 4095; // one bright sample, the plane's ceiling, amid the anatomy
    for (const maxError of [1, 2, 4, 100]) {
      const geometry = geometryOf(w, h, 65535, orig);
      roundTrip(geometry, orig, maxError);
      const { rebuilt } = encodePlanes2([{ geometry, orig }], maxError);
      const changed = Array.from(orig).filter((v, i) => (v === 0 || v === 4095) && rebuilt[0]![i] !== v).length;
      expect(changed, `±${maxError}`).toBe(0);
    }
  });

  it('codes several planes in one stream', () => {
    const r = rng(5);
    const planes = [0, 1, 2].map((c) => {
      const orig = new Uint8Array(20 * 10).map((_, i) => (i * (c + 1) + Math.floor(r() * 9)) & 255);
      return { geometry: geometryOf(20, 10, 255, orig), orig };
    });
    for (const maxError of [0, 3]) {
      const { data, rebuilt } = encodePlanes2(planes, maxError);
      const outs = planes.map(() => new Uint8Array(200));
      decodePlanes2(data, planes.map((p, c) => ({ geometry: p.geometry, out: outs[c]! })), maxError);
      outs.forEach((o, c) => expect(Array.from(o)).toEqual(Array.from(rebuilt[c]!)));
    }
  });
});

/** A few real slices of each kind (8-bit and 16-bit), when the shared data set is present. */
function realSlices(): string[] {
  const pick = (dir: string, n: number) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.png')).sort()
    .filter((_, i, all) => i % Math.max(1, Math.floor(all.length / n)) === 0).slice(0, n).map((f) => join(dir, f)) : []);
  return [...pick(join(DATA, 'mri-ct-slices', 'val'), 3), ...pick(join(DATA, 'slices16', 'val'), 3)];
}

describe('plane coder wp2: real slices', () => {
  const files = realSlices();
  it.skipIf(files.length === 0).each(files)('%s: exact and within ±1, ±2, ±4; smaller than wp1 losslessly', async (file) => {
    const im = await readImageFile(file);
    const geometry = geometryOf(im.width, im.height, im.bitDepth === 16 ? 65535 : 255, im.pixels);
    const size = roundTrip(geometry, im.pixels, 0);
    for (const maxError of [1, 2, 4]) expect(roundTrip(geometry, im.pixels, maxError)).toBeLessThan(size);
    const wp1 = encodePlanes([{ geometry, orig: im.pixels, dec: new Uint8Array(im.pixels.length) }], 0).data.length;
    expect(size).toBeLessThan(wp1);
  });
});

describe('plane coder wp2: damage', () => {
  const w = 64, h = 64;
  const r = rng(9);
  const orig = new Uint16Array(w * h).map((_, i) => Math.round(30000 + 20000 * Math.sin(i / 300) + r() * 400));
  const geometry = geometryOf(w, h, 65535, orig);

  function attempt(data: Uint8Array): unknown {
    try {
      decodePlanes2(data, [{ geometry, out: new Uint16Array(w * h) }], 0);
    } catch (e) {
      return e;
    }
    return undefined;
  }

  it('says the data is damaged when the stream is cut short or is not a stream', () => {
    const { data } = encodePlanes2([{ geometry, orig }], 0);
    for (const cut of [0, 3, data.length >> 3, data.length >> 1, data.length - 64]) {
      const err = attempt(data.subarray(0, cut));
      expect(err).toBeInstanceOf(AeimgError);
      expect((err as Error).message).toMatch(/damaged/);
    }
    expect(attempt(Uint8Array.of(1, 2, 3, 4, 5, 6))).toBeInstanceOf(AeimgError);
  });

  it('ends on any altered stream, in time, with the damaged error or some samples (the pixel hash then refuses them)', () => {
    const { data } = encodePlanes2([{ geometry, orig }], 0);
    const rand = rng(77);
    const start = performance.now();
    for (let k = 0; k < 40; k++) {
      const bad = Uint8Array.from(data);
      for (let j = 0; j < 1 + (k % 4); j++) bad[1 + Math.floor(rand() * (bad.length - 1))]! ^= 1 + Math.floor(rand() * 255);
      const err = attempt(bad);
      if (err !== undefined) expect(err).toBeInstanceOf(AeimgError);
    }
    // Noise in place of a stream: still one pass over the plane.
    for (let k = 0; k < 10; k++) {
      const noise = new Uint8Array(50 + k * 500).map(() => Math.floor(rand() * 256));
      noise[0] = 0;
      const err = attempt(noise);
      if (err !== undefined) expect(err).toBeInstanceOf(AeimgError);
    }
    expect(performance.now() - start).toBeLessThan(20_000);
  });
});

describe('images without a latent', () => {
  it('are written with wp2, and files written with wp1 before it still open', async () => {
    const { decodeImageRecord, encodeImage } = await import('../../../src-main/engine/codec/image-codec.js');
    const { pixelHash } = await import('../../../src-main/engine/codec/refinement-layer.js');
    const r = rng(3);
    const w = 37, h = 23;
    const pixels = new Uint16Array(w * h).map((_, i) => (i % w < 5 ? 0 : Math.round(2000 + 900 * Math.cos(i / 40) + r() * 50)));
    const img = { width: w, height: h, channels: 1 as const, bitDepth: 16 as const, pixels };
    for (const maxError of [0, 2]) {
      const direct = await encodeImage(undefined as never, img, 'x.png', { maxError });
      expect(direct.record.refinement).toMatchObject({ coding: 'wp2', maxError, backend: 'none' });
      const back = await decodeImageRecord(undefined, direct.record, direct.blobs);
      expect(Array.from(back.pixels)).toEqual(Array.from(direct.decoded!.pixels));
      // The same image as aeimg 0.3 wrote it: wp1 against a zero plane.
      const geometry = { width: w, height: h, top: 65535, floor: 0 };
      const { data, rebuilt } = encodePlanes([{ geometry, orig: pixels, dec: new Uint16Array(w * h) }], maxError);
      const record = { ...direct.record, blobs: { ...direct.record.blobs, residual: data.length },
        refinement: { coding: 'wp1' as const, maxError, sha256: pixelHash({ ...img, pixels: rebuilt[0]! }), backend: 'none' } };
      const old = await decodeImageRecord(undefined, record, [direct.blobs[0]!, direct.blobs[1]!, data]);
      expect(Array.from(old.pixels)).toEqual(Array.from(rebuilt[0]!));
    }
  });
});
