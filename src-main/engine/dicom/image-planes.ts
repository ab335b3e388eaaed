/**
 * Where each image of a study lies in the patient (DICOM patient coordinates, mm), so that a structured report's 3D
 * coordinates (SCOORD3D: an AI tool's nodule, a contour on a slice, given in the patient's frame, not on an image) are
 * drawn on the images whose slab holds them (aeimg 0.23): a line or outline where it passes through the slab, an
 * ellipsoid as its cross-section (aeimg 0.24).
 */

/** An image's plane: its Frame of Reference, its first pixel's centre, its row and column directions, its slab. */
export interface ImagePlane {
  index: number;
  frameOfReference: string;
  /** Image Position (Patient): the centre of the first pixel, mm. */
  origin: [number, number, number];
  /** Direction cosines along a row (columns increase) and down a column (rows increase). */
  row: [number, number, number];
  column: [number, number, number];
  /** Pixel Spacing: between rows, then between columns, mm. */
  spacing: [number, number];
  /**
   * How far from the plane a point still lies on the image: half its Slice Thickness (an enhanced file's frame: its
   * Pixel Measures', since 0.24); where it has none, half the distance to the nearest parallel image of its Frame of
   * Reference; 0.5 mm for a lone image without one.
   */
  halfThickness: number;
  /** Its size in pixels, where known (a point beyond it is not on the image). */
  width: number;
  height: number;
}

type Json = Record<string, { Value?: unknown[] } | undefined>;
/** What a study's image metadata says of its plane (an enhanced file's frame: its functional groups, in `pixel`). */
export interface PlaneMeta {
  dataset: Json;
  pixel?: { planePosition?: number[]; planeOrientation?: number[]; pixelSpacing?: [number, number]; sliceThickness?: number };
  /** The image's size (its record's: the dataset as carried has no Rows and Columns). */
  width?: number;
  height?: number;
}

