import { encryptUsage } from './usage.js';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { DeidentifyOptions } from '../engine/dicom/deidentify.js';
import { checkStudyName, DEFAULT_MAX_PART_BYTES, encryptStudy, estimateStudy } from '../engine/jobs/study.js';
import { parseSize } from './size.js';
import type { Autoencoder } from '../engine/model/autoencoder.js';
import type { Recipient } from '../engine/keys/recipients.js';
import { MAX_BITS, MIN_BITS } from '../engine/codec/record.js';
import { ctDeclaration } from '../../src-shared/windows.js';
import type { CtCheck } from '../../src-shared/api.js';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { encryptFiles } from '../engine/jobs/batch.js';
import type { EncryptResult } from '../engine/jobs/encrypt.js';
import { megabytes } from '../engine/jobs/sender-warnings.js';
import { AEIMG_EXT, archivesLeftOut, folderGiven, IMAGE_INPUT, inputKind, inputRefusal, isDicomFile, namesOf, noImagesMessage, checkWritableFolders, withSendingNames, type FoundFile } from '../engine/jobs/files.js';
import { studyOrder } from '../engine/dicom/order.js';
import { ctCheck, ctInterceptOf } from '../engine/jobs/declared-ct.js';
import { windowUnits, type SenderWindow } from '../engine/jobs/sender-window.js';
import { carriedWords, notImageWords, studyObjects } from '../engine/dicom/study-objects.js';
import { codingName, DEFAULT_QUALITY, isQuality, QUALITIES, tighterLevelAdvice, type CodingChoice, type Quality } from '../../src-shared/quality.js';
import { fidelityHeadline, REDUCED_QUALITY_SSIM, reducedQualityText, senderWindowFigure } from '../../src-shared/fidelity.js';
import { parseDeidentify } from '../engine/dicom/deidentify.js';
import { LazyPool } from '../engine/jobs/pool.js';
import { DEFAULT_MODEL, ModelCache } from '../engine/model/autoencoder.js';
import {
  cleanOutputFolders, ctInterceptOption, findInputs, makeOutputFolder, jobsOption, kb, loadRecipients, logBackend, ms, poolFor, positiveInteger,
  interruptSignal, printEvents, recipientOptions, namedBatch, summarise,
} from './common.js';

