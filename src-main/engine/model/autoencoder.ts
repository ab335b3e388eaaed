/** The model class: owns the encoder and decoder, runs them tiled, and keeps tfjs memory flat. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL } from '../defaults.js';
import { AeimgError, ErrorCode } from '../errors.js';
import { ARCHITECTURES, haloFor } from './architecture.js';
import { loadLayersModel, modelId, readManifest, sha256Hex, type ModelManifest } from './artifacts.js';
import { runTiled } from './tiling.js';
import type { tfl } from './tf.js';
import { initBackend, tf } from './tf.js';

export { DEFAULT_MODEL } from '../defaults.js';

/** 'denoiser': the optional second decoder (the denoised view), reading the same latent as 'decoder'. */
export type ModelPart = 'encoder' | 'decoder' | 'denoiser';

/** Somewhere else to run tiles: a worker pool holding the same model. */
export interface TileExecutor {
  readonly size: number;
  /** `model` is the model's folder, so workers load exactly this model, wherever it is installed. */
  infer(model: string, part: ModelPart, crop: Float32Array, shape: [number, number, number, number]): Promise<Float32Array>;
}

export interface InferOptions {
  /** Tile edge in input pixels (default 512 for the encoder, 256 latent pixels for the decoder). */
  tile?: number;
  tiles?: TileExecutor;
}

export interface DecodeOptions extends InferOptions {
  /** Run the model's denoiser instead of its faithful decoder (the model must have one: hasDenoiser). */
  denoise?: boolean;
}
const ENCODER_TILE = 512;
const DECODER_TILE = 256;

export class Autoencoder {
  private constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    private readonly encoder: tfl.LayersModel,
    private readonly decoder: tfl.LayersModel,
    private readonly denoiser: tfl.LayersModel | null,
  ) {}

  /** Whether the model ships a denoiser (a second decoder of the same latent, for the denoised view). */
  get hasDenoiser(): boolean {
    return this.denoiser !== null;
  }

  get id(): string {
    return this.manifest.id;
  }

  /** The tfjs backend this model runs on (lossless files record it: bit-exact decoding needs the same one). */
  get backend(): string {
    return tf.getBackend();
  }

  get latentChannels(): number {
    return this.manifest.latentChannels;
  }

  static async load(dir: string): Promise<Autoencoder> {
    await initBackend();
    const manifest = await readManifest(dir);
    if (!ARCHITECTURES[manifest.architecture]) {
      throw new AeimgError(ErrorCode.ModelMissing, `model ${manifest.name} uses an unknown architecture '${manifest.architecture}'.`);
    }
    const enc = await loadLayersModel(join(dir, 'encoder'));
    const dec = await loadLayersModel(join(dir, 'decoder'));
    if (modelId(enc.weights, dec.weights) !== manifest.id) {
      enc.model.dispose();
      dec.model.dispose();
      throw new AeimgError(ErrorCode.ModelMissing,
        `the weights of model '${manifest.name}' in ${dir} do not match its manifest id; reinstall the model.`);
    }
    let denoiser: tfl.LayersModel | null = null;
    if (manifest.denoiser) {
      try {
        denoiser = await loadDenoiser(dir, manifest, dec.model);
      } catch (err) {
        enc.model.dispose();
        dec.model.dispose();
        throw err;
      }
    }
    return new Autoencoder(dir, manifest, enc.model, dec.model, denoiser);
  }

  private get halo() {
    return haloFor(ARCHITECTURES[this.manifest.architecture]!);
  }

  /** Runs one part of the network on one crop, here. */
  inferTile(part: ModelPart, crop: Float32Array, shape: [number, number, number, number]): Float32Array {
    const model = part === 'encoder' ? this.encoder : part === 'decoder' ? this.decoder : this.denoiser;
    if (!model) throw new AeimgError(ErrorCode.ModelMissing, `model '${this.manifest.name}' has no denoiser.`);
    const result = tf.tidy(() => model.predict(tf.tensor4d(crop, shape)) as tf.Tensor4D);
    const data = result.dataSync() as Float32Array;
    result.dispose();
    return data;
  }

  /** Remote tiles only pay off when there are several of them. */
  private infer(part: ModelPart, o: InferOptions, tiles: number) {
    const remote = tiles > 1 ? o.tiles : undefined;
    return remote
      ? { infer: (crop: Float32Array, shape: [number, number, number, number]) => remote.infer(this.dir, part, crop, shape), concurrency: remote.size * 2 }
      : { infer: (crop: Float32Array, shape: [number, number, number, number]) => this.inferTile(part, crop, shape), concurrency: 1 };
  }

  /**
   * Planes [height·width] in [0, 1] (height and width even) → latents [(height/2)·(width/2)·latentChannels].
   * Each plane is one grey image; RGB goes through plane by plane. Tiles run here, or on `o.tiles` (workers).
   */
  encode(planes: Float32Array[], height: number, width: number, o: InferOptions = {}): Promise<Float32Array[]> {
    const tile = o.tile ?? ENCODER_TILE;
    return runTiled({
      ...this.infer('encoder', o, Math.ceil(height / tile) * Math.ceil(width / tile)), input: planes, height, width,
      inChannels: 1, outChannels: this.latentChannels, scale: 1 / this.manifest.downsampling, tile, halo: this.halo.encoder,
    });
  }

  /** Latents [h·w·latentChannels] → planes [(2h)·(2w)], not clipped; through the denoiser when `o.denoise`. */
  decode(latents: Float32Array[], height: number, width: number, o: DecodeOptions = {}): Promise<Float32Array[]> {
    const tile = o.tile ?? DECODER_TILE;
    if (o.denoise && !this.denoiser) throw new AeimgError(ErrorCode.ModelMissing, `model '${this.manifest.name}' has no denoiser.`);
    return runTiled({
      ...this.infer(o.denoise ? 'denoiser' : 'decoder', o, Math.ceil(height / tile) * Math.ceil(width / tile)), input: latents, height, width,
      inChannels: this.latentChannels, outChannels: 1, scale: this.manifest.downsampling, tile, halo: this.halo.decoder,
    });
  }

  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.denoiser?.dispose();
  }
}

