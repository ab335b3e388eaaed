/**
 * Enhanced multi-frame images (Enhanced CT/MR/XA...) keep rescale, window, position, pixel spacing, slice thickness and display shutter
 * per frame, in the Shared and Per-frame Functional Groups Sequences (5200,9229 / 5200,9230; PS3.3 C.7.6.16) instead of
 * at the top level.
 */
import type { DataSet } from 'dicom-parser';
import { voiFunctionOf, type DisplayWindow } from '../../../src-shared/windows.js';
import { datasetToJson, type DicomJson, stringValue } from './dataset.js';
import { SHUTTER_TAGS, shutterAttributes } from './shutter.js';

/** What one frame's functional groups say; absent fields fall back to the top-level attributes. */
export interface FrameValues {
  rescaleSlope?: number;
  rescaleIntercept?: number;
  /** Its Rescale Type, where its Pixel Value Transformation says one (a perfusion map's US: not HU). */
  rescaleType?: string;
  /** The items of its Real World Value Mapping functional group (dicom/real-world.ts reads them at import). */
  realWorldItems?: (DataSet | undefined)[];
  /** Its VOI window, and the VOI LUT Function its Frame VOI LUT macro names for it (where not LINEAR). */
  window?: { center: number; width: number; fn?: DisplayWindow['fn'] };
  /** Image Position (Patient), mm: the centre of the frame's first pixel. */
  position?: number[];
  /** Pixel Spacing, mm: between rows, then between columns. */
  pixelSpacing?: [number, number];
  /** Slice Thickness, mm (its Pixel Measures macro's, as a classic image has it at the top level). */
  sliceThickness?: number;
  /** Image Orientation (Patient): the directions of a row and of a column (six direction cosines). */
  orientation?: number[];
  /**
   * Its Frame Display Shutter (0018,9472; an Enhanced XA or XRF frame's collimation): the Display Shutter attributes as
   * a classic image has them at the top level (DICOM JSON), so that the viewer covers what its reader's PACS covers.
   */
  shutter?: DicomJson;
}

const numbers = (ds: DataSet | undefined, tag: string): number[] =>
  (ds?.string(tag) ?? '').split('\\').filter((s) => s.trim() !== '').map(Number).filter(Number.isFinite);

const firstItem = (ds: DataSet | undefined, tag: string) => ds?.elements[tag]?.items?.[0]?.dataSet;

/** The macro `tag` of the frame's own functional group, else of the shared one (per-frame wins, C.7.6.16.1). */
function macro(perFrame: DataSet | undefined, shared: DataSet | undefined, tag: string): DataSet | undefined {
  return firstItem(perFrame, tag) ?? firstItem(shared, tag);
}

function valuesOf(perFrame: DataSet | undefined, shared: DataSet | undefined): FrameValues {
  const out: FrameValues = {};
  const transform = macro(perFrame, shared, 'x00289145'); // Pixel Value Transformation Sequence
  const [slope] = numbers(transform, 'x00281053');
  const [intercept] = numbers(transform, 'x00281052');
  if (slope !== undefined) out.rescaleSlope = slope;
  if (intercept !== undefined) out.rescaleIntercept = intercept;
  const type = transform ? stringValue(transform, 'x00281054') : '';
  if (type) out.rescaleType = type;
  const mapping = (perFrame?.elements.x00409096 ?? shared?.elements.x00409096)?.items?.map((i) => i.dataSet);
  if (mapping?.length) out.realWorldItems = mapping;
  const voi = macro(perFrame, shared, 'x00289132'); // Frame VOI LUT Sequence
  const [center] = numbers(voi, 'x00281050');
  const [width] = numbers(voi, 'x00281051');
  const fn = voiFunctionOf(voi?.string('x00281056'));
  if (center !== undefined && width !== undefined && width > 0) out.window = { center, width, ...(fn ? { fn } : {}) };
  const position = numbers(macro(perFrame, shared, 'x00209113'), 'x00200032'); // Plane Position Sequence
  if (position.length === 3) out.position = position;
  const orientation = numbers(macro(perFrame, shared, 'x00209116'), 'x00200037'); // Plane Orientation Sequence
  if (orientation.length === 6) out.orientation = orientation;
  const measures = macro(perFrame, shared, 'x00289110'); // Pixel Measures Sequence
  const [row, column] = numbers(measures, 'x00280030');
  if (row !== undefined && column !== undefined && row > 0 && column > 0) out.pixelSpacing = [row, column];
  const [thickness] = numbers(measures, 'x00180050');
  if (thickness !== undefined && thickness > 0) out.sliceThickness = thickness;
  const shutter = macro(perFrame, shared, 'x00189472'); // Frame Display Shutter Sequence
  if (shutter) {
    const attributes = shutterAttributes(datasetToJson(shutter));
    if (attributes[SHUTTER_TAGS[0]]) out.shutter = attributes;
  }
  return out;
}

/** Each frame's values, or undefined for a file without functional groups. */
export function readFrameValues(ds: DataSet, frames: number): FrameValues[] | undefined {
  const shared = firstItem(ds, 'x52009229');
  const perFrame = ds.elements.x52009230?.items ?? [];
  if (!shared && perFrame.length === 0) return undefined;
  return Array.from({ length: frames }, (_, f) => valuesOf(perFrame[f]?.dataSet, shared));
}
