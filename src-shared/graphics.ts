/**
 * What the viewer draws into a grey image besides its window (aeimg 0.17): DICOM overlays (dicom/overlay.ts reads them),
 * one-bit planes over the image, each set bit white; a Supplemental Palette Color LUT, the values it covers in
 * colour; and (0.18) a Display Shutter, the parts of the image it covers in its grey or colour. Shared by the viewer's canvas, its "Save view"/"Copy view" and the sender's preview.
 */

/** One DICOM overlay plane over an image: `rows` x `columns` bits from image row `top`, column `left` (0-based). */
export interface OverlayGraphic {
  name: string;
  /** Its group (0x6000 … 0x601E), by which a presentation state activates it. */
  group: number;
  /** The colour it is drawn in: its layer's under a presentation state that shows it (0.21), else white. */
  colour?: Rgb;
  rows: number;
  columns: number;
  top: number;
  left: number;
  /** Its bits row by row, least significant first, base64. */
  bits: string;
}

/** Each plane's bits, decoded from base64 once: the canvas redraws on every step of a window drag. */
const decoded = new WeakMap<OverlayGraphic, Uint8Array>();
function bitsOf(g: OverlayGraphic): Uint8Array {
  let bits = decoded.get(g);
  if (!bits) decoded.set(g, (bits = Uint8Array.from(atob(g.bits), (c) => c.charCodeAt(0))));
  return bits;
}

/**
 * DICOM overlays drawn into rendered RGBA pixels: each set bit in its colour, else white, as dcmtk draws graphics
 * (replace, foreground density 1); a plane's bits outside the image are not drawn.
 */
export function drawGraphics(graphics: readonly OverlayGraphic[], width: number, height: number, out: Uint8ClampedArray): void {
  for (const g of graphics) {
    const bits = bitsOf(g);
    const [red, green, blue] = g.colour ?? [255, 255, 255];
    for (let r = 0; r < g.rows; r++) {
      const y = g.top + r;
      if (y < 0 || y >= height) continue;
      for (let c = 0; c < g.columns; c++) {
        const x = g.left + c;
        const i = r * g.columns + c;
        if (x < 0 || x >= width || !((bits[i >> 3]! >> (i & 7)) & 1)) continue;
        const o = (y * width + x) * 4;
        [out[o], out[o + 1], out[o + 2], out[o + 3]] = [red, green, blue, 255];
      }
    }
  }
}

/** A Supplemental Palette Color LUT as the viewer applies it: red, green, blue, stored value `first` → `table[0]`, 8-bit. */
export type ColourPalette = { first: number; table: number[] }[];

/**
 * A grey image's values that its Supplemental Palette Color LUT covers, in their colours (red, green, blue: stored value
 * `first` → `table[0]`); the others stay as the window rendered them. `offset`: sample = stored + offset.
 */
export function drawPalette(palette: ColourPalette, samples: ArrayLike<number>, offset: number, out: Uint8ClampedArray): void {
  const [r, g, b] = palette;
  if (!r || !g || !b) return;
  for (let i = 0; i < samples.length; i++) {
    const k = samples[i]! - offset - r.first;
    if (k < 0 || k >= r.table.length) continue;
    out[i * 4] = r.table[k]!;
    out[i * 4 + 1] = g.table[Math.min(g.table.length - 1, Math.max(0, samples[i]! - offset - g.first))]!;
    out[i * 4 + 2] = b.table[Math.min(b.table.length - 1, Math.max(0, samples[i]! - offset - b.first))]!;
  }
}

/**
 * A DICOM Display Shutter (PS3.3 C.7.6.11, C.7.6.15): the parts of the image a reader is not meant to see (outside
 * an X-ray's collimation, a mammogram's breast), which a PACS covers with the shutter's grey or colour. Where the
 * file has several shapes, the image shows only where every one of them does. Rows and columns are 1-based, as in
 * the file.
 */
