/**
 * Display windows as readers use them: one table of modality presets for the engine's fidelity figures and the
 * viewer, the mapping from an image's samples to real-world values (HU for CT), and the VOI functions of DICOM PS3.3
 * C.11.2.1.2 (linear, linear exact, sigmoid) that render a window to 8 bits. Environment-free.
 */

/**
 * How a window becomes grey levels (VOI LUT Function, 0028,1056): LINEAR by default; a file may say LINEAR_EXACT or
 * SIGMOID for its own windows (mammography and some radiography are read through a sigmoid).
 */
export type VoiFunction = 'LINEAR' | 'LINEAR_EXACT' | 'SIGMOID';

/** A VOI LUT Function term as a window's `fn`: SIGMOID or LINEAR_EXACT, else undefined (LINEAR, absent, unknown). */
export function voiFunctionOf(term: unknown): Exclude<VoiFunction, 'LINEAR'> | undefined {
  const fn = typeof term === 'string' ? term.trim().toUpperCase() : undefined;
  return fn === 'SIGMOID' || fn === 'LINEAR_EXACT' ? fn : undefined;
}

export interface DisplayWindow {
  /** What a reader calls it: "brain", "lung", "file window 1", "1st–99th percentile", "full range". */
  name: string;
  /** In real-world units (HU for CT) where the image has a rescale, else in stored units. */
  center: number;
  width: number;
  /** Where it comes from: a modality preset, the file's own VOI window, the image's percentiles, or its full range. */
  source: 'preset' | 'file' | 'percentile' | 'full';
  /** The file's explanation of its window (0028,1055), if any. */
  explanation?: string;
  /** The file's VOI LUT Function for its windows, where not LINEAR. */
  fn?: Exclude<VoiFunction, 'LINEAR'>;
  /** A VOI LUT Sequence instead of a linear window: real value `first` shows as data[0], values `bits` wide. */
  lut?: TableLut;
  /** In records: this window was a VOI LUT (its table is not repeated there). */
  table?: true;
}

/** A DICOM lookup table (Modality or VOI LUT Sequence): input `first` maps to data[0]; inputs outside clamp. */
export interface TableLut {
  first: number;
  bits: number;
  data: number[];
}

/** The table's output for input v (clamped to the table, as PS3.3 C.11.1 and C.11.2 say). */
export function lookUp(lut: TableLut, v: number): number {
  return lut.data[Math.min(lut.data.length - 1, Math.max(0, Math.round(v) - lut.first))]!;
}

/** The real-world values a table spans: its first input, and its last (values beyond it take its ends). */
export function tableSpan(lut: TableLut): [number, number] {
  return [lut.first, lut.first + lut.data.length - 1];
}

/**
 * A window that is a table (a VOI LUT, or a presentation state's Modality LUT and window composed) as a reader is told
 * it: "table “SOFT CURVE” over -100…155 HU", its explanation and the values it spans (aeimg 0.51). Before, the span's
 * centre and width as a linear window ("W 256 L 28"), which nobody chose and which, typed in, shows another picture.
 */
export function tableText(w: Pick<DisplayWindow, 'name' | 'explanation'> & { lut: TableLut }, units: string): string {
  const [lo, hi] = tableSpan(w.lut);
  // A state's table by its explanation; a file's VOI LUT is named by it already ("file VOI LUT SQRT").
  const explanation = isStateWindow(w.name) ? w.explanation : undefined;
  return `table${explanation ? ` “${explanation}”` : ''} over ${lo}…${hi}${units ? ` ${units}` : ''}`;
}

/** The name of a presentation state's window among an image's windows (its label, as the viewer's corner says it). */
export const stateWindowName = (label: string) => `presentation state "${label}"`;
/** Whether a window's name is a presentation state's (stateWindowName). */
export const isStateWindow = (name: string) => /^presentation state ".*"$/.test(name);

/**
 * The window a sender chose to send an image in (aeimg 0.43: `aeimg encrypt --window`, the app's "Send in this window"
 * in the preview), in the image's real-world values: measured with the reader windows, carried, and the window its
 * reader's viewer opens in (the first of its file windows).
 */
export const SENDER_WINDOW = "sender's window";

/** A sender's window as one of the display model's windows. */
export function senderDisplayWindow(w: Pick<DisplayWindow, 'center' | 'width' | 'fn'>): DisplayWindow {
  return { name: SENDER_WINDOW, center: w.center, width: w.width, source: 'file', ...(w.fn ? { fn: w.fn } : {}) };
}

