/**
 * A whole study in one or more .aeimg parts that each fit an e-mail: slices in viewing order (dicom/order.ts), a new
 * part whenever the next slice would cross the size limit, every part decryptable on its own (container/study.ts has
 * the sub-format). Memory stays bounded: slices are encoded a few at a time ahead of the writer and never kept, and
 * decrypted the same way (study-decrypt.ts, re-exported here).
 */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AeimgWriter } from '../container/aeimg-file.js';
import { EntryCodec } from '../container/entries.js';
import { entryBytes } from '../container/payload.js';
import { partName, provisionalPartName, STUDY_END, STUDY_END_RESERVE, type StudyEnd, type StudyEntry } from '../container/study.js';
import { studyOrder, type NotImage, type StudyOrder } from '../dicom/order.js';
import type { PresentationStateFile } from '../dicom/presentation-state.js';
import type { KeyObjectFile } from '../dicom/key-objects.js';
import type { CarriedDocument } from '../dicom/documents.js';
import { recordDocuments } from './export.js';
import { notImageWords, studyObjects, type CarriedObject } from '../dicom/study-objects.js';
import { AeimgError, ErrorCode, inFile, Remedy } from '../errors.js';
import { AtomicFile, commitAll } from '../fs/atomic.js';
import { worstFidelity, worstSsim, type Fidelity, type ReaderUnits } from '../../../src-shared/fidelity.js';
import { DEFAULT_QUALITY, isNetworkOnly, type CodingChoice } from '../../../src-shared/quality.js';
import type { Recipient } from '../keys/recipients.js';
import { loadedModel, type Autoencoder, type ModelRef } from '../model/autoencoder.js';
import { abortable, checkAborted } from './abort.js';
import { encodeImageFile, fileWarnings, isReduced, type EncodedFile, type EncodeTask, type ReducedQuality } from './encrypt.js';
import { checkOutput, sendingParts } from './files.js';
import { DEFAULT_MAX_PIXELS } from '../image/io.js';
import { readerUnits } from './view.js';
import { APP_ID } from './version.js';
import type { DeidentifyOptions } from '../dicom/deidentify.js';
import { maskedFileName, type IdentifyingParts } from '../dicom/file-name.js';
import { DEFAULT_MAX_PART_BYTES } from '../defaults.js';
import { ctInterceptOf, type CtDeclaration } from './declared-ct.js';
import { senderWindowOf, seriesWindows, type SenderWindow, type SenderWindows } from './sender-window.js';
import { megabytes } from './sender-warnings.js';

export { DEFAULT_MAX_PART_BYTES };

export interface StudyOptions extends CtDeclaration, SenderWindows {
  /** The model the parts' headers name; loaded, unless `encode` runs the network elsewhere. */
  model: Autoencoder | ModelRef;
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
  onSlice?: (index: number, path: string) => void;
  /**
   * Asked once, at the first reduced-quality slice, before it is written (see EncryptFileOptions.confirm); false
   * stops the study with ErrorCode.Declined and leaves nothing behind. Absent: written, counted in `reduced`.
   */
  confirm?: (facts: ReducedQuality & { index: number }) => Promise<boolean>;
  /** Cancels the study between slices (and while a slice is encoding); nothing is left behind. */
  signal?: AbortSignal;
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
  /**
   * The slices' worst: the windows of the slice with the lowest SSIM in a reader's window with the largest error of
   * any slice (worstFidelity, 0.14), where the slices' values are in one unit; else that slice's own figures.
   */
  worst?: Fidelity;
  /** How the worst slice's values are named for a reader (view.ts readerUnits). */
  worstUnits: ReaderUnits;
  meanSsim?: number;
  /** Slices of reduced quality (src-shared/fidelity.ts). */
  reduced: number;
  /** What the slices' files gave the sender to know (BurnedInAnnotation YES, …), in slice order. */
  warnings: string[];
  /** The objects without an image it went without (dicom/order.ts studyOrder), each with what it is and why. */
  notImages: NotImage[];
  /** The presentation states and key object selections that went with the images they reference (full header only). */
  carriedObjects: CarriedObject[];
}

