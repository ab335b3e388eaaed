/**
 * A whole-slide image's tiles put back together (aeimg 0.34). A VL Whole Slide Microscopy file stores one level of a
 * slide's pyramid as frames that are tiles of its Total Pixel Matrix (PS3.3 C.8.12.4). Dimension Organization Type
 * TILED_FULL orders them row by row, left to right, the last column and row of tiles running past the matrix;
 * TILED_SPARSE places each by its Plane Position (Slide) (0048,021A) in its per-frame functional group. A slide viewer
 * shows the matrix; until 0.34 the reader got the tiles as separate images. Where the frames are of one focal plane
 * and one optical path, cover the whole matrix, and the matrix is within the pixel limit, they go as that one image.
 */
import type { DataSet } from 'dicom-parser';
import { allocPixels, type Image } from '../image/image.js';
import { megapixels } from '../image/dimensions.js';
import { stringValue } from './dataset.js';

export const WHOLE_SLIDE_CLASS = '1.2.840.10008.5.1.4.1.1.77.1.6';

/** The slide's Total Pixel Matrix, and where each frame's top-left pixel lies in it (0-based column, row). */
export interface SlideMatrix {
  width: number;
  height: number;
  places: [number, number][];
}

/**
 * The matrix that a whole-slide file's `frames` tiles (`columns` x `rows` each) make up, where they are of one focal
 * plane and one optical path, in TILED_FULL order or placed (TILED_SPARSE), cover all of it, and it holds at most
 * `maxPixels`; else why not (the frames then go as they are, and the sender is told). Undefined for any other file.
 */
export function slideMatrix(ds: DataSet, sopClassUid: string, frames: number, columns: number, rows: number, maxPixels: number):
  { matrix: SlideMatrix } | { why: string } | undefined {
  if (sopClassUid !== WHOLE_SLIDE_CLASS || frames < 2) return undefined;
  const width = ds.uint32('x00480006'), height = ds.uint32('x00480007');
  if (!width || !height) return { why: 'it does not state its Total Pixel Matrix' };
  if (width * height > maxPixels) return { why: `its ${width}x${height} matrix (${megapixels(width * height)}) is over the limit of ${megapixels(maxPixels)}` };
  const focalPlanes = ds.uint32('x00480303') ?? 1, opticalPaths = ds.uint32('x00480302') ?? 1;
  if (focalPlanes !== 1 || opticalPaths !== 1) return { why: `they are of ${focalPlanes} focal planes and ${opticalPaths} optical paths` };
  const organisation = stringValue(ds, 'x00209311').toUpperCase();
  let places: [number, number][];
  if (organisation === 'TILED_FULL') {
    const across = Math.ceil(width / columns), down = Math.ceil(height / rows);
    if (across * down !== frames) return { why: `its ${width}x${height} matrix takes ${across * down} tiles of ${columns}x${rows}, not its ${frames}` };
    places = Array.from({ length: frames }, (_, f) => [(f % across) * columns, Math.floor(f / across) * rows]);
  } else if (organisation === 'TILED_SPARSE') {
    const placed = sparsePlaces(ds, frames);
    if (!placed) return { why: 'they are placed frame by frame (TILED_SPARSE), and not every frame says where' };
    // What a viewer shows where no tile is (white, black) is the viewer's: aeimg does not make it up.
    if (!covers(placed, columns, rows, width, height)) return { why: `they leave parts of its ${width}x${height} matrix uncovered` };
    places = placed;
  } else {
    return { why: 'they are in no order it states (neither TILED_FULL nor TILED_SPARSE)' };
  }
  return { matrix: { width, height, places } };
}

/**
 * Each frame's top-left pixel (0-based), from the Column and Row Position In Total Image Pixel Matrix (0048,021E /
 * 021F, 1-based) of the Plane Position (Slide) in its per-frame functional group; undefined where a frame has none.
 */
function sparsePlaces(ds: DataSet, frames: number): [number, number][] | undefined {
  const items = ds.elements.x52009230?.items ?? [];
  if (items.length !== frames) return undefined;
  const places: [number, number][] = [];
  for (const item of items) {
    const position = item.dataSet?.elements.x0048021a?.items?.[0]?.dataSet;
    const column = position?.elements.x0048021e ? position.int32('x0048021e') : undefined;
    const row = position?.elements.x0048021f ? position.int32('x0048021f') : undefined;
    if (column === undefined || row === undefined) return undefined;
    places.push([column - 1, row - 1]);
  }
  return places;
}

/** Whether tiles of `columns` x `rows` at `places` cover every pixel of the matrix. */
function covers(places: readonly [number, number][], columns: number, rows: number, width: number, height: number): boolean {
  const covered = new Uint8Array(width * height);
  for (const [x0, y0] of places) {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + rows); y++) {
      if (x0 < width && x0 + columns > 0) covered.fill(1, y * width + Math.max(0, x0), y * width + Math.min(width, x0 + columns));
    }
  }
  return covered.every((c) => c === 1);
}

/** The tiles, alike in size, channels and depth, put in their places in the matrix, each cropped where it runs past. */
export function assembleTiles(tiles: readonly Image[], matrix: SlideMatrix): Image {
  const { width: tw, height: th, channels, bitDepth } = tiles[0]!;
  const pixels = allocPixels(matrix.width, matrix.height, channels, bitDepth);
  tiles.forEach((tile, f) => {
    const [x0, y0] = matrix.places[f]!;
    const from = Math.max(0, -x0), to = Math.min(tw, matrix.width - x0);
    if (to <= from) return;
    for (let y = Math.max(0, -y0); y < th && y0 + y < matrix.height; y++) {
      pixels.set(tile.pixels.subarray((y * tw + from) * channels, (y * tw + to) * channels), ((y0 + y) * matrix.width + x0 + from) * channels);
    }
  });
  return { width: matrix.width, height: matrix.height, channels, bitDepth, pixels };
}
