import { decryptUsage } from './usage.js';
import { parseArgs } from 'node:util';
import { basename, dirname, join, resolve } from 'node:path';
import { decryptStudy } from '../engine/jobs/study.js';
import { groupStudies } from '../engine/jobs/open.js';
import { decryptFiles } from '../engine/jobs/batch.js';
import { outputExt, REDUCED_PNG, type DecryptResult } from '../engine/jobs/decrypt.js';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { CodecPool, LazyPool } from '../engine/jobs/pool.js';
import { ModelCache } from '../engine/model/autoencoder.js';
import { fileInvertedOf, imageChannels, type ImageRecord } from '../engine/codec/record.js';
import { receivedSummary, recordDisplay } from '../engine/jobs/view.js';
import { valueFormula } from '../../src-shared/windows.js';
import { figuresOrigin } from '../../src-shared/fidelity.js';
import { andList, someNames } from '../../src-shared/files.js';
import { dicomMetaOf } from '../engine/dicom/import.js';
import { graphicsAndShutter } from '../engine/dicom/shutter.js';
import { archivesLeftOut, checkWritableFolders, findAeimgInputs } from '../engine/jobs/files.js';
import {
  cleanOutputFolders, makeOutputFolder, jobsOption, keyOptions, loadIdentities, logBackend, poolFor, printEvents,
  interruptSignal, namedBatch, summarise,
} from './common.js';

