/**
 * The decrypt journey: authenticate header → find key → stream-decrypt entries → decoder → PNG.
 * Outputs go to temp files and are moved into place only after the whole file has authenticated,
 * so a truncated or altered file leaves nothing behind.
 */
import { decodeImageRecord } from '../codec/image-codec.js';
import { receivedFidelity, type ImageRecord } from '../codec/record.js';
import { withPixelSpacing } from '../image/png-chunks.js';
import { AeimgReader, type IdentitySource } from '../container/aeimg-file.js';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import { AtomicFile, type FileData } from '../fs/atomic.js';
import type { Image } from '../image/image.js';
import { DEFAULT_MAX_PIXELS, encodePng } from '../image/io.js';
import { withIccProfile } from '../image/icc-png.js';
import { iccProfileFor, pngSpacingOf } from './view.js';
import type { ModelCache, TileExecutor } from '../model/autoencoder.js';
import { checkOutput, outputKey, outputPathFor } from './files.js';
import { checkAborted } from './abort.js';
import { decodedImages, type DecodeFn } from './images.js';
import { DicomFileGroups, dicomFileBytes, type OutputFrame } from './dicom-files.js';

export type { DecodeFn };

export type OutputFormat = 'png' | 'dcm';

/**
 * The default DecodeFn: the decoder in this thread (its tiles on `tiles` when given), PNG encoded if asked; with
 * `denoise`, each image's denoised view instead of the image as sent.
 */
export function localDecode(models: ModelCache, tiles?: TileExecutor, denoise = false): DecodeFn {
  return async (id, record, blobs, png) => {
    const model = denoise ? await models.forDenoising(id, record) : await models.forImage(id, record);
    const image = await decodeImageRecord(model, record, blobs, tiles, { denoise });
    return { image, png: png ? await encodePng(image) : undefined };
  };
}

/** What a denoised view's file is called: never the name the image as sent would have. */
export const DENOISED_EXT = '.denoised.png';

/**
 * A reduced-quality image as PNG is named NAME.reduced-quality.png wherever it is written (decrypt, a study's
 * decrypt, the viewer's save and export; decrypt since 0.14): a PNG has nowhere a viewer shows that statement, and
 * the name goes with the file wherever it is forwarded.
 */
export const REDUCED_PNG = '.reduced-quality.png';

/** The extension an image's file takes: a reduced-quality image's PNG says so (REDUCED_PNG). */
export const imageExt = (record: ImageRecord, ext: string) => (ext === '.png' && receivedFidelity(record).reduced ? REDUCED_PNG : ext);

/** `--denoise` writes PNG only: a DICOM file would pass the view off as the image the sender sent. */
export function checkDenoiseFormat(denoise: boolean | undefined, format: OutputFormat): void {
  if (denoise && format !== 'png') {
    throw new AeimgError(ErrorCode.BadInput, 'the denoised view is written as PNG only (name.denoised.png), never as DICOM.');
  }
}

/**
 * A decoded image's file in the chosen format; `png` is used when a worker already encoded it. With the record's
 * `blobs`, a kept frame (codec/kept-frame.ts) goes into DICOM as its own compressed data, in its transfer syntax.
 */
export async function outputBytes(image: Image, record: ImageRecord, format: OutputFormat, instanceNumber: number,
  coded: { png?: Buffer; blobs?: Buffer[] } = {}): Promise<FileData> {
  if (format === 'png') {
    // Its pixel spacing where the image has one (a DICOM file's Pixel Spacing, an ImageJ TIFF's), else none (0.47).
    const png = withPixelSpacing(coded.png ?? await encodePng(image), pngSpacingOf(record));
    // A DICOM colour image's ICC profile goes with it (dicom/icc-profile.ts): colour-managed viewers show it as aeimg's does.
    const icc = iccProfileFor(record, image);
    return icc ? withIccProfile(png, icc) : png;
  }
  return dicomFileBytes([{ image, record, blobs: coded.blobs }], instanceNumber);
}


export interface DecryptFileOptions {
  identities: IdentitySource;
  models: ModelCache;
  decode?: DecodeFn;
  /** When decoding in-process, where the network's tiles run (big images on every core). */
  tiles?: TileExecutor;
  outDir?: string;
  /** The outputs' path without extension (default: the .aeimg's name, in `outDir` or beside it); a batch names each. */
  outputStem?: string;
  force?: boolean;
  maxPixels?: number;
  /** Write files (default) or only return the images (viewer). */
  write?: boolean;
  /** PNG (8- or 16-bit as the original) or DICOM (default png). */
  format?: OutputFormat;
  /** Cancels the file: checked between its images; a cancelled file leaves nothing behind. */
  signal?: AbortSignal;
  /**
   * Write each image's denoised view (name.denoised.png; PNG only), not the image as sent. `decode`, when given, must
   * decode denoised too (CodecPool.decode's `denoise`).
   */
  denoise?: boolean;
  /**
   * The outputs of the batch this file is part of (outputKey): a frame after the first whose name is taken goes as
   * "name-2 (2).png"; every output this file writes is added.
   */
  claimed?: Set<string>;
}

