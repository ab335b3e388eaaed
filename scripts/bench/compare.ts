/**
 * Part of `npm run bench` (scripts/bench/run.ts): aeimg's network-only levels against the standard lossy codecs, per
 * source, on real file sizes. Issue #14 item 4 and #18 item 3. (The denoising comparison: denoise.ts.)
 *  - Rate–distortion: `low`..`max` (whole .aeimg files written by the engine's encrypt job, decrypted back) against
 *    JPEG (libjpeg-turbo through sharp, 8-bit only), JPEG 2000 (OpenJPEG opj_compress -r, irreversible 9/7) and
 *    JPEG XL (cjxl -d, libjxl): bare codestreams. Mean bits/pixel, PSNR and SSIM per point; for CT in HU also SSIM in
 *    the CT presets' windows (brain 40/80 and the worst one) as readerFidelity renders them. BD-rate of aeimg against
 *    each codec at equal PSNR, SSIM (as dB) and, for CT, brain-window SSIM.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeImage } from '../../src-main/engine/codec/image-codec.js';
import type { Image } from '../../src-main/engine/image/image.js';
import { decodeImage, readImageFile } from '../../src-main/engine/image/io.js';
import { encodeJpeg } from './jpeg.js';
import { decryptAeimgFile } from '../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import type { SharedKey } from '../../src-main/engine/keys/recipients.js';
import { compareImages, readerFidelity } from '../../src-main/engine/metrics/fidelity.js';
import type { Autoencoder, ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { QUALITY_LEVELS, type Quality } from '../../src-shared/quality.js';
import { bdRate, bdRateLinear } from './images.js';
import { evaluationSources, spread, type Item } from './sources.js';

const run = promisify(execFile);
export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const log = (s: string) => process.stderr.write(`${s}\n`);

export const NETWORK_LEVELS = ['low', 'medium', 'high', 'max'] as const satisfies readonly Quality[];
export const JPEG_QUALITIES = [5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95];
/** JPEG 2000 targets in bits/pixel (opj_compress -r takes the ratio to the stored precision). */
export const J2K_BPP = [0.08, 0.12, 0.18, 0.25, 0.35, 0.5, 0.7, 1, 1.4, 2, 3];
export const JXL_DISTANCES = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8];
export const CODECS = ['jpeg', 'j2k', 'jxl'] as const;
export type Codec = (typeof CODECS)[number];
export const CODEC_NAMES: Record<Codec, string> = { jpeg: 'JPEG', j2k: 'JPEG 2000', jxl: 'JPEG XL' };

/** One point of a curve: means over the source's slices. brain/worst: SSIM in the CT brain window and the worst CT preset. */
export interface RdPoint { setting: string; bpp: number; psnr: number; ssim: number; brain?: number; worst?: number; worstWindow?: string }
export interface SourceRd {
  source: string; bitDepth: number; precision: number; slices: number; pixels: number; ct: boolean;
  aeimg: RdPoint[]; codecs: Partial<Record<Codec, RdPoint[]>>;
  /** BD-rate (%) of aeimg against each codec; NaN where the curves do not overlap. */
  bd: Partial<Record<Codec, { psnr: number; ssim: number; brain?: number }>>;
}
/** A binary PGM at the given precision (maxval 2^precision − 1; big-endian samples above 8 bits). */
function pgmAt(image: Image, precision: number): Buffer {
  const head = Buffer.from(`P5\n${image.width} ${image.height}\n${2 ** precision - 1}\n`);
  if (precision <= 8) return Buffer.concat([head, Buffer.from(image.pixels.buffer, image.pixels.byteOffset, image.pixels.byteLength)]);
  const body = Buffer.alloc(2 * image.pixels.length);
  image.pixels.forEach((v, i) => body.writeUInt16BE(v, 2 * i));
  return Buffer.concat([head, body]);
}

