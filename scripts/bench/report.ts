/**
 * Part of `npm run bench` (run.ts): docs/benchmarks.md, .json and benchmarks-rd.svg from the measured results, with the
 * per-source comparisons (compare.ts, denoise.ts, standards.ts) in their place.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_QUALITY, QUALITIES, REFINEMENT_BITS, resolveCoding } from '../../src-shared/quality.js';
import { compareMarkdown, ssimDb, type BrainAll, type PooledCurves, type SourceRd } from './compare.js';
import { ctNoiseMarkdown, denoiseMarkdown, denoiseTargets, type CtNoiseRow, type DenoiseRow } from './denoise.js';
import { bdRate, bdRateLinear } from './images.js';
import { STANDARDS_METHOD, standardsTables, type StandardsRow } from './standards.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** The levels as they apply to the 8-bit slices measured here (`auto` is within-1 there). */
export const codingFor = (quality: (typeof QUALITIES)[number]) => resolveCoding({ quality }, { bitDepth: 8, dicom: false });

/** What the per-source comparisons measure (run.ts measureCompare). */
export interface CompareResult {
  perSource: number; rd: SourceRd[]; brainAll: BrainAll[]; denoise: DenoiseRow[]; denoiseModels: string[]; ctNoise: CtNoiseRow[];
  standards: { perSource: number; rows: StandardsRow[] };
}

type Rd = { bpp: number; ssim: number; psnr: number };

/** The monotone envelope of a curve. */
function envelope(pts: { rate: number; q: number }[]): { rate: number; q: number }[] {
  return [...pts].sort((x, y) => x.rate - y.rate).filter((p, i, all) => all.slice(0, i).every((o) => o.q < p.q));
}

