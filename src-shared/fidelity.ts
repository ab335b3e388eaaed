/**
 * Fidelity as a reader sees it, and the one phrasing of it that the CLI, the app, the viewer and DICOM output use.
 * Environment-free. The engine computes it (src-main/engine/metrics/fidelity.ts); it travels inside the encryption.
 */
import { SENDER_WINDOW, windowLabel, type DisplayWindow } from './windows.js';

/** Below this SSIM in any reader's window, an image is reduced quality: the sender is warned, the viewer says so. */
export const REDUCED_QUALITY_SSIM = 0.98;

export interface WindowFidelity extends DisplayWindow {
  /**
   * SSIM of the two images rendered to 8 bits through this window, as a viewer shows them, over the part the window
   * shows: not where both show its black or its white end (a CT's air in the brain window; aeimg 0.42, before which
   * that counted as reproduced perfectly and lifted the figure: the CT head fixture at `low` 0.9038 → 0.7642).
   */
  ssim: number;
  /** PSNR of those 8-bit renderings over the pixels the window shows (as `ssim`); null when they are identical. */
  psnr: number | null;
}

/**
 * One window's figures as a record keeps each of its windows' (`ssim`, `psnr`), and whether a reader sees the difference
 * there: below REDUCED_QUALITY_SSIM with some pixel shown more than one grey level off (what makes a file `reduced`).
 */
export interface WindowFigures extends Pick<WindowFidelity, 'ssim' | 'psnr'> {
  visible: boolean;
}

export interface ErrorFigures {
  /** Largest absolute difference of any sample. */
  maxAbs: number;
  /**
   * Root-mean-square difference over the pixels some reader window shows (aeimg 0.45: not where every window shows both
   * images at its black or white end, as a CT's padding; before, over every pixel, which read lower: Fidelity.rmseOverFrame).
   */
  rmse: number;
  /**
   * 'HU', another real-world unit, or '': stored values (perStored 1), or rescaled values without a named unit (a
   * Philips MR's Rescale Type US with slope 9.57: what a viewer shows, so the error a reader meets).
   */
  units: string;
  /**
   * Real-world units per stored unit (|Rescale Slope|); 1 for stored values. Through a Modality LUT (0.11): the most
   * its table moves over the near-lossless bound, per stored unit of it (over ±1 without a bound).
   */
  perStored: number;
}

/**
 * What the receiver will see. `ssim`/`psnr`/`mse` are the whole-range figures (stored values over the range the
 * original uses; 255 for 8-bit): a detail, never the headline for more than 8 bits. Files from aeimg ≤ 0.2 carry
 * only those three.
 */
export interface Fidelity {
  ssim: number;
  psnr: number | null;
  mse: number;
  /** The receiver gets the original samples exactly. */
  exact?: boolean;
  /** Every sample within ±maxError stored units of the original (near-lossless files). */
  maxError?: number;
  /** Error of the stored values; `real` in real-world units where the image has a rescale (HU for CT). */
  stored?: ErrorFigures;
  real?: ErrorFigures;
  /** Per reader window, worst (lowest SSIM) first. */
  windows?: WindowFidelity[];
  /**
   * A window's SSIM is below REDUCED_QUALITY_SSIM where some pixel shows more than one grey level off (aeimg 0.8;
   * before, the worst window's SSIM alone), or nothing guarantees the pixels and nothing was measured.
   */
  reduced?: boolean;
  /**
   * A colour image shown through its own ICC profile (a colour DICOM's 0028,2000, which the viewer applies): the largest
   * difference of any pixel as shown, in levels of 255 (to 0.1), where that is more than a level beyond the values'
   * (aeimg 0.34). The other figures are of the stored values; this is what a reader's screen shows of them.
   */
  shown?: number;
  /**
   * Its window figures are over the whole image (set by the receiver, never written: a file from aeimg 0.41 and before,
   * which counted what a window shows black or white in both images, a CT's air in the brain window, as reproduced
   * perfectly; from 0.42 over what the window shows). They read higher than what a reader sees in the window.
   */
  overFrame?: true;
  /**
   * Its RMSE is over every pixel of the image (set by the receiver, never written: a file from aeimg 0.44 and before,
   * which counted pixels no window shows, a CT's padding, as reproduced perfectly; from 0.45 over what the windows show).
   */
  rmseOverFrame?: true;
}

/**
 * How the receiver is told where the figures come from (the decrypt line, the viewer's line under the image). A
 * bit-exact image's are no measurement (0.51): its decoder checked every pixel against the sender's pixel hash, and a
 * file that fails that check does not decode (before, "measured by the sender", said even of a JPEG sent as its own
 * data, where nothing was measured).
 */