export async function encryptCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...recipientOptions,
      ...jobsOption,
      out: { type: 'string', short: 'o' },
      bits: { type: 'string' },
      quality: { type: 'string' },
      model: { type: 'string', default: DEFAULT_MODEL },
      'no-measure': { type: 'boolean', default: false },
      recode: { type: 'boolean', default: false },
      lossless: { type: 'boolean', default: false },
      deidentify: { type: 'string', default: 'basic' },
      'ct-intercept': { type: 'string' },
      'not-ct': { type: 'string', multiple: true },
      window: { type: 'string' },
      bundle: { type: 'string' },
      'max-size': { type: 'string' },
      'max-pixels': { type: 'string' },
      force: { type: 'boolean', default: false },
      'skip-existing': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw new AeimgError(ErrorCode.Usage, `no image given.\n${encryptUsage}`);
  const maxPixels = values['max-pixels'] === undefined ? undefined : positiveInteger('--max-pixels', values['max-pixels']);
  // With --bundle, the largest part; without, the largest .aeimg the sender's mail takes (a larger one is written with a warning).
  const maxSize = values['max-size'] === undefined ? undefined : parseSize(values['max-size']);
  if (values['skip-existing'] && values.bundle !== undefined) throw new AeimgError(ErrorCode.Usage, '--skip-existing applies to single files, not to --bundle.');
  if (values['skip-existing'] && values.force) throw new AeimgError(ErrorCode.Usage, '--skip-existing and --force contradict each other; give one of them.');
  // A CD made one study brings its presentation states and reports too (its DICOMDIR lists them beside its images).
  // One walk: a study takes its objects; a plain batch names those it leaves behind.
  const all = await findInputs(positionals, IMAGE_INPUT, isDicomFile, { objects: true, archives: true });
  const archives = all.filter((f) => f.archive);
  const found = all.filter((f) => !f.archive && (values.bundle !== undefined || !f.object));
  if (found.length === 0) throw new AeimgError(ErrorCode.Usage, noImagesMessage(archives));
  const inputs = found.map((f) => f.path);
  if (values.bundle === undefined) process.stderr.write(objectsLeftBehind(all.filter((f) => f.object)));
  process.stderr.write(archivesLeftOut(archives));
  let deidentify;
  try {
    deidentify = parseDeidentify(values.deidentify);
  } catch (err) {
    throw new AeimgError(ErrorCode.Usage, `--deidentify: ${(err as Error).message}`);
  }
  const coding: CodingChoice = { ...codingChoice(values.quality, values.lossless, values.bits), ...(values.recode ? { recode: true } : {}) };
  const ctIntercept = ctInterceptOption(values['ct-intercept']);
  const notCt = notCtOption(values['not-ct'] ?? [], found, ctIntercept);
  // In a run that holds a CT, the window is in HU and goes with the CT images only; an MR beside them goes without it.
  const units = values.window === undefined ? undefined : await windowUnits(inputs, (i) => ctInterceptOf({ ctIntercept, notCt })(i) !== undefined);
  const senderWindow = values.window === undefined ? undefined : { ...windowOption(values.window), ...(units ? { units } : {}) };
  if (values['dry-run']) return dryRun(found, { out: values.out, bundle: values.bundle, deidentify, skip: values['skip-existing'], force: values.force, maxPixels, ctIntercept, notCt });
  if (!values.out) await checkWritableFolders(values.bundle !== undefined ? [folderGiven(found[0]!)] : inputs.map((i) => dirname(i)));
  const recipients = await loadRecipients(values);
  await logBackend();
  const models = new ModelCache();
  const model = await models.byName(values.model);
  if (values.out) await makeOutputFolder(values.out);
  if (values.bundle !== undefined) {
    // Without -o, the parts go where the first image was found as given (a CD's root, not its first series folder).
    await cleanOutputFolders([values.out ?? folderGiven(found[0]!)]);
    return encryptBundle(inputs, {
      name: values.bundle, maxSize, outDir: values.out ?? folderGiven(found[0]!), model, recipients, coding,
      deidentify, measure: !values['no-measure'], force: values.force, jobs: values.jobs, modelName: values.model,
      ...(maxPixels ? { maxPixels } : {}), ctIntercept, notCt, senderWindow,
    }).finally(() => models.dispose());
  }
  const total = inputs.length;
  // Outputs named over every input first, so a resumed batch finds each file's output under the same name.
  // A DICOM file named after its patient is sent under a name without it, when de-identifying (dicom/file-name.ts).
  const uidSalt = randomBytes(32).toString('hex');
  const { inputs: todo, names: outputs, skipped } = namedBatch(await withSendingNames(found, deidentify, uidSalt), {
    ext: AEIMG_EXT, outDir: values.out, skip: values['skip-existing'],
  });
  await cleanOutputFolders(outputs.map((o) => dirname(o)));
  const reduced: string[] = [];
  const pool = poolFor(todo.length, values.jobs);
  // One file: its tiles still use every core (workers start only if the image has several tiles).
  const tiles = !pool && todo.length === 1 && values.jobs !== '1' ? new LazyPool() : undefined;
  const outcome = await encryptFiles(todo, {
    model, recipients, coding, outDir: values.out, outputs, uidSalt, force: values.force, measure: !values['no-measure'], deidentify, maxPixels, mailBytes: maxSize, ctIntercept, notCt,
    senderWindow, encode: pool ? (task) => pool.encode(values.model, task) : undefined, tiles,
  }, {
    concurrency: pool ? pool.size * 2 : 1,
    signal: interruptSignal(),
    onEvent: printEvents<EncryptResult>((r) => {
      process.stdout.write(
        `${basename(r.input)} → ${r.output}  ${shapesText(r)}, ` +
        `${kb(r.inputBytes)} → ${kb(r.outputBytes)}, ${codingName(r.coding)}: ${fidelityHeadline(r.fidelity, { ...r.coding, ...r.units })}${senderWindowFigure(r.fidelity)}, ` +
        `${ms(Object.values(r.timings).reduce((a, b) => a + b, 0))}\n`);
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
      if (r.reduced) {
        reduced.push(basename(r.input));
        process.stderr.write(`warning: ${basename(r.input)}: ${reducedQualityText(r.fidelity, r.units)}. ${tighterLevelAdvice(r.coding.quality, 'cli')}\n`);
      }
    }),
  });
  await pool?.close();
  await tiles?.close();
  await models.dispose();
  if (reduced.length > 0) {
    process.stderr.write(`warning: ${reduced.length} of ${todo.length} file(s) are reduced quality (a reader's window below SSIM ${REDUCED_QUALITY_SSIM}, ` +
      `a segmentation's voxel changed, or no per-pixel guarantee: the network alone): ${reduced.join(', ')}. Receivers see a "not for primary diagnosis" banner.\n`);
  }
  return summarise(total, outcome, 'Encrypted', skipped);
}

