/**
 * Plateaus at a plane's extremes that stand apart from the rest of the plane: a CT's padding outside the scanner's
 * field of view (−2000 or −3024 HU beside air at −1000), a saturated marker. The network would see the jump to them as
 * an edge of thousands of HU and ring along it, in the windows where both sides are not black (the lung window
 * shows air as grey and the padding as black). So it sees the plateau at the nearest value the rest of the plane has,
 * and the plateau goes beside it, exactly (codec/impulse-map.ts carries it, as it carries impulses; the denoised view
 * puts it back, as it does not put back impulses).
 */
import { extractChannel, mapColourPlanes, sampleRange, type Image } from './image.js';
import { smallClusters } from './impulses.js';

/**
 * A plateau stands apart when the gap between it and the nearest other value of its plane is at least this share of
 * the plane's range. CT padding at −2000 HU beside air at −1024 in a head reaching 3071 HU is 0.19 of it; noise and
 * anatomy fill every gap of a real image below 0.01.
 */
const GAP = 1 / 8;

export interface Plateaus {
  /** The image with every plateau sample at the nearest value of the rest of its plane; alpha as it is. */
  filled: Image;
  /** Per colour plane: 1 where the sample is in the dark plateau, 2 in the bright one, 0 elsewhere. */
  masks: Uint8Array[];
}

/**
 * The separated plateaus of each colour plane: the samples within `tolerance` of its minimum (or maximum), when every
 * other sample is at least GAP of the range above (below) them, in clusters larger than an impulse's (8-connected,
 * image/impulses.ts smallClusters). A plane of two values has none. Undefined when no plane has one.
 */
export function extremePlateaus(image: Image, tolerance = 0): Plateaus | undefined {
  const masks: Uint8Array[] = [];
  const filled = mapColourPlanes(image, (plane) => {
    const mask = new Uint8Array(plane.length);
    masks.push(mask);
    const [lo, hi] = sampleRange(plane);
    // The nearest values of the rest: above the dark plateau, below the bright one.
    let above = hi, below = lo;
    for (const v of plane) {
      if (v > lo + tolerance && v < above) above = v;
      if (v < hi - tolerance && v > below) below = v;
    }
    const gap = (hi - lo) * GAP;
    const dark = above - lo >= gap && above < hi;
    const bright = hi - below >= gap && below > lo;
    if (!dark && !bright) return plane;
    for (let i = 0; i < plane.length; i++) {
      if (dark && plane[i]! <= lo + tolerance) mask[i] = 1;
      else if (bright && plane[i]! >= hi - tolerance) mask[i] = 2;
    }
    // A cluster as small as an impulse is not a plateau: a reader of the map takes such clusters for impulses.
    for (const i of smallClusters(mask, image.width, image.height)) mask[i] = 0;
    for (let i = 0; i < plane.length; i++) if (mask[i]) plane[i] = mask[i] === 1 ? above : below;
    return plane;
  });
  return masks.some((m) => m.includes(1)) ? { filled, masks } : undefined;
}

/** `image` with `from`'s samples wherever `masks` mark a plateau (both of the same size); alpha as it is. */
export function withPlateaus(image: Image, from: Image, masks: readonly Uint8Array[]): Image {
  return mapColourPlanes(image, (plane, c) => {
    const mask = masks[c]!;
    const src = extractChannel(from, c);
    for (let i = 0; i < mask.length; i++) if (mask[i]) plane[i] = src[i]!;
    return plane;
  });
}