export interface DisplayShutter {
  /** Columns left..right and rows top..bottom show (inclusive). */
  rectangle?: { left: number; right: number; top: number; bottom: number };
  /** Pixels within `radius` of the centre show. */
  circle?: { row: number; column: number; radius: number };
  /** Pixels inside the polygon (closed from the last vertex back to the first) or on its edges show. */
  polygon?: { row: number; column: number }[];
  /** An overlay plane whose set bits are covered (a bitmap shutter). */
  bitmap?: OverlayGraphic;
  /** What covers the rest: red, green, blue. */
  colour: [number, number, number];
  /** The shapes, in words ("circular, rectangular"), for the reader's button. */
  name: string;
}

/** Whether pixel (row, column), 1-based, is inside the polygon or on an edge (even-odd rule at the pixel's centre). */
function insidePolygon(vertices: readonly { row: number; column: number }[], row: number, column: number): boolean {
  let inside = false;
  for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
    const a = vertices[i]!, b = vertices[j]!;
    const cross = (b.column - a.column) * (row - a.row) - (b.row - a.row) * (column - a.column);
    const within = Math.min(a.row, b.row) <= row && row <= Math.max(a.row, b.row) && Math.min(a.column, b.column) <= column && column <= Math.max(a.column, b.column);
    if (cross === 0 && within) return true;
    if ((a.row > row) !== (b.row > row) && column < a.column + ((row - a.row) * (b.column - a.column)) / (b.row - a.row)) inside = !inside;
  }
  return inside;
}

/** Whether the shutter covers pixel (y, x), 0-based. */
export function shuttered(s: DisplayShutter, y: number, x: number): boolean {
  const [row, column] = [y + 1, x + 1];
  const r = s.rectangle;
  if (r && (column < r.left || column > r.right || row < r.top || row > r.bottom)) return true;
  const c = s.circle;
  if (c && (row - c.row) ** 2 + (column - c.column) ** 2 > c.radius ** 2) return true;
  if (s.polygon && !insidePolygon(s.polygon, row, column)) return true;
  const b = s.bitmap;
  if (b) {
    const [br, bc] = [y - b.top, x - b.left];
    const i = br * b.columns + bc;
    if (br >= 0 && br < b.rows && bc >= 0 && bc < b.columns && (bitsOf(b)[i >> 3]! >> (i & 7)) & 1) return true;
  }
  return false;
}

/** Each shutter's mask at the size it was last drawn (1: covered): the canvas redraws on every step of a window drag. */
const masks = new WeakMap<DisplayShutter, { width: number; height: number; mask: Uint8Array }>();

/**
 * The shutter drawn into rendered RGBA pixels: every covered pixel in its colour. Drawn before the overlays, which a
 * viewer draws over it (PS3.4 N.2, the display pipeline: shutter, then overlays and annotations).
 */
export function drawShutter(s: DisplayShutter, width: number, height: number, out: Uint8ClampedArray): void {
  let m = masks.get(s);
  if (!m || m.width !== width || m.height !== height) {
    const mask = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) mask[y * width + x] = shuttered(s, y, x) ? 1 : 0;
    masks.set(s, (m = { width, height, mask }));
  }
  const [r, g, b] = s.colour;
  for (let i = 0; i < m.mask.length; i++) {
    if (!m.mask[i]) continue;
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  }
}

/**
 * A presentation state's annotations over one image (dicom/presentation-state.ts; aeimg 0.18), in image pixel
 * coordinates (0 at the top-left corner of the top-left pixel; x then y), as PS3.3 C.10.5 defines them in PIXEL units.
 */
export interface Annotations {
  /**
   * `colour` (0.20): the object's own (its Line Style, or a text's Text Style), which a PACS draws it in rather than its
   * layer's; `fillOpacity` (0.20): a filled shape's Fill Style opacity below 1 (the anatomy under it shows through);
   * `thickness` (0.21): its Line Style's Line Thickness in screen pixels, where given; `dashed` (0.21): its Line Dashing
   * Style DASHED.
   */
  graphics: {
    layer: string; type: 'POINT' | 'POLYLINE' | 'INTERPOLATED' | 'CIRCLE' | 'ELLIPSE'; points: number[]; filled: boolean; colour?: Rgb; fillOpacity?: number;
    thickness?: number; dashed?: true;
  }[];
  /** A text's `justify` (0.20): its Bounding Box Text Horizontal Justification where not LEFT. */
  texts: { layer: string; text: string; box?: number[]; anchor?: number[]; anchorShown: boolean; colour?: Rgb; justify?: 'RIGHT' | 'CENTER' }[];
  /** Its graphic layers: the order they are drawn in (lowest first), and the colour each recommends. */
  layers: { name: string; order: number; colour?: Rgb }[];
}

