/**
 * A copy cut short (a CD read that failed part-way, an interrupted download): named from its header, before a study
 * is encoded or the app lists it as ready, in the words its reader uses when it meets the file whole.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headerRefusal } from '../../../src-main/engine/dicom/header.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { studyOrder } from '../../../src-main/engine/dicom/order.js';
import { FIXTURES, tempDir } from '../../helpers.js';

const DIR = join(FIXTURES, 'dicom');
const MAX = 64 * 1024 * 1024;
const read = (path: string) => readDicomFile(path, { maxPixels: MAX, deidentify: null });

/** `bytes` without its last `cut` bytes passes the header check and reads as the whole file does, pixel for pixel. */
async function expectReadAsWhole(dir: string, bytes: Buffer, cut: number): Promise<void> {
  const whole = join(dir, 'whole.dcm'), shortened = join(dir, 'shortened.dcm');
  writeFileSync(whole, bytes);
  writeFileSync(shortened, bytes.subarray(0, -cut));
  expect(await headerRefusal(shortened)).toBeUndefined();
  const [a] = await read(whole);
  const [b] = await read(shortened);
  expect(Buffer.from(b!.image.pixels.buffer).equals(Buffer.from(a!.image.pixels.buffer))).toBe(true);
}

describe('a DICOM file cut short', () => {
  /** The fixture `file`'s bytes, without its preamble, or `convert`ed by dcmconv first (into the test's folder). */
  async function copies(dir: string, file: string, convert?: string): Promise<Buffer> {
    if (!convert) return readFileSync(join(DIR, file));
    if (convert === 'no-preamble') return readFileSync(join(DIR, file)).subarray(132); // File Meta first, as some writers do
    const out = join(dir, `${convert}-${file}`);
    execFileSync('dcmconv', [convert, join(DIR, file), out]);
    return readFileSync(out);
  }

  type Case = [string, string, string | undefined, RegExp];
  const CUT_SHORT = '%s: named from its header, as its reader names it, and a study holding it stops before a slice is encoded';
  async function cutShort(_: string, file: string, convert: string | undefined, message: RegExp): Promise<void> {
    const dir = await tempDir();
    const bytes = await copies(dir, file, convert);
    const whole = join(dir, 'whole.dcm'), cut = join(dir, 'cut.dcm');
    writeFileSync(whole, bytes);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    expect(await headerRefusal(whole)).toBeUndefined();
    expect((await read(whole)).length).toBeGreaterThan(0);
    const refusal = await headerRefusal(cut);
    expect(refusal).toMatch(message);
    await expect(read(cut)).rejects.toThrow(`cut.dcm: ${refusal}`);
    const order = await studyOrder([whole, cut], MAX);
    expect([...order.refused.keys()]).toEqual([cut]);
    expect(order.refused.get(cut)?.message).toBe(refusal);
  }

  it.each<Case>([
    ['uncompressed (Explicit VR Little Endian)', 'ct_small_explicit_le.dcm', undefined, /^is truncated: its Pixel Data holds \d+ bytes but 1 frame\(s\) of 128x128 need 32768\. This copy is incomplete/],
    ['uncompressed, without the preamble and "DICM"', 'ct_small_explicit_le.dcm', 'no-preamble', /^is truncated: its Pixel Data holds \d+ bytes but 1 frame\(s\) of 128x128 need 32768\./],
    ['uncompressed, without File Meta (Implicit VR)', 'mr_philips_512_implicit_le_nometa.dcm', undefined, /^is truncated: its Pixel Data holds \d+ bytes but 1 frame\(s\) of 512x512 need 524288\./],
    ['Explicit VR Big Endian', 'mr_small_explicit_be.dcm', undefined, /^is truncated: its Pixel Data holds \d+ bytes but 1 frame\(s\) of 64x64 need 8192\./],
    ['JPEG 2000', 'ct_head_512_j2k_lossless.dcm', undefined, /^is truncated: its compressed Pixel Data needs \d+ bytes more than the file holds\. This copy is incomplete/],
    ['RLE', 'mr_small_rle.dcm', undefined, /^is truncated: its compressed Pixel Data needs \d+ bytes more than the file holds\./],
  ])(CUT_SHORT, cutShort);

  it.skipIf(!existsSync('/usr/bin/dcmconv')).each<Case>([
    ['1-bit frames (a segmentation)', 'seg_liver_1bit_3frame_deflated.dcm', '+te', /^is truncated: its Pixel Data holds \d+ bytes but 3 1-bit frame\(s\) of 510x510 need 97538\./],
  ])(CUT_SHORT, cutShort);

  it.skipIf(!existsSync('/usr/bin/dcmodify'))('a header past 1 MiB (an enhanced file\'s functional groups): a copy cut in its pixels is named before encoding, as the run names it', async () => {
    const dir = await tempDir();
    const whole = join(dir, 'whole.dcm'), cut = join(dir, 'cut.dcm'), blob = join(dir, 'private.bin');
    writeFileSync(whole, readFileSync(join(DIR, 'ct_small_explicit_le.dcm')));
    writeFileSync(blob, Buffer.alloc(1_500_000, 0x5a));
    execFileSync('dcmodify', ['-nb', '-i', '(0029,0010)=AEIMG TEST', '-if', `(0029,1010)=${blob}`, whole]);
    const bytes = readFileSync(whole);
    expect(bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]))).toBeGreaterThan(1_500_000); // Pixel Data past 1 MiB
    writeFileSync(cut, bytes.subarray(0, bytes.length - 20_000));
    expect(await headerRefusal(whole)).toBeUndefined();
    const refusal = await headerRefusal(cut);
    expect(refusal).toMatch(/^is truncated: its Pixel Data holds 12768 bytes but 1 frame\(s\) of 128x128 need 32768\. This copy is incomplete/);
    await expect(read(cut)).rejects.toThrow(`cut.dcm: ${refusal}`);
  });

  it.each([
    ['uncompressed', 'ct_small_explicit_le.dcm'],
    ['RLE', 'mr_small_rle.dcm'],
  ])('%s, cut only in what follows its Pixel Data (its trailing padding): its image is whole, and read as the whole file is', async (_, file) => {
    const dir = await tempDir();
    const bytes = readFileSync(join(DIR, file));
    expect([...bytes.subarray(-138, -134)]).toEqual([0xfc, 0xff, 0xfc, 0xff]); // (FFFC,FFFC) Data Set Trailing Padding, 126 bytes
    await expectReadAsWhole(dir, bytes, 50);
  });

  it('a Pixel Data element written too short in a whole file is damaged, not cut: copied again or exported again', async () => {
    const dir = await tempDir();
    const bytes = Buffer.from(readFileSync(join(DIR, 'ct_small_explicit_le.dcm')));
    const at = bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57])); // (7FE0,0010) OW
    expect(bytes.readUInt32LE(at + 8)).toBe(32768);
    bytes.writeUInt32LE(16384, at + 8);
    const short = join(dir, 'short.dcm');
    writeFileSync(short, bytes);
    const refusal = await headerRefusal(short);
    expect(refusal).toBe('has Pixel Data of 16384 bytes but 1 frame(s) of 128x128 need 32768: the file is damaged. ' +
      'Copy it again from the CD or PACS, or export it again if that copy fails too.');
    await expect(read(short)).rejects.toThrow(`short.dcm: ${refusal}`);
  });

  it('an image\'s file without Pixel Data (its pixels stripped) is a copy to take again, told before any pixel is read; a presentation state is not refused here (0.48)', async () => {
    const dir = await tempDir();
    const bytes = Buffer.from(readFileSync(join(DIR, 'ct_small_explicit_le.dcm')));
    const stripped = join(dir, 'stripped.dcm');
    writeFileSync(stripped, bytes.subarray(0, bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57])))); // up to (7FE0,0010)
    // Before, the dry run and the app's list said it would go, and its reading called it "a report, structure set or presentation state".
    const refusal = await headerRefusal(stripped);
    expect(refusal).toBe('is a CT image (SOP class 1.2.840.10008.5.1.4.1.1.2) whose file holds no Pixel Data: a copy that is incomplete, or whose ' +
      'pixels were removed. Copy it again from the CD or PACS export, or export it again.');
    await expect(read(stripped)).rejects.toThrow(`stripped.dcm: ${refusal}`);
    // An object without pixels of another class may go with its study: its header is no reason to refuse it.
    expect(await headerRefusal(join(DIR, 'negative_rtstruct_no_pixels.dcm'))).toBeUndefined();
  });

  it('a compressed file whose fragments end where the file does, without the closing delimiter, is neither refused nor changed', async () => {
    const dir = await tempDir();
    const bytes = readFileSync(join(DIR, 'ct_head_512_j2k_lossless.dcm'));
    expect([...bytes.subarray(-8)]).toEqual([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]); // the Sequence Delimitation Item is last
    await expectReadAsWhole(dir, bytes, 8);
  });

  it('a compressed file damaged inside, its lengths whole: its header cannot tell, its decoder can, and the sender is told to copy or export it again', async () => {
    const dir = await tempDir();
    const bytes = Buffer.from(readFileSync(join(DIR, 'mr_small_j2k_lossless.dcm')));
    const at = bytes.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51])); // the codestream's SOC and SIZ markers
    bytes.fill(0, at, at + 16);
    const damaged = join(dir, 'damaged.dcm');
    writeFileSync(damaged, bytes);
    expect(await headerRefusal(damaged)).toBeUndefined();
    await expect(read(damaged)).rejects.toThrow(/^damaged\.dcm: .*the file is damaged\. Copy it again from the CD or PACS, or export it again if that copy fails too\.$/);
  });
});
