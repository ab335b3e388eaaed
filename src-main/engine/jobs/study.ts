/**
 * A whole study in one or more .aeimg parts that each fit an e-mail: slices in acquisition order, a new part
 * whenever the next slice would cross the size limit, every part decryptable on its own. Part files are
 * NAME.partKofN.aeimg; inside each, the first entry says which study and part it is and where its images start,
 * and the last part ends with an entry saying so. The clear header is the same as a single image's.
 * Memory stays bounded: slices are encoded a few at a time ahead of the writer and never kept.
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { validateImageRecord, type ImageRecord } from '../codec/record.js';
import { AeimgReader, AeimgWriter, type IdentitySource } from '../container/aeimg-file.js';
import { entryBytes } from '../container/payload.js';
import { isDicomPath } from '../dicom/import.js';
import { parseDicomHeader } from '../dicom/parse.js';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import { AtomicFile, commitAll } from '../fs/atomic.js';
import { readRegularFile } from '../fs/read.js';
import type { Image } from '../image/image.js';
import { DEFAULT_MAX_PIXELS } from '../image/io.js';
import { worstSsim, type Fidelity } from '../../../src-shared/fidelity.js';
import { DEFAULT_QUALITY, type CodingChoice } from '../../../src-shared/quality.js';
import type { Recipient } from '../keys/recipients.js';
import type { Autoencoder, ModelCache } from '../model/autoencoder.js';
import { encodeImageFile, isReduced, worstFidelity, type EncodedFile, type EncodeTask, type ReducedQuality } from './encrypt.js';
import { checkOutput } from './files.js';
import { localDecode, outputBytes, type DecodeFn } from './decrypt.js';
import { APP_ID } from './version.js';
import type { DeidentifyOptions } from '../dicom/deidentify.js';

export { DEFAULT_MAX_PART_BYTES } from '../defaults.js';
import { DEFAULT_MAX_PART_BYTES } from '../defaults.js';

export interface StudyEntry {
  kind: 'file';
  app: string;
  created: string;
  study: { id: string; name: string; part: number; firstImage: number };
}

/** Parses "18MB", "20 MB", "500KB", "1.5GB" or a plain byte count (decimal units, as mail providers state them). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) throw new AeimgError(ErrorCode.Usage, `--max-size must look like 18MB or 500KB, not "${text}".`);
  const unit = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(m[2] ?? 'b').toLowerCase() as 'b']!;
  return Math.floor(Number(m[1]) * unit);
}

export function partName(name: string, part: number, parts: number): string {
  return `${name}.part${part}of${parts}.aeimg`;
}

/** A slice's place in the study: DICOM by series, then instance number / position; images by natural name. */
interface SliceKey { series: string; seriesNumber: number; instance: number; position: number; name: string }

async function sliceKey(path: string): Promise<SliceKey> {
  const key: SliceKey = { series: '', seriesNumber: 0, instance: Number.NaN, position: Number.NaN, name: basename(path) };
  if (!isDicomPath(path)) return key;
  try {
    const ds = parseDicomHeader(new Uint8Array(await readRegularFile(path)));
    const numbers = (tag: string) => (ds.string(tag) ?? '').split('\\').map(Number);
    key.series = ds.string('x0020000e') ?? '';
    key.seriesNumber = Number(ds.string('x00200011') ?? 0) || 0;
    key.instance = Number(ds.string('x00200013') ?? Number.NaN);
    // Position along the slice normal (row × column direction cosines), so oblique stacks sort too.
    const [x, y, z] = numbers('x00200032');
    const [r1, r2, r3, c1, c2, c3] = numbers('x00200037');
    const normal = [r2! * c3! - r3! * c2!, r3! * c1! - r1! * c3!, r1! * c2! - r2! * c1!];
    key.position = normal.every(Number.isFinite) && normal.some((v) => v !== 0)
      ? x! * normal[0]! + y! * normal[1]! + z! * normal[2]!
      : z ?? Number.NaN;
  } catch {
    // An unreadable file keeps its name order; the encoder reports what is wrong with it.
  }
  return key;
}