/**
 * Which of an image's DICOM overlays a presentation state shows (aeimg 0.21): those it activates (Overlay Activation
 * Layer, PS3.3 C.11.7), each in its layer; an overlay it does not activate is not displayed while the state is. A state
 * from a sender before 0.21 (no `overlays`) says nothing, and every overlay shows, as it did.
 */
export interface OverlayActivation {
  overlays?: { group: number; layer: string }[];
}

/** A presentation state as overlays are drawn under it: the overlays it activates, and (0.24) those it holds itself. */
export type OverlayState = OverlayActivation & Pick<Annotations, 'layers'> & { ownGraphics?: OverlayGraphic[] };

/**
 * The overlays drawn under `state` (undefined: none shown, every overlay as the image has it): those it activates, in
 * their layer's recommended colour (else white), in the image's order, then its own, each in place of the image's
 * overlay of its group.
 */
export function overlaysShown(graphics: readonly OverlayGraphic[] | undefined, state: OverlayState | undefined): OverlayGraphic[] | undefined {
  const own = state?.ownGraphics ?? [];
  if (!graphics && !own.length) return undefined;
  const all = [...(graphics ?? []).filter((g) => !own.some((o) => o.group === g.group)), ...own];
  if (!state?.overlays) return all;
  const layerOf = new Map(state.overlays.map((o) => [o.group, o.layer]));
  return all.flatMap((g) => {
    const layer = layerOf.get(g.group);
    if (layer === undefined) return [];
    const colour = state.layers.find((l) => l.name === layer)?.colour;
    return [colour ? { ...g, colour } : g];
  });
}

/**
 * The names of an image's overlays that `state` does not show (its PACS does not display them while it is shown):
 * those it does not activate, and those it replaces with one of its own in their group.
 */
export function overlaysHidden(graphics: readonly OverlayGraphic[] | undefined, state: OverlayState | undefined): string[] {
  const shown = new Set(overlaysShown(graphics, state)?.map((g) => g.group));
  const own = new Set(state?.ownGraphics?.map((g) => g.group));
  return (graphics ?? []).filter((g) => own.has(g.group) || !shown.has(g.group)).map((g) => g.name);
}

/** An 8-bit sRGB colour: red, green, blue. */
export type Rgb = [number, number, number];

/** What the viewer's SVG layer and "Save view" draw for annotations: shapes in image coordinates. */
export type AnnotationShape =
  | ({ kind: 'path'; points: number[]; closed: boolean; filled: boolean; colour: string; fillOpacity: number } & Stroke)
  | ({ kind: 'ellipse'; cx: number; cy: number; rx: number; ry: number; angle: number; filled: boolean; colour: string; fillOpacity: number } & Stroke)
  | ({ kind: 'point'; x: number; y: number; colour: string } & Stroke)
  | { kind: 'text'; lines: string[]; x: number; y: number; colour: string; align: 'start' | 'middle' | 'end'; leader?: [number, number, number, number] };

/** How a graphic's line is drawn: `width` screen pixels, dashed or solid. */
export interface Stroke { width: number; dashed: boolean }

/** A line without a thickness of its own: 1.5 screen pixels, as the viewer's own measurements are drawn. */
export const DEFAULT_LINE_WIDTH = 1.5;

/** A dashed line's pattern in screen pixels (dash, gap) for a line `width` wide: longer dashes for thicker lines. */
export const dashPattern = (width: number): [number, number] => [4 * Math.max(1.5, width), 3 * Math.max(1.5, width)];

/** Annotations without a layer colour are white, as dcmtk and most PACS draw them. */
const DEFAULT_ANNOTATION_COLOUR = '#ffffff';

/**
 * The shapes that draw annotations, layer by layer (Graphic Layer Order, lowest first): a polyline (closed where it
 * ends where it began) or an interpolated curve through its points, a circle (centre, then a point on it), an ellipse
 * (its major axis' ends, then its minor axis'), a point; text in its bounding box, else beside its anchor, with a
 * line from a shown anchor to its box.
 */