/** The denoising targets and sections that go into the comparison's part of docs/benchmarks.md (denoise.ts). */
function denoiseParts(c: Partial<CompareResult>): { targets: ReturnType<typeof denoiseTargets>; sections: string[] } {
  const rows = c.denoise ?? [];
  return {
    targets: rows.length && c.denoiseModels?.length ? denoiseTargets(rows, c.denoiseModels[0]!) : [],
    sections: [...denoiseMarkdown(rows), ...ctNoiseMarkdown(c.ctNoise ?? [])],
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function writeDocs(result: any): Promise<void> {
  const f1 = (x: number) => x.toFixed(1);
  const ms = (x: unknown) => (typeof x === 'number' ? (x < 10 ? x.toFixed(2) : x.toFixed(0)) : '-');
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const curve = (pts: Rd[], q: (p: Rd) => number) => envelope(pts.map((p) => ({ rate: p.bpp, q: q(p) })));
  const bdPsnr = bdRate(curve(result.rd.jpeg, (p) => p.psnr), curve(result.rd.aeimg, (p) => p.psnr));
  const bdSsim = bdRate(curve(result.rd.jpeg, (p) => ssimDb(p.ssim)), curve(result.rd.aeimg, (p) => ssimDb(p.ssim)));
  // The network's own levels, without the refinement layer: what the autoencoder alone achieves against JPEG.
  const netOnly = result.rd.aeimg.filter((p: { maxError?: number }) => p.maxError === undefined);
  const bdPsnrNet = bdRate(curve(result.rd.jpeg, (p) => p.psnr), curve(netOnly, (p) => p.psnr));
  const bdSsimNet = bdRate(curve(result.rd.jpeg, (p) => ssimDb(p.ssim)), curve(netOnly, (p) => ssimDb(p.ssim)));
  // The same with piecewise-linear log-rate (as the per-source tables): cubic fits through 4 points swing on these curves.
  const linNet = (q: (p: Rd) => number) => bdRateLinear(result.rd.jpeg.map((p: Rd) => ({ rate: p.bpp, q: q(p) })), netOnly.map((p: Rd) => ({ rate: p.bpp, q: q(p) })));
  const subset: PooledCurves = { slices: result.alternatives.slices, jpeg: result.rd.jpeg.map((p: Rd & { quality: number }) => ({ ...p, setting: `q${p.quality}` })),
    aeimg: netOnly.map((p: Rd & { quality: string }) => ({ ...p, setting: p.quality })).reverse() };
  const { stages, rd: { aeimg: rdAe, jpeg: rdJpeg }, machine: { cpu, cores } } = result;
    const stageRows = stages.map((s: Record<string, unknown>) => {
    const m = (s as { medians: Record<string, number> }).medians;
    return `| ${s.subject} | ${s.backend} | ${ms(m['enc.read'])} | ${ms(m['enc.encoder'])} | ${ms(m['enc.entropy'])} | ${ms(m['enc.encryptWrite'])} | ` +
      `**${ms(m.encryptTotal)}** | ${ms(m['dec.decrypt'])} | ${ms(m['dec.decoder'])} | ${ms(m['dec.write'])} | **${ms(m.decryptTotal)}** | ` +
      `${kb(s.pngBytes as number)} → ${kb(s.outputBytes as number)} | ${s.peakRssMB} MB |`;
  });
  const a = result.alternatives;
  const md = `# Benchmarks
  
  Measured by \`npm run bench\` (scripts/bench/run.ts${result.compare ? `, ${result.compare.perSource} slices a source for the per-source comparisons: \`--per-source N\`` : ''}) on ${cpu}, ${cores} cores, Node ${process.version}, ${result.machine.date.slice(0, 10)}${result.wallSeconds ? `; the whole run took ${(result.wallSeconds / 60).toFixed(1)} min` : ''}.
  Default inference backend here: \`${result.machine.backend}\`${result.machine.backend === 'wasm' ? ' (tfjs-node cannot be installed on this machine: no libtensorflow download)' : ''}.
  Medians of several runs per subject, each subject in its own process. Nothing here is asserted by the tests.
  
  ## Time per stage (ms), encrypt then decrypt
  
  | image | backend | read | encoder | quantize + entropy | AES-GCM + write | **encrypt** | read + AES-GCM open | entropy decode + decoder + PNG encode | write | **decrypt** | PNG → .aeimg | peak RSS |
  |---|---|---|---|---|---|---|---|---|---|---|---|---|
  ${stageRows.join('\n')}
  
  At the default level (\`auto\`: \`within-1\` for the 8-bit images, bit-exact for the 16-bit CT). The sender's fidelity
  figures (SSIM in every reader window, errors in real units), on by default in the CLI and the app, are off here
  except in the rows "with figures"; \`--no-measure\` skips them.
  
  ## Against what a user would do instead (${a.slices} val slices, 256², means)
  
  | | bytes | SSIM | encode (ms) | AES-256-GCM (ms) |
  |---|---|---|---|---|
  | raw pixels + AES-GCM | ${kb(65536)} | 1 | 0 | ${ms(a.aesRawMs)} |
  | PNG + AES-GCM | ${kb(a.pngBytes)} | 1 | ${ms(a.pngEncodeMs)} | ${ms(a.aesPngMs)} |
  | JPEG at the quality that matches our SSIM (mean q ${f1(a.jpegQuality)}) + AES-GCM | ${kb(a.jpegBytes)} | ${a.jpegSSIM.toFixed(4)} | ${ms(a.jpegEncodeMs)} | ${ms(a.aesJpegMs)} |
  | **aeimg \`max\`**, the network alone, no per-pixel guarantee (coded latent; the .aeimg adds ${kb(result.rd.overheadBytes)} of header, records and tags) | ${kb(a.oursBytes)} | ${a.oursSSIM.toFixed(4)} | see above | < 0.1 |
  
  AES-GCM is a fraction of a millisecond for any of these: the network is where the time goes, and the size is where
  the user gains.
  
  ## Size
  
  - Default quality (\`${DEFAULT_QUALITY}\`, on 8-bit slices \`${codingFor(DEFAULT_QUALITY).quality}\`: coded directly, no latent), real \`.aeimg\` files over ${result.size.slices} val slices: mean **${(100 * result.size.meanAeimgOverPng).toFixed(1)}%** of the lossless PNG, every pixel within ±1 (0.2's target of ≤ 50% was for its network-only default, \`max\`: see the rate–distortion table for \`max\`).
  - Lossless (\`--lossless\`, ${result.lossless.slices} slices): ${kb(result.lossless.aeimg)} vs PNG ${kb(result.lossless.png)} vs raw ${kb(result.lossless.raw)} (**${(100 * result.lossless.aeimg / result.lossless.png).toFixed(0)}% of PNG**, target < 100%).
    Since 0.3 the guaranteed levels are coded directly, with no latent (the coder alone: ${kb(result.lossless.alone)} of coded data a slice). As 0.2 wrote
    them, a ${REFINEMENT_BITS}-bit latent (${kb(result.lossless.latent)}) and a residual against its reconstruction (${kb(result.lossless.residual)}) took
    ${kb(result.lossless.latent + result.lossless.residual)}: ${result.lossless.alone < result.lossless.latent + result.lossless.residual
    ? `the latent cost ${kb(result.lossless.latent + result.lossless.residual - result.lossless.alone)} more than it saved, and a decoder pass (docs/decisions.md).`
    : 'the latent paid for itself here: revisit docs/decisions.md.'}
  
  ## Rate–distortion (${a.slices} val slices)
  
  ![rate-distortion](benchmarks-rd.svg)
  
  | aeimg quality | latent bits | max error | bits/pixel | SSIM | PSNR (dB) |
  |---|---|---|---|---|---|
  ${rdAe.map((p: Rd & { quality: string; bits?: number; maxError?: number }) => `| ${p.quality} | ${p.bits ?? "none"} | ${p.maxError === undefined ? '-' : `±${p.maxError}`} | ${p.bpp.toFixed(3)} | ${p.ssim.toFixed(4)} | ${p.psnr.toFixed(2)} |`).join('\n')}

  Rates are those of real \`.aeimg\` files (header, key stanza, records and GCM tags included: ${kb(result.rd.overheadBytes)} a file); JPEG's are
  of the bare JPEG. \`low\`..\`max\` are the network alone (its fidelity levels off near ${rdAe.filter((p: { maxError?: number }) => p.maxError === undefined).at(-1).psnr.toFixed(1)} dB); the \`within-N\` levels add the
  near-lossless refinement layer (every sample within ±N of the original, backgrounds exact).
  
  | JPEG quality | bits/pixel | SSIM | PSNR (dB) |
  |---|---|---|---|
  ${rdJpeg.map((p: Rd & { quality: number }) => `| ${p.quality} | ${p.bpp.toFixed(3)} | ${p.ssim.toFixed(4)} | ${p.psnr.toFixed(2)} |`).join('\n')}
  
  Bjøntegaard delta rate of aeimg against JPEG (negative = aeimg needs fewer bits for the same quality), over the
  overlapping quality range (cubic fits of log-rate over each curve's monotone envelope): **${f1(bdPsnr)}%** at equal
PSNR, **${f1(bdSsim)}%** at equal SSIM (as dB, −10·log10(1 − SSIM)). JPEG's SSIM is not monotonic in its quality on
these slices (whether the black background stays exactly 0 changes SSIM a lot), hence the envelope.
The network's levels alone (\`low\`..\`max\`, over their own narrower range): **${f1(bdPsnrNet)}%** at equal PSNR,
**${f1(bdSsimNet)}%** at equal SSIM (piecewise-linear instead of cubic: ${f1(linNet((p) => p.psnr))}% and ${f1(linNet((p) => ssimDb(p.ssim)))}%; the two
fits disagree by several points on these short curves); above ~38 dB it is the refinement layer that beats JPEG, not the network.
  
  <!-- compare -->
  ## Batch throughput (${result.batch.slices} slices of 256², ${cores} workers, no fidelity check)
  
  - encrypt: **${f1(result.batch.encryptPerSecond)} slices/s** (target ≥ 25)
  - decrypt (to PNG): **${f1(result.batch.decryptPerSecond)} slices/s** (target ≥ 15)
  - failures: ${result.batch.failed}
  ${result.cli ? `
  ## The command line as a user runs it
  
  - start-up: \`aeimg --help\` **${f1(result.cli.helpMs)} ms** against \`node -e 0\` ${f1(result.cli.nodeMs)} ms (**${(result.cli.helpMs / result.cli.nodeMs).toFixed(1)}x**, target ≤ 3x; the build in dist-cli/ that \`npm ci\` makes, rebuilt before measuring)
  - one \`aeimg encrypt\` process over ${result.cli.slices} val slices (256², one worker per core), the whole process timed:
    default level (\`auto\` = within-1 here) with the reader's figures **${f1(result.cli.encryptPerSecond)} slices/s**, without them (\`--no-measure\`)
    ${f1(result.cli.encryptNoFiguresPerSecond)}; the network alone (\`--quality max\`) ${f1(result.cli.maxPerSecond)} with figures, ${f1(result.cli.maxNoFiguresPerSecond)} without (target ≥ 25 at the default with figures)
  ` : ''}`;
  const text = md.replace(/^ {2}/gm, '') // the template is indented with the code
    .replace('<!-- compare -->\n', result.compare ? `${compareMarkdown(result.compare, subset, denoiseParts(result.compare))}\n${standardsSection(result.compare.standards)}\n` : '');
  await writeFile(join(ROOT, 'docs', 'benchmarks.md'), text);
  await writeFile(join(ROOT, 'docs', 'benchmarks.json'), JSON.stringify(result, null, 1));
  await writeFile(join(ROOT, 'docs', 'benchmarks-rd.svg'), rdSvg(rdAe, rdJpeg));
  process.stdout.write(text);
}

function standardsSection(s: { perSource: number; rows: StandardsRow[] }): string {
  return ['## Standards at equal guarantee (issue #18)', '',
    `aeimg's guaranteed levels against what a department would use for the same guarantee, ${s.perSource} slices spread over each`,
    `source's \`val\` (the same measurement as \`npm run bench:standards\`, which writes docs/standards.md with more slices). ${STANDARDS_METHOD}`, '',
    ...standardsTables(s.rows, '###')].join('\n');
}

