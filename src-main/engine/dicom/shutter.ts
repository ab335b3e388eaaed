/**
 * A file's Display Shutter (PS3.3 C.7.6.11 Display Shutter, C.7.6.15 Bitmap Display Shutter): the parts of an X-ray,
 * angiogram, fluoroscopy or mammography image its reader is not meant to see (outside the collimation), which a PACS
 * covers with the shutter's grey or colour. Its attributes are plain ones, so they travel inside the encryption and
 * DICOM output writes them back as they were; this reads them for the receiver's viewer and the sender's preview.
 * A shape whose figures do not make one (a rectangle's left edge right of its right, a polygon of two vertices) is left
 * out: the image then shows there, never less than the file says.
 */
import type { DicomJson } from './dataset.js';
import type { DicomFrameMeta } from './import.js';
import { overlayGraphics } from './overlay.js';
import type { DisplayShutter, OverlayGraphic } from '../../../src-shared/graphics.js';

/**
 * The Display Shutter Macro's attributes (PS3.3 Table C.7-14a: Shutter Shape, then each shape's figures, its grey or
 * colour), as a classic image holds them and an enhanced frame's Frame Display Shutter functional group does.
 */
export const SHUTTER_TAGS = ['00181600', '00181602', '00181604', '00181606', '00181608', '00181610', '00181612', '00181620', '00181622', '00181623', '00181624'] as const;

/** A dataset's Shutter Shape (0018,1600) values, upper case: RECTANGULAR, CIRCULAR, POLYGONAL, BITMAP. */
export const shutterShapes = (ds: DicomJson): string[] => (ds['00181600']?.Value ?? []).map((v) => String(v).trim().toUpperCase());

/** A dataset's Display Shutter attributes alone. */
export const shutterAttributes = (ds: DicomJson): DicomJson => Object.fromEntries(SHUTTER_TAGS.flatMap((t) => (ds[t] ? [[t, ds[t]]] : [])));

const numbers = (ds: DicomJson, tag: string) => (ds[tag]?.Value ?? []).map(Number);
const finite = (...v: number[]) => v.every((n) => Number.isFinite(n));

/**
 * A CIELab colour as DICOM scales it (L 0–100 and a, b −128–127 to 0–65535; PCS, D50) in sRGB, 8-bit: through XYZ and
 * Bradford's D50 to D65 adaptation, as ICC profiles take PCS values to sRGB.
 */
export function cieLabToRgb(scaled: readonly number[]): [number, number, number] {
  const [L, a, b] = [scaled[0]! / 655.35, (scaled[1]! * 255) / 65535 - 128, (scaled[2]! * 255) / 65535 - 128];
  const f = (t: number) => (t > 6 / 29 ? t ** 3 : 3 * (6 / 29) ** 2 * (t - 4 / 29));
  const fy = (L + 16) / 116;
  const [x, y, z] = [0.9642 * f(fy + a / 500), f(fy), 0.8249 * f(fy - b / 200)];
  const linear = [
    3.1338561 * x - 1.6168667 * y - 0.4906146 * z,
    -0.9787684 * x + 1.9161415 * y + 0.033454 * z,
    0.0719453 * x - 0.2289914 * y + 1.4052427 * z,
  ];
  const gamma = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
  return linear.map((c) => Math.round(255 * Math.min(1, Math.max(0, gamma(c))))) as [number, number, number];
}