const values = (ds: Json, tag: string) => (ds[tag]?.Value ?? []).map(Number);
const finite = (v: readonly number[] | undefined, n: number) => (v && v.length === n && v.every(Number.isFinite) ? [...v] : undefined);
const dot = (a: readonly number[], b: readonly number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;

/** The planes of a study's images (by index), of those that say where they lie; the others have none. */
export function imagePlanes(metas: readonly (PlaneMeta | undefined)[]): ImagePlane[] {
  const planes = metas.flatMap((m, index): (ImagePlane & { thick: boolean })[] => {
    if (!m) return [];
    const frameOfReference = String(m.dataset['00200052']?.Value?.[0] ?? '').trim();
    const origin = finite(m.pixel?.planePosition ?? values(m.dataset, '00200032'), 3);
    const cosines = finite(m.pixel?.planeOrientation ?? values(m.dataset, '00200037'), 6);
    const spacing = finite(m.pixel?.pixelSpacing ?? values(m.dataset, '00280030'), 2);
    const height = m.height ?? values(m.dataset, '00280010')[0] ?? Infinity, width = m.width ?? values(m.dataset, '00280011')[0] ?? Infinity;
    if (!frameOfReference || !origin || !cosines || !spacing || !spacing.every((s) => s > 0)) return [];
    const row = cosines.slice(0, 3) as [number, number, number], column = cosines.slice(3) as [number, number, number];
    if (Math.abs(Math.hypot(...row) - 1) > 0.01 || Math.abs(Math.hypot(...column) - 1) > 0.01 || Math.abs(dot(row, column)) > 0.01) return [];
    const thickness = m.pixel?.sliceThickness ?? values(m.dataset, '00180050')[0];
    const thick = thickness !== undefined && Number.isFinite(thickness) && thickness > 0;
    return [{
      index, frameOfReference, origin: origin as [number, number, number], row, column, spacing: spacing as [number, number],
      halfThickness: thick ? thickness / 2 : 0.5, width, height, thick,
    }];
  });
  // Without a thickness: half the gap to the nearest parallel slice of the same space (at most 5 mm either side), the
  // slices of a stack sorted along their normal.
  const stacks = new Map<string, { plane: (typeof planes)[number]; at: number }[]>();
  for (const plane of planes) {
    const n = normalOf(plane).map((v) => (Math.abs(v) < 5e-4 ? 0 : v)); // -0 and 0 one stack
    const sign = Math.sign(n.find((v) => v !== 0) ?? 1); // a flipped slice lies in the same stack
    const key = `${plane.frameOfReference}|${n.map((v) => (sign * v).toFixed(3)).join(',')}`;
    const stack = stacks.get(key) ?? [];
    stack.push({ plane, at: sign * dot(plane.origin, n) });
    stacks.set(key, stack);
  }
  for (const stack of stacks.values()) {
    stack.sort((a, b) => a.at - b.at);
    stack.forEach(({ plane, at }, i) => {
      if (plane.thick) return;
      let gap = Infinity;
      for (let k = i - 1; k >= 0 && gap === Infinity; k--) if (at - stack[k]!.at > 0.01) gap = at - stack[k]!.at;
      for (let k = i + 1; k < stack.length; k++) if (stack[k]!.at - at > 0.01) { gap = Math.min(gap, stack[k]!.at - at); break; }
      if (gap < Infinity) plane.halfThickness = Math.min(5, gap / 2);
    });
  }
  return planes.map(({ thick: _, ...p }) => p);
}

/** The normal of an image's plane (row × column). */
const normalOf = (p: Pick<ImagePlane, 'row' | 'column'>) => [
  p.row[1] * p.column[2] - p.row[2] * p.column[1],
  p.row[2] * p.column[0] - p.row[0] * p.column[2],
  p.row[0] * p.column[1] - p.row[1] * p.column[0],
];

/**
 * Patient points (x, y, z, x, y, z … mm) in `plane`'s image pixel coordinates (x, y … with 0 at the top-left corner of
 * the top-left pixel, as a report's 2D coordinates are); undefined unless every point lies in its slab and on the image.
 */
export function onPlane(plane: ImagePlane, points: readonly number[]): number[] | undefined {
  const normal = normalOf(plane);
  const out: number[] = [];
  for (let i = 0; i + 2 < points.length; i += 3) {
    const { off, x, y } = placeOn(plane, normal, points.slice(i, i + 3));
    if (Math.abs(off) > plane.halfThickness) return undefined;
    out.push(x, y);
  }
  return onImage(plane, out) ? out : undefined;
}

/** Where patient point `p` lies on `plane`: its distance from the plane (mm, along the normal) and its pixel x, y. */
function placeOn(plane: ImagePlane, normal: readonly number[], p: readonly number[]): { off: number; x: number; y: number } {
  const d = [p[0]! - plane.origin[0], p[1]! - plane.origin[1], p[2]! - plane.origin[2]];
  return { off: dot(d, normal), x: dot(d, plane.row) / plane.spacing[1] + 0.5, y: dot(d, plane.column) / plane.spacing[0] + 0.5 };
}

const onImage = (plane: ImagePlane, xy: readonly number[]) =>
  xy.every((v, i) => v >= 0 && v <= (i % 2 === 0 ? plane.width : plane.height));

/**
 * The parts of a 3D polyline (x, y, z … mm) that pass through `plane`'s slab, each in its pixel coordinates: a segment
 * that crosses the slab is cut at its faces, so a 3D caliper or an oblique contour shows on each slice the part of it
 * that lies there, as a line wholly in the slab shows whole. A part not on the image, or of no length, is left out.
 */
export function polylineOnPlane(plane: ImagePlane, points: readonly number[]): number[][] {
  const normal = normalOf(plane);
  const parts: number[][] = [];
  let open: number[] | undefined; // the part the previous segment left at its end
  for (let i = 0; i + 5 < points.length; i += 3) {
    const a = placeOn(plane, normal, points.slice(i, i + 3)), b = placeOn(plane, normal, points.slice(i + 3, i + 6));
    const h = plane.halfThickness, dd = b.off - a.off;
    let t0 = 0, t1 = 1;
    if (Math.abs(dd) < 1e-9) {
      if (Math.abs(a.off) > h) t0 = 2;
    } else {
      const ta = (-h - a.off) / dd, tb = (h - a.off) / dd;
      t0 = Math.max(0, Math.min(ta, tb));
      t1 = Math.min(1, Math.max(ta, tb));
    }
    if (t0 > t1) { open = undefined; continue; }
    const at = (t: number) => [a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)];
    if (open && t0 === 0) open.push(...at(t1));
    else parts.push(open = [...at(t0), ...at(t1)]);
    if (t1 < 1) open = undefined;
  }
  return parts.filter((xy) => onImage(plane, xy) && xy.some((v, k) => v !== xy[k % 2]));
}