/** Reads a binary PGM (comments allowed) back into an image of `like`'s bit depth, rescaling if its maxval differs. */
function readPgm(buf: Buffer, like: Image, precision: number): Image {
  const tokens: string[] = [];
  let i = 0;
  while (tokens.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[i]!))) i++;
    if (buf[i] === 0x23) { while (buf[i] !== 0x0a) i++; continue; }
    let t = '';
    while (!/\s/.test(String.fromCharCode(buf[i]!))) t += String.fromCharCode(buf[i++]!);
    tokens.push(t);
  }
  i++; // the single whitespace after maxval
  const [magic, w, h, mv] = tokens as [string, string, string, string];
  const width = Number(w), height = Number(h), maxval = Number(mv);
  if (magic !== 'P5' || width !== like.width || height !== like.height) throw new Error(`decoded PGM ${magic} ${width}x${height} does not match`);
  const top = 2 ** precision - 1;
  const pixels = like.bitDepth === 16 ? new Uint16Array(width * height) : new Uint8Array(width * height);
  for (let k = 0; k < pixels.length; k++) {
    const v = maxval > 255 ? buf.readUInt16BE(i + 2 * k) : buf[i + k]!;
    pixels[k] = maxval === top ? v : Math.round((v * top) / maxval);
  }
  return { width, height, channels: 1, bitDepth: like.bitDepth, pixels };
}

interface Sample { bytes: number; decoded: Image }

/** Every setting of one codec on one image: bytes of the bare codestream and the decoded image. */
async function codecSamples(codec: Codec, image: Image, precision: number, dir: string): Promise<Map<string, Sample>> {
  const out = new Map<string, Sample>();
  if (codec === 'jpeg') {
    for (const q of JPEG_QUALITIES) {
      const j = await encodeJpeg(image, q);
      out.set(`q${q}`, { bytes: j.length, decoded: await decodeImage(j) });
    }
    return out;
  }
  const src = join(dir, 'in.pgm');
  await writeFile(src, pgmAt(image, precision));
  const coded = join(dir, codec === 'j2k' ? 'x.j2k' : 'x.jxl'), back = join(dir, 'back.pgm');
  const settings = codec === 'j2k' ? J2K_BPP.map((b) => [`${b} bpp`, String(precision / b)] as const) : JXL_DISTANCES.map((d) => [`d ${d}`, String(d)] as const);
  for (const [name, arg] of settings) {
    if (codec === 'j2k') {
      await run('opj_compress', ['-i', src, '-o', coded, '-r', arg, '-I']);
      await run('opj_decompress', ['-i', coded, '-o', back]);
    } else {
      await run('cjxl', [src, coded, '-d', arg, '-e', '7', '--quiet']);
      await run('djxl', [coded, back, '--quiet']);
    }
    out.set(name, { bytes: (await stat(coded)).size, decoded: readPgm(await readFile(back), image, precision) });
  }
  return out;
}

interface Measured { bpp: number; psnr: number; ssim: number; brain?: number; worst?: number; worstWindow?: string }

function measure(original: Image, decoded: Image, bytes: number, it: Item): Measured {
  const c = compareImages(original, decoded);
  const m: Measured = { bpp: (8 * bytes) / (original.width * original.height), psnr: Math.min(c.psnr, 99), ssim: c.ssim };
  if (it.ct && it.display) {
    const f = readerFidelity(original, decoded, it.display);
    m.brain = f.windows!.find((w) => w.name === 'brain')!.ssim;
    m.worst = f.windows![0]!.ssim;
    m.worstWindow = f.windows![0]!.name;
  }
  return m;
}

