/**
 * How a reader sees a DICOM frame: its modality rescale (stored values → real-world units, HU for CT), its own VOI
 * windows (every value of 0028,1050/1051 with its 0028,1055 explanation) and, for CT, the modality presets of
 * src-shared/windows.ts; for PET with an SUV factor, SUVbw 0–5. The fidelity figures (metrics/fidelity.ts) and the viewer take windows from here.
 */
import { CT_PRESETS, stateWindowName, voiFunctionOf, type DisplayModel, type DisplayWindow, type ValueMapping } from '../../../src-shared/windows.js';
import { suvScales } from '../../../src-shared/fidelity.js';
import { firstString, type DicomJson } from './dataset.js';
import type { DicomFrameMeta } from './import.js';

function numbers(ds: DicomJson, tag: string): number[] {
  return (ds[tag]?.Value ?? []).map(Number).filter(Number.isFinite);
}

/** The file's VOI LUT Function (0028,1056) where it is not LINEAR: its windows are shown through it. */
const voiFunction = (ds: DicomJson) => voiFunctionOf(firstString(ds, '00281056'));

/**
 * The file's VOI windows (all of them), in real-world units as DICOM defines them, through the file's VOI LUT
 * Function ("file window 1 (sigmoid)": a mammogram is read through a sigmoid, not the linear ramp).
 */
export function fileWindows(ds: DicomJson, fallback?: { center: number; width: number; fn?: DisplayWindow['fn'] }): DisplayWindow[] {
  const centers = numbers(ds, '00281050');
  const widths = numbers(ds, '00281051');
  const explanations = (ds['00281055']?.Value ?? []).map(String);
  const fn = centers.length ? voiFunction(ds) : fallback?.fn ?? voiFunction(ds); // an enhanced frame's own, with its window
  const named = (name: string) => (fn ? `${name} (${fn === 'SIGMOID' ? 'sigmoid' : 'linear exact'})` : name);
  const out: DisplayWindow[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    if (!(widths[i]! > 0)) continue;
    const explanation = explanations[i]?.trim() || undefined;
    out.push({
      name: named(explanation ? `file window ${explanation}` : `file window ${i + 1}`), center: centers[i]!, width: widths[i]!, source: 'file',
      ...(explanation ? { explanation } : {}), ...(fn ? { fn } : {}),
    });
  }
  if (out.length === 0 && fallback) out.push({ name: named('file window 1'), center: fallback.center, width: fallback.width, source: 'file', ...(fn ? { fn } : {}) });
  return out;
}

/**
 * A PET reader's window: SUVbw 0 to 5 (in the Bq/ml or counts a viewer shows, through the sender's factor), where uptake is
 * graded; a reader's window for measuring fidelity as the CT presets are for CT.
 */
const PET_SUV_WINDOW = { name: 'SUVbw 0–5', source: 'preset' } as const;

/** PET's Units (0054,1001; PS3.3 C.8.9.1.1.3) as a reader reads them; other codes are shown as they are. */
const PET_UNITS: Record<string, string> = { BQML: 'Bq/ml', GML: 'g/ml', CNTS: 'counts', CPS: 'counts/s', PCNT: '%', MLG: 'ml/g', MLML: 'ml/ml' };

/**
 * Units of the rescaled values: PET's Units (a PET file says them there, not in Rescale Type), the file's Rescale Type,
 * the units its Real World Value Mapping names for them (dicom/real-world.ts), HU for a CT whose Rescale Type does not
 * say otherwise, else none. Rescale Type US means unspecified (PS3.3 C.11.1.1.2): a CT that says it (a perfusion map,
 * a breast tomosynthesis, a 3D rendering) is not in HU (0.17; before, it was shown and measured as HU, and its DICOM
 * output said HU).
 */
function unitsOf(ds: DicomJson, modality: string | undefined, hasRescale: boolean, realWorld: string | undefined): string {
  const pet = modality === 'PT' ? firstString(ds, '00541001')?.trim() : undefined;
  if (pet && pet !== 'NONE') return PET_UNITS[pet] ?? pet;
  const type = firstString(ds, '00281054')?.trim();
  if (type && type.toUpperCase() !== 'US') return type.toUpperCase() === 'HU' ? 'HU' : type; // CS is upper case; some write "hu"
  if (realWorld) return realWorld;
  if (modality === 'CT' && hasRescale && !type) return 'HU';
  return '';
}

/** Whether a frame's values go through a rescale: the file gives one (even the identity), or its frame has its own. */
export function rescaled(meta: DicomFrameMeta): boolean {
  const ds = meta.dataset, p = meta.pixel;
  return ds['00281053'] !== undefined || ds['00281052'] !== undefined || p.rescaleSlope !== 1 || p.rescaleIntercept !== 0;
}

/** Label Map Segmentation Storage (DICOM 2024): its samples are segment numbers. */
const LABEL_MAP_SEGMENTATION = '1.2.840.10008.5.1.4.1.1.66.7';

