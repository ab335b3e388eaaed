/**
 * Plateaus: regions of one value that the network should not have to rebuild, carried beside the latent exactly
 * (codec/impulse-map.ts, as it carries impulses; the denoised view puts them back, as it does not put back impulses).
 *  - At a plane's extreme, standing apart from the rest: a CT's padding outside the scanner's field of view (−2000 or
 *    −3024 HU beside air at −1000), a saturated marker. The network would see the jump to them as an edge of thousands
 *    of HU and ring along it, in the windows where both sides are not black (the lung window shows air as grey and the
 *    padding as black). So it sees the plateau at the nearest value the rest of the plane has.
 *  - Over 8 bits, a large flat region that a reader's window shows (a fifth of the plane at one value): the network
 *    gives it back with its own texture, which a window on it shows (codec/beside-latent.ts keeps it only then).
 */
import { colourChannels, extractChannel, mapColourPlanes, sampleRange, type Image } from './image.js';
import { smallClusters } from './impulses.js';

/**
 * A plateau stands apart when the gap between it and the nearest other value of its plane is at least this share of
 * the plane's range. CT padding at −2000 HU beside air at −1024 in a head reaching 3071 HU is 0.19 of it; noise and
 * anatomy fill every gap of a real image below 0.01.
 */
const GAP = 1 / 8;

/**
 * The smallest cluster taken for a plateau (8-connected, of one slot). Padding and flat regions come in thousands of
 * samples; salt-and-pepper noise at 5% makes clusters of up to 10 or so at the extremes, which the network sees as
 * before (the repair takes those of up to 4 for impulses), and a reader of the map takes clusters of up to 4 for
 * impulses, not plateaus.
 */
const MIN_CLUSTER = 64;

/**
 * A flat region is a plateau too when its value holds at least this share of a plane (in clusters of MIN_CLUSTER or
 * more) and a reader's window shows it: a CT ankle's outside-the-body region set to −896 HU, 73% of the frame, which
 * the network gave back 24 grey levels (RMS) off in the lung window, where it is grey. No slice of `slices16/val` has
 * one (mean shares of the most frequent value per source: 0.04, 0.11, 0.00); 8-bit images are not looked at.
 */
const FLAT_SHARE = 0.2;

/** One histogram for every plane of every image (a batch of slices would otherwise leave 256 KB of garbage each). */
const HISTOGRAM = new Uint32Array(65536);

export interface Plateaus {
  /** The image with every separated plateau's samples at the nearest value of the rest of its plane; alpha as it is. */
  filled: Image;
  /** Per colour plane: 1 where the sample is in the plateau of the dark slot, 2 in that of the bright one, else 0. */
  masks: Uint8Array[];
  /** Per colour plane: the value of each slot's plateau, dark then bright (the plane's minimum, maximum if unused). */
  values: [number, number][];
  /** Per colour plane: the slot its flat plateau took, 0 for none (in `masks`, not filled). */
  flats: (0 | 1 | 2)[];
}

/**
 * The plateaus of each colour plane, in clusters of at least MIN_CLUSTER samples:
 *  - separated: the samples within `tolerance` of the plane's minimum (maximum), when every other sample is at least
 *    GAP of the range above (below) them; they take the dark (bright) slot, and `filled` has them at the nearest
 *    value of the rest. A plane of two values has none.
 *  - flat (only with `shows`, for an image of more than 8 bits): the plane's most frequent value, when it is neither
 *    its minimum nor its maximum (a noise clipped at an extreme makes plateaus there), `shows(value)`, and it holds
 *    FLAT_SHARE of the plane, in a slot left free; `filled` keeps it (it is no edge).
 * Undefined when no plane has one.
 */
export function findPlateaus(image: Image, tolerance = 0, shows?: (sample: number) => boolean): Plateaus | undefined {
  if (!mayHavePlateaus(image, tolerance, shows !== undefined)) return undefined;
  const masks: Uint8Array[] = [];
  const values: [number, number][] = [];
  const flats: (0 | 1 | 2)[] = [];
  const filled = mapColourPlanes(image, (plane) => {
    const mask = new Uint8Array(plane.length);
    masks.push(mask);
    const { lo, hi, above, below, dark, bright } = separation(plane, 0, 1, tolerance);
    values.push([lo, hi]);
    for (let i = 0; i < plane.length; i++) {
      if (dark && plane[i]! <= lo + tolerance) mask[i] = 1;
      else if (bright && plane[i]! >= hi - tolerance) mask[i] = 2;
    }
    for (const i of smallClusters(mask, image.width, image.height, MIN_CLUSTER - 1)) mask[i] = 0;
    for (let i = 0; i < plane.length; i++) if (mask[i]) plane[i] = mask[i] === 1 ? above : below;
    const slot = dark ? 2 : 1;
    flats.push(shows && image.bitDepth > 8 && !(dark && bright) && flatPlateau(plane, mask, image.width, image.height, slot, shows, values.at(-1)!) ? slot : 0);
    return plane;
  });
  return masks.some((m) => m.some((k) => k !== 0)) ? { filled, masks, values, flats } : undefined;
}