export function figuresOrigin(f: Pick<Fidelity, 'overFrame' | 'exact'>): string {
  if (f.exact) return BIT_EXACT_CHECKED;
  return f.overFrame ? `measured by the sender over the whole image, ${OVER_FRAME}` : 'measured by the sender';
}

/** What a bit-exact image's line says of its check (figuresOrigin). */
export const BIT_EXACT_CHECKED = "every pixel checked against the sender's on decoding";

/**
 * "; sender's window 30/60: SSIM 0.9658": the figure of the window its sender sent it in, where the headline names
 * another as the worst (0.44: the encrypt and decrypt lines, the viewer's line, DICOM output's Derivation Description).
 */
export function senderWindowFigure(f: Pick<Fidelity, 'windows'> | undefined): string {
  const w = f?.windows?.find((x) => x.name === SENDER_WINDOW);
  return w && w !== f!.windows![0] ? `; ${windowLabel(w)}: SSIM ${w.ssim.toFixed(4)}` : '';
}

/** Why a file's window figures (Fidelity.overFrame) read higher than what its reader sees. */
export const OVER_FRAME = 'as aeimg 0.41 and before measured: higher than over what each window shows';

/** What the figures' table says of an RMSE measured over every pixel (Fidelity.rmseOverFrame). */
export const RMSE_OVER_FRAME = 'over the whole image, as aeimg 0.44 and before measured: lower than over what the windows show';

/**
 * The precision figures are kept at, from the measurement on (so the sender is told exactly what the file carries and
 * the reader sees): SSIM to 1e-5, PSNR to 0.01 dB, RMSE to 0.001; format 2 stores them as these integers.
 */
export const SSIM_STEPS = 1e5;
export const PSNR_STEPS = 100;
export const RMSE_STEPS = 1000;
export const roundSsim = (v: number) => (SSIM_STEPS - Math.round((1 - v) * SSIM_STEPS)) / SSIM_STEPS; // the nearest double, as JSON writes it
export const roundPsnr = (v: number) => Math.round(v * PSNR_STEPS) / PSNR_STEPS;
export const roundRmse = (v: number) => Math.round(v * RMSE_STEPS) / RMSE_STEPS;
/** `Fidelity.shown` is kept to a tenth of a level of 255 (format 2: an integer of tenths). */
export const SHOWN_STEPS = 10;
export const roundShown = (v: number) => Math.round(v * SHOWN_STEPS) / SHOWN_STEPS;

/** A value in a reader's units: two significant digits below 0.1 (a bound of 0.0025 Bq/ml is not "0.00"), else one or two decimals. */
const num = (v: number) => (Number.isInteger(v) ? String(v) : v < 0.1 ? String(Number(v.toPrecision(2))) : v < 10 ? v.toFixed(2) : v.toFixed(1));
/** An SUV: two significant digits below 1 (an error of 0.0042 is not "0.00"), else two decimals. */
const suvNum = (v: number) => (v === 0 ? '0' : v < 1 ? String(Number(v.toPrecision(2))) : v.toFixed(2));

/**
 * How the values a reader is shown are named: their units (`ErrorFigures.units`), real units per stored unit, and for
 * PET in Bq/ml (or Philips' counts) the sender's SUVbw factor (g/ml per Bq/ml: dicom/suv.ts), since a PET reader reads SUV.
 */
export interface ReaderUnits {
  units?: string;
  perStored?: number;
  suvBw?: number;
}

/**
 * Whether a PET file's SUVbw factor (dicom/suv.ts) applies to values in these units: activity concentration (Bq/ml,
 * QIBA's recipe) and, for Philips, counts (the scanner's own SUV Scale Factor). Not to the output of a Modality LUT,
 * whose units are not known.
 */
export const suvScales = (units: string | undefined): boolean => units === 'Bq/ml' || units === 'counts';

/**
 * A value in its units: "31 HU"; rescaled values without a named unit say so ("4393 in rescaled values"); PET in Bq/ml
 * (or counts) with an SUV factor also in SUVbw ("1520 Bq/ml, 0.29 SUVbw"), since that is what its reader reads.
 */
function withUnits(v: number, units: string, perStored = 1, suvBw?: number, sign = ''): string {
  if (suvBw && suvScales(units)) return `${sign}${num(v)} ${units}, ${sign}${suvNum(v * suvBw)} SUVbw`;
  const value = `${sign}${num(v)}`;
  return units ? `${value} ${units}` : perStored !== 1 ? `${value} in rescaled values` : value;
}