export async function decryptCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...keyOptions,
      ...jobsOption,
      out: { type: 'string', short: 'o' },
      format: { type: 'string', default: 'png' },
      force: { type: 'boolean', default: false },
      'skip-existing': { type: 'boolean', default: false },
      denoise: { type: 'boolean', default: false },
    },
  });
  if (values['skip-existing'] && values.force) throw new AeimgError(ErrorCode.Usage, '--skip-existing and --force contradict each other; give one of them.');
  if (positionals.length === 0) throw new AeimgError(ErrorCode.Usage, `no .aeimg file given.\n${decryptUsage}`);
  // Before 0.27 a folder without one decrypted nothing, without a word, and exited 0.
  const { found, archives } = await findAeimgInputs(positionals, ErrorCode.Usage);
  process.stderr.write(archivesLeftOut(archives, '.aeimg files'));
  const inputs = found.map((f) => f.path);
  if (values.format !== 'png' && values.format !== 'dcm') throw new AeimgError(ErrorCode.Usage, `--format must be png or dcm, not ${values.format}.`);
  const format = values.format;
  const denoise = values.denoise;
  if (denoise && format !== 'png') {
    throw new AeimgError(ErrorCode.Usage, `--denoise writes the denoised view as PNG only (NAME.denoised.png), never as DICOM: a DICOM file would pass the view off as the image as sent. Drop --format dcm, or drop --denoise to get the image as sent.\n${decryptUsage}`);
  }
  const ext = outputExt({ denoise, format });
  // Without -o, images go beside their .aeimg: a folder that cannot be written (a CD) is named once, up front, as encrypt
  // does, not as "permission denied" for each file.
  if (!values.out) await checkWritableFolders(inputs.map((i) => dirname(i)));
  const identities = await loadIdentities(values);
  // The inference backend is named once a decode has used the network (an image with a latent, or a denoised view):
  // the guaranteed levels and kept DICOM frames, most files, decode without it (before 0.48 it was named for every run).
  let network = denoise;
  const usedNetwork = (rec: ImageRecord) => { network ||= Boolean(rec.latent); };
  const models = new ModelCache();
  if (values.out) await makeOutputFolder(values.out);
  const { studies, singles } = await groupStudies(inputs, identities);
  const valuesNotes = new ValuesNotes(); // said at the end, once for the 16-bit PNGs each says the same of
  let overlayNote: string | undefined; // likewise, of the first PNG of an image whose overlays came with it
  let alphaNote: string | undefined; // likewise, of the first DICOM file of an image with transparency
  const studyPool = studies.length > 0 && values.jobs !== '1' ? CodecPool.create(values.jobs ? Number(values.jobs) : undefined) : null;
  try {
    for (const { name, parts } of studies) {
      // With -o, in the same subfolder of it as its first part was below the folder given (as single files go).
      const subfolder = found.find((f) => f.path === parts[0])?.subfolder ?? '';
      const outDir = values.out ? join(values.out, subfolder) : join(dirname(resolve(parts[0]!)), name);
      await makeOutputFolder(outDir);
      await cleanOutputFolders([outDir]);
      const r = await decryptStudy(parts, {
        identities, models, outDir, format, force: values.force, lookahead: (studyPool?.size ?? 1) * 2, denoise,
        decode: studyPool ? (...a) => studyPool.decode(...a, denoise) : undefined,
        // Files appear once every part has authenticated; a long study says how far it is meanwhile.
        onImage: (i) => { if ((i + 1) % STUDY_PROGRESS_EVERY === 0) process.stderr.write(`${name}: ${i + 1} images decoded…\n`); },
      });
      r.records.forEach(usedNetwork);
      r.outputs.forEach((output, i) => {
        process.stdout.write(`${name} image ${i + 1} → ${output}${frameNote(r.outputFrames[i])}  ${denoise ? DENOISED_TEXT : receivedText(r.records[i]!)}\n`);
        if (format === 'png') valuesNotes.add(r.records[i]!, output);
        if (format === 'png') overlayNote ??= overlaysPngNote(r.records[i]!, output);
        if (format === 'dcm') alphaNote ??= alphaDicomNote(r.records[i]!, output);
      });
      const series = r.seriesFolders.length > 0 ? `, ${r.seriesFolders.length} series in a folder each (${r.seriesFolders.join(', ')})` : '';
      process.stdout.write(`Decrypted the study '${r.name}': ${r.images} images from ${parts.length} part(s) into ${outDir}${series}.\n`);
      for (const o of r.studyObjects) process.stdout.write(`${name} ${o.kind} → ${o.path}\n`);
      for (const d of r.documentsLeftOut) process.stderr.write(`note: the study '${r.name}' came with its ${d}, which could not be written.\n`);
      if (format === 'png') process.stderr.write((presentationStatesNote(r.name, r.records) ?? '') + (keyObjectsNote(r.name, r.records) ?? ''));
    }
  } finally {
    await studyPool?.close(); // a failed study must not leave worker threads holding the process open
  }
  // What is said once, at the end, after the studies alone or the single files too.
  const finish = async () => {
    if (network) await logBackend();
    await models.dispose();
    process.stderr.write(valuesNotes.text() + (overlayNote ?? '') + (alphaNote ?? ''));
  };
  if (singles.length === 0) {
    await finish();
    return 0;
  }
  const single = new Set(singles);
  const total = singles.length;
  // Stems named over every file first, so a resumed batch finds each file's images under the same names.
  const { inputs: todo, names: outputStems, skipped } = namedBatch(found.filter((f) => single.has(f.path)), {
    ext, named: '', outDir: values.out, skip: values['skip-existing'], ...(ext === '.png' ? { alsoExts: [REDUCED_PNG] } : {}),
  });
  await cleanOutputFolders(outputStems.map((o) => dirname(o)));
  const pool = poolFor(todo.length, values.jobs);
  // One file: its tiles still use every core (workers start only if the image has several tiles).
  const tiles = !pool && todo.length === 1 && values.jobs !== '1' ? new LazyPool() : undefined;
  const outcome = await decryptFiles(todo, {
    identities, models, outDir: values.out, outputStems, force: values.force, format, denoise, tiles,
    decode: pool ? (...a) => pool.decode(...a, denoise) : undefined,
  }, {
    concurrency: pool ? pool.size * 2 : 1,
    signal: interruptSignal(),
    onEvent: printEvents<DecryptResult>((r) => {
      for (const img of r.images) {
        const rec = img.record;
        usedNetwork(rec);
        if (format === 'png' && img.output) valuesNotes.add(rec, img.output);
        if (format === 'png' && img.output) overlayNote ??= overlaysPngNote(rec, img.output);
        if (format === 'dcm' && img.output) alphaNote ??= alphaDicomNote(rec, img.output);
        process.stdout.write(`${basename(r.input)} → ${img.output}${frameNote(img.outputFrame)}  ${denoise ? `${DENOISED_TEXT}, ` : ''}${rec.width}x${rec.height}x${imageChannels(rec)} ` +
          `${rec.bitDepth}-bit, original '${rec.name}', ${denoise ? 'as sent: ' : ''}${receivedText(rec)}\n`);
      }
    }),
  });
  await pool?.close();
  await tiles?.close();
  await finish();
  return summarise(total, outcome, 'Decrypted', skipped);
}

/**
 * What is said once after a DICOM file of an image with transparency (an RGBA or grey + alpha PNG) is written: DICOM
 * has no alpha (dicom/write.ts drops it), so what the sender's viewer showed transparent shows the colours stored under
 * it, whatever the exporting program left there. (The app offers DICOM for DICOM images only, which have no alpha.)
 */
