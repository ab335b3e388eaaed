/**
 * Training data: every image of a folder as the encoder is given it (codec/image-codec.ts encoderView: each colour
 * plane over its own range, companded over 8 bits, a CT's through the CT presets in HU), and seeded random patches
 * with flips, 90° rotations, gain and gamma jitter, and a share of noisy inputs for denoising training (target: the
 * clean patch).
 */
import { greyOfColour } from '../image/image.js';
import { encoderView } from '../codec/image-codec.js';
import { examplesUnder, type ExampleOptions } from './examples.js';
import { addNoise, NOISES, seededUniform } from './noise.js';

export interface Plane {
  data: Float32Array;
  height: number;
  width: number;
}

/**
 * The planes of every image under `dir` (examples.ts: image files, DICOM files' frames) at least `minSide` on a side,
 * each as the encoder sees it when the image is sent (0.50): before, each sample over its depth's range, so a 12-bit
 * CT in a 16-bit file was trained on as values under 0.07 and then given to the model companded over [0, 1], and an
 * 8-bit slice was not stretched to its range.
 */
export async function loadPlanes(dir: string, minSide: number, opts: ExampleOptions = {}): Promise<Plane[]> {
  const planes: Plane[] = [];
  for await (const { image: read, display } of examplesUnder(dir, Infinity, opts)) {
    const image = greyOfColour(read) ?? read; // a grey image exported as colour goes as its one plane (encodeImage)
    if (image.width < minSide || image.height < minSide) continue;
    const { ph, pw, inputs } = encoderView(image, display);
    for (const data of inputs) planes.push({ data, height: ph, width: pw });
  }
  return planes;
}

export interface PatchBatch {
  input: Float32Array;
  target: Float32Array;
}

export interface SampleOptions {
  size: number;
  count: number;
  /** Share of inputs that get one of the four noises. */
  noiseP: number;
  /** Fixes every random choice, so a step's batch is the same after a resume. */
  seed: number;
}

export function samplePatches(planes: Plane[], o: SampleOptions): PatchBatch {
  const u = seededUniform(o.seed);
  const n = o.size * o.size;
  const input = new Float32Array(o.count * n);
  const target = new Float32Array(o.count * n);
  for (let k = 0; k < o.count; k++) {
    const p = planes[Math.floor(u() * planes.length)]!;
    const y0 = Math.floor(u() * (p.height - o.size + 1));
    const x0 = Math.floor(u() * (p.width - o.size + 1));
    const flipX = u() < 0.5, flipY = u() < 0.5, transpose = u() < 0.5;
    const gain = 0.8 + 0.3 * u();
    const gamma = Math.exp((u() - 0.5) * 0.5);
    const patch = target.subarray(k * n, (k + 1) * n);
    for (let y = 0; y < o.size; y++) {
      for (let x = 0; x < o.size; x++) {
        let sy = flipY ? o.size - 1 - y : y;
        let sx = flipX ? o.size - 1 - x : x;
        if (transpose) [sy, sx] = [sx, sy];
        const v = p.data[(y0 + sy) * p.width + x0 + sx]!;
        patch[y * o.size + x] = Math.min(1, Math.pow(v, gamma) * gain);
      }
    }
    const noisy = u() < o.noiseP ? addNoise(patch, NOISES[Math.floor(u() * NOISES.length)]!, Math.floor(u() * 2 ** 31)) : patch;
    input.set(noisy, k * n);
  }
  return { input, target };
}