/** The smallest SSIM a reader will see (the worst window's; the whole-range SSIM for files without windows). */
export function worstSsim(f: Pick<Fidelity, 'ssim' | 'windows'>): number {
  return f.windows?.length ? f.windows[0]!.ssim : f.ssim;
}

/**
 * Whether the images' errors in the values a reader is shown compare: every one has real-world figures, in the same
 * units. Frames of one file may have their own rescale (a Philips field map's magnitude and B0 frames), so their
 * errors in stored units do not compare with each other's.
 */
const realErrorsCompare = (list: readonly Fidelity[]) => list.every((f) => f.real !== undefined && f.real.units === list[0]!.real!.units);

/** An image's largest error in real units (where they compare) or in stored units; −1 if not measured. */
const largestError = (f: Fidelity, real: boolean) => (real ? f.real!.maxAbs : f.stored?.maxAbs ?? f.real?.maxAbs ?? -1);

/** The index of the image with the largest error (largestError), −1 where none was measured. */
function largestErrorOf(list: readonly (Fidelity | undefined)[], real: boolean): number {
  let at = -1;
  list.forEach((f, i) => { if (f && (at < 0 || largestError(f, real) > largestError(list[at]!, real))) at = i; });
  return at;
}

/**
 * A file's images where some have real-world figures: one without (its rescale the identity, so it shows its stored
 * values) gets its stored figures as the values it shows, which then compare with the others' (0.47: an enhanced MR
 * whose frame 2 has slope 2.5 and frames 1 and 3 the identity told its sender "largest error 37", frame 1's in no unit,
 * where frame 2's was 92.5 in rescaled values).
 */
function shownFigures(list: readonly (Fidelity | undefined)[]): readonly (Fidelity | undefined)[] {
  if (!list.some((f) => f?.real)) return list;
  return list.map((f) => (f && !f.real && f.stored ? { ...f, real: { ...f.stored, units: '', perStored: 1 } } : f));
}

/**
 * Which of the figures of a file's images (a multi-frame file's frames) has the lowest SSIM in a reader's window,
 * and which the largest error; −1 where none was measured.
 */
export function worstImages(given: readonly (Fidelity | undefined)[]): { ssim: number; error: number } {
  return worstOf(shownFigures(given));
}

/** worstImages of a list shownFigures has already made comparable. */
function worstOf(list: readonly (Fidelity | undefined)[]): { ssim: number; error: number } {
  let ssim = -1;
  list.forEach((f, i) => { if (f && (ssim < 0 || worstSsim(f) < worstSsim(list[ssim]!))) ssim = i; });
  return { ssim, error: largestErrorOf(list, realErrorsCompare(list.filter((f) => f !== undefined))) };
}

/**
 * What a file of several images tells its reader: its worst image's windows (the lowest SSIM in a reader's window)
 * with the largest error of any image, so that no pixel of the file is further off than it says (0.14: until 0.13 the
 * worst image's own, which another frame's could exceed: a 2-frame ultrasound at `max` said 227 where a pixel of the
 * other frame was 235 off); bit-exact if every image is, reduced quality if any is.
 */
export function worstFidelity(given: readonly (Fidelity | undefined)[]): Fidelity | undefined {
  const list = shownFigures(given);
  const { ssim, error } = worstOf(list);
  if (ssim < 0) return undefined;
  const measured = list.filter((f) => f !== undefined);
  const worst = list[ssim]!;
  if (measured.length < 2) return worst;
  const bounds = measured.map((f) => f.maxError);
  const { stored: _stored, real: _real, exact, reduced, maxError: _bound, shown: _shown, ...rest } = worst;
  const shown = measured.map((f) => f.shown ?? 0).reduce((a, b) => Math.max(a, b), 0);
  // Each figure from the image where it is largest (0.15: frames with their own rescale told the stored error of the
  // frame with the largest error in rescaled values, 873, where another frame's was 2096): in stored units, and in
  // real units where those compare, with the largest real units per stored unit, which a bound is multiplied by.
  // Where they do not compare (units differ), the error is said in stored units, named so (0.47; was a bare number).
  const stored = list[largestErrorOf(list, false)]!.stored;
  const real = !realErrorsCompare(measured) ? (measured.some((f) => f.real) && stored ? { ...stored, units: 'stored units', perStored: 1 } : undefined)
    : { ...list[error]!.real!, perStored: Math.max(...measured.map((f) => f.real!.perStored)) };
  return {
    ...rest,
    ...(stored ? { stored } : {}),
    ...(real ? { real } : {}),
    ...(measured.every((f) => f.exact) ? { exact } : {}),
    ...(bounds.every((b) => b !== undefined) ? { maxError: Math.max(...bounds as number[]) } : {}), // any unbounded: no bound
    ...(measured.some((f) => f.reduced) ? { reduced: true } : reduced !== undefined ? { reduced } : {}),
    ...(shown > 0 ? { shown } : {}),
  };
}