function alphaDicomNote(rec: ImageRecord, output: string): string | undefined {
  const channels = imageChannels(rec);
  if (channels !== 2 && channels !== 4) return undefined;
  return `note: ${basename(output)} (and any other DICOM file of an image with transparency) is written without transparency, which DICOM cannot carry: transparent areas show the colours stored under them; a PNG keeps it (--format png).\n`;
}

/**
 * What is said once after PNGs of DICOM images that came with overlays (dicom/overlay.ts), a supplemental colour
 * palette (a perfusion map) or a display shutter (dicom/shutter.ts): a PNG holds the image's values, so neither the
 * marks a viewer draws over them, the colours it shows them in, nor what it covers; the viewer and DICOM output have them.
 */
function overlaysPngNote(rec: ImageRecord, output: string): string | undefined {
  const meta = dicomMetaOf(rec);
  const { graphics = [], shutter } = meta ? graphicsAndShutter(meta, imageChannels(rec)) : {};
  const palette = meta?.pixel.colourPalette !== undefined;
  if (!graphics.length && !palette && !shutter) return undefined;
  const what = [
    ...(graphics.length ? [`its ${graphics.map((g) => g.name).join(', ')}`] : []), ...(palette ? ['the colour palette it is read in'] : []),
    ...(shutter ? [`the display shutter that covers part of it (${shutter.name})`] : []),
  ];
  return `note: ${basename(output)} (and any other PNG of such an image) holds the image's values without ${andList(what)}, ` +
    'which its sender sent: aeimg\'s viewer shows the image with them, and --format dcm writes them back.\n';
}

/**
 * What is said after a study whose presentation states came with it (dicom/presentation-state.ts) is written as PNG:
 * its files hold the images, not the annotations, which aeimg's viewer draws and DICOM output writes back.
 */
function presentationStatesNote(study: string, records: readonly ImageRecord[]): string | undefined {
  const labels = [...new Set(records.flatMap((rec) => dicomMetaOf(rec)?.presentationStates?.map((s) => `"${s.label}"`) ?? []))];
  if (!labels.length) return undefined;
  return `note: the study '${study}' came with its presentation state${labels.length > 1 ? 's' : ''} ${labels.join(', ')}, a radiologist's annotations and ` +
    'window: aeimg\'s viewer draws them over the images they mark (open the .aeimg parts in aeimg), and --format dcm writes them beside the images ' +
    'for a PACS; the PNGs written hold the images without them.\n';
}

/**
 * What is said after a study whose key object selections came with it (dicom/key-objects.ts) is written as PNG: its
 * files do not carry them; aeimg's viewer marks the images they flag, and DICOM output writes them back.
 */
function keyObjectsNote(study: string, records: readonly ImageRecord[]): string | undefined {
  const flagged = new Map<string, number>();
  for (const rec of records) for (const k of dicomMetaOf(rec)?.keyObjects ?? []) flagged.set(k.title, (flagged.get(k.title) ?? 0) + 1);
  if (!flagged.size) return undefined;
  const list = [...flagged].map(([title, n]) => `"${title}" (${n} ${n === 1 ? 'image' : 'images'})`).join(', ');
  return `note: the study '${study}' came with its key object selection${flagged.size > 1 ? 's' : ''} ${list}: aeimg's viewer marks the images ` +
    'they flag (open the .aeimg parts in aeimg), and --format dcm writes them beside the images for a PACS; the PNGs written do not carry them.\n';
}

/**
 * The notes of the 16-bit PNGs written (valuesPngNote), said once at the end for the files each says the same of, by
 * name: one note for a whole run read wrong beside another kind (a signed TIFF's "+ 32768" beside a PNG's own values).
 */
/** The most 16-bit PNG notes said one by one; the others' files are named in one more. */
const NOTES_SAID = 3;

class ValuesNotes {
  private readonly names = new Map<string, string[]>();

  add(rec: ImageRecord, output: string): void {
    const note = valuesPngNote(rec);
    if (note) this.names.set(note, [...(this.names.get(note) ?? []), basename(output)]);
  }

