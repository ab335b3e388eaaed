/**
 * The encrypt journey for one file: read → encoder → quantize + entropy code (key-free, may run in a worker)
 * → .aeimg written by the calling thread (temp file, then rename). Keys never leave the calling thread.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { encodeImage, DEFAULT_BITS } from '../codec/image-codec.js';
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
  bits: number;
  measure: boolean;
  maxPixels: number;
  lossless: boolean;
}

export interface EncodedFile {
  record: ImageRecord;
  blobs: Buffer[];
  rawBytes: number;
  timings: Record<string, number>;
  decoded?: Image;
}

/** Encodes one file with a model (key-free: runs in a worker or in-process). */
export async function encodeImageFile(model: Autoencoder, task: EncodeTask, tiles?: TileExecutor): Promise<EncodedFile> {
  const t = performance.now();
  const image = await readImageFile(task.input, task.maxPixels);
  const read = performance.now() - t;
  const encoded = await encodeImage(model, image, basename(task.input), { bits: task.bits, measure: task.measure, lossless: task.lossless, tiles });
  return { record: encoded.record, blobs: encoded.blobs, rawBytes: image.pixels.byteLength, timings: { read, ...encoded.timings }, decoded: encoded.decoded };
}

export interface EncryptFileOptions {
  model: Autoencoder;
  recipients: Recipient[];
  outDir?: string;
  force?: boolean;
  bits?: number;
  /** Measure what the receiver will see (one extra decoder pass); on by default. */
  measure?: boolean;
  /** Also carry the residual, so the receiver gets bit-exact pixels. */
  lossless?: boolean;
  maxPixels?: number;
  /** STREAM chunk size in bytes (default 64 KiB). */
  chunkSize?: number;
  /** Where the key-free encoding runs (a worker pool); in-process by default. */
  encode?: (task: EncodeTask) => Promise<EncodedFile>;
  /** When encoding in-process, where the network's tiles run (big images on every core). */
  tiles?: TileExecutor;
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
  fidelity?: Fidelity;
  /** Milliseconds per stage. */
  timings: Record<string, number>;
  decoded?: Image;
}

export async function encryptImageFile(input: string, opts: EncryptFileOptions): Promise<EncryptResult> {
  const output = outputPathFor(input, AEIMG_EXT, opts.outDir);
  try {
    checkOutput(output, [input], opts.force ?? false);
    const task: EncodeTask = {
      input, bits: opts.bits ?? DEFAULT_BITS, measure: opts.measure ?? true, maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS,
      lossless: opts.lossless ?? false,
    };
    const encoded = await (opts.encode ? opts.encode(task) : encodeImageFile(opts.model, task, opts.tiles));
    const t = performance.now();
    const writer = await AeimgWriter.create(output, {
      recipients: opts.recipients, model: opts.model.id, force: opts.force, chunkSize: opts.chunkSize,
    });
    try {
      await writer.add({ kind: 'file', app: APP_ID, created: new Date().toISOString() });
      await writer.add(encoded.record, encoded.blobs);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    await writer.commit();
    const { record } = encoded;
    return {
      input, output,
      width: record.width, height: record.height, channels: record.channels, bitDepth: record.bitDepth,
      inputBytes: (await stat(input)).size,
      rawBytes: encoded.rawBytes,
      outputBytes: (await stat(output)).size,
      fidelity: record.fidelity,
      timings: { ...encoded.timings, encryptWrite: performance.now() - t },
      decoded: encoded.decoded,
    };
  } catch (err) {
    throw inFile(input, err);
  }
}
