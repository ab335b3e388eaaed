/**
 * Fidelity as a reader sees it (src-shared/fidelity.ts): the error in stored and real-world units (HU for CT; the
 * largest over every sample, the RMSE over the pixels some window shows: shownInAnyWindow), and SSIM/PSNR inside each
 * display window a reader uses, rendered to 8 bits as a viewer does (linear VOI with clipping, MONOCHROME1 inverted),
 * over the part of the image the window shows (shownInWindow), worst window first. Also the
 * whole-range figures (stored values over the range the original uses; 255 for 8-bit), kept as a detail. Rows stream
 * through the SSIM (ssim.ts): no whole-image float copies.
 */
import { REDUCED_QUALITY_SSIM, roundPsnr, roundRmse, roundSsim, type ErrorFigures, type Fidelity, type WindowFidelity, type WindowFigures } from '../../../src-shared/fidelity.js';
import { CT_PRESETS, imageFileMapping, renderToByte, sampleToReal, sampleToStored, type DisplayModel, type DisplayWindow, type FileValues, type ValueMapping } from '../../../src-shared/windows.js';
import { colourChannels, type Image } from '../image/image.js';
import { psnrFromMse, ssimRows, type Counts, type RowSource, type SsimMse } from './ssim.js';

export type { Fidelity, WindowFigures };

/** Whole-range similarity of two images (training, benchmarks). */
export interface Similarity {
  ssim: number;
  psnr: number;
  mse: number;
}
export { psnrFromMse };
export { ssimPlane } from './ssim.js';

/** What an image file's record says of its values (codec/record.ts) and its own windows: plainDisplay's. */
export interface PlainValues extends FileValues {
  fileWindows?: readonly DisplayWindow[];
  /** Its samples are labels (a 1-bit mask: jobs/read-input.ts InputImage.bilevel), as DisplayModel.labels. */
  labels?: true;
}

/**
 * A plain image (PNG, JPEG, TIFF): its samples are its values (less a signed file's offset); > 8 bits gets the 1st–99th
 * percentile window. One its sender said is a CT (ImageRecord.ctIntercept) is seen as a CT's DICOM is: HU, the CT presets.
 * `fileWindows`: its own (an ImageJ TIFF's, its DICOM file's), first, as a DICOM file's are. One whose grey is
 * WhiteIsZero (`inverted`: a TIFF's, as MONOCHROME1) has samples inverted from its values, and shows inverted.
 */
export function plainDisplay(image: Pick<Image, 'bitDepth'>, values: PlainValues = {}): DisplayModel {
  const { ctIntercept, fileWindows = [], inverted, labels } = values;
  const mapping = imageFileMapping(image.bitDepth, values);
  const ct = ctIntercept !== undefined;
  return {
    units: ct ? 'HU' : '', monochrome1: inverted === true, windows: [...fileWindows, ...(ct ? CT_PRESETS : [])], percentile: !ct && image.bitDepth > 8,
    ...(mapping ? { mapping } : {}), ...(labels ? { labels } : {}),
  };
}

/** Channel c of an image, row by row, through a lookup table indexed by sample value. */
function rowsOf(image: Image, c: number, lut: Float64Array): RowSource {
  const { width, channels: n, pixels } = image;
  return (y, out) => {
    for (let x = 0, i = y * width * n + c; x < width; x++, i += n) out[x] = lut[pixels[i]!]!;
  };
}

function lutOf(bitDepth: 8 | 16, f: (sample: number) => number): Float64Array {
  const lut = new Float64Array(bitDepth === 16 ? 65536 : 256);
  for (let s = 0; s < lut.length; s++) lut[s] = f(s);
  return lut;
}

/**
 * The window a viewer shows by default for an image of more than 8 bits with no other: 1st–99th percentile. Where the
 * values step by less than one unit (a rescale slope below 1: a PET in g/ml, an optical density), it is LINEAR_EXACT
 * (PS3.3 C.11.2.1.3.2, the function DICOM gives such values): LINEAR's half-unit offsets and width − 1 assume whole
 * units, and a range of 0.8 g/ml, widened to LINEAR's least width of 1, showed as a threshold, white and black, in which
 * a change of 21% of the range read SSIM 1 (0.46). At least one step wide.
 */
