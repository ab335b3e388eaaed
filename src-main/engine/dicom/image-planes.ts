/**
 * Where each image of a study lies in the patient (DICOM patient coordinates, mm), so that a structured report's 3D
 * coordinates (SCOORD3D: an AI tool's nodule, a contour on a slice, given in the patient's frame, not on an image) are
 * drawn on the images whose slab holds them (aeimg 0.23).
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
   * How far from the plane a point still lies on the image: half its Slice Thickness; where it has none (an enhanced
   * file's frames carry theirs in functional groups), half the distance to the nearest parallel image of its Frame of
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
  pixel?: { planePosition?: number[]; planeOrientation?: number[]; pixelSpacing?: [number, number] };
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
    const thickness = values(m.dataset, '00180050')[0];
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
    const d = [points[i]! - plane.origin[0], points[i + 1]! - plane.origin[1], points[i + 2]! - plane.origin[2]];
    if (Math.abs(dot(d, normal)) > plane.halfThickness) return undefined;
    const x = dot(d, plane.row) / plane.spacing[1] + 0.5, y = dot(d, plane.column) / plane.spacing[0] + 0.5;
    if (x < 0 || y < 0 || x > plane.width || y > plane.height) return undefined;
    out.push(x, y);
  }
  return out;
}