/** An 8-bit sRGB colour as DICOM's scaled CIELab (PCS, D50): cieLabToRgb's inverse, within rounding. */
export function rgbToCieLab(rgb: readonly number[]): [number, number, number] {
  const linear = rgb.map((c) => c / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const [r, g, b] = linear as [number, number, number];
  const xyz = [
    (0.4360747 * r + 0.3850649 * g + 0.1430804 * b) / 0.9642,
    0.2225045 * r + 0.7168786 * g + 0.0606169 * b,
    (0.0139322 * r + 0.0971045 * g + 0.7141733 * b) / 0.8249,
  ];
  const f = (t: number) => (t > (6 / 29) ** 3 ? Math.cbrt(t) : t / (3 * (6 / 29) ** 2) + 4 / 29);
  const [fx, fy, fz] = xyz.map(f) as [number, number, number];
  const [L, a, bb] = [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
  const clamp = (v: number) => Math.min(65535, Math.max(0, Math.round(v)));
  return [clamp(L * 655.35), clamp(((a + 128) * 65535) / 255), clamp(((bb + 128) * 65535) / 255)];
}

/** A P-value (0 black to 65535 white) as the 8-bit grey a display shows it at. */
export const pValueRgb = (v: number): [number, number, number] => {
  const grey = Math.round(v / 257);
  return [grey, grey, grey];
};

/**
 * What covers the shuttered pixels: for a grey image its Shutter Presentation Value (a P-value, 0 black to 65535 white),
 * else its CIELab colour; for a colour image the other way round; black where the file says neither (as dcmtk's and
 * most viewers' default).
 */
function shutterColour(ds: DicomJson, channels: number): [number, number, number] {
  const [grey] = numbers(ds, '00181622');
  const lab = numbers(ds, '00181624');
  const fromGrey = grey !== undefined && finite(grey) && grey >= 0 && grey <= 65535 ? pValueRgb(grey) : undefined;
  const fromLab = lab.length === 3 && finite(...lab) ? cieLabToRgb(lab) : undefined;
  return (channels === 1 ? fromGrey ?? fromLab : fromLab ?? fromGrey) ?? [0, 0, 0];
}

/**
 * The shutter a frame's dataset describes, or undefined where it has none that can be drawn. `overlays`: the frame's
 * overlay planes by group, where a bitmap shutter's plane (Shutter Overlay Group 0018,1623) may be (they travel with
 * the full header only).
 */
export function displayShutter(ds: DicomJson, channels: number, overlays: ReadonlyMap<number, OverlayGraphic>): DisplayShutter | undefined {
  const shapes = new Set(shutterShapes(ds));
  const s: Omit<DisplayShutter, 'colour' | 'name'> = {};
  if (shapes.has('RECTANGULAR')) {
    const [left, right, top, bottom] = ['00181602', '00181604', '00181606', '00181608'].map((t) => numbers(ds, t)[0]);
    if (left !== undefined && right !== undefined && top !== undefined && bottom !== undefined && finite(left, right, top, bottom) && left <= right && top <= bottom) {
      s.rectangle = { left, right, top, bottom };
    }
  }
  if (shapes.has('CIRCULAR')) {
    const [row, column] = numbers(ds, '00181610');
    const [radius] = numbers(ds, '00181612');
    if (row !== undefined && column !== undefined && radius !== undefined && finite(row, column, radius) && radius > 0) s.circle = { row, column, radius };
  }
  if (shapes.has('POLYGONAL')) {
    const v = numbers(ds, '00181620');
    if (v.length >= 6 && v.length % 2 === 0 && finite(...v)) s.polygon = Array.from({ length: v.length / 2 }, (_, i) => ({ row: v[2 * i]!, column: v[2 * i + 1]! }));
  }
  if (shapes.has('BITMAP')) {
    const [group] = numbers(ds, '00181623');
    const plane = group !== undefined ? overlays.get(group) : undefined;
    if (plane) s.bitmap = plane;
  }
  const name = (['rectangle', 'circle', 'polygon', 'bitmap'] as const).filter((k) => s[k])
    .map((k) => ({ rectangle: 'rectangular', circle: 'circular', polygon: 'polygonal', bitmap: 'bitmap' })[k]).join(', ');
  return name ? { ...s, colour: shutterColour(ds, channels), name } : undefined;
}

/**
 * A DICOM output's shutter as it can say it: a bitmap shutter whose overlay plane is not written (de-identification
 * removed it) is taken out of Shutter Shape, and with no shape left the shutter's attributes go, so that no PACS is
 * sent a shutter that names a plane the file does not hold. `ds` as written, its overlays in place.
 */
export function writeShutter(ds: DicomJson): void {
  const shapes = shutterShapes(ds);
  if (!shapes.includes('BITMAP')) return;
  const [group] = numbers(ds, '00181623');
  const plane = group !== undefined && ds[`${group.toString(16).toUpperCase().padStart(4, '0')}3000`];
  if (plane) return;
  const left = shapes.filter((s) => s !== 'BITMAP');
  delete ds['00181623'];
  if (left.length) ds['00181600'] = { vr: 'CS', Value: left };
  else for (const tag of ['00181600', '00181622', '00181624']) delete ds[tag];
}

/** A shutter's attributes without a bitmap shape whose plane does not go with them (writeShutter); undefined with no shape left. */
export function withoutBitmap(shutter: DicomJson | undefined): DicomJson | undefined {
  if (!shutter) return undefined;
  const copy = { ...shutter };
  writeShutter(copy);
  return copy['00181600'] ? copy : undefined;
}

/**
 * What a viewer draws over a frame besides its window: its overlays as graphics, and its shutter, whose bitmap plane
 * (where it has one) covers the image and is not drawn as graphics too.
 */
export function graphicsAndShutter(meta: DicomFrameMeta, channels: number): { graphics: OverlayGraphic[]; shutter?: DisplayShutter } {
  const planes = overlayGraphics(meta.overlays);
  const shutter = displayShutter(meta.dataset, channels, planes);
  return { graphics: [...planes.values()].filter((g) => g !== shutter?.bitmap), ...(shutter ? { shutter } : {}) };
}