export function percentileWindow(image: Image, mapping: ValueMapping | undefined): DisplayWindow {
  const hist = new Uint32Array(image.bitDepth === 16 ? 65536 : 256);
  const n = image.channels;
  for (let i = 0; i < image.pixels.length; i += n) hist[image.pixels[i]!]!++;
  const total = image.width * image.height;
  let cum = 0, p1 = -1, p99 = 0;
  for (let s = 0; s < hist.length; s++) {
    cum += hist[s]!;
    if (p1 < 0 && cum >= 0.01 * total) p1 = s;
    if (cum >= 0.99 * total) { p99 = s; break; }
  }
  const [lo, hi] = [sampleToReal(p1, mapping), sampleToReal(p99, mapping)].sort((x, y) => x - y) as [number, number];
  const step = mapping && !mapping.lut ? Math.abs(mapping.slope) : 1;
  if (step >= 1) return { name: '1st–99th percentile', center: (lo + hi) / 2, width: Math.max(1, hi - lo), source: 'percentile' };
  return { name: '1st–99th percentile', center: (lo + hi) / 2, width: Math.max(step, hi - lo), source: 'percentile', fn: 'LINEAR_EXACT' };
}

/** The range the original's stored values use (colour channels), for the whole-range detail figures. */
function storedRange(image: Image, mapping: ValueMapping | undefined): { lo: number; hi: number } {
  if (image.bitDepth === 8) return { lo: 0, hi: 255 }; // 8-bit: L = 255 whatever the mapping
  const n = image.channels, nc = colourChannels(image);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < image.pixels.length; i += n) {
    for (let c = 0; c < nc; c++) {
      const v = sampleToStored(image.pixels[i + c]!, mapping);
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return { lo, hi };
}

/**
 * The largest and the root-mean-square difference of two images' colour samples (alpha left out): the largest over every
 * sample, the RMSE over the pixels `shown` keeps (all without it; none: 0).
 */
export function errorFigures(original: Image, decoded: Image, shown?: Uint8Array): { maxAbs: number; rmse: number } {
  const n = original.channels, nc = colourChannels(original);
  const a = original.pixels, b = decoded.pixels;
  let maxAbs = 0, se = 0, count = 0;
  for (let i = 0, p = 0; i < a.length; i += n, p++) {
    const counted = !shown || shown[p] === 1;
    if (counted) count++;
    for (let c = 0; c < nc; c++) {
      const d = Math.abs(a[i + c]! - b[i + c]!);
      if (d > maxAbs) maxAbs = d;
      if (counted) se += d * d;
    }
  }
  return { maxAbs, rmse: count === 0 ? 0 : Math.sqrt(se / (count * nc)) };
}

/** The error of what a viewer shows of a grey image through a Modality LUT: the table's values, not the stored ones. */
function errorsThroughTable(original: Image, decoded: Image, m: ValueMapping, shown?: Uint8Array): { maxAbs: number; rmse: number } {
  let maxAbs = 0, se = 0, count = 0;
  for (let i = 0, p = 0; i < original.pixels.length; i += original.channels, p++) {
    const d = Math.abs(sampleToReal(original.pixels[i]!, m) - sampleToReal(decoded.pixels[i]!, m));
    if (d > maxAbs) maxAbs = d;
    if (!shown || shown[p] === 1) { se += d * d; count++; }
  }
  return { maxAbs, rmse: count === 0 ? 0 : Math.sqrt(se / count) };
}

/**
 * Values a viewer shows per stored unit where it shows them scaled, |Rescale Slope|: with a named unit (HU) or a slope
 * other than 1 (not through a Modality LUT, whose steps are not the slope's); undefined where it shows stored values.
 */
export function shownPerStored(display: DisplayModel): number | undefined {
  const m = display.mapping;
  return m && !m.lut && (display.units || Math.abs(m.slope) !== 1) ? Math.abs(m.slope) : undefined;
}

/** The most a table's output moves for a stored change of at most ±n (stored values beyond it take its ends). */
export function tableBound(data: readonly number[], n: number): number {
  let bound = 0;
  for (let i = 0; i < data.length; i++) {
    for (let k = 1; k <= n && i + k < data.length; k++) bound = Math.max(bound, Math.abs(data[i + k]! - data[i]!));
  }
  return bound;
}

/**
 * The windows a reader would use on this image (see the file comment); colour images: the full range, as the viewer
 * and any image viewer show them (16-bit: 0..65535 to 8 bits; 0.36: before, the 1st–99th percentile window of the red
 * channel, through which no viewer shows the three).
 */
export function readerWindows(image: Image, display: DisplayModel): DisplayWindow[] {
  const grey = colourChannels(image) === 1;
  if (!grey && image.bitDepth === 16) return [{ name: 'full range', center: 32768, width: 65536, source: 'full' }];
  const windows = grey ? [...display.windows] : [];
  if (grey && display.percentile) windows.push(percentileWindow(image, display.mapping));
  if (windows.length === 0 || image.bitDepth === 8) {
    // An 8-bit image's full range is its stored values': a segmentation's 1-bit mask is 0..1, as a viewer shows it
    // (0.15: 0..255, where a voxel out of the mask or into it was one grey level, and the file not reduced quality).
    const bits = display.mapping && !display.mapping.signed ? Math.min(8, display.mapping.bitsStored) : 8;
    const lo = sampleToReal(0, display.mapping), hi = sampleToReal(image.bitDepth === 8 ? 2 ** bits - 1 : 65535, display.mapping);
    const [a, b] = [lo, hi].sort((x, y) => x - y) as [number, number];
    windows.push(image.bitDepth === 8
      ? { name: 'full range', center: (a + b + 1) / 2, width: b - a + 1, source: 'full' }
      : percentileWindow(image, display.mapping));
  }
  return windows;
}

/** Whether a reader sees anything at a pixel rendered `u` in one image and `v` in the other (levels in [0, 1]). */
const shownAs = (u: number, v: number) => u !== v || (u !== 0 && u !== 1);

/**
 * The part of a window's rendering a reader sees anything in: every pixel but those both images show at one end of the
 * window (black or white, clipped there or at the range's end). So a head CT's air and padding, black in the brain
 * window in both, does not count towards its figures as if it were anatomy reproduced perfectly.
 */
const shownInWindow: Counts = (a, b, out) => {
  for (let x = 0; x < a.length; x++) out[x] = shownAs(a[x]!, b[x]!) ? 1 : 0;
};

/**
 * The pixels some reader window shows anything of (`luts`: the windows' renderings), by shownInWindow's rule sample by
 * sample: not at one end of the window in both images. The RMSE is taken over them (0.45), as each window's figures over
 * what it shows: a CT's padding outside the scanner's field of view, black in every window in both, is not counted as
 * reproduced perfectly (counted, a fifth of its frame, it had lowered the CT head fixture's RMSE at `max` to 20.7 HU from
 * the 23.3 HU over what the windows show).
 */
function shownInAnyWindow(original: Image, decoded: Image, luts: readonly Float64Array[]): Uint8Array {
  const n = original.channels, nc = colourChannels(original), a = original.pixels, b = decoded.pixels;
  const shown = new Uint8Array(original.width * original.height);
  for (let p = 0, i = 0; p < shown.length; p++, i += n) {
    shown[p] = luts.some((lut) => {
      for (let c = 0; c < nc; c++) if (shownAs(lut[a[i + c]!]!, lut[b[i + c]!]!)) return true;
      return false;
    }) ? 1 : 0;
  }
  return shown;
}

/**
 * Mean SSIM and MSE over the colour channels, through one lookup table from samples to [0, 1]; with `counts`, over the
 * part it keeps, and `all` over the whole of them from the same pass (ssim.ts).
 */
function compareThrough(original: Image, decoded: Image, lut: Float64Array, counts?: Counts): SsimMse & { all: SsimMse } {
  const nc = colourChannels(original);
  let ssim = 0, mse = 0, ssimAll = 0, mseAll = 0;
  for (let c = 0; c < nc; c++) {
    const r = ssimRows(rowsOf(original, c, lut), rowsOf(decoded, c, lut), original.width, original.height, counts);
    ssim += r.ssim;
    mse += r.mse;
    ssimAll += r.all.ssim;
    mseAll += r.all.mse;
  }
  return { ssim: ssim / nc, mse: mse / nc, all: { ssim: ssimAll / nc, mse: mseAll / nc } };
}

/** The largest change a reader sees through `lut` (grey levels in [0, 1]), in grey levels of 255. */
function largestShownChange(original: Image, decoded: Image, lut: Float64Array): number {
  const n = original.channels, nc = colourChannels(original), a = original.pixels, b = decoded.pixels;
  let worst = 0;
  for (let i = 0; i < a.length; i += n) {
    for (let c = 0; c < nc; c++) {
      const d = Math.abs(lut[a[i + c]!]! - lut[b[i + c]!]!);
      if (d > worst) worst = d;
    }
  }
  return Math.round(worst * 255 * 1000) / 1000;
}

function windowLut(image: Image, w: DisplayWindow, display: DisplayModel): Float64Array {
  return lutOf(image.bitDepth, (s) => {
    const v = renderToByte(sampleToReal(s, display.mapping), w);
    return (display.monochrome1 ? 255 - v : v) / 255;
  });
}

const UNCHANGED: WindowFigures = { ssim: 1, psnr: null, visible: false };

/**
 * The figures of one window's rendering (`lut`), over what `counts` keeps (all of the frame without it); `pass`: its
 * comparison already made. SSIM is rounded as the record keeps it and the reader is shown it, so the line is judged on it.
 */
function measureWindow(original: Image, decoded: Image, lut: Float64Array, counts: Counts | undefined, pass?: SsimMse): WindowFigures {
  const r = pass ?? compareThrough(original, decoded, lut, counts);
  const ssim = roundSsim(r.ssim);
  const psnr = psnrFromMse(r.mse);
  return { ssim, psnr: Number.isFinite(psnr) ? roundPsnr(psnr) : null, visible: ssim < REDUCED_QUALITY_SSIM && largestShownChange(original, decoded, lut) > 1 };
}

export interface Guarantee {
  /** Every sample within ±maxError stored units (0: bit-exact); absent for the network alone. */
  maxError?: number;
}

/**
 * What a reader of `decoded` sees against `original` (same geometry). A bit-exact guarantee is taken as given
 * (the receiver checks a hash of the samples): every window is then identical and nothing is computed.
 */
export function readerFidelity(original: Image, decoded: Image, display: DisplayModel, guarantee: Guarantee = {}): Fidelity {
  if (original.width !== decoded.width || original.height !== decoded.height || original.channels !== decoded.channels) {
    throw new Error('readerFidelity: geometry differs');
  }
  const exact = guarantee.maxError === 0;
  const windowList = readerWindows(original, display);
  const luts = exact ? [] : windowList.map((w) => windowLut(original, w, display));
  // Labels (a segmentation's mask, a label map) are not intensities a window shows: every value is a label, a mask's
  // all at the window's ends, so "what it shows" would be the changed voxels' neighbourhoods alone. They are measured
  // over the frame; any voxel changed makes them reduced (below).
  const counts = display.labels ? undefined : shownInWindow;
  const shown = exact || !counts ? undefined : shownInAnyWindow(original, decoded, luts);
  const measured = exact ? { maxAbs: 0, rmse: 0 } : errorFigures(original, decoded, shown);
  const err = { maxAbs: measured.maxAbs, rmse: roundRmse(measured.rmse) };
  const stored: ErrorFigures = { ...err, units: '', perStored: 1 };
  const m = display.mapping;
  // In the values a viewer shows: a named unit (HU), a slope without one (the reader sees stored × slope), or a
  // Modality LUT's output, whose "per stored unit" is the most its table moves over the bound (±1 without one).
  let real: ErrorFigures | undefined;
  const scale = shownPerStored(display);
  if (m?.lut && colourChannels(original) === 1) {
    const through = exact ? { maxAbs: 0, rmse: 0 } : errorsThroughTable(original, decoded, m, shown);
    const n = guarantee.maxError || 1;
    real = { maxAbs: through.maxAbs, rmse: roundRmse(through.rmse), units: '', perStored: tableBound(m.lut.data, n) / n };
  } else if (scale !== undefined) {
    real = { maxAbs: err.maxAbs * scale, rmse: roundRmse(measured.rmse * scale), units: display.units, perStored: scale };
  }
  const range = storedRange(original, m);
  const L = Math.max(1, range.hi - range.lo);
  // An 8-bit image without a mapping renders through its full-range window exactly as over the whole range (value / 255):
  // one pass gives the window's figures (over what it shows) and the whole range's (over the frame).
  const fullIsWhole = original.bitDepth === 8 && !m;
  const wholePass = exact ? undefined : compareThrough(original, decoded, lutOf(original.bitDepth, (s) => sampleToStored(s, m) / L), fullIsWhole ? counts : undefined);
  const whole = !wholePass ? { ssim: 1, mse: 0 } : wholePass.all;
  // A window counts against the image only where a reader could see a difference: some pixel shown more than one
  // grey level off. Within ±1 grey level everywhere SSIM can still fall below the line, on near-black noise (its
  // luminance term divides by the squared mean), for a change no display shows: an 8-bit JPEG export's background
  // within ±1 read 0.974.
  let visible = false;
  const windows: WindowFidelity[] = windowList.map((w, k) => {
    // An 8-bit image's full-range window is the same rendering as the whole range: its figures come from the pass above.
    const f = exact ? UNCHANGED : measureWindow(original, decoded, luts[k]!, counts, w.source === 'full' && fullIsWhole ? wholePass : undefined);
    if (f.visible) visible = true;
    const { lut: table, ...window } = w; // a VOI LUT's table stays out of the record
    return { ...window, ...(table ? { table: true as const } : {}), ssim: f.ssim, psnr: f.psnr };
  });
  windows.sort((a, b) => a.ssim - b.ssim);
  // Labels (a segmentation's 1-bit mask, a label map) have no "near": any voxel changed is out of a region or into
  // another, however high the SSIM (0.15: one voxel in 256 out of a mask read 0.9956, and the file was not reduced).
  if (display.labels && err.maxAbs > 0) visible = true;
  const psnr = psnrFromMse(whole.mse);
  const f: Fidelity = {
    // null, not Infinity, for identical images: the same value in the record (JSON), over IPC and through the test bridge.
    ssim: roundSsim(whole.ssim), psnr: Number.isFinite(psnr) ? roundPsnr(psnr) : null, mse: Math.fround(whole.mse), exact, stored, windows,
    reduced: visible,
  };
  if (real) f.real = real;
  if (guarantee.maxError !== undefined) f.maxError = guarantee.maxError;
  return f;
}

/**
 * The figures of any window, measured as readerFidelity measures each of its own (over what the window shows; a
 * segmentation's labels over the frame): for a window the sender looks in that is none of the reader's windows, which
 * the record does not carry (the sender's preview, 0.43).
 */
export function windowFidelity(original: Image, decoded: Image, display: DisplayModel, window: DisplayWindow, guarantee: Guarantee = {}): WindowFigures {
  if (original.width !== decoded.width || original.height !== decoded.height || original.channels !== decoded.channels) {
    throw new Error('windowFidelity: geometry differs');
  }
  if (guarantee.maxError === 0) return UNCHANGED;
  return measureWindow(original, decoded, windowLut(original, window, display), display.labels ? undefined : shownInWindow);
}

/**
 * Whole-range SSIM, PSNR and MSE of two images of the same geometry, averaged over colour channels: samples divided
 * by the range the original uses (255 for 8-bit). For training and benchmarks; readers' figures: readerFidelity.
 */
export function compareImages(original: Image, decoded: Image): Similarity {
  if (original.width !== decoded.width || original.height !== decoded.height || original.channels !== decoded.channels) {
    throw new Error('compareImages: geometry differs');
  }
  const { lo, hi } = storedRange(original, undefined);
  const L = Math.max(1, hi - lo);
  const r = compareThrough(original, decoded, lutOf(original.bitDepth, (s) => s / L));
  return { ssim: r.ssim, psnr: psnrFromMse(r.mse), mse: r.mse };
}