export function annotationShapes(a: Annotations): AnnotationShape[] {
  const layer = new Map(a.layers.map((l) => [l.name, l]));
  // An object's own colour, else its layer's recommended one, else white.
  const colourOf = (name: string, own?: Rgb) => {
    const c = own ?? layer.get(name)?.colour;
    return c ? `rgb(${c[0]}, ${c[1]}, ${c[2]})` : DEFAULT_ANNOTATION_COLOUR;
  };
  const orderOf = (name: string) => layer.get(name)?.order ?? 0;
  const shapes: { order: number; shape: AnnotationShape }[] = [];
  for (const g of a.graphics) {
    const p = g.points;
    const colour = colourOf(g.layer, g.colour);
    const fillOpacity = g.fillOpacity ?? 1;
    const stroke: Stroke = { width: g.thickness ?? DEFAULT_LINE_WIDTH, dashed: g.dashed === true };
    const push = (shape: AnnotationShape) => shapes.push({ order: orderOf(g.layer), shape });
    if (g.type === 'CIRCLE' && p.length >= 4) {
      const r = Math.hypot(p[2]! - p[0]!, p[3]! - p[1]!);
      push({ kind: 'ellipse', cx: p[0]!, cy: p[1]!, rx: r, ry: r, angle: 0, filled: g.filled, colour, fillOpacity, ...stroke });
    } else if (g.type === 'ELLIPSE' && p.length >= 8) {
      const [cx, cy] = [(p[0]! + p[2]!) / 2, (p[1]! + p[3]!) / 2];
      push({
        kind: 'ellipse', cx, cy, rx: Math.hypot(p[2]! - p[0]!, p[3]! - p[1]!) / 2, ry: Math.hypot(p[6]! - p[4]!, p[7]! - p[5]!) / 2,
        angle: (Math.atan2(p[3]! - p[1]!, p[2]! - p[0]!) * 180) / Math.PI, filled: g.filled, colour, fillOpacity, ...stroke,
      });
    } else if (g.type === 'POINT') {
      for (let i = 0; i + 1 < p.length; i += 2) push({ kind: 'point', x: p[i]!, y: p[i + 1]!, colour, ...stroke });
    } else if ((g.type === 'POLYLINE' || g.type === 'INTERPOLATED') && p.length >= 4) {
      const closed = p.length >= 6 && p[0] === p[p.length - 2] && p[1] === p[p.length - 1];
      push({ kind: 'path', points: p, closed, filled: g.filled && closed, colour, fillOpacity, ...stroke });
    }
  }
  for (const t of a.texts) {
    const colour = colourOf(t.layer, t.colour);
    const lines = t.text.split(/\r\n|\r|\n/);
    const [ax, ay] = t.anchor ?? [];
    let shape: AnnotationShape;
    if (t.box) {
      const [x0, y0, x1, y1] = t.box as [number, number, number, number];
      // The line from the anchor ends at the box's nearest point.
      const leader = t.anchorShown && ax !== undefined && ay !== undefined
        ? [ax, ay, Math.min(x1, Math.max(x0, ax)), Math.min(y1, Math.max(y0, ay))] as [number, number, number, number] : undefined;
      // Justified in its box as the state says: from the left edge, about the middle, or to the right edge.
      const [x, align] = t.justify === 'CENTER' ? [(x0 + x1) / 2, 'middle' as const] : t.justify === 'RIGHT' ? [x1, 'end' as const] : [x0, 'start' as const];
      shape = { kind: 'text', lines, x, y: y0, colour, align, ...(leader ? { leader } : {}) };
    } else {
      shape = { kind: 'text', lines, x: ax!, y: ay!, colour, align: 'start' };
    }
    shapes.push({ order: orderOf(t.layer), shape });
  }
  return shapes.sort((x, y) => x.order - y.order).map((s) => s.shape);
}

/**
 * What a reader is told of a report's regions on an image that are not drawn (0.23: more shapes or points than one
 * image holds, the limits of a presentation state): the regions drawn are then not all the report measured there.
 */
export const reportRegionsNotDrawn = (n: number) =>
  `${n} of the regions the report measured on this image ${n === 1 ? 'is' : 'are'} not drawn (more shapes or points than the viewer draws on one image): the report's text lists every region`;
