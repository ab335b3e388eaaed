/**
 * `npm run bench:standards`: aeimg's guaranteed levels against the codecs a department would use for the same
 * guarantee, on the same slices, per source, real sizes: lossless against optimized PNG, JPEG-LS (CharLS, the wasm
 * build already in node_modules), JPEG 2000 lossless (OpenJPEG's opj_compress) and JPEG XL lossless (libjxl's cjxl);
 * `within-N` against JPEG-LS NEAR=N. aeimg sizes are whole `.aeimg` files (header, key stanza, records, tags); the
 * others are bare codestreams (a DICOM wrapper or e-mail encryption would add to them). Writes docs/standards.md/json.
 *   npx tsx scripts/bench/standards.ts [--per-source N]
 * `npm run bench` (scripts/bench/run.ts) calls measureStandards and standardsTables for the same tables in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import { encodePng, readImageFile } from '../../src-main/engine/image/io.js';
import type { Image } from '../../src-main/engine/image/image.js';
import { generateSharedKey } from '../../src-main/engine/keys/keyfile.js';
import { DEFAULT_MODEL, ModelCache, type Autoencoder } from '../../src-main/engine/model/autoencoder.js';
import { initBackend } from '../../src-main/engine/model/tf.js';
import type { Quality } from '../../src-shared/quality.js';
import { evaluationSources, spread } from './sources.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DATA = join(ROOT, '..', 'shared', 'data');
const require = createRequire(import.meta.url);

interface JpegLsEncoder {
  getDecodedBuffer(info: { width: number; height: number; bitsPerSample: number; componentCount: number }): Uint8Array;
  setNearLossless(n: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
}
let charls: { JpegLSEncoder: new () => JpegLsEncoder } | undefined;

function jpegLs(image: Image, near: number): number {
  const enc = new charls!.JpegLSEncoder();
  const buf = enc.getDecodedBuffer({ width: image.width, height: image.height, bitsPerSample: image.bitDepth, componentCount: 1 });
  buf.set(new Uint8Array(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength));
  enc.setNearLossless(near);
  enc.encode();
  return enc.getEncodedBuffer().length;
}

/** A binary PGM (big-endian samples for 16-bit), which opj_compress and cjxl both read. */
export function pgm(image: Image): Buffer {
  const head = Buffer.from(`P5\n${image.width} ${image.height}\n${image.bitDepth === 16 ? 65535 : 255}\n`);
  const body = Buffer.alloc(image.pixels.byteLength);
  if (image.bitDepth === 16) image.pixels.forEach((v, i) => body.writeUInt16BE(v, 2 * i));
  else body.set(image.pixels as Uint8Array);
  return Buffer.concat([head, body]);
}

const NEARS = [1, 2, 4] as const;

