/**
 * A compressed DICOM frame, or a JPEG file, goes as its file held it when that is smaller than aeimg's coding (aeimg
 * 0.9): a lossily compressed CT that became 27 times larger as "bit-exact" goes at its own size, bit-exact, whatever
 * the level; what its codestream carries besides the image (comments, EXIF) does not travel; a damaged kept frame is
 * refused.
 */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeKeptFrame, keepFrame } from '../../../src-main/engine/codec/kept-frame.js';
import { validateImageRecord, type ImageRecord } from '../../../src-main/engine/codec/record.js';
import { EntryCodec } from '../../../src-main/engine/container/entries.js';
import { cleanCodestream, decodeCodestream } from '../../../src-main/engine/dicom/codestream.js';
import { TransferSyntax } from '../../../src-main/engine/dicom/codecs.js';
import { decodeFrameData, encapsulatedFrameData, parseDicom } from '../../../src-main/engine/dicom/parse.js';
import { pixelCheck } from '../../../src-main/engine/codec/refinement-layer.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { storedToImage } from '../../../src-main/engine/dicom/stored-image.js';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import { decodeImage } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptFiles, encryptFiles } from '../../../src-main/engine/jobs/batch.js';
import { decryptStudy, encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import type { Quality } from '../../../src-shared/quality.js';
import { CT_SLICE, defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

const DIR = join(FIXTURES, 'dicom');
const key = generateSharedKey('Radiology A');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

const read = async (file: string) => (await readDicomFile(join(DIR, file), { maxPixels: 1 << 26, deidentify: null }))[0]!;
const samplesOf = (img: { pixels: Uint8Array | Uint16Array }) => Buffer.from(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength);

async function through(file: string, quality: Quality) {
  const dir = await tempDir();
  await copyFile(join(DIR, file), join(dir, file));
  const enc = await encryptImageFile(join(dir, file), { model, recipients: [key], coding: { quality } });
  await mkdir(join(dir, 'received'));
  const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'received') });
  return { enc, dec, received: await decodeImage(await readFile(dec.images[0]!.output!)) };
}

/** A JPEG-family codestream with `segments` put in after SOI (each: marker byte, payload). */
function withSegments(data: Uint8Array, segments: [number, string][]): Uint8Array {
  const extra = segments.map(([marker, text]) => {
    const body = Buffer.from(text, 'latin1');
    return Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
  });
  return Buffer.concat([data.subarray(0, 2), ...extra, data.subarray(2)]);
}

