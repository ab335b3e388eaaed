/**
 * `npm run results`: evaluates every shipped model on mri-ct-slices/val (clean + the four noises) and writes
 * docs/results.md, docs/results.json and docs/results-noise.svg. Takes a few minutes on 2 cores.
 *   npx tsx scripts/results.ts [--data DIR] [--limit N]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Autoencoder, defaultModelsDir, listModels } from '../src-main/engine/model/autoencoder.js';
import { initBackend } from '../src-main/engine/model/tf.js';
import { evaluate, type EvalReport } from '../src-main/engine/train/evaluate.js';
import { NOISES } from '../src-main/engine/train/noise.js';
import { reportMarkdown } from '../src-main/engine/train/report.js';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({ options: { data: { type: 'string', default: join(ROOT, '..', 'shared', 'data', 'mri-ct-slices', 'val') }, limit: { type: 'string' } } });

const backend = (await initBackend()).name;
const reports: EvalReport[] = [];
for (const { dir, manifest } of await listModels([defaultModelsDir()])) {
  const model = await Autoencoder.load(dir);
  process.stderr.write(`evaluating ${manifest.name}…\n`);
  const r = await evaluate(model, values.data, backend, { bits: 8, noises: [...NOISES], limit: values.limit ? Number(values.limit) : undefined, seed: 1 });
  r.data = 'mri-ct-slices/val';
  r.perImage = [];
  reports.push(r);
  model.dispose();
}

/** Grouped bars: for each noise, SSIM of noisy / 3x3 median / decoded per model. */
function svg(rs: EvalReport[]): string {
  const series = [{ label: 'noisy', key: 'noisy', color: '#bbb' }, { label: '3x3 median', key: 'median', color: '#7a9cc6' }] as const;
  const bars = [...series.map((s) => ({ ...s, model: '' })), ...rs.map((r, i) => ({ label: `decoded (${r.model.name})`, key: 'decoded' as const, color: ['#d9534f', '#5cb85c', '#f0ad4e'][i % 3]!, model: r.model.name }))];
  const W = 760, H = 340, left = 50, top = 30, bottom = 60, gw = (W - left - 20) / NOISES.length, bw = (gw - 20) / bars.length;
  const y = (v: number) => top + (1 - v) * (H - top - bottom);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="18" font-size="13">Mean SSIM vs the clean original on mri-ct-slices/val (higher is better)</text>`];
  for (let t = 0; t <= 10; t += 2) parts.push(`<line x1="${left}" x2="${W - 20}" y1="${y(t / 10)}" y2="${y(t / 10)}" stroke="#eee"/><text x="${left - 8}" y="${y(t / 10) + 4}" text-anchor="end">${(t / 10).toFixed(1)}</text>`);
  NOISES.forEach((n, gi) => {
    bars.forEach((b, bi) => {
      const r = b.model ? rs.find((x) => x.model.name === b.model)! : rs[0]!;
      const v = r.mean.noise[n]?.[b.key].ssim ?? 0;
      const x = left + gi * gw + 10 + bi * bw;
      parts.push(`<rect x="${x}" y="${y(v)}" width="${bw - 2}" height="${y(0) - y(v)}" fill="${b.color}"><title>${b.label}: ${v.toFixed(4)}</title></rect>`);
    });
    parts.push(`<text x="${left + gi * gw + gw / 2}" y="${H - bottom + 16}" text-anchor="middle">${n}</text>`);
  });
  bars.forEach((b, i) => parts.push(`<rect x="${left + i * 170}" y="${H - 24}" width="10" height="10" fill="${b.color}"/><text x="${left + i * 170 + 14}" y="${H - 15}">${b.label}</text>`));
  parts.push('</svg>');
  return parts.join('\n');
}

const md = [
  '# Results',
  '',
  `Regenerate with \`npm run results\` (evaluates every model in \`resources/models/\` on \`mri-ct-slices/val\`; backend \`${backend}\`).`,
  'Each section is the `aeimg eval` report of one model. Targets (issue "Model quality"): clean SSIM ≥ 0.98 and PSNR ≥ 38 dB',
  'after quantization; for each noise, decoded SSIM above both the noisy and the 3x3-median SSIM.',
  '',
  '![SSIM per noise type](results-noise.svg)',
  '',
  ...reports.map((r) => reportMarkdown(r).replace(/^# /, '## ').replace(/^## (?!Evaluation)/gm, '### ')),
].join('\n');
// The section `npm run fidelity` maintains (what each quality level guarantees a reader) is kept as it is.
const previous = await readFile(join(ROOT, 'docs', 'results.md'), 'utf8').catch(() => '');
const kept = /<!-- fidelity:start -->[\s\S]*<!-- fidelity:end -->/.exec(previous)?.[0];
await writeFile(join(ROOT, 'docs', 'results.md'), kept ? md.replace('\n## Evaluation', `\n${kept}\n\n## Evaluation`) : md);
await writeFile(join(ROOT, 'docs', 'results.json'), JSON.stringify(reports, null, 1));
await writeFile(join(ROOT, 'docs', 'results-noise.svg'), svg(reports));
console.log(`wrote docs/results.md, docs/results.json, docs/results-noise.svg (${reports.length} models)`);
