/**
 * A DICOM colour image's ICC Profile (0028,2000; aeimg 0.32): carried with its stored values unchanged, shown through
 * it by the viewer and the sender's preview, written back by DICOM output, held by a PNG output; one that cannot be
 * carried is named to the sender.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dicomParser from 'dicom-parser';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { AppViewer } from '../../../src-main/app/service/viewer.js';
import { dicomMetaOf, readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decryptAeimgFile, localDecode } from '../../../src-main/engine/jobs/decrypt.js';
import { encodeImageFile, encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { encryptStudy, estimateStudy } from '../../../src-main/engine/jobs/study.js';
import type { CodecPool } from '../../../src-main/engine/jobs/pool.js';
import { SenderPreviews } from '../../../src-main/engine/jobs/preview.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { KeyStore } from '../../../src-main/engine/keys/keystore.js';
import { receivedSummary } from '../../../src-main/engine/jobs/view.js';
import { fidelityHeadline } from '../../../src-shared/fidelity.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

const DCMODIFY = ['/usr/bin/dcmodify'].find(existsSync);
const key = generateSharedKey('Colour');

/** Display P3 (libvips' own profile), a matrix-shaper: its colours are wider than sRGB's. */
async function p3Profile(): Promise<Buffer> {
  return (await sharp(await sharp(Buffer.alloc(12), { raw: { width: 2, height: 2, channels: 3 } }).withIccProfile('p3').png().toBuffer()).metadata()).icc!;
}

/** The ultrasound RGB fixture (or `source`) with `profile` as its ICC Profile, inserted by dcmtk. */
async function withProfile(dir: string, profile: Buffer, name = 'us-icc.dcm', source = 'us_rgb_explicit_be.dcm'): Promise<string> {
  const path = join(dir, name);
  await copyFile(join(FIXTURES, 'dicom', source), path);
  await writeFile(join(dir, 'profile.icc'), profile);
  execFileSync(DCMODIFY!, ['-nb', '-if', `(0028,2000)=${join(dir, 'profile.icc')}`, path], { stdio: 'ignore' });
  return path;
}

/** sRGB's encoding of a linear value (0..1), as 0..255. */
const srgb = (l: number) => 255 * (l <= 0.0031308 ? 12.92 * l : 1.055 * l ** (1 / 2.4) - 0.055);
const linear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
/** Display P3 to sRGB, linear light to linear light: the published matrix (D65 both). */
const P3_TO_SRGB = [[1.2249, -0.2247, 0], [-0.042, 1.0419, 0], [-0.0197, -0.0786, 1.0979]];
const p3Shown = (rgb: number[]) => P3_TO_SRGB.map((row) => srgb(Math.min(1, Math.max(0, row.reduce((s, m, k) => s + m * linear(rgb[k]! / 255), 0)))));

/** The app's viewer (the reader's), with `file` opened in it. */
async function openInViewer(file: string) {
  const decode = localDecode(models());
  const pool = { size: 1, decode: async (...a: Parameters<typeof decode>) => decode(...a) } as unknown as CodecPool;
  const viewer = new AppViewer(pool, { identitiesFor: async () => [key] } as unknown as KeyStore,
    { chooseSavePath: async () => null, chooseFolder: async () => null }, 1e8);
  const opened = await viewer.open(file);
  if (!opened.ok) throw new Error(opened.message);
  return { viewer, opened };
}

