/**
 * Damaged and odd inputs through the whole journey: a DICOM fixture's header bytes mutated (flipped bytes, 16-bit
 * values, lengths, truncation) or its attributes given odd values (empty, negative, huge, not numbers, too long,
 * ACR-NEMA dates, several values); an image file (JPEG, PNG, TIFF, WebP, BMP, GIF) with bytes flipped, zeroed or cut anywhere.
 * Each is sent, and what was sent received as PNG and as DICOM and described as the viewer describes it. Every input
 * must either go through all of that, the received image within what the sender was told of the input as aeimg read
 * it, or be refused by the sender with an AeimgError naming it, leaving nothing behind: never a crash, never a file
 * that the receiver then refuses, never a received image further from the input than the sender was told.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import dcmjs from 'dcmjs';
import sharp, { type Sharp } from 'sharp';
import { readDicomFile } from '../../src-main/engine/dicom/import.js';
import { isDicomFile } from '../../src-main/engine/dicom/header.js';
import type { Image } from '../../src-main/engine/image/image.js';
import { pngChunk, pngChunks } from '../../src-main/engine/image/png-chunks.js';
import { readImagePages } from '../../src-main/engine/image/io.js';
import { dictionaryVr } from '../../src-main/engine/dicom/dataset.js';
import { AeimgError } from '../../src-main/engine/errors.js';
import { decryptAeimgFile } from '../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import { describeImage } from '../../src-main/engine/jobs/view.js';
import type { SharedKey } from '../../src-main/engine/keys/recipients.js';
import { cmykTiffOf, tiffOf } from './tiff.js';
import type { Autoencoder, ModelCache } from '../../src-main/engine/model/autoencoder.js';

/** Small fixtures of every kind of pixel data (tests/fixtures/dicom). */
export const DICOM_FUZZ_FILES = ['palette_segmented_16bit.dcm', 'enhanced_mr_3frame_functional_groups.dcm', 'lut_modality_voi_overlay.dcm',
  'cr_16x16_monochrome1.dcm', 'jls_rgb_near2_ilv0_nopreamble.dcm', 'sc_rgb_rle_16bit.dcm', 'jls_rgb_ilv1.dcm', 'ct_head_512_j2k_lossy.dcm',
  'htj2k_rgb_lossy.dcm', 'seg_liver_1bit_3frame_deflated.dcm', 'mr_small_j2k_lossless.dcm', 'mr_small_jpegls_lossless.dcm', 'mr_small_rle.dcm',
  'mr_small_implicit_le.dcm', 'mr_small_explicit_be.dcm', 'nm_bone_jpeg_extended_12bit.dcm', 'us_rgb_explicit_be.dcm'];

/** Attributes whose values aeimg reads or writes back: geometry, values, windows, timing, identity, text. */
const TAGS = ['00280030', '00181164', '00281050', '00281051', '00281052', '00281053', '00281054', '00281055', '00080060', '00200032', '00200037',
  '00181063', '00181065', '00082144', '00180040', '00280034', '00200013', '00200011', '0020000E', '00080018', '00080020', '00080030', '0008103E',
  '00541001', '00280301', '00080016', '00280008', '00180050', '00201041', '00280120', '00100010', '00080005'];
const VALUES: unknown[][] = [[], [''], ['abc'], [0], [-1], [1e308], ['1e400'], ['NaN'], [1, 2, 3, 4, 5], ['-0'], ['  7  '], [65536], ['0\\0'],
  [`1.2.${'3.'.repeat(40)}4`], ['x'.repeat(300)], [0.0001], [-1024], ['2024.01.31'], ['10:11:12']];


export interface ApngFrame { png: Buffer; x?: number; y?: number; delayMs?: number; dispose?: number; blend?: number }

/**
 * An APNG as the specification lays it out: the first frame's PNG chunks (its IHDR at the canvas size), acTL, then
 * per frame fcTL and its data (IDAT for the first, the default image; fdAT after). `declared` overrides acTL's count.
 */
