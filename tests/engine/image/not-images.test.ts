/**
 * Files given to be sent that are no image aeimg reads, named as what they are with what to do (0.27): before, each
 * was "not an image aeimg can read (PNG, JPEG, … expected)", which says neither.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { notImageRefusal } from '../../../src-main/engine/image/not-images.js';
import { imageHeaderRefusal, readImageData } from '../../../src-main/engine/image/io.js';
import { inputKind, inputRefusal } from '../../../src-main/engine/jobs/files.js';
import { tempDir } from '../../helpers.js';

/** An ISO base media file's first box (ftyp) with `brand`: an MP4 or MOV video, a HEIF or AVIF photo. */
const ftyp = (brand: string) => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from(`ftyp${brand}\0\0\0\0isommp41`, 'latin1'), Buffer.alloc(400)]);

/** A NIfTI-1 single-file header (348 bytes, magic "n+1" at 344, data from 352), little-endian as most writers put it. */
function nifti(): Buffer {
  const b = Buffer.alloc(352 + 8);
  b.writeInt32LE(348, 0);
  b.write('n+1\0', 344, 'latin1');
  return b;
}

describe('a file that is no image aeimg reads', () => {
  it('is named by its first bytes: a video, a research volume, JPEG XL, HEIF, AVIF; an office document is no archive, JPEG 2000 is read (0.28)', async () => {
    const jp2 = Buffer.concat([Buffer.from('0000000c6a5020200d0a870a', 'hex'), Buffer.alloc(400)]);
    const said = (head: Buffer, name = 'x') => notImageRefusal(head, name)?.message.replace(/:.*/, '') ?? null;
    expect([
      said(ftyp('isom')), said(ftyp('qt  ')), said(Buffer.concat([Buffer.from('RIFF\0\0\0\0AVI LIST'), Buffer.alloc(400)])),
      said(nifti()), said(Buffer.from('NRRD0004\ntype: short\n')), said(Buffer.from('ObjectType = Image\nNDims = 3\n')),
      said(jp2), said(Buffer.concat([Buffer.from([0xff, 0x4f, 0xff, 0x51]), Buffer.alloc(40)])), said(Buffer.from([0xff, 0x0a, 0xfa, 0x7f])),
      said(ftyp('heic')), said(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).avif().toBuffer()),
      said(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(40)]), 'report.docx'), said(Buffer.from('hello')),
    ]).toEqual([
      'is a video', 'is a video', 'is a video (AVI)', 'is a NIfTI volume (a research format)', 'is an NRRD volume (a research format)',
      'is a MetaImage header (a research format)', null, null, 'is a JPEG XL image, which aeimg does not read',
      'is a HEIF image (a phone\'s or camera\'s photo format), which aeimg does not read', 'is an AVIF image (a phone\'s or camera\'s photo format), which aeimg does not read',
      null, null,
    ]);
  });

  it('given to be sent, it is refused by name with what to do, by the reader and before anything starts (the dry run, the app\'s list)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'clip.mp4'), ftyp('isom'));
    await writeFile(join(dir, 'brain.nii'), nifti());
    await writeFile(join(dir, 'scan.png'), await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).avif().toBuffer());
    const read = async (name: string) => readImageData(join(dir, name)).then(() => 'read', (e: Error) => e.message);
    expect(await read('clip.mp4')).toBe('clip.mp4: is a video: aeimg sends still images and DICOM cine clips: send the clip as DICOM from the ultrasound system or PACS, or export it as an animated GIF.');
    expect(await read('brain.nii')).toBe('brain.nii: is a NIfTI volume (a research format): export the series as DICOM from the scanner or PACS, and send those files.');
    expect(await read('scan.png')).toBe('scan.png: is an AVIF image (a phone\'s or camera\'s photo format), which aeimg does not read: export it as JPEG or PNG.');
    expect(await inputKind(join(dir, 'brain.nii'))).toBe('other');
    expect(await inputRefusal(join(dir, 'brain.nii'), 'other')).toMatch(/^is a NIfTI volume/);
  });

  it('a file whose bytes are an image is taken as one under a name that is no image\'s, as the run reads it', async () => {
    const dir = await tempDir();
    const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#707070' } }).jpeg().toBuffer();
    // Under a name that is no image's, a file whose bytes are one is taken as one, as the run reads it (before 0.27
    // the dry run said "not an image aeimg reads: would fail" of a PNG named scan.dat, which the run encrypted).
    await writeFile(join(dir, 'scan.dat'), jpeg);
    expect(await inputKind(join(dir, 'scan.dat'))).toBe('image');
    expect(await inputRefusal(join(dir, 'scan.dat'), 'image')).toBeUndefined();
  });

  it('one under an image\'s name whose first bytes are no image\'s is marked before it starts, as its reading says; a BigTIFF is not (0.49)', async () => {
    const dir = await tempDir();
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#345' } }).png().toBuffer();
    const bad = Buffer.from(png);
    bad[0] = 0x88; // PngSuite's xs1n0g01.png: a signature byte changed
    await writeFile(join(dir, 'bad.png'), bad);
    await writeFile(join(dir, 'zip.png'), Buffer.concat([Buffer.from('504b0304', 'hex'), Buffer.alloc(400)]));
    await writeFile(join(dir, 'big.tif'), await sharp(png).tiff({ bigtiff: true }).toBuffer());
    const read = (name: string) => readImageData(join(dir, name)).then(() => undefined, (e: Error) => e.message);
    for (const name of ['bad.png', 'zip.png', 'big.tif']) {
      // Before, the dry run and the app's list said bad.png would go.
      const marked = (await imageHeaderRefusal(join(dir, name)))?.message;
      expect(marked && `${name}: ${marked}`, name).toBe(await read(name)); // its reading names the file first
      expect(marked === undefined, name).toBe(name === 'big.tif');
    }
  });
});