describe('kept DICOM frames', () => {
  it('a lossily compressed CT goes at its own size, bit-exact, at the default level and at max', async () => {
    const original = await read('ct_head_512_j2k_lossy.dcm');
    const dicomBytes = (await stat(join(DIR, 'ct_head_512_j2k_lossy.dcm'))).size;
    for (const quality of ['auto', 'max'] as const) {
      const { enc, dec, received } = await through('ct_head_512_j2k_lossy.dcm', quality);
      expect(enc.coding).toMatchObject({ quality: 'lossless', kept: 'JPEG 2000' });
      expect(enc.reduced).toBe(false);
      expect(enc.fidelity?.exact).toBe(true);
      // 0.8 wrote 93.5 KB (its decoded samples, lossless) at the default level and 9.7 KB, reduced quality, at max.
      expect(enc.outputBytes).toBeLessThan(dicomBytes);
      expect(dec.images[0]!.record.codestream?.syntax).toBe(TransferSyntax.J2k);
      expect(samplesOf(received).equals(samplesOf(original.image))).toBe(true);
      // "Bit-exact" is to the sender's file, which had lost information before: the reader is told so.
      expect(receivedSummary(dec.images[0]!.record).text).toBe('bit-exact; the sender\'s DICOM file was itself lossy-compressed (JPEG 2000)');
    }
  });

  it('--format dcm writes a kept frame as its own data in its transfer syntax, not 512 KB of native samples', async () => {
    const dir = await tempDir();
    await copyFile(join(DIR, 'ct_head_512_j2k_lossy.dcm'), join(dir, 'ct.dcm'));
    const enc = await encryptImageFile(join(dir, 'ct.dcm'), { model, recipients: [key], measure: false });
    await mkdir(join(dir, 'out'));
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: join(dir, 'out'), format: 'dcm' });
    const written = dec.images[0]!.output!;
    expect((await stat(written)).size).toBeLessThan(8 * 1024);
    const again = (await readDicomFile(written, { maxPixels: 1 << 26, deidentify: null }))[0]!;
    expect(again.dicom.pixel.syntax).toBe(TransferSyntax.J2k);
    expect(samplesOf(again.image).equals(samplesOf((await read('ct_head_512_j2k_lossy.dcm')).image))).toBe(true);
  });

  it('a study at max whose first slice is kept and whose next carries a latent is written and read', async () => {
    // 0.9 before this was fixed: the part, opened for the kept slice, named no model, and the latent slice stopped the
    // study ("an image with a latent in a file created without a model").
    const dir = await tempDir();
    // Series 4 and 2: the study puts the kept slice (series 2) first.
    const paths = ['ct_head_512_j2k_lossless.dcm', 'ct_head_512_j2k_lossy.dcm'].map((f) => join(DIR, f));
    const study = await encryptStudy(paths, { model, recipients: [key], name: 'mixed', outDir: dir, coding: { quality: 'max' }, measure: false });
    const records: ImageRecord[] = [];
    await mkdir(join(dir, 'out'));
    await decryptStudy(study.parts.map((p) => p.path), {
      identities: [key], models: models(), outDir: join(dir, 'out'), format: 'png', onImage: (_i, r) => records.push(r),
    });
    expect(records.map((r) => [r.codestream !== undefined, r.latent !== undefined])).toEqual([[true, false], [false, true]]);
  });

  it('palette colour frames go as their own data with the palette: half the size of 0.8\'s RGB coding', async () => {
    const file = 'us_palette_rle_10frame.dcm';
    const dir = await tempDir();
    await copyFile(join(DIR, file), join(dir, file));
    const enc = await encryptImageFile(join(dir, file), { model, recipients: [key], measure: false });
    expect(enc.coding).toMatchObject({ quality: 'lossless', kept: 'RLE Lossless' });
    // 0.8: 931.6 KB (three 8-bit planes per frame) for this 472 KB file.
    expect(enc.outputBytes).toBeLessThan((await stat(join(DIR, file))).size * 1.1);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), write: false });
    const originals = await readDicomFile(join(DIR, file), { maxPixels: 1 << 26, deidentify: null });
    expect(dec.images).toHaveLength(10);
    for (const [k, got] of dec.images.entries()) {
      expect(got.record.codestream?.palette?.map((t) => t.table.length)).toEqual([256, 256, 256]);
      expect(new EntryCodec().encode(got.record)[0]).toBe(2); // binary, palette included
      expect(samplesOf(got.image).equals(samplesOf(originals[k]!.image))).toBe(true);
    }
  });

  it('--recode codes the frame with aeimg, as 0.8 did (for receivers before 0.9)', async () => {
    const dir = await tempDir();
    await copyFile(join(DIR, 'ct_head_512_j2k_lossy.dcm'), join(dir, 'ct.dcm'));
    const enc = await encryptImageFile(join(dir, 'ct.dcm'), { model, recipients: [key], coding: { quality: 'auto', recode: true }, measure: false });
    expect(enc.coding.kept).toBeUndefined();
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), write: false });
    expect(dec.images[0]!.record.codestream).toBeUndefined();
    expect(samplesOf(dec.images[0]!.image).equals(samplesOf((await read('ct_head_512_j2k_lossy.dcm')).image))).toBe(true);
  });

  it('a frame that aeimg codes smaller is coded by aeimg', async () => {
    const { enc, dec } = await through('ct_head_512_j2k_lossless.dcm', 'auto');
    expect(enc.coding.kept).toBeUndefined();
    expect(dec.images[0]!.record.codestream).toBeUndefined();
    expect(dec.images[0]!.record.refinement?.coding).toBe('wp2');
    expect(receivedSummary(dec.images[0]!.record).text).toBe('bit-exact'); // a lossless source
  });

  it('a frame aeimg before 0.15 decodes to other values is kept saying so: 0.14 asks for an update instead of refusing its pixels', async () => {
    // A lossless JPEG with a point transform, JPEG 2000 values clamped, an RGB JPEG without colour markers: 0.14 read
    // them to a quarter of their values, overshoots masked, false colours. Kept (a lossy J2K series keeps its size) with
    // `reading: 15`, an extension tag 0.9–0.14 do not know ("update aeimg"); the others as before, with no such tag.
    for (const [file, reading] of [['jpeg_lossless_sv1_pt2_mr_small.dcm', 15], ['jpeg_lossless_sv7_pt3_rgb.dcm', 15], ['xa_4frame_jpeg_lossless.dcm', undefined],
      ['j2k_lossy_precision16_stored12.dcm', 15], ['j2k_lossy_signed_stored12.dcm', 15], ['ct_head_512_j2k_lossy.dcm', undefined],
      ['jpeg_rgb_no_colour_markers.dcm', 15], ['jpeg_jfif_labelled_rgb.dcm', undefined]] as const) {
      const { image, frame } = await read(file);
      const { record, blobs } = (await keepFrame(image, file, frame!, Infinity))!;
      expect(record.codestream!.reading, file).toBe(reading);
      const bytes = new EntryCodec().encode(record);
      const back = new EntryCodec().decode(bytes) as unknown as ImageRecord;
      expect(back.codestream!.reading, file).toBe(reading);
      expect(Array.from((await decodeKeptFrame(back, blobs[2]!)).pixels), file).toEqual(Array.from(image.pixels));
      // The tag is the extension block's last: a reader that does not know it (tag 3 read as 9 here) asks for an update.
      if (reading) {
        const newer = Buffer.from(bytes);
        newer[newer.length - 3] = 9;
        expect(() => new EntryCodec().decode(newer), file).toThrow(/update aeimg/);
      }
    }
  });

  it('a JPEG 2000 frame kept by a sender before 0.15, which masked values beyond Bits Stored, shows what that sender read', async () => {
    const { image, frame } = await read('j2k_lossy_precision16_stored12.dcm');
    const { record: current, blobs } = (await keepFrame(image, 'x.dcm', frame!, Infinity))!;
    const { reading: _, ...layout } = current.codestream!;
    const record = { ...current, codestream: layout }; // as 0.14 wrote it: no `reading`
    const info = { ...frame!.layout, rows: image.height, columns: image.width };
    const masked = await decodeFrameData(frame!.layout.syntax, blobs[2]!, info, 'the frame', { legacy: true });
    const wrapped = Array.from(masked).filter((v, i) => v !== image.pixels[i]);
    expect(wrapped.length).toBe(670); // GDCM's values above 4095, where 0.15 reads 4095
    expect(Math.max(...wrapped)).toBeLessThan(2048); // wrapped dark (4244 read as 148)
    const before = { ...record, refinement: { ...record.refinement!, sha256: pixelCheck({ ...image, pixels: Uint16Array.from(masked) }) } };
    expect(Array.from((await decodeKeptFrame(before, blobs[2]!)).pixels)).toEqual(Array.from(masked));
    expect(Array.from((await decodeKeptFrame(record, blobs[2]!)).pixels)).toEqual(Array.from(image.pixels)); // 0.15's own
    // A record that says it was read as 0.15 reads is never read the older way: altered pixels are refused.
    await expect(decodeKeptFrame({ ...before, codestream: current.codestream }, blobs[2]!)).rejects.toThrow(/pixel check/);
  });

  it('a near-lossless JPEG-LS frame whose values 0.16 clamps goes as samples: every receiver reads what the sender read', async () => {
    // GDCM codes a 12-bit image at precision 16: 4095 comes back as 4098, −2048 as −2051; receivers before 0.16 mask
    // such values (4098 → 2), so the frame goes as its clamped samples, bit-exact, not as its codestream.
    for (const file of ['jls_near3_precision16_stored12.dcm', 'jls_near3_signed_precision16_stored12.dcm']) {
      const { image, frame } = await read(file);
      expect(frame, file).toBeUndefined();
      const { enc, dec, received } = await through(file, 'auto');
      expect(enc.coding.kept, file).toBeUndefined();
      expect(dec.images[0]!.record.codestream, file).toBeUndefined();
      expect(samplesOf(received).equals(samplesOf(image)), file).toBe(true);
    }
    // A near-lossless frame with nothing to clamp is kept as before.
    expect((await read('jls_rgb_near2_ilv0_nopreamble.dcm')).frame?.layout.syntax).toBe(TransferSyntax.JpegLsNear);
  });

  it('retired progressive and spectral-selection JPEG (dcmtk writes them) go as samples, bit-exact, said to be lossy', async () => {
    for (const file of ['jpeg_progressive_rgb_retired.dcm', 'jpeg_spectral_12bit_mr_small_retired.dcm']) {
      const { image } = await read(file); // its values: syntaxes.test.ts, against dcmtk's
      const { enc, dec, received } = await through(file, 'auto');
      expect(enc.coding.kept, file).toBeUndefined(); // not kept: receivers before 0.16 do not decode these syntaxes
      expect(dec.images[0]!.record.codestream, file).toBeUndefined();
      expect(samplesOf(received).equals(samplesOf(image)), file).toBe(true);
      expect(receivedSummary(dec.images[0]!.record).text, file).toMatch(/^bit-exact; the sender's DICOM file was itself lossy-compressed/);
    }
  });

  it('a JPEG-LS frame kept by a sender before 0.16, which masked values beyond Bits Stored, shows what that sender read', async () => {
    const file = 'jls_near3_signed_precision16_stored12.dcm';
    const bytes = new Uint8Array(await readFile(join(DIR, file)));
    const parsed = parseDicom(bytes, 1 << 26);
    const data = encapsulatedFrameData(parsed, 0);
    const { image } = await read(file);
    const layout = { syntax: parsed.info.syntax, photometric: 'MONOCHROME2', samplesPerPixel: 1, bitsAllocated: 16, bitsStored: 12, signed: true, planarConfiguration: 0 };
    const masked = await decodeFrameData(layout.syntax, data, parsed.info, 'the frame', { legacy: true });
    const clamped = await decodeFrameData(layout.syntax, data, parsed.info);
    const wrapped = Array.from(masked).filter((v, i) => v !== clamped[i]);
    expect(wrapped.length).toBe(85); // dcmtk's and GDCM's values beyond −2048..2047, where 0.16 reads −2048 and 2047
    expect(Math.min(...wrapped.map(Math.abs))).toBeGreaterThan(2040); // each wrapped to the other end (−2051 read as +2045)
    const { record } = (await keepFrame(image, file, { layout, data }, Infinity))!;
    const asWas = storedToImage(layout, image.width, image.height, masked).image;
    const before = { ...record, refinement: { ...record.refinement!, sha256: pixelCheck(asWas) } }; // as 0.15 wrote it
    expect(samplesOf(await decodeKeptFrame(before, Buffer.from(cleanCodestream(layout.syntax, data)!)))).toEqual(samplesOf(asWas));
  });

  it('a JPEG file goes as its own data, bit-exact, where that is smaller than within ±1; not when EXIF rotates it', async () => {
    const dir = await tempDir();
    const jpeg = await sharp(CT_SLICE).jpeg({ quality: 75 }).withMetadata({ exif: { IFD0: { Make: 'ScannerCo' } } }).toBuffer();
    await writeFile(join(dir, 'ct.jpg'), jpeg);
    await writeFile(join(dir, 'turned.jpg'), await sharp(CT_SLICE).jpeg({ quality: 75 }).withMetadata({ orientation: 6 }).toBuffer());
    const enc = await encryptFiles([join(dir, 'ct.jpg'), join(dir, 'turned.jpg')], { model, recipients: [key] });
    const [kept, turned] = enc.done;
    expect(kept!.coding).toMatchObject({ quality: 'lossless', kept: 'JPEG' });
    expect(kept!.outputBytes).toBeLessThan(jpeg.length + 400); // 0.8 coded it within ±1, 6.3 KB for a 5.0 KB JPEG
    expect(turned!.coding).toEqual({ quality: 'within-1', maxError: 1 });
    const back = await decryptFiles(enc.done.map((r) => r.output), { identities: [key], models: models(), outDir: dir });
    const [got, gotTurned] = await Promise.all(back.done.map(async (r) => decodeImage(await readFile(r.images[0]!.output!))));
    expect(samplesOf(got!).equals(samplesOf(await decodeImage(jpeg)))).toBe(true);
    expect(back.done[0]!.images[0]!.record.codestream?.syntax).toBe(TransferSyntax.JpegBaseline);
    expect([gotTurned!.width, gotTurned!.height]).toEqual([256, 256]);
  });

  it('JPEG comments and application data do not travel; what decoding needs stays', async () => {
    const frame = (await read('nm_bone_jpeg_extended_12bit.dcm')).frame!;
    const marked = withSegments(frame.data, [[0xfe, 'Doe^John 1961'], [0xe1, 'Exif\0\0Doe^John'], [0xee, 'Adobe\0\x64\0\0\0\0\0']]);
    const clean = cleanCodestream(frame.layout.syntax, marked)!;
    expect(Buffer.from(clean).includes('Doe^John')).toBe(false);
    expect(Buffer.from(clean).includes('Adobe')).toBe(true);
    const { image } = await read('nm_bone_jpeg_extended_12bit.dcm');
    const decoded = await decodeCodestream(frame.layout, image.width, image.height, clean);
    expect(samplesOf(decoded).equals(samplesOf(image))).toBe(true);
    // A comment after the first scan cannot be taken out of the coded data: such a frame is coded by aeimg.
    const late = Buffer.concat([frame.data.subarray(0, frame.data.length - 2), Buffer.from([0xff, 0xfe, 0, 6]), Buffer.from('Doe^'), Buffer.from([0xff, 0xd9])]);
    expect(cleanCodestream(frame.layout.syntax, late)).toBeUndefined();
  });

  it('a JPEG 2000 comment in the main header does not travel', async () => {
    const frame = (await read('ct_head_512_j2k_lossy.dcm')).frame!;
    const d = frame.data;
    const sizEnd = 4 + ((d[4]! << 8) | d[5]!);
    const com = Buffer.concat([Buffer.from([0xff, 0x64, 0, 14, 0, 1]), Buffer.from('Doe^John 1')]);
    const marked = Buffer.concat([d.subarray(0, sizEnd), com, d.subarray(sizEnd)]);
    const clean = cleanCodestream(frame.layout.syntax, marked)!;
    expect(Buffer.from(clean).includes('Doe^John')).toBe(false);
    const { image } = await read('ct_head_512_j2k_lossy.dcm');
    expect(samplesOf(await decodeCodestream(frame.layout, image.width, image.height, clean)).equals(samplesOf(image))).toBe(true);
  });

  it('the record goes in binary, and a damaged kept frame is refused, not shown', async () => {
    const { dec } = await through('ct_head_512_j2k_lossy.dcm', 'auto');
    const record = dec.images[0]!.record;
    const bytes = new EntryCodec().encode(record);
    expect(bytes[0]).toBe(2); // the binary image entry, not JSON
    expect(validateImageRecord(new EntryCodec().decode(bytes), 1 << 26)).toEqual(record);
    const frame = (await read('ct_head_512_j2k_lossy.dcm')).frame!;
    const data = Buffer.from(cleanCodestream(frame.layout.syntax, frame.data)!);
    expect((await decodeKeptFrame(record, data)).width).toBe(512);
    data[data.length - 40] = data[data.length - 40]! ^ 0x10;
    const err = await decodeKeptFrame(record, data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AeimgError);
    expect([ErrorCode.Tampered, ErrorCode.Malformed]).toContain((err as AeimgError).code);
    // A codestream that declares another size is refused before a decoder allocates for it.
    const huge = Buffer.from(cleanCodestream(frame.layout.syntax, frame.data)!);
    huge.writeUInt32BE(60000, 8); // SIZ: Xsiz
    await expect(decodeKeptFrame(record, huge)).rejects.toThrow(/declares 60000x512 where the image is 512x512/);
  });

  it('an extension this version does not know asks for an update; a kept frame needs its layout', async () => {
    const { dec } = await through('ct_head_512_j2k_lossy.dcm', 'auto');
    const record: ImageRecord = dec.images[0]!.record;
    const bytes = new EntryCodec().encode(record);
    // The extension block is the entry's last field: its length, the tag, the extension's length, its fields.
    const tagAt = bytes.length - extensionLength(record) - 2;
    expect(bytes[tagAt]).toBe(1);
    const newer = Buffer.from(bytes);
    newer[tagAt] = 9;
    expect(() => new EntryCodec().decode(newer)).toThrow(/update aeimg/);
    const { codestream: _, ...withoutLayout } = record;
    expect(() => validateImageRecord(withoutLayout as unknown as Record<string, unknown>, 1 << 26)).toThrow(/kept frame/);
    const planeCoded = { ...record, refinement: { ...record.refinement!, coding: 'wp2' } };
    expect(() => validateImageRecord(planeCoded as unknown as Record<string, unknown>, 1 << 26)).toThrow(/kept frame/);
  });
});

/** The bytes of a kept frame's layout in the binary entry (writeCodestream). */
function extensionLength(record: ImageRecord): number {
  const c = record.codestream!;
  return 1 + c.syntax.length + 1 + c.photometric.length + 4;
}
