/**
 * Turns scripts/train_torch.py output into a shipped model folder:
 *   encoder/ and decoder/ (tfjs layers-model artifacts), manifest.json (id, geometry, training, validation).
 * Validation runs the real engine path (normalise → encoder → 8-bit quantization → entropy code → decoder → 8-bit)
 * on every image of --val and records mean SSIM/PSNR/MSE.
 *
 *   npx tsx scripts/import-torch-weights.ts --weights DIR --out resources/models/NAME --name NAME --val DIR [--command "..."]
 *
 * With --denoiser-of, only the decoder of the torch weights is imported, as the `denoiser/` of an installed model (the
 * second decoder of the same latent: the denoised view). encoder/, decoder/ and the model's id stay as they are; the
 * import is refused unless the torch weights' encoder is exactly the model's encoder (else the denoiser would read
 * another latent than the one files carry):
 *
 *   npx tsx scripts/import-torch-weights.ts --denoiser-of resources/models/NAME --weights DIR [--command "..."] [--description "..."]
 */
import { readFile, readdir, rename, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ARCHITECTURES, buildDecoder, buildEncoder } from '../src-main/engine/model/architecture.js';
import { layersModelWeights, readManifest, saveLayersModel, sha256Hex, writeModelFolder, type DenoiserInfo } from '../src-main/engine/model/artifacts.js';
import { Autoencoder } from '../src-main/engine/model/autoencoder.js';
import { initBackend, tf, type tfl } from '../src-main/engine/model/tf.js';
import { readImageFile } from '../src-main/engine/image/io.js';
import { encodeImage } from '../src-main/engine/codec/image-codec.js';

const { values } = parseArgs({
  options: {
    weights: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, val: { type: 'string' },
    command: { type: 'string', default: '' }, description: { type: 'string', default: '' }, 'denoiser-of': { type: 'string' },
  },
});
if (values['denoiser-of'] ? !values.weights : !values.weights || !values.out || !values.name || !values.val) {
  throw new Error('need --weights --out --name --val, or --denoiser-of MODEL-DIR --weights');
}
const weightsDir = values.weights!;

interface TorchInfo {
  arch: string; inputChannels: number; latentChannels: number; downsampling: number;
  weights: { name: string; shape: number[]; offset: number }[];
  [k: string]: unknown;
}

const backend = await initBackend();
const info = JSON.parse(await readFile(join(weightsDir, 'torch-weights.json'), 'utf8')) as TorchInfo;
const bin = await readFile(join(weightsDir, 'torch-weights.bin'));
const spec = ARCHITECTURES[info.arch];
if (!spec) throw new Error(`unknown arch ${info.arch}`);

function setWeights(model: tfl.LayersModel, part: string): void {
  const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
  convs.forEach((layer, i) => {
    const tensors = ['kernel', 'bias'].map((kind) => {
      const w = info.weights.find((e) => e.name === `${part}/conv${i}/${kind}`);
      if (!w) throw new Error(`missing ${part}/conv${i}/${kind}`);
      const n = w.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(bin.buffer.slice(bin.byteOffset + w.offset, bin.byteOffset + w.offset + n * 4));
      return tf.tensor(data, w.shape);
    });
    layer.setWeights(tensors);
    tensors.forEach((t) => t.dispose());
  });
}

const encoder = buildEncoder(spec, info.inputChannels, info.latentChannels);
const decoder = buildDecoder(spec, info.inputChannels, info.latentChannels);
setWeights(encoder, 'encoder');
setWeights(decoder, 'decoder');
if (values['denoiser-of']) {
  await importDenoiser(values['denoiser-of']);
  process.exit(0);
}
if (!values.out || !values.name || !values.val) throw new Error('need --weights --out --name --val');
await rm(values.out, { recursive: true, force: true });
const { log, weights: _w, argv, ...torchRest } = info;
const manifest = await writeModelFolder(values.out, encoder, decoder, {
  name: values.name,
  architecture: info.arch,
  inputChannels: info.inputChannels,
  downsampling: info.downsampling,
  latentChannels: info.latentChannels,
  quantization: { defaultBits: 8, bitsRange: [2, 8], perChannelRange: true },
  description: values.description,
  training: {
    route: 'scripts/train_torch.py (PyTorch, CPU), imported with scripts/import-torch-weights.ts',
    command: values.command,
    argv, ...torchRest, log,
  },
  validation: {},
});

