/**
 * A JPEG (or lossy WebP) export had lost information before aeimg saw it: "bit-exact" is then to that file. The
 * receiver is told so, as for a lossy-compressed DICOM file, and a DICOM file written from it says Lossy Image
 * Compression 01 with the method and ratio, so that a PACS it goes into knows.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { writeDicom } from '../../../src-main/engine/dicom/write.js';
import { encapsulatedFrameData, parseDicom } from '../../../src-main/engine/dicom/parse.js';
import { lossyCodingMethod } from '../../../src-main/engine/dicom/lossy-coding.js';
import { readImageFile } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import type { CodingChoice } from '../../../src-shared/quality.js';
import { CT_SLICE, defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

const key = new SharedKey(Buffer.alloc(32, 11));

/** Encrypts `file`, decrypts it as PNG and as DICOM: what the receiver is told, and the DICOM's lossy attributes. */
async function sendAndRead(file: string, coding?: CodingChoice) {
  const enc = await encryptImageFile(file, { model: await defaultModel(), recipients: [key], measure: false, force: true, ...(coding ? { coding } : {}) });
  const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), write: false });
  const out = await tempDir();
  const dcm = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
  const ds = dicomParser.parseDicom(new Uint8Array(await readFile(dcm.images[0]!.output!)));
  return {
    text: receivedSummary(dec.images[0]!.record).text,
    lossy: [ds.string('x00282110'), ds.string('x00282114'), ds.string('x00282112')],
  };
}

describe('an image file that was itself lossy-compressed', () => {
  it('a JPEG export: the receiver is told, at every level, and its DICOM says Lossy Image Compression 01 (ISO_10918_1)', async () => {
    const dir = await tempDir();
    const jpeg = join(dir, 'ct.jpg');
    await writeFile(jpeg, await sharp(CT_SLICE).jpeg({ quality: 75 }).toBuffer());
    const ratio = (await readImageFile(jpeg)).pixels.byteLength / (await readFile(jpeg)).length;
    for (const coding of [undefined, { quality: 'within-2' }, { quality: 'auto', recode: true }] as (CodingChoice | undefined)[]) {
      const r = await sendAndRead(jpeg, coding);
      expect(r.text).toMatch(/; the sender's file was itself lossy-compressed \(JPEG image\)$/);
      expect(r.lossy[0]).toBe('01');
      expect(r.lossy[1]).toMatch(/^ISO_10918_1/); // first in the history; a lossy level of aeimg's follows it
      expect(Number(r.lossy[2]!.split('\\')[0])).toBeCloseTo(ratio, 1);
    }
    // The same image as colour (R = G = B, sent as one grey plane) is a JPEG all the same.
    const rgb = join(dir, 'ct-rgb.jpg');
    await writeFile(rgb, await sharp(CT_SLICE).toColourspace('srgb').jpeg({ quality: 75, chromaSubsampling: '4:4:4' }).toBuffer());
    expect((await sendAndRead(rgb)).text).toContain('(JPEG image)');
  });

  it('a lossy WebP is said to be, a lossless WebP and a PNG are not: their DICOM has only aeimg\'s own step, none when bit-exact', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'lossy.webp'), await sharp(CT_SLICE).webp({ quality: 80 }).toBuffer());
    await writeFile(join(dir, 'lossless.webp'), await sharp(CT_SLICE).webp({ lossless: true }).toBuffer());
    const lossy = await sendAndRead(join(dir, 'lossy.webp'));
    expect(lossy.text).toContain('; the sender\'s file was itself lossy-compressed (WebP image)');
    expect(lossy.lossy[0]).toBe('01');
    expect(lossy.lossy[1]).toMatch(/^WEBP\\AEIMG_NEAR$/); // the WebP's step, then aeimg's (within ±1, the default for 8 bits)
    const png = join(dir, 'slice.png'); // a copy: its .aeimg is written beside it, never into the fixtures
    await copyFile(CT_SLICE, png);
    for (const f of [join(dir, 'lossless.webp'), png]) {
      const r = await sendAndRead(f);
      expect(r.text).not.toContain('lossy-compressed');
      expect(r.lossy.slice(0, 2)).toEqual(['01', 'AEIMG_NEAR']); // within ±1, the default for 8 bits
      expect((await sendAndRead(f, { quality: 'lossless' })).lossy[0]).toBe('00');
    }
  });

  it('a JPEG 2000 of the irreversible wavelet and a near-lossless JPEG-LS are said to be (0.28); lossless ones, and a lossless JPEG, are not', async () => {
    const dir = await tempDir();
    const frame = async (fixture: string) => Buffer.from((await readDicomFile(join(FIXTURES, 'dicom', fixture), { maxPixels: 1e7, deidentify: null }))[0]!.frame!.data);
    await writeFile(join(dir, 'lossy.jhc'), await frame('htj2k_rgb_lossy.dcm'));
    await writeFile(join(dir, 'near.jls'), await frame('jls_rgb_near2_ilv0_nopreamble.dcm'));
    await writeFile(join(dir, 'lossless.jhc'), await frame('htj2k_rgb_rpcl_lossless.dcm'));
    await writeFile(join(dir, 'lossless.jls'), await frame('jls_rgb_ilv1.dcm'));
    await writeFile(join(dir, 'lossless.jpg'), await frame('xa_4frame_jpeg_lossless.dcm')); // 8-bit, process 14: the image library reads it
    const lossy = await sendAndRead(join(dir, 'lossy.jhc'));
    expect(lossy.text).toMatch(/; the sender's file was itself lossy-compressed \(JPEG 2000 image\)$/);
    expect(lossy.lossy.slice(0, 2)).toEqual(['01', expect.stringMatching(/^ISO_15444_1/)]);
    const near = await sendAndRead(join(dir, 'near.jls'));
    expect(near.text).toMatch(/\(JPEG-LS image\)$/);
    expect(near.lossy[1]).toMatch(/^ISO_14495_1/);
    for (const name of ['lossless.jhc', 'lossless.jls', 'lossless.jpg']) {
      const r = await sendAndRead(join(dir, name), { quality: 'lossless' });
      expect(r.text, name).not.toContain('lossy-compressed');
      expect(r.lossy[0], name).toBe('00');
    }
  });
});