export function animatedPng(frames: ApngFrame[], canvas?: { width: number; height: number }, declared = frames.length): Buffer {
  const parts: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  let sequence = 0;
  for (const [i, f] of frames.entries()) {
    const chunks = [...pngChunks(f.png)].map(({ type, data }) => ({ type, data: Buffer.from(data!) }));
    const ihdr = chunks[0]!.data;
    const fctl = Buffer.alloc(26);
    fctl.writeUInt32BE(sequence++, 0);
    fctl.writeUInt32BE(ihdr.readUInt32BE(0), 4);
    fctl.writeUInt32BE(ihdr.readUInt32BE(4), 8);
    fctl.writeUInt32BE(f.x ?? 0, 12);
    fctl.writeUInt32BE(f.y ?? 0, 16);
    fctl.writeUInt16BE(f.delayMs ?? 100, 20);
    fctl.writeUInt16BE(1000, 22);
    fctl[24] = f.dispose ?? 0;
    fctl[25] = f.blend ?? 0;
    const idat = Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data));
    if (i === 0) {
      const head = Buffer.from(ihdr);
      if (canvas) { head.writeUInt32BE(canvas.width, 0); head.writeUInt32BE(canvas.height, 4); }
      const actl = Buffer.alloc(8);
      actl.writeUInt32BE(declared, 0);
      parts.push(pngChunk('IHDR', head), ...chunks.filter((c) => !['IHDR', 'IDAT', 'IEND'].includes(c.type)).map((c) => pngChunk(c.type, c.data)),
        pngChunk('acTL', actl), pngChunk('fcTL', fctl), pngChunk('IDAT', idat));
    } else {
      const seq = Buffer.alloc(4);
      seq.writeUInt32BE(sequence++, 0);
      parts.push(pngChunk('fcTL', fctl), pngChunk('fdAT', Buffer.concat([seq, idat])));
    }
  }
  parts.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(parts);
}

/**
 * A 3-frame animated PNG of the slice, grey with alpha (every frame of one layout, as APNG requires): itself, its
 * negative (then put back), a 40x30 part of it flipped and 60% opaque blended over.
 */
async function animatedLoop(small: () => ReturnType<typeof sharp>): Promise<Buffer> {
  const ga = (s: ReturnType<typeof sharp>, alpha = 1) => s.toColourspace('b-w').ensureAlpha(alpha).png().toBuffer();
  const [first, negative, part] = await Promise.all([ga(small()), ga(small().negate({ alpha: false })),
    ga(sharp(await small().extract({ left: 10, top: 20, width: 40, height: 30 }).flip().toBuffer()), 0.6)]);
  return animatedPng([{ png: first, delayMs: 40 }, { png: negative, delayMs: 40, dispose: 2 }, { png: part, x: 30, y: 25, blend: 1, delayMs: 80 }]);
}

/**
 * Image files as a department exports them, from a slice (PNG, in tests/fixtures/slices): JPEG baseline, progressive and
 * 4:2:0, PNG 8/16-bit, an animated PNG, TIFF (8-bit, and since 0.35 signed 16-bit and float), WebP, GIF; and the BMP fixtures beside it (tests/fixtures/bmp: 8-bit palette, RLE8, 4-bit, 32-bit
 * with alpha), which sharp does not write, and an ImageJ TIFF of a CT (tests/fixtures/imagej).
 */
export async function imageFuzzFiles(slice: string, dir: string): Promise<string[]> {
  const bmp = (name: string) => readFile(join(dirname(slice), '..', 'bmp', name));
  const small = () => sharp(slice).resize(96, 80);
  const made: [string, Promise<Buffer>][] = [
    ['baseline.jpg', small().jpeg({ quality: 75 }).toBuffer()],
    ['progressive.jpg', small().jpeg({ quality: 80, progressive: true }).toBuffer()],
    ['colour420.jpg', small().toColourspace('srgb').jpeg({ quality: 90, chromaSubsampling: '4:2:0' }).toBuffer()],
    ['grey8.png', small().png().toBuffer()],
    ['grey16.png', small().toColourspace('grey16').png().toBuffer()],
    ['page.tif', small().tiff().toBuffer()],
    // Signed and float samples (image/whole-values.ts): whole numbers go as 16-bit; a flipped byte may make one negative or a fraction.
    ['signed16.tif', greySamples(small).then(({ values, width, height }) => tiffOf([Int16Array.from(values, (v) => v * 10 - 1024)], width, height))], // a CT's HU
    ['float.tif', greySamples(small).then(({ values, width, height }) => tiffOf([Float32Array.from(values, (v) => v * 4)], width, height))],
    // Print colours (0.37): read as the RGB viewers show, 8 bits a channel.
    ['cmyk16.tif', greySamples(small).then(({ values, width, height }) => cmykTiffOf(Uint16Array.from({ length: values.length * 4 }, (_, i) => values[i >> 2]! * (i % 4 + 60)), width, height))],
    ['lossless.webp', small().webp({ lossless: true }).toBuffer()],
    ['lossy.webp', small().webp({ quality: 70 }).toBuffer()],
    ['palette.gif', small().gif().toBuffer()],
    ['loop.png', animatedLoop(small)],
    ...['grey8.bmp', 'grey-rle8.bmp', 'pal4.bmp', 'rgba32.bmp'].map((name): [string, Promise<Buffer>] => [name, bmp(name)]),
    // An ImageJ TIFF of a signed CT (0.39): its calibration and DICOM header, which say its HU, in its description and IJMetadata.
    ['imagej-ct.tif', readFile(join(dirname(slice), '..', 'imagej', 'ct_small_signed.tif'))],
  ];
  return Promise.all(made.map(async ([name, bytes]) => { const path = join(dir, name); await writeFile(path, await bytes); return path; }));
}

