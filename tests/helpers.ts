/** Shared test helpers: temp folders, fixtures, synthetic images, the shipped model. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Image } from '../src-main/engine/image/image.js';
import { ModelCache, DEFAULT_MODEL, type Autoencoder } from '../src-main/engine/model/autoencoder.js';

export const ROOT = join(import.meta.dirname, '..');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');
export const SLICES = join(FIXTURES, 'slices');
export const MR_SLICE = join(SLICES, 'mr-colin27-axial-020.png');
export const CT_SLICE = join(SLICES, 'ct-cranium-coronal-220.png');
export const CT_BONE_SLICE = join(SLICES, 'ct-cranium-axial-021-bone.png');

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

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