function meanPoint(setting: string, ms: Measured[]): RdPoint {
  const p: RdPoint = { setting, bpp: mean(ms.map((m) => m.bpp)), psnr: mean(ms.map((m) => m.psnr)), ssim: mean(ms.map((m) => m.ssim)) };
  if (ms[0]?.brain !== undefined) {
    p.brain = mean(ms.map((m) => m.brain!));
    p.worst = mean(ms.map((m) => m.worst!));
    // The window that is worst most often.
    const count = new Map<string, number>();
    for (const m of ms) count.set(m.worstWindow!, (count.get(m.worstWindow!) ?? 0) + 1);
    p.worstWindow = [...count].sort((a, b) => b[1] - a[1])[0]![0];
  }
  return p;
}

/** SSIM as decibels, −10·log10(1 − SSIM), which spreads the high end. */
export const ssimDb = (s: number) => -10 * Math.log10(Math.max(1e-9, 1 - s));

/** BD-rate (%) of `b` against `a` with quality q (piecewise-linear log-rate over each curve's monotone envelope). */
export function bd(a: RdPoint[], b: RdPoint[], q: (p: RdPoint) => number): number {
  const curve = (pts: RdPoint[]) => pts.map((p) => ({ rate: p.bpp, q: q(p) }));
  return bdRateLinear(curve(a), curve(b));
}

export interface RdOptions {
  model: Autoencoder; models: ModelCache; key: SharedKey; data: string; work: string; perSource: number;
}