/** The slice's grey samples, as the sizes `small` makes it. */
async function greySamples(small: () => Sharp): Promise<{ values: Uint8Array; width: number; height: number }> {
  const { data, info } = await small().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { values: new Uint8Array(data.buffer, data.byteOffset, info.width * info.height), width: info.width, height: info.height };
}

/** Bytes anywhere in an image file flipped, zeroed or cut. */
function mutateAnywhere(bytes: Buffer, r: ReturnType<typeof random>): { data: Buffer; mutation: string } {
  const m = Buffer.from(bytes);
  const at = Math.floor(r.next() * m.length);
  const kind = r.pick(['flip', 'flip', 'zero', 'truncate'] as const);
  if (kind === 'flip') for (let j = 0; j < 1 + Math.floor(r.next() * 3); j++) m[Math.floor(r.next() * m.length)] = Math.floor(r.next() * 256);
  if (kind === 'zero') m.fill(0, at, Math.min(m.length, at + 1 + Math.floor(r.next() * 64)));
  return kind === 'truncate' ? { data: m.subarray(0, at), mutation: `cut at ${at}` } : { data: m, mutation: `${kind} at ${at}` };
}

/** The input's images as aeimg reads them (a DICOM file's frames, with or without `.dcm`, as the sender tells; an image file's pages). */
export const inputImages = async (path: string): Promise<Image[]> =>
  ((await isDicomFile(path)) ? (await readDicomFile(path, { maxPixels: 1 << 26, deidentify: null })).map((f) => f.image) : readImagePages(path));

/** The largest difference of any sample between two lists of images (Infinity where their shapes differ). */
export function largestDifference(a: Image[], b: Image[]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (const [k, x] of a.entries()) {
    const y = b[k]!;
    if (x.pixels.length !== y.pixels.length) return Infinity;
    for (let i = 0; i < x.pixels.length; i++) worst = Math.max(worst, Math.abs(x.pixels[i]! - y.pixels[i]!));
  }
  return worst;
}

export interface FuzzReport { inputs: number; sent: number; refused: number; failures: { mutation: string; problem: string }[] }

/** A seeded generator (the same seed gives the same mutations). */
function random(seed: number) {
  let s = seed;
  const next = () => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s / 0x7fffffff; };
  return { next, pick: <T>(a: readonly T[]) => a[Math.floor(next() * a.length)]! };
}

/** The file with header bytes mutated (before its Pixel Data), or cut short. */
function mutateBytes(bytes: Buffer, r: ReturnType<typeof random>): { data: Buffer; mutation: string } {
  const end = Math.min(bytes.length, Math.max(200, bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])) + 16));
  const m = Buffer.from(bytes);
  const at = Math.floor(r.next() * end);
  const kind = r.pick(['flip', 'flip', 'uint16', 'length', 'truncate'] as const);
  if (kind === 'flip') for (let j = 0; j < 1 + Math.floor(r.next() * 4); j++) m[Math.floor(r.next() * end)] = Math.floor(r.next() * 256);
  if (kind === 'uint16') m.writeUInt16LE(r.pick([0, 1, 2, 3, 16, 17, 32, 0x7fff, 0x8000, 0xffff]), Math.min(at, m.length - 2));
  if (kind === 'length') m.writeUInt32LE(r.pick([0, 1, 7, 1 << 20, 0x7fffffff, 0xffffffff]), Math.min(at, m.length - 4));
  if (kind === 'truncate') return { data: m.subarray(0, at), mutation: `cut at ${at}` };
  return { data: m, mutation: `${kind} at ${at}` };
}

