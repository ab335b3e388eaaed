/**
 * What real archives hold beyond the basic fixtures: JPEG-LS colour (every interleave mode, near-lossless, files
 * without preamble), HTJ2K, 16-bit colour, 1-bit segmentations, segmented palettes, LUT sequences and enhanced
 * multi-frame functional groups; and the cases aeimg refuses by name. Oracles (dcmtk, OpenJPH, pydicom) are recorded
 * in tests/fixtures/dicom/oracles.json; tests/fixtures/dicom/LICENSE.md says how each file was made.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import dcmjs from 'dcmjs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandSegmentedLut } from '../../../src-main/engine/dicom/lut.js';
import { decodeFrameData, decodeStoredFrame, encapsulatedFrameData, parseDicom } from '../../../src-main/engine/dicom/parse.js';
import { headerRefusalOf } from '../../../src-main/engine/dicom/pixel-module.js';
import { parseDicomHeader } from '../../../src-main/engine/dicom/read-dataset.js';
import sharp from 'sharp';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { headerRefusal } from '../../../src-main/engine/dicom/header.js';
import { FIXTURES, tempDir } from '../../helpers.js';

const DIR = join(FIXTURES, 'dicom');
const MAX = 64 * 1024 * 1024;
interface Stats { sha256: string; min: number; max: number; mean: number }
interface Oracle extends Partial<Stats> { file: string; syntax: string; frames: number; oracle: string; rgb8?: Stats; displayed?: number[] }
const oracles: Oracle[] = JSON.parse(readFileSync(join(DIR, 'oracles.json'), 'utf8'));
const oracle = (file: string) => oracles.find((o) => o.file === file)!;
const bytes = (f: string) => new Uint8Array(readFileSync(join(DIR, f)));
const read = (f: string) => readDicomFile(join(DIR, f), { maxPixels: MAX, deidentify: null });

function stats(arrays: ArrayLike<number>[], raw: (a: ArrayLike<number>) => Uint8Array): Stats {
  const hash = createHash('sha256');
  let min = Infinity, max = -Infinity, sum = 0, n = 0;
  for (const a of arrays) {
    hash.update(raw(a));
    for (let i = 0; i < a.length; i++) { const v = a[i]!; min = Math.min(min, v); max = Math.max(max, v); sum += v; n++; }
  }
  return { sha256: hash.digest('hex'), min, max, mean: sum / n };
}

async function storedFrames(file: string | Uint8Array) {
  const parsed = parseDicom(typeof file === 'string' ? bytes(file) : file, MAX);
  const frames = [];
  for (let i = 0; i < parsed.info.frames; i++) frames.push(await decodeStoredFrame(parsed, i));
  return { info: parsed.info, frames };
}

const typedBytes = (a: ArrayLike<number>) => {
  const t = a as Uint8Array | Uint16Array | Int16Array;
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
};

function expectOracle(got: Stats, want: Partial<Stats>) {
  expect(got.min).toBe(want.min);
  expect(got.max).toBe(want.max);
  expect(got.mean).toBeCloseTo(want.mean!, 3);
  expect(got.sha256).toBe(want.sha256);
}

describe('an RGB JPEG\'s colours', () => {
  it('its components as RGB where its data says nothing of its colour space, as the file says; converted where it says YCbCr (JFIF)', async () => {
    // pydicom's whole-slide tile (no marker, IDs 0,1,2): libjpeg took it for YCbCr, and it came out magenta.
    const [tile] = await read('jpeg_rgb_no_colour_markers.dcm');
    const px = (img: { width: number; pixels: ArrayLike<number> }, r: number, c: number) => [0, 1, 2].map((k) => img.pixels[(r * img.width + c) * 3 + k]);
    expect([77, 78, 79, 80].map((c) => px(tile!.image, 29, c))).toEqual([[240, 243, 246], [214, 210, 213], [150, 134, 134], [244, 244, 244]]); // pydicom's reference
    const parsed = parseDicom(bytes('jpeg_rgb_no_colour_markers.dcm'), MAX);
    const before = await decodeFrameData(parsed.info.syntax, encapsulatedFrameData(parsed, 0), parsed.info, 'the frame', { legacy: true });
    expect([0, 1, 2].map((k) => before[(29 * 256 + 77) * 3 + k])).not.toEqual([240, 243, 246]); // as 0.14 read it, for its kept frames
    // A JFIF photograph labelled RGB (fo-dicom's GH195): its YCbCr converted, as its JFIF marker says (dcmtk and GDCM
    // show its components as RGB, in false colours). sharp (libjpeg-turbo) decodes the same data to the same colours.
    const [jfif] = await read('jpeg_jfif_labelled_rgb.dcm');
    const jp = parseDicom(bytes('jpeg_jfif_labelled_rgb.dcm'), MAX);
    const viaSharp = await sharp(Buffer.from(encapsulatedFrameData(jp, 0))).raw().toBuffer();
    expect(Math.max(...Array.from(jfif!.image.pixels, (v, i) => Math.abs(v - viaSharp[i]!)))).toBeLessThanOrEqual(1);
    expect(px(jfif!.image, 4, 0)[0]).toBeGreaterThan(180); // the top bars are red
  });
});

describe('stored values match the oracles', () => {
  it.each(oracles.filter((o) => o.sha256).map((o) => [o.file, o] as const))('%s', async (file, want) => {
    const { info, frames } = await storedFrames(file);
    expect(info.syntax).toBe(want.syntax);
    expect(frames).toHaveLength(want.frames);
    expectOracle(stats(frames, typedBytes), want);
  });
});

describe('JPEG-LS colour', () => {
  it('reads a Part 10 file without preamble exactly like the same file with one (it used to say "no Pixel Data")', async () => {
    const bare = bytes('jls_rgb_ilv0_nopreamble.dcm');
    const withPreamble = new Uint8Array(132 + bare.length);
    withPreamble.set(new TextEncoder().encode('DICM'), 128);
    withPreamble.set(bare, 132);
    const a = await storedFrames(bare);
    const b = await storedFrames(withPreamble);
    expect(Array.from(a.frames[0]!)).toEqual(Array.from(b.frames[0]!));
  });

  it('every interleave mode gives the uncompressed source\'s values', async () => {
    const source = (await storedFrames('us_rgb_explicit_be.dcm')).frames[0]!;
    for (const file of ['jls_rgb_ilv0_nopreamble.dcm', 'jls_rgb_ilv1.dcm', 'jls_rgb_ilv2_nopreamble.dcm']) {
      expect(Array.from((await storedFrames(file)).frames[0]!), file).toEqual(Array.from(source));
    }
  });
});

describe('HTJ2K', () => {
  it('lossless 16-bit signed MR gives the uncompressed source\'s values', async () => {
    const source = (await storedFrames('mr_small_explicit_le.dcm')).frames[0]!;
    const ht = (await storedFrames('htj2k_mr_lossless.dcm')).frames[0]!;
    expect(ht).toBeInstanceOf(Int16Array);
    expect(Array.from(ht)).toEqual(Array.from(source));
  });
});

describe.skipIf(!existsSync('/usr/bin/dcmcrle'))('RLE colour against dcmtk', () => {
  it('an RLE file with Planar Configuration 1 (dcmcrle) gives the uncompressed source\'s values', async () => {
    const rle = join(await tempDir(), 'rgb_rle.dcm');
    execFileSync('dcmcrle', [join(DIR, 'us_rgb_explicit_be.dcm'), rle]);
    const got = await storedFrames(new Uint8Array(readFileSync(rle)));
    expect(got.info.planarConfiguration).toBe(1);
    expect(Array.from(got.frames[0]!)).toEqual(Array.from((await storedFrames('us_rgb_explicit_be.dcm')).frames[0]!));
  });
});

describe('16-bit colour and 1-bit segmentations are carried losslessly', () => {
  it('16-bit RGB becomes a 16-bit, 3-channel image of the stored values', async () => {
    const [img] = await read('sc_rgb_rle_16bit.dcm');
    expect(img!.image.channels).toBe(3);
    expect(img!.image.bitDepth).toBe(16);
    const want = oracle('sc_rgb_rle_16bit.dcm');
    expectOracle(stats([img!.image.pixels], typedBytes), want);
  });

  it('a 3-frame 1-bit segmentation, frames not byte-aligned, becomes 8-bit grey 0/1 with Bits Stored 1', async () => {
    const images = await read('seg_liver_1bit_3frame_deflated.dcm');
    expect(images).toHaveLength(3);
    expect(images.every((i) => i.image.bitDepth === 8 && i.image.channels === 1 && i.dicom.pixel.bitsStored === 1)).toBe(true);
    expectOracle(stats(images.map((i) => i.image.pixels), typedBytes), oracle('seg_liver_1bit_3frame_deflated.dcm'));
  });

  it('Deflated Image Frame Compression holds 1-bit frames only: an 8-bit file that says it is refused from its header, before a study is encoded', () => {
    const b = readFileSync(join(FIXTURES, 'dicom', 'seg_liver_1bit_3frame_deflated_frames.dcm'));
    const header = (bits: number) => {
      const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
      Object.assign(dicom.dict, { '00280100': { vr: 'US', Value: [bits] }, '00280101': { vr: 'US', Value: [bits] }, '00280102': { vr: 'US', Value: [bits - 1] } });
      return parseDicomHeader(new Uint8Array(dicom.write()));
    };
    expect(headerRefusalOf(header(1), 1 << 26)).toBeUndefined();
    expect(headerRefusalOf(header(8), 1 << 26)?.message).toMatch(/^uses the transfer syntax .*1\.2\.840\.10008\.1\.2\.8\.1\), which aeimg cannot decode/);
  });

  it("a dropped file's header is read from its first 16 MiB: a longer header gets no verdict, never a refusal of what it did not read", async () => {
    const dir = await tempDir();
    const b = readFileSync(join(FIXTURES, 'dicom', 'rtdose_32bit.dcm'));
    const dose = join(dir, 'dose.dcm');
    writeFileSync(dose, b);
    expect(await headerRefusal(dose)).toMatch(/^has 32-bit samples/);
    // The same dose grid with private data before its pixels (as a vendor's private blocks or an enhanced file's
    // functional groups can be): 1.5 MB is read and refused as the grid is (0.28 stopped at 1 MiB), 17 MB is not read.
    for (const [bytes, verdict] of [[1_500_000, /^has 32-bit samples/], [17_000_000, undefined]] as const) {
      const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
      Object.assign(dicom.dict, { '00090010': { vr: 'LO', Value: ['AEIMG TEST'] }, '00091010': { vr: 'OB', Value: [new Uint8Array(bytes).buffer] } });
      const long = join(dir, `long-${bytes}.dcm`);
      writeFileSync(long, Buffer.from(dicom.write()));
      if (verdict) expect(await headerRefusal(long)).toMatch(verdict);
      else expect(await headerRefusal(long)).toBeUndefined(); // refused when it is read whole, as before
    }
  });

  it.skipIf(!existsSync('/usr/bin/dcmconv'))('reads the same segmentation in Explicit VR Big Endian (dcmconv +tb) identically', async () => {
    const dir = await tempDir();
    const be = join(dir, 'seg_be.dcm');
    execFileSync('dcmconv', ['+tb', join(DIR, 'seg_liver_1bit_3frame_deflated.dcm'), be]);
    const got = await storedFrames(new Uint8Array(readFileSync(be)));
    expect(got.info.syntax).toBe('1.2.840.10008.1.2.2');
    expectOracle(stats(got.frames, typedBytes), oracle('seg_liver_1bit_3frame_deflated.dcm'));
  });
});

describe('lookup tables', () => {
  it('expands a 16-bit segmented palette (discrete and linear segments) to the colours pydicom gives', async () => {
    const want = oracle('palette_segmented_16bit.dcm');
    const [img] = await read('palette_segmented_16bit.dcm');
    expect(img!.image.channels).toBe(3);
    expectOracle(stats([img!.image.pixels], typedBytes), want.rgb8!);
  });

  it('refuses an indirect palette segment by name rather than guess its offset', () => {
    const words = [0, 2, 10, 20, 2, 1, 0, 0];
    expect(() => expandSegmentedLut(words, 4, 'red')).toThrow(/segmented red palette with an indirect segment/);
  });

  it('records the Modality and VOI LUT Sequences, which reproduce dcmtk\'s display; overlays are not burned in', async () => {
    const [img] = await read('lut_modality_voi_overlay.dcm');
    const { modalityLut, voiLut } = img!.dicom.pixel;
    expect(modalityLut).toMatchObject({ first: 0, bits: 12 });
    expect(voiLut).toMatchObject({ first: 0, bits: 8, explanation: 'SQRT' });
    const stored = (await storedFrames('lut_modality_voi_overlay.dcm')).frames[0]!;
    expect(Array.from(img!.image.pixels)).toEqual(Array.from(stored)); // stored values unchanged, overlay ignored
    const apply = (lut: NonNullable<typeof modalityLut>, v: number) => lut.data[Math.min(lut.data.length - 1, Math.max(0, v - lut.first))]!;
    const displayed = Array.from(stored, (v) => apply(voiLut!, apply(modalityLut!, v)));
    expect(displayed).toEqual(oracle('lut_modality_voi_overlay.dcm').displayed);
  });
});

describe('enhanced multi-frame', () => {
  it('takes each frame\'s rescale, window, position and pixel spacing from the functional groups (per-frame over shared)', async () => {
    const images = await read('enhanced_mr_3frame_functional_groups.dcm');
    // The values written in the file (dcmdump shows them): shared rescale 1/0, frame 2 overrides it with 2.5/-100.
    expect(images.map((i) => [i.dicom.pixel.rescaleSlope, i.dicom.pixel.rescaleIntercept])).toEqual([[1, 0], [2.5, -100], [1, 0]]);
    expect(images.map((i) => i.dicom.pixel.window)).toEqual([{ center: 200, width: 400 }, { center: 210, width: 420 }, { center: 220, width: 440 }]);
    expect(images.map((i) => i.dicom.pixel.planePosition)).toEqual([[-10, -20, 30], [-10, -20, 35], [-10, -20, 40]]);
    // The shared Pixel Measures: 0.5 mm both ways, for every frame (no top-level Pixel Spacing in an enhanced file).
    expect(images.map((i) => i.dicom.pixel.pixelSpacing)).toEqual([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]);
  });
});

/** A minimal Explicit VR Little Endian Part 10 file. */
function part10(elements: [number, number, string, Uint8Array][]): Uint8Array {
  const long = new Set(['OB', 'OW', 'OF', 'OD', 'SQ', 'UN', 'UT']);
  const parts: Uint8Array[] = [new Uint8Array(128), new TextEncoder().encode('DICM')];
  for (const [group, element, vr, value] of elements) {
    const head = new DataView(new ArrayBuffer(long.has(vr) ? 12 : 8));
    head.setUint16(0, group, true);
    head.setUint16(2, element, true);
    head.setUint8(4, vr.charCodeAt(0));
    head.setUint8(5, vr.charCodeAt(1));
    if (long.has(vr)) head.setUint32(8, value.length, true); else head.setUint16(6, value.length, true);
    parts.push(new Uint8Array(head.buffer), value);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}
const text = (s: string) => new TextEncoder().encode(s.length % 2 ? `${s}\0` : s);
const us = (v: number) => new Uint8Array(new Uint16Array([v]).buffer);

describe('refused by name', () => {
  it.each([
    ['Float Pixel Data (7FE0,0008)', 0x0008, 'OF', new Float32Array([0.5, 1.5, 2.5, 3.5])],
    ['Double Float Pixel Data (7FE0,0009)', 0x0009, 'OD', new Float64Array([0.5, 1.5, 2.5, 3.5])],
  ] as const)('a parametric map with %s', (name, element, vr, floats) => {
    const file = part10([
      [0x0002, 0x0010, 'UI', text('1.2.840.10008.1.2.1')],
      [0x0008, 0x0016, 'UI', text('1.2.840.10008.5.1.4.1.1.30')],
      [0x0028, 0x0002, 'US', us(1)], [0x0028, 0x0004, 'CS', text('MONOCHROME2')],
      [0x0028, 0x0010, 'US', us(2)], [0x0028, 0x0011, 'US', us(2)], [0x0028, 0x0100, 'US', us(floats.BYTES_PER_ELEMENT * 8)],
      [0x7fe0, element, vr, new Uint8Array(floats.buffer)],
    ]);
    expect(() => parseDicom(file, MAX)).toThrow(`has ${name}, which aeimg does not carry`);
  });

  it.each([[12, 8], [20, 16], [0, 16]])('Bits Stored %i with Bits Allocated %i: inconsistent, not guessed at', (stored, allocated) => {
    const file = part10([
      [0x0002, 0x0010, 'UI', text('1.2.840.10008.1.2.1')],
      [0x0028, 0x0002, 'US', us(1)], [0x0028, 0x0004, 'CS', text('MONOCHROME2')],
      [0x0028, 0x0010, 'US', us(2)], [0x0028, 0x0011, 'US', us(2)],
      [0x0028, 0x0100, 'US', us(allocated)], [0x0028, 0x0101, 'US', us(stored)],
      [0x7fe0, 0x0010, allocated === 8 ? 'OB' : 'OW', new Uint8Array(4 * 2)],
    ]);
    expect(() => parseDicom(file, MAX)).toThrow(`says Bits Stored ${stored} with Bits Allocated ${allocated}, which no image can be`);
  });

  it.each([
    ['YB`_ICT', 3, 0, "says Photometric Interpretation 'YB`_ICT', which aeimg does not read"], // a damaged term
    ['RGB\x07', 3, 0, "says Photometric Interpretation 'RGB?', which aeimg does not read"],
    ['HSV', 3, 0, "says Photometric Interpretation 'HSV', which aeimg does not read"], // retired
    ['MONOCHROME2', 3, 0, 'says Photometric Interpretation MONOCHROME2 with 3 sample(s) per pixel, which no image can be'],
    ['RGB', 1, 0, 'says Photometric Interpretation RGB with 1 sample(s) per pixel, which no image can be'],
    ['RGB', 3, 16384, 'says Planar Configuration 16384, which is 0 or 1 in every image'],
  ])('Photometric Interpretation %j with %i samples, planar %i: refused by name, not decoded as a guess', (photometric, samples, planar, message) => {
    const file = part10([
      [0x0002, 0x0010, 'UI', text('1.2.840.10008.1.2.1')],
      [0x0028, 0x0002, 'US', us(samples)], [0x0028, 0x0004, 'CS', text(photometric)], [0x0028, 0x0006, 'US', us(planar)],
      [0x0028, 0x0010, 'US', us(2)], [0x0028, 0x0011, 'US', us(2)], [0x0028, 0x0100, 'US', us(8)],
      [0x7fe0, 0x0010, 'OB', new Uint8Array(4 * samples)],
    ]);
    expect(() => parseDicom(file, MAX)).toThrow(message);
  });

  it('32-bit samples (an RT dose grid)', async () => {
    await expect(read('rtdose_32bit.dcm')).rejects.toThrow(/rtdose_32bit\.dcm: has 32-bit samples \(Bits Allocated 32\), which aeimg does not carry/);
  });
});

describe('native YCbCr colour (ultrasound devices; files a toolkit decompressed)', () => {
  /** The US RGB fixture's pixels as YBR_FULL or YBR_FULL_422 samples (PS3.3 C.7.6.3.1.2), in an Explicit VR LE file. */
  async function ybrFile(photometric: 'YBR_FULL' | 'YBR_FULL_422', opts: { columns?: number; cut?: number } = {}) {
    const [rgbFrame] = await read('us_rgb_explicit_be.dcm');
    const { width, height, pixels } = rgbFrame!.image;
    const columns = opts.columns ?? width;
    const ycc = Array.from({ length: height * columns }, (_, i) => {
      const k = (Math.floor(i / columns) * width + (i % columns) % width) * 3;
      const [r, g, b] = [pixels[k]!, pixels[k + 1]!, pixels[k + 2]!];
      return [0.299 * r + 0.587 * g + 0.114 * b, -0.168736 * r - 0.331264 * g + 0.5 * b + 128, 0.5 * r - 0.418688 * g - 0.081312 * b + 128];
    });
    const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
    const data = photometric === 'YBR_FULL'
      ? ycc.flatMap(([y, cb, cr]) => [y!, cb!, cr!].map(byte))
      : ycc.flatMap((p, i) => (i % 2 ? [] : [p[0]!, ycc[i + 1]![0]!, (p[1]! + ycc[i + 1]![1]!) / 2, (p[2]! + ycc[i + 1]![2]!) / 2].map(byte)));
    const pixelData = Uint8Array.from(data.slice(0, data.length - (opts.cut ?? 0)));
    // The DICOM JSON model, as dicom/write.ts gives dcmjs.
    const v = (vr: string, value: unknown) => ({ vr, Value: [value] });
    const dict = new dcmjs.data.DicomDict({
      '00020002': v('UI', '1.2.840.10008.5.1.4.1.1.6.1'), '00020003': v('UI', '2.25.1'), '00020010': v('UI', '1.2.840.10008.1.2.1'),
    });
    dict.dict = {
      '00080016': v('UI', '1.2.840.10008.5.1.4.1.1.6.1'), '00080018': v('UI', '2.25.1'), '00080060': v('CS', 'US'),
      '00280002': v('US', 3), '00280004': v('CS', photometric), '00280006': v('US', 0), '00280010': v('US', height), '00280011': v('US', columns),
      '00280100': v('US', 8), '00280101': v('US', 8), '00280102': v('US', 7), '00280103': v('US', 0), '7FE00010': v('OB', pixelData.buffer),
    };
    const path = join(await tempDir(), `${photometric}.dcm`);
    writeFileSync(path, Buffer.from(dict.write()));
    return { path, rgb: pixels, ycc: data };
  }
  const toRgb = (y: number, cb: number, cr: number) => [y + 1.402 * (cr - 128), y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128), y + 1.772 * (cb - 128)]
    .map((v) => Math.max(0, Math.min(255, Math.round(v))));

  it('YBR_FULL comes back as the RGB it was made from (within the rounding of the samples: ±1)', async () => {
    const { path, rgb } = await ybrFile('YBR_FULL');
    const [frame] = await readDicomFile(path, { maxPixels: MAX, deidentify: null });
    expect(frame!.image.channels).toBe(3);
    expect(Math.max(...frame!.image.pixels.map((v, i) => Math.abs(v - rgb[i]!)))).toBeLessThanOrEqual(1);
  });

  it('YBR_FULL_422 (two bytes a pixel, each pair sharing its chroma) is read, as the standard converts it; odd widths and short data by name', async () => {
    const { path, ycc } = await ybrFile('YBR_FULL_422');
    const [frame] = await readDicomFile(path, { maxPixels: MAX, deidentify: null });
    const expected = Array.from({ length: ycc.length / 2 }, (_, p) => {
      const q = Math.floor(p / 2) * 4;
      return toRgb(ycc[q + (p % 2)]!, ycc[q + 2]!, ycc[q + 3]!);
    }).flat();
    expect(Array.from(frame!.image.pixels)).toEqual(expected); // 0.9 said "is truncated: … holds 9600 bytes but … need 14400"
    const odd = await ybrFile('YBR_FULL_422', { columns: 79 });
    await expect(readDicomFile(odd.path, { maxPixels: MAX, deidentify: null })).rejects.toThrow('has 8-bit YBR_FULL_422 colour with an odd number of columns');
    const cut = await ybrFile('YBR_FULL_422', { cut: 4 });
    await expect(readDicomFile(cut.path, { maxPixels: MAX, deidentify: null })).rejects.toThrow('has Pixel Data of 9596 bytes but 1 frame(s) of 80x60 need 9600: the file is damaged.');
  });
});