/** Rate–distortion per source: aeimg's network-only levels (real .aeimg files) against JPEG, JPEG 2000 and JPEG XL. */
export async function measureRd(o: RdOptions): Promise<SourceRd[]> {
  const out: SourceRd[] = [];
  const dir = join(o.work, 'rd');
  await mkdir(dir, { recursive: true });
  for (const [source, all] of evaluationSources(o.data)) {
    const items = spread(all, o.perSource);
    const ae = new Map<string, Measured[]>(), cs = new Map<Codec, Map<string, Measured[]>>();
    let bitDepth = 8, pixels = 0;
    const t0 = performance.now();
    for (const it of items) {
      const image = await readImageFile(it.file);
      bitDepth = image.bitDepth;
      pixels += image.width * image.height;
      for (const quality of NETWORK_LEVELS) {
        // A slice with a display model (slices16: rescale and windows from the manifest) is coded as its DICOM would be.
        const r = await encryptImageFile(it.file, {
          model: o.model, recipients: [o.key], outDir: dir, force: true, measure: false, coding: { quality }, display: it.display,
        });
        const dec = await decryptAeimgFile(r.output, { identities: [o.key], models: o.models, write: false });
        ae.set(quality, [...(ae.get(quality) ?? []), measure(image, dec.images[0]!.image, r.outputBytes, it)]);
      }
      for (const codec of CODECS) {
        if (codec === 'jpeg' && image.bitDepth !== 8) continue; // sharp's JPEG is 8-bit only
        const m = cs.get(codec) ?? new Map<string, Measured[]>();
        cs.set(codec, m);
        for (const [setting, s] of await codecSamples(codec, image, it.precision, dir)) {
          m.set(setting, [...(m.get(setting) ?? []), measure(image, s.decoded, s.bytes, it)]);
        }
      }
    }
    const ct = items[0]!.ct;
    const aeimg = NETWORK_LEVELS.map((q) => meanPoint(q, ae.get(q)!));
    const codecs: SourceRd['codecs'] = {}, bds: SourceRd['bd'] = {};
    for (const [codec, m] of cs) {
      const pts = [...m].map(([setting, ms]) => meanPoint(setting, ms));
      codecs[codec] = pts;
      bds[codec] = {
        psnr: bd(pts, aeimg, (p) => p.psnr), ssim: bd(pts, aeimg, (p) => ssimDb(p.ssim)),
        ...(ct ? { brain: bd(pts, aeimg, (p) => ssimDb(p.brain!)) } : {}),
      };
    }
    out.push({ source, bitDepth, precision: items[0]!.precision, slices: items.length, pixels: pixels / items.length, ct, aeimg, codecs, bd: bds });
    log(`rd: ${source}, ${items.length} slices, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  return out;
}

/** Pooled over the 8-bit sources: the per-setting means over every slice of them, then BD-rate against JPEG. */
export function pooled8(rows: SourceRd[]): { slices: number; psnr: number; ssim: number; aeimg: RdPoint[]; jpeg: RdPoint[] } {
  const eight = rows.filter((r) => r.bitDepth === 8 && r.codecs.jpeg);
  const n = eight.reduce((s, r) => s + r.slices, 0);
  const pool = (get: (r: SourceRd) => RdPoint[]) => get(eight[0]!).map((p, k) => {
    const w = (f: (q: RdPoint) => number) => eight.reduce((s, r) => s + r.slices * f(get(r)[k]!), 0) / n;
    return { setting: p.setting, bpp: w((q) => q.bpp), psnr: w((q) => q.psnr), ssim: w((q) => q.ssim) };
  });
  const aeimg = pool((r) => r.aeimg), jpeg = pool((r) => r.codecs.jpeg!);
  return { slices: n, aeimg, jpeg, psnr: bd(jpeg, aeimg, (p) => p.psnr), ssim: bd(jpeg, aeimg, (p) => ssimDb(p.ssim)) };
}

/** The brain-window SSIM at `max` on every CT slice of a source's val (the target's own set), in-process, with its HU. */
export interface BrainAll { source: string; slices: number; mean: number; min: number }
export async function measureBrainAll(model: Autoencoder, data: string): Promise<BrainAll[]> {
  const out: BrainAll[] = [];
  for (const [source, items] of evaluationSources(data)) {
    if (!items[0]!.ct) continue;
    const ssims: number[] = [];
    for (const it of items) {
      const e = await encodeImage(model, await readImageFile(it.file), 'x', { bits: QUALITY_LEVELS.max.bits, measure: true, display: it.display });
      ssims.push(e.record.fidelity!.windows!.find((w) => w.name === 'brain')!.ssim);
    }
    out.push({ source, slices: ssims.length, mean: mean(ssims), min: Math.min(...ssims) });
    log(`brain window at max: ${source}, ${ssims.length} slices`);
  }
  return out;
}

// ---- Markdown ----

export const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
export const f4 = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(4) : '-');
const pct = (x: number | undefined) => (x === undefined ? 'n/a' : Number.isFinite(x) ? `${x > 0 ? '+' : ''}${x.toFixed(1)}%` : 'no overlap');

export interface Targets { rows: { target: string; measured: string; met: boolean | null }[] }

/** A pooled curve measured elsewhere in the run (run.ts's rate–distortion subset): network-only levels and JPEG. */
export interface PooledCurves { slices: number; aeimg: RdPoint[]; jpeg: RdPoint[] }

/**
 * The issue's targets, each with its measured value: met, not met, or not measurable (null). The pooled BD-rate is
 * met only if every estimate given meets it: the per-source slices pooled here and, if given, run.ts's larger subset
 * with both the piecewise-linear and the cubic Bjøntegaard fit (they differ by several points on these curves).
 */
export function targets(rd: SourceRd[], subset?: PooledCurves, brainAll?: BrainAll[]): Targets {
  const rows: Targets['rows'] = [];
  for (const r of rd) {
    const max = r.aeimg.find((p) => p.setting === 'max')!;
    rows.push({ target: `\`max\` mean SSIM ≥ 0.97, ${r.source}${r.bitDepth === 16 ? ' (whole stored range)' : ''}`, measured: f4(max.ssim), met: max.ssim >= 0.97 });
  }
  const eight = rd.filter((r) => r.codecs.jpeg);
  if (eight.length) {
    const p = pooled8(rd);
    for (const [name, q] of [['PSNR', (x: RdPoint) => x.psnr], ['SSIM', (x: RdPoint) => ssimDb(x.ssim)]] as const) {
      const est = [{ what: `${p.slices} slices of the per-source sets`, v: bd(p.jpeg, p.aeimg, q) }];
      if (subset) {
        const c = (pts: RdPoint[]) => pts.map((x) => ({ rate: x.bpp, q: q(x) }));
        const env = (pts: { rate: number; q: number }[]) => [...pts].sort((x, y) => x.rate - y.rate).filter((x, i, all) => all.slice(0, i).every((o) => o.q < x.q));
        est.push({ what: `the ${subset.slices}-slice subset above`, v: bd(subset.jpeg, subset.aeimg, q) },
          { what: 'the same, cubic fit', v: bdRate(env(c(subset.jpeg)), env(c(subset.aeimg))) });
      }
      rows.push({ target: `BD-rate vs JPEG ≤ −10% at equal ${name}, pooled 8-bit`, measured: est.map((e) => `${pct(e.v)} (${e.what})`).join('; '),
        met: est.every((e) => Number.isFinite(e.v)) ? est.every((e) => e.v <= -10) : null });
    }
    for (const r of eight) {
      const v = r.bd.jpeg!.ssim;
      rows.push({ target: `no source worse than JPEG at equal SSIM (BD-rate ≤ 0), ${r.source}`, measured: pct(v), met: Number.isFinite(v) ? v <= 0 : null });
    }
  }
  for (const r of rd.filter((x) => x.ct)) {
    const max = r.aeimg.find((p) => p.setting === 'max')!;
    rows.push({ target: `brain-window (40/80) SSIM ≥ 0.95 at \`max\`, ${r.source} (16-bit CT), the ${r.slices} slices above`, measured: f4(max.brain), met: (max.brain ?? 0) >= 0.95 });
  }
  for (const b of brainAll ?? []) {
    rows.push({ target: `brain-window (40/80) SSIM ≥ 0.95 at \`max\`, ${b.source} (16-bit CT), all ${b.slices} val slices`, measured: `${f4(b.mean)} (lowest slice ${f4(b.min)})`, met: b.mean >= 0.95 });
  }
  return { rows };
}