const collator = new Intl.Collator(undefined, { numeric: true });

/** Orders a study's files as a viewer would show them. */
export async function orderStudy(paths: string[]): Promise<string[]> {
  const keyed = await Promise.all(paths.map(async (p) => ({ p, k: await sliceKey(p) })));
  keyed.sort((a, b) =>
    a.k.seriesNumber - b.k.seriesNumber || collator.compare(a.k.series, b.k.series) ||
    (Number.isFinite(a.k.instance) && Number.isFinite(b.k.instance) ? a.k.instance - b.k.instance : 0) ||
    (Number.isFinite(a.k.position) && Number.isFinite(b.k.position) ? a.k.position - b.k.position : 0) ||
    collator.compare(a.k.name, b.k.name));
  return keyed.map((x) => x.p);
}

export interface StudyOptions {
  model: Autoencoder;
  recipients: Recipient[];
  name: string;
  outDir: string;
  maxPartBytes?: number;
  /** Quality level (and latent bits override); the default level when absent. */
  coding?: CodingChoice;
  measure?: boolean;
  deidentify?: DeidentifyOptions | null;
  maxPixels?: number;
  force?: boolean;
  /** Where encoding runs (a worker pool); in-process by default. */
  encode?: (task: EncodeTask) => Promise<EncodedFile>;
  /** Slices encoded ahead of the writer (default 4): bounds memory. */
  lookahead?: number;
  onSlice?: (index: number, path: string, error?: string) => void;
  /**
   * Asked once, at the first reduced-quality slice, before it is written (see EncryptFileOptions.confirm); false
   * stops the study with ErrorCode.Declined and leaves nothing behind. Absent: written, counted in `reduced`.
   */
  confirm?: (facts: ReducedQuality & { index: number }) => Promise<boolean>;
}

export interface StudyPart {
  path: string;
  bytes: number;
  images: number;
}

export interface StudyResult {
  parts: StudyPart[];
  images: number;
  inputBytes: number;
  /** The worst slice's fidelity, and the mean of the slices' worst-window SSIM. */
  worst?: Fidelity;
  meanSsim?: number;
  /** Slices of reduced quality (src-shared/fidelity.ts). */
  reduced: number;
}