describe('High Bit above Bits Stored − 1 (older files: a 12-bit value in bits 4..15)', () => {
  /** A 64x32 16-bit file whose 12-bit values sit at High Bit `highBit`, with noise in the bits below them. */
  async function shifted(values: number[], signed: boolean, highBit: number, syntax = '1.2.840.10008.1.2.1') {
    const shift = highBit - 11;
    const words = Uint16Array.from(values, (v, i) => (((v & 0xfff) << shift) | (i * 7 & ((1 << shift) - 1))) & 0xffff);
    const v = (vr: string, value: unknown) => ({ vr, Value: [value] });
    const dict = new dcmjs.data.DicomDict({
      '00020002': v('UI', '1.2.840.10008.5.1.4.1.1.7'), '00020003': v('UI', '2.25.2'), '00020010': v('UI', syntax),
    });
    dict.dict = {
      '00080016': v('UI', '1.2.840.10008.5.1.4.1.1.7'), '00080018': v('UI', '2.25.2'), '00080060': v('CS', 'OT'),
      '00280002': v('US', 1), '00280004': v('CS', 'MONOCHROME2'), '00280010': v('US', 32), '00280011': v('US', 64),
      '00280100': v('US', 16), '00280101': v('US', 12), '00280102': v('US', highBit), '00280103': v('US', signed ? 1 : 0),
      '7FE00010': v('OW', words.buffer),
    };
    const path = join(await tempDir(), `hb${highBit}.dcm`);
    writeFileSync(path, Buffer.from(dict.write()));
    return path;
  }
  const values = Array.from({ length: 64 * 32 }, (_, i) => (i * 37) % 4096);

  it('reads the value from its own bits, unsigned and signed; the bits below are not part of it', async () => {
    const [u] = await readDicomFile(await shifted(values, false, 15), { maxPixels: MAX, deidentify: null });
    expect(Array.from(u!.image.pixels)).toEqual(values); // 0.9 read bits 0..11: the value's low byte and the noise
    const signedValues = values.map((x) => x - 2048);
    const [s] = await readDicomFile(await shifted(signedValues, true, 15), { maxPixels: MAX, deidentify: null });
    expect(Array.from(s!.image.pixels)).toEqual(signedValues.map((x) => x + 32768));
    const [mid] = await readDicomFile(await shifted(signedValues, true, 13), { maxPixels: MAX, deidentify: null });
    expect(Array.from(mid!.image.pixels)).toEqual(signedValues.map((x) => x + 32768));
  });

  it('refuses a High Bit no sample can have, by name', async () => {
    await expect(readDicomFile(await shifted(values, false, 10), { maxPixels: MAX, deidentify: null }))
      .rejects.toThrow('says High Bit 10 with Bits Stored 12 and Bits Allocated 16, which no image can be');
  });
});
