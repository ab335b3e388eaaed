/**
 * `npm run bench:kept`: files that are already compressed, as a department has them, through `aeimg encrypt` with
 * their frames kept where smaller (aeimg 0.9) and with `--recode` (every image coded by aeimg, as 0.8 did), at the
 * default level and at `max`; real file sizes. Inputs: the compressed DICOM fixtures of tests/fixtures/dicom; the
 * 512² CT and MR fixtures of other scanners (../shared/data/dicom-fixtures) compressed with GDCM and dcmtk where those
 * tools are installed; JPEG exports (sharp, quality 75 and 90) of val slices. Writes docs/kept.md.
 *   npx tsx scripts/bench/kept.ts
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { readDicomFile } from '../../src-main/engine/dicom/import.js';
import { isDicomFile } from '../../src-main/engine/dicom/header.js';
import { NATIVE_SYNTAXES, syntaxTitle } from '../../src-main/engine/dicom/codecs.js';
import { encryptImageFile, type EncryptResult } from '../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../src-main/engine/keys/keyfile.js';
import { DEFAULT_MODEL, ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { initBackend } from '../../src-main/engine/model/tf.js';
import { worstSsim } from '../../src-shared/fidelity.js';
import type { Quality } from '../../src-shared/quality.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DATA = join(ROOT, '..', 'shared', 'data');
const work = await mkdtemp(join(tmpdir(), 'aeimg-kept-'));
const backend = (await initBackend()).name;
const model = await new ModelCache().byName(DEFAULT_MODEL);
const key = generateSharedKey('bench');

interface Input { path: string; group: string; what: string }
const inputs: Input[] = [];

// 1. The compressed DICOM fixtures.
const fixtures = join(ROOT, 'tests', 'fixtures', 'dicom');
for (const f of (await readdir(fixtures)).filter((n) => n.endsWith('.dcm') && !n.startsWith('negative')).sort()) {
  try {
    const [first] = await readDicomFile(join(fixtures, f), { maxPixels: 1 << 26, deidentify: null });
    const syntax = first!.dicom.pixel.syntax;
    if (!NATIVE_SYNTAXES.has(syntax)) inputs.push({ path: join(fixtures, f), group: 'tests/fixtures/dicom', what: syntaxTitle(syntax) });
  } catch {
    // refused inputs (32-bit, no pixels) are not this benchmark's
  }
}

// 2. Other scanners' 512² fixtures, compressed as a PACS might hold them (each tool only where installed).
const tool = (name: string) => ['/usr/bin/', '/usr/local/bin/'].map((d) => d + name).find(existsSync);
const made = join(work, 'made');
await mkdir(made);
const recipes: [string, string, (src: string, out: string) => string[]][] = [
  ['gdcmconv', 'JPEG 2000 lossy, q 40 (gdcmconv --j2k --lossy -q 40)', (s, o) => ['--j2k', '--lossy', '-q', '40', s, o]],
  ['gdcmconv', 'JPEG 2000 lossy, rate 20 (gdcmconv --j2k --lossy -r 20)', (s, o) => ['--j2k', '--lossy', '-r', '20', s, o]],
  ['gdcmconv', 'JPEG 2000 lossless (gdcmconv --j2k)', (s, o) => ['--j2k', s, o]],
  ['gdcmconv', 'JPEG-LS lossless (gdcmconv --jpegls)', (s, o) => ['--jpegls', s, o]],
  ['dcmcjpls', 'JPEG-LS near-lossless 3 (dcmcjpls +en --max-deviation 3)', (s, o) => ['+en', '--max-deviation', '3', s, o]],
  ['dcmcjpeg', 'JPEG 12-bit lossy (dcmcjpeg +ee)', (s, o) => ['+ee', s, o]],
  ['dcmcrle', 'RLE (dcmcrle)', (s, o) => [s, o]],
];
for (const src of ['ct_ankle_512_implicit_le.dcm', 'mr_philips_512_implicit_le_nometa.dcm']) {
  const from = join(DATA, 'dicom-fixtures', src);
  if (!existsSync(from)) continue;
  for (const [k, [name, what, args]] of recipes.entries()) {
    const bin = tool(name);
    const out = join(made, `${basename(src, '.dcm')}-${k}.dcm`);
    if (!bin) continue;
    try {
      execFileSync(bin, args(from, out), { stdio: 'ignore' });
      if (existsSync(out) && (await isDicomFile(out))) inputs.push({ path: out, group: basename(src, '.dcm'), what });
    } catch {
      // a tool that refuses this image (e.g. JPEG-LS near-lossless of signed samples) gives no row
    }
  }
}

// 3. JPEG exports of val slices (what a viewer's "export as JPEG" gives), 5 per source.
for (const [prefix, source] of [['colin27', 'colin27'], ['ct', 'craniumct']] as const) {
  const dir = join(DATA, 'mri-ct-slices', 'val');
  if (!existsSync(dir)) continue;
  const slices = (await readdir(dir)).filter((n) => (prefix === 'colin27' ? n.startsWith('colin27') : !n.startsWith('colin27'))).sort();
  for (const n of slices.filter((_, i) => i % Math.ceil(slices.length / 5) === 0).slice(0, 5)) {
    for (const q of [75, 90]) {
      const out = join(made, `${basename(n, '.png')}-q${q}.jpg`);
      await sharp(join(dir, n)).jpeg({ quality: q }).toFile(out);
      inputs.push({ path: out, group: `mri-ct-slices/val ${source}, JPEG`, what: `JPEG quality ${q}` });
    }
  }
}

async function encrypt(path: string, quality: Quality, recode: boolean): Promise<EncryptResult> {
  const outDir = join(work, `${quality}-${recode ? 'recode' : 'keep'}`);
  await mkdir(outDir, { recursive: true });
  return encryptImageFile(path, { model, recipients: [key], outDir, force: true, coding: { quality, ...(recode ? { recode: true } : {}) } });
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const label = (r: EncryptResult) => (r.coding.kept ? 'kept' : r.reduced && r.fidelity ? `${r.coding.quality}, reduced: ${worstSsim(r.fidelity).toFixed(4)}` : r.coding.quality);
const rows: string[] = [];
const totals = new Map<string, { file: number; recode: number; keep: number; n: number }>();
for (const input of inputs) {
  process.stderr.write(`${basename(input.path)}…\n`);
  const file = (await stat(input.path)).size;
  const [recode, keep, maxRecode, maxKeep] = [
    await encrypt(input.path, 'auto', true), await encrypt(input.path, 'auto', false),
    await encrypt(input.path, 'max', true), await encrypt(input.path, 'max', false),
  ];
  const t = totals.get(input.group) ?? { file: 0, recode: 0, keep: 0, n: 0 };
  totals.set(input.group, { file: t.file + file, recode: t.recode + recode.outputBytes, keep: t.keep + keep.outputBytes, n: t.n + 1 });
  rows.push(`| ${input.group} | ${basename(input.path)} | ${input.what} | ${kb(file)} | ${kb(recode.outputBytes)} (${label(recode)}) | ` +
    `**${kb(keep.outputBytes)}** (${label(keep)}) | ${kb(maxRecode.outputBytes)} (${label(maxRecode)}) | ${kb(maxKeep.outputBytes)} (${label(maxKeep)}) |`);
}

const md = [
  '# Files that are already compressed (kept frames)', '',
  `Generated by \`npm run bench:kept\` (scripts/bench/kept.ts) on ${new Date().toISOString().slice(0, 10)}, model \`${DEFAULT_MODEL}\`, backend ${backend}.`,
  'Each file through `aeimg encrypt` (whole `.aeimg` files, de-identified DICOM header included) twice per level: with `--recode`',
  '(every image coded by aeimg\'s own coder as aeimg 0.8 did, for receivers before 0.9: no kept frame, and samples on a grid, such',
  'as the CT ankle\'s steps of 16, not coded as grid indices) and by default (a compressed frame, or a JPEG file, goes as its',
  'own data where that is smaller, bit-exact: "kept"; a multi-frame file\'s frames alike where that adds at most a tenth;',
  'docs/dicom.md; samples on a grid as grid indices). "reduced: 0.9379" is the worst reader window\'s SSIM of a',
  'reduced-quality file. The DICOM file sizes include their full headers.', '',
  '## Totals per group, default level', '',
  '| group | files | as given | `--recode` | default | default / as given |',
  '|---|---|---|---|---|---|',
  ...[...totals].map(([g, t]) => `| ${g} | ${t.n} | ${kb(t.file)} | ${kb(t.recode)} | ${kb(t.keep)} | ${(100 * t.keep / t.file).toFixed(0)}% |`),
  '', '## Every file', '',
  '| group | file | compressed as | as given | default, `--recode` | default | `max`, `--recode` | `max` |',
  '|---|---|---|---|---|---|---|---|',
  ...rows, '',
];
await writeFile(join(ROOT, 'docs', 'kept.md'), md.join('\n'));
await rm(work, { recursive: true, force: true });
process.stderr.write(`wrote docs/kept.md (${inputs.length} files)\n`);
