/**
 * DICOM overlays as the viewer draws them (dicom/overlay.ts reads them; aeimg 0.17): one-bit planes over the image,
 * each set bit white. Shared by the viewer's canvas and its "Save view"/"Copy view".
 */

/** One DICOM overlay plane over an image: `rows` x `columns` bits from image row `top`, column `left` (0-based). */
export interface OverlayGraphic {
  name: string;
  rows: number;
  columns: number;
  top: number;
  left: number;
  /** Its bits row by row, least significant first, base64. */
  bits: string;
}

/**
 * DICOM overlays drawn into rendered RGBA pixels: each set bit white, as dcmtk draws graphics (replace, foreground
 * density 1); a plane's bits outside the image are not drawn.
 */
export function drawGraphics(graphics: readonly OverlayGraphic[], width: number, height: number, out: Uint8ClampedArray): void {
  for (const g of graphics) {
    const bits = Uint8Array.from(atob(g.bits), (c) => c.charCodeAt(0));
    for (let r = 0; r < g.rows; r++) {
      const y = g.top + r;
      if (y < 0 || y >= height) continue;
      for (let c = 0; c < g.columns; c++) {
        const x = g.left + c;
        const i = r * g.columns + c;
        if (x < 0 || x >= width || !((bits[i >> 3]! >> (i & 7)) & 1)) continue;
        out.fill(255, (y * width + x) * 4, (y * width + x) * 4 + 4);
      }
    }
  }
}
