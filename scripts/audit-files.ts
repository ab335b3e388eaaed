/**
 * `npm run audit:files -- FOLDER... [--levels auto,max]`: aeimg on a department's own files (or any toolkit's test
 * files), to check before relying on it what no fixture of ours can: every DICOM and image file below the folders (a
 * CD's DICOM files without extension too) is sent at each level and received as PNG and as DICOM, and
 *  - at a level with a guarantee (the default, lossless, within-N), every received sample is within it of the file as
 *    aeimg reads it (bit-exact for DICOM);
 *  - at a network-only level, the largest error the sender was told (in stored units) is at least the largest the
 *    receiver gets, over every frame;
 *  - the DICOM written back is read again by aeimg, with as many images;
 *  - a file refused is refused by name (an AeimgError), with nothing left behind;
 *  - with `--study`, each folder's files as one study too (with the objects without an image it holds, full header,
 *    at the first level): the files sent one by one go as one study and come back with as many images, and a study
 *    with a file refused one by one stops, naming a refused file (a study is written whole or not at all), with nothing
 *    left behind.
 * With `--gdcm` (where GDCM's `gdcmconv` is installed), each compressed DICOM file is also decoded by GDCM
 * (`gdcmconv --raw`) and aeimg's reading compared with it: a difference is printed ("differs from GDCM"), not counted as
 * a failure, as GDCM is not always the right one (a JFIF photograph labelled RGB: docs/dicom.md); each one is to look at,
 * with how many values GDCM gives beyond Bits Stored, which aeimg clamps or masks (its output's Bits Stored, which GDCM
 * sets to its codestream's precision, is put back to the file's first).
 * Prints a line per file and a summary per folder given ("source"), and exits 1 on any failure: a crash, a file sent
 * that the receiver refuses, or a received image further off than the sender was told.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { NATIVE_SYNTAXES, storedRange, TransferSyntax } from '../src-main/engine/dicom/codecs.js';
import { readDicomFile } from '../src-main/engine/dicom/import.js';
import { isDicomFile } from '../src-main/engine/dicom/header.js';
import { parseDicomHeader } from '../src-main/engine/dicom/read-dataset.js';
import type { Image } from '../src-main/engine/image/image.js';
import { AeimgError } from '../src-main/engine/errors.js';
import { decryptAeimgFile } from '../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../src-main/engine/jobs/encrypt.js';
import { decryptStudy, encryptStudy } from '../src-main/engine/jobs/study.js';
import { findInputs, IMAGE_INPUT } from '../src-main/engine/jobs/files.js';
import { generateSharedKey } from '../src-main/engine/keys/keyfile.js';
import { DEFAULT_MODEL, ModelCache } from '../src-main/engine/model/autoencoder.js';
import { QUALITY_LEVELS, type Quality } from '../src-shared/quality.js';
import { inputImages, largestDifference } from './fuzz/inputs.js';
import { stringValue } from '../src-main/engine/dicom/dataset.js';

const { values, positionals: folders } = parseArgs({
  allowPositionals: true, options: { levels: { type: 'string', default: 'auto,max' }, gdcm: { type: 'boolean', default: false }, study: { type: 'boolean', default: false } },
});
const levels = values.levels.split(',') as Quality[];
if (folders.length === 0 || levels.some((l) => !(l in QUALITY_LEVELS))) {
  process.stderr.write('usage: npm run audit:files -- FOLDER... [--levels auto,max] [--gdcm] [--study] (levels: auto, lossless, within-1/2/4, max, high, medium, low)\n');
  process.exit(2);
}

const key = generateSharedKey('Audit');
const models = new ModelCache();
const model = await models.byName(DEFAULT_MODEL);
const work = await mkdtemp(join(tmpdir(), 'aeimg-audit-'));
let failed = 0;

/**
 * How aeimg's reading of a compressed DICOM file differs from GDCM's (`gdcmconv --raw`, read back by aeimg): undefined
 * where it is the same (colour within ±1: YBR conversions round apart), native, or GDCM cannot decode it.
 */
async function gdcmDifference(input: string, sent: Image[], dir: string): Promise<string | undefined> {
  const header = parseDicomHeader(new Uint8Array(await readFile(input)));
  const syntax = stringValue(header, 'x00020010');
  if (!syntax || NATIVE_SYNTAXES.has(syntax)) return undefined;
  const raw = join(dir, 'gdcm-raw.dcm');
  try {
    execFileSync('gdcmconv', ['--raw', input, raw], { stdio: 'ignore' });
  } catch {
    return `GDCM cannot decode it (${syntax})`;
  }
  const rawBytes = await readFile(raw);
  const beyond = beyondBitsStored(header, rawBytes);
  await writeFile(raw, withBitsStoredOf(header, rawBytes));
  const theirs = (await readDicomFile(raw, { maxPixels: 1 << 26, deidentify: null })).map((f) => f.image);
  await rm(raw, { force: true });
  const got = largestDifference(sent, theirs);
  if (got === 0 || (got <= 1 && sent[0]!.channels >= 3)) return undefined;
  const why = beyond ? `; GDCM gives ${beyond} values beyond Bits Stored ${header.uint16('x00280101')}, which aeimg clamps (an overshoot) or masks (high bits)` : '';
  return `differs from GDCM (${syntax}): largest difference ${got}${why}`;
}

