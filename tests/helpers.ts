/** Shared test helpers: temp folders, fixtures, synthetic images, the shipped model. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, expect } from 'vitest';
import dcmjs from 'dcmjs';
import { readDicomFile } from '../src-main/engine/dicom/import.js';
import { writeDicom } from '../src-main/engine/dicom/write.js';
import type { Image } from '../src-main/engine/image/image.js';
import { ModelCache, DEFAULT_MODEL, type Autoencoder } from '../src-main/engine/model/autoencoder.js';

export const ROOT = join(import.meta.dirname, '..');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');
export const SLICES = join(FIXTURES, 'slices');
export const MR_SLICE = join(SLICES, 'mr-colin27-axial-020.png');
export const CT_SLICE = join(SLICES, 'ct-cranium-coronal-220.png');
/** A head CT slice as a 16-bit PNG export of its stored values: HU + 1024 (a CT declared with ctIntercept −1024). */
export const CT_HU_SLICE = join(SLICES, 'ct-cranium-axial-022-hu.png');
export const CT_BONE_SLICE = join(SLICES, 'ct-cranium-axial-021-bone.png');

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/**
 * Runs `body` in `dir` mounted as a tmpfs of `size` (a full disk; remounted read-only, a CD), unmounted afterwards;
 * skips the test where this machine does not allow mounting (it does as root in a container that may).
 */
export async function onTmpfs(ctx: { skip: () => void }, dir: string, size: string, body: (dir: string) => Promise<void>): Promise<void> {
  await mkdir(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    ctx.skip();
  }
  try {
    await body(dir);
  } finally {
    execFileSync('umount', [dir]);
  }
}

/** A fresh folder removed after the test. */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'aeimg-test-'));
  dirs.push(d);
  return d;
}

let cache: ModelCache | undefined;
export function models(): ModelCache {
  cache ??= new ModelCache();
  return cache;
}
export function defaultModel(): Promise<Autoencoder> {
  return models().byName(DEFAULT_MODEL);
}

/** A smooth synthetic "phantom": ellipses and gradients, like an anatomical slice. */
export function phantom(width: number, height: number, channels: 1 | 3 = 1, bitDepth: 8 | 16 = 8): Image {
  const top = bitDepth === 16 ? 4095 : 255; // 16-bit phantoms use a 12-bit range, as CT does
  const pixels = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5) / width - 0.5;
      const v = (y + 0.5) / height - 0.5;
      const body = u * u / 0.16 + v * v / 0.2 < 1 ? 0.55 : 0.05;
      const organ = (u - 0.1) ** 2 / 0.01 + (v + 0.05) ** 2 / 0.02 < 1 ? 0.3 : 0;
      const shade = 0.1 * Math.sin(6 * u) * Math.cos(5 * v);
      for (let c = 0; c < channels; c++) {
        const tint = channels === 3 ? [1, 0.8, 0.6][c]! : 1;
        const val = Math.max(0, Math.min(1, (body + organ + shade) * tint));
        pixels[(y * width + x) * channels + c] = Math.round(val * top);
      }
    }
  }
  return { width, height, channels, bitDepth, pixels };
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A PNG whose header claims width x height but carries almost no data. */
export function pngClaiming(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

export { tiffOf } from '../scripts/fuzz/tiff.js';

/**
 * A CD's worth of two series from the small CT fixture: a scout (series 1, "Scout") and an axial series (series 2,
 * "Axial 5mm"), two slices each, as SE1/IM1.dcm, SE1/IM2.dcm, SE2/IM1.dcm, SE2/IM2.dcm below `dir` (the names repeat
 * across series, as on a CD); every slice's samples differ. Returns the paths and each slice's samples.
 */
export async function twoSeriesCd(dir: string): Promise<{ paths: string[]; samples: number[][] }> {
  const [ct] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), { maxPixels: 1e8, deidentify: null });
  const paths: string[] = [];
  const samples: number[][] = [];
  for (const [series, instance] of [[1, 1], [1, 2], [2, 1], [2, 2]] as const) {
    const image = { ...ct!.image, pixels: ct!.image.pixels.map((v) => v + series * 10 + instance) };
    const meta = { ...ct!.dicom, dataset: { ...ct!.dicom.dataset, '0020000E': { vr: 'UI', Value: [`1.2.826.0.1.3680043.2.1125.${series}`] },
      '00200011': { vr: 'IS', Value: [series] }, '00200013': { vr: 'IS', Value: [instance] }, '0008103E': { vr: 'LO', Value: [series === 1 ? 'Scout' : 'Axial 5mm'] } } };
    await mkdir(join(dir, `SE${series}`), { recursive: true });
    paths.push(join(dir, `SE${series}`, `IM${instance}.dcm`));
    samples.push(Array.from(image.pixels));
    await writeFile(paths.at(-1)!, writeDicom([{ image }], meta, { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1 }));
  }
  return { paths, samples };
}