/** The sections for docs/benchmarks.md. */
export function compareMarkdown(c: { perSource: number; rd: SourceRd[]; brainAll?: BrainAll[] }, subset?: PooledCurves,
  more: { targets: Targets['rows']; sections: string[] } = { targets: [], sections: [] }): string {
  const L: string[] = [];
  const t = targets(c.rd, subset, c.brainAll);
  t.rows.push(...more.targets);
  L.push('## Targets (issue #14)', '',
    'Network-only `max` as it is today against the issue\'s targets; from the measurements below (same run). BD-rates: aeimg',
    '`low`..`max` against the codec, negative = aeimg needs fewer bits for the same quality.', '',
    '| target | measured | met |', '|---|---|---|',
    ...t.rows.map((r) => `| ${r.target} | ${r.measured} | ${r.met === null ? 'not measurable' : r.met ? 'met' : '**not met**'} |`), '');
  L.push(`## Rate–distortion per source: the network's levels against JPEG, JPEG 2000 and JPEG XL (${c.perSource} val slices a source)`, '',
    `${c.perSource} slices spread over each source's \`val\` (the table says how many each had), and over \`unseen/\`, a scan no model was`,
    'trained on (slices16/optional: scripts/bench/sources.ts); means over them. aeimg: `low`, `medium`,',
    '`high`, `max` (the network alone, no per-pixel guarantee), sizes of real `.aeimg` files (header, key stanza, records and',
    'GCM tags included), decrypted back. The others are bare codestreams, nothing around them (a DICOM wrapper or encryption would',
    'add to them): JPEG is libjpeg-turbo through',
    `sharp (quality ${JPEG_QUALITIES.join(', ')}), 8-bit only, so it is not applicable to the 16-bit sources; JPEG 2000 is OpenJPEG`,
    `(\`opj_compress -r\` at ${J2K_BPP.join(', ')} bits/pixel, irreversible 9/7, decoded with \`opj_decompress\`); JPEG XL is libjxl`,
    `(\`cjxl -d\` at distance ${JXL_DISTANCES.join(', ')}, effort 7, decoded with \`djxl\`). The 16-bit slices go to JPEG 2000 and JPEG XL as`,
    'PGM at their stored precision (12 bits, as the manifest\'s bits_stored and a DICOM encoder would), to aeimg as the 16-bit PNG with',
    'the rescale and windows its DICOM file carries (from the manifest; encryptImageFile\'s `display`), so CT is companded in HU as a',
    'CT DICOM file is. (Until aeimg 0.5 the PNG went alone and was companded by its percentiles: 0.8991 in the brain window at `max`.)',
    'cjxl takes grey samples as sRGB-encoded and tunes its distance to how that looks: on the 12-bit CT and MR (dark as sRGB) a',
    'distance gives far lower rates and quality than on 8-bit slices, hence distances down to 0.02.',
    'PSNR and SSIM over the range the original uses (255 for 8-bit). For CT in HU, also SSIM in the CT presets\' windows as a',
    'viewer renders them (readerFidelity): brain 40/80 and the worst preset. BD-rate: log-rate interpolated linearly between',
    'the points of each curve\'s monotone envelope, averaged over the quality range both curves cover ("no overlap": none).', '');
  L.push('### BD-rate of aeimg `low`..`max` against each codec', '',
    '| source | bits | slices | vs JPEG, equal PSNR | equal SSIM | vs JPEG 2000, equal PSNR | equal SSIM | vs JPEG XL, equal PSNR | equal SSIM | CT brain-window SSIM: vs JPEG 2000 | vs JPEG XL |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...c.rd.map((r) => `| ${r.source} | ${r.bitDepth === 16 ? `16 (${r.precision} stored)` : 8} | ${r.slices} | ${CODECS.map((k) => r.bd[k] ? `${pct(r.bd[k]!.psnr)} | ${pct(r.bd[k]!.ssim)}` : 'not applicable | not applicable').join(' | ')} | ` +
      `${r.ct ? `${pct(r.bd.j2k?.brain)} | ${pct(r.bd.jxl?.brain)}` : '- | -'} |`), '');
  if (c.rd.some((r) => r.codecs.jpeg)) {
    const p = pooled8(c.rd);
    L.push(`Pooled over the 8-bit sources (${p.slices} slices, each slice weighted equally): ${pct(p.psnr)} at equal PSNR, ${pct(p.ssim)} at equal SSIM against JPEG.`, '');
  }
  for (const r of c.rd) {
    const ct = r.ct;
    L.push(`### ${r.source} (${r.bitDepth}-bit, ${r.slices} slices, ${(r.pixels / 1000).toFixed(0)} k pixels a slice on average)`, '',
      `| codec | setting | bits/pixel | PSNR (dB) | SSIM |${ct ? ' brain 40/80 SSIM | worst CT preset SSIM (window) |' : ''}`,
      `|---|---|---|---|---|${ct ? '---|---|' : ''}`);
    const row = (codec: string, p: RdPoint) => `| ${codec} | ${p.setting} | ${f3(p.bpp)} | ${f2(p.psnr)} | ${f4(p.ssim)} |${ct ? ` ${f4(p.brain)} | ${f4(p.worst)} (${p.worstWindow}) |` : ''}`;
    L.push(...r.aeimg.map((p) => row('**aeimg**', p)));
    for (const k of CODECS) if (r.codecs[k]) L.push(...r.codecs[k]!.map((p) => row(CODEC_NAMES[k], p)));
    if (!r.codecs.jpeg) L.push(`| JPEG | not applicable (8-bit only) | | | |${ct ? ' | |' : ''}`);
    L.push('');
  }
  L.push(...more.sections);
  return L.join('\n');
}