/** How many of GDCM's raw (little-endian) samples lie outside the input's Bits Stored range. */
function beyondBitsStored(input: ReturnType<typeof parseDicomHeader>, raw: Buffer): number {
  const bits = input.uint16('x00280101') ?? 16, allocated = input.uint16('x00280100') ?? 16, signed = input.uint16('x00280103') === 1;
  const pixel = parseDicomHeader(new Uint8Array(raw)).elements.x7fe00010;
  if (!pixel || bits >= allocated || allocated !== 16) return 0;
  const [low, top] = storedRange(bits, signed);
  let n = 0;
  for (let at = pixel.dataOffset; at + 1 < pixel.dataOffset + pixel.length; at += 2) {
    const v = signed ? raw.readInt16LE(at) : raw.readUInt16LE(at);
    if (v < low || v > top) n++;
  }
  return n;
}

/**
 * GDCM's raw output with the input's Bits Stored and High Bit: GDCM writes its codestream's precision there (16 for a
 * 12-bit image it coded itself), which would make a MONOCHROME1 image's inversion, and any masking, differ from the
 * input's where the values are the same (61,440 "differences" on a GDCM-made lossless J2K of a 12-bit CR).
 */
function withBitsStoredOf(input: ReturnType<typeof parseDicomHeader>, raw: Buffer): Buffer {
  const theirs = parseDicomHeader(new Uint8Array(raw));
  if (theirs.string('x00020010')?.trim() === TransferSyntax.ExplicitBE) return raw; // GDCM writes raw little endian
  for (const tag of ['x00280101', 'x00280102']) {
    const el = theirs.elements[tag], want = input.uint16(tag);
    if (el?.length === 2 && want !== undefined) raw.writeUInt16LE(want, el.dataOffset);
  }
  return raw;
}

/** One file through every level; its failures, or why it was refused. */
async function audit(input: string, dir: string): Promise<{ refused?: string; failures: string[]; said: string[]; gdcm?: string; images?: number }> {
  const failures: string[] = [], said: string[] = [];
  const name = basename(input);
  let sent: Awaited<ReturnType<typeof inputImages>>;
  try {
    sent = await inputImages(input);
  } catch (err) {
    // aeimg does not read it: the sender must refuse it by name.
    const sender = await encryptImageFile(input, { model, recipients: [key], outDir: dir }).then(() => undefined, (e: unknown) => e);
    if (sender instanceof AeimgError && sender.message.startsWith(`${name}: `)) return { refused: sender.message, failures, said };
    return { failures: [`aeimg's reader refused it (${String(err)}), and the sender ${sender ? `failed: ${String(sender)}` : 'sent it'}`], said };
  }
  for (const quality of levels) {
    let enc;
    try {
      enc = await encryptImageFile(input, { model, recipients: [key], coding: { quality }, outDir: dir, force: true });
    } catch (err) {
      failures.push(`${quality}: the sender read it, then ${err instanceof AeimgError ? 'refused it' : 'failed'}: ${String(err)}`);
      continue;
    }
    const bound = enc.coding.maxError; // undefined: the network alone
    const told = enc.fidelity?.stored?.maxAbs;
    try {
      const png = await decryptAeimgFile(enc.output, { identities: [key], models, outDir: dir, force: true });
      const got = largestDifference(sent, png.images.map((i) => i.image));
      said.push(`${quality} (${enc.coding.quality}): largest difference ${got}${bound !== undefined ? `, bound ±${bound}` : `, told ${told ?? 'nothing'}`}`);
      if (bound !== undefined && got > bound) failures.push(`${quality}: told every sample within ±${bound}, received ${got} away`);
      if (bound === undefined && told !== undefined && got > told) failures.push(`${quality}: told a largest error of ${told} stored units, received ${got}`);
      const dcm = await decryptAeimgFile(enc.output, { identities: [key], models, outDir: dir, format: 'dcm', force: true });
      const files = [...new Set(dcm.images.map((i) => i.output!))];
      let images = 0;
      for (const f of files) images += (await readDicomFile(f, { maxPixels: 1 << 26, deidentify: null })).length;
      if (images !== dcm.images.length) failures.push(`${quality}: its DICOM output holds ${images} images, not ${dcm.images.length}`);
    } catch (err) {
      failures.push(`${quality}: sent, then the receiver: ${String(err)}`);
    }
  }
  const gdcm = values.gdcm && (await isDicomFile(input)) ? await gdcmDifference(input, sent, dir) : undefined;
  return { failures, said, images: sent.length, ...(gdcm ? { gdcm } : {}) };
}