/**
 * A cine as a scanner writes it, built with dcmjs (not aeimg's writer): `frames` frames of the phantom moving right by
 * 3 px a frame, timed by a Frame Time of 40 ms (or a Frame Time Vector, or not at all) with its Frame Increment Pointer,
 * in `sopClass` (default X-Ray Radiofluoroscopic). 16-bit grey is 12 bits stored with a CT rescale (−1024 HU), signed
 * if asked (values then below zero outside the body); RGB is 8-bit. Returns each frame's stored samples.
 */
export async function cineDicom(path: string, opts: {
  frames: number; bitDepth: 8 | 16; channels?: 1 | 3; signed?: boolean; sopClass?: string; timing?: 'time' | 'vector' | 'none';
}): Promise<number[][]> {
  const channels = opts.channels ?? 1;
  const size = 64;
  const base = phantom(size + 3 * opts.frames, size, channels, opts.bitDepth);
  const frames: number[][] = [];
  for (let f = 0; f < opts.frames; f++) {
    const frame: number[] = [];
    for (let y = 0; y < size; y++) for (let x = 0; x < size * channels; x++) frame.push(base.pixels[(y * base.width + 3 * f) * channels + x]! - (opts.signed ? 1000 : 0));
    frames.push(frame);
  }
  const all = opts.bitDepth === 8 ? Uint8Array.from(frames.flat()) : opts.signed ? Int16Array.from(frames.flat()) : Uint16Array.from(frames.flat());
  const sopClass = opts.sopClass ?? '1.2.840.10008.5.1.4.1.1.12.2';
  const uid = (n: number) => `1.2.826.0.1.3680043.2.1125.77.${n}`;
  const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
  const bits = opts.bitDepth === 16 ? 12 : 8;
  const timing = opts.timing ?? 'time';
  const dataset: Record<string, { vr: string; Value: unknown[] }> = {
    '00080016': v('UI', sopClass), '00080018': v('UI', uid(3)), '00080060': v('CS', channels === 3 ? 'US' : 'RF'),
    '00100010': v('PN', { Alphabetic: 'CINE^TEST' }), '00100020': v('LO', 'CINE-1'), '0020000D': v('UI', uid(1)), '0020000E': v('UI', uid(2)),
    '00200011': v('IS', 1), '00200013': v('IS', 7), '00280002': v('US', channels),
    ...(timing === 'time' ? { '00181063': v('DS', 40), '00280009': v('AT', 0x00181063) } : {}),
    ...(timing === 'vector' ? { '00181065': v('DS', 0, ...Array.from({ length: opts.frames - 1 }, (_, k) => 30 + 10 * k)), '00280009': v('AT', 0x00181065) } : {}),
    '00280004': v('CS', channels === 3 ? 'RGB' : 'MONOCHROME2'), '00280008': v('IS', opts.frames),
    '00280010': v('US', size), '00280011': v('US', size), '00280100': v('US', opts.bitDepth), '00280101': v('US', bits),
    '00280102': v('US', bits - 1), '00280103': v('US', opts.signed ? 1 : 0), '00280301': v('CS', 'NO'),
    ...(channels === 3 ? { '00280006': v('US', 0) } : {}),
    ...(opts.bitDepth === 16 ? { '00281050': v('DS', 40), '00281051': v('DS', 400), '00281052': v('DS', opts.signed ? 0 : -1024), '00281053': v('DS', 1), '00281054': v('LO', 'HU') } : {}),
    '7FE00010': v(opts.bitDepth === 16 ? 'OW' : 'OB', all.buffer),
  };
  const meta = { '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', sopClass), '00020003': v('UI', uid(3)), '00020010': v('UI', '1.2.840.10008.1.2.1') };
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = dataset;
  await writeFile(path, Buffer.from(dict.write()));
  return frames;
}

/** A DICOM file's dataset as dcmjs reads it (an independent reader of what aeimg writes), from its path or its bytes. */
export function dicomDataset<T = Record<string, { Value?: unknown[] }>>(file: string | Buffer): T {
  const b = typeof file === 'string' ? readFileSync(file) : file;
  return dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer).dict as T;
}

/** dicom3tools' IOD checker, where installed (tests that use it check nothing without it). */
export const DCIODVFY = ['/usr/bin/dciodvfy'].find(existsSync);

/**
 * dciodvfy's report on a file, line by line: it reports on stderr and exits 0 with errors, so both streams are read,
 * whatever its exit status; checked to have read the file (it names the IOD it checked against).
 */
export function dciodvfyReport(path: string, label?: string): string[] {
  const run = spawnSync(DCIODVFY!, [path], { encoding: 'utf8' });
  const report = `${run.stdout}\n${run.stderr}`;
  expect(report, label).toMatch(/Image|IOD/);
  return report.split('\n');
}

/** The errors of dciodvfyReport. */
export const dciodvfyErrors = (path: string, label?: string) => dciodvfyReport(path, label).filter((l) => l.startsWith('Error'));