/** Encrypts the study into parts under the size limit. Nothing is left behind if it fails. */
export async function encryptStudy(paths: string[], opts: StudyOptions): Promise<StudyResult> {
  const max = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  if (paths.length === 0) throw new AeimgError(ErrorCode.Usage, 'no image to put in the study.');
  const ordered = await orderStudy(paths);
  const id = randomBytes(16).toString('hex');
  const uidSalt = randomBytes(32).toString('hex');
  const encode = opts.encode ?? ((task: EncodeTask) => encodeImageFile(opts.model, task));
  const task = (input: string): EncodeTask => ({
    input, coding: opts.coding ?? { quality: DEFAULT_QUALITY }, measure: opts.measure ?? true,
    maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, deidentify: opts.deidentify, uidSalt,
  });
  const lookahead = Math.max(1, opts.lookahead ?? 4);
  const inFlight = new Map<number, Promise<EncodedFile>>();
  const schedule = (i: number) => {
    if (i < ordered.length && !inFlight.has(i)) {
      const p = encode(task(ordered[i]!));
      p.catch(() => undefined); // awaited in order below
      inFlight.set(i, p);
    }
  };
  const sealed: AtomicFile[] = [];
  const parts: StudyPart[] = [];
  const current: { writer: AeimgWriter | null; path: string } = { writer: null, path: '' };
  let partImages = 0;
  let imageIndex = 0;
  let inputBytes = 0;
  let worst: Fidelity | undefined;
  let ssimSum = 0, ssimCount = 0, reduced = 0;
  let accepted = false;
  // Each part is written to its own temp file (a unique name: two runs into one folder never share one) and all
  // are placed together at the end, when the number of parts, and so their names, is known.
  const openPart = async (): Promise<AeimgWriter> => {
    current.path = join(opts.outDir, `${opts.name}.part${parts.length + 1}.aeimg`);
    const w = await AeimgWriter.create(current.path, { recipients: opts.recipients, model: opts.model.id });
    current.writer = w; // set before the first write, so a failure aborts it
    const entry: StudyEntry = { kind: 'file', app: APP_ID, created: new Date().toISOString(), study: { id, name: opts.name, part: parts.length + 1, firstImage: imageIndex } };
    await w.add(entry);
    partImages = 0;
    return w;
  };
  const closePart = async (w: AeimgWriter, last: boolean) => {
    if (last) await w.add({ kind: 'study-end', images: imageIndex, parts: parts.length + 1 });
    current.writer = null;
    const file = await w.seal();
    sealed.push(file);
    parts.push({ path: file.tempPath, bytes: (await stat(file.tempPath)).size, images: partImages });
  };
  try {
    for (let i = 0; i < lookahead; i++) schedule(i);
    for (let i = 0; i < ordered.length; i++) {
      const input = ordered[i]!;
      let encoded: EncodedFile;
      try {
        encoded = await inFlight.get(i)!;
      } catch (err) {
        throw inFile(input, err);
      } finally {
        inFlight.delete(i);
        schedule(i + lookahead);
      }
      inputBytes += (await stat(input)).size;
      if (opts.confirm && !accepted && encoded.images.some(isReduced)) {
        const facts = { input, index: i, fidelity: worstFidelity(encoded.images.map((e) => e.record.fidelity)), coding: encoded.images[0]!.coding };
        if (!(await opts.confirm(facts))) throw new AeimgError(ErrorCode.Declined, `the study '${opts.name}' was not written: its reduced quality was declined.`);
        accepted = true;
      }
      for (const entry of encoded.images) {
        const size = entryBytes(entry.record, entry.blobs);
        const bound = size + 16 * Math.ceil(size / 65536 + 1) + 200; // its chunk tags, and room for the study-end entry
        let w = current.writer;
        if (w && partImages > 0 && w.sizeBound + bound > max) {
          await closePart(w, false);
          w = null;
        }
        w ??= await openPart();
        if (w.sizeBound + bound > max) {
          throw new AeimgError(ErrorCode.TooLarge,
            `${basename(input)} alone needs about ${(bound / 1e6).toFixed(1)} MB encrypted, more than --max-size ${(max / 1e6).toFixed(1)} MB.`);
        }
        await w.add(entry.record, entry.blobs);
        partImages++;
        imageIndex++;
        const f = entry.record.fidelity;
        if (isReduced(entry)) reduced++;
        if (f) {
          if (!worst || worstSsim(f) < worstSsim(worst)) worst = f;
          ssimSum += worstSsim(f);
          ssimCount++;
        }
      }
      opts.onSlice?.(i, input);
    }
    await closePart(current.writer!, true);
    // Now the number of parts is known: place every part under its final name, all or none, never replacing a file
    // without force (another run may have written a study of the same name meanwhile).
    const final = parts.map((p, k) => join(opts.outDir, partName(opts.name, k + 1, parts.length)));
    for (const f of final) checkOutput(f, paths, opts.force ?? false);
    await commitAll(sealed.map((file, k) => ({ file, path: final[k]! })), opts.force ?? false);
    parts.forEach((p, k) => { p.path = final[k]!; });
    return { parts, images: imageIndex, inputBytes, worst, meanSsim: ssimCount ? ssimSum / ssimCount : undefined, reduced };
  } catch (err) {
    await current.writer?.abort();
    await Promise.allSettled([...inFlight.values()]);
    await Promise.all(sealed.map((f) => f.abort()));
    throw err instanceof AeimgError ? err : inFile(current.path || opts.outDir, err);
  }
}

