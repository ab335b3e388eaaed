/** Model folders with a denoiser, and torch-weights in the layout scripts/train_torch.py writes, made from shipped models. */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from '../../../src-main/engine/model/artifacts.js';
import { ROOT } from '../../helpers.js';

const MODELS = join(ROOT, 'resources', 'models');

/**
 * A copy of shipped model `name` in `dir` whose denoiser/ is the decoder of shipped model `decoderOf` (by default its
 * own: a denoiser that decodes exactly as the faithful decoder does). Returns the model's folder.
 */
export async function modelWithDecoderAsDenoiser(dir: string, name: string, decoderOf = name): Promise<string> {
  const model = join(dir, name);
  await cp(join(MODELS, name), model, { recursive: true });
  await cp(join(MODELS, decoderOf, 'decoder'), join(model, 'denoiser'), { recursive: true });
  const manifest = JSON.parse(await readFile(join(model, 'manifest.json'), 'utf8'));
  manifest.denoiser = {
    sha256: sha256Hex(await readFile(join(model, 'denoiser', 'weights.bin'))),
    description: `test denoiser: the decoder of ${decoderOf}`,
    training: {},
  };
  await writeFile(join(model, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return model;
}

/**
 * torch-weights.json + torch-weights.bin (Keras layout, as scripts/train_torch.py exports) holding the encoder of model
 * folder `encoderDir` and the decoder of `decoderDir`. Returns the folder.
 */
export async function torchWeightsOf(out: string, encoderDir: string, decoderDir: string): Promise<string> {
  await mkdir(out, { recursive: true });
  const manifest = JSON.parse(await readFile(join(encoderDir, 'manifest.json'), 'utf8'));
  const weights: { name: string; shape: number[]; offset: number }[] = [];
  const bins: Buffer[] = [];
  let offset = 0;
  for (const [part, dir] of [['encoder', encoderDir], ['decoder', decoderDir]] as const) {
    const json = JSON.parse(await readFile(join(dir, part, 'model.json'), 'utf8'));
    const bin = await readFile(join(dir, part, 'weights.bin'));
    let at = 0;
    for (const w of json.weightsManifest[0].weights as { name: string; shape: number[] }[]) {
      const bytes = w.shape.reduce((a, b) => a * b, 1) * 4;
      weights.push({ name: `${part}/${w.name}`, shape: w.shape, offset });
      bins.push(bin.subarray(at, at + bytes));
      at += bytes;
      offset += bytes;
    }
  }
  await writeFile(join(out, 'torch-weights.bin'), Buffer.concat(bins));
  await writeFile(join(out, 'torch-weights.json'), JSON.stringify({
    arch: manifest.architecture, inputChannels: manifest.inputChannels, latentChannels: manifest.latentChannels,
    downsampling: manifest.downsampling, argv: ['--freeze-encoder'], step: 1234, log: [{ step: 500, val_ssim: 0.9 }], weights,
  }));
  return out;
}