function rdSvg(ae: { bpp: number; psnr: number }[], jp: { bpp: number; psnr: number }[]): string {
  const W = 560, H = 360, L = 60, B = 50, T = 30, R = 20;
  const all = [...ae, ...jp];
  const xMax = Math.max(...all.map((p) => p.bpp)) * 1.05;
  const yMin = Math.floor(Math.min(...all.map((p) => p.psnr)) - 1), yMax = Math.ceil(Math.max(...all.map((p) => p.psnr)) + 1);
  const x = (v: number) => L + (v / xMax) * (W - L - R);
  const y = (v: number) => T + (1 - (v - yMin) / (yMax - yMin)) * (H - T - B);
  const line = (pts: { bpp: number; psnr: number }[], c: string) => `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${x(p.bpp)},${y(p.psnr)}`).join(' ')}"/>` +
    pts.map((p) => `<circle cx="${x(p.bpp)}" cy="${y(p.psnr)}" r="3" fill="${c}"/>`).join('');
  const ticks = Array.from({ length: 6 }, (_, i) => (xMax * i) / 5);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<text x="${L}" y="18" font-size="13">PSNR vs bits per pixel, mri-ct-slices/val</text>
${ticks.map((t) => `<text x="${x(t)}" y="${H - B + 16}" text-anchor="middle">${t.toFixed(2)}</text>`).join('')}
${Array.from({ length: yMax - yMin + 1 }, (_, i) => yMin + i).filter((v) => v % 2 === 0).map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`).join('')}
<text x="${(W + L) / 2}" y="${H - 12}" text-anchor="middle">bits per pixel</text><text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle">PSNR (dB)</text>
${line(jp, '#7a9cc6')}${line(ae, '#d9534f')}
<text x="${W - 150}" y="${H - B - 30}" fill="#d9534f">aeimg (quality levels)</text><text x="${W - 150}" y="${H - B - 15}" fill="#7a9cc6">JPEG (quality 5–95)</text>
</svg>`;
}