/** A quick prediction from a sample of slices (encoded for real, without writing): total size and parts. */
export async function estimateStudy(paths: string[], opts: Pick<StudyOptions, 'coding' | 'maxPartBytes' | 'encode' | 'model' | 'deidentify'>, sample = 3): Promise<{ bytes: number; parts: number }> {
  const max = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  const encode = opts.encode ?? ((task: EncodeTask) => encodeImageFile(opts.model, task));
  const step = Math.max(1, Math.floor(paths.length / sample));
  const picks = paths.filter((_, i) => i % step === 0).slice(0, sample);
  let bytes = 0, inputs = 0;
  for (const p of picks) {
    const e = await encode({ input: p, coding: opts.coding ?? { quality: DEFAULT_QUALITY }, measure: false, maxPixels: DEFAULT_MAX_PIXELS, deidentify: opts.deidentify });
    bytes += e.images.reduce((a, im) => a + entryBytes(im.record, im.blobs) + 36, 0);
    inputs++;
  }
  const total = Math.round((bytes / Math.max(1, inputs)) * paths.length) + 600;
  return { bytes: total, parts: Math.max(1, Math.ceil(total / (max * 0.98))) };
}

interface PartInfo {
  path: string;
  study: StudyEntry['study'];
}

/** Reads a part's first entry: which study and part it is (authenticates the header and the first chunk). */
async function readPartInfo(path: string, identities: IdentitySource): Promise<PartInfo | null> {
  const reader = await AeimgReader.open(path, identities);
  try {
    const first = await reader.next(() => []);
    const study = (first?.meta as Partial<StudyEntry> | undefined)?.study;
    if (!study || typeof study.id !== 'string' || !Number.isInteger(study.part) || !Number.isInteger(study.firstImage) || typeof study.name !== 'string') return null;
    return { path, study };
  } catch (err) {
    throw inFile(path, err);
  } finally {
    await reader.close();
  }
}

/** Checks a set of parts before anything is written: one study, no duplicate, no gap; names the missing parts. */
export async function checkParts(paths: string[], identities: IdentitySource): Promise<PartInfo[]> {
  const infos: PartInfo[] = [];
  for (const p of paths) {
    const info = await readPartInfo(p, identities);
    if (!info) throw new AeimgError(ErrorCode.BadInput, `${basename(p)} is a single-image file, not part of a study; decrypt it on its own.`);
    infos.push(info);
  }
  const studies = new Set(infos.map((i) => i.study.id));
  if (studies.size > 1) {
    const names = [...new Set(infos.map((i) => i.study.name))].join(', ');
    throw new AeimgError(ErrorCode.BadInput, `these parts belong to ${studies.size} different studies (${names}); decrypt each study's parts together.`);
  }
  infos.sort((a, b) => a.study.part - b.study.part);
  for (let k = 1; k < infos.length; k++) {
    if (infos[k]!.study.part === infos[k - 1]!.study.part) {
      throw new AeimgError(ErrorCode.Duplicate,
        `part ${infos[k]!.study.part} of '${infos[k]!.study.name}' was given twice (${basename(infos[k - 1]!.path)} and ${basename(infos[k]!.path)}); give each part once.`);
    }
  }
  for (const info of infos) {
    const m = /\.part(\d+)of(\d+)\.aeimg$/i.exec(info.path);
    if (m && Number(m[1]) !== info.study.part) {
      throw new AeimgError(ErrorCode.BadInput, `${basename(info.path)} holds part ${info.study.part} of '${info.study.name}', not part ${m[1]}: it was renamed. Rename it back to ${partName(info.study.name, info.study.part, Number(m[2]))}.`);
    }
  }
  const declared = Math.max(...infos.map((i) => Number(/of(\d+)\.aeimg$/i.exec(i.path)?.[1] ?? 0)));
  const highest = infos[infos.length - 1]!.study.part;
  const total = Math.max(declared, highest);
  const have = new Set(infos.map((i) => i.study.part));
  const missing = Array.from({ length: total }, (_, k) => k + 1).filter((k) => !have.has(k));
  if (missing.length > 0) {
    const name = infos[0]!.study.name;
    throw new AeimgError(ErrorCode.BadInput,
      `the study '${name}' is incomplete: ${missing.map((k) => partName(name, k, total)).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. Add ${missing.length === 1 ? 'it' : 'them'} and try again.`);
  }
  return infos;
}