/** CT presets (centre/width in HU), in the order the viewer's 1..6 keys select them. */
export const CT_PRESETS: readonly DisplayWindow[] = [
  { name: 'brain', center: 40, width: 80, source: 'preset' },
  { name: 'subdural', center: 50, width: 130, source: 'preset' },
  { name: 'stroke', center: 40, width: 40, source: 'preset' },
  { name: 'soft tissue', center: 40, width: 400, source: 'preset' },
  { name: 'lung', center: -600, width: 1500, source: 'preset' },
  { name: 'bone', center: 500, width: 2000, source: 'preset' },
];

/**
 * How an image's samples become the values a reader reads. The engine keeps DICOM samples as 16-bit with an offset
 * (signed data + 32768) and MONOCHROME1 inverted; a DICOM viewer works on stored values through the modality
 * rescale. Absent (plain PNG/JPEG): the sample is the value.
 */
export interface ValueMapping {
  /** sample = stored + offset (after inversion). */
  offset: number;
  /** MONOCHROME1 samples were inverted: sample − offset = (signed ? −1 − stored : maxStored − stored). */
  inverted: boolean;
  signed: boolean;
  bitsStored: number;
  slope: number;
  intercept: number;
  /** A Modality LUT Sequence: it replaces the linear rescale for real-world values. */
  lut?: TableLut;
}

/** What a reader sees of an image: its units, its windows and whether grey is shown inverted. */
export interface DisplayModel {
  mapping?: ValueMapping;
  /** Units of the real-world values: 'HU' for CT, the file's Rescale Type, or '' (stored values). */
  units: string;
  /** MONOCHROME1: viewers show the windowed value inverted (white = low). */
  monochrome1: boolean;
  /** The file's VOI windows and the modality presets, in real-world units. */
  windows: DisplayWindow[];
  /** Add the original's 1st–99th percentile window (images of more than 8 bits without presets). */
  percentile: boolean;
  /**
   * The samples are labels, not intensities (a label-map segmentation, or a 1-bit mask): there is no "near" in them,
   * and any sample changed is reduced quality (0.15).
   */
  labels?: true;
}

/**
 * How an image file's samples that went up by `offset` (its record's valueOffset: signed values, aeimg 0.35) give its
 * values back: as a signed DICOM image's stored values, without a rescale.
 */
export function offsetMapping(offset: number): ValueMapping {
  return { offset, inverted: false, signed: true, bitsStored: 16, slope: 1, intercept: 0 };
}

/** The largest |ctIntercept| an image file's record may say: a 16-bit sample's range. */
export const MAX_CT_INTERCEPT = 65535;

/**
 * How an image file its sender declared a CT (aeimg 0.36) gives its HU, as its reader is told it: "HU = value − 1024",
 * "HU = value" (a signed TIFF in HU). One wording for the viewer's line and DICOM output's Derivation Description.
 */
export function ctDeclaration(ctIntercept: number): string {
  return `HU = value${ctIntercept ? ` ${ctIntercept < 0 ? '−' : '+'} ${Math.abs(ctIntercept)}` : ''}`;
}

/** What an image file's record says of its values (ImageRecord: valueOffset, ctIntercept, metadata monochrome1). */
export interface FileValues {
  /** Its values are its samples less this (a signed TIFF's 32768). */
  valueOffset?: number;
  /** Its sender declared it a CT, or its ImageJ calibration does (aeimg 0.36, 0.39): HU = value + this. */
  ctIntercept?: number;
  /** WhiteIsZero grey (aeimg 0.40): its samples are its values inverted, as a MONOCHROME1 DICOM image's are kept. */
  inverted?: boolean;
}

/**
 * How an image file's samples (of `bitDepth`) give what its reader reads: its values (the samples − `valueOffset`),
 * and where it is a CT HU = value + `ctIntercept`, as a CT's Rescale Intercept says; an `inverted` one's samples are
 * (2^bitDepth − 1) − value, and it shows inverted. Undefined where the samples are the values.
 */
export function imageFileMapping(bitDepth: 8 | 16, { valueOffset, ctIntercept, inverted }: FileValues = {}): ValueMapping | undefined {
  if (!valueOffset && ctIntercept === undefined && !inverted) return undefined;
  const values = valueOffset ? offsetMapping(valueOffset) : { offset: 0, inverted: false, signed: false, bitsStored: bitDepth, slope: 1 };
  return { ...values, inverted: inverted === true, intercept: ctIntercept ?? 0 };
}

/**
 * How a sample v gives the value a reader reads, as a formula a 16-bit PNG's reader applies: "(v − 32768) − 1024",
 * "v − 32768", "v − 1024", "v × 0.5 + 3", and of inverted samples "65535 − v", "(32767 − v) − 1024" (a linear mapping
 * without a table; the units are the caller's to add).
 */
