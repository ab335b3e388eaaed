import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { createServer } from 'node:http';
import { chromium } from '@playwright/test';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodePng, imageHeaderRefusal, readImageData, readImageFile, readImagePages } from '../../../src-main/engine/image/io.js';
import { pageDelays } from '../../../src-main/engine/image/animation.js';
import type { Image } from '../../../src-main/engine/image/image.js';
import { pngChunk } from '../../../src-main/engine/image/png-chunks.js';
import { animatedPng, type ApngFrame } from '../../../scripts/fuzz/inputs.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { decryptAeimgFile, localDecode } from '../../../src-main/engine/jobs/decrypt.js';
import { openAeimg } from '../../../src-main/engine/jobs/open.js';
import { readCodedSlices } from '../../../src-main/engine/jobs/slices.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';

const GIF = join(FIXTURES, 'gif');

// The browser's APIs the Chromium check runs in its page (this project's Node types have no DOM).
interface BrowserFrame { displayWidth: number; displayHeight: number; close(): void }
declare const ImageDecoder: new (init: { data: Uint8Array; type: string; colorSpaceConversion: string; premultiplyAlpha: string }) => {
  tracks: { ready: Promise<void>; selectedTrack?: { frameCount: number } };
  decode(o: { frameIndex: number }): Promise<{ image: BrowserFrame }>;
};
declare const OffscreenCanvas: new (w: number, h: number) => {
  width: number; height: number;
  getContext(kind: '2d'): { drawImage(i: BrowserFrame, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
};

/** A PNG of raw samples: grey or RGBA, 8- or 16-bit (8-bit written as such, never as a palette). */
function png(width: number, height: number, channels: 1 | 4, samples: number[], sixteen = false): Promise<Buffer> {
  return encodePng({ width, height, channels, bitDepth: sixteen ? 16 : 8, pixels: sixteen ? Uint16Array.from(samples) : Uint8Array.from(samples) });
}

describe('an animated PNG (APNG: a loop or cine as some viewers export it)', () => {
  it('is read frame by frame, each as the same image alone reads, with its timing; the image library gave its first frame only', async () => {
    const dir = await tempDir();
    const sources = await Promise.all([0, 1, 2].map((i) => readFile(join(GIF, `cine-${i}.png`))));
    const file = join(dir, 'loop.png');
    await writeFile(file, animatedPng(sources.map((p, i) => ({ png: p, delayMs: [40, 40, 120][i] }))));
    expect((await sharp(file).metadata()).pages).toBeUndefined(); // the library sees one image
    const data = await readImageData(file);
    const alone = await Promise.all([0, 1, 2].map((i) => readImageFile(join(GIF, `cine-${i}.png`))));
    expect(data.pages.length).toBe(3);
    for (const [i, page] of data.pages.entries()) expect(Buffer.from(page.pixels.buffer).equals(Buffer.from(alone[i]!.pixels.buffer)), `frame ${i + 1}`).toBe(true);
    expect(pageDelays(data)).toEqual([40, 40, 120]);
    expect(await imageHeaderRefusal(file)).toBeUndefined();
    await expect(readImageFile(file)).rejects.toThrow(/has 3 pages, and only a single image is read here/);

    // Sent and received: every frame, each within the default's ±1.
    const key = generateSharedKey('Echo lab');
    const enc = await encryptImageFile(file, { model: await defaultModel(), recipients: [key], measure: false });
    expect(enc.images).toBe(3);
    // The reader's viewer plays it at its pace: 40, 40 and 120 ms a frame is 15 a second, each held as timed.
    const { items } = await openAeimg(enc.output, [key], (f, ids) => readCodedSlices(f, ids));
    const infos = await Promise.all(items.map(async (item, i) => describeImage(item.record, (await localDecode(models())(item.modelId, item.record, item.blobs, false)).image, i)));
    expect(infos.map((info) => info.animation)).toEqual([{ frameRate: 15, frameTimeRatio: 0.6 }, { frameRate: 15, frameTimeRatio: 0.6 }, { frameRate: 15, frameTimeRatio: 1.8 }]);
    const out = join(dir, 'out');
    await mkdir(out);
    await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out });
    const received = (await readdir(out)).sort();
    expect(received).toEqual(['loop-2.png', 'loop-3.png', 'loop.png']);
    for (const [i, name] of ['loop.png', 'loop-2.png', 'loop-3.png'].entries()) {
      const got = Array.from((await readImageFile(join(out, name))).pixels);
      expect(got.reduce((m, v, k) => Math.max(m, Math.abs(v - alone[i]!.pixels[k]!)), 0), name).toBeLessThanOrEqual(1);
    }
  });

  it('of 16-bit grey frames: each frame bit-exact through encryption, as a 16-bit PNG is', async () => {
    const dir = await tempDir();
    const frames = [[0, 1000, 4095, 65535], [7, 70, 700, 7000]];
    const file = join(dir, 'ct.png');
    await writeFile(file, animatedPng(await Promise.all(frames.map(async (f) => ({ png: await png(2, 2, 1, f, true) })))));
    const pages = await readImagePages(file);
    expect(pages.map((p) => [p.bitDepth, p.channels, Array.from(p.pixels)])).toEqual(frames.map((f) => [16, 1, f]));
    const key = generateSharedKey('CT');
    const enc = await encryptImageFile(file, { model: await defaultModel(), recipients: [key], measure: false });
    const out = join(dir, 'out');
    await mkdir(out);
    await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out });
    expect(await Promise.all(['ct.png', 'ct-2.png'].map(async (n) => Array.from((await readImageFile(join(out, n))).pixels)))).toEqual(frames);
  });

  it('composes frames on the canvas as a player does: placed at their offset, then disposed (none, background, previous)', async () => {
    const dir = await tempDir();
    const grey = (w: number, h: number, v: number) => png(w, h, 1, new Array(w * h).fill(v));
    const file = join(dir, 'composed.png');
    await writeFile(file, animatedPng([
      { png: await grey(4, 4, 10) }, // the whole canvas, kept
      { png: await grey(2, 2, 200), x: 1, y: 1, dispose: 1 }, // then cleared to (transparent) black
      { png: await grey(1, 1, 50), x: 0, y: 0, dispose: 2 }, // then put back as it was before it
      { png: await grey(1, 1, 90), x: 3, y: 3 },
    ]));
    // Its frames have no alpha; the area the second frame clears is transparent in the next, as a player shows it.
    const pages = await readImagePages(file);
    expect(pages.map((p) => p.channels)).toEqual([2, 2, 2, 2]);
    const rows = (p: Image, c: number) => Array.from({ length: 4 }, (_, y) => Array.from({ length: 4 }, (_, x) => p.pixels[(y * 4 + x) * 2 + c]));
    expect(pages.map((p) => rows(p, 0))).toEqual([
      [[10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10], [10, 10, 10, 10]],
      [[10, 10, 10, 10], [10, 200, 200, 10], [10, 200, 200, 10], [10, 10, 10, 10]],
      [[50, 10, 10, 10], [10, 0, 0, 10], [10, 0, 0, 10], [10, 10, 10, 10]],
      [[10, 10, 10, 10], [10, 0, 0, 10], [10, 0, 0, 10], [10, 10, 10, 90]],
    ]);
    const clearedTwoByTwo = [[255, 255, 255, 255], [255, 0, 0, 255], [255, 0, 0, 255], [255, 255, 255, 255]];
    expect(pages.map((p) => rows(p, 1))).toEqual([rows(pages[0]!, 1), rows(pages[0]!, 1), clearedTwoByTwo, clearedTwoByTwo]);
    expect(rows(pages[0]!, 1).flat().every((a) => a === 255)).toBe(true);
    // Frames that cover the whole canvas throughout keep their layout: no alpha.
    const still = join(dir, 'covered.png');
    await writeFile(still, animatedPng([{ png: await grey(4, 4, 10) }, { png: await grey(2, 2, 200), x: 2, y: 2 }]));
    expect((await readImagePages(still)).map((p) => p.channels)).toEqual([1, 1]);
  });

  it('blends a frame with alpha over what is there (OVER), or replaces it (SOURCE)', async () => {
    const dir = await tempDir();
    const file = join(dir, 'over.png');
    await writeFile(file, animatedPng([
      { png: await png(2, 1, 4, [255, 0, 0, 255, 255, 0, 0, 255]) },
      { png: await png(2, 1, 4, [0, 0, 255, 128, 0, 0, 255, 0]), blend: 1 }, // half over red; nothing
      { png: await png(1, 1, 4, [0, 0, 255, 128]), blend: 0 }, // replaces, alpha too
    ]));
    expect((await readImagePages(file)).map((p) => Array.from(p.pixels))).toEqual([
      [255, 0, 0, 255, 255, 0, 0, 255],
      [127, 0, 128, 255, 255, 0, 0, 255],
      [0, 0, 255, 128, 255, 0, 0, 255],
    ]);
  });

  it.skipIf(!existsSync('/usr/bin/chromium'))('composes 24 random animations as Chromium plays them (its ImageDecoder, frame by frame)', { timeout: 60_000 }, async () => {
    let seed = 7;
    const rand = (n: number) => { // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
    };
    const files: Buffer[] = [];
    for (let n = 0; n < 24; n++) {
      const channels = ((n % 4) + 1) as 1 | 2 | 3 | 4;
      const width = 3 + rand(20), height = 3 + rand(20);
      const frames: ApngFrame[] = [];
      for (let f = 0; f < 2 + rand(4); f++) {
        const w = f === 0 ? width : 1 + rand(width), h = f === 0 ? height : 1 + rand(height);
        const samples = Array.from({ length: w * h * channels }, (_, k) => {
          if (k % channels !== channels - 1 || channels % 2 === 1) return rand(256);
          return [0, 255, rand(256)][rand(3)]!; // alpha: transparent, opaque or between
        });
        const image = { width: w, height: h, channels, bitDepth: 8 as const, pixels: Uint8Array.from(samples) };
        frames.push({ png: await encodePng(image), x: f === 0 ? 0 : rand(width - w + 1), y: f === 0 ? 0 : rand(height - h + 1), dispose: rand(3), blend: rand(2) });
      }
      files.push(animatedPng(frames, { width, height }));
    }
    const server = createServer((_, res) => res.end('<html></html>')).listen(0, '127.0.0.1');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`); // ImageDecoder needs a secure context
      for (const [n, file] of files.entries()) {
        const played: number[][] = await page.evaluate(async (b64) => {
          const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const decoder = new ImageDecoder({ data, type: 'image/png', colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
          await decoder.tracks.ready;
          const out: number[][] = [];
          for (let i = 0; i < decoder.tracks.selectedTrack!.frameCount; i++) {
            const { image } = await decoder.decode({ frameIndex: i });
            const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight);
            const ctx = canvas.getContext('2d')!;
            ctx.drawImage(image, 0, 0);
            out.push(Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data));
            image.close();
          }
          return out;
        }, file.toString('base64'));
        const dir = await tempDir();
        await writeFile(join(dir, 'a.png'), file);
        const pages = await readImagePages(join(dir, 'a.png'));
        expect(pages.length, `animation ${n}`).toBe(played.length);
        for (const [i, p] of pages.entries()) {
          // Premultiplied, as the browser's canvas keeps them: a transparent pixel's colour is nothing to see.
          const rgba = (k: number) => {
            const s = Array.from(p.pixels.subarray(k * p.channels, (k + 1) * p.channels));
            return p.channels === 1 ? [s[0]!, s[0]!, s[0]!, 255] : p.channels === 2 ? [s[0]!, s[0]!, s[0]!, s[1]!] : p.channels === 3 ? [...s, 255] : s;
          };
          let worst = 0;
          for (let k = 0; k < p.width * p.height; k++) {
            const [mine, theirs] = [rgba(k), played[i]!.slice(k * 4, k * 4 + 4)];
            for (let j = 0; j < 4; j++) {
              const pm = (v: number[]) => (j === 3 ? v[3]! : (v[j]! * v[3]!) / 255);
              worst = Math.max(worst, Math.abs(pm(mine) - pm(theirs)));
            }
          }
          expect(worst, `animation ${n}, frame ${i + 1}`).toBeLessThanOrEqual(1.5);
        }
      }
    } finally {
      await browser.close();
      server.close();
    }
  });

  it('of palette colour (PLTE before acTL, shared by every frame) reads its colours in each frame', async () => {
    const dir = await tempDir();
    const palette = Buffer.from([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]); // black, red, green, blue
    const indexed = (indices: number[]) => {
      const rows = Buffer.concat([0, 1].map((y) => Buffer.from([0, ...indices.slice(y * 2, y * 2 + 2)]))); // filter 0 per row
      const ihdr = Buffer.from([0, 0, 0, 2, 0, 0, 0, 2, 8, 3, 0, 0, 0]);
      return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('PLTE', palette),
        pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
    };
    const file = join(dir, 'palette.png');
    await writeFile(file, animatedPng([{ png: indexed([0, 1, 2, 3]) }, { png: indexed([3, 2, 1, 0]) }]));
    expect((await readImagePages(file)).map((p) => [p.channels, Array.from(p.pixels)])).toEqual([
      [3, [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]],
      [3, [0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 0, 0]],
    ]);
  });

  it('whose first frame control chunk comes before acTL (as the APNG test suite\'s fctl_actl.png) is read as Chromium reads it', async () => {
    const dir = await tempDir();
    const file = animatedPng([{ png: await png(2, 2, 1, [1, 2, 3, 4]) }, { png: await png(2, 2, 1, [4, 3, 2, 1]) }]);
    const actl = file.indexOf('acTL') - 4, fctl = file.indexOf('fcTL') - 4; // acTL (20 bytes), then the first fcTL (38)
    expect(fctl).toBe(actl + 20);
    const swapped = Buffer.concat([file.subarray(0, actl), file.subarray(fctl, fctl + 38), file.subarray(actl, fctl), file.subarray(fctl + 38)]);
    await writeFile(join(dir, 'early.png'), swapped);
    expect((await readImagePages(join(dir, 'early.png'))).map((p) => Array.from(p.pixels))).toEqual([[1, 2, 3, 4], [4, 3, 2, 1]]);
  });

  it('cut short in its frames is named a copy cut short; cut only in its IEND, it is whole', async () => {
    const dir = await tempDir();
    const whole = animatedPng([{ png: await png(2, 2, 1, [1, 2, 3, 4]) }, { png: await png(2, 2, 1, [4, 3, 2, 1]) }]);
    await writeFile(join(dir, 'cut.png'), whole.subarray(0, whole.length - 20)); // inside the second frame's fdAT
    await writeFile(join(dir, 'end.png'), whole.subarray(0, whole.length - 3)); // inside IEND
    const cut = 'is truncated: the file ends inside its PNG image data. This copy is incomplete: copy it again, or export the image again.';
    expect((await imageHeaderRefusal(join(dir, 'cut.png')))?.message).toBe(cut);
    await expect(readImagePages(join(dir, 'cut.png'))).rejects.toThrow(`cut.png: ${cut}`);
    expect(await imageHeaderRefusal(join(dir, 'end.png'))).toBeUndefined();
    expect((await readImagePages(join(dir, 'end.png'))).map((p) => Array.from(p.pixels))).toEqual([[1, 2, 3, 4], [4, 3, 2, 1]]);
  });

  it('whose frames would take more than 1 GiB decoded is refused from its chunks, before any is decoded', async () => {
    const dir = await tempDir();
    const file = join(dir, 'long.png');
    const dot = await png(1, 1, 1, [7]);
    await writeFile(file, animatedPng(Array.from({ length: 9 }, () => ({ png: dot })), { width: 8000, height: 8000 })); // 9 x 8000² grey + alpha
    const why = /^is an animated PNG of 9 frames holding 1\.07 GiB of pixels, more than aeimg decodes at once \(1 GiB\): split it into smaller files\.$/;
    expect((await imageHeaderRefusal(file))?.message).toMatch(why);
    await expect(readImagePages(file)).rejects.toThrow(/long\.png: is an animated PNG of 9 frames/);
  });

  it.each([
    ['a frame reaching outside the image', async () => animatedPng([{ png: await png(2, 2, 1, [1, 2, 3, 4]) }, { png: await png(2, 2, 1, [1, 2, 3, 4]), x: 1 }]), /a frame reaches outside the image/],
    ['fewer frames than its header says', async () => animatedPng([{ png: await png(2, 2, 1, [1, 2, 3, 4]) }], undefined, 3), /its header says 3 frame\(s\), its chunks hold 1/],
    ['a frame control chunk changed on the way (its delay: the checksum no longer matches)', async () => {
      const file = animatedPng([{ png: await png(2, 2, 1, [1, 2, 3, 4]) }, { png: await png(2, 2, 1, [4, 3, 2, 1]), delayMs: 40 }]);
      const second = file.indexOf('fcTL', file.indexOf('fcTL') + 4);
      file[second + 4 + 21] = 41; // its delay_num's low byte
      return file;
    }, /its fcTL chunk's checksum does not match/],
  ])('with %s is refused by name, before encoding and when read', async (_, make, why) => {
    const dir = await tempDir();
    const file = join(dir, 'bad.png');
    await writeFile(file, await make());
    expect((await imageHeaderRefusal(file))?.message).toMatch(why);
    await expect(readImagePages(file)).rejects.toThrow(/bad\.png: is an animated PNG whose frames are damaged \(.*\): export the loop again/);
  });
});
