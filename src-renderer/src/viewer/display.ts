/**
 * How the viewer turns samples into grey levels: DICOM's VOI function (src-shared/windows.ts: linear, or the file's
 * linear exact or sigmoid) applied to each sample's real-world value, through a lookup table over every possible sample. Windows are held in real units
 * (HU for CT) as a reader reads them; the canvas reports them in sample units too.
 */
import type { Annotations, DisplayShutter, ImagePixels, OpenedImageInfo } from '../../../src-shared/api';
import { boundText, RMSE_OVER_FRAME, type Fidelity, type WindowFidelity } from '../../../src-shared/fidelity';
import { realToSample, renderToByte, sampleToReal, windowLabel, type DisplayWindow, type TableLut, type ValueMapping } from '../../../src-shared/windows';

export interface Window {
  center: number;
  width: number;
  /** The file's VOI LUT Function for this window (absent: linear). */
  fn?: DisplayWindow['fn'];
  /** A VOI LUT's table instead (its input in real-world values): the window is drawn through it; centre and width say its span. */
  lut?: TableLut;
}

function between(a: number, b: number): Window {
  const [lo, hi] = a < b ? [a, b] : [b, a];
  return { center: (lo + hi) / 2, width: hi - lo };
}

/** A window in sample units as the same window in real-world units. */
export function sampleWindowToReal(w: Window, m: ValueMapping | undefined): Window {
  return between(sampleToReal(w.center - w.width / 2, m), sampleToReal(w.center + w.width / 2, m));
}

/** A window in real-world units as the same window in sample units. */
export function realWindowToSample(w: Window, m: ValueMapping | undefined): Window {
  return between(realToSample(w.center - w.width / 2, m), realToSample(w.center + w.width / 2, m));
}

/**
 * Grey level of every sample value: renderToByte(sampleToReal(s)) through the window's function or VOI LUT table (as
 * the sender's figures measure it), inverted for MONOCHROME1 (its samples are stored inverted, so high stored values
 * show dark) and again when the reader asks for inversion.
 */
export function greyLut(bitDepth: number, w: Window, m: ValueMapping | undefined, invert: boolean): Uint8Array {
  const lut = new Uint8Array(bitDepth > 8 ? 65536 : 256);
  const flip = invert !== (m?.inverted ?? false);
  for (let s = 0; s < lut.length; s++) {
    const g = renderToByte(sampleToReal(s, m), w);
    lut[s] = flip ? 255 - g : g;
  }
  return lut;
}

/**
 * The RGBA pixels of an image through a lookup table (colour: each channel through it). An image with alpha (grey +
 * alpha, RGBA) is drawn over black, as its transparency shows it (0.36): before, opaque, what lay under a transparent
 * pixel (a writer's leftover colour, which no image viewer shows) was drawn as if it were the picture.
 */
export function renderRgba(image: ImagePixels, lut: Uint8Array, out: Uint8ClampedArray): void {
  const { width, height, channels, pixels, bitDepth } = image;
  const colour = channels >= 3;
  const alpha = channels === 2 || channels === 4 ? channels - 1 : -1;
  const opaque = bitDepth > 8 ? 65535 : 255;
  for (let i = 0, j = 0; i < width * height; i++, j += channels) {
    const o = i * 4;
    const a = alpha < 0 ? 1 : pixels[j + alpha]! / opaque;
    if (colour) {
      out[o] = lut[pixels[j]!]! * a;
      out[o + 1] = lut[pixels[j + 1]!]! * a;
      out[o + 2] = lut[pixels[j + 2]!]! * a;
    } else {
      const g = lut[pixels[j]!]! * a;
      out[o] = g; out[o + 1] = g; out[o + 2] = g;
    }
    out[o + 3] = 255;
  }
}

/** The windows a reader can pick, keys 1..9 in order: CT presets first, then the file's own, the percentile. */
export function windowChoices(windows: DisplayWindow[] | undefined): DisplayWindow[] {
  const list = windows ?? [];
  const rank = (w: DisplayWindow) => ({ preset: 0, percentile: 1, file: 2, full: 3 })[w.source];
  return [...list].sort((a, b) => rank(a) - rank(b));
}

/**
 * The sender's figures for the window on screen, where the sender measured it (0.35): the same numbers as the viewer
 * holds them (halves from 20 up, hundredths below) and the same VOI function; a VOI table by its name. Undefined for a
 * window of the reader's own, which the sender did not measure. The 1st–99th percentile window the viewer offers is the
 * sender's where it measured one (jobs/view.ts, 0.50); before, the received image's, which was matched by its kind
 * whatever its numbers, so that a figure was given for a window the sender never measured.
 */
export function senderFigureIn(measured: readonly WindowFidelity[] | undefined, shown: Window, name: string): WindowFidelity | undefined {
  const near = (a: number, b: number) => Math.abs(a - b) <= (Math.abs(b) >= 20 ? 0.25 : 0.005);
  return measured?.find((w) => (w.table || shown.lut
    ? !!w.table && !!shown.lut && w.name === name
    : w.fn === shown.fn && near(shown.center, w.center) && near(shown.width, w.width)));
}

/**
 * What the corner says under a window the sender did not measure (a reader's own, dragged or typed), so that no figure
 * is read as covering it (0.42; before, the corner said nothing there). With a per-pixel bound of ±b in the values shown
 * (`maxError` stored units × `perStored`), how far it can move a pixel's grey level in that window: a linear window
 * shows 255 / (width − 1) levels per unit (linear exact 255 / width; a sigmoid at most 255 / width, at its centre), and
 * renderings of values b apart differ by at most ⌈b · that⌉ levels, at most 255. A VOI table's slope is not known here.
 * The bound is phrased as the sender's headline phrases it (boundText); `perStored` undefined: in stored values only.
 */
