import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ellipsoidOnPlane, polylineOnPlane, type ImagePlane } from '../../../src-main/engine/dicom/image-planes.js';

const dot = (a: readonly number[], b: readonly number[]) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
const cross = (a: readonly number[], b: readonly number[]) => [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
const unit = (a: readonly number[]) => a.map((v) => v / Math.hypot(...a));
/** Two unit vectors at right angles, from any two that are not parallel. */
const frameOf = (a: number[], b: number[]) => { const u = unit(a); const w = unit(cross(u, b)); return [u, cross(w, u), w]; };

const vector = fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }))
  .filter((v) => Math.hypot(...v) > 0.2);
const twoDirections = fc.tuple(vector, vector).filter(([a, b]) => Math.hypot(...cross(unit(a), unit(b))) > 0.2);

/** An image plane of 512² pixels of `spacing` mm through `origin`, its rows and columns along `directions`. */
function plane(directions: [number[], number[]], origin: number[], spacing: [number, number], halfThickness: number): ImagePlane {
  const [row, column] = frameOf(...directions);
  return { index: 0, frameOfReference: '2.25.1', origin: origin as never, row: row as never, column: column as never, spacing, halfThickness, width: 512, height: 512 };
}

/** Where pixel (x, y) of `p`, `depth` mm along its normal, lies in the patient. */
function patientOf(p: ImagePlane, x: number, y: number, depth: number): number[] {
  const normal = cross(p.row, p.column);
  return [0, 1, 2].map((k) => p.origin[k]! + (x - 0.5) * p.spacing[1] * p.row[k]! + (y - 0.5) * p.spacing[0] * p.column[k]! + depth * normal[k]!);
}

describe('a report\'s 3D regions on an image plane', () => {
  it('an ellipsoid in any orientation is drawn as its section: every point of the ellipse drawn lies on its surface', () => {
    fc.assert(fc.property(twoDirections, twoDirections, fc.tuple(fc.double({ min: 2, max: 30, noNaN: true }), fc.double({ min: 2, max: 30, noNaN: true }), fc.double({ min: 2, max: 30, noNaN: true })),
      fc.double({ min: -8, max: 8, noNaN: true }), fc.constantFrom<[number, number]>([0.5, 0.5], [0.7, 0.35], [1, 2]),
      (planeDirections, axesDirections, lengths, offset, spacing) => {
        const p = plane(planeDirections, [-100, -120, 30], spacing, 1.5);
        const centre = patientOf(p, 256, 256, offset);
        const axes = frameOf(...axesDirections).map((a, k) => a.map((v) => v * lengths[k]!));
        const points = axes.flatMap((a) => [...centre.map((v, k) => v - a[k]!), ...centre.map((v, k) => v + a[k]!)]);
        const ends = ellipsoidOnPlane(p, points);
        // Its value on the ellipsoid's quadric (1 on its surface), at the depth the section is drawn at.
        const depth = Math.max(-1.5, Math.min(1.5, offset));
        const f = (x: number, y: number) => {
          const d = patientOf(p, x, y, depth).map((v, k) => v - centre[k]!);
          return axes.reduce((sum, a, k) => sum + (dot(d, a) / lengths[k]! ** 2) ** 2, 0);
        };
        // The section exists where the depth is within the ellipsoid's reach along the normal.
        const normal = cross(p.row, p.column);
        const reach = Math.sqrt(axes.reduce((sum, a) => sum + dot(a, normal) ** 2, 0));
        const gap = Math.abs(offset - depth);
        if (gap > reach * 1.001) expect(ends).toBeUndefined();
        if (gap < reach * 0.999) expect(ends).toBeDefined();
        if (!ends) return true;
        const [cx, cy] = [(ends[0]! + ends[2]!) / 2, (ends[1]! + ends[3]!) / 2];
        const major = [ends[2]! - cx, ends[3]! - cy], minor = [ends[6]! - cx, ends[7]! - cy];
        expect(Math.abs(major[0]! * minor[0]! + major[1]! * minor[1]!)).toBeLessThan(1e-6 * (1 + Math.hypot(...major) * Math.hypot(...minor)));
        expect(Math.hypot(...major)).toBeGreaterThanOrEqual(Math.hypot(...minor) * (1 - 1e-9));
        for (let t = 0; t < 2 * Math.PI; t += Math.PI / 7) {
          expect(f(cx + Math.cos(t) * major[0]! + Math.sin(t) * minor[0]!, cy + Math.cos(t) * major[1]! + Math.sin(t) * minor[1]!)).toBeCloseTo(1, 6);
        }
        return true;
      }), { numRuns: 300, seed: 14 });
  });

  it('a line through the slab is cut at its faces, and one wholly in it is drawn whole, at each of its points', () => {
    const p = plane([[1, 0, 0], [0, 1, 0]], [0, 0, 0], [0.5, 0.5], 1);
    // Along x from 2 mm below to 2 mm above: the middle half, between the faces at ±1 mm.
    expect(polylineOnPlane(p, [0, 10, -2, 40, 10, 2])).toEqual([[20.5, 20.5, 60.5, 20.5]]);
    // In the slab, then out and back: two parts, each ending at a face.
    const parts = polylineOnPlane(p, [0, 0, 0, 10, 0, 0, 10, 0, 5, 20, 0, 0, 30, 0, 0.5]);
    expect(parts.map((xy) => xy.map((v) => +v.toFixed(3)))).toEqual([[0.5, 0.5, 20.5, 0.5, 20.5, 0.5], [36.5, 0.5, 40.5, 0.5, 60.5, 0.5]]);
    // Parallel to the slab outside it, across it at one point (no length), or off the image: nothing.
    expect(polylineOnPlane(p, [0, 0, 3, 40, 0, 3])).toEqual([]);
    expect(polylineOnPlane(p, [5, 5, 0, 5, 5, 4])).toEqual([]);
    expect(polylineOnPlane(p, [-10, 5, 0, 5, 5, 0])).toEqual([]);
  });
});