/**
 * A plane's extremes (samples `offset`, `offset + stride`, …), the nearest values of the rest (above the dark extreme's
 * samples within `tolerance`, below the bright one's), and whether either extreme stands apart by GAP of the range.
 */
function separation(samples: ArrayLike<number>, offset: number, stride: number, tolerance: number) {
  const [lo, hi] = sampleRange(samples, offset, stride);
  let above = hi, below = lo;
  for (let i = offset; i < samples.length; i += stride) {
    const v = samples[i]!;
    if (v > lo + tolerance && v < above) above = v;
    if (v < hi - tolerance && v > below) below = v;
  }
  const gap = (hi - lo) * GAP;
  return { lo, hi, above, below, dark: above - lo >= gap && above < hi, bright: hi - below >= gap && below > lo };
}

/**
 * Whether some colour plane passes findPlateaus' tests on values alone (a gap at an extreme, or a frequent enough value
 * between them), before any cluster is looked at: most images pass none, and are then not copied at all.
 */
function mayHavePlateaus(image: Image, tolerance: number, flats: boolean): boolean {
  const { pixels, channels: n } = image;
  const count = image.width * image.height;
  for (let c = 0; c < colourChannels(image); c++) {
    const { lo, hi, dark, bright } = separation(pixels, c, n, tolerance);
    if (dark || bright) return true;
    if (!flats || image.bitDepth <= 8) continue;
    const hist = HISTOGRAM.fill(0);
    for (let i = c; i < pixels.length; i += n) hist[pixels[i]!]!++;
    for (let v = lo + 1; v < hi; v++) if (hist[v]! >= FLAT_SHARE * count) return true;
  }
  return false;
}

/** The plateaus without plane c's flat one (its slot back at the plane's extreme); undefined when none is left. */
export function withoutFlat(p: Plateaus, c: number, range: readonly [number, number]): Plateaus | undefined {
  const slot = p.flats[c];
  if (!slot) return p;
  const masks = p.masks.map((m, k) => (k === c ? m.map((v) => (v === slot ? 0 : v)) : m));
  const values = p.values.map((v, k) => (k === c ? (slot === 1 ? [range[0], v[1]] : [v[0], range[1]]) as [number, number] : v));
  const flats = p.flats.map((f, k) => (k === c ? 0 : f));
  return masks.some((m) => m.some((k) => k !== 0)) ? { ...p, masks, values, flats } : undefined;
}

/** Marks the plane's most frequent value as a plateau in `slot` of `mask` and `values`, if it is one (findPlateaus). */
function flatPlateau(plane: Uint8Array | Uint16Array, mask: Uint8Array, width: number, height: number, slot: 1 | 2,
  shows: (sample: number) => boolean, values: [number, number]): boolean {
  const hist = HISTOGRAM.fill(0);
  for (let i = 0; i < plane.length; i++) if (!mask[i]) hist[plane[i]!]!++;
  let mode = 0;
  for (let v = 1; v < hist.length; v++) if (hist[v]! > hist[mode]!) mode = v;
  // A plateau at an extreme that does not stand apart is not taken: a noise's clipping makes those.
  if (mode === values[0] || mode === values[1] || hist[mode]! < FLAT_SHARE * plane.length || !shows(mode)) return false;
  const flat = Uint8Array.from(plane, (v, i) => (v === mode && !mask[i] ? slot : 0));
  for (const i of smallClusters(flat, width, height, MIN_CLUSTER - 1)) flat[i] = 0;
  if (flat.reduce((n, k) => n + (k ? 1 : 0), 0) < FLAT_SHARE * plane.length) return false;
  for (let i = 0; i < flat.length; i++) if (flat[i]) mask[i] = slot;
  values[slot - 1] = mode;
  return true;
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