/** The extension of a decrypt's outputs. */
export function outputExt(opts: Pick<DecryptFileOptions, 'denoise' | 'format'>): string {
  return opts.denoise ? DENOISED_EXT : `.${opts.format ?? 'png'}`;
}

/** Image `index` (from 0) of a file: the stem's name, then "-2", "-3", …; one the batch has taken gets " (k)". */
function frameOutput(input: string, index: number, ext: string, opts: DecryptFileOptions): string {
  const frame = index > 0 ? `-${index + 1}` : '';
  const named = (aside: string) => (opts.outputStem !== undefined
    ? `${opts.outputStem}${frame}${aside}${ext}` : outputPathFor(input, ext, opts.outDir, `${frame}${aside}`));
  let output = named('');
  for (let k = 2; index > 0 && opts.claimed?.has(outputKey(output)); k++) output = named(` (${k})`);
  opts.claimed?.add(outputKey(output));
  return output;
}

export interface DecryptedImage {
  record: ImageRecord;
  image: Image;
  output?: string;
  /** Its frame in `output` (from 1), where that is a multi-frame DICOM file of several images (a cine). */
  outputFrame?: number;
}

export interface DecryptResult {
  input: string;
  images: DecryptedImage[];
  fileMeta: Record<string, unknown>;
  timings: Record<string, number>;
  /** The key that opened it, in words (its name and fingerprint; never the key). */
  key: string;
}

export async function decryptAeimgFile(input: string, opts: DecryptFileOptions): Promise<DecryptResult> {
  const write = opts.write ?? true;
  const format = opts.format ?? 'png';
  checkDenoiseFormat(opts.denoise, format);
  const ext = outputExt(opts);
  const pending: AtomicFile[] = [];
  const timings: Record<string, number> = { decrypt: 0, decoder: 0, write: 0 };
  let reader: AeimgReader | undefined;
  try {
    checkAborted(opts.signal);
    const t0 = performance.now();
    reader = await AeimgReader.open(input, opts.identities);
    const first = await reader.next((meta) => {
      if (meta.kind !== 'file') throw new AeimgError(ErrorCode.Malformed, 'does not start with a file entry.');
      return [];
    });
    if (!first) throw new AeimgError(ErrorCode.Malformed, 'holds no image.');
    timings.decrypt = performance.now() - t0; // header, key unwrap (scrypt for passphrases), first chunk
    const images: DecryptedImage[] = [];
    const loop = decodedImages(reader, {
      decode: opts.decode ?? localDecode(opts.models, opts.tiles, opts.denoise), png: write && format === 'png',
      maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, signal: opts.signal, timings, writer: first.meta.app,
    });
    // A file's images (a cine's frames in one DICOM file; the first is image `first`), written under the first's name.
    const place = async (items: DecryptedImage[], first: number, bytes: () => Promise<FileData>) => {
      const t = performance.now();
      const output = frameOutput(input, first, imageExt(items[0]!.record, ext), opts);
      checkOutput(output, [input], opts.force ?? false);
      const file = await AtomicFile.create(output, { force: opts.force });
      pending.push(file);
      await file.write(await bytes());
      items.forEach((item, k) => { item.output = output; if (items.length > 1) item.outputFrame = k + 1; });
      timings.write! += performance.now() - t;
    };
    const groups = new DicomFileGroups<OutputFrame & { item: DecryptedImage; index: number }>();
    const placeDicom = async (files: (OutputFrame & { item: DecryptedImage; index: number })[][]) => {
      for (const frames of files) await place(frames.map((f) => f.item), frames[0]!.index, async () => dicomFileBytes(frames, frames[0]!.index + 1));
    };
    for await (const { record, image, png, blobs } of loop) {
      const item: DecryptedImage = { record, image };
      images.push(item);
      if (!write) continue;
      const index = images.length - 1;
      if (format === 'dcm') await placeDicom(groups.add({ image, record, blobs, item, index }));
      else await place([item], index, () => outputBytes(image, record, format, index + 1, { png }));
    }
    if (write && format === 'dcm') await placeDicom(groups.end());
    if (images.length === 0) throw new AeimgError(ErrorCode.Malformed, 'holds no image.');
    checkAborted(opts.signal);
    // Everything authenticated: only now do outputs appear.
    for (const f of pending) await f.commit();
    return { input, images, fileMeta: first.meta, timings, key: reader.identity.description };
  } catch (err) {
    await Promise.all(pending.map((f) => f.abort()));
    throw inFile(input, err);
  } finally {
    await reader?.close();
  }
}
