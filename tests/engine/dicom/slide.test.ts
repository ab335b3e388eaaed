/**
 * A whole-slide image's tiles put back together (aeimg 0.34, dicom/slide-tiles.ts): a TILED_FULL level of one focal
 * plane and one optical path goes as its Total Pixel Matrix, one image, as a slide viewer shows it; otherwise its
 * frames go as they are.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { DCIODVFY, dciodvfyErrors, defaultModel, dicomDataset, FIXTURES, models, tempDir } from '../../helpers.js';

const DCMODIFY = ['/usr/bin/dcmodify'].find(existsSync);
const SLIDE = join(FIXTURES, 'dicom', 'sm_wsi_25tile_optical_path_icc.dcm'); // 25 tiles of 10x10, a 50x50 matrix
const key = generateSharedKey('Pathology');
const read = (path: string, maxPixels = 1e8) => readDicomFile(path, { maxPixels, deidentify: {} });

/** A copy of the slide with dcmtk's `dcmodify` arguments applied. */
async function modified(name: string, ...args: string[]): Promise<string> {
  const path = join(await tempDir(), name);
  await copyFile(SLIDE, path);
  if (args.length) execFileSync(DCMODIFY!, ['-nb', ...args, path], { stdio: 'ignore' });
  return path;
}

/** dcmodify's arguments that make the slide TILED_SPARSE, frame k placed where tile `place(k)` of TILED_FULL is. */
function sparse(place: (k: number) => number): string[] {
  const args = ['-m', '(0020,9311)=TILED_SPARSE'];
  for (let k = 0; k < 25; k++) {
    const t = place(k);
    args.push('-i', `(5200,9230)[${k}].(0048,021A)[0].(0048,021E)=${(t % 5) * 10 + 1}`, '-i', `(5200,9230)[${k}].(0048,021A)[0].(0048,021F)=${Math.floor(t / 5) * 10 + 1}`);
  }
  return args;
}

/** Pixel (x, y) of a slide matrix `across` tiles wide, from its tiles in row-major order (or in `order`). */
function fromTiles(tiles: readonly Image[], across: number, x: number, y: number, order = (t: number) => t): number[] {
  const t = tiles[order(Math.floor(y / 10) * across + Math.floor(x / 10))]!;
  const i = ((y % 10) * t.width + (x % 10)) * t.channels;
  return Array.from(t.pixels.subarray(i, i + t.channels));
}