describe.skipIf(!DCMODIFY)('a DICOM colour image\'s ICC profile', () => {
  it('goes with the stored values unchanged; the viewer and the preview show the colours through it; DICOM and PNG outputs hold it', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const profile = await p3Profile();
    const input = await withProfile(dir, profile);
    const [plain] = await readDicomFile(join(FIXTURES, 'dicom', 'us_rgb_explicit_be.dcm'), { maxPixels: 1e8, deidentify: {} });
    const [read] = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    expect(Buffer.from(read!.dicom.pixel.iccProfile!, 'base64').equals(profile)).toBe(true);
    expect(Array.from(read!.image.pixels)).toEqual(Array.from(plain!.image.pixels)); // what is sent and measured

    const sent = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: dir });
    expect(sent.warnings.filter((w) => w.includes('ICC'))).toEqual([]);
    const stored = Array.from(plain!.image.pixels);
    // The viewer shows every pixel as the published matrix has it.
    const { viewer, opened } = await openInViewer(sent.output);
    const attributes = await viewer.attributes(opened.value.openId, 0);
    if (!attributes.ok) throw new Error(attributes.message);
    expect(attributes.value!.attributes.find((a) => a.tag === '(0028,2000)')?.value).toBe('"sP3C", 480 bytes: the viewer shows the colours through it');
    const shown = await viewer.image(opened.value.openId, 0, false);
    if (!shown.ok) throw new Error(shown.message);
    let moved = 0;
    for (let i = 0; i < stored.length; i += 3) {
      const want = p3Shown(stored.slice(i, i + 3));
      for (let k = 0; k < 3; k++) expect(Math.abs(shown.value.pixels[i + k]! - want[k]!), `pixel ${i / 3} channel ${k}`).toBeLessThanOrEqual(2);
      moved = Math.max(moved, ...[0, 1, 2].map((k) => Math.abs(shown.value.pixels[i + k]! - stored[i + k]!)));
    }
    expect(moved).toBeGreaterThan(5); // its few coloured pixels (the ultrasound's colour scale) show otherwise than as stored
    const again = await viewer.image(opened.value.openId, 0, false); // from the viewer's cache of shown images
    expect(again.ok && Array.from(again.value.pixels)).toEqual(Array.from(shown.value.pixels));

    // The sender's preview shows what the reader's viewer shows, the original through the same profile.
    const model = await defaultModel();
    const preview = await new SenderPreviews((task) => encodeImageFile(model, task)).preview({ path: input, coding: { quality: 'lossless' }, deidentify: {}, frame: 0 });
    expect(Array.from(preview.decoded.pixels)).toEqual(Array.from(shown.value.pixels));
    expect(Array.from(preview.original.pixels)).toEqual(Array.from(shown.value.pixels));

    // DICOM output writes the profile back, byte for byte; the PNG holds it, over the stored values.
    await Promise.all(['dcm', 'png'].map((d) => mkdir(join(dir, d))));
    const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: join(dir, 'dcm'), format: 'dcm' });
    const ds = dicomParser.parseDicom(new Uint8Array(await readFile(dcm.images[0]!.output!)));
    const el = ds.elements.x00282000!;
    expect(Buffer.from(ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)).subarray(0, profile.length).equals(profile)).toBe(true);
    const png = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: join(dir, 'png') });
    const pngFile = await readFile(png.images[0]!.output!);
    expect((await sharp(pngFile).metadata()).icc?.equals(profile)).toBe(true);
    expect(Array.from(await sharp(pngFile, { ignoreIcc: true }).raw().toBuffer())).toEqual(stored);
  });

  it('sent lossy, the sender is told how far the colours differ as the viewer shows them, where the profile moves them more than the values', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const input = await withProfile(dir, await p3Profile());
    const sent = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'max' } });
    const received = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    const [original] = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    const largest = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    const values = largest(original!.image.pixels, received.images[0]!.image.pixels);
    // What the viewer shows of what was sent, against the sender's preview of the original: the same profile, the same path.
    const { viewer, opened } = await openInViewer(sent.output);
    const shown = await viewer.image(opened.value.openId, 0, false);
    if (!shown.ok) throw new Error(shown.message);
    const model = await defaultModel();
    const preview = await new SenderPreviews((task) => encodeImageFile(model, task)).preview({ path: input, coding: { quality: 'max' }, deidentify: {}, frame: 0 });
    const seen = largest(preview.original.pixels, shown.value.pixels);
    expect(seen).toBeGreaterThan(values + 1);
    expect(sent.warnings).toContain(`us-icc.dcm: its colours show through its ICC profile (0028,2000), and so the reader's viewer shows them, where what is ` +
      `sent differs from the original by up to ${seen} levels of 255, though its values differ by at most ${values} (a profile moves some colours steeply, ` +
      'near the edge of what the screen shows). Its figures (within ±N, SSIM) are of the values; the reader\'s viewer says this beside them. ' +
      'If every colour must show within them, send it lossless.');
    // The reader is told the same, beside the figures of the values (0.34): the file carries it.
    const said = `shown through its colour profile, up to ${seen} levels of 255`;
    expect(sent.fidelity?.shown).toBe(seen);
    expect(fidelityHeadline(sent.fidelity)).toContain(`largest error ${values}; ${said}`);
    expect(opened.value.images[0]!.fidelityText).toContain(`largest error ${values}; ${said}`);
    expect(receivedSummary(received.images[0]!.record).text).toContain(said);
    // Lossless, nothing differs and nothing is said.
    const exact = await encryptImageFile(input, { model, recipients: [key], outDir: dir, force: true });
    expect(exact.warnings.filter((w) => w.includes('show through'))).toEqual([]);
    expect(exact.fidelity?.shown).toBeUndefined();
  });

  it('a whole-slide image\'s, in the item of its Optical Path Sequence (0.34), is carried and shown through; paths with different ones are named', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const input = join(dir, 'slide.dcm');
    await copyFile(join(FIXTURES, 'dicom', 'sm_wsi_25tile_optical_path_icc.dcm'), input);
    const profile = await p3Profile();
    await writeFile(join(dir, 'p3.icc'), profile);
    execFileSync(DCMODIFY!, ['-nb', '-mf', `(0048,0105)[0].(0028,2000)=${join(dir, 'p3.icc')}`, input], { stdio: 'ignore' });
    const frames = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    expect(frames).toHaveLength(1); // its 25 tiles as its 50x50 matrix (slide.test.ts)
    expect(Buffer.from(frames[0]!.dicom.pixel.iccProfile!, 'base64').equals(profile)).toBe(true);
    const sent = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: dir });
    expect(sent.warnings.filter((w) => w.includes('ICC'))).toEqual([]);
    const { viewer, opened } = await openInViewer(sent.output);
    let moved = 0;
    const stored = Array.from(frames[0]!.image.pixels);
    const shown = await viewer.image(opened.value.openId, 0, false);
    if (!shown.ok) throw new Error(shown.message);
    for (let i = 0; i < stored.length; i += 3) {
      const want = p3Shown(stored.slice(i, i + 3));
      for (let k = 0; k < 3; k++) expect(Math.abs(shown.value.pixels[i + k]! - want[k]!), `pixel ${i / 3} channel ${k}`).toBeLessThanOrEqual(2);
      moved = Math.max(moved, ...[0, 1, 2].map((k) => Math.abs(shown.value.pixels[i + k]! - stored[i + k]!)));
    }
    expect(moved).toBeGreaterThan(5);
    // A second path with another profile: which frames show through which is not read, and the sender is told.
    const srgb = join(FIXTURES, 'dicom', 'sm_wsi_25tile_optical_path_icc.dcm');
    const [own] = await readDicomFile(srgb, { maxPixels: 1e8, deidentify: {} });
    await writeFile(join(dir, 'own.icc'), Buffer.from(own!.dicom.pixel.iccProfile!, 'base64'));
    execFileSync(DCMODIFY!, ['-nb', '-i', '(0048,0105)[1].(0048,0106)=2', '-if', `(0048,0105)[1].(0028,2000)=${join(dir, 'own.icc')}`, input], { stdio: 'ignore' });
    const [two] = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    expect(two!.dicom.pixel.iccProfile).toBeUndefined();
    const told = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: dir, force: true });
    expect(told.warnings).toContain('slide.dcm has an ICC profile (0028,2000), which says how its colours show, but its 2 optical paths (0048,0105) hold ' +
      'different profiles, and which frames show through which is not read: aeimg carries its colours without it, so the reader sees them as stored, ' +
      'where a colour-managed viewer would show them through the profile. If its colours matter, send a screen capture of it too.');
  });

  it('a multi-frame file\'s profile goes once, not once a frame (0.34)', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const profile = await p3Profile();
    const input = await withProfile(dir, profile, 'clip.dcm', 'us_palette_rle_10frame.dcm');
    const frames = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
    expect(frames).toHaveLength(10);
    const sent = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: dir });
    const bare = await encryptImageFile(join(FIXTURES, 'dicom', 'us_palette_rle_10frame.dcm'), { model: await defaultModel(), recipients: [key], outDir: dir });
    expect(sent.outputBytes - bare.outputBytes).toBeGreaterThan(0);
    expect(sent.outputBytes - bare.outputBytes).toBeLessThan(2 * profile.length);
    // Every frame comes back with it.
    const received = await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false });
    expect(received.images.map((i) => dicomMetaOf(i.record)?.pixel.iccProfile)).toEqual(frames.map(() => profile.toString('base64')));
  });

  it('a series sharing one profile is estimated as it is written: the profile once, not once a slice', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    // A profile of a lookup table's size (200 KB more after a valid header and tags), the same in every slice.
    const big = Buffer.concat([await p3Profile(), randomBytes(200_000)]);
    const inputs: string[] = [];
    for (let i = 0; i < 8; i++) {
      const path = await withProfile(dir, big, `us-${i}.dcm`);
      execFileSync(DCMODIFY!, ['-nb', '-gin', path], { stdio: 'ignore' }); // a slice of its own (a new SOP Instance UID)
      inputs.push(path);
    }
    const model = await defaultModel();
    const estimate = await estimateStudy(inputs, { model, deidentify: {} });
    await mkdir(join(dir, 'parts'));
    const written = await encryptStudy(inputs, { model, recipients: [key], name: 'series', outDir: join(dir, 'parts'), deidentify: {} });
    const bytes = written.parts.reduce((n, p) => n + p.bytes, 0);
    expect(bytes).toBeLessThan(2 * big.length); // written once
    expect(estimate.bytes).toBeLessThan(1.1 * bytes);
    expect(estimate.bytes).toBeGreaterThan(0.9 * bytes);
  });

  it('one that cannot be carried (not RGB, cut short) is named to the sender, and the colours go as stored', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const grey = Buffer.from(await p3Profile());
    grey.write('GRAY', 16, 'latin1');
    const cut = (await p3Profile()).subarray(0, 300);
    for (const [profile, why] of [[grey, 'it describes "GRAY" colours, not RGB as DICOM requires'], [cut, 'it is cut short (300 of the 480 bytes its header declares)']] as const) {
      const input = await withProfile(dir, profile, `bad-${why.length}.dcm`);
      const [read] = await readDicomFile(input, { maxPixels: 1e8, deidentify: {} });
      expect(read!.dicom.pixel.iccProfile).toBeUndefined();
      const sent = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: dir });
      expect(sent.warnings).toContain(`${input.split('/').pop()} has an ICC profile (0028,2000), which says how its colours show, but ${why}: aeimg carries ` +
        'its colours without it, so the reader sees them as stored, where a colour-managed viewer would show them through the profile. ' +
        'If its colours matter, send a screen capture of it too.');
    }
  });
});