export interface StudyDecryptOptions {
  identities: IdentitySource;
  models: ModelCache;
  outDir: string;
  format: 'png' | 'dcm';
  force?: boolean;
  maxPixels?: number;
  decode?: DecodeFn;
  onImage?: (index: number, output: string, record: ImageRecord) => void;
  /** Images decoded ahead of the writer (default 4; twice the pool size is a good choice). */
  lookahead?: number;
}

/** Decrypts every part of a study, in order, into one folder; nothing appears unless every part authenticates. */
export async function decryptStudy(paths: string[], opts: StudyDecryptOptions): Promise<{ images: number; outputs: string[]; name: string }> {
  const infos = await checkParts(paths, opts.identities);
  const pending: AtomicFile[] = [];
  const outputs: string[] = [];
  const used = new Set<string>();
  let expected = 0;
  let ended = false;
  const lookahead = Math.max(1, opts.lookahead ?? 4);
  const decode = opts.decode ?? localDecode(opts.models);
  const inFlight: { rec: ImageRecord; index: number; decoded: Promise<{ image: Image; png?: Buffer }> }[] = [];
  const flushOne = async () => {
    const { rec, index, decoded } = inFlight.shift()!;
    const { image, png } = await decoded;
    let stem = basename(rec.name, extname(rec.name)).replace(/#(\d+)$/, '-$1').replace(/[^\w.-]+/g, '_') || `image-${index + 1}`;
    if (used.has(stem)) stem = `${stem}-${index + 1}`;
    used.add(stem);
    const output = join(opts.outDir, `${stem}.${opts.format}`);
    checkOutput(output, paths, opts.force ?? false);
    const file = await AtomicFile.create(output, { force: opts.force });
    pending.push(file);
    await file.write(await outputBytes(image, rec, opts.format, index + 1, png));
    outputs.push(output);
    opts.onImage?.(index, output, rec);
  };
  try {
    for (const info of infos) {
      if (info.study.firstImage !== expected) {
        throw new AeimgError(ErrorCode.BadInput, `${basename(info.path)}: part ${info.study.part} starts at image ${info.study.firstImage + 1}, but the parts before it end at image ${expected}; a part is missing or from another encryption of the study.`);
      }
      const reader = await AeimgReader.open(info.path, opts.identities);
      try {
        await reader.next(() => []);
        for (;;) {
          let record: ImageRecord | undefined;
          let end: Record<string, unknown> | undefined;
          const entry = await reader.next((meta) => {
            if (meta.kind === 'study-end') { end = meta; return []; }
            record = validateImageRecord(meta, opts.maxPixels ?? DEFAULT_MAX_PIXELS);
            return [record.blobs.latent, record.blobs.alpha, record.blobs.residual];
          });
          if (!entry) break;
          if (end) { ended = end.images === expected; continue; }
          const rec = record!;
          const index = expected++;
          const model = reader.header.model;
          // Decoding runs ahead on the pool; files are written in study order.
          const decoded = decode(model, rec, entry.blobs, opts.format === 'png');
          decoded.catch(() => undefined);
          inFlight.push({ rec, index, decoded });
          if (inFlight.length >= lookahead) await flushOne();
        }
        while (inFlight.length) await flushOne();
      } catch (err) {
        throw inFile(info.path, err);
      } finally {
        await reader.close();
      }
    }
    const name = infos[0]!.study.name;
    if (!ended) {
      throw new AeimgError(ErrorCode.BadInput,
        `the study '${name}' is incomplete: part ${infos[infos.length - 1]!.study.part} is not its last part (${partName(name, infos[infos.length - 1]!.study.part + 1, infos[infos.length - 1]!.study.part + 1)} or later is missing).`);
    }
    for (const f of pending) await f.commit();
    return { images: expected, outputs, name };
  } catch (err) {
    await Promise.allSettled(inFlight.map((j) => j.decoded));
    await Promise.all(pending.map((f) => f.abort()));
    throw err;
  }
}

/** The study a file is part of, or null for a single-image file (reads only its first entry). */
export async function studyOf(path: string, identities: IdentitySource): Promise<StudyEntry['study'] | null> {
  return (await readPartInfo(path, identities))?.study ?? null;
}
