/**
 * The units a file names for its rescaled values in a Real World Value Mapping (0040,9096; PS3.3 C.7.6.16.2.11): a CT
 * perfusion map's rCBF in ml/100ml/s, whose Rescale Type says US (unspecified). Its reader's workstation shows the
 * values in those units; without them aeimg showed them as HU, the CT default, and wrote Rescale Type HU into its DICOM
 * output (before 0.17). Only a linear item that maps the stored values exactly as the rescale does names the rescaled
 * values' units; an item of other slope or intercept, or a table, is another quantity, which aeimg does not carry.
 */
import type { DataSet } from 'dicom-parser';
import { stringValue } from './dataset.js';

/** The units of the rescaled values, as the file's mapping names them. */
export interface RealWorldUnits {
  /** As a reader reads them: the UCUM code ("ml/100ml/s"), HU for UCUM's [hnsf'U], else the code's meaning. */
  units: string;
  /** LUT Label (0040,9210), LUT Explanation (0028,3003): written back with the mapping. */
  label?: string;
  explanation?: string;
  /** Measurement Units Code Sequence's item: code value, coding scheme, meaning. */
  code: { value: string; scheme: string; meaning: string };
}

const MAX_TEXT = 64;
const text = (ds: DataSet, tag: string) => {
  const s = stringValue(ds, tag);
  return s && /^[\x20-\x7e]+$/.test(s) ? s.slice(0, MAX_TEXT) : undefined;
};
const same = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

/** The units of the first item of `items` that maps the stored values as `rescale` does, and names units. */
export function realWorldUnitsOf(items: readonly (DataSet | undefined)[], rescale: { slope: number; intercept: number }): RealWorldUnits | undefined {
  for (const item of items) {
    if (!item || item.elements.x00409212) continue; // a table (LUT Data): not a linear mapping
    const slope = item.double('x00409225');
    const intercept = item.double('x00409224');
    if (slope === undefined || intercept === undefined || !same(slope, rescale.slope) || !same(intercept, rescale.intercept)) continue;
    const unit = item.elements.x004008ea?.items?.[0]?.dataSet;
    const value = unit && text(unit, 'x00080100');
    if (!unit || !value) continue;
    const scheme = text(unit, 'x00080102') ?? '';
    const meaning = text(unit, 'x00080104') ?? value;
    if (value === '1' || /^no units$/i.test(meaning)) continue; // UCUM's "no units": a ratio or index, nothing to name
    const units = scheme === 'UCUM' ? (value === '[hnsf\'U]' ? 'HU' : value) : meaning;
    const label = text(item, 'x00409210');
    const explanation = text(item, 'x00283003');
    return { units, ...(label ? { label } : {}), ...(explanation ? { explanation } : {}), code: { value, scheme, meaning } };
  }
  return undefined;
}

/** A record's units: whatever its sender's program wrote, so every field is checked before use. */
export function validRealWorldUnits(u: unknown): RealWorldUnits | undefined {
  const s = (v: unknown, optional = false) => (optional && v === undefined) || (typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT);
  const r = u as Partial<RealWorldUnits> | null | undefined;
  if (typeof r !== 'object' || r === null || !s(r.units) || !s(r.label, true) || !s(r.explanation, true)) return undefined;
  const c = r.code;
  if (typeof c !== 'object' || c === null || !s(c.value) || typeof c.scheme !== 'string' || c.scheme.length > MAX_TEXT || !s(c.meaning)) return undefined;
  return r as RealWorldUnits;
}