/** `own`: what the image goes with of its own, the CT intercept declared for it and the sender's window (its series'). */
function encodeTask(input: string, opts: Pick<StudyOptions, 'coding' | 'deidentify' | 'maxPixels'>, own: { ctIntercept?: number; senderWindow?: SenderWindow }, measure: boolean,
  uidSalt?: string, objects: { presentationStates?: PresentationStateFile[]; keyObjects?: KeyObjectFile[]; documents?: CarriedDocument[] } = {}): EncodeTask {
  const { ctIntercept, senderWindow } = own;
  return {
    input, coding: opts.coding ?? { quality: DEFAULT_QUALITY }, measure,
    maxPixels: opts.maxPixels ?? DEFAULT_MAX_PIXELS, deidentify: opts.deidentify, uidSalt, ctIntercept,
    ...(senderWindow ? { senderWindow } : {}),
    ...(objects.presentationStates ? { presentationStates: objects.presentationStates } : {}),
    ...(objects.keyObjects ? { keyObjects: objects.keyObjects } : {}),
    ...(objects.documents ? { documents: objects.documents } : {}),
  };
}

/**
 * A study's name names its parts, which anyone who sees the e-mail reads: with de-identification it must not hold what
 * identifies the patient of its first DICOM file (names, IDs, birth date, original UIDs: dicom/file-name.ts).
 */
export async function checkStudyName(name: string, paths: readonly string[], deidentify: DeidentifyOptions | null | undefined): Promise<void> {
  if (deidentify === null) return;
  let first: string | undefined, parts: IdentifyingParts | undefined;
  const salt = randomBytes(32).toString('hex'); // only whether the name holds a UID matters, not what replaces it
  for (const p of paths) if ((parts = await sendingParts(p, deidentify ?? {}, salt))) { first = p; break; }
  if (parts && maskedFileName(name, parts) !== undefined) {
    throw new AeimgError(ErrorCode.Usage, `the study's name "${name}" holds the patient's name, ID or birth date (of ${basename(first!)}), which its parts' ` +
      `names (${name}.part1of1.aeimg) would show to anyone who sees the e-mail: choose another name.`);
  }
}

/** "a.dcm is a structured report; b.dcm is …": the objects a study set aside, in a sender's words. */
function notImageList(notImages: readonly NotImage[]): string {
  return notImages.map((n) => `${basename(n.path)} is ${n.kind}`).join('; ');
}

/**
 * A study's file that cannot be sent, named, with what to do: the study is written whole or not at all, so its other
 * files go once it is left out (Remedy.LeaveOutOfStudy). Not for a cancelled job, a disk's error or an error that has its
 * own remedy (an image over the pixel limit).
 */
function leftOut(input: string, err: unknown): AeimgError {
  const named = inFile(input, err);
  const theFile = ([ErrorCode.BadInput, ErrorCode.TooLarge, ErrorCode.Malformed, ErrorCode.Truncated] as ErrorCode[]).includes(named.code);
  return theFile && !named.remedy ? new AeimgError(named.code, named.message, { remedy: Remedy.LeaveOutOfStudy, facts: { file: input } }) : named;
}

/** A study with an image whose header aeimg refuses stops before any is encoded, naming the first (in viewing order). */
function stopOnRefused({ ordered, refused }: StudyOrder): void {
  const first = ordered.find((p) => refused.has(p));
  if (first) throw leftOut(first, refused.get(first));
}

