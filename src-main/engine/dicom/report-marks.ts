/**
 * The regions a structured report measured, drawn where it measured them (aeimg 0.22): a report's 2D spatial coordinates
 * (SCOORD content items, PS3.3 C.18.6: a point, points, a polyline, a circle or an ellipse in the image's pixels) on
 * the image each is selected from, labelled with the measurements beside it ("Area of defined region: 1.7 cm2"), as a
 * measurement report (TID 1500: an AI tool's or a radiologist's lesion measurements) is read on the image. The receiver
 * computes them from the report that came with the study (dicom/documents.ts); nothing more travels.
 */
import type { DataSet } from 'dicom-parser';
import type { Annotations } from '../../../src-shared/graphics.js';
import { referencedFrames, valueType } from './dataset.js';
import { ellipseBox, ellipsoidOnPlane, onPlane, polylineOnPlane, type ImagePlane } from './image-planes.js';
import { graphicData, items, LIMITS } from './presentation-state.js';

/** The layer the report's marks are drawn in, in a colour of their own (the reader's own measurements are yellow, a state's white unless it says). */
export const REPORT_LAYER = { name: 'report', order: 0, colour: [0, 200, 255] as [number, number, number] };

/** The image a report's reference means, by SOP Instance UID and frame (from 1; undefined for the whole image), as an index of the study's images. */
export type ImageIndex = (sop: string, frame?: number) => number | undefined;

const GRAPHIC_TYPES = new Set(['POINT', 'MULTIPOINT', 'POLYLINE', 'CIRCLE', 'ELLIPSE']);
/** A SCOORD3D's graphic types drawn on a plane (an ELLIPSOID as its cross-section). */
const GRAPHIC_TYPES_3D = new Set(['POINT', 'MULTIPOINT', 'POLYLINE', 'POLYGON', 'ELLIPSE', 'ELLIPSOID']);
const MAX_LABEL_LINES = 4;

/** One region a report measured, on one image of the study (by index): its shapes, its label and where that goes. */
export interface ReportRegion { index: number; shapes: Shape[]; points: number[]; beside: number[]; label?: string }

/**
 * The regions report `ds` measured on the images of the study it references (by `indexOf`), in image pixel coordinates
 * (0 at the top-left corner of the top-left pixel, as a report's and a presentation state's pixel coordinates are),
 * labelled with the measurements of the same group; its 3D coordinates (SCOORD3D, in the patient) on the images of
 * `planes` whose slab they pass through (0.23; regions3d); a coordinate on an image the study did not bring, in no image's
 * slab, of a type not drawn on a plane (a temporal TCOORD) or malformed, is left out.
 */
export function reportRegions(ds: DataSet, text: (d: DataSet, tag: string) => string | undefined,
  line: (item: DataSet) => string | undefined, indexOf: ImageIndex, planes: readonly ImagePlane[] = []): ReportRegion[] {
  const out: ReportRegion[] = [];
  let count = 0;
  const walk = (d: DataSet, depth: number) => {
    const children = items(d, 'x0040a730');
    for (const item of children) {
      if (++count > 20_000 || depth > 64) return;
      const type = valueType(item);
      const graphic = type === 'SCOORD' ? coordinates(item) : undefined;
      if (graphic) {
        const label = labelOf(item, d, children, line);
        for (const index of selectedFrom(item, text, indexOf)) out.push({ index, ...graphic, ...(label ? { label } : {}) });
      }
      if (type === 'SCOORD3D' && planes.length) {
        const label = labelOf(item, d, children, line);
        for (const region of regions3d(item, text, planes)) out.push({ ...region, ...(label ? { label } : {}) });
      }
      walk(item, depth + 1);
    }
  };
  walk(ds, 0);
  return out;
}

/** The marks of a study's reports on one image (`coordinates` of them), and how many of their regions there were not drawn. */
export interface ImageReportMarks { marks: Annotations; reports: string[]; notDrawn: number; coordinates: number }

/** The marks as the viewer is given them (OpenedImageInfo's `dicom.reportMarks`). */
export const reportMarksInfo = ({ marks, reports, notDrawn }: ImageReportMarks) => ({ ...marks, reports, ...(notDrawn ? { notDrawn } : {}) });

/**
 * Adds `region` of report `title` to `on`, the marks on its image: not drawn, but counted in `notDrawn`, where the
 * image would hold more shapes or coordinates than a presentation state may (LIMITS), so the viewer says so.
 */
export function addRegion(on: ImageReportMarks | undefined, region: ReportRegion, title: string): ImageReportMarks {
  const at = on ?? { marks: { graphics: [], texts: [], layers: [REPORT_LAYER] }, reports: [], notDrawn: 0, coordinates: 0 };
  if (!at.reports.includes(title)) at.reports.push(title);
  if (at.marks.graphics.length + region.shapes.length > LIMITS.graphics || at.coordinates + region.points.length > LIMITS.points) {
    at.notDrawn++;
    return at;
  }
  at.coordinates += region.points.length;
  at.marks.graphics.push(...region.shapes.map((g) => ({ layer: REPORT_LAYER.name, ...g, filled: false })));
  if (region.label && at.marks.texts.length < LIMITS.texts) {
    at.marks.texts.push({ layer: REPORT_LAYER.name, text: region.label.slice(0, LIMITS.text), anchor: region.beside, anchorShown: false });
  }
  return at;
}

