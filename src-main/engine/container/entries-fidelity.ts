/**
 * The fidelity figures of an image record in format 2's binary form (docs/format.md, "Format 2 entries": fidelity):
 * SSIM and PSNR kept to the precision readerFidelity rounds them to, the error figures, and the reader's windows (a CT
 * preset by its rank, others spelled out). Written and read by entries.ts.
 */
import { PSNR_STEPS, RMSE_STEPS, SSIM_STEPS } from '../../../src-shared/fidelity.js';
import { CT_PRESETS } from '../../../src-shared/windows.js';
import { BinaryError, type ByteReader, type ByteWriter } from './binary.js';
import { canonical, isCount, MAX_TEXT, NotBinary, only, type Obj } from './entry-binary.js';

const MAX_WINDOWS = 64;
const WINDOW_SOURCES = ['preset', 'file', 'percentile', 'full'];
const DEFAULT_WINDOW_NAME: Record<string, string> = { percentile: '1st–99th percentile', full: 'full range' };

/** Keys each binary form carries; an object with any other key goes as JSON. */
const FIELDS = {
  fidelity: ['ssim', 'psnr', 'mse', 'exact', 'maxError', 'stored', 'real', 'windows', 'reduced'],
  errors: ['maxAbs', 'rmse', 'units', 'perStored'],
  window: ['name', 'center', 'width', 'source', 'explanation', 'table', 'ssim', 'psnr'],
};

const FID = { exact: 1, exactTrue: 2, reduced: 4, reducedTrue: 8, maxError: 16, stored: 32, real: 64, windows: 128 };

/** SSIM as an integer number of 1e-5 below 1 (as readerFidelity rounds it); PSNR in 0.01 dB, 0 for null. */
const ssimSteps = (v: unknown) => {
  if (typeof v !== 'number') throw new NotBinary();
  return Math.round((1 - v) * SSIM_STEPS);
};
const psnrCode = (v: unknown) => {
  if (v === null) return 0;
  if (typeof v !== 'number') throw new NotBinary();
  const k = Math.round(v * PSNR_STEPS);
  return (k < 0 ? -2 * k - 1 : 2 * k) + 1;
};

export function writeFidelity(w: ByteWriter, fidelity: unknown): void {
  const f = only(fidelity, FIELDS.fidelity);
  const flags = (f.exact !== undefined ? FID.exact : 0) | (f.exact === true ? FID.exactTrue : 0) |
    (f.reduced !== undefined ? FID.reduced : 0) | (f.reduced === true ? FID.reducedTrue : 0) |
    (f.maxError !== undefined ? FID.maxError : 0) | (f.stored ? FID.stored : 0) | (f.real ? FID.real : 0) |
    (f.windows ? FID.windows : 0);
  w.varint(flags).svarint(ssimSteps(f.ssim)).varint(psnrCode(f.psnr));
  if (typeof f.mse !== 'number') throw new NotBinary();
  w.f32(f.mse);
  if (f.maxError !== undefined) {
    if (!isCount(f.maxError)) throw new NotBinary();
    w.varint(f.maxError);
  }
  if (f.stored) {
    const s = only(f.stored, FIELDS.errors);
    if (s.units !== '' || s.perStored !== 1) throw new NotBinary();
    writeErrors(w, s);
  }
  if (f.real) {
    const s = only(f.real, FIELDS.errors);
    if (typeof s.units !== 'string' || typeof s.perStored !== 'number') throw new NotBinary();
    // Where the rescale slope is 1 the real errors are the stored ones: only the units are written.
    const asStored = f.stored !== undefined && s.perStored === 1 && canonical({ ...s, units: '' }) === canonical(f.stored);
    w.u8(asStored ? 1 : 0);
    if (!asStored) writeErrors(w, s);
    w.string(s.units);
    if (!asStored) w.number(s.perStored);
  }
  if (f.windows) {
    const windows = f.windows as unknown[];
    if (!Array.isArray(windows) || windows.length > MAX_WINDOWS) throw new NotBinary();
    w.u8(windows.length);
    let fileWindows = 0;
    for (const x of windows) writeWindow(w, only(x, FIELDS.window), (x as Obj).source === 'file' ? ++fileWindows : 0, f);
  }
}

function writeErrors(w: ByteWriter, s: Obj): void {
  if (typeof s.maxAbs !== 'number' || typeof s.rmse !== 'number') throw new NotBinary();
  w.number(s.maxAbs).varint(Math.round(s.rmse * RMSE_STEPS));
}

const WIN = { name: 1, explanation: 2, table: 4, asWhole: 8 };

/** A window's name when the record does not spell it out: by source, and "file window K" for the K-th file window. */
function defaultWindowName(source: string, fileIndex: number): string | undefined {
  return source === 'file' ? `file window ${fileIndex}` : DEFAULT_WINDOW_NAME[source];
}