describe('a DICOM file whose data is lossy though its file does not say so (0.47)', () => {
  /** The fixture sent with its full header: the sender's warnings, the reader's words, the DICOM written back. */
  async function sendDicom(fixture: string) {
    const dir = await tempDir();
    await copyFile(join(FIXTURES, 'dicom', fixture), join(dir, fixture));
    const enc = await encryptImageFile(join(dir, fixture), { model: await defaultModel(), recipients: [key], measure: false, deidentify: null });
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), write: false });
    const dcm = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: await tempDir(), format: 'dcm' });
    const ds = dicomParser.parseDicom(new Uint8Array(await readFile(dcm.images[0]!.output!)));
    return {
      warnings: enc.warnings ?? [], text: receivedSummary(dec.images[0]!.record).text, derivation: ds.string('x00082111') ?? '',
      lossy: [ds.string('x00282110'), ds.string('x00282114')],
    };
  }

  it('HTJ2K of the irreversible wavelet, JPEG 2000 cut to a rate, lossless JPEG with a point transform: told to sender and reader, written 01', async () => {
    for (const [fixture, words, method, read = words] of [
      ['htj2k_rgb_lossy.dcm', 'High-Throughput JPEG 2000', 'ISO_15444_15'], // 9-7 wavelet, no Lossy Image Compression
      // Its reader is told "JPEG", the method its file now says (which a DCT history would say too).
      ['jpeg_lossless_sv1_pt2_mr_small.dcm', 'lossless JPEG with a point transform, its low bits dropped', 'ISO_10918_1', 'JPEG'],
    ]) {
      const r = await sendDicom(fixture!);
      expect(r.warnings.join('\n'), fixture).toContain(`does not say it was lossy-compressed (no Lossy Image Compression 01), but its data is (${words})`);
      expect(r.text, fixture).toBe(`bit-exact; the sender's DICOM file was itself lossy-compressed (${read})`);
      expect(r.lossy, fixture).toEqual(['01', method]);
      expect(r.derivation, fixture).toMatch(/^Reconstructed bit-exactly by aeimg \(.*\); the sender's DICOM file was itself lossy-compressed/);
    }
  });

  it('a reversible wavelet in the lossy-capable JPEG 2000 syntax, its file silent: it may have been lossy, to sender and reader', async () => {
    // OpenJPEG's 5-3 wavelet at 40:1 (-r 40): lossy, and nothing in its codestream says so; a reversible wavelet of all its layers is lossless.
    const r = await sendDicom('j2k_lossy_signed_stored12.dcm');
    expect(r.warnings.join('\n')).toContain('does not say whether it was lossy-compressed (no Lossy Image Compression), and its JPEG 2000 transfer syntax allows a lossy coding');
    expect(r.text).toBe('bit-exact; the sender\'s DICOM file may have been lossy-compressed (JPEG 2000: its transfer syntax allows a lossy coding, and the file does not say whether it was)');
    expect(r.lossy).toEqual(['01', undefined]); // a PACS is told it may be: 01, without a method it does not know
    expect(r.derivation).toMatch(/; the sender's DICOM file may have been lossy-compressed \(JPEG 2000: /);
  });

  it('a 9-7 wavelet named in a tile-part\'s header, not the main header\'s, is lossy too', async () => {
    const parsed = parseDicom(new Uint8Array(await readFile(join(FIXTURES, 'dicom', 'mr_small_j2k_lossless.dcm'))), 1 << 26);
    const data = Buffer.from(encapsulatedFrameData(parsed, 0));
    expect(lossyCodingMethod(parsed.info.syntax, data)).toBeUndefined(); // 5-3 throughout
    // The main header's COD, its wavelet byte 0 (9-7), put in the first tile-part's header, whose Psot grows by it.
    const cod = data.indexOf(Buffer.from([0xff, 0x52]));
    const segment = Buffer.from(data.subarray(cod, cod + 2 + data.readUInt16BE(cod + 2)));
    segment[13] = 0;
    const sot = data.indexOf(Buffer.from([0xff, 0x90]));
    const tiled = Buffer.concat([data.subarray(0, sot + 12), segment, data.subarray(sot + 12)]);
    tiled.writeUInt32BE(data.readUInt32BE(sot + 6) + segment.length, sot + 6);
    expect(lossyCodingMethod(parsed.info.syntax, tiled)).toBe('ISO_15444_1');
  });

  it('a record from a sender before 0.47 (its dataset unmarked) is written 01, its Ratio and Method pairing value by value', async () => {
    const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'j2k_lossy_signed_stored12.dcm'), { maxPixels: 1e7, deidentify: null });
    const { '00282110': _f, '00282112': _r, '00282114': _m, ...unmarked } = frame!.dicom.dataset;
    const meta = { ...frame!.dicom, dataset: unmarked };
    for (const opts of [{ exact: true }, { exact: false, maxError: 2 }]) {
      const out = join(await tempDir(), 'out.dcm');
      await writeFile(out, writeDicom([{ image: frame!.image }], meta, { ...opts, reduced: false, fidelityText: 'x', ratio: 3 }));
      const ds = dicomParser.parseDicom(new Uint8Array(await readFile(out)));
      const count = (tag: string) => (ds.string(tag) ?? '').split('\\').filter(Boolean).length;
      expect(ds.string('x00282110')).toBe('01');
      expect(count('x00282112')).toBe(count('x00282114')); // 0.47 first wrote the source's method without its ratio
      expect(count('x00282114')).toBe(opts.exact ? 0 : 1);
    }
  });

  it('a file that says so is not warned of; lossless JPEG 2000 and JPEG-LS are not lossy; kept data is said to be its own', async () => {
    const said = await sendDicom('ct_head_512_j2k_lossy.dcm'); // Lossy Image Compression 01
    expect(said.warnings.join('\n')).not.toContain('lossy-compressed');
    expect(said.text).toBe('bit-exact; the sender\'s DICOM file was itself lossy-compressed (JPEG 2000)');
    expect(said.derivation).toMatch(/^Reconstructed bit-exactly by aeimg \(its sender's file's own JPEG 2000 data, carried as it was\)/);
    for (const fixture of ['htj2k_rgb_rpcl_lossless.dcm', 'mr_small_j2k_lossless.dcm', 'jls_rgb_ilv1.dcm']) {
      const r = await sendDicom(fixture);
      expect(r.text, fixture).toBe('bit-exact');
      expect(r.lossy[0], fixture).toBe('00');
      expect(r.warnings.join('\n'), fixture).not.toContain('lossy-compressed');
    }
  });
});
