/**
 * `npm run fidelity`: what a reader gets at each quality level, per source, in the reader's windows and units:
 * mri-ct-slices/val (8-bit, per source), slices16/val (16-bit CT in HU and 12-bit MR, per source, with their rescale
 * and windows from the manifest), a scan no model was trained on (unseen/, scripts/bench/sources.ts) and every DICOM
 * fixture (through the importer, as `aeimg encrypt` reads it).
 * Real .aeimg files are written for the sizes. Writes docs/fidelity.md and docs/fidelity.json.
 *   npx tsx scripts/fidelity-report.ts [--per-source N] [--quick] [--model NAME --levels max,... --print]
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { encryptImageFile } from '../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../src-main/engine/keys/keyfile.js';
import { DEFAULT_MODEL, ModelCache } from '../src-main/engine/model/autoencoder.js';
import { initBackend } from '../src-main/engine/model/tf.js';
import { REDUCED_QUALITY_SSIM, worstSsim, type Fidelity } from '../src-shared/fidelity.js';
import type { Quality } from '../src-shared/quality.js';
import { windowLabel, type DisplayModel } from '../src-shared/windows.js';
import { evaluationSources, spread } from './bench/sources.js';

const ROOT = join(import.meta.dirname, '..');
const DATA = join(ROOT, '..', 'shared', 'data');
const { values } = parseArgs({
  options: {
    'per-source': { type: 'string', default: '20' }, quick: { type: 'boolean', default: false },
    // Comparing models: another model, some levels, and the table on stdout instead of the docs.
    model: { type: 'string', default: DEFAULT_MODEL }, levels: { type: 'string' }, print: { type: 'boolean', default: false },
  },
});
const perSource = values.quick ? 3 : Number(values['per-source']);
const LEVELS: Quality[] = values.levels ? values.levels.split(',') as Quality[] : ['auto', 'within-1', 'within-2', 'within-4', 'max'];

const backend = (await initBackend()).name;
const models = new ModelCache();
const model = await models.byName(values.model);
const key = generateSharedKey('fidelity report');
const work = await mkdtemp(join(tmpdir(), 'aeimg-fidelity-'));

interface Item { file: string; source: string; display?: DisplayModel }

function bySource(items: Item[]): Map<string, Item[]> {
  const m = new Map<string, Item[]>();
  for (const it of items) m.set(it.source, [...(m.get(it.source) ?? []), it]);
  return m;
}

// mri-ct-slices/val (8-bit), slices16/val (16-bit, with the rescale and windows the manifest gives: CT in HU and the CT
// presets), and unseen/: a scan no model was trained on (scripts/bench/sources.ts).
const slices = evaluationSources(DATA);

// DICOM fixtures: through the importer (its own windows, rescale and units).
const dicomDir = join(ROOT, 'tests', 'fixtures', 'dicom');
const dicom: Item[] = (await readdir(dicomDir)).filter((f) => f.endsWith('.dcm') && !f.startsWith('negative'))
  .map((f) => ({ file: join(dicomDir, f), source: `dicom/${basename(f, '.dcm')}` }));

interface Row { source: string; level: Quality; images: number; resolved: string; meanWorst: number; minWorst: number; worstWindow: string;
  largest: number; units: string; reduced: number; below: number; bpp: number; failures: string[]; meanBrain?: number }
const rows: Row[] = [];

for (const [source, all] of [...slices, ...bySource(dicom)]) {
  const items = source.startsWith('dicom/') ? all : spread(all, perSource);
  for (const level of LEVELS) {
    process.stderr.write(`${source} ${level} (${items.length})…\n`);
    const fids: Fidelity[] = [];
    let bits = 0, pixels = 0, reduced = 0, images = 0;
    const resolved = new Set<string>();
    const failures: string[] = [];
    for (const it of items) {
      try {
        const r = await encryptImageFile(it.file, {
          model, recipients: [key], outDir: work, force: true, coding: { quality: level },
          display: it.display,
        });
        resolved.add(r.coding.quality);
        if (r.fidelity) fids.push(r.fidelity);
        if (r.reduced) reduced++;
        images += r.images;
        bits += 8 * r.outputBytes;
        pixels += r.width * r.height * r.images;
      } catch (err) {
        failures.push((err as Error).message); // the engine's message starts with the file's name
      }
    }
    if (fids.length === 0) {
      rows.push({ source, level, images: 0, resolved: '-', meanWorst: NaN, minWorst: NaN, worstWindow: '-', largest: NaN, units: '', reduced: 0, below: 0, bpp: NaN, failures });
      continue;
    }
    const worst = fids.reduce((a, f) => (worstSsim(f) < worstSsim(a) ? f : a));
    const err = (f: Fidelity) => f.real ?? f.stored;
    const brains = fids.flatMap((f) => f.windows?.filter((w) => w.name === 'brain').map((w) => w.ssim) ?? []);
    rows.push({
      source, level, images, resolved: [...resolved].join('/'),
      meanWorst: fids.reduce((s, f) => s + worstSsim(f), 0) / fids.length, minWorst: worstSsim(worst),
      worstWindow: worst.windows?.[0] ? windowLabel(worst.windows[0]) : '-',
      largest: Math.max(...fids.map((f) => err(f)?.maxAbs ?? 0)),
      units: err(worst)?.units || (err(worst) && err(worst)!.perStored !== 1 ? 'rescaled' : ''), // a slope or table without a named unit
      reduced, below: fids.filter((f) => worstSsim(f) < REDUCED_QUALITY_SSIM).length, bpp: bits / pixels, failures,
      ...(brains.length === fids.length ? { meanBrain: brains.reduce((a, b) => a + b, 0) / brains.length } : {}),
    });
  }
}
await rm(work, { recursive: true, force: true });
await models.dispose();
if (values.print) {
  for (const r of rows) console.log(`${values.model}\t${r.source}\t${r.level}\tmean worst ${r.meanWorst.toFixed(4)}\tmin ${r.minWorst.toFixed(4)} (${r.worstWindow})\tlargest ${r.largest} ${r.units}\treduced ${r.reduced}/${r.images}\t${r.bpp.toFixed(3)} bpp${r.meanBrain !== undefined ? `\tbrain 40/80 ${r.meanBrain.toFixed(4)}` : ''}`);
  process.exit(0);
}

const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '-');
const lines = [
  '# What a reader gets at each quality level',
  '',
  `Generated by \`npm run fidelity\` (scripts/fidelity-report.ts) on ${new Date().toISOString().slice(0, 10)}, model \`${DEFAULT_MODEL}\`, backend ${backend}.`,
  `Per source: ${perSource} slices spread over each source's \`val\` (all of a DICOM fixture's frames); \`unseen/\` is a scan no model was`,
  'trained on (slices16/optional, spread over all its slices; used for evaluation only, as its licence is not stated per file). Each image is written as a real',
  '`.aeimg` (sizes are whole files: header, key stanza, records and tags included). Fidelity is what the sender is told and the',
  'file records (docs/format.md, `fidelity`): SSIM inside each reader\'s window rendered to 8 bits as a viewer does (DICOM linear',
  'VOI, MONOCHROME1 inverted), over what the window shows (0.42: not where both images are at its black or white end alike, as a',
  'CT\'s air in the brain window); the worst window is the headline. Windows: the CT presets (brain 40/80, subdural 50/130, stroke',
  '40/40, soft tissue 40/400, lung -600/1500, bone 500/2000) for CT in HU, the file\'s own VOI windows, the 1st-99th percentile',
  'window for other images of more than 8 bits, the full range for 8-bit images. "Largest error" is in HU for CT, in the file\'s',
  'rescale units where it names them, "rescaled" (the values a viewer shows) where a slope other than 1 or a Modality LUT has',
  'no named unit (0.11: a Philips MR of Rescale Type US and slope 9.57 said "largest error 459", in stored units, where its',
  'reader\'s viewer shows values differing by 4393), else in stored units. "Reduced" counts the images of reduced quality, of',
  'which the sender is warned and over which the viewer shows a "not for primary diagnosis" banner: every image of the network',
  'alone (`max`, no per-pixel guarantee; since 0.47), one below SSIM 0.98 in some window that shows some pixel more than one',
  'grey level off (since 0.8), and a segmentation (a 1-bit mask, a label map) with any voxel changed (since 0.15). "Below',
  '0.98" counts the images whose worst window is below SSIM 0.98.',
  '"Coded as" lossless at another level: a DICOM frame that went as its file held it (since 0.9; docs/dicom.md).',
  '',
  '| source | level | coded as | images | mean worst-window SSIM | lowest | its window | largest error | reduced | below 0.98 | bits/pixel |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.source} | ${r.level} | ${r.resolved} | ${r.images} | ${f4(r.meanWorst)} | ${f4(r.minWorst)} | ${r.worstWindow} | ` +
    `${Number.isFinite(r.largest) ? `${+r.largest.toFixed(2)}${r.units ? ` ${r.units}` : ''}` : '-'} | ${r.reduced} | ${r.below} | ${Number.isFinite(r.bpp) ? r.bpp.toFixed(3) : '-'} |`),
  '',
  'Refused (at every level, by name):',
  '',
  ...[...new Set(rows.flatMap((r) => r.failures))].map((f) => `- ${f}`),
];
await writeFile(join(ROOT, 'docs', 'fidelity.md'), `${lines.join('\n')}\n`);

// The short version in docs/results.md, between its markers: per source, the default, within-2 and max.
const cell = (source: string, level: Quality) => {
  const r = rows.find((x) => x.source === source && x.level === level);
  return r && r.images ? `${f4(r.meanWorst)} (${f4(r.minWorst)}), ${+r.largest.toFixed(2)}${r.units ? ` ${r.units}` : ''}` : '-';
};
const sources = [...new Set(rows.map((r) => r.source))].filter((s) => !s.startsWith('dicom/') || /ct_head_512_j2k_lossless|ct_ankle|mr_philips|cr_16x16/.test(s));
const block = [
  '<!-- fidelity:start -->',
  '## What the quality levels guarantee a reader',
  '',
  `From \`npm run fidelity\` (${new Date().toISOString().slice(0, 10)}; all sources and levels: [fidelity.md](fidelity.md)). Each cell: mean worst-window`,
  'SSIM (lowest), largest error. `auto` is the default: bit-exact for DICOM and images of more than 8 bits, within ±1 for',
  '8-bit images. Below 0.98 in a window that shows a pixel more than one grey level off, an image is reduced quality (the',
  'sender is warned, the viewer shows a banner), and so is every image of the network alone (`max`; since 0.47).',
  '',
  '| source | default (`auto`) | `within-2` | `max` (network alone) |',
  '|---|---|---|---|',
  ...sources.map((s) => `| ${s} | ${cell(s, 'auto')} | ${cell(s, 'within-2')} | ${cell(s, 'max')} |`),
  '<!-- fidelity:end -->',
].join('\n');
const resultsPath = join(ROOT, 'docs', 'results.md');
const results = readFileSync(resultsPath, 'utf8');
await writeFile(resultsPath, /<!-- fidelity:start -->[\s\S]*<!-- fidelity:end -->/.test(results)
  ? results.replace(/<!-- fidelity:start -->[\s\S]*<!-- fidelity:end -->/, block)
  : results.replace('\n## Evaluation', `\n${block}\n\n## Evaluation`));
await writeFile(join(ROOT, 'docs', 'fidelity.json'), `${JSON.stringify({ backend, perSource, rows }, null, 1)}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
