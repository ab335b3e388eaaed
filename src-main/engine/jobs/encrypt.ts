/** The encrypt journey for one file: read → encoder → quantize + entropy code → .aeimg (temp file, then rename). */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { encodeImage, DEFAULT_BITS } from '../codec/image-codec.js';
import { AeimgWriter } from '../container/aeimg-file.js';
import { inFile } from '../errors.js';
import type { Image } from '../image/image.js';
import { DEFAULT_MAX_PIXELS, readImageFile } from '../image/io.js';
import type { Fidelity } from '../metrics/fidelity.js';
import type { Recipient } from '../keys/recipients.js';
import type { Autoencoder } from '../model/autoencoder.js';
import { AEIMG_EXT, checkOutput, outputPathFor } from './files.js';
import { APP_ID } from './version.js';

export interface EncryptFileOptions {
  model: Autoencoder;
  recipients: Recipient[];
  outDir?: string;
  force?: boolean;
  bits?: number;
  /** Measure what the receiver will see (one extra decoder pass); on by default. */
  measure?: boolean;
  maxPixels?: number;
  /** STREAM chunk size in bytes (default 64 KiB). */
  chunkSize?: number;
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
    let t = performance.now();
    const image = await readImageFile(input, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
    const timings: Record<string, number> = { read: performance.now() - t };
    const encoded = encodeImage(opts.model, image, basename(input), {
      bits: opts.bits ?? DEFAULT_BITS,
      measure: opts.measure ?? true,
    });
    Object.assign(timings, encoded.timings);
    t = performance.now();
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
    timings.encryptWrite = performance.now() - t;
    return {
      input, output,
      width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth,
      inputBytes: (await stat(input)).size,
      rawBytes: image.pixels.byteLength,
      outputBytes: (await stat(output)).size,
      fidelity: encoded.record.fidelity,
      timings,
      decoded: encoded.decoded,
    };
  } catch (err) {
    throw inFile(input, err);
  }
}
