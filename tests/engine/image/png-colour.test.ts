import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { asSent, decodeImage, imageHeaderRefusal, readImageData } from '../../../src-main/engine/image/io.js';
import { pngChunk } from '../../../src-main/engine/image/png-chunks.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { animatedPng } from '../../../scripts/fuzz/inputs.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

/** A PNG of `rows` (samples, filter 0 added), colour type 0 (grey) or 2 (RGB), with `extra` chunks before its data. */
function png(width: number, rows: number[][], { depth = 8, colourType = 0, extra = [] as Buffer[] } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(rows.length, 4);
  ihdr[8] = depth;
  ihdr[9] = colourType;
  const raw = Buffer.concat(rows.map((r) => {
    const line = Buffer.alloc(1 + r.length * depth / 8);
    r.forEach((v, i) => (depth === 16 ? line.writeUInt16BE(v, 1 + 2 * i) : line.writeUInt8(v, 1 + i)));
    return line;
  }));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), pngChunk('IHDR', ihdr), ...extra, pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}
const u32s = (...v: number[]) => {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32BE(x, 4 * i));
  return b;
};
const gAMA = (g: number) => pngChunk('gAMA', u32s(g));
const SRGB_CHRM = pngChunk('cHRM', u32s(31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000));
const ramp = Array.from({ length: 256 }, (_, i) => i);

/** A grey ICC profile (v4, GRAY) whose tone curve (kTRC) is `curve`: a `para` or `curv` tag (its length a multiple of 4). */
const greyProfile = (curve: Buffer) => {
  const name = Buffer.from('\0g\0r\0e\0y', 'latin1'); // libvips drops a profile without a description
  const desc = Buffer.concat([Buffer.from('mluc\0\0\0\0', 'latin1'), u32s(1, 12), Buffer.from('enUS', 'latin1'), u32s(name.length, 28), name]);
  const xyz = Buffer.concat([Buffer.from('XYZ \0\0\0\0', 'latin1'), u32s(0xf6d6, 0x10000, 0xd32d)]);
  let at = 128 + 4 + 12 * 3;
  const entry = (sig: string, body: Buffer) => { const e = Buffer.concat([Buffer.from(sig, 'latin1'), u32s(at, body.length)]); at += body.length; return e; };
  const table = Buffer.concat([u32s(3), entry('desc', desc), entry('wtpt', xyz), entry('kTRC', curve)]);
  const header = Buffer.alloc(128);
  header.writeUInt32BE(at, 0);
  header.writeUInt32BE(0x04300000, 8);
  header.write('mntrGRAYXYZ ', 12, 'latin1');
  header.write('acsp', 36, 'latin1');
  return Buffer.concat([header, table, desc, xyz, curve]);
};
const para = (gamma: number) => Buffer.concat([Buffer.from('para\0\0\0\0\0\0\0\0', 'latin1'), u32s(Math.round(gamma * 65536))]);
const iccp = (profile: Buffer) => pngChunk('iCCP', Buffer.concat([Buffer.from('grey\0\0', 'latin1'), deflateSync(profile)]));

/** What a colour-managed viewer shows a sample of encoding gamma `gamma`: its linear light, sRGB-encoded (scaled to `max`). */
function shown(v: number, gamma: number, max = 255): number {
  const linear = (v / max) ** (1 / gamma);
  const srgb = linear <= 0.0031308 ? 12.92 * linear : 1.055 * linear ** (1 / 2.4) - 0.055;
  return srgb * max;
}