/**
 * What a plain batch of folders leaves behind that a study of them would carry (a CD's presentation states and
 * reports, a PDF report beside PNG images), as a note naming them and how to carry them; '' where there is none.
 * Before 0.23 they were left without a word.
 */
function objectsLeftBehind(left: readonly FoundFile[]): string {
  if (left.length === 0) return '';
  return `note: ${namesOf(left)} ${left.length === 1 ? 'is' : 'are'} not sent: a presentation state, key-image note or report goes only with its ` +
    'images as one study (--bundle NAME; with --dry-run it says what of them would go, and how).\n';
}

/**
 * --dry-run: what a run would take and write, nothing read past the headers, nothing written, no key needed: each
 * file and its .aeimg (a folder's subfolders mirrored, a DICOM file named after its patient renamed), or a study's
 * slices in viewing order and its parts' name. With --ct-intercept, image files are read whole too, to say which
 * cannot go as a CT, and which the intercept would put far from air (declared-ct.ts ctCheck); without, a TIFF's head
 * is read to name one that goes as a CT by its own calibration (an ImageJ TIFF of a CT), which is read whole.
 */
async function dryRun(found: FoundFile[], a: { out?: string; bundle?: string; deidentify: DeidentifyOptions | null; skip: boolean; force: boolean; maxPixels?: number; ctIntercept?: number; notCt: readonly string[] }): Promise<number> {
  const checks = new Map<string, CtCheck>();
  const notCt = new Set(a.notCt);
  // Each file's kind, read from its head once (the CT checks and the listing both ask).
  const kinds = new Map<string, Promise<Awaited<ReturnType<typeof inputKind>> | 'missing'>>();
  const kindOf = (path: string) => kinds.get(path) ?? kinds.set(path, existsSync(path) ? inputKind(path) : Promise.resolve('missing')).get(path)!;
  // Undeclared, only a file that says its own HU goes as a CT (an ImageJ TIFF of a CT): its head is read to know.
  for (const f of found) {
    if (await kindOf(f.path) !== 'image') continue; // a DICOM file's own rescale applies
    const check = await ctCheck(f.path, a.ctIntercept, a.maxPixels);
    // One said not to be a CT goes without the declaration, unless it says its own HU (an ImageJ TIFF of a CT).
    if (check && (!notCt.has(f.path) || (!check.fails && check.ownIntercept !== undefined))) checks.set(f.path, check);
  }
  const ctFails = (path: string) => (checks.get(path)?.fails ? checks.get(path)!.message : undefined);
  // A file that would go as a CT is named so (an MR exported the same way, given in the same run, would go as one too).
  const asCt = (path: string) => {
    const check = checks.get(path);
    if (check?.fails === false) {
      return `  (as a CT: ${check.ownIntercept === undefined ? ctDeclaration(a.ctIntercept!) : `${ctDeclaration(check.ownIntercept)}, its ImageJ calibration`})`;
    }
    return notCt.has(path) ? '  (not as a CT: --not-ct)' : '';
  };
  const ctWarning = (path: string) => {
    const check = checks.get(path);
    return check && !check.fails && check.message ? `   warning: ${check.message}\n` : '';
  };
  if (a.bundle !== undefined) {
    const inputs = found.map((f) => f.path);
    await checkStudyName(a.bundle, inputs, a.deidentify);
    const order = await studyOrder(inputs, a.maxPixels);
    const { ordered } = order;
    const refused = new Map([...order.refused].map(([p, e]) => [p, e.message]));
    for (const p of ordered) {
      const ct = refused.has(p) ? undefined : ctFails(p);
      if (ct) refused.set(p, ct);
    }
    const { notImages, carried } = await studyObjects(order, a.deidentify);
    ordered.forEach((p, i) => process.stdout.write(`${i + 1}. ${p}${refused.has(p) ? `  (${basename(p)} ${refused.get(p)!} It would stop the study.)` : asCt(p)}\n${ctWarning(p)}`));
    for (const c of carried) process.stdout.write(`   ${c.path}: ${carriedWords(c, 'would go')}\n`);
    for (const n of notImages) process.stdout.write(`   ${n.path}: ${notImageWords(n, 'would go')}\n`);
    const stopping = refused.size;
    process.stdout.write(stopping
      ? `Would fail: ${stopping} of the study's ${ordered.length} files would stop it, as marked; move ${stopping > 1 ? 'them' : 'it'} out of the folder to send the others. Nothing written.\n`
      : `Would encrypt the study '${a.bundle}': ${ordered.length} files into ${join(a.out ?? folderGiven(found[0]!), `${a.bundle}.partKofN.aeimg`)} ` +
        '(the parts are counted while encoding); nothing written.\n');
    return 0;
  }
  const named = await withSendingNames(found, a.deidentify, randomBytes(32).toString('hex'));
  const { inputs, names, skipped } = namedBatch(named, { ext: AEIMG_EXT, outDir: a.out, skip: a.skip });
  const renamed = new Set(named.filter((f) => f.name).map((f) => f.path));
  let failing = 0;
  for (const [i, input] of inputs.entries()) {
    const kind = await kindOf(input);
    const fails = kind === 'missing' ? 'not found' : kind === 'aeimg' ? 'already an .aeimg'
      : kind === 'document' ? 'a PDF report, which goes with the images of a study (--bundle NAME)'
      : (await inputRefusal(input, kind, a.maxPixels))?.replace(/\.$/, '') ?? (kind === 'other' ? 'not an image aeimg reads' : ctFails(input)?.replace(/\.$/, '')); // named before any image is encoded
    const exists = existsSync(names[i]!);
    process.stdout.write(`${input} → ${names[i]}` +
      `${fails ? `  (${fails}: would fail)` : asCt(input)}` +
      `${renamed.has(input) ? '  (its name holds the patient\'s name, ID or birth date: sent without it)' : ''}` +
      `${exists ? `  (exists: ${a.force ? 'would be replaced' : 'would fail; --force replaces it'})` : ''}\n${fails ? '' : ctWarning(input)}`);
    if (fails || (exists && !a.force)) failing++;
  }
  process.stdout.write(`Would encrypt ${inputs.length - failing} of ${inputs.length} file${inputs.length === 1 ? '' : 's'}` +
    `${failing ? ` (${failing} would fail, as marked)` : ''}${skipped ? `; ${skipped} skipped (already there)` : ''}; nothing written.\n`);
  return 0;
}

