/** A non-square pixel is drawn as the screen shows it, stretched by its aspect: "Copy view" and the series strip's thumbnails. */
import { describe, expect, it } from 'vitest';
import { thumbnailPixels } from '../../src-renderer/src/viewer/thumbnail';
import { shownExtent, toImagePoint, toViewport, turnedEdges, turnText, type Rotation } from '../../src-renderer/src/viewer/view-transform';
import { useViewport, type ViewArea } from '../../src-renderer/src/viewer/viewport';
import type { ImagePixels } from '../../src-shared/api';

describe('the view of a non-square pixel', () => {
  it('is centred with its stretched height: the image\'s top is where the screen puts it', () => {
    const image = { width: 100, height: 100 } as ImagePixels;
    const view = { image, viewport: { width: 400, height: 400 }, zoom: 2, pan: { x: 10, y: -20 } };
    expect(toViewport(view, { x: 0, y: 0 })).toEqual({ x: 110, y: 80 }); // square: 200 × 200 about the centre, then the pan
    expect(toViewport({ ...view, aspect: 1.5 }, { x: 0, y: 0 })).toEqual({ x: 110, y: 30 }); // 200 wide, 300 high
  });
});

describe('a turned view (Rotate, Flip, or a presentation state\'s rotation and flip)', () => {
  // A 100 × 50 image at zoom 2 in a 400 × 400 viewport, panned 10 right.
  const view = { image: { width: 100, height: 50 }, viewport: { width: 400, height: 400 }, zoom: 2, pan: { x: 10, y: 0 } };
  const corners = [{ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 100, y: 50 }, { x: 0, y: 50 }];

  it('turned a quarter clockwise, the image\'s top-left corner is at the top right, its top edge down the right side', () => {
    const at = corners.map((p) => toViewport({ ...view, rotation: 90 }, p));
    // 100 wide becomes 200 high on screen, 50 high becomes 100 wide, about the centre (210, 200).
    expect(at).toEqual([{ x: 260, y: 100 }, { x: 260, y: 300 }, { x: 160, y: 300 }, { x: 160, y: 100 }]);
    expect(shownExtent(view.image, 1, 90)).toEqual({ width: 50, height: 100 });
  });

  it('flipped, the left edge is on the right; flipped then turned (the map\'s order: a state\'s file turns first, read as the other quarter turn)', () => {
    expect(toViewport({ ...view, flip: true }, { x: 0, y: 0 })).toEqual({ x: 310, y: 150 });
    // Flipped, (0, 0) is at the top right; a quarter turn clockwise takes the top right to the bottom right.
    expect(toViewport({ ...view, flip: true, rotation: 90 }, { x: 0, y: 0 })).toEqual({ x: 260, y: 300 });
  });

  it('says the turn as a PACS says a presentation state\'s: turned, then flipped (the same view as flipping, then the other quarter turn)', () => {
    expect(turnText(90, false)).toBe('rotated 90°');
    expect(turnText(0, true)).toBe('flipped left–right');
    expect(turnText(270, true)).toBe('rotated 90°, then flipped left–right'); // Rotate, then Flip: what the reader pressed
    expect(turnText(180, true)).toBe('rotated 180°, then flipped left–right');
    expect(turnText(0, false)).toBe('');
  });

  it('a pointer on screen is the image point drawn there, whatever the turn, stretch, zoom and pan', () => {
    for (const rotation of [0, 90, 180, 270] as const) {
      for (const flip of [false, true]) {
        const g = { ...view, aspect: 1.5, rotation, flip, pan: { x: -7, y: 13 } };
        for (const p of [{ x: 3.5, y: 40 }, { x: 99, y: 1 }]) {
          const back = toImagePoint(g, toViewport(g, p));
          expect([back.x, back.y].map((v) => Math.round(v * 1e9) / 1e9)).toEqual([p.x, p.y]);
        }
      }
    }
  });

  it('the patient directions go round with the image: an axial slice turned a quarter has the patient\'s right at the top', () => {
    const axial = { left: 'R', right: 'L', top: 'A', bottom: 'P' };
    expect(turnedEdges(axial, 90)).toEqual({ top: 'R', right: 'A', bottom: 'L', left: 'P' });
    expect(turnedEdges(axial, 0, true)).toEqual({ top: 'A', right: 'R', bottom: 'P', left: 'L' });
    expect(turnedEdges(axial, 180)).toEqual({ top: 'P', right: 'R', bottom: 'A', left: 'L' });
    // Each placement agrees with where the image's own edge midpoints land on screen.
    for (const rotation of [0, 90, 180, 270] as const) {
      for (const flip of [false, true]) {
        const g = { ...view, rotation, flip, pan: { x: 0, y: 0 } };
        const mids = { left: { x: 0, y: 25 }, right: { x: 100, y: 25 }, top: { x: 50, y: 0 }, bottom: { x: 50, y: 50 } };
        const screenSide = (p: { x: number; y: number }) => {
          const q = toViewport(g, p), [dx, dy] = [q.x - 200, q.y - 200];
          return Math.abs(dx) > Math.abs(dy) ? (dx < 0 ? 'left' : 'right') : dy < 0 ? 'top' : 'bottom';
        };
        const turned = turnedEdges(axial, rotation, flip);
        for (const side of ['left', 'right', 'top', 'bottom'] as const) expect(turned[screenSide(mids[side])], `${rotation} ${flip} ${side}`).toBe(axial[side]);
      }
    }
  });
});

