/**
 * "Copy view" and "Save view as PNG": the viewport as the reader sees it (the image through the current window, zoom,
 * flip, rotation and pan: viewer/view-transform.ts, as on screen), optionally with the measurements and the corner overlays drawn in, as one PNG for the clipboard or a file.
 */
import type { Annotations, DisplayShutter, ImagePixels, OverlayGraphic } from '../../../src-shared/api';
import { annotationShapes, dashPattern, drawGraphics, drawPalette, drawShutter, type ColourPalette } from '../../../src-shared/graphics';
import type { EdgeLabels } from '../../../src-shared/orientation';
import type { ValueMapping } from '../../../src-shared/windows';
import { greyLut, renderRgba, type Window } from './display';
import type { Measurement, Point } from './measure';
import { toViewport, viewMatrix, type ViewGeometry } from './view-transform';

/** The view as on screen: the image, its window, and where it sits in the viewport (ViewGeometry: zoom, stretch, flip, turn, pan). */
export interface ViewSnapshot extends ViewGeometry {
  image: ImagePixels;
  /** In real-world units, with the mapping that takes samples there. */
  window: Window;
  mapping?: ValueMapping;
  invert: boolean;
  /** The image's DICOM overlays, where the reader shows them: drawn into the image, as on screen. */
  graphics?: OverlayGraphic[];
  /** Its Supplemental Palette Color LUT, as on screen. */
  palette?: ColourPalette;
  /** Its Display Shutter, where the reader shows it: as on screen. */
  shutter?: DisplayShutter;
  /** Presentation states' annotations, where the reader shows them: as on screen. */
  annotations?: Annotations[];
  /**
   * What must travel with any copy of the picture, overlays or not: a reduced-quality image's "not for primary
   * diagnosis", the denoised view's "not the image as sent", or both (0.50; before, the denoised view's band alone
   * replaced the reduced one). Each a band above the view, in order, as on screen (0.51; before, drawn over the
   * view's top rows, which hid up to 44 rows of a zoomed image).
   */
  warnings?: { text: string; kind: 'reduced' | 'denoised' }[];
  /** Drawn only when the reader asks for overlays. */
  overlays?: {
    marks: { m: Measurement; label: string }[];
    corners: { topLeft: string[]; topRight: string[]; bottomLeft: string[]; bottomRight: string[]; edges?: EdgeLabels };
  };
}

/** Each warning band's height, in pixels. */
export const WARNING_BAND = 22;

/** The view drawn on a new canvas of the viewport's size, with its warning bands above it (WARNING_BAND each). */
export function renderView(s: ViewSnapshot): HTMLCanvasElement {
  const view = renderViewport(s);
  const warnings = s.warnings ?? [];
  if (!warnings.length) return view;
  const out = document.createElement('canvas');
  out.width = view.width;
  out.height = view.height + WARNING_BAND * warnings.length;
  const ctx = out.getContext('2d')!;
  warnings.forEach((w, i) => drawWarning(ctx, w, out.width, i * WARNING_BAND));
  ctx.drawImage(view, 0, WARNING_BAND * warnings.length);
  return out;
}

/** The viewport as shown: the image through its window, turned, with what the reader shows over it. */
function renderViewport(s: ViewSnapshot): HTMLCanvasElement {
  const source = document.createElement('canvas');
  source.width = s.image.width;
  source.height = s.image.height;
  const sctx = source.getContext('2d')!;
  const data = sctx.createImageData(s.image.width, s.image.height);
  renderRgba(s.image, greyLut(s.image.bitDepth, s.window, s.mapping, s.invert), data.data);
  if (s.palette && s.image.channels === 1) drawPalette(s.palette, s.image.pixels, s.mapping?.offset ?? 0, data.data);
  if (s.shutter) drawShutter(s.shutter, s.image.width, s.image.height, data.data);
  if (s.graphics?.length) drawGraphics(s.graphics, s.image.width, s.image.height, data.data);
  sctx.putImageData(data, 0, 0);

  const out = document.createElement('canvas');
  out.width = Math.max(1, Math.round(s.viewport.width));
  out.height = Math.max(1, Math.round(s.viewport.height));
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.imageSmoothingEnabled = s.zoom < 2; // as the screen shows it: pixels stay square from 200%
  ctx.save();
  ctx.setTransform(...viewMatrix(s));
  ctx.drawImage(source, 0, 0);
  ctx.restore();
  if (s.annotations?.length) drawAnnotations(ctx, s.annotations, s);
  if (s.overlays) {
    drawMarks(ctx, s.overlays.marks, s);
    drawCorners(ctx, s.overlays.corners, out.width, out.height);
  }
  return out;
}

