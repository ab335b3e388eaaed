/**
 * tfjs layers-model artifacts on disk (model.json + weights.bin, the standard format that
 * tf.loadLayersModel('file://…') also reads) and the model manifest beside them.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AeimgError, ErrorCode } from '../errors.js';
import { tf, tfl } from './tf.js';

export interface ModelManifest {
  name: string;
  /** sha256 (hex) of encoder weights.bin followed by decoder weights.bin. */
  id: string;
  architecture: string;
  inputChannels: number;
  downsampling: number;
  latentChannels: number;
  quantization: { defaultBits: number; bitsRange: [number, number]; perChannelRange: true };
  training: Record<string, unknown>;
  validation: Record<string, unknown>;
  description?: string;
  /**
   * A second decoder for the viewer's denoised view and `aeimg decrypt --denoise`: `denoiser/` beside `decoder/`, with
   * exactly the decoder's architecture, reading the same latent. Not part of `id`: a file never depends on it.
   */
  denoiser?: DenoiserInfo;
}

export interface DenoiserInfo {
  /** sha256 (hex) of denoiser/weights.bin. */
  sha256: string;
  description: string;
  training: Record<string, unknown>;
}

export async function saveLayersModel(model: tfl.LayersModel, dir: string): Promise<Buffer> {
  await mkdir(dir, { recursive: true });
  let weights = Buffer.alloc(0);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      weights = Buffer.from(artifacts.weightData as ArrayBuffer);
      const json = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
        convertedBy: 'aeimg',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      await writeFile(join(dir, 'weights.bin'), weights);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return weights;
}

export async function loadLayersModel(dir: string): Promise<{ model: tfl.LayersModel; weights: Buffer }> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
  const weights = Buffer.concat(await Promise.all(manifest.flatMap((g) => g.paths.map((p) => readFile(join(dir, p))))));
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: manifest.flatMap((g) => g.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  };
  return { model: await tfl.loadLayersModel(handler), weights };
}

/** The bytes saveLayersModel would write as weights.bin, without writing anything. */
export async function layersModelWeights(model: tfl.LayersModel): Promise<Buffer> {
  let weights = Buffer.alloc(0);
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    weights = Buffer.from(artifacts.weightData as ArrayBuffer);
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return weights;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function modelId(encoderWeights: Uint8Array, decoderWeights: Uint8Array): string {
  return createHash('sha256').update(encoderWeights).update(decoderWeights).digest('hex');
}

/** Writes a complete model folder: encoder/, decoder/ and manifest.json (its id computed from the weights). */
export async function writeModelFolder(
  dir: string, encoder: tfl.LayersModel, decoder: tfl.LayersModel, fields: Omit<ModelManifest, 'id'>,
): Promise<ModelManifest> {
  const encW = await saveLayersModel(encoder, join(dir, 'encoder'));
  const decW = await saveLayersModel(decoder, join(dir, 'decoder'));
  const manifest: ModelManifest = { ...fields, id: modelId(encW, decW) };
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

export async function readManifest(dir: string): Promise<ModelManifest> {
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
  } catch {
    throw new AeimgError(ErrorCode.ModelMissing, `no model manifest in ${dir}; is this an aeimg model folder?`);
  }
  if (manifest.denoiser !== undefined && !validDenoiser(manifest.denoiser)) {
    throw new AeimgError(ErrorCode.ModelMissing,
      `the manifest of model '${manifest.name}' in ${dir} describes its denoiser wrongly (it needs sha256, description and training); reinstall the model.`);
  }
  return manifest;
}

function validDenoiser(d: unknown): d is DenoiserInfo {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return false;
  const { sha256, description, training } = d as Record<string, unknown>;
  return typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256) && typeof description === 'string'
    && typeof training === 'object' && training !== null && !Array.isArray(training);
}
