/**
 * Turns scripts/train_torch.py output into a shipped model folder:
 *   encoder/ and decoder/ (tfjs layers-model artifacts), manifest.json (id, geometry, training, validation).
 * Validation runs the real engine path (normalise → encoder → 8-bit quantization → entropy code → decoder → 8-bit)
 * on every image of --val and records mean SSIM/PSNR/MSE.
 *
 *   npx tsx scripts/import-torch-weights.ts --weights DIR --out resources/models/NAME --name NAME --val DIR [--command "..."]
 */
import { readFile, readdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ARCHITECTURES, buildDecoder, buildEncoder } from '../src-main/engine/model/architecture.js';
import { writeModelFolder } from '../src-main/engine/model/artifacts.js';
import { Autoencoder } from '../src-main/engine/model/autoencoder.js';
import { initBackend, tf, type tfl } from '../src-main/engine/model/tf.js';
import { readImageFile } from '../src-main/engine/image/io.js';
import { encodeImage } from '../src-main/engine/codec/image-codec.js';

const { values } = parseArgs({
  options: {
    weights: { type: 'string' }, out: { type: 'string' }, name: { type: 'string' }, val: { type: 'string' },
    command: { type: 'string', default: '' }, description: { type: 'string', default: '' },
  },
});
if (!values.weights || !values.out || !values.name || !values.val) throw new Error('need --weights --out --name --val');

interface TorchInfo {
  arch: string; inputChannels: number; latentChannels: number; downsampling: number;
  weights: { name: string; shape: number[]; offset: number }[];
  [k: string]: unknown;
}

const backend = await initBackend();
const info = JSON.parse(await readFile(join(values.weights, 'torch-weights.json'), 'utf8')) as TorchInfo;
const bin = await readFile(join(values.weights, 'torch-weights.bin'));
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