/** A warning band across the picture from `top` (red for reduced quality, amber for the denoised view, as on screen). */
function drawWarning(ctx: CanvasRenderingContext2D, w: NonNullable<ViewSnapshot['warnings']>[number], width: number, top: number): void {
  ctx.fillStyle = w.kind === 'reduced' ? '#b91c1c' : '#b45309';
  ctx.fillRect(0, top, width, WARNING_BAND);
  ctx.font = '600 13px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.fillStyle = '#fff';
  ctx.fillText(w.text, width / 2, top + 15, width - 8);
  ctx.textAlign = 'left';
}

/** A path through image points, on screen. */
function screenPath(ctx: CanvasRenderingContext2D, g: ViewGeometry, points: readonly Point[]) {
  points.forEach((p, i) => { const q = toViewport(g, p); ctx[i ? 'lineTo' : 'moveTo'](q.x, q.y); });
}

/** An ellipse given in image coordinates (centre, radii, its own rotation), on screen: turned and stretched as the image is. */
function imageEllipse(ctx: CanvasRenderingContext2D, g: ViewGeometry, cx: number, cy: number, rx: number, ry: number, angle = 0) {
  ctx.save();
  ctx.transform(...viewMatrix(g));
  ctx.translate(cx, cy);
  ctx.rotate((angle * Math.PI) / 180);
  ctx.ellipse(0, 0, rx, ry, 0, 0, 2 * Math.PI);
  ctx.restore(); // stroked after: the line keeps its screen width
}

function drawMarks(ctx: CanvasRenderingContext2D, marks: { m: Measurement; label: string }[], g: ViewGeometry) {
  ctx.strokeStyle = '#facc15';
  ctx.lineWidth = 1.5;
  ctx.font = '13px system-ui, sans-serif';
  for (const { m, label } of marks) {
    const { a, b } = m;
    const corners = [a, { x: b.x, y: a.y }, b, { x: a.x, y: b.y }];
    ctx.beginPath();
    if (m.kind === 'ruler') screenPath(ctx, g, [a, b]);
    else if (m.kind === 'rectangle') {
      screenPath(ctx, g, corners);
      ctx.closePath();
    } else imageEllipse(ctx, g, (a.x + b.x) / 2, (a.y + b.y) / 2, Math.abs(b.x - a.x) / 2, Math.abs(b.y - a.y) / 2);
    ctx.stroke();
    // The label right of the mark's lowest right corner on screen, as the SVG layer puts it.
    const shown = corners.map((p) => toViewport(g, p));
    if (label) outlinedText(ctx, label, Math.max(...shown.map((p) => p.x)) + 4, Math.max(...shown.map((p) => p.y)), '#facc15');
  }
}

