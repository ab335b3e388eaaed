/**
 * The encrypt journey for one file: read → encoder → quantize + entropy code (key-free, may run in a worker)
 * → .aeimg written by the calling thread (temp file, then rename). Keys never leave the calling thread.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { encodeImage } from '../codec/image-codec.js';
import { isDicomPath, readDicomFile, type DicomImage } from '../dicom/import.js';
import { UidMapper, type DeidentifyOptions } from '../dicom/deidentify.js';
import type { ImageRecord } from '../codec/record.js';
import { AeimgWriter } from '../container/aeimg-file.js';
import { inFile } from '../errors.js';
import type { Image } from '../image/image.js';
import { DEFAULT_MAX_PIXELS, readImageFile } from '../image/io.js';
import type { Fidelity } from '../metrics/fidelity.js';
import type { Recipient } from '../keys/recipients.js';
import type { Autoencoder, TileExecutor } from '../model/autoencoder.js';
import { AEIMG_EXT, checkOutput, outputPathFor } from './files.js';
import { APP_ID } from './version.js';

/** What a worker needs to encode one file: no key, only the file and the coding choices. */
export interface EncodeTask {
  input: string;
  /** Latent bits; the codec's default when absent. */
  bits?: number;
  measure: boolean;
  maxPixels: number;
  /** Refinement: every sample within ±maxError of the original (0: lossless); none when absent. */
  maxError?: number;
  /** DICOM inputs: the Annex E options, or null to carry the full plain header (still inside the encryption). */
  deidentify?: DeidentifyOptions | null;
  /** Hex salt shared by a job's files, so replacement UIDs stay consistent across a study. */
  uidSalt?: string;
}

/** One image of a file (a DICOM file may hold many frames). */
export interface EncodedEntry {
  record: ImageRecord;
  blobs: Buffer[];
  decoded?: Image;
}

export interface EncodedFile {
  images: EncodedEntry[];
  rawBytes: number;
  timings: Record<string, number>;
  warnings: string[];
}

async function readInput(task: EncodeTask): Promise<{ image: Image; name: string; metadata?: Record<string, unknown> }[]> {
  if (!isDicomPath(task.input)) return [{ image: await readImageFile(task.input, task.maxPixels), name: basename(task.input) }];
  const frames: DicomImage[] = await readDicomFile(task.input, {
    maxPixels: task.maxPixels, deidentify: task.deidentify === undefined ? {} : task.deidentify,
    uids: task.uidSalt ? new UidMapper(Buffer.from(task.uidSalt, 'hex')) : undefined,
  });
  return frames.map((f) => ({
    image: f.image,
    name: frames.length > 1 ? `${basename(task.input)}#${f.dicom.frame + 1}` : basename(task.input),
    metadata: { dicom: f.dicom },
  }));
}

/** Encodes one file with a model (key-free: runs in a worker or in-process). */
export async function encodeImageFile(model: Autoencoder, task: EncodeTask, tiles?: TileExecutor): Promise<EncodedFile> {
  const t = performance.now();
  const inputs = await readInput(task);
  const timings: Record<string, number> = { read: performance.now() - t };
  const images: EncodedEntry[] = [];
  const warnings: string[] = [];
  let rawBytes = 0;
  for (const { image, name, metadata } of inputs) {
    const encoded = await encodeImage(model, image, name, { bits: task.bits, measure: task.measure, maxError: task.maxError, tiles, metadata });
    for (const [k, v] of Object.entries(encoded.timings)) timings[k] = (timings[k] ?? 0) + v;
    images.push({ record: encoded.record, blobs: encoded.blobs, decoded: encoded.decoded });
    rawBytes += image.pixels.byteLength;
  }
  const dicom = inputs[0]?.metadata?.dicom as DicomImage['dicom'] | undefined;
  if (dicom?.burnedInAnnotation) {
    warnings.push(`${basename(task.input)} says BurnedInAnnotation YES: patient details may be written into the pixels, which de-identification does not remove.`);
  }
  return { images, rawBytes, timings, warnings };
}

export interface EncryptFileOptions {
  model: Autoencoder;
  recipients: Recipient[];
  outDir?: string;
  force?: boolean;
  bits?: number;
  /** Measure what the receiver will see (one extra decoder pass); on by default. */
  measure?: boolean;
  /** Carry a refinement layer: every sample within ±maxError of the original (0: bit-exact pixels). */
  maxError?: number;
  maxPixels?: number;
  /** STREAM chunk size in bytes (default 64 KiB). */
  chunkSize?: number;
  /** Where the key-free encoding runs (a worker pool); in-process by default. */
  encode?: (task: EncodeTask) => Promise<EncodedFile>;
  /** When encoding in-process, where the network's tiles run (big images on every core). */
  tiles?: TileExecutor;
  /** DICOM de-identification (default: the basic profile); null keeps the full header inside the encryption. */
  deidentify?: DeidentifyOptions | null;
  uidSalt?: string;
}

export interface EncryptResult {
  input: string;
  output: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  inputBytes: number;
  rawBytes: number;
  outputBytes: number;
  /** The first image's fidelity (the worst over frames for multi-frame files). */
  fidelity?: Fidelity;
  /** Images in the file (frames of a multi-frame DICOM). */
  images: number;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
  decoded?: Image;
  warnings: string[];
}

export async function encryptImageFile(input: string, opts: EncryptFileOptions): Promise<EncryptResult> {
  const output = outputPathFor(input, AEIMG_EXT, opts.outDir);
  try {
    checkOutput(output, [input], opts.force ?? false);
    const task: EncodeTask = {
      input, bits: opts.bits, measure: opts.measure ?? true, maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS,
      maxError: opts.maxError, deidentify: opts.deidentify, uidSalt: opts.uidSalt,
    };
    const encoded = await (opts.encode ? opts.encode(task) : encodeImageFile(opts.model, task, opts.tiles));
    const t = performance.now();
    const writer = await AeimgWriter.create(output, {
      recipients: opts.recipients, model: opts.model.id, force: opts.force, chunkSize: opts.chunkSize,
    });
    try {
      await writer.add({ kind: 'file', app: APP_ID, created: new Date().toISOString() });
      for (const entry of encoded.images) await writer.add(entry.record, entry.blobs);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    await writer.commit();
    const record = encoded.images[0]!.record;
    const worst = encoded.images.map((e) => e.record.fidelity).filter((f) => f !== undefined)
      .reduce<Fidelity | undefined>((a, f) => (a === undefined || f.ssim < a.ssim ? f : a), undefined);
    return {
      input, output,
      width: record.width, height: record.height, channels: record.channels, bitDepth: record.bitDepth,
      inputBytes: (await stat(input)).size,
      rawBytes: encoded.rawBytes,
      outputBytes: (await stat(output)).size,
      fidelity: worst,
      images: encoded.images.length,
      timings: { ...encoded.timings, encryptWrite: performance.now() - t },
      decoded: encoded.images[0]!.decoded,
      warnings: encoded.warnings,
    };
  } catch (err) {
    throw inFile(input, err);
  }
}