/** The denoiser/ a manifest names: its weights must hash as recorded and have exactly the decoder's shapes. */
async function loadDenoiser(dir: string, manifest: ModelManifest, decoder: tfl.LayersModel): Promise<tfl.LayersModel> {
  const refuse = (why: string) => new AeimgError(ErrorCode.ModelMissing,
    `the denoiser of model '${manifest.name}' in ${dir} ${why}; reinstall the model.`);
  let loaded: { model: tfl.LayersModel; weights: Buffer };
  try {
    loaded = await loadLayersModel(join(dir, 'denoiser'));
  } catch {
    throw refuse('is missing or unreadable');
  }
  const shapes = (m: tfl.LayersModel) => JSON.stringify(m.weights.map((w) => w.shape));
  if (sha256Hex(loaded.weights) !== manifest.denoiser!.sha256) {
    loaded.model.dispose();
    throw refuse('does not match the hash in its manifest');
  }
  if (shapes(loaded.model) !== shapes(decoder)) {
    loaded.model.dispose();
    throw refuse('does not have the architecture of its decoder');
  }
  return loaded.model;
}

/** resources/models of this installation, found from this file whether it runs from src-main/ or a bundle in out/. */
export function defaultModelsDir(): string {
  if (process.env.AEIMG_MODELS_DIR) return process.env.AEIMG_MODELS_DIR;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources', 'models');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(process.cwd(), 'resources', 'models');
}

/** Installed models by id, from every models folder given. */
export async function listModels(dirs: string[] = [defaultModelsDir()]): Promise<{ dir: string; manifest: ModelManifest }[]> {
  const found: { dir: string; manifest: ModelManifest }[] = [];
  for (const root of dirs) {
    const names = await readdir(root).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const dir = join(root, name);
      const manifest = await readManifest(dir).catch(() => null);
      if (manifest) found.push({ dir, manifest });
    }
  }
  return found;
}

/** Loaded models, cached per process: one instance per worker, never reloaded per image. */
/** Which model a file is made with: enough for its header when the network runs elsewhere (a worker pool). */
export interface ModelRef {
  readonly id: string;
  readonly name?: string;
}

/** The model for in-process encoding; a bare reference works only where an `encode` function (a pool) is given. */
export function loadedModel(model: Autoencoder | ModelRef): Autoencoder {
  if (model instanceof Autoencoder) return model;
  throw new Error('the model was given by reference only; encode on a worker pool or pass the loaded model.');
}

export class ModelCache {
  private readonly loaded = new Map<string, Promise<Autoencoder>>();
  constructor(private readonly dirs: string[] = [defaultModelsDir()]) {}

  async byName(name: string): Promise<Autoencoder> {
    return this.get(await this.dirOf(name));
  }

  /**
   * A model's identity from its manifest alone, without loading weights or TensorFlow.js: what a file's header names
   * (the app's main process writes headers while the workers run the network).
   */
  async refByName(name: string): Promise<ModelRef> {
    const manifest = await readManifest(await this.dirOf(name));
    return { id: manifest.id, name: manifest.name };
  }

  private async dirOf(name: string): Promise<string> {
    const dir = existsSync(name) ? name : join(this.dirs[0]!, name);
    if (!existsSync(join(dir, 'manifest.json'))) {
      const names = (await listModels(this.dirs)).map((m) => m.manifest.name).join(', ') || 'none';
      throw new AeimgError(ErrorCode.ModelMissing, `no model named '${name}' (installed: ${names}).`);
    }
    return dir;
  }

  /**
   * The model an image needs: none when it has no latent (the guaranteed levels, whose files name no model), else
   * the one the file's header names.
   */
  async forImage(id: string | null, image: { latent?: unknown }): Promise<Autoencoder | undefined> {
    if (!image.latent) return undefined;
    if (id === null) throw new AeimgError(ErrorCode.Malformed, 'has an image with a latent but names no model to decode it.');
    return this.byId(id);
  }

  /**
   * The model that gives an image's denoised view: the one its latent was made with (its denoiser reads that latent),
   * or for an image without a latent the default model, as the viewer has always used.
   */
  async forDenoising(id: string | null, image: { latent?: unknown }): Promise<Autoencoder> {
    return (await this.forImage(id, image)) ?? this.byName(DEFAULT_MODEL);
  }

  async byId(id: string): Promise<Autoencoder> {
    const hit = (await listModels(this.dirs)).find((m) => m.manifest.id === id);
    if (!hit) {
      throw new AeimgError(ErrorCode.ModelMissing,
        `was made with model ${id.slice(0, 12)}…, which is not installed here. Install the sender's model (same aeimg version or its model folder) and try again.`);
    }
    return this.get(hit.dir);
  }

  private get(dir: string): Promise<Autoencoder> {
    let p = this.loaded.get(dir);
    if (!p) {
      p = Autoencoder.load(dir);
      this.loaded.set(dir, p);
      p.catch(() => this.loaded.delete(dir));
    }
    return p;
  }

  async dispose(): Promise<void> {
    for (const p of this.loaded.values()) (await p.catch(() => null))?.dispose();
    this.loaded.clear();
  }
}
