/**
 * A whole-slide image's tiles put back together (aeimg 0.34). A VL Whole Slide Microscopy file stores one level of a
 * slide's pyramid as frames that are tiles of its Total Pixel Matrix (PS3.3 C.8.12.4, Dimension Organization Type
 * TILED_FULL: row by row, left to right, cropped by nothing, the last column and row of tiles running past the matrix).
 * A slide viewer shows the matrix; until 0.34 the reader got the tiles as separate images. Where the frames are all of
 * one focal plane and one optical path, and the matrix is within the pixel limit, they go as that one image.
 */
import type { DataSet } from 'dicom-parser';
import { allocPixels, type Image } from '../image/image.js';
import { megapixels } from '../image/io.js';
import { stringValue } from './dataset.js';

export const WHOLE_SLIDE_CLASS = '1.2.840.10008.5.1.4.1.1.77.1.6';

/** The slide's Total Pixel Matrix, and how many tiles make one of its rows. */
export interface SlideMatrix {
  width: number;
  height: number;
  across: number;
}

/**
 * The matrix that a whole-slide file's `frames` tiles (`columns` x `rows` each) make up, where they are all of it in
 * TILED_FULL order, of one focal plane and one optical path, and it holds at most `maxPixels`; else why not (the frames
 * then go as they are, and the sender is told). Undefined for any other file.
 */
export function slideMatrix(ds: DataSet, sopClassUid: string, frames: number, columns: number, rows: number, maxPixels: number):
  { matrix: SlideMatrix } | { why: string } | undefined {
  if (sopClassUid !== WHOLE_SLIDE_CLASS || frames < 2) return undefined;
  const width = ds.uint32('x00480006'), height = ds.uint32('x00480007');
  const organisation = stringValue(ds, 'x00209311').toUpperCase();
  if (organisation !== 'TILED_FULL') return { why: `they are ${organisation === 'TILED_SPARSE' ? 'placed frame by frame (TILED_SPARSE)' : 'in no order it states (no TILED_FULL)'}` };
  if (!width || !height) return { why: 'it does not state its Total Pixel Matrix' };
  if (width * height > maxPixels) return { why: `its ${width}x${height} matrix (${megapixels(width * height)}) is over the limit of ${megapixels(maxPixels)}` };
  const focalPlanes = ds.uint32('x00480303') ?? 1, opticalPaths = ds.uint32('x00480302') ?? 1;
  if (focalPlanes !== 1 || opticalPaths !== 1) return { why: `they are of ${focalPlanes} focal planes and ${opticalPaths} optical paths` };
  const across = Math.ceil(width / columns), down = Math.ceil(height / rows);
  if (across * down !== frames) return { why: `its ${width}x${height} matrix takes ${across * down} tiles of ${columns}x${rows}, not its ${frames}` };
  return { matrix: { width, height, across } };
}

/** The tiles, in TILED_FULL order and alike in size, channels and depth, as the matrix: each cropped where it runs past. */
export function assembleTiles(tiles: readonly Image[], matrix: SlideMatrix): Image {
  const { width: tw, height: th, channels, bitDepth } = tiles[0]!;
  const pixels = allocPixels(matrix.width, matrix.height, channels, bitDepth);
  tiles.forEach((tile, f) => {
    const x0 = (f % matrix.across) * tw, y0 = Math.floor(f / matrix.across) * th;
    const w = Math.min(tw, matrix.width - x0);
    for (let y = 0; y < th && y0 + y < matrix.height; y++) {
      pixels.set(tile.pixels.subarray(y * tw * channels, (y * tw + w) * channels), ((y0 + y) * matrix.width + x0) * channels);
    }
  });
  return { width: matrix.width, height: matrix.height, channels, bitDepth, pixels };
}
