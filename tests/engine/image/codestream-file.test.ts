/**
 * Image files in the codings DICOM uses that the image library does not read (0.28): JPEG 2000 (a bare codestream or a
 * JP2 file), High-Throughput JPEG 2000, JPEG-LS and JPEG of more than 8 bits, as a PACS or a DICOM toolkit exports a
 * frame. Before, each was named and refused. Their codestreams are taken from the DICOM fixtures, so that each file is
 * read against how aeimg reads the same data inside DICOM.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decodeImage, imageHeaderRefusal, readImageData } from '../../../src-main/engine/image/io.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { findInputs, IMAGE_INPUT, inputKind } from '../../../src-main/engine/jobs/files.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

const key = new SharedKey(Buffer.alloc(32, 21));

/** The compressed data of a DICOM fixture's first frame, and that frame's image as aeimg reads the DICOM file. */
async function frameOf(fixture: string) {
  const [first] = await readDicomFile(join(FIXTURES, 'dicom', fixture), { maxPixels: 1e7, deidentify: null });
  return { data: Buffer.from(first!.frame!.data), image: first!.image };
}

/** A JP2 file around `codestream`: signature, file type, header (image header, colour of enumerated space `colour`), codestream. */
function jp2(codestream: Buffer, colour: number, width: number, height: number, components: number, bits: number): Buffer {
  const box = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + body.length);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const ihdr = Buffer.alloc(14);
  ihdr.writeUInt32BE(height, 0);
  ihdr.writeUInt32BE(width, 4);
  ihdr.writeUInt16BE(components, 8);
  ihdr[10] = bits - 1;
  ihdr[11] = 7; // compression type: JPEG 2000
  const colr = Buffer.alloc(7);
  colr[0] = 1; // enumerated colour space
  colr.writeUInt32BE(colour, 3);
  return Buffer.concat([
    Buffer.from('0000000c6a5020200d0a870a', 'hex'), box('ftyp', Buffer.from('jp2 \0\0\0\0jp2 ', 'latin1')),
    box('jp2h', Buffer.concat([box('ihdr', ihdr), box('colr', colr)])), box('jp2c', codestream),
  ]);
}

const message = (p: Promise<unknown>) => p.then(() => 'read', (e: Error) => e.message);