/** The file with one to three attributes given odd values (rewritten by dcmjs). */
function mutateValues(bytes: Buffer, r: ReturnType<typeof random>): { data: Buffer; mutation: string } | undefined {
  let dict: { dict: Record<string, { vr: string; Value: unknown[] }>; write: (o: object) => ArrayBuffer };
  try {
    dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer) as unknown as typeof dict;
  } catch {
    return undefined; // dcmjs does not read every fixture (odd fragments); byte mutations cover those
  }
  const said: string[] = [];
  for (let j = 0; j < 1 + Math.floor(r.next() * 3); j++) {
    const tag = r.pick(TAGS);
    const vr = dictionaryVr(tag) ?? 'LO';
    const chosen = r.pick(VALUES);
    const values = ['US', 'SS', 'UL', 'SL', 'FL', 'FD'].includes(vr)
      ? chosen.filter((v) => typeof v === 'number').map((v) => (vr === 'US' ? Math.abs(Math.trunc(v as number)) % 65536 : v))
      : chosen.map(String);
    dict.dict[tag] = { vr, Value: vr === 'PN' ? values.map((v) => ({ Alphabetic: v })) : values };
    said.push(`${tag}=${JSON.stringify(values).slice(0, 40)}`);
  }
  try {
    return { data: Buffer.from(dict.write({ allowInvalidVRLength: true })), mutation: said.join(' ') };
  } catch {
    return undefined;
  }
}

/**
 * `count` mutated inputs of `files` (paths; DICOM: byte and value mutations alternating), each sent with `key` and
 * `model` and received with `models`, in folders below `dir`.
 */
export async function fuzzInputs(files: string[], count: number, seed: number, dir: string,
  ctx: { model: Autoencoder; models: ModelCache; key: SharedKey }): Promise<FuzzReport> {
  const r = random(seed);
  const report: FuzzReport = { inputs: 0, sent: 0, refused: 0, failures: [] };
  for (let k = 0; k < count; k++) {
    const path = r.pick(files);
    const name = path.split(/[\\/]/).pop()!;
    const bytes = await readFile(path);
    const mutated = !name.endsWith('.dcm') ? mutateAnywhere(bytes, r) : k % 2 === 0 ? mutateBytes(bytes, r) : mutateValues(bytes, r);
    if (!mutated) continue;
    report.inputs++;
    const sub = join(dir, String(k));
    await mkdir(join(sub, 'received'), { recursive: true });
    const input = join(sub, name);
    await writeFile(input, mutated.data);
    const mutation = `${name}: ${mutated.mutation}`;
    let sent: { output: string; maxError?: number } | undefined;
    try {
      const enc = await encryptImageFile(input, { model: ctx.model, recipients: [ctx.key], measure: r.next() < 0.25 });
      sent = { output: enc.output, maxError: enc.coding.maxError };
    } catch (err) {
      if (!(err instanceof AeimgError) || !err.message.startsWith(`${name}: `)) report.failures.push({ mutation, problem: `sender: ${String(err)}` });
      else if ((await readdir(sub)).some((f) => f !== name && f !== 'received')) report.failures.push({ mutation, problem: 'the sender left a file behind' });
      else report.refused++;
    }
    if (sent) {
      try {
        for (const format of ['png', 'dcm'] as const) {
          const dec = await decryptAeimgFile(sent.output, { identities: [ctx.key], models: ctx.models, outDir: join(sub, 'received'), format, force: true });
          dec.images.forEach((im, i) => describeImage(im.record, im.image, i));
          const told = sent.maxError;
          const differs = format === 'png' && told !== undefined ? largestDifference(await inputImages(input), dec.images.map((i) => i.image)) : 0;
          if (differs > told!) report.failures.push({ mutation, problem: `told every pixel within ±${told}, received ${differs} away from the input as aeimg reads it` });
        }
        report.sent++;
      } catch (err) {
        report.failures.push({ mutation, problem: `sent, then the receiver: ${String(err)}` });
      }
    }
    await rm(sub, { recursive: true, force: true });
  }
  return report;
}