export function unmeasuredWindowText(maxError: number | undefined, perStored: number | undefined, units: string, shown: Window): string {
  const head = 'Not a window the sender measured';
  if (maxError === undefined) return `${head}: no per-pixel bound`;
  const said = `${head}: ${boundText(maxError, perStored, units)}`;
  if (perStored === undefined || shown.lut) return said;
  const bound = maxError * perStored;
  const span = shown.fn === undefined ? shown.width - 1 : shown.width;
  const levels = span <= 0 ? 255 : Math.min(255, Math.ceil((bound * 255) / span - 1e-9));
  return `${said}, up to ${levels} grey level${levels === 1 ? '' : 's'} in it`;
}

/**
 * What the reader's viewer says of an image in the window on screen (its corner): the sender's SSIM where the sender
 * measured that window (`measured`), else that it did not, with what the image's bound means there; undefined for a
 * bit-exact image, the same in every window. The sender's preview says it too (0.43).
 */
export function readerSaysIn(
  image: Pick<OpenedImageInfo, 'lossless' | 'fidelity' | 'maxError' | 'mapping'>, units: string, shown: Window, name: string,
): { text: string; measured?: WindowFidelity } | undefined {
  if (image.lossless) return undefined;
  const measured = senderFigureIn(image.fidelity?.windows, shown, name);
  // A file from aeimg 0.41 and before: its figure is over the whole image, which reads higher than what the window shows.
  if (measured) return { text: `Sender's SSIM in this window ${measured.ssim.toFixed(4)}${image.fidelity?.overFrame ? ', over the whole image (aeimg 0.41 and before): higher than over what it shows' : ''}`, measured };
  // The bound in the values shown: the sender's figures say how many per stored unit; without them (not measured), a
  // rescale's slope, and nothing through a Modality LUT.
  const m = image.mapping;
  const perStored = image.fidelity?.real?.perStored ?? (!m ? 1 : m.lut ? undefined : Math.abs(m.slope));
  return { text: unmeasuredWindowText(image.maxError, perStored, units, shown) };
}

/**
 * The sender's figures as SenderFigures.vue lists them (the sender's preview, the reader's viewer): each window's SSIM
 * and PSNR, worst first, and the largest error and RMSE in the units a viewer shows; an RMSE over every pixel (a file
 * from aeimg 0.44 and before: Fidelity.rmseOverFrame) says so.
 */
export function senderFigures(f: Fidelity): { windows: { label: string; ssim: string; psnr: string }[]; largest: string; rmse: string } {
  const err = f.real ?? f.stored;
  const u = err?.units ? ` ${err.units}` : err && err.perStored !== 1 ? ' (rescaled values)' : ' (stored units)';
  return {
    windows: (f.windows ?? []).map((w) => ({ label: windowLabel(w), ssim: w.ssim.toFixed(4), psnr: w.psnr === null ? '∞ (identical)' : `${w.psnr.toFixed(2)} dB` })),
    largest: err ? `${formatValue(err.maxAbs)}${u}` : '',
    // A record keeps the RMSE to 0.001 of its unit: a PET's 0.0004 g/ml is 0 there, which beside a largest error is no figure.
    rmse: err ? `${err.rmse === 0 && err.maxAbs > 0 ? 'below 0.001' : err.rmse.toFixed(3)}${u}${f.rmseOverFrame ? ` ${RMSE_OVER_FRAME}` : ''}` : '',
  };
}

/** A number as a reader reads it: integers stay integers, others keep what the units need. */
export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toPrecision(3);
}

/** A key object selection that flags an image, as the viewer's corner says it: "Key image: Of Interest (…)", "REJECTED: …". */
export function keyObjectText(k: { title: string; description?: string; rejected: boolean }): string {
  const about = k.description ? ` (${k.description.length > 60 ? `${k.description.slice(0, 59)}…` : k.description})` : '';
  return `${k.rejected ? 'REJECTED' : 'Key image'}: ${k.title}${about}`;
}

/** "“LESION” by Smith John, “FOLLOW-UP”": presentation states as the viewer names them. */
export function presentationStateNames(states: readonly { label: string; creator?: string }[]): string {
  return states.map((s) => `“${s.label}”${s.creator ? ` by ${s.creator}` : ''}`).join(', ');
}

/**
 * What is drawn over an image: the presentation state shown, and where shown the regions its study's structured reports
 * measured on it (0.22); undefined for nothing. The report's marks are no state: the shutter follows the state alone.
 */
export function annotationsShown(state: Annotations | undefined, reportMarks: Annotations | undefined): Annotations[] | undefined {
  const shown = [...(state ? [state] : []), ...(reportMarks ? [reportMarks] : [])];
  return shown.length ? shown : undefined;
}

/**
 * The shutter a viewer covers the image with: while presentation states are shown, theirs (the first that has one) and
 * not the image's, which PS3.4 N.2.3.1 says is then not applied; else the image's.
 */
export function shutterShown(dicom: OpenedImageInfo['dicom'] | undefined, shownStates: readonly { shutter?: DisplayShutter }[] | undefined): DisplayShutter | undefined {
  return shownStates?.length ? shownStates.find((s) => s.shutter)?.shutter : dicom?.shutter;
}

/** The presentation state an image shows of its `states`: the one labelled `label`, else its first (as it opens). */
export function pickState<T extends { label: string }>(states: readonly T[], label: string): T | undefined {
  return states.find((s) => s.label === label) ?? states[0];
}
