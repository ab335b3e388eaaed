/**
 * Where an image sits on screen: zoomed about its centre (a non-square pixel stretched vertically by its aspect),
 * flipped left to right, then turned clockwise, then moved by the pan from the viewport's centre. One affine map,
 * used by the canvas's CSS transform, the pointer's image coordinates and "Save view", so all three agree. A
 * presentation state's file turns first and flips after (PS3.3 C.10.6); the engine converts its rotation to this
 * order when it reads one (src-shared/orientation.ts viewerRotation), and turnText says it in the file's order.
 */
import { viewerRotation, type EdgeLabels } from '../../../src-shared/orientation';
import type { Point } from './measure';

/** Clockwise, in degrees. */
export type Rotation = 0 | 90 | 180 | 270;

export interface ViewGeometry {
  /** The image's size in pixels. */
  image: { width: number; height: number };
  /** The viewport's size in CSS pixels. */
  viewport: { width: number; height: number };
  zoom: number;
  /** A pixel's displayed height over its width (1 when square). */
  aspect?: number;
  pan: Point;
  rotation?: Rotation;
  /** Flipped left to right (before the rotation). */
  flip?: boolean;
}

/** The affine map image → viewport as [a, b, c, d, e, f] (x' = a x + c y + e, y' = b x + d y + f), as canvas and CSS take it. */
export function viewMatrix(g: ViewGeometry): [number, number, number, number, number, number] {
  const t = ((g.rotation ?? 0) * Math.PI) / 180;
  const [cos, sin] = [Math.round(Math.cos(t)), Math.round(Math.sin(t))]; // quarter turns: exact
  const sx = g.zoom * (g.flip ? -1 : 1), sy = g.zoom * (g.aspect ?? 1);
  // Linear part: rotate · flip · scale.
  const [a, b, c, d] = [cos * sx, sin * sx, -sin * sy, cos * sy];
  const [cx, cy] = [g.image.width / 2, g.image.height / 2];
  const e = g.viewport.width / 2 + g.pan.x - (a * cx + c * cy);
  const f = g.viewport.height / 2 + g.pan.y - (b * cx + d * cy);
  return [a, b, c, d, e, f];
}

/** An image point on screen (viewport coordinates). */
export function toViewport(g: ViewGeometry, p: Point): Point {
  const [a, b, c, d, e, f] = viewMatrix(g);
  return { x: a * p.x + c * p.y + e, y: b * p.x + d * p.y + f };
}

/** The image point under a viewport point (continuous image pixel coordinates). */
export function toImagePoint(g: ViewGeometry, q: Point): Point {
  const [a, b, c, d, e, f] = viewMatrix(g);
  const det = a * d - b * c;
  const [x, y] = [q.x - e, q.y - f];
  return { x: (d * x - c * y) / det, y: (a * y - b * x) / det };
}

/** The image's extent on screen at zoom 1 (turned a quarter, its width and height trade places). */
export function shownExtent(image: { width: number; height: number }, aspect = 1, rotation: Rotation = 0): { width: number; height: number } {
  const [w, h] = [image.width, image.height * aspect];
  return rotation % 180 ? { width: h, height: w } : { width: w, height: h };
}

/** The patient directions at the screen's edges once the image is flipped, then turned clockwise. */
export function turnedEdges(edges: EdgeLabels, rotation: Rotation = 0, flip = false): EdgeLabels {
  const e = flip ? { ...edges, left: edges.right, right: edges.left } : edges;
  switch (rotation) {
    case 90: return { top: e.left, right: e.top, bottom: e.right, left: e.bottom };
    case 180: return { top: e.bottom, right: e.left, bottom: e.top, left: e.right };
    case 270: return { top: e.right, right: e.bottom, bottom: e.left, left: e.top };
    default: return e;
  }
}

/**
 * "rotated 90°, then flipped left–right": how the view is turned, for the corner and the stage's label (empty when
 * upright), in a presentation state's order (turned, then flipped), as a PACS says it and as the reader pressed Rotate
 * and then Flip; the same view is this map's flip and then the other quarter turn.
 */
export function turnText(rotation: Rotation = 0, flip = false): string {
  const turned = viewerRotation(rotation, flip);
  return [turned ? `rotated ${turned}°` : '', flip ? `${turned ? 'then ' : ''}flipped left–right` : ''].filter(Boolean).join(', ');
}