/** Encrypts the study into parts under the size limit. Nothing is left behind if it fails or is cancelled. */
export async function encryptStudy(paths: string[], opts: StudyOptions): Promise<StudyResult> {
  const max = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  const { signal } = opts;
  if (paths.length === 0) throw new AeimgError(ErrorCode.Usage, 'no image to put in the study.');
  await checkStudyName(opts.name, paths, opts.deidentify);
  const order = await studyOrder(paths, opts.maxPixels);
  const { ordered } = order;
  if (ordered.length === 0) throw new AeimgError(ErrorCode.Usage, `no image to put in the study: ${notImageList(order.notImages)}.`);
  stopOnRefused(order);
  const objects = await studyObjects(order, opts.deidentify === undefined ? {} : opts.deidentify);
  const { notImages } = objects;
  const id = randomBytes(16).toString('hex');
  const uidSalt = randomBytes(32).toString('hex');
  const encode = opts.encode ?? ((task: EncodeTask) => encodeImageFile(loadedModel(opts.model), task, undefined, signal));
  const lookahead = Math.max(1, opts.lookahead ?? 4);
  const ctIntercept = ctInterceptOf(opts);
  const senderWindow = senderWindowOf(seriesWindows(order, opts)); // once: it resolves every path of the study
  const inFlight = new Map<number, Promise<EncodedFile>>();
  const schedule = (i: number) => {
    if (i < ordered.length && !inFlight.has(i) && !signal?.aborted) {
      const p = encode(encodeTask(ordered[i]!, opts, { ctIntercept: ctIntercept(ordered[i]!), senderWindow: senderWindow(ordered[i]!) }, opts.measure ?? true, uidSalt, {
        presentationStates: objects.statesByImage.get(ordered[i]!), keyObjects: objects.keyObjectsByImage.get(ordered[i]!),
        documents: objects.documentsByImage.get(ordered[i]!),
      }));
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
  let worstUnits: ReaderUnits = {};
  // The slices' figures merged (src-shared/fidelity.ts worstFidelity) while they are in the same units.
  let merged: Fidelity | undefined;
  let oneUnit = true;
  let ssimSum = 0, ssimCount = 0, reduced = 0;
  let accepted = false;
  // Each part is written to its own temp file (a unique name: two runs into one folder never share one) and all
  // are placed together at the end, when the number of parts, and so their names, is known.
  // A part names the model only when its images may carry a latent: the study's level is network-only, or latent bits
  // were asked for. Not from the part's first image: a DICOM frame kept as its file held it carries none (0.9).
  const latents = opts.coding?.bits !== undefined || isNetworkOnly(opts.coding?.quality ?? DEFAULT_QUALITY);
  const openPart = async (latent: boolean): Promise<AeimgWriter> => {
    current.path = join(opts.outDir, provisionalPartName(opts.name, parts.length + 1));
    const w = await AeimgWriter.create(current.path, { recipients: opts.recipients, model: latent ? opts.model.id : null });
    current.writer = w; // set before the first write, so a failure aborts it
    const entry: StudyEntry = { kind: 'file', app: APP_ID, created: new Date().toISOString(), study: { id, name: opts.name, part: parts.length + 1, firstImage: imageIndex } };
    await w.add(entry);
    partImages = 0;
    return w;
  };
  const closePart = async (w: AeimgWriter, last: boolean) => {
    if (last) await w.add({ kind: STUDY_END, images: imageIndex, parts: parts.length + 1 } satisfies StudyEnd);
    current.writer = null;
    const file = await w.seal();
    sealed.push(file);
    parts.push({ path: file.tempPath, bytes: (await stat(file.tempPath)).size, images: partImages });
  };
  const warnings: string[] = notImages.map((n) => `${basename(n.path)}: ${notImageWords(n)}`);
  try {
    for (let i = 0; i < lookahead; i++) schedule(i);
    for (let i = 0; i < ordered.length; i++) {
      const input = ordered[i]!;
      let encoded: EncodedFile;
      try {
        encoded = await abortable(inFlight.get(i)!, signal);
      } catch (err) {
        throw leftOut(input, err);
      } finally {
        inFlight.delete(i);
        schedule(i + lookahead);
      }
      inputBytes += (await stat(input)).size;
      warnings.push(...fileWarnings(input, encoded));
      if (opts.confirm && !accepted && encoded.images.some(isReduced)) {
        const facts = { input, index: i, fidelity: worstFidelity(encoded.images.map((e) => e.record.fidelity)), coding: encoded.images[0]!.coding, units: readerUnits(encoded.images[0]!.record) };
        if (!(await opts.confirm(facts))) throw new AeimgError(ErrorCode.Declined, `the study '${opts.name}' was not written: its reduced quality was declined.`);
        accepted = true;
      }
      checkAborted(signal);
      for (const entry of encoded.images) {
        let w = current.writer;
        if (w && partImages > 0 && w.sizeBoundAfter(entry.record, entry.blobs, STUDY_END_RESERVE) > max) {
          await closePart(w, false);
          w = null;
        }
        w ??= await openPart(latents || entry.record.latent !== undefined);
        const bound = w.sizeBoundAfter(entry.record, entry.blobs, STUDY_END_RESERVE);
        if (bound > max) {
          // The study's reports travel in its first images' records (dicom/documents.ts): they count with the image.
          const reports = recordDocuments(entry.record).map((d) => `"${d.title}"`);
          throw new AeimgError(ErrorCode.TooLarge,
            `${basename(input)}${reports.length ? ` with the study's report${reports.length > 1 ? 's' : ''} ${reports.join(', ')} it carries` : ''} alone needs ` +
            `about ${megabytes(bound)} encrypted, more than the part size limit of ${megabytes(max)}.`,
            { remedy: Remedy.LargerParts, facts: { file: input, limit: max, needed: bound } });
        }
        await w.add(entry.record, entry.blobs);
        partImages++;
        imageIndex++;
        const f = entry.record.fidelity;
        if (isReduced(entry)) reduced++;
        if (f) {
          const units = readerUnits(entry.record);
          oneUnit &&= !worst || (units.units ?? '') === (worstUnits.units ?? '');
          merged = worstFidelity([merged, f]);
          if (!worst || worstSsim(f) < worstSsim(worst)) [worst, worstUnits] = [f, units];
          ssimSum += worstSsim(f);
          ssimCount++;
        }
      }
      opts.onSlice?.(i, input);
    }
    await closePart(current.writer!, true);
    checkAborted(signal);
    // Now the number of parts is known: place every part under its final name, all or none, never replacing a file
    // without force (another run may have written a study of the same name meanwhile).
    const final = parts.map((p, k) => join(opts.outDir, partName(opts.name, k + 1, parts.length)));
    for (const f of final) checkOutput(f, paths, opts.force ?? false);
    await commitAll(sealed.map((file, k) => ({ file, path: final[k]! })), opts.force ?? false);
    parts.forEach((p, k) => { p.path = final[k]!; });
    return { parts, images: imageIndex, inputBytes, worst: oneUnit ? merged : worst, worstUnits, meanSsim: ssimCount ? ssimSum / ssimCount : undefined, reduced, warnings, notImages, carriedObjects: objects.carried };
  } catch (err) {
    await current.writer?.abort();
    await Promise.allSettled([...inFlight.values()]);
    await Promise.all(sealed.map((f) => f.abort()));
    throw err instanceof AeimgError ? err : inFile(current.path || opts.outDir, err);
  }
}

/** A quick prediction from a sample of slices (encoded for real, without writing): total size and parts. */
export async function estimateStudy(paths: string[], opts: Pick<StudyOptions, 'coding' | 'maxPartBytes' | 'encode' | 'model' | 'deidentify' | 'maxPixels'> & CtDeclaration & { name?: string },
  sample = 3): Promise<{ bytes: number; parts: number; images: number }> {
  const max = opts.maxPartBytes ?? DEFAULT_MAX_PART_BYTES;
  if (opts.name !== undefined) await checkStudyName(opts.name, paths, opts.deidentify);
  const encode = opts.encode ?? ((task: EncodeTask) => encodeImageFile(loadedModel(opts.model), task));
  const order = await studyOrder(paths, opts.maxPixels);
  stopOnRefused(order);
  const images = order.ordered; // what encryptStudy sends: its objects without an image set aside, but for its reports
  // Its reports travel as they are (in base64, which packs back to about their size): a PDF can outweigh the images.
  const reports = [...(await studyObjects(order, opts.deidentify === undefined ? {} : opts.deidentify)).documentsByImage.values()]
    .flat().reduce((n, d) => n + Math.ceil((d.file.length * 3) / 4), 0);
  const step = Math.max(1, Math.floor(images.length / sample));
  const picks = images.filter((_, i) => i % step === 0).slice(0, sample);
  // Coded one after another, as the study's file codes them: what a record shares with the one before (its colour
  // profile) goes once in a part, not once a slice. Each sampled input's bytes as it follows the one before; `shared`:
  // what a later input's first record saves by following a record, which the N inputs pay once, not N/n times.
  const codec = new EntryCodec();
  const ctIntercept = ctInterceptOf(opts);
  let bytes = 0, shared = 0;
  for (const [k, p] of picks.entries()) {
    const e = await encode(encodeTask(p, opts, { ctIntercept: ctIntercept(p) }, false)).catch((err) => { throw leftOut(p, err); });
    for (const [i, im] of e.images.entries()) {
      const after = entryBytes(im.record, im.blobs, codec);
      if (k > 0 && i === 0) shared += entryBytes(im.record, im.blobs) - after;
      bytes += after + 36;
      codec.advance(im.record);
    }
  }
  const n = Math.max(1, picks.length);
  const sharedOnce = picks.length > 1 ? shared / (picks.length - 1) : 0;
  const total = Math.round((bytes / n) * images.length - sharedOnce * Math.max(0, images.length / n - 1)) + reports + 600;
  return { bytes: total, parts: Math.max(1, Math.ceil(total / (max * 0.98))), images: images.length };
}

export { decryptStudy, type StudyDecryptOptions, type StudyDecryptResult } from './study-decrypt.js';