describe('an image file in a coding DICOM uses', () => {
  it('reads JPEG 2000 (bare, in a JP2 file, High-Throughput), JPEG-LS and 12- and 16-bit JPEG to the values the DICOM file holds', async () => {
    const dir = await tempDir();
    const cases: [name: string, fixture: string, depth: number, channels: number][] = [
      ['nm.jpg', 'nm_bone_jpeg_extended_12bit.dcm', 16, 1], // 12-bit DCT (SOF1)
      ['mr-progressive.jpg', 'jpeg_spectral_12bit_mr_small_retired.dcm', 16, 1], // 12-bit DCT, spectral selection (SOF2)
      ['rgb.jls', 'jls_rgb_ilv1.dcm', 8, 3],
      ['rgb-near.jls', 'jls_rgb_near2_ilv0_nopreamble.dcm', 8, 3],
      ['rgb.jhc', 'htj2k_rgb_rpcl_lossless.dcm', 8, 3],
      ['rgb-lossy.jhc', 'htj2k_rgb_lossy.dcm', 8, 3],
      ['seg.j2k', 'seg_liver_1bit_3frame_j2k.dcm', 8, 1],
    ];
    for (const [name, fixture, depth, channels] of cases) {
      const { data, image } = await frameOf(fixture);
      await writeFile(join(dir, name), data);
      const read = await readImageData(join(dir, name));
      expect([read.pages.length, read.pages[0]!.bitDepth, read.pages[0]!.channels], name).toEqual([1, depth, channels]);
      expect(Buffer.from(read.pages[0]!.pixels.buffer).equals(Buffer.from(image.pixels.buffer)), name).toBe(true);
      expect(await imageHeaderRefusal(join(dir, name)), name).toBeUndefined();
      expect(await inputKind(join(dir, name)), name).toBe('image');
    }
    // The same codestream in a JP2 file (grey, enumerated colour space 17) reads the same; so do its bytes given to decodeImage.
    const seg = await readFile(join(dir, 'seg.j2k'));
    await writeFile(join(dir, 'seg.jp2'), jp2(seg, 17, 64, 64, 1, 1));
    expect((await readImageData(join(dir, 'seg.jp2'))).pages[0]!.pixels).toEqual((await readImageData(join(dir, 'seg.j2k'))).pages[0]!.pixels);
    expect((await decodeImage(await readFile(join(dir, 'seg.jp2')))).pixels).toEqual((await decodeImage(seg)).pixels);
    // A codestream taken from a DICOM fragment with its pad byte after End Of Codestream, 00 or (some writers) FF, is whole.
    const eoc = seg.lastIndexOf(Buffer.from([0xff, 0xd9]));
    await writeFile(join(dir, 'padded.j2k'), Buffer.concat([seg.subarray(0, eoc + 2), Buffer.from([0xff])]));
    expect((await readImageData(join(dir, 'padded.j2k'))).pages[0]!.pixels).toEqual((await decodeImage(seg)).pixels);
    // Some encoders leave out End Of Codestream: every tile-part there (their lengths say so), it is whole, not cut.
    await writeFile(join(dir, 'no-eoc.j2k'), seg.subarray(0, eoc));
    expect((await readImageData(join(dir, 'no-eoc.j2k'))).pages[0]!.pixels).toEqual((await decodeImage(seg)).pixels);
    // A 16-bit lossless JPEG (process 14) and a 13-bit JPEG 2000 codestream, whose DICOM files call their samples signed:
    // an image file has no such attribute, and the codestream says unsigned.
    for (const [name, fixture] of [['mr.jpg', 'jpeg_lossless_sv1_pt2_mr_small.dcm'], ['ct.j2k', 'ct_head_512_j2k_lossless.dcm']]) {
      await writeFile(join(dir, name!), (await frameOf(fixture!)).data);
      const image = (await readImageData(join(dir, name!))).pages[0]!;
      expect([image.bitDepth, image.channels, image.width], name).toEqual([16, 1, name === 'ct.j2k' ? 512 : 64]);
    }
    // A folder's such files are found by their extensions, as its PNG and JPEG files are.
    const found = (await findInputs([dir], IMAGE_INPUT)).map((f) => f.path.slice(dir.length + 1)).sort();
    expect(found).toEqual((await readdir(dir)).sort());
  });

  it('is sent and received: bit-exact at the default for more than 8 bits, within ±1 or as its own data for 8', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'ct.j2k'), (await frameOf('ct_head_512_j2k_lossless.dcm')).data);
    await writeFile(join(dir, 'rgb.jls'), (await frameOf('jls_rgb_ilv1.dcm')).data);
    for (const name of ['ct.j2k', 'rgb.jls']) {
      const sent = (await readImageData(join(dir, name))).pages[0]!;
      const enc = await encryptImageFile(join(dir, name), { model: await defaultModel(), recipients: [key], measure: false });
      const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models() });
      const back = await decodeImage(await readFile(dec.images[0]!.output!));
      expect([back.width, back.height, back.channels, back.bitDepth], name).toEqual([sent.width, sent.height, sent.channels, sent.bitDepth]);
      const largest = Array.from(back.pixels).reduce((m, v, i) => Math.max(m, Math.abs(v - sent.pixels[i]!)), 0);
      expect(largest, name).toBeLessThanOrEqual(enc.coding.maxError ?? 0);
      if (name === 'ct.j2k') expect([enc.coding.quality, largest]).toEqual(['lossless', 0]);
    }
  });

  it('refuses by name what an image file cannot say how to show, and a copy cut short; nothing is written', async () => {
    const dir = await tempDir();
    const signed = (await frameOf('mr_small_j2k_lossless.dcm')).data; // its SIZ marks the samples signed
    const rgb = (await frameOf('htj2k_rgb_rpcl_lossless.dcm')).data;
    const jls = (await frameOf('jls_rgb_ilv1.dcm')).data;
    await writeFile(join(dir, 'signed.j2k'), signed);
    await writeFile(join(dir, 'sycc.jp2'), jp2(rgb, 18, 64, 64, 3, 8));
    await writeFile(join(dir, 'cut.j2k'), rgb.subarray(0, rgb.length - 200));
    await writeFile(join(dir, 'cut.jp2'), jp2(rgb, 16, 64, 64, 3, 8).subarray(0, 300));
    await writeFile(join(dir, 'cut.jls'), jls.subarray(0, jls.length - 100));
    const boxed = jp2(rgb, 16, 64, 64, 3, 8);
    await writeFile(join(dir, 'fragments.jpf'), boxed.subarray(0, boxed.length - 8 - rgb.length)); // its boxes end where its codestream's would begin
    await writeFile(join(dir, 'layers.jpx'), Buffer.concat([boxed, boxed.subarray(boxed.length - 8 - rgb.length)])); // a second jp2c box
    // No jp2h (Pillow's expected_to_read.jp2): nothing says what the samples' colours are. A JPX compositing layer
    // header (jplh, here an ICC colour box in its colour group) would say it where aeimg does not look.
    const [signatureAndType, header, codestream] = [boxed.subarray(0, 32), boxed.subarray(32, 32 + boxed.readUInt32BE(32)), boxed.subarray(32 + boxed.readUInt32BE(32))];
    expect(header.subarray(4, 8).toString('latin1')).toBe('jp2h');
    await writeFile(join(dir, 'headerless.jp2'), Buffer.concat([signatureAndType, codestream]));
    const colr = Buffer.from('0000000f636f6c7202000000000000', 'hex'); // method 2: an ICC profile (empty here)
    const cgrp = Buffer.concat([Buffer.from([0, 0, 0, 8 + colr.length]), Buffer.from('cgrp', 'latin1'), colr]);
    const jplh = Buffer.concat([Buffer.from([0, 0, 0, 8 + cgrp.length]), Buffer.from('jplh', 'latin1'), cgrp]);
    await writeFile(join(dir, 'layered.jpx'), Buffer.concat([signatureAndType, header, jplh, codestream]));
    const said = {
      'signed.j2k': 'is a JPEG 2000 image of signed samples, which aeimg does not read: export the image again as PNG or TIFF, or send the DICOM file it came from.',
      'sycc.jp2': 'is a JPEG 2000 file in the sYCC colour space (aeimg reads grey and sRGB), which aeimg does not read: export the image again as PNG or TIFF, or send the DICOM file it came from.',
      'cut.j2k': 'is truncated: the file ends inside its JPEG 2000 image data. This copy is incomplete: copy it again, or export the image again.',
      'cut.jp2': 'is truncated: the file ends inside its JPEG 2000 image data. This copy is incomplete: copy it again, or export the image again.',
      'cut.jls': 'is truncated: the file ends inside its JPEG-LS image data. This copy is incomplete: copy it again, or export the image again.',
      'fragments.jpf': 'is a JPEG 2000 file without a codestream box (JPX may keep its image in fragments), which aeimg does not read: export the image again as PNG or TIFF, or send the DICOM file it came from.',
      'layers.jpx': "is a JPEG 2000 file of several codestreams (a JPX file's frames or layers), which aeimg does not read: export the image again as PNG or TIFF, or send the DICOM file it came from.",
      'headerless.jp2': 'is a JPEG 2000 file without the header box (jp2h) that says what its colours are, which aeimg does not read: export the image again as PNG or TIFF, or send the DICOM file it came from.',
      'layered.jpx': 'is a JPEG 2000 file whose compositing layers define its colours (JPX), which aeimg does not read: export the image again as PNG or TIFF, or send the DICOM file it came from.',
    };
    for (const [name, text] of Object.entries(said)) {
      expect(await message(readImageData(join(dir, name))), name).toBe(`${name}: ${text}`);
      expect((await imageHeaderRefusal(join(dir, name)))?.message, name).toBe(text); // the dry run and the app's list
      expect(await message(encryptImageFile(join(dir, name), { model: await defaultModel(), recipients: [key], measure: false })), name).toBe(`${name}: ${text}`);
    }
    expect((await readdir(dir)).sort()).toEqual(Object.keys(said).sort());
  });

  it('over 32 MiB, it is checked from its first MiB before anything starts: refused by its header, never for what lies further in', async () => {
    const dir = await tempDir();
    const seg = (await frameOf('seg_liver_1bit_3frame_j2k.dcm')).data;
    const signed = (await frameOf('mr_small_j2k_lossless.dcm')).data;
    const padding = Buffer.alloc(33 << 20); // zeros after End Of Codestream, as a DICOM fragment's pad
    await writeFile(join(dir, 'signed.j2k'), Buffer.concat([signed, padding]));
    await writeFile(join(dir, 'big.j2k'), Buffer.concat([seg, padding]));
    // A JP2 file whose codestream comes after 33 MB of XML metadata: its header is past what the check reads.
    const xml = Buffer.alloc(8 + padding.length, 0x20);
    xml.writeUInt32BE(xml.length);
    xml.write('xml ', 4, 'latin1');
    const boxed = jp2(seg, 17, 64, 64, 1, 1);
    await writeFile(join(dir, 'metadata-first.jp2'), Buffer.concat([boxed.subarray(0, 12), xml, boxed.subarray(12)]));
    expect((await imageHeaderRefusal(join(dir, 'signed.j2k')))?.message).toMatch(/^is a JPEG 2000 image of signed samples/);
    expect(await imageHeaderRefusal(join(dir, 'big.j2k'))).toBeUndefined();
    expect(await imageHeaderRefusal(join(dir, 'metadata-first.jp2'))).toBeUndefined();
    expect((await readImageData(join(dir, 'metadata-first.jp2'))).pages[0]!.pixels).toEqual((await decodeImage(seg)).pixels); // and it is read
  });
});