export function valueFormula(m: Pick<ValueMapping, 'offset' | 'slope' | 'intercept'> & Partial<Pick<ValueMapping, 'inverted' | 'signed' | 'bitsStored'>>): string {
  const alone = m.slope === 1 && !m.intercept;
  // Inverted (MONOCHROME1, WhiteIsZero): stored = (signed ? −1 : maxStored) − (v − offset).
  const top = m.inverted ? (m.signed ? m.offset - 1 : 2 ** (m.bitsStored ?? 16) - 1 + m.offset) : 0;
  const stored = m.inverted ? (alone ? `${top} − v` : `(${top} − v)`) : !m.offset ? 'v' : alone ? `v − ${m.offset}` : `(v − ${m.offset})`;
  return `${m.slope === 1 ? stored : `${stored} × ${m.slope}`}${m.intercept ? ` ${m.intercept < 0 ? '−' : '+'} ${Math.abs(m.intercept)}` : ''}`;
}

/** The stored value of a sample (DICOM's pixel value before the modality rescale). */
export function sampleToStored(sample: number, m: ValueMapping | undefined): number {
  if (!m) return sample;
  const v = sample - m.offset;
  if (!m.inverted) return v;
  return m.signed ? -1 - v : (2 ** m.bitsStored - 1) - v;
}

/** The real-world value of a stored value (HU for CT): through the Modality LUT, else the rescale. */
export function storedToReal(stored: number, m: ValueMapping): number {
  return m.lut ? lookUp(m.lut, stored) : stored * m.slope + m.intercept;
}

/** The real-world value of a sample (HU for CT): the stored value through the modality rescale. */
export function sampleToReal(sample: number, m: ValueMapping | undefined): number {
  if (!m) return sample;
  return storedToReal(sampleToStored(sample, m), m);
}

/** The 8-bit grey level a viewer shows for real-world value x through window w (its VOI function, or its VOI LUT). */
export function renderToByte(x: number, w: Pick<DisplayWindow, 'center' | 'width' | 'lut' | 'fn'>): number {
  if (!w.lut) return voiToByte(x, w.center, w.width, w.fn);
  // An entry above the table's bits (a damaged table) shows white, as a clamped display does, not wrapped.
  return Math.min(255, Math.round((lookUp(w.lut, x) * 255) / (2 ** w.lut.bits - 1)));
}

/** The sample that shows real-world value v (the inverse of sampleToReal without a Modality LUT; not rounded). */
export function realToSample(v: number, m: ValueMapping | undefined): number {
  if (!m) return v;
  const stored = (v - m.intercept) / (m.slope || 1);
  if (!m.inverted) return stored + m.offset;
  return (m.signed ? -1 - stored : (2 ** m.bitsStored - 1) - stored) + m.offset;
}

/** "brain 40/80": how a window is named in every message. */
export function windowLabel(w: Pick<DisplayWindow, 'name' | 'center' | 'width'> & Partial<Pick<DisplayWindow, 'source' | 'lut' | 'table'>>): string {
  if (w.source === 'full' || w.lut || w.table) return w.name;
  const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  return `${w.name} ${n(w.center)}/${n(w.width)}`;
}

/**
 * The 8-bit grey level a viewer shows for value x in window (center, width): DICOM's linear VOI function with
 * clipping (PS3.3 C.11.2.1.2.1), rounded to the nearest level. Widths below 1 behave as 1 (a threshold).
 */
export function windowToByte(x: number, center: number, width: number): number {
  return voiToByte(x, center, width);
}

/**
 * The 8-bit grey level of value x in window (center, width) through a VOI function (PS3.3 C.11.2.1.2): LINEAR with
 * its half-unit offsets and clipping, LINEAR_EXACT (C.11.2.1.3.2: the window exactly, no offsets), SIGMOID
 * (C.11.2.1.3.1: 255 / (1 + exp(−4 (x − c) / w)), never clipped); rounded to the nearest level.
 */
export function voiToByte(x: number, center: number, width: number, fn: VoiFunction = 'LINEAR'): number {
  if (fn === 'SIGMOID') return Math.round(255 / (1 + Math.exp((-4 * (x - center)) / Math.max(width, 1e-9))));
  if (fn === 'LINEAR_EXACT') {
    if (x <= center - width / 2) return 0;
    if (x > center + width / 2) return 255;
    return Math.round(((x - center) / width + 0.5) * 255);
  }
  const w = Math.max(1, width);
  const c = center - 0.5;
  const half = (w - 1) / 2;
  if (x <= c - half) return 0;
  if (x > c + half) return 255;
  if (w === 1) return 255;
  return Math.round(((x - c) / (w - 1) + 0.5) * 255);
}