// Validate through the engine exactly as a user would run it.
const model = await Autoencoder.load(values.out);
const files = (await readdir(values.val)).filter((f) => f.endsWith('.png')).sort();
let ssim = 0, psnr = 0, mse = 0, bytes = 0;
for (const f of files) {
  const img = await readImageFile(join(values.val, f));
  const enc = await encodeImage(model, img, f, { bits: 8, measure: true });
  ssim += enc.record.fidelity!.ssim;
  psnr += enc.record.fidelity!.psnr ?? Infinity;
  mse += enc.record.fidelity!.mse;
  bytes += enc.blobs[0]!.length;
}
const n = files.length;
manifest.validation = {
  data: values.val.replace(/^.*?(mri-ct-slices)/, '$1'),
  images: n,
  bits: 8,
  meanSSIM: +(ssim / n).toFixed(4),
  meanPSNR: +(psnr / n).toFixed(2),
  meanMSE: +(mse / n).toExponential(3),
  meanLatentBytes: Math.round(bytes / n),
  backend: backend.name,
};
await writeFile(join(values.out, 'manifest.json'), JSON.stringify(manifest, null, 2));
console.log(JSON.stringify(manifest.validation));
model.dispose();

/** --denoiser-of: the torch decoder as `dir`'s denoiser/, after checking that its encoder is `dir`'s, byte for byte. */
async function importDenoiser(dir: string): Promise<void> {
  const manifest = await readManifest(dir);
  const geometry = (m: { architecture?: string; arch?: string; inputChannels: number; latentChannels: number; downsampling: number }) =>
    JSON.stringify([m.architecture ?? m.arch, m.inputChannels, m.latentChannels, m.downsampling]);
  if (geometry(manifest) !== geometry(info)) {
    throw new Error(`the torch weights in ${weightsDir} are ${geometry(info)}, model '${manifest.name}' is ${geometry(manifest)}: not its denoiser.`);
  }
  // The denoiser must read the latent the model's encoder writes: the torch encoder must be that encoder exactly.
  const mine = await readFile(join(dir, 'encoder', 'weights.bin'));
  const theirs = await layersModelWeights(encoder);
  if (!mine.equals(theirs)) {
    throw new Error(`the encoder in ${weightsDir} differs from the encoder of model '${manifest.name}' in ${dir}: a denoiser must be ` +
      'trained with that encoder frozen (it reads the same latent). Nothing was changed.');
  }
  const raw = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const staging = join(dir, 'denoiser.importing');
  await rm(staging, { recursive: true, force: true });
  const weights = await saveLayersModel(decoder, staging);
  await rm(join(dir, 'denoiser'), { recursive: true, force: true });
  await rename(staging, join(dir, 'denoiser'));
  const { log, argv, step } = info;
  const denoiser: DenoiserInfo = {
    sha256: sha256Hex(weights),
    description: values.description ?? '',
    training: {
      route: 'scripts/train_torch.py (PyTorch, CPU), decoder only, imported with scripts/import-torch-weights.ts --denoiser-of',
      command: values.command,
      import: ['npx tsx scripts/import-torch-weights.ts', ...process.argv.slice(2).map((a) => (/[\s"'$]/.test(a) ? JSON.stringify(a) : a))].join(' '),
      argv, step, log,
    },
  };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...raw, denoiser }, null, 2));
  // Loads as the engine will: the denoiser's hash and shapes checked, the id (encoder + faithful decoder) unchanged.
  const model = await Autoencoder.load(dir);
  if (!model.hasDenoiser || model.id !== manifest.id) throw new Error('the model did not load with its denoiser and its id unchanged.');
  model.dispose();
  console.log(JSON.stringify({ model: manifest.name, id: manifest.id, denoiser: denoiser.sha256 }));
}