/** The display model of one imported frame. */
export function dicomDisplay(meta: DicomFrameMeta): DisplayModel {
  const ds = meta.dataset;
  const p = meta.pixel;
  const modality = firstString(ds, '00080060')?.trim();
  const hasRescale = rescaled(meta);
  const mapping: ValueMapping = {
    offset: p.offset, inverted: p.inverted, signed: p.signed, bitsStored: p.bitsStored, slope: p.rescaleSlope || 1, intercept: p.rescaleIntercept,
    ...(p.modalityLut ? { lut: p.modalityLut } : {}),
  };
  // A Modality LUT's output has no units we can name (its LUT Type is not kept), and its steps are not the slope's.
  const units = p.modalityLut ? '' : unitsOf(ds, modality, hasRescale, p.realWorldUnits?.units);
  const windows = fileWindows(ds, p.window);
  // Each table of its VOI LUT Sequence is a window its reader may pick (0.17: not the first only), first.
  const tables = [...(p.voiLut ? [p.voiLut] : []), ...(p.otherVoiLuts ?? [])];
  windows.unshift(...tables.map(({ first, bits, data, explanation }, i): DisplayWindow => ({
    name: `file VOI LUT${explanation ? ` ${explanation}` : tables.length > 1 ? ` ${i + 1}` : ''}`, center: first + data.length / 2, width: data.length,
    source: 'file', lut: { first, bits, data }, ...(explanation ? { explanation } : {}),
  })));
  // A presentation state's window (0.18), the one its radiologist read in, first: the viewer opens in it, and the
  // sender's figures measure in it.
  windows.unshift(...(meta.presentationStates ?? []).flatMap((s): DisplayWindow[] => (s.window ? [{
    name: stateWindowName(s.label), center: s.window.center, width: s.window.width, source: 'file',
    ...(s.window.fn ? { fn: s.window.fn } : {}), ...(s.window.explanation ? { explanation: s.window.explanation } : {}),
    // Its VOI LUT (0.19), as the file's own tables are offered.
    ...(s.window.lut ? { lut: { first: s.window.lut.first, bits: s.window.lut.bits, data: s.window.lut.data } } : {}),
  }] : [])));
  const ct = units === 'HU';
  if (ct) windows.push(...CT_PRESETS);
  // PET with the sender's SUV factor: the window its readers read in, SUVbw 0–5, in the Bq/ml (or counts) shown (0.13).
  if (meta.suvBw && suvScales(units)) windows.push({ ...PET_SUV_WINDOW, center: 2.5 / meta.suvBw, width: 5 / meta.suvBw });
  const colour = p.photometric !== 'MONOCHROME1' && p.photometric !== 'MONOCHROME2';
  // A segmentation's 1-bit mask, or a label map (Label Map Segmentation, or a Segmentation of type LABELMAP).
  const labels = p.bitsStored === 1 || meta.sopClassUid === LABEL_MAP_SEGMENTATION || firstString(ds, '00620001')?.trim() === 'LABELMAP';
  return {
    mapping, units, monochrome1: p.photometric === 'MONOCHROME1',
    windows: colour ? [] : windows, percentile: !ct && !colour && p.bitsStored > 8, ...(labels ? { labels: true as const } : {}),
  };
}

/**
 * Frames per second a multi-frame file is meant to be played at: its Recommended Display Frame Rate (0008,2144), else
 * its Cine Rate (0018,0040), else from its Frame Time (0018,1063) or the mean of its Frame Time Vector (0018,1065), in
 * ms. The viewer's cine starts there: a fixed rate showed an echo's 30 frames a second at a third of its speed.
 */
export function cineFrameRate(meta: DicomFrameMeta): number | undefined {
  if (meta.frames < 2) return undefined;
  const ds = meta.dataset;
  const rate = [numbers(ds, '00082144')[0], numbers(ds, '00180040')[0]].find((r) => r !== undefined && r > 0);
  const vector = numbers(ds, '00181065').slice(1);
  const ms = numbers(ds, '00181063')[0] ?? (vector.length ? vector.reduce((a, b) => a + b, 0) / vector.length : undefined);
  const fps = rate ?? (ms !== undefined && ms > 0 ? 1000 / ms : undefined);
  return fps !== undefined && Number.isFinite(fps) ? Math.round(fps * 10) / 10 : undefined;
}

/**
 * A frame's time to the next over its clip's mean, for a cine timed frame by frame: a Frame Time Vector (0018,1065) of
 * one increment per frame (the first 0, PS3.3 C.7.6.5.1.2) whose increments differ by more than 1% (a variable-rate
 * angiography run, a gated acquisition). The last frame's is the mean (the clip wraps). Undefined for evenly timed
 * clips: each frame is shown 1000/rate ms, as before.
 */
export function cineFrameTiming(meta: DicomFrameMeta): number | undefined {
  if (meta.frames < 2) return undefined;
  const vector = numbers(meta.dataset, '00181065');
  if (vector.length !== meta.frames) return undefined;
  const increments = vector.slice(1);
  if (!increments.every((v) => Number.isFinite(v) && v > 0)) return undefined;
  const mean = increments.reduce((a, b) => a + b, 0) / increments.length;
  if (increments.every((v) => Math.abs(v - mean) <= mean * 0.01)) return undefined;
  const next = meta.frame + 1 < meta.frames ? vector[meta.frame + 1]! : mean;
  return Math.round((next / mean) * 1000) / 1000;
}