/**
 * `--study`: the folder's files as one study (full header, the first level). Those sent one by one (`sent`, `images` in
 * all), with the folder's objects without an image (`objects`), go as one study and come back with as many images. With those
 * refused one by one (`refused`) added, the study either stops naming one of them and leaves nothing, or goes with
 * each of them set aside or carried and named to the sender (an object without an image). Its failures.
 */
async function auditStudy(objects: string[], sent: string[], images: number, refused: string[], dir: string): Promise<string[]> {
  const failures: string[] = [];
  const opts = { model, recipients: [key], name: 'audit', outDir: dir, coding: { quality: levels[0]! }, deidentify: null, measure: false };
  const unique = (paths: string[]) => [...new Set(paths)];
  if (sent.length) {
    try {
      const enc = await encryptStudy(unique([...sent, ...objects]), opts);
      await mkdir(join(dir, 'out'));
      const dec = await decryptStudy(enc.parts.map((p) => p.path), { identities: [key], models, outDir: join(dir, 'out'), format: 'png' });
      if (dec.images !== images) failures.push(`study: its ${sent.length} files sent one by one gave ${images} images, as one study ${dec.images}`);
    } catch (err) {
      failures.push(`study: its ${sent.length} files sent one by one did not go as one study: ${String(err)}`);
    }
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
  }
  const others = refused.filter((r) => !objects.includes(r));
  if (others.length) {
    const r = await encryptStudy(unique([...sent, ...others]), opts).then((ok) => ok, (e: unknown) => e as Error);
    if (r instanceof Error) {
      if (!(r instanceof AeimgError && others.some((o) => r.message.startsWith(`${basename(o)}: `)))) failures.push(`study: stopped without naming a file refused one by one: ${String(r)}`);
      const left = await readdir(dir);
      if (left.length) failures.push(`study: stopped, but left ${left.join(', ')} behind`);
    } else {
      const named = new Set([...r.notImages.map((n) => n.path), ...r.carriedObjects.map((c) => c.path)]);
      const unnamed = others.filter((o) => !named.has(o));
      if (unnamed.length) failures.push(`study: written without ${unnamed.map((u) => basename(u)).join(', ')}, refused one by one, and without naming it to the sender`);
    }
  }
  return failures;
}

try {
  for (const folder of folders) {
    // One walk: the files sent one by one, and the objects without an image that only a study takes (--study).
    const all = await findInputs([folder], IMAGE_INPUT, isDicomFile, { objects: true });
    const found = all.filter((f) => !f.object);
    const tally = { files: found.length, sent: 0, refused: 0, failed: 0, gdcm: 0 };
    const study = { sent: [] as string[], images: 0, refused: [] as string[] };
    for (const [k, { path }] of found.entries()) {
      const dir = join(work, String(k));
      await mkdir(dir);
      const r = await audit(path, dir);
      const label = relative(folder, path) || basename(path);
      if (r.refused) {
        tally.refused++;
        const left = (await readdir(dir)).length;
        if (left) { r.failures.push(`refused, but left ${left} file(s) behind`); tally.refused--; }
        else process.stdout.write(`${label}: refused: ${r.refused.slice(basename(path).length + 2)}\n`);
      }
      if (r.failures.length) {
        tally.failed++;
        for (const f of r.failures) process.stdout.write(`${label}: FAIL ${f}\n`);
      } else if (!r.refused) {
        tally.sent++;
        study.sent.push(path);
        study.images += r.images ?? 0;
        process.stdout.write(`${label}: ${r.said.join('; ')}\n`);
      }
      if (r.refused && !r.failures.length) study.refused.push(path);
      if (r.gdcm) {
        tally.gdcm++;
        process.stdout.write(`${label}: ${r.gdcm}\n`);
      }
      await rm(dir, { recursive: true, force: true });
    }
    if (values.study) {
      const dir = join(work, 'study');
      await mkdir(dir);
      const failures = await auditStudy(all.flatMap((f) => (f.object ? [f.path] : [])), study.sent, study.images, study.refused, dir);
      for (const f of failures) process.stdout.write(`${folder}: FAIL ${f}\n`);
      if (!failures.length) {
        process.stdout.write(`${folder}: as one study, its ${study.sent.length} files sent one by one went and came back with their ${study.images} images` +
          `${study.refused.length ? `; with those refused one by one, it stopped naming one (nothing left) or went without each, naming it` : ''}\n`);
      }
      if (failures.length) tally.failed++;
      await rm(dir, { recursive: true, force: true });
    }
    failed += tally.failed;
    process.stdout.write(`${folder}: ${tally.files} files, ${tally.sent} sent and received within what the sender was told at ${levels.join(', ')}, ` +
      `${tally.refused} refused by name, ${tally.failed} failures${values.gdcm ? `, ${tally.gdcm} read otherwise by GDCM (or not at all)` : ''}\n`);
  }
  process.exitCode = failed === 0 ? 0 : 1;
} finally {
  await models.dispose();
  await rm(work, { recursive: true, force: true });
}