export interface StandardsRow {
  source: string; slices: number; bitDepth: number; pixels: number;
  png: number; jls: number; j2k: number; jxl: number; aeimg: number;
  near: Record<number, { jls: number; aeimg: number }>;
  ms: { aeimgLossless: number; jlsLossless: number; aeimgWithin2: number; max: number };
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Sizes and encode times per source, `perSource` val slices each (spread over the source). */
export async function measureStandards(model: Autoencoder, perSource: number, data = DATA): Promise<StandardsRow[]> {
  charls ??= await (require('@cornerstonejs/codec-charls/wasmjs') as () => Promise<{ JpegLSEncoder: new () => JpegLsEncoder }>)();
  const key = generateSharedKey('standards');
  const work = await mkdtemp(join(tmpdir(), 'aeimg-standards-'));
  const rows: StandardsRow[] = [];
  for (const [source, items] of evaluationSources(data)) {
    const files = spread(items.map((it) => it.file), perSource);
    process.stderr.write(`${source}: ${files.length} slices…\n`);
    const acc = { png: [] as number[], jls: [] as number[], j2k: [] as number[], jxl: [] as number[], aeimg: [] as number[], px: [] as number[],
      near: Object.fromEntries(NEARS.map((n) => [n, { jls: [] as number[], aeimg: [] as number[] }])) as Record<number, { jls: number[]; aeimg: number[] }>,
      t: { aeimgLossless: [] as number[], jlsLossless: [] as number[], aeimgWithin2: [] as number[], max: [] as number[] } };
    let bitDepth = 8;
    for (const f of files) {
      const image = await readImageFile(f);
      bitDepth = image.bitDepth;
      acc.px.push(image.width * image.height);
      // The smaller of the file as given and a re-encoding at the highest compression (8 or 16 bits as the image has).
      acc.png.push(Math.min((await stat(f)).size, (await encodePng(image)).length));
      const t = performance.now();
      acc.jls.push(jpegLs(image, 0));
      acc.t.jlsLossless.push(performance.now() - t);
      for (const n of NEARS) acc.near[n]!.jls.push(jpegLs(image, n));
      const src = join(work, `${basename(f, '.png')}.pgm`);
      await writeFile(src, pgm(image));
      execFileSync('opj_compress', ['-i', src, '-o', join(work, 'x.j2k')], { stdio: 'ignore' });
      acc.j2k.push((await stat(join(work, 'x.j2k'))).size);
      execFileSync('cjxl', [src, join(work, 'x.jxl'), '-d', '0', '-e', '7', '--quiet'], { stdio: 'ignore' });
      acc.jxl.push((await stat(join(work, 'x.jxl'))).size);
      const aeimg = async (quality: Quality) => {
        const s = performance.now();
        const r = await encryptImageFile(f, { model, recipients: [key], outDir: work, force: true, measure: false, coding: { quality } });
        return { bytes: r.outputBytes, ms: performance.now() - s };
      };
      const lossless = await aeimg('lossless');
      acc.aeimg.push(lossless.bytes);
      acc.t.aeimgLossless.push(lossless.ms);
      for (const n of NEARS) {
        const r = await aeimg(`within-${n}`);
        acc.near[n]!.aeimg.push(r.bytes);
        if (n === 2) acc.t.aeimgWithin2.push(r.ms);
      }
      acc.t.max.push((await aeimg('max')).ms);
    }
    rows.push({
      source, slices: files.length, bitDepth, pixels: mean(acc.px),
      png: mean(acc.png), jls: mean(acc.jls), j2k: mean(acc.j2k), jxl: mean(acc.jxl), aeimg: mean(acc.aeimg),
      near: Object.fromEntries(NEARS.map((n) => [n, { jls: mean(acc.near[n]!.jls), aeimg: mean(acc.near[n]!.aeimg) }])),
      ms: { aeimgLossless: mean(acc.t.aeimgLossless), jlsLossless: mean(acc.t.jlsLossless), aeimgWithin2: mean(acc.t.aeimgWithin2), max: mean(acc.t.max) },
    });
  }
  await rm(work, { recursive: true, force: true });
  return rows;
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(0)}%`;
const bpp = (bytes: number, px: number) => ((8 * bytes) / px).toFixed(2);
/** The three tables (headings at `level`), after a paragraph that says what was measured. */
export function standardsTables(rows: StandardsRow[], level = '##'): string[] {
  return [
    '## Lossless',
    '',
    '| source | bits | PNG | JPEG-LS | JPEG 2000 | JPEG XL | aeimg `lossless` | aeimg / JPEG-LS | aeimg / JPEG XL |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.source} | ${r.bitDepth} | ${kb(r.png)} (${bpp(r.png, r.pixels)} bpp) | ${kb(r.jls)} (${bpp(r.jls, r.pixels)}) | ${kb(r.j2k)} (${bpp(r.j2k, r.pixels)}) | ` +
      `${kb(r.jxl)} (${bpp(r.jxl, r.pixels)}) | ${kb(r.aeimg)} (${bpp(r.aeimg, r.pixels)}) | ${pct(r.aeimg, r.jls)} | ${pct(r.aeimg, r.jxl)} |`),
    '',
    '## Every sample within ±N: aeimg `within-N` against JPEG-LS NEAR=N',
    '',
    '| source | N=1: JPEG-LS / aeimg | N=2 | N=4 |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.source} | ${NEARS.map((n) => `${kb(r.near[n]!.jls)} / ${kb(r.near[n]!.aeimg)} (${pct(r.near[n]!.aeimg, r.near[n]!.jls)})`).join(' | ')} |`),
    '',
    '## Encode time per slice (ms, in-process, one core; aeimg includes the encryption and the file write)',
    '',
    '| source | JPEG-LS lossless | aeimg `lossless` | aeimg `within-2` | aeimg `max` (network alone) |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.source} | ${r.ms.jlsLossless.toFixed(1)} | ${r.ms.aeimgLossless.toFixed(0)} | ${r.ms.aeimgWithin2.toFixed(0)} | ${r.ms.max.toFixed(0)} |`),
    '',
    ].map((l) => l.replace(/^## /, `${level} `));
}

/** How the sizes were made, for the paragraph above the tables. */
export const STANDARDS_METHOD = 'Means per slice. aeimg: whole `.aeimg` files (about 0.25–0.3 KB of header, key stanza,\n' +
  'records and tags each); the others: bare codestreams. PNG: the smaller of the file as given and aeimg\'s own PNG encoder; JPEG-LS: CharLS;\n' +
  'JPEG 2000: opj_compress (reversible 5/3, defaults); JPEG XL: cjxl -d 0 -e 7.';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { 'per-source': { type: 'string', default: '12' } } });
  const perSource = Number(values['per-source']);
  const backend = (await initBackend()).name;
  const models = new ModelCache();
  const model = await models.byName(DEFAULT_MODEL);
  const rows = await measureStandards(model, perSource);
  await models.dispose();
  const md = [
    '# aeimg against the standard codecs, at the same guarantee',
    '',
    `Generated by \`npm run bench:standards\` (scripts/bench/standards.ts) on ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? ''}, backend ${backend}, ` +
      `${perSource} slices spread over each source's \`val\`. ${STANDARDS_METHOD}`,
    '',
    ...standardsTables(rows),
  ];
  await writeFile(join(ROOT, 'docs', 'standards.md'), `${md.join('\n')}\n`);
  await writeFile(join(ROOT, 'docs', 'standards.json'), `${JSON.stringify({ backend, perSource, rows }, null, 1)}\n`);
  process.stdout.write(`${md.join('\n')}\n`);
}