/** The coding choice from --quality, --lossless and --bits. */
function codingChoice(quality: string | undefined, lossless: boolean, bitsText: string | undefined): CodingChoice {
  if (quality !== undefined && !isQuality(quality)) throw new AeimgError(ErrorCode.Usage, `--quality must be one of ${QUALITIES.join(', ')}.`);
  if (lossless && quality !== undefined && quality !== 'lossless') {
    throw new AeimgError(ErrorCode.Usage, `--lossless and --quality ${quality} contradict each other; give one of them.`);
  }
  const choice: CodingChoice = { quality: lossless ? 'lossless' : (quality as Quality | undefined) ?? DEFAULT_QUALITY };
  if (bitsText !== undefined) {
    const bits = Number(bitsText);
    if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) {
      throw new AeimgError(ErrorCode.Usage, `--bits must be a whole number from ${MIN_BITS} to ${MAX_BITS}.`);
    }
    choice.bits = bits;
  }
  return choice;
}

interface BundleArgs {
  name: string;
  maxSize?: number;
  outDir: string;
  model: Autoencoder;
  modelName: string;
  recipients: Recipient[];
  coding: CodingChoice;
  deidentify: DeidentifyOptions | null;
  measure: boolean;
  force: boolean;
  jobs?: string;
  maxPixels?: number;
  ctIntercept?: number;
  /** --not-ct: the inputs that go without ctIntercept. */
  notCt: string[];
  /** --window. */
  senderWindow?: SenderWindow;
}

/**
 * --not-ct FILE|FOLDER (aeimg 0.38): of the inputs found, those it names (a folder: each under it) go without
 * --ct-intercept (an MR exported the same way, in the same run or study). One that names none of them, or one given
 * without --ct-intercept, is a usage error: a misspelt path would otherwise send the MR as a CT.
 */
function notCtOption(given: readonly string[], found: readonly FoundFile[], ctIntercept: number | undefined): string[] {
  if (given.length === 0) return [];
  if (ctIntercept === undefined) throw new AeimgError(ErrorCode.Usage, '--not-ct names files that go without --ct-intercept; give --ct-intercept too, or leave --not-ct out.');
  const notCt = new Set<string>();
  for (const g of given) {
    const root = resolve(g);
    const named = found.filter((f) => resolve(f.path) === root || resolve(f.path).startsWith(root + sep));
    if (named.length === 0) throw new AeimgError(ErrorCode.Usage, `--not-ct ${g} names none of the files given to encrypt; give the path of one of them, or a folder of them.`);
    for (const f of named) notCt.add(f.path);
  }
  return [...notCt];
}