/**
 * "every pixel within ±2 HU", "… ±2 stored units (±1.37 OD)", "… ±2 stored units (±19.1 in rescaled values)", "… ±2
 * stored units (±5 Bq/ml, ±0.00095 SUVbw)": a near-lossless bound in stored units and, where they differ, in the values
 * a viewer shows.
 */
export function boundText(maxError: number, slope?: number, units?: string, suvBw?: number): string {
  if (maxError === 0) return 'bit-exact';
  const real = slope === undefined ? undefined : Math.round(maxError * Math.abs(slope) * 1e6) / 1e6;
  if (real !== undefined && real !== maxError) return `every pixel within ±${maxError} stored units (${withUnits(real, units ?? '', Math.abs(slope!), suvBw, '±')})`;
  if (units) return `every pixel within ${withUnits(maxError, units, 1, suvBw, '±')}`;
  return `every pixel within ±${maxError} of the original`;
}

/**
 * The headline: "bit-exact", or "worst window brain 40/80: SSIM 0.6200, largest error 31 HU", preceded by the
 * near-lossless bound where there is one (from the figures, or from `guarantee` when nothing was measured).
 * Files from aeimg ≤ 0.2 get their whole-range figures.
 */
export function fidelityHeadline(f: Fidelity | undefined, guarantee: { maxError?: number } & ReaderUnits = {}): string {
  const maxError = f?.maxError ?? guarantee.maxError;
  if (f?.exact || maxError === 0) return 'bit-exact';
  const parts: string[] = [];
  const { suvBw } = guarantee;
  if (maxError !== undefined) parts.push(guaranteeText(f, guarantee));
  // A file from before 0.11 has stored figures only where a slope had no named unit: said in the values shown too.
  const scale = guarantee.perStored ?? 1;
  const err = f?.real ?? (f?.stored && scale !== 1 ? { ...f.stored, maxAbs: f.stored.maxAbs * scale, units: guarantee.units ?? '', perStored: scale } : f?.stored);
  const w = f?.windows?.[0];
  if (w) {
    parts.push(`worst window ${windowLabel(w)}: SSIM ${w.ssim.toFixed(4)}${err ? `, largest error ${withUnits(err.maxAbs, err.units, err.perStored, suvBw)}` : ''}`);
  } else if (f) {
    parts.push(`SSIM ${f.ssim.toFixed(4)}, PSNR ${f.psnr === null || !Number.isFinite(f.psnr) ? 'inf' : f.psnr.toFixed(2)} dB (whole range)`);
  } else if (maxError === undefined) {
    parts.push('fidelity not measured');
  }
  if (f?.shown !== undefined) parts.push(`shown through its colour profile, up to ${roundShown(f.shown)} levels of 255`);
  return parts.join('; ');
}

/**
 * What an image's pixels are guaranteed to be: its near-lossless bound in the values a reader is shown ("every pixel
 * within ±2 HU", from the figures, or from `guarantee` when nothing was measured), "bit-exact", or "no per-pixel
 * guarantee" (the network alone). The line under a reduced-quality banner (the sender's preview, the viewer) says it
 * (0.50; before, "no per-pixel guarantee" for every reduced image, under a banner that gave a near-lossless one's bound).
 */
export function guaranteeText(f: Fidelity | undefined, guarantee: { maxError?: number } & ReaderUnits = {}): string {
  const maxError = f?.maxError ?? guarantee.maxError;
  if (maxError === undefined) return f?.exact ? 'bit-exact' : 'no per-pixel guarantee';
  const { suvBw } = guarantee;
  return f?.real ? boundText(maxError, f.real.perStored, f.real.units, suvBw) : boundText(maxError, guarantee.perStored, guarantee.units, suvBw);
}

/** The banner and warning text for a reduced-quality image. */
export function reducedQualityText(f: Fidelity | undefined, units: ReaderUnits = {}): string {
  return f
    ? `Reduced quality — not for primary diagnosis (${fidelityHeadline(f, units)})`
    : 'Reduced quality — not for primary diagnosis (no per-pixel guarantee, fidelity not measured)';
}
