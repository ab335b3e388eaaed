/**
 * `aeimg train`: denoising autoencoder training on random patches, on whatever tfjs backend runs here, with one
 * worker per core, Adamax, a cosine learning-rate decay, a validation figure each epoch and checkpoints to resume.
 * Every random choice of step s derives from (seed, s), so a resumed run continues exactly as an unbroken one, and
 * the same seed gives the same weights on the same backend and worker count.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeImage } from '../codec/image-codec.js';
import { AeimgError, ErrorCode, Remedy } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { Autoencoder } from '../model/autoencoder.js';
import { writeModelFolder } from '../model/artifacts.js';
import { DOWNSAMPLING } from '../model/architecture.js';
import { initBackend } from '../model/tf.js';
import { examplesUnder } from './examples.js';
import { worstSsim } from '../../../src-shared/fidelity.js';
import { loadPlanes, samplePatches } from './dataset.js';
import { seededUniform } from './noise.js';
import { GradientPool } from './pool.js';
import { Adamax, TrainableAutoencoder } from './trainable.js';

export interface TrainConfig {
  data: string;
  val?: string;
  name: string;
  arch: string;
  latentChannels: number;
  epochs: number;
  stepsPerEpoch: number;
  patch: number;
  batch: number;
  lr: number;
  noiseP: number;
  seed: number;
  /** ExampleOptions.ctIntercept: the image files of data and val are a CT's 16-bit exports (HU = value + this). */
  ctIntercept?: number;
}

export interface TrainProgress {
  epoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  patchesPerSecond: number;
}

export interface EpochLog {
  epoch: number;
  step: number;
  loss: number;
  valSSIM?: number;
  valPSNR?: number;
  /**
   * Mean SSIM in each validation image's worst reader window (0.50): what a sender is told of it (a CT's presets in HU,
   * a DICOM file's own windows); valSSIM is over the whole sample range, where a CT's error of tens of HU hardly shows.
   */
  valReaderSSIM?: number;
  /** How many validation images (examples.ts: a DICOM file's frames each) the figures are of. */
  valImages?: number;
  seconds: number;
}

export interface TrainOptions extends TrainConfig {
  out: string;
  workers: number;
  resume: boolean;
  valLimit: number;
  command: string;
  onStep?: (p: TrainProgress) => void;
  onEpoch?: (e: EpochLog) => void;
  /** Stop after this many steps in this call (tests simulate an interrupted run). */
  stopAfter?: number;
}

interface Checkpoint {
  config: TrainConfig;
  step: number;
  log: EpochLog[];
  seconds: number;
}

/** Steps between checkpoints (and between the CLI's progress lines in a log file). */
export const CHECKPOINT_EVERY = 25;
const stepSeed = (seed: number, step: number, salt: number) => ((seed * 1_000_003) ^ (step * 7919 + salt * 104729)) >>> 0;

function lrAt(c: TrainConfig, step: number): number {
  const total = c.epochs * c.stepsPerEpoch;
  const minLr = c.lr * 0.05;
  return minLr + 0.5 * (c.lr - minLr) * (1 + Math.cos((Math.PI * (step - 1)) / Math.max(1, total)));
}

async function saveCheckpoint(dir: string, ck: Checkpoint, weights: Float32Array[], opt: Adamax): Promise<void> {
  await mkdir(dir, { recursive: true });
  const arrays = [...weights, ...opt.m, ...opt.u];
  await writeFileAtomic(join(dir, 'weights.bin'), Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))), { force: true });
  await writeFileAtomic(join(dir, 'state.json'), Buffer.from(JSON.stringify(ck, null, 1)), { force: true });
}

async function loadCheckpoint(dir: string, like: Float32Array[]): Promise<{ ck: Checkpoint; weights: Float32Array[]; opt: Adamax } | null> {
  let ck: Checkpoint;
  try {
    ck = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
  } catch {
    return null;
  }
  const bin = await readFile(join(dir, 'weights.bin'));
  const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let off = 0;
  const take = () => like.map((w) => floats.slice(off, (off += w.length)));
  const weights = take();
  const m = take();
  const u = take();
  if (off !== floats.length) throw new AeimgError(ErrorCode.Malformed, `the checkpoint in ${dir} does not fit this model.`, { remedy: Remedy.StartFresh, facts: { folder: dir } });
  return { ck, weights, opt: new Adamax(m, u) };
}

/** Saves the model folder from flat weights and measures it on validation images through the real codec. */
async function exportAndValidate(o: TrainOptions, weights: Float32Array[], log: EpochLog[], patchesPerSecond: number) {
  const m = new TrainableAutoencoder({ arch: o.arch, latentChannels: o.latentChannels });
  m.setWeights(weights);
  const backend = (await initBackend()).name;
  const { data, val, name, arch, latentChannels, ...rest } = o;
  const manifest = await writeModelFolder(o.out, m.encoder, m.decoder, {
    name, architecture: arch, inputChannels: 1, downsampling: DOWNSAMPLING, latentChannels,
    quantization: { defaultBits: 8, bitsRange: [2, 8], perChannelRange: true },
    training: {
      route: 'aeimg train (tfjs)', command: o.command, data, val, backend, workers: o.workers, patchesPerSecond,
      epochs: rest.epochs, stepsPerEpoch: rest.stepsPerEpoch, patch: rest.patch, batch: rest.batch, lr: rest.lr,
      noiseP: rest.noiseP, seed: rest.seed, ctIntercept: rest.ctIntercept, log, // undefined keys are not written
    },
    validation: {},
  });
  m.dispose();
  if (!val) return { manifest };
  const model = await Autoencoder.load(o.out);
  let ssim = 0, psnr = 0, reader = 0, images = 0;
  try {
    for await (const { image, display, name } of examplesUnder(val, o.valLimit, { ctIntercept: o.ctIntercept })) {
      const fid = (await encodeImage(model, image, name, { bits: 8, measure: true, display })).record.fidelity!;
      ssim += fid.ssim;
      psnr += fid.psnr ?? Infinity;
      reader += worstSsim(fid);
      images++;
    }
  } finally {
    model.dispose();
  }
  return { manifest, ssim: ssim / images, psnr: psnr / images, readerSsim: reader / images, images };
}