function writeWindow(w: ByteWriter, x: Obj, fileIndex: number, whole: Obj): void {
  // An 8-bit image's full-range window has the whole-range figures: they are not repeated.
  const asWhole = x.ssim === whole.ssim && x.psnr === whole.psnr;
  const preset = CT_PRESETS.findIndex((p) => p.name === x.name && p.center === x.center && p.width === x.width && p.source === x.source);
  if (preset >= 0 && x.explanation === undefined && x.table === undefined) {
    w.u8(preset + 1);
  } else {
    const source = WINDOW_SOURCES.indexOf(x.source as string);
    if (source < 0 || typeof x.name !== 'string' || typeof x.center !== 'number' || typeof x.width !== 'number' ||
      (x.table !== undefined && x.table !== true) || (x.explanation !== undefined && typeof x.explanation !== 'string')) throw new NotBinary();
    const named = x.name !== defaultWindowName(x.source as string, fileIndex);
    w.u8(0).u8(source).u8((named ? WIN.name : 0) | (x.explanation !== undefined ? WIN.explanation : 0) | (x.table ? WIN.table : 0) |
      (asWhole ? WIN.asWhole : 0));
    if (named) w.string(x.name);
    w.number(x.center).number(x.width);
    if (x.explanation !== undefined) w.string(x.explanation as string);
    if (asWhole) return;
  }
  w.svarint(ssimSteps(x.ssim)).varint(psnrCode(x.psnr));
}

// ---------------------------------------------------------------------------------------------------- reading

const fromSteps = (k: number) => (SSIM_STEPS - k) / SSIM_STEPS; // 0.51263, not 1 − 0.48737 = 0.5126299999999999
const fromPsnrCode = (c: number) => {
  if (c === 0) return null;
  const z = c - 1;
  return (z % 2 ? -(z + 1) / 2 : z / 2) / PSNR_STEPS;
};

export function readFidelity(r: ByteReader): Obj {
  const flags = r.varint();
  if (flags >= 256) throw new BinaryError('has unknown fidelity flags');
  const f: Obj = { ssim: fromSteps(r.svarint()), psnr: fromPsnrCode(r.varint()), mse: r.f32() };
  if (flags & FID.exact) f.exact = (flags & FID.exactTrue) !== 0;
  if (flags & FID.maxError) f.maxError = r.varint();
  if (flags & FID.stored) f.stored = { ...readErrors(r), units: '', perStored: 1 };
  if (flags & FID.real) {
    const asStored = r.u8();
    if (asStored > 1 || (asStored && !f.stored)) throw new BinaryError('has malformed error figures');
    const errors = asStored ? { maxAbs: (f.stored as Obj).maxAbs, rmse: (f.stored as Obj).rmse } : readErrors(r);
    const units = r.string(64);
    f.real = { ...errors, units, perStored: asStored ? 1 : r.number() };
  }
  if (flags & FID.windows) {
    const n = r.u8();
    if (n > MAX_WINDOWS) throw new BinaryError('has too many windows');
    let fileWindows = 0;
    f.windows = Array.from({ length: n }, () => readWindow(r, () => ++fileWindows, f));
  }
  if (flags & FID.reduced) f.reduced = (flags & FID.reducedTrue) !== 0;
  return f;
}

function readErrors(r: ByteReader): { maxAbs: number; rmse: number } {
  return { maxAbs: r.number(), rmse: r.varint() / RMSE_STEPS };
}

function readWindow(r: ByteReader, nextFileIndex: () => number, whole: Obj): Obj {
  const code = r.u8();
  let x: Obj;
  if (code > 0) {
    const p = CT_PRESETS[code - 1];
    if (!p) throw new BinaryError('names an unknown window preset');
    x = { name: p.name, center: p.center, width: p.width, source: p.source };
  } else {
    const source = WINDOW_SOURCES[r.u8()];
    const flags = r.u8();
    if (!source || flags > 15) throw new BinaryError('has an unknown window');
    const fileIndex = source === 'file' ? nextFileIndex() : 0;
    const name = flags & WIN.name ? r.string(MAX_TEXT) : defaultWindowName(source, fileIndex);
    if (name === undefined) throw new BinaryError('has a window without a name');
    x = { name, center: r.number(), width: r.number(), source };
    if (flags & WIN.explanation) x.explanation = r.string(MAX_TEXT);
    if (flags & WIN.table) x.table = true;
    if (flags & WIN.asWhole) return { ...x, ssim: whole.ssim, psnr: whole.psnr };
  }
  x.ssim = fromSteps(r.svarint());
  x.psnr = fromPsnrCode(r.varint());
  return x;
}