/** Presentation states' annotations (src-shared/graphics.ts annotationShapes) in the viewport, as the SVG layer draws them. */
function drawAnnotations(ctx: CanvasRenderingContext2D, annotations: Annotations[], g: ViewGeometry) {
  const pairs = (p: readonly number[]) => Array.from({ length: Math.floor(p.length / 2) }, (_, i) => ({ x: p[2 * i]!, y: p[2 * i + 1]! }));
  ctx.font = '13px system-ui, sans-serif';
  // A filled shape at its Fill Style's opacity, its outline opaque.
  const fill = (opacity: number) => {
    ctx.globalAlpha = opacity;
    ctx.fill();
    ctx.globalAlpha = 1;
  };
  for (const s of annotations.flatMap(annotationShapes)) {
    ctx.strokeStyle = ctx.fillStyle = s.colour;
    // A graphic's line at its thickness and dashing (screen pixels), as the SVG layer draws it; a text's leader as before.
    ctx.lineWidth = s.kind === 'text' ? 1.5 : s.width;
    ctx.setLineDash(s.kind !== 'text' && s.dashed ? dashPattern(s.width) : []);
    ctx.beginPath();
    if (s.kind === 'path') {
      screenPath(ctx, g, pairs(s.points));
      if (s.closed) ctx.closePath();
      if (s.filled) fill(s.fillOpacity);
      ctx.stroke();
    } else if (s.kind === 'ellipse') {
      // The shape's own rotation in image coordinates; a non-square pixel stretches it vertically, as on screen.
      imageEllipse(ctx, g, s.cx, s.cy, s.rx, s.ry, s.angle);
      if (s.filled) fill(s.fillOpacity);
      ctx.stroke();
    } else if (s.kind === 'point') {
      const q = toViewport(g, s);
      ctx.moveTo(q.x - 4, q.y);
      ctx.lineTo(q.x + 4, q.y);
      ctx.moveTo(q.x, q.y - 4);
      ctx.lineTo(q.x, q.y + 4);
      ctx.stroke();
    } else {
      if (s.leader) {
        screenPath(ctx, g, pairs(s.leader));
        ctx.stroke();
      }
      // Upright on screen at its corner, as the SVG layer draws it.
      const q = toViewport(g, s);
      ctx.textAlign = s.align === 'middle' ? 'center' : s.align === 'end' ? 'right' : 'left';
      s.lines.forEach((line, k) => outlinedText(ctx, line, q.x, q.y + 13 * (1.15 * k + 1), s.colour));
      ctx.textAlign = 'left';
    }
  }
  ctx.setLineDash([]);
}

function drawCorners(ctx: CanvasRenderingContext2D, c: NonNullable<ViewSnapshot['overlays']>['corners'], width: number, height: number) {
  const line = 17, pad = 8;
  ctx.font = '12.5px system-ui, sans-serif';
  const column = (lines: string[], x: number, atTop: boolean, align: CanvasTextAlign) => {
    ctx.textAlign = align;
    lines.forEach((t, i) => outlinedText(ctx, t, x, atTop ? pad + line * (i + 1) - 4 : height - pad - line * (lines.length - 1 - i), '#e5e7eb'));
  };
  column(c.topLeft, pad, true, 'left');
  column(c.topRight, width - pad, true, 'right');
  column(c.bottomLeft, pad, false, 'left');
  column(c.bottomRight, width - pad, false, 'right');
  if (c.edges) { // the patient directions at the middle of each edge, as on screen
    ctx.font = '600 15px system-ui, sans-serif';
    ctx.textAlign = 'left';
    outlinedText(ctx, c.edges.left, pad, height / 2 + 5, '#e5e7eb');
    ctx.textAlign = 'right';
    outlinedText(ctx, c.edges.right, width - pad, height / 2 + 5, '#e5e7eb');
    ctx.textAlign = 'center';
    outlinedText(ctx, c.edges.top, width / 2, pad + 13, '#e5e7eb');
    outlinedText(ctx, c.edges.bottom, width / 2, height - pad, '#e5e7eb');
  }
  ctx.textAlign = 'left';
}

function outlinedText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, colour: string) {
  ctx.lineWidth = 3;
  ctx.strokeStyle = '#000';
  ctx.strokeText(text, x, y);
  ctx.fillStyle = colour;
  ctx.fillText(text, x, y);
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = '#facc15';
}

/** A canvas as a PNG. */
function pngBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the view could not be drawn as PNG.'))), 'image/png'));
}

/** Puts a canvas on the clipboard as a PNG image. */
export async function copyCanvas(canvas: HTMLCanvasElement): Promise<void> {
  await navigator.clipboard.write([new ClipboardItem({ 'image/png': await pngBlob(canvas) })]);
}

/** A canvas as PNG bytes ("Save view as PNG": main writes them where its dialog says). */
export async function canvasPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Uint8Array(await (await pngBlob(canvas)).arrayBuffer());
}
