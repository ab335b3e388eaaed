/** report.md and report.json for `aeimg eval`. */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvalReport } from './evaluate.js';
import { NOISES } from './noise.js';
import { ctDeclaration } from '../../../src-shared/windows.js';

const PAPER_TABLE6: Record<string, [number, number]> = {
  saltpepper: [0.93, 0.94], speckle: [0.06, 0.23], poisson: [0.79, 0.9], gaussian: [0.13, 0.41],
};

const f4 = (x: number) => x.toFixed(4);
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'inf');
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const unit = (u: string) => (u === 'mixed' ? ' (mixed units)' : u ? ` ${u}` : '');
const ms = (t: number | undefined) => (t === undefined ? '-' : t < 1 ? `${t.toFixed(3)} ms` : `${t.toFixed(1)} ms`);

export function reportMarkdown(r: EvalReport): string {
  const rows = [['all', r.mean] as const, ...Object.entries(r.perSource)];
  const lines = [
    `# Evaluation of model \`${r.model.name}\` (${r.model.architecture}, id ${r.model.id.slice(0, 12)}…)`,
    '',
    `Data: \`${r.data}\`, ${r.images} images; latent quantized to ${r.bits} bits; inference backend \`${r.backend}\`.` +
      (r.ctIntercept === undefined ? '' : ` Image files declared a CT's: ${ctDeclaration(r.ctIntercept)} (--ct-intercept).`) +
      (r.sourcesBy === 'name prefix' ? ' Sources: the file names\' prefixes before their first "_" (a folder without sub-folders).' : ''),
    'SSIM: Gaussian window 11, sigma 1.5 (Wang et al. 2004); PSNR and MSE on samples scaled to [0, 1] (docs/models.md).',
    '',
    '## Clean images: the full path (encoder → quantize → entropy code → decoder)',
    '',
    '| images | n | SSIM | PSNR (dB) | MSE | coded latent | PNG | raw | bits/pixel |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(([name, s]) => `| ${name} | ${s.images} | ${f4(s.clean.ssim)} | ${f2(s.clean.psnr)} | ${s.clean.mse.toExponential(2)} | ` +
      `${kb(s.clean.aeimgBytes)} | ${kb(s.clean.pngBytes)} | ${kb(s.clean.rawBytes)} | ${s.clean.bitsPerPixel.toFixed(3)} |`),
    '',
    'Paper (Alslman et al. 2022): SSIM 0.9528, MSE 0.0019, with a float latent as large as the raw image.',
    '',
    '## What a reader sees: the worst of each image\'s reader windows, as its sender is told',
    '',
    'A CT in DICOM (or image files declared a CT\'s, --ct-intercept) through the CT presets in HU (brain 40/80, …) and its file\'s own windows; an image without units through ' +
    'its 1st–99th percentile. SSIM of the two images as the window shows them; errors in the image\'s units (stored values ' +
    'where it has none). The whole-range SSIM above hardly moves for a CT\'s error of tens of HU.',
    '',
    '| images | n | SSIM, worst window | windows that were worst | RMSE | largest error |',
    '|---|---|---|---|---|---|',
    ...rows.map(([name, s]) => `| ${name} | ${s.images} | ${f4(s.reader.ssim)} | ${s.reader.windows.slice(0, 3).join(', ')}` +
      `${s.reader.windows.length > 3 ? ', …' : ''} | ${f2(s.reader.rmse)}${unit(s.reader.units)} | ${s.reader.maxAbs}${unit(s.reader.units)} |`),
    '',
  ];
  const noises = NOISES.filter((n) => r.mean.noise[n]);
  if (noises.length) {
    lines.push('## Noise (the paper\'s Table 6): SSIM / PSNR against the clean original', '',
      ...(r.denoiser ? ['"decoded" is the model\'s denoiser on the noisy image\'s latent (its faithful decoder keeps the noise).', ''] : []),
      '| noise | noisy | decoded(noisy) | 3x3 median(noisy) | decoded beats both | paper noisy → decoded |',
      '|---|---|---|---|---|---|');
    for (const n of noises) {
      const x = r.mean.noise[n]!;
      const wins = x.decoded.ssim > x.noisy.ssim && x.decoded.ssim > x.median.ssim;
      lines.push(`| ${n} | ${f4(x.noisy.ssim)} / ${f2(x.noisy.psnr)} | ${f4(x.decoded.ssim)} / ${f2(x.decoded.psnr)} | ` +
        `${f4(x.median.ssim)} / ${f2(x.median.psnr)} | ${wins ? 'yes' : '**no**'} | ${PAPER_TABLE6[n]![0]} → ${PAPER_TABLE6[n]![1]} |`);
    }
    lines.push('', 'Noise parameters (scikit-image `random_noise` defaults): salt-and-pepper amount 0.05; speckle x + x·N(0, 0.1); ' +
      'Poisson(256·x)/256; Gaussian x + N(0, 0.1).', '');
  }
  const t = r.mean.timings;
  lines.push('## Time (the paper\'s Table 3, measured here): mean per image', '',
    '| AES-256-GCM on the raw image | AES-256-GCM on the coded latent | read | encoder | quantize + entropy code | decoder (incl. entropy decode) |',
    '|---|---|---|---|---|---|',
    `| ${ms(t.aesRaw)} | ${ms(t.aesLatent)} | ${ms(t.read)} | ${ms(t.encoder)} | ${ms(t.entropy)} | ${ms(t.decode)} |`,
    '',
    'AES-GCM itself is a fraction of a millisecond either way; the neural network is where the time goes, and the size of ' +
    'the file is where the user gains. (The paper reports 72% less encryption time; its latent is as large as the image.)',
    '');
  return lines.join('\n');
}

export async function writeReport(r: EvalReport, outDir: string): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'report.json'), JSON.stringify(r, null, 1));
  await writeFile(join(outDir, 'report.md'), reportMarkdown(r));
}
