/** The importer against the fixtures' oracle (pydicom + GDCM): stored values byte-identical, clear refusals. */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { decodeStoredFrame, parseDicom } from '../../../src-main/engine/dicom/parse.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { FIXTURES, tempDir } from '../../helpers.js';

const DIR = join(FIXTURES, 'dicom');
interface Fixture { file: string; transfer_syntax_name: string; frames: number | null; stored_min: number | null; stored_max: number | null; stored_mean: number | null; decoded_sha256_le: string | null }
const fixtures: Fixture[] = JSON.parse(readFileSync(join(DIR, 'fixtures.json'), 'utf8'));
const bytes = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));
const MAX = 64 * 1024 * 1024;

async function storedValues(file: string) {
  const parsed = parseDicom(bytes(file), MAX);
  const hash = createHash('sha256');
  let min = Infinity, max = -Infinity, sum = 0, n = 0;
  const frames = [];
  for (let i = 0; i < parsed.info.frames; i++) {
    const s = await decodeStoredFrame(parsed, i);
    frames.push(s);
    hash.update(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
    for (const v of s) { min = Math.min(min, v); max = Math.max(max, v); sum += v; n++; }
  }
  return { sha256: hash.digest('hex'), min, max, mean: sum / n, frames, info: parsed.info };
}

// Every fixture with decoded values, 12-bit lossy JPEG included (dcmjs-codecs' libjpeg matches GDCM's); the negatives must fail.
const decodable = fixtures.filter((f) => f.decoded_sha256_le);

describe('DICOM import matches the oracle', () => {
  it.each(decodable.map((f) => [f.file, f] as const))('%s decodes to the oracle\'s stored values', async (_, f) => {
    const got = await storedValues(f.file);
    expect(got.info.frames).toBe(f.frames ?? 1);
    expect(got.min).toBe(f.stored_min);
    expect(got.max).toBe(f.stored_max);
    expect(got.mean).toBeCloseTo(f.stored_mean!, 3);
    expect(got.sha256).toBe(f.decoded_sha256_le);
  });

  it('the six mr_small transfer syntaxes give identical pixels', async () => {
    const files = fixtures.filter((f) => f.file.startsWith('mr_small_')).map((f) => f.file);
    expect(files).toHaveLength(6);
    const hashes = new Set((await Promise.all(files.map(storedValues))).map((v) => v.sha256));
    expect(hashes.size).toBe(1);
  });

  it.each([
    ['negative_mr_truncated.dcm', /negative_mr_truncated\.dcm: is truncated: its Pixel Data holds 8130 bytes but 1 frame\(s\) of 64x64 need 8192\. This copy is incomplete: copy it again/],
    ['negative_rtstruct_no_pixels.dcm', /negative_rtstruct_no_pixels\.dcm: holds no image .*Only DICOM images can be encrypted/],
  ])('%s is refused with a message that names the file and the problem', async (file, message) => {
    await expect(readDicomFile(join(DIR, file), { maxPixels: MAX, deidentify: {} })).rejects.toThrow(message);
  });

  it('an object without pixels is named for what it is: a presentation state or key-image note carries a reader\'s marks the receiver will not have', async () => {
    const dir = await tempDir();
    const object = async (name: string, sopClass: string) => {
      const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
      const dict = new dcmjs.data.DicomDict({
        '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', sopClass), '00020003': v('UI', '1.2.3.4'), '00020010': v('UI', '1.2.840.10008.1.2.1'),
      });
      dict.dict = { '00080016': v('UI', sopClass), '00080018': v('UI', '1.2.3.4'), '00080060': v('CS', 'PR'), '00100010': v('PN', { Alphabetic: 'A^B' }) };
      await writeFile(join(dir, name), Buffer.from(dict.write()));
      return readDicomFile(join(dir, name), { maxPixels: MAX, deidentify: {} });
    };
    await expect(object('gsps.dcm', '1.2.840.10008.5.1.4.1.1.11.1')).rejects.toThrow('gsps.dcm: holds no image (no Pixel Data; SOP class 1.2.840.10008.5.1.4.1.1.11.1): ' +
      'it is a presentation state, the annotations, measurements and display settings a viewer saved for images of its study. Only DICOM images can be encrypted: the reader will not have it. ' +
      'To send it with the images it references, encrypt them together as one study with the full header (aeimg encrypt --bundle NAME --deidentify none; ' +
      'in the app, "Encrypt as one study" with DICOM metadata "Keep all"), or de-identified with the Clean Graphics option, which carries it without its text ' +
      '(--deidentify basic,clean-graphics; in the app, "De-identify, keep the radiologist\'s marks").');
    await expect(object('kos.dcm', '1.2.840.10008.5.1.4.1.1.88.59')).rejects.toThrow(/kos\.dcm: .*it is a key object selection, the images a reader flagged in its study\. .* To send it with the images it references/);
    await expect(object('sr.dcm', '1.2.840.10008.5.1.4.1.1.88.67')).rejects.toThrow(/sr\.dcm: .*it is a structured report\. Only DICOM images can be encrypted: the reader will not have it\. To send it with its study's images, encrypt them together as one study with the full header \(aeimg encrypt --bundle NAME --deidentify none; in the app, "Encrypt as one study" with DICOM metadata "Keep all"\)\.$/);
    await expect(object('raw.dcm', '1.2.840.10008.5.1.4.1.1.66')).rejects.toThrow(/raw\.dcm: .*it is raw data a scanner keeps for itself\. Only DICOM images can be encrypted: the reader will not have it\.$/);
    await expect(object('reg.dcm', '1.2.840.10008.5.1.4.1.1.66.1')).rejects.toThrow(/reg\.dcm: .*it is a registration, how two of its image sets line up \(a PET\/CT or MR fusion\)\. Only DICOM images can be encrypted: the reader will not have it\.$/);
    await expect(object('ann.dcm', '1.2.840.10008.5.1.4.1.1.91.1')).rejects.toThrow(/ann\.dcm: .*it is a set of microscopy annotations, regions marked on a slide\./);
    await expect(object('other.dcm', '1.2.3.4.5')).rejects.toThrow(/other\.dcm: .*it may be a report, structure set or presentation state\. Only DICOM images can be encrypted\.$/);
  });

  it('a file that is not DICOM is named as such', async () => {
    await expect(readDicomFile(join(FIXTURES, 'LICENSE.md'), { maxPixels: MAX, deidentify: {} })).rejects.toThrow(/LICENSE\.md: is not a DICOM file/);
  });

  it.skipIf(!existsSync('/usr/bin/dcmodify'))('a LUT Sequence item with an empty descriptor and no data (LEADTOOLS writes one) is no table, as dcmtk reads it; half a table is damaged', async () => {
    const dir = await tempDir();
    const lutItems = (path: string, edits: string[]) => {
      execFileSync('/usr/bin/cp', [join(DIR, 'ct_small_explicit_le.dcm'), path]);
      execFileSync('/usr/bin/dcmodify', ['-nb', ...edits.flatMap((e) => ['-i', e]), path], { stdio: 'ignore' });
      return path;
    };
    const empty = lutItems(join(dir, 'empty.dcm'), ['(0028,3000)[0].(0028,3002)=', '(0028,3000)[0].(0028,3006)=', '(0028,3000)[0].(0028,3004)=',
      '(0028,3010)[0].(0028,3002)=', '(0028,3010)[0].(0028,3006)=']);
    const [frame] = await readDicomFile(empty, { maxPixels: MAX, deidentify: {} });
    const [plain] = await readDicomFile(join(DIR, 'ct_small_explicit_le.dcm'), { maxPixels: MAX, deidentify: {} });
    expect(frame!.dicom.pixel.modalityLut).toBeUndefined();
    expect(frame!.dicom.pixel.voiLut).toBeUndefined();
    expect(frame!.dicom.pixel.rescaleIntercept).toBe(plain!.dicom.pixel.rescaleIntercept); // its rescale, as without the items
    expect(Array.from(frame!.image.pixels)).toEqual(Array.from(plain!.image.pixels));
    const half = lutItems(join(dir, 'half.dcm'), ['(0028,3000)[0].(0028,3002)=4096\\0\\16', '(0028,3000)[0].(0028,3006)=']);
    await expect(readDicomFile(half, { maxPixels: MAX, deidentify: {} })).rejects.toThrow(/half\.dcm: has a Modality LUT Sequence \(0028,3000\) of 0 entries where its descriptor says 4096; the file is damaged/);
  });

  it('a segmentation\'s 1-bit frames in JPEG 2000 and in Deflated Image Frame Compression read as the same segmentation uncompressed; 1-bit RLE refused by name', async () => {
    const read = async (file: string) => (await readDicomFile(join(DIR, file), { maxPixels: MAX, deidentify: null })).map((f) => Array.from(f.image.pixels));
    const native = await read('seg_liver_1bit_3frame_deflated.dcm'); // Deflated Explicit VR Little Endian: native 1-bit frames
    expect(native.map((f) => f.filter((v) => v === 1).length)).toEqual([36233, 35645, 35220]);
    expect(await read('seg_liver_1bit_3frame_j2k.dcm')).toEqual(native);
    expect(await read('seg_liver_1bit_3frame_deflated_frames.dcm')).toEqual(native);
    // dcmtk and GDCM do not decode 1-bit RLE, and toolkits disagree on how its bits are laid out: refused by name.
    const rle = join(await tempDir(), 'seg_rle.dcm');
    const b = readFileSync(join(DIR, 'seg_liver_1bit_3frame_j2k.dcm'));
    const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
    dicom.meta['00020010'] = { vr: 'UI', Value: ['1.2.840.10008.1.2.5'] };
    await writeFile(rle, Buffer.from(dicom.write()));
    await expect(readDicomFile(rle, { maxPixels: MAX, deidentify: null })).rejects.toThrow(/seg_rle\.dcm: has 1-bit Pixel Data in RLE Lossless \(1\.2\.840\.10008\.1\.2\.5\), which aeimg does not decode/);
  });

  it('turns frames into images: signed CT offset, MONOCHROME1 inverted, palette to RGB, multi-frame', async () => {
    const [ct] = await readDicomFile(join(DIR, 'ct_small_explicit_le.dcm'), { maxPixels: MAX, deidentify: {} });
    const ctStored = (await storedValues('ct_small_explicit_le.dcm')).frames[0]!;
    expect(ct!.image.bitDepth).toBe(16);
    expect(ct!.dicom.pixel.offset).toBe(32768);
    expect(ct!.image.pixels[100]! - 32768).toBe(ctStored[100]);
    const [cr] = await readDicomFile(join(DIR, 'cr_16x16_monochrome1.dcm'), { maxPixels: MAX, deidentify: {} });
    const crStored = (await storedValues('cr_16x16_monochrome1.dcm')).frames[0]!;
    expect(cr!.dicom.pixel.inverted).toBe(true);
    expect(cr!.image.pixels[5]).toBe(4095 - crStored[5]!);
    const us = await readDicomFile(join(DIR, 'us_palette_rle_10frame.dcm'), { maxPixels: MAX, deidentify: {} });
    expect(us).toHaveLength(10);
    expect(us[0]!.image.channels).toBe(3);
    expect(us.map((u) => u.dicom.frame)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

// No fixture is JPEG Baseline: make one with dcmtk and compare with dcmtk's own decoding (IJG libjpeg), as for 12-bit.
describe.skipIf(!existsSync('/usr/bin/dcmcjpeg'))('JPEG Baseline and 12-bit Extended against dcmtk', () => {
  it('decodes a dcmcjpeg-compressed RGB image to exactly what dcmdjpeg gives', async () => {
    const dir = await tempDir();
    const jpeg = join(dir, 'baseline.dcm');
    const ref = join(dir, 'reference.dcm');
    execFileSync('dcmcjpeg', ['+eb', join(DIR, 'us_rgb_explicit_be.dcm'), jpeg]);
    execFileSync('dcmdjpeg', [jpeg, ref]);
    const ours = parseDicom(new Uint8Array(readFileSync(jpeg)), MAX);
    expect(ours.info.syntax).toBe('1.2.840.10008.1.2.4.50');
    expect(Array.from(await decodeStoredFrame(ours, 0))).toEqual(Array.from(await decodeStoredFrame(parseDicom(new Uint8Array(readFileSync(ref)), MAX), 0)));
  });

  it('decodes the 12-bit JPEG Extended fixture to exactly what dcmdjpeg gives', async () => {
    const ref = join(await tempDir(), 'reference.dcm');
    execFileSync('dcmdjpeg', [join(DIR, 'nm_bone_jpeg_extended_12bit.dcm'), ref]);
    const ours = await decodeStoredFrame(parseDicom(bytes('nm_bone_jpeg_extended_12bit.dcm'), MAX), 0);
    expect(Array.from(ours)).toEqual(Array.from(await decodeStoredFrame(parseDicom(new Uint8Array(readFileSync(ref)), MAX), 0)));
  });

  it('refuses a JPEG frame that libjpeg finds damaged (8-bit baseline, 12-bit extended, frame 3 of 4), as dcmdjpeg warns of it; the intact frames read', async () => {
    const dir = await tempDir();
    const xa = join(dir, 'xa.dcm');
    execFileSync('dcmdjpeg', [join(DIR, 'xa_4frame_jpeg_lossless.dcm'), join(dir, 'xa-native.dcm')]);
    execFileSync('dcmcjpeg', ['+eb', join(dir, 'xa-native.dcm'), xa]);
    // Twenty bytes of a frame's scan XOR 0x5a, the file's length unchanged: libjpeg's Huffman decoding runs off its codes.
    const damaged = async (file: string, frame: number) => {
      const data = Buffer.from(readFileSync(file));
      let sos = -1;
      for (let k = 0; k <= frame; k++) sos = data.indexOf(Buffer.from([0xff, 0xda]), sos + 1);
      for (let i = sos + 40; i < sos + 60; i++) data[i]! ^= 0x5a;
      const path = join(dir, `damaged-${frame}-${file.split('/').pop()}`);
      await writeFile(path, data);
      expect(spawnSync('dcmdjpeg', [path, join(dir, 'out.dcm')], { encoding: 'utf8' }).stderr).toMatch(/Corrupt JPEG data/);
      return path;
    };
    const cases: Array<[string, number, RegExp]> = [
      [join(DIR, 'jpeg_rgb_no_colour_markers.dcm'), 0, /^has damaged JPEG data: its decoder reads "Corrupt JPEG data: [^"]+", and shows the part it lost as grey/],
      [join(DIR, 'nm_bone_jpeg_extended_12bit.dcm'), 0, /^has damaged JPEG data: its decoder reads "Corrupt JPEG data: /],
      [xa, 2, /^has damaged JPEG data in frame 3 of 4: its decoder reads "Corrupt JPEG data: /],
      // Lossless JPEG too (0.47): its own decoder has no warnings, and the frame went "bit-exact" with what it lost.
      [join(DIR, 'xa_4frame_jpeg_lossless.dcm'), 2, /^has damaged JPEG data in frame 3 of 4: its decoder reads "Corrupt JPEG data: premature end of data segment"/],
    ];
    for (const [file, frame, message] of cases) {
      const parsed = parseDicom(new Uint8Array(readFileSync(await damaged(file, frame))), MAX);
      await expect(decodeStoredFrame(parsed, frame)).rejects.toThrow(message);
      expect(parsed.info.syntax).toMatch(/^1\.2\.840\.10008\.1\.2\.4\.(5[01]|70)$/);
      // The file's other frames, and the intact file, read.
      if (frame > 0) expect((await decodeStoredFrame(parsed, 0)).length).toBe(parsed.info.rows * parsed.info.columns);
      await expect(decodeStoredFrame(parseDicom(new Uint8Array(readFileSync(file)), MAX), frame)).resolves.toBeDefined();
    }
  });
});