describe('colours as colour-managed viewers show them (0.31): a PNG\'s gamma (gAMA, cHRM), an HDR PNG, a grey profile', () => {
  it('a grey PNG of gamma 1 (a linear export) is read as a viewer shows it, and the sender is told how far it moved', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'linear.png'), png(256, [ramp, ramp], { extra: [gAMA(100000)] }));
    const file = await readImageData(join(dir, 'linear.png'));
    const got = Array.from(file.pages[0]!.pixels);
    expect(file.pages[0]!.channels).toBe(1);
    // Chromium's ImageDecoder shows 16, 64, 128 as 71, 137, 188: these within one level.
    for (const v of ramp) expect(Math.abs(got[v]! - shown(v, 1)), `sample ${v}`).toBeLessThanOrEqual(1);
    const moved = Math.max(...ramp.map((v) => got[v]! - v));
    expect(moved).toBeGreaterThan(60);
    expect((await asSent(file)).shift).toBe(moved);
    expect(file.declaredColour).toEqual({ said: 'a gamma of 1 (its gAMA chunk)', shift: moved });

    const sent = await encryptImageFile(join(dir, 'linear.png'), { model: await defaultModel(), recipients: [generateSharedKey('Gamma')], outDir: dir, measure: false });
    expect(sent.warnings).toEqual([`linear.png declares a gamma of 1 (its gAMA chunk) and no colour profile, so its colours were converted to sRGB as a ` +
      `colour-managed viewer shows them, up to ${moved} levels from the file's own values: what is sent, and what its figures (bit-exact, within ±N) ` +
      'compare with, is that sRGB image, which shows the colours as you see them; the file\'s own values are not kept.']);
  });

  it('the reader is told what the sender was: a gamma-converted 16-bit PNG is bit-exact to the sRGB image, by how far from the file (0.48)', async () => {
    const dir = await tempDir();
    const ramp16 = ramp.map((v) => v * 257);
    await writeFile(join(dir, 'linear16.png'), png(256, [ramp16, ramp16], { depth: 16, extra: [gAMA(100000)] }));
    await writeFile(join(dir, 'plain16.png'), png(256, [ramp16, ramp16], { depth: 16 }));
    const model = await defaultModel();
    const key = generateSharedKey('Gamma reader');
    const read = async (name: string) => {
      const sent = await encryptImageFile(join(dir, name), { model, recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
      const text = receivedSummary((await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false })).images[0]!.record).text;
      const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: await tempDir(), format: 'dcm' });
      const ds = dicomParser.parseDicom(new Uint8Array(await readFile(dcm.images[0]!.output!)));
      return { sent, text, derivation: ds.string('x00082111') ?? '' };
    };
    const linear = await read('linear16.png');
    const moved = Number(/up to (\d+) levels/.exec(linear.sent.warnings.join(' '))?.[1]);
    expect(moved).toBeGreaterThan(10_000); // a linear ramp's dark end, brightened as a viewer shows it
    // Before, the reader read "bit-exact" alone, and its DICOM "Reconstructed bit-exactly by aeimg (lossless predictive coding)".
    const words = `the sender's file declares a gamma of 1 (its gAMA chunk), so its values were converted to sRGB as a colour-managed viewer ` +
      `shows them, up to ${moved} levels of 65535 from the file's own: the figures are of that sRGB image`;
    expect(linear.text).toBe(`bit-exact; ${words}`);
    expect(linear.derivation).toBe(`Reconstructed bit-exactly by aeimg (lossless predictive coding); ${words}`);
    const plain = await read('plain16.png');
    expect([plain.sent.warnings, plain.text, plain.derivation]).toEqual([[], 'bit-exact', 'Reconstructed bit-exactly by aeimg (lossless predictive coding)']);
  });

  it('a profile that moves no value by more than a level (an sRGB curve\'s rounding) sends the file\'s own values, bit-exact to them (0.49)', async () => {
    const dir = await tempDir();
    // sRGB's own curve (para function 3), its exponent 8/65536 off: at 16 bits it moves most values by 1 level, none by more.
    const fx = (v: number) => Math.round(v * 65536);
    const nearSrgb = Buffer.concat([Buffer.from('para\0\0\0\0\0\x03\0\0', 'latin1'), u32s(fx(2.4) + 8, fx(1 / 1.055), fx(0.055 / 1.055), fx(1 / 12.92), fx(0.04045))]);
    const rows = Array.from({ length: 64 }, (_, r) => ramp.map((v) => Math.min(65535, v * 257 + r * 3)));
    await writeFile(join(dir, 'srgbish16.png'), png(256, rows, { depth: 16, extra: [iccp(greyProfile(nearSrgb))] }));
    const file = await readImageData(join(dir, 'srgbish16.png'));
    const own = rows.flat();
    const moves = own.map((v, i) => Math.abs(file.pages[0]!.pixels[i]! - v));
    expect(Math.max(...moves)).toBe(1); // the case: read through its profile, values a level off
    expect(moves.filter((m) => m).length).toBeGreaterThan(own.length / 4);

    const key = generateSharedKey('Near sRGB');
    const sent = await encryptImageFile(join(dir, 'srgbish16.png'), { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'lossless' } });
    expect(sent.warnings).toEqual([]);
    const got = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: await tempDir() });
    expect(receivedSummary(got.images[0]!.record).text).toBe('bit-exact');
    // Before, what went and was called bit-exact was the profile's reading, a level off the file in most samples.
    const back = (await readImageData(got.images[0]!.output!)).pages[0]!;
    expect([back.bitDepth, back.channels]).toEqual([16, 1]);
    expect(Array.from(back.pixels)).toEqual(own);
  });

  it('a 16-bit grey PNG whose gamma moves its values is refused as a CT: its values would no longer be the HU declared (0.46)', async () => {
    const dir = await tempDir();
    const hu = Array.from({ length: 256 }, (_, i) => 24 + i * 11); // a CT's values, HU + 1024: air to bone
    await writeFile(join(dir, 'linear.png'), png(256, [hu, hu], { depth: 16, extra: [gAMA(100000)] }));
    await writeFile(join(dir, 'plain.png'), png(256, [hu, hu], { depth: 16 }));
    const model = await defaultModel();
    const key = generateSharedKey('Gamma CT');
    const send = (name: string) => encryptImageFile(join(dir, name), { model, recipients: [key], ctIntercept: -1024 });
    // Before, it went "bit-exact" in HU taken from the converted values: up to thousands of HU off the sender's.
    await expect(send('linear.png')).rejects.toThrow(/^linear\.png: is a grey image whose file says its values are light to be shown through a gamma of 1 \(its gAMA chunk\), which aeimg shows as viewers do, moving them by up to \d+: not a CT's values in HU, so it cannot go as a CT/);
    expect((await send('plain.png')).coding.quality).toBeDefined();
    // Undeclared, it goes as a picture, its conversion said (the test above).
    expect((await encryptImageFile(join(dir, 'linear.png'), { model, recipients: [key], force: true })).warnings.join(' ')).toMatch(/declares a gamma of 1/);
  });

  it('16-bit grey, RGB and an animation\'s frames are converted alike; an RGB file\'s cHRM gives its primaries', async () => {
    const ramp16 = ramp.map((v) => v * 257);
    const grey16 = await decodeImage(png(256, [ramp16], { depth: 16, extra: [gAMA(50000)] }));
    expect(grey16.bitDepth).toBe(16);
    for (const v of ramp16) expect(Math.abs(grey16.pixels[v / 257]! - shown(v, 0.5, 65535)), `sample ${v}`).toBeLessThanOrEqual(1);

    // An animated PNG's frames: each as its still image is shown.
    const frames = [ramp, [...ramp].reverse()].map((r) => ({ png: png(256, [r], { extra: [gAMA(100000)] }), delayMs: 100 }));
    const dir = await tempDir();
    await writeFile(join(dir, 'loop.png'), animatedPng(frames));
    const loop = await readImageData(join(dir, 'loop.png'));
    expect(loop.pages.length).toBe(2);
    for (const [i, page] of loop.pages.entries()) {
      for (const [x, v] of (i ? [...ramp].reverse() : ramp).entries()) expect(Math.abs(page.pixels[x]! - shown(v, 1)), `frame ${i + 1}, ${v}`).toBeLessThanOrEqual(1);
    }

    // Pure red, green and blue ramps under sRGB's primaries: each channel on its own, as grey.
    const rgb = (r: number[]) => r.flatMap((v) => [v, 0, 0]);
    const red = await decodeImage(png(256, [rgb(ramp)], { colourType: 2, extra: [gAMA(100000), SRGB_CHRM] }));
    for (const v of ramp) expect(Math.abs(red.pixels[3 * v]! - shown(v, 1)), `red ${v}`).toBeLessThanOrEqual(1);
    expect(Math.max(...ramp.map((v) => red.pixels[3 * v + 1]! + red.pixels[3 * v + 2]!))).toBeLessThanOrEqual(1);
    // Adobe RGB (1998)'s primaries: its linear light to sRGB's by the published matrix (D65 both; red and blue are
    // sRGB's own), each colour within a level of it.
    const adobe = pngChunk('cHRM', u32s(31270, 32900, 64000, 33000, 21000, 71000, 15000, 6000));
    const colours = [[100, 150, 100], [255, 0, 0], [0, 0, 255], [128, 128, 128], [200, 220, 40], [30, 60, 90]];
    const got = await decodeImage(png(colours.length, [colours.flat()], { colourType: 2, extra: [gAMA(45455), adobe] }));
    const toSrgb = [[1.39836, -0.39836, 0], [0, 1, 0], [0, -0.04293, 1.04293]];
    for (const [i, c] of colours.entries()) {
      const linear = c.map((v) => (v / 255) ** (1 / 0.45455));
      const want = toSrgb.map((row) => shown(255 * Math.min(1, Math.max(0, row.reduce((s, m, k) => s + m * linear[k]!, 0))), 1));
      for (let k = 0; k < 3; k++) expect(Math.abs(got.pixels[3 * i + k]! - want[k]!), `${c} channel ${k}`).toBeLessThanOrEqual(1);
    }
    expect(Array.from(got.pixels.subarray(0, 3))).not.toEqual([100, 150, 100]);
  });

  it('what writers put beside sRGB data, chromaticities alone, and a profile or an sRGB chunk are read as before', async () => {
    const dir = await tempDir();
    const files = {
      'imagemagick-grey.png': png(256, [ramp], { extra: [gAMA(45455)] }),
      'imagemagick-rgb.png': png(256, [ramp.flatMap((v) => [v, v, 0])], { colourType: 2, extra: [gAMA(45455), SRGB_CHRM] }),
      'near.png': png(256, [ramp], { extra: [gAMA(47000)] }),
      'chrm-only.png': png(256, [ramp.flatMap((v) => [v, 0, v])], { colourType: 2, extra: [pngChunk('cHRM', u32s(31270, 32900, 64000, 33000, 21000, 71000, 15000, 6000))] }),
      'srgb-chunk.png': png(256, [ramp], { extra: [pngChunk('sRGB', Buffer.from([0])), gAMA(100000)] }),
      'late-gama.png': Buffer.concat([png(256, [ramp]).subarray(0, -12), gAMA(100000), pngChunk('IEND', Buffer.alloc(0))]),
      'zero-gama.png': png(256, [ramp], { extra: [gAMA(0)] }),
      'cicp-srgb.png': png(256, [ramp], { extra: [pngChunk('cICP', Buffer.from([1, 13, 0, 1])), gAMA(100000)] }),
    };
    for (const [name, data] of Object.entries(files)) {
      await writeFile(join(dir, name), data);
      const file = await readImageData(join(dir, name));
      expect(file.data.equals(data), name).toBe(true);
      expect(file.declaredColour, name).toBeUndefined();
      expect((await asSent(file)).shift, name).toBe(0);
    }
    // A gamma near 2.2's but off by more than 5%: converted, as viewers convert it.
    expect((await decodeImage(png(256, [ramp], { extra: [gAMA(48000)] }))).pixels[16]).toBeLessThan(12);
  });

  it('an HDR PNG (cICP other than sRGB\'s: PQ, HLG) is refused by name before anything is sent, not sent as values shown otherwise', async () => {
    const dir = await tempDir();
    const path = join(dir, 'hdr.png');
    await writeFile(path, png(4, [[0, 1, 2, 3]], { extra: [pngChunk('cICP', Buffer.from([9, 16, 0, 1]))] }));
    const said = 'hdr.png: is a PNG coded for HDR or wide-gamut display (its cICP chunk: primaries 9, BT.2020; transfer 16, PQ (HDR)), which aeimg ' +
      'does not convert to what a viewer shows: export it as an ordinary (sRGB) PNG, or send the DICOM file.';
    await expect(readImageData(path)).rejects.toThrow(said);
    expect((await imageHeaderRefusal(path))?.message).toBe(said.replace('hdr.png: ', ''));
  });

  it('a grey image\'s ICC profile is applied by its curve, exactly: at 16 bits too, where the image library left the stored values', async () => {
    const dir = await tempDir();

    // 16-bit, gamma 1 (linear): a mid-grey 16384 shows as sRGB's 0.537, not as its stored 0.25.
    const ramp16 = Array.from({ length: 256 }, (_, i) => i * 257);
    await writeFile(join(dir, 'linear16.png'), png(256, [ramp16], { depth: 16, extra: [iccp(greyProfile(para(1)))] }));
    const file = await readImageData(join(dir, 'linear16.png'));
    const page = file.pages[0]!;
    expect(page.bitDepth).toBe(16);
    for (const [x, v] of ramp16.entries()) expect(Math.abs(page.pixels[x]! - shown(v, 1, 65535)), `sample ${v}`).toBeLessThanOrEqual(1);
    expect((await asSent(file)).shift).toBe(Math.max(...ramp16.map((v, x) => page.pixels[x]! - v)));

    // 8-bit through a curv gamma of 1.8 (u8Fixed8: 461/256), and a 3-point table, within a level.
    const curvGamma = Buffer.concat([Buffer.from('curv\0\0\0\0', 'latin1'), u32s(1), Buffer.from([1, 205, 0, 0])]);
    const curvTable = Buffer.concat([Buffer.from('curv\0\0\0\0', 'latin1'), u32s(3), Buffer.from([0, 0, 0x20, 0, 0xff, 0xff, 0, 0])]);
    const byGamma = await decodeImage(png(256, [ramp], { extra: [iccp(greyProfile(curvGamma))] }));
    for (const v of ramp) expect(Math.abs(byGamma.pixels[v]! - shown(v, 256 / 461)), `gamma 1.8, ${v}`).toBeLessThanOrEqual(1);
    const byTable = await decodeImage(png(256, [ramp], { extra: [iccp(greyProfile(curvTable))] }));
    for (const v of ramp) {
      const x = v / 255, y = x < 0.5 ? x * 2 * (0x2000 / 65535) : 0x2000 / 65535 + (x - 0.5) * 2 * (1 - 0x2000 / 65535);
      expect(Math.abs(byTable.pixels[v]! - shown(255 * y, 1)), `table, ${v}`).toBeLessThanOrEqual(1);
    }
  });

  it('a 16-bit RGB image\'s profile is applied (a matrix-shaper: Display P3), where the image library left the stored values', async () => {
    const p3 = (await sharp(await sharp(Buffer.alloc(12), { raw: { width: 2, height: 2, channels: 3 } }).withIccProfile('p3').png().toBuffer()).metadata()).icc!;
    const colours = [[40000, 30000, 20000], [20000, 40000, 30000], [30000, 30000, 30000], [50000, 45000, 52000], [65535, 65535, 65535]];
    const dir = await tempDir();
    await writeFile(join(dir, 'p3-16.png'), png(colours.length, [colours.flat()], { depth: 16, colourType: 2, extra: [pngChunk('iCCP', Buffer.concat([Buffer.from('p3\0\0', 'latin1'), deflateSync(p3)]))] }));
    const file = await readImageData(join(dir, 'p3-16.png'));
    // Display P3 to sRGB, linear light to linear light: the published matrix (D65 both).
    const toSrgb = [[1.2249, -0.2247, 0], [-0.042, 1.0419, 0], [-0.0197, -0.0786, 1.0979]];
    const linear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    for (const [i, c] of colours.entries()) {
      const lin = c.map((v) => linear(v / 65535));
      const want = toSrgb.map((row) => shown(65535 * Math.min(1, Math.max(0, row.reduce((s, m, k) => s + m * lin[k]!, 0))), 1, 65535));
      for (let k = 0; k < 3; k++) expect(Math.abs(file.pages[0]!.pixels[3 * i + k]! - want[k]!), `${c} channel ${k}`).toBeLessThanOrEqual(257);
    }
    const moved = Math.max(...colours.flat().map((v, i) => Math.abs(file.pages[0]!.pixels[i]! - v)));
    expect(moved).toBeGreaterThan(2000);
    expect((await asSent(file)).shift).toBe(moved);

    // A profile that does not fit the image (a grey one on colour) is left alone, as the image library leaves it.
    const misfit = await decodeImage(png(colours.length, [colours.flat()], { depth: 16, colourType: 2, extra: [iccp(greyProfile(para(1)))] }));
    expect(Array.from(misfit.pixels)).toEqual(colours.flat());
  });

  it('a real wide-gamut profile (ProPhoto RGB, colord\'s) reads alike at 16 bits (aeimg\'s own conversion) and at 8 (the image library\'s)', async () => {
    const profile = await readFile(join(FIXTURES, 'icc', 'ProPhotoRGB.icc'));
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const colours = Array.from({ length: 512 }, () => [random(), random(), random()].map((v) => Math.round(v * 255)));
    const read = (depth: 8 | 16) => decodeImage(png(colours.length, [colours.flat().map((v) => (depth === 16 ? v * 257 : v))], { depth, colourType: 2, extra: [iccp(profile)] }));
    const [eight, sixteen] = [await read(8), await read(16)];
    const apart = Math.max(...Array.from(eight.pixels, (v, i) => Math.abs(v - sixteen.pixels[i]! / 257)));
    const moved = Math.max(...colours.flat().map((v, i) => Math.abs(eight.pixels[i]! - v)));
    expect(moved).toBeGreaterThan(100); // a wide gamut: its saturated colours are far from their stored values
    expect(apart).toBeLessThanOrEqual(1); // 0.55 measured; Chromium's 8-bit reading is within 1 of both
  });

  // Adobe RGB (1998) as a scanner profile might give it: linear light from its gamma, to XYZ (D50) by its colorants.
  const adobeGamma = 563 / 256;
  const adobeColorants = [[0.6097, 0.3111, 0.0195], [0.2053, 0.6257, 0.0609], [0.1492, 0.0632, 0.7446]]; // D50-adapted, columns
  const adobeXyz = (rgb: number[]) => [0, 1, 2].map((k) => rgb.reduce((s, v, c) => s + adobeColorants[c]![k]! * v ** adobeGamma, 0));
  // Adobe RGB to sRGB, linear light to linear light: the published matrix (D65 both).
  const adobeToSrgb = [[1.3982, -0.3982, 0], [0, 1, 0], [0, -0.0429, 1.0429]];
  const adobeShown = (rgb: number[]) => adobeToSrgb.map((row) => shown(65535 * Math.min(1, Math.max(0, row.reduce((s, m, k) => s + m * rgb[k]! ** adobeGamma, 0))), 1, 65535));
  const u16s = (v: number[]) => { const b = Buffer.alloc(2 * v.length); v.forEach((x, i) => b.writeUInt16BE(Math.round(x), 2 * i)); return b; };
  /** An RGB profile whose only colour tag is `a2b0` (no colorant or curve tags), its connection space `pcs`. */
  const tableProfile = (pcs: 'XYZ ' | 'Lab ', a2b0: Buffer) => {
    const desc = Buffer.concat([Buffer.from('desc\0\0\0\0', 'latin1'), u32s(4), Buffer.from('lut\0', 'latin1'), Buffer.alloc(80)]);
    const wtpt = Buffer.concat([Buffer.from('XYZ \0\0\0\0', 'latin1'), u32s(0xf6d6, 0x10000, 0xd32d)]);
    const table = Buffer.concat([u32s(3), Buffer.from('desc', 'latin1'), u32s(168, desc.length), Buffer.from('wtpt', 'latin1'), u32s(168 + desc.length, 20),
      Buffer.from('A2B0', 'latin1'), u32s(188 + desc.length, a2b0.length)]);
    const header = Buffer.alloc(128);
    header.writeUInt32BE(188 + desc.length + a2b0.length, 0);
    header.writeUInt32BE(0x02100000, 8);
    header.write(`scnrRGB ${pcs}`, 12, 'latin1');
    header.write('acsp', 36, 'latin1');
    return Buffer.concat([header, table, desc, wtpt, a2b0]);
  };
  const colours = [[0.6, 0.45, 0.3], [0.3, 0.6, 0.45], [0.45, 0.45, 0.45], [0.76, 0.69, 0.79], [0.2, 0.1, 0.05], [0.05, 0.9, 0.1]];
  const tableFile = (icc: Buffer) => png(colours.length, [colours.flat().map((v) => Math.round(v * 65535))], { depth: 16, colourType: 2, extra: [iccp(icc)] });

  it('a 16-bit RGB image\'s profile with lookup tables (lut16, XYZ) is read pixel by pixel to sRGB, not left in the library\'s Display P3; a broken one is ignored', async () => {
    // A lut16: the gamma in its input tables, the colorants in a 2-point grid (exact for a linear map).
    const n = 4096;
    const input = Array.from({ length: n }, (_, i) => 65535 * (i / (n - 1)) ** adobeGamma);
    const grid = [0, 1].flatMap((r) => [0, 1].flatMap((g) => [0, 1].flatMap((b) => [0, 1, 2].map((k) => 32768 * (adobeColorants[0]![k]! * r + adobeColorants[1]![k]! * g + adobeColorants[2]![k]! * b)))));
    const lut = Buffer.concat([Buffer.from('mft2\0\0\0\0', 'latin1'), Buffer.from([3, 3, 2, 0]), u32s(65536, 0, 0, 0, 65536, 0, 0, 0, 65536), Buffer.from([n >> 8, n & 255, 0, 2]),
      u16s([...input, ...input, ...input]), u16s(grid), u16s([0, 65535, 0, 65535, 0, 65535])]);
    const profile = tableProfile('XYZ ', lut);
    const got = await decodeImage(tableFile(profile));
    for (const [i, c] of colours.entries()) {
      const want = adobeShown(c);
      // 0.02 levels of 255 here, 0.19 at worst over a cube of colours; through the library's Display P3, 0.7 here, 13.4 there
      for (let k = 0; k < 3; k++) expect(Math.abs(got.pixels[3 * i + k]! - want[k]!), `${c} channel ${k}`).toBeLessThanOrEqual(257 / 2);
    }

    // A profile the colour engine refuses (an A2B0 of no known type) is ignored, as viewers and the 8-bit path ignore it.
    const broken = Buffer.from(profile);
    broken.write('mft9', broken.indexOf('mft2'), 'latin1');
    expect(Array.from((await decodeImage(tableFile(broken))).pixels)).toEqual(colours.flat().map((v) => Math.round(v * 65535)));
  });

  it('a 16-bit RGB image\'s profile with a v4 lookup table (lutAtoB, CIELab) is read pixel by pixel to sRGB', async () => {
    // An mAB: a parametric curve as its A curves (gamma 0.5, so the grid is closer to even in lightness), a 33-point grid
    // of CIELab (D50) values, identity B curves.
    const para = Buffer.concat([Buffer.from('para\0\0\0\0', 'latin1'), Buffer.from([0, 0, 0, 0]), u32s(0x8000)]); // gamma 0.5
    const identityCurve = Buffer.concat([Buffer.from('curv\0\0\0\0', 'latin1'), u32s(0)]);
    const side = 33, f = (t: number) => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
    const lab: number[] = [];
    for (let r = 0; r < side; r++) for (let g = 0; g < side; g++) for (let b = 0; b < side; b++) {
      const [x, y, z] = adobeXyz([r, g, b].map((v) => (v / (side - 1)) ** 2)) as [number, number, number]; // the grid is in the A curves' space
      const [fx, fy, fz] = [f(x / 0.9642), f(y), f(z / 0.8249)] as [number, number, number];
      lab.push(65535 * (116 * fy - 16) / 100, 65535 * (500 * (fx - fy) + 128) / 255, 65535 * (200 * (fy - fz) + 128) / 255);
    }
    const clut = Buffer.concat([Buffer.from([side, side, side]), Buffer.alloc(13), Buffer.from([2, 0, 0, 0]), u16s(lab.map((v) => Math.min(65535, Math.max(0, v))))]);
    const b = Buffer.concat([identityCurve, identityCurve, identityCurve]);
    const a = Buffer.concat([para, para, para]);
    const bAt = 32, clutAt = bAt + b.length, aAt = clutAt + clut.length;
    const mab = Buffer.concat([Buffer.from('mAB \0\0\0\0', 'latin1'), Buffer.from([3, 3, 0, 0]), u32s(bAt, 0, 0, clutAt, aAt), b, clut, a]);
    const got = await decodeImage(tableFile(tableProfile('Lab ', mab)));
    for (const [i, c] of colours.entries()) {
      const want = adobeShown(c);
      // 0.12 levels of 255 here (the grid's interpolation in CIELab); through the library's Display P3, 13.9
      for (let k = 0; k < 3; k++) expect(Math.abs(got.pixels[3 * i + k]! - want[k]!), `${c} channel ${k}`).toBeLessThanOrEqual(257);
    }
  });
});
