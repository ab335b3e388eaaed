/**
 * What the viewer draws into a grey image besides its window (aeimg 0.17): DICOM overlays (dicom/overlay.ts reads them),
 * one-bit planes over the image, each set bit white; and a Supplemental Palette Color LUT, the values it covers in
 * colour. Shared by the viewer's canvas, its "Save view"/"Copy view" and the sender's preview.
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

/** Each plane's bits, decoded from base64 once: the canvas redraws on every step of a window drag. */
const decoded = new WeakMap<OverlayGraphic, Uint8Array>();
function bitsOf(g: OverlayGraphic): Uint8Array {
  let bits = decoded.get(g);
  if (!bits) decoded.set(g, (bits = Uint8Array.from(atob(g.bits), (c) => c.charCodeAt(0))));
  return bits;
}

/**
 * DICOM overlays drawn into rendered RGBA pixels: each set bit white, as dcmtk draws graphics (replace, foreground
 * density 1); a plane's bits outside the image are not drawn.
 */
export function drawGraphics(graphics: readonly OverlayGraphic[], width: number, height: number, out: Uint8ClampedArray): void {
  for (const g of graphics) {
    const bits = bitsOf(g);
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