/**
 * --window L/W (aeimg 0.43): a window of the sender's, level then width in the images' real-world values (HU for CT),
 * the width above 0. Measured with the reader windows and carried (jobs/sender-window.ts).
 */
function windowOption(text: string): SenderWindow {
  const m = /^\s*([-+]?\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  const [center, width] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!Number.isFinite(center) || !(width > 0) || width > 1e9 || Math.abs(center) > 1e9) {
    throw new AeimgError(ErrorCode.Usage, `--window takes LEVEL/WIDTH in the images' values (HU for CT), the width above 0, not '${text}': ` +
      'e.g. --window 40/80 (brain), --window=-600/1500 (lung).');
  }
  return { center, width };
}

/** A study's file warnings printed one by one; the rest are counted. */
const STUDY_WARNINGS = 5;

/** "512x512x1 8-bit", "3 frames of 512x512x1 8-bit", or each image's size where they differ (a TIFF's pages). */
function shapesText(r: EncryptResult): string {
  if (r.shapes) return `${r.images} images: ${r.shapes.length > 4 ? `${r.shapes.slice(0, 3).join(', ')} … ${r.shapes.at(-1)}` : r.shapes.join(', ')}`;
  return `${r.images > 1 ? `${r.images} frames of ` : ''}${r.width}x${r.height}x${r.channels} ${r.bitDepth}-bit`;
}


/** `--bundle`: predicts the size and parts, then writes the study and reports the real figures. */
async function encryptBundle(inputs: string[], a: BundleArgs): Promise<number> {
  if (!/^[\w.-]{1,100}$/.test(a.name)) throw new AeimgError(ErrorCode.Usage, '--bundle NAME may use letters, digits, dot, dash and underscore.');
  const maxPartBytes = a.maxSize ?? DEFAULT_MAX_PART_BYTES;
  const pool = poolFor(inputs.length, a.jobs);
  try {
    const encode = pool ? (task: Parameters<typeof pool.encode>[1]) => pool.encode(a.modelName, task) : undefined;
    const guess = await estimateStudy(inputs, {
      model: a.model, coding: a.coding, maxPartBytes, encode, deidentify: a.deidentify, name: a.name, maxPixels: a.maxPixels, ctIntercept: a.ctIntercept, notCt: a.notCt,
    });
    process.stdout.write(`Estimate: ${guess.images} files → about ${megabytes(guess.bytes)} in ${guess.parts} part(s) of at most ${megabytes(maxPartBytes)}.\n`);
    const r = await encryptStudy(inputs, {
      model: a.model, recipients: a.recipients, name: a.name, outDir: a.outDir, maxPartBytes, coding: a.coding,
      measure: a.measure, deidentify: a.deidentify, force: a.force, encode, lookahead: (pool?.size ?? 1) * 2, maxPixels: a.maxPixels, ctIntercept: a.ctIntercept, notCt: a.notCt,
      senderWindow: a.senderWindow,
    });
    for (const p of r.parts) process.stdout.write(`${p.path}  ${p.images} images, ${megabytes(p.bytes)}\n`);
    for (const c of r.carriedObjects) process.stdout.write(`${c.path}: ${carriedWords(c, 'went')}\n`);
    const total = r.parts.reduce((s, p) => s + p.bytes, 0);
    process.stdout.write(`Encrypted the study '${a.name}': ${r.images} images from ${megabytes(r.inputBytes)} → ${megabytes(total)} in ${r.parts.length} part(s)` +
      (r.meanSsim !== undefined ? `; mean worst-window SSIM ${r.meanSsim.toFixed(4)}; worst of its slices: ${fidelityHeadline(r.worst, r.worstUnits)}` : '') + '.\n');
    for (const w of r.warnings.slice(0, STUDY_WARNINGS)) process.stderr.write(`warning: ${w}\n`);
    if (r.warnings.length > STUDY_WARNINGS) process.stderr.write(`warning: … and ${r.warnings.length - STUDY_WARNINGS} more of the study's files the same way.\n`);
    if (r.reduced > 0) {
      process.stderr.write(`warning: ${r.reduced} of ${r.images} images in '${a.name}' are reduced quality (a reader's window below SSIM ${REDUCED_QUALITY_SSIM}, ` +
        `a segmentation's voxel changed, or no per-pixel guarantee: the network alone). Receivers see a "not for primary diagnosis" banner.\n`);
    }
    return 0;
  } finally {
    await pool?.close();
  }
}