/**
 * An ellipsoid's cross-section on `plane` (PS3.3 C.18.9.1.2: its three axes' end points, x, y, z … mm), as the end
 * points of the ellipse's major then minor axis in pixel coordinates (a 2D ELLIPSE): where the slab holds the
 * ellipsoid's centre, its section through the centre's depth (its widest there); else the section nearest it, at the
 * slab's face; undefined where it misses the slab, leaves the image, or its axes do not make an ellipsoid (not of
 * one centre, not at right angles, of no length).
 */
export function ellipsoidOnPlane(plane: ImagePlane, points: readonly number[]): number[] | undefined {
  if (points.length !== 18) return undefined;
  const pt = (k: number) => points.slice(3 * k, 3 * k + 3);
  const centre = [0, 1, 2].map((c) => (points[c]! + points[3 + c]!) / 2);
  const axes = [0, 1, 2].map((k) => [0, 1, 2].map((c) => (pt(2 * k + 1)[c]! - pt(2 * k)[c]!) / 2));
  const lengths = axes.map((a) => Math.hypot(...a));
  const longest = Math.max(...lengths);
  if (!(Math.min(...lengths) > 0)) return undefined;
  for (let k = 1; k < 3; k++) {
    const mid = [0, 1, 2].map((c) => (pt(2 * k)[c]! + pt(2 * k + 1)[c]!) / 2);
    if (Math.hypot(...mid.map((v, c) => v - centre[c]!)) > 0.05 * longest) return undefined;
  }
  for (const [i, j] of [[0, 1], [0, 2], [1, 2]] as const) {
    if (Math.abs(dot(axes[i]!, axes[j]!)) > 0.05 * lengths[i]! * lengths[j]!) return undefined;
  }
  // The ellipsoid is (p − c)ᵀ M (p − c) = 1, M = Σ a aᵀ / |a|⁴ over its (orthogonal) semi-axes a.
  const m = (u: readonly number[], v: readonly number[]) => axes.reduce((sum, a, k) => sum + dot(u, a) * dot(v, a) / lengths[k]! ** 4, 0);
  const normal = normalOf(plane);
  const depth = Math.max(-plane.halfThickness, Math.min(plane.halfThickness, dot(centre.map((v, c) => v - plane.origin[c]!), normal)));
  const g = [0, 1, 2].map((c) => plane.origin[c]! + depth * normal[c]! - centre[c]!);
  // On the plane, p = origin′ + x·R + y·C with R, C a pixel's step along a row and down a column (so that the ellipse's
  // axes are at right angles in pixels, as a 2D ELLIPSE's are, whatever the spacing): xᵀBx + 2bᵀx + gᵀMg = 1.
  const R = plane.row.map((v) => v * plane.spacing[1]), C = plane.column.map((v) => v * plane.spacing[0]);
  const p = m(R, R), q = m(R, C), r = m(C, C);
  const b = [m(R, g), m(C, g)];
  const det = p * r - q * q;
  if (!(det > 0)) return undefined;
  const x0 = (-r * b[0]! + q * b[1]!) / det, y0 = (q * b[0]! - p * b[1]!) / det;
  const room = 1 - (m(g, g) + b[0]! * x0 + b[1]! * y0);
  if (!(room > 1e-9)) return undefined;
  const half = (p + r) / 2, spread = Math.hypot((p - r) / 2, q);
  const ends = [half - spread, half + spread].flatMap((lambda, major) => { // the smaller eigenvalue is the major axis
    const [vx, vy] = Math.abs(q) > 1e-12 ? [lambda - r, q] : (p <= r) === (major === 0) ? [1, 0] : [0, 1];
    const len = Math.sqrt(room / lambda) / Math.hypot(vx!, vy!);
    return [-1, 1].flatMap((sign) => [x0 + sign * len * vx! + 0.5, y0 + sign * len * vy! + 0.5]);
  });
  return onImage(plane, ellipseBox(ends)) ? ends : undefined;
}

/** The box round an ellipse given by its axes' end points (x, y: major, then minor), as left, top, right, bottom. */
export function ellipseBox(ends: readonly number[]): [number, number, number, number] {
  const cx = (ends[0]! + ends[2]!) / 2, cy = (ends[1]! + ends[3]!) / 2;
  const ex = Math.hypot(ends[2]! - cx, ends[6]! - cx), ey = Math.hypot(ends[3]! - cy, ends[7]! - cy);
  return [cx - ex, cy - ey, cx + ex, cy + ey];
}