  text(): string {
    const groups = [...this.names];
    const said = groups.slice(0, NOTES_SAID).map(([note, names]) => `note: ${someNames(names)} ${names.length > 1 ? note.replace(/^holds /, 'hold ') : note}`);
    // A PET series has a rescale per slice: one note each would bury the run's lines.
    const rest = groups.slice(NOTES_SAID).flatMap(([, names]) => names);
    if (rest.length) {
      said.push(`note: ${someNames(rest)} hold their images' values by rescales of their own, for analysis, not as pictures. To read the ` +
        'images, open the .aeimg files in aeimg; for a PACS, decrypt with --format dcm.\n');
    }
    return said.join('');
  }
}

/**
 * What is said after 16-bit PNGs of DICOM images (or of image files declared CT) are written, from "holds": they hold
 * the images' values bit for bit, which other image viewers show flat or dark (a CT's values sit at 31,000–35,000 of
 * 65,535), not the picture a reader reads; and, where it is one line, how its values give the values a reader reads
 * ("(v − 32768) − 1024 HU"). Of an image file's grey 16-bit PNG whose values stay below 16,384 (fewer bits in 16),
 * that other viewers show it dark. Undefined for any other output.
 */
function valuesPngNote(rec: ImageRecord): string | undefined {
  if (rec.bitDepth !== 16 || imageChannels(rec) !== 1) return undefined;
  const meta = dicomMetaOf(rec);
  // A CT its sender declared (0.36) is told as a DICOM CT is, with how its values give HU.
  const display = meta || rec.ctIntercept !== undefined || fileInvertedOf(rec) ? recordDisplay(rec, meta) : undefined;
  if (!display && rec.valueOffset) {
    // An image file's values below 0 (a signed TIFF, 0.35): a PNG holds none, so its samples are the values moved up.
    return `holds the image's values + ${rec.valueOffset} (the sender's ` +
      `file had values below 0, which a PNG cannot hold): in it a value v is (v − ${rec.valueOffset}). To read the images, open the ` +
      '.aeimg files in aeimg; decrypt with --format dcm for the values themselves, signed.\n';
  }
  if (!display) {
    // An image file of fewer bits in 16 (a 12-bit JPEG 2000, JPEG-LS or PNG export): its values sit at the range's
    // bottom, as they did in the sender's file (0.28); "as aeimg read them": a PNG's gamma is applied on reading (0.31).
    const top = rec.planes[0]?.[1] ?? 0;
    if (top >= 1 << 14) return undefined;
    return 'holds the image\'s values bit for bit, as aeimg read them from the sender\'s file (all below 16,384 of 65,535): other image ' +
      'viewers show it dark. To read the images, open the .aeimg files in aeimg.\n';
  }
  const { mapping: m, units } = display;
  let formula = '';
  if (m && !m.lut && (m.inverted || m.offset !== 0 || m.slope !== 1 || m.intercept !== 0)) {
    formula = ` In it a value v is ${valueFormula(m)}${units ? ` ${units}` : meta ? ' in rescaled values' : ''}.`;
  }
  // Inverted (MONOCHROME1, WhiteIsZero) samples are the image's values turned over, bit for bit: as it shows. A
  // Modality LUT's stored values are not the values a reader reads: its table gives those (0.47; was "the image's values").
  const [lo, hi] = m?.lut ? [Math.min(...m.lut.data), Math.max(...m.lut.data)] : [0, 0];
  const holds = m?.lut ? `the image's stored values bit for bit, without its Modality LUT, whose table gives the values a reader reads (${lo}–${hi})`
    : m?.inverted ? 'the image\'s values inverted (its grey is MONOCHROME1), bit for bit' : 'the image\'s values bit for bit';
  return `holds ${holds}, for analysis, not a ` +
    `picture: other image viewers show it flat or dark.${formula} To read the images, open the .aeimg files in aeimg; for a ` +
    'PACS, decrypt with --format dcm.\n';
}

/** " (frame 3)": an image that is a frame of a multi-frame DICOM file written (a cine). */
const frameNote = (frame: number | undefined) => (frame ? ` (frame ${frame})` : '');

/** Said of every --denoise output, so that it is never taken for the received image. */
const DENOISED_TEXT = 'DENOISED VIEW, not the image as sent';
/** A study says how many of its images are decoded every this many (its files appear only at the end). */
const STUDY_PROGRESS_EVERY = 100;

/** What the receiver is told of an image: the guarantee and the sender's figures, or the reduced-quality warning. */
function receivedText(rec: ImageRecord): string {
  const r = receivedSummary(rec);
  const by = r.fidelity ? ` (${figuresOrigin(r.fidelity)})` : '';
  return r.reduced ? `${r.text.toUpperCase()}${r.fidelity?.overFrame ? by : ''}` : `${r.text}${by}`;
}