export async function train(o: TrainOptions): Promise<{ log: EpochLog[]; steps: number; weights: Float32Array[] }> {
  if (o.patch % (2 * DOWNSAMPLING) !== 0) throw new AeimgError(ErrorCode.Usage, '--patch must be a multiple of 4.');
  await initBackend();
  const planes = await loadPlanes(o.data, o.patch, { ctIntercept: o.ctIntercept });
  if (planes.length === 0) throw new AeimgError(ErrorCode.BadInput, `no image of at least ${o.patch}x${o.patch} pixels in ${o.data}.`);
  const config: TrainConfig = {
    data: o.data, val: o.val, name: o.name, arch: o.arch, latentChannels: o.latentChannels, epochs: o.epochs,
    stepsPerEpoch: o.stepsPerEpoch, patch: o.patch, batch: o.batch, lr: o.lr, noiseP: o.noiseP, seed: o.seed, ctIntercept: o.ctIntercept,
  };
  const ckDir = join(o.out, 'checkpoint');
  let weights = TrainableAutoencoder.initialWeights({ arch: o.arch, latentChannels: o.latentChannels }, o.seed);
  let opt = Adamax.zeros(weights);
  let step = 0;
  let log: EpochLog[] = [];
  let seconds = 0;
  if (o.resume) {
    const saved = await loadCheckpoint(ckDir, weights);
    if (!saved) throw new AeimgError(ErrorCode.Usage, `nothing to resume in ${ckDir}.`, { remedy: Remedy.StartFresh, facts: { folder: ckDir } });
    if (JSON.stringify(saved.ck.config) !== JSON.stringify(config)) {
      throw new AeimgError(ErrorCode.Usage, 'the checkpoint was made with other settings (data, model, patch, batch, seed…); use the same ones to resume.');
    }
    ({ weights, opt } = saved);
    ({ step, log, seconds } = saved.ck);
  } else {
    await rm(ckDir, { recursive: true, force: true });
  }
  const pool = await GradientPool.create({ arch: o.arch, latentChannels: o.latentChannels }, o.workers);
  const total = o.epochs * o.stepsPerEpoch;
  const latentPerPatch = (o.patch / DOWNSAMPLING) ** 2 * o.latentChannels;
  const startStep = step;
  const t0 = performance.now();
  try {
    while (step < total && (o.stopAfter === undefined || step - startStep < o.stopAfter)) {
      step++;
      const batch = samplePatches(planes, { size: o.patch, count: o.batch, noiseP: o.noiseP, seed: stepSeed(o.seed, step, 1) });
      const u = seededUniform(stepSeed(o.seed, step, 2));
      const quantStep = 1 / (2 ** (5 + Math.floor(u() * 4)) - 1); // 5..8 bits, as the codec offers
      const latentNoise = Float32Array.from({ length: o.batch * latentPerPatch }, () => (u() - 0.5) * quantStep);
      const { loss, grads } = await pool.compute({ weights, input: batch.input, target: batch.target, count: o.batch, size: o.patch, latentNoise });
      if (!Number.isFinite(loss)) throw new AeimgError(ErrorCode.BadInput, `training diverged at step ${step} (loss ${loss}).`, { remedy: Remedy.LowerLearningRate });
      opt.apply(weights, grads, lrAt(config, step), step);
      const elapsed = seconds + (performance.now() - t0) / 1000;
      const patchesPerSecond = ((step - startStep) * o.batch) / ((performance.now() - t0) / 1000);
      o.onStep?.({ epoch: Math.ceil(step / o.stepsPerEpoch), step, totalSteps: total, loss, patchesPerSecond });
      const epochEnd = step % o.stepsPerEpoch === 0;
      if (epochEnd) {
        const v = await exportAndValidate(o, weights, log, patchesPerSecond);
        const entry: EpochLog = {
          epoch: step / o.stepsPerEpoch, step, loss, valSSIM: v.ssim, valPSNR: v.psnr, valReaderSSIM: v.readerSsim, valImages: v.images,
          seconds: Math.round(elapsed),
        };
        log.push(entry);
        o.onEpoch?.(entry);
      }
      if (epochEnd || step % CHECKPOINT_EVERY === 0) {
        await saveCheckpoint(ckDir, { config, step, log, seconds: elapsed }, weights, opt);
      }
    }
    if (step === total) {
      // The last epoch already wrote the model folder; record the full log and the final validation in its manifest.
      const manifestPath = join(o.out, 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
      const last = log.at(-1);
      manifest.training.log = log;
      if (last?.valSSIM !== undefined) {
        manifest.validation = { data: o.val, images: last.valImages, bits: 8, meanSSIM: last.valSSIM, meanPSNR: last.valPSNR,
          meanReaderSSIM: last.valReaderSSIM, backend: (await initBackend()).name };
      }
      await writeFileAtomic(manifestPath, Buffer.from(JSON.stringify(manifest, null, 2)), { force: true });
    } else {
      await saveCheckpoint(ckDir, { config, step, log, seconds: seconds + (performance.now() - t0) / 1000 }, weights, opt);
    }
  } finally {
    await pool.close();
  }
  return { log, steps: step, weights };
}