describe.skipIf(!DCMODIFY)('a whole-slide image', () => {
  it('goes as its pixel matrix, each tile in its place (in order, or as each frame says), cropped where the last tiles run past it', async () => {
    // The same frames without the tiling's order and places (TILED_SPARSE without positions) go as they are: the tiles.
    const tiles = (await read(await modified('sparse.dcm', '-m', '(0020,9311)=TILED_SPARSE'))).map((f) => f.image);
    expect(tiles).toHaveLength(25);
    const reversed = (t: number) => 24 - t;
    for (const [width, height, args, order] of [[50, 50, [], undefined], [45, 42, [], undefined], [50, 50, sparse(reversed), reversed]] as const) {
      const slide = await read(await modified(`slide-${width}-${args.length}.dcm`, '-m', `(0048,0006)=${width}`, '-m', `(0048,0007)=${height}`, ...args));
      expect(slide).toHaveLength(1);
      const { image } = slide[0]!;
      expect([image.width, image.height, image.channels, image.bitDepth]).toEqual([width, height, 3, 8]);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const i = (y * width + x) * 3;
          expect(Array.from(image.pixels.subarray(i, i + 3)), `(${x}, ${y})`).toEqual(fromTiles(tiles, 5, x, y, order));
        }
      }
      expect(slide[0]!.dicom.frames).toBe(1);
    }
  });

  it('goes as its tiles where the matrix is over the pixel limit, has another focal plane, is not all of it or not placed; the sender is told why', { timeout: 60_000 }, async () => {
    const cases = [
      [SLIDE, 2000, 'its 50x50 matrix (0.0025 MP) is over the limit of 0.002 MP'], // each tile is 100 pixels
      [await modified('planes.dcm', '-m', '(0048,0303)=2'), 1e8, 'they are of 2 focal planes and 1 optical paths'],
      [await modified('wider.dcm', '-m', '(0048,0006)=60'), 1e8, 'its 60x50 matrix takes 30 tiles of 10x10, not its 25'],
      [await modified('sparse.dcm', '-m', '(0020,9311)=TILED_SPARSE'), 1e8, 'they are placed frame by frame (TILED_SPARSE), and not every frame says where'],
      [await modified('gap.dcm', ...sparse((k) => (k === 0 ? 1 : k))), 1e8, 'they leave parts of its 50x50 matrix uncovered'],
    ] as const;
    for (const [path, maxPixels, why] of cases) {
      const tiles = await read(path, maxPixels);
      expect(tiles).toHaveLength(25);
      expect(tiles.every((t) => t.slideTiles === why)).toBe(true);
    }
    const dir = await tempDir();
    const sent = await encryptImageFile(cases[3][0], { model: await defaultModel(), recipients: [key], outDir: dir });
    expect(sent.images).toBe(25);
    expect(sent.warnings).toContain('sparse.dcm is a whole-slide image whose 25 tiles go as separate images, not as the slide they tile: they are placed ' +
      'frame by frame (TILED_SPARSE), and not every frame says where. The reader\'s viewer shows them one by one. If the reader needs the slide, export a level of it as one image ' +
      '(or a lower level, whose tiles aeimg puts together) and send that too.');
    const whole = await encryptImageFile(SLIDE, { model: await defaultModel(), recipients: [key], outDir: dir });
    expect(whole.warnings.filter((w) => w.includes('whole-slide') || w.includes('label'))).toEqual([]);
  });

  it('whose pixels show its label (a label or overview image) is named to the sender, though it says no annotation is burned in', { timeout: 60_000 }, async () => {
    // Burned In Annotation NO, as the fixture says, with Specimen Label in Image YES: the label is in the pixels.
    const input = await modified('label.dcm', '-m', '(0048,0010)=YES', '-m', '(0008,0008)=ORIGINAL\\PRIMARY\\LABEL\\NONE');
    const sent = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: await tempDir() });
    expect(sent.warnings).toContain('label.dcm says Specimen Label in Image YES: its pixels show the slide\'s label, which often carries the patient\'s ' +
      'name or accession number and which de-identification does not remove: look at the image before sending.');
  });

  it('comes back bit-exact as one image, one PNG and one DICOM file that passes dciodvfy', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const input = join(dir, 'slide.dcm');
    await copyFile(SLIDE, input);
    const [original] = await read(input);
    const sent = await encryptImageFile(input, { model: await defaultModel(), recipients: [key], outDir: dir });
    expect([sent.images, sent.width, sent.height, sent.fidelity?.exact]).toEqual([1, 50, 50, true]);
    await Promise.all(['png', 'dcm'].map((d) => mkdir(join(dir, d))));
    const png = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: join(dir, 'png') });
    expect(png.images).toHaveLength(1);
    expect(Array.from(await sharp(png.images[0]!.output!, { ignoreIcc: true }).raw().toBuffer())).toEqual(Array.from(original!.image.pixels));
    const dcm = await decryptAeimgFile(sent.output, { identities: [key], models: models(), outDir: join(dir, 'dcm'), format: 'dcm' });
    expect(dcm.images).toHaveLength(1);
    const ds = dicomDataset(dcm.images[0]!.output!);
    expect([ds['00280010']?.Value?.[0], ds['00280011']?.Value?.[0], ds['00280008']?.Value?.[0]]).toEqual([50, 50, undefined]);
    if (DCIODVFY) expect(dciodvfyErrors(dcm.images[0]!.output!, 'slide')).toEqual([]);
  });
});