describe('the thumbnail of a non-square pixel', () => {
  /** A 128 × 128 image whose rows 0..63 are 0 and 64..127 are 1000, and whose last 8 columns are 2000. */
  const image = (() => {
    const pixels = new Uint16Array(128 * 128);
    for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) pixels[y * 128 + x] = x >= 120 ? 2000 : y < 64 ? 0 : 1000;
    return { width: 128, height: 128, channels: 1, bitDepth: 16, pixels } as unknown as ImagePixels;
  })();

  it('has the proportions the viewer shows: rows 1.0 mm apart and columns 0.5 mm are half as wide as high', () => {
    const square = thumbnailPixels(image);
    expect([square.width, square.height]).toEqual([64, 64]);
    const tall = thumbnailPixels(image, 2);
    expect([tall.width, tall.height]).toEqual([32, 64]);
    const wide = thumbnailPixels(image, 0.5);
    expect([wide.width, wide.height]).toEqual([64, 32]);
  });

  it('samples the whole image: the top half\'s value in its top half, the bottom\'s below, the last columns at the right', () => {
    const tall = thumbnailPixels(image, 2);
    const at = (x: number, y: number) => tall.pixels[y * tall.width + x];
    expect([at(0, 0), at(0, 31), at(0, 32), at(0, 63), at(31, 40)]).toEqual([0, 0, 1000, 1000, 2000]);
  });
});

describe('a presentation state\'s displayed area', () => {
  it('fits the area, not the image, centred in the viewport, whatever the turn; the reader\'s fit without it fits the whole image', () => {
    const image = { width: 200, height: 100 };
    for (const rotation of [0, 90, 180, 270] as const) {
      for (const flip of [false, true]) {
        let area: ViewArea | undefined = { x0: 20, y0: 10, x1: 60, y1: 50 }; // 40 × 40 image pixels
        const v = useViewport(() => image, () => 1, () => rotation as Rotation, () => flip, () => area);
        v.setViewport(400, 300);
        expect(v.zoom.value).toBe(7.5); // 300 / 40
        const g = { image, viewport: { width: 400, height: 300 }, zoom: v.zoom.value, pan: v.pan.value, rotation, flip };
        const centre = toViewport(g, { x: 40, y: 30 });
        expect([centre.x, centre.y].map((n) => Math.round(n * 1e9) / 1e9)).toEqual([200, 150]);
        area = { ...area, magnify: 3 };
        v.fit();
        expect(v.zoom.value).toBe(3);
        area = undefined;
        v.fit();
        expect([v.zoom.value, v.pan.value]).toEqual([rotation % 180 ? 1.5 : 2, { x: 0, y: 0 }]);
      }
    }
  });
});
