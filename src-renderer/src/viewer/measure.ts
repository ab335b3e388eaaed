/**
 * The three measurements every reader uses, computed on the decoded samples in image coordinates (pixel (i, j)
 * covers [i, i+1) × [j, j+1), so its centre is (i + ½, j + ½)): a distance, and an ellipse or rectangle ROI's
 * statistics in real-world units. Pure functions, shared by the viewer and its tests.
 */
import type { ImagePixels } from '../../../src-shared/api';
import { sampleToReal, type ValueMapping } from '../../../src-shared/windows';

export interface Point {
  x: number;
  y: number;
}

export type MeasurementKind = 'ruler' | 'ellipse' | 'rectangle';

export interface Measurement {
  id: number;
  kind: MeasurementKind;
  a: Point;
  b: Point;
}

/**
 * mm per pixel between rows and between columns (DICOM's Pixel Spacing order); an ultrasound region's calibration
 * holds only inside its region (first and last pixel columns and rows).
 */
export interface Spacing {
  row: number;
  column: number;
  region?: { x0: number; y0: number; x1: number; y1: number };
}

/** The spacing a measurement from a to b may use: none where either end lies outside the calibrated region. */
function spacingFor(spacing: Spacing | undefined, a: Point, b: Point): Spacing | undefined {
  const r = spacing?.region;
  if (!r) return spacing;
  const within = (p: Point) => p.x >= r.x0 && p.x < r.x1 + 1 && p.y >= r.y0 && p.y < r.y1 + 1;
  return within(a) && within(b) ? spacing : undefined;
}

/** A length in mm when the image is calibrated (there), else in pixels. */
export function distance(a: Point, b: Point, calibration: Spacing | undefined): { value: number; unit: 'mm' | 'px' } {
  const spacing = spacingFor(calibration, a, b);
  const dx = (b.x - a.x) * (spacing?.column ?? 1);
  const dy = (b.y - a.y) * (spacing?.row ?? 1);
  return { value: Math.hypot(dx, dy), unit: spacing ? 'mm' : 'px' };
}

/** Whether pixel (i, j)'s centre lies in the shape spanned by corners a and b. */
export function inside(kind: 'ellipse' | 'rectangle', a: Point, b: Point, i: number, j: number): boolean {
  const x = i + 0.5, y = j + 0.5;
  const [x0, x1] = a.x < b.x ? [a.x, b.x] : [b.x, a.x];
  const [y0, y1] = a.y < b.y ? [a.y, b.y] : [b.y, a.y];
  if (kind === 'rectangle') return x >= x0 && x <= x1 && y >= y0 && y <= y1;
  const rx = (x1 - x0) / 2, ry = (y1 - y0) / 2;
  if (rx <= 0 || ry <= 0) return false;
  const u = (x - (x0 + rx)) / rx, v = (y - (y0 + ry)) / ry;
  return u * u + v * v <= 1;
}

export interface RoiStats {
  pixels: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** Of the shape itself (π·rx·ry or w·h), in mm² when calibrated, else px². */
  area: number;
  areaUnit: 'mm²' | 'px²';
}

/** Mean, SD (population), min and max of the real-world values of the pixels inside the ROI (first channel). */
export function roiStats(image: ImagePixels, kind: 'ellipse' | 'rectangle', a: Point, b: Point, m: ValueMapping | undefined, calibration: Spacing | undefined): RoiStats {
  const spacing = spacingFor(calibration, a, b);
  const i0 = Math.max(0, Math.floor(Math.min(a.x, b.x))), i1 = Math.min(image.width - 1, Math.ceil(Math.max(a.x, b.x)));
  const j0 = Math.max(0, Math.floor(Math.min(a.y, b.y))), j1 = Math.min(image.height - 1, Math.ceil(Math.max(a.y, b.y)));
  let n = 0, sum = 0, sum2 = 0, min = Infinity, max = -Infinity;
  for (let j = j0; j <= j1; j++) {
    for (let i = i0; i <= i1; i++) {
      if (!inside(kind, a, b, i, j)) continue;
      const v = sampleToReal(image.pixels[(j * image.width + i) * image.channels]!, m);
      n++; sum += v; sum2 += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const mean = n ? sum / n : NaN;
  const sd = n ? Math.sqrt(Math.max(0, sum2 / n - mean * mean)) : NaN;
  const w = Math.abs(b.x - a.x) * (spacing?.column ?? 1), h = Math.abs(b.y - a.y) * (spacing?.row ?? 1);
  return { pixels: n, mean, sd, min, max, area: kind === 'ellipse' ? (Math.PI * w * h) / 4 : w * h, areaUnit: spacing ? 'mm²' : 'px²' };
}