type Shape = { type: 'POINT' | 'POLYLINE' | 'CIRCLE' | 'ELLIPSE'; points: number[] };

/** The right and top of points (x, y, x, y …): where a region's label goes beside. */
const topRight = (points: readonly number[]): [number, number] =>
  [Math.max(...points.filter((_, i) => i % 2 === 0)), Math.min(...points.filter((_, i) => i % 2 === 1))];

/** A SCOORD's shapes (MULTIPOINT as points) and where its label goes: right of its top right corner. */
function coordinates(item: DataSet): { shapes: Shape[]; points: number[]; beside: number[] } | undefined {
  const data = graphicData(item);
  if (!data || !GRAPHIC_TYPES.has(data.type)) return undefined;
  const { type, points } = data;
  const xs = points.filter((_, i) => i % 2 === 0), ys = points.filter((_, i) => i % 2 === 1);
  let [right, top] = topRight(points);
  if (type === 'CIRCLE') {
    if (points.length !== 4) return undefined;
    const r = Math.hypot(points[2]! - points[0]!, points[3]! - points[1]!);
    right = points[0]! + r;
    top = points[1]! - r;
  } else if (type === 'ELLIPSE' && points.length !== 8) {
    return undefined;
  }
  const shapes: Shape[] = type === 'MULTIPOINT' ? xs.map((x, i) => ({ type: 'POINT' as const, points: [x, ys[i]!] }))
    : [{ type: type as Shape['type'], points }];
  return { shapes, points, beside: [right + 2, top] };
}

/**
 * A SCOORD3D's regions on the images of its Frame of Reference (image-planes.ts): a point or an ellipse on each image
 * whose slab holds all of it, each of a MULTIPOINT's points on the images that hold it; a polyline or polygon (closed)
 * on each image where it passes through the slab, the part that lies there (0.24; before, only where all of it lay in
 * one slab); an ellipsoid as its cross-section (0.24; before, not drawn).
 */
function regions3d(item: DataSet, text: (d: DataSet, tag: string) => string | undefined, planes: readonly ImagePlane[]): Omit<ReportRegion, 'label'>[] {
  const data = graphicData(item, 3);
  const frame = text(item, 'x30060024');
  if (!data || !frame || !GRAPHIC_TYPES_3D.has(data.type)) return [];
  const { type, points } = data;
  if ((type === 'POINT' && points.length !== 3) || (type === 'ELLIPSE' && points.length !== 12)) return [];
  const mine = planes.filter((p) => p.frameOfReference === frame);
  const line = type === 'POLYGON' ? [...points, ...points.slice(0, 3)] : points;
  const parts = type === 'MULTIPOINT' ? Array.from({ length: points.length / 3 }, (_, i) => points.slice(3 * i, 3 * i + 3)) : [points];
  return parts.flatMap((part) => mine.flatMap((plane) => {
    let shapes: Shape[];
    if (type === 'POLYLINE' || type === 'POLYGON') shapes = polylineOnPlane(plane, line).map((xy) => ({ type: 'POLYLINE', points: xy }));
    else {
      const flat = type === 'ELLIPSOID' ? ellipsoidOnPlane(plane, part) : onPlane(plane, part);
      shapes = flat ? [{ type: type === 'MULTIPOINT' ? 'POINT' : type === 'ELLIPSOID' ? 'ELLIPSE' : type as Shape['type'], points: flat }] : [];
    }
    if (!shapes.length) return [];
    const all = shapes.flatMap((sh) => sh.points);
    let [right, top] = topRight(all);
    if (shapes[0]!.type === 'ELLIPSE') [, top, right] = ellipseBox(all); // its box, not its axes' ends
    return [{ index: plane.index, shapes, points: all, beside: [right + 2, top] }];
  }));
}

/** The images (by index) a SCOORD is selected from: its IMAGE child, each frame it names, else the image as a whole. */
function selectedFrom(item: DataSet, text: (d: DataSet, tag: string) => string | undefined, indexOf: ImageIndex): number[] {
  const image = items(item, 'x0040a730').find((c) => valueType(c) === 'IMAGE');
  const [ref] = image ? items(image, 'x00081199') : [];
  const sop = ref && text(ref, 'x00081155');
  if (!sop) return [];
  const frames = referencedFrames(ref, text);
  return [...new Set((frames.length ? frames.map((f) => indexOf(sop, f)) : [indexOf(sop)]).flatMap((i) => (i === undefined ? [] : [i])))];
}

/**
 * What a mark says: the measurements beside it in its group (TID 1500 puts a region beside its finding and measurements),
 * else the item it is a child of (a measurement "inferred from" it), else its own name ("Image Region").
 */
function labelOf(item: DataSet, parent: DataSet, siblings: DataSet[], line: (item: DataSet) => string | undefined): string | undefined {
  const measured = siblings.filter((s) => s !== item && valueType(s) === 'NUM').map(line).filter((l): l is string => !!l).slice(0, MAX_LABEL_LINES);
  if (measured.length) return measured.join('\n');
  if (valueType(parent) && valueType(parent) !== 'CONTAINER') return line(parent);
  return line(item)?.replace(/: \([^()]*\)$/, ''); // its name, not its coordinates in words
}
