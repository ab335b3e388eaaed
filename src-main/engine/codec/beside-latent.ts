/**
 * What a network-only file carries beside its latent, exactly (codec/impulse-map.ts), and the image its encoder sees
 * instead: plateaus (image/plateaus.ts) and salt-and-pepper impulses (image/impulses.ts).
 */
import { colourChannels, extractChannel, planeRange, type Image } from '../image/image.js';
import { withoutImpulses } from '../image/impulses.js';
import { findPlateaus, withoutFlat, type Plateaus } from '../image/plateaus.js';
import { plainDisplay, readerWindows } from '../metrics/fidelity.js';
import { impulseMaps } from './impulse-map.js';
import { renderToByte, sampleToReal, type DisplayModel, type DisplayWindow } from '../../../src-shared/windows.js';

/** What a network-only file carries beside its latent (impulse-map.ts), and the image its encoder sees. */
export interface Carried {
  repaired: Image;
  values: [number, number][];
  maps: Uint8Array[];
  /** Its flat plateaus, if any, are weighed by withNeededFlats once the network's image is there. */
  plateaus?: Plateaus;
}

/**
 * What goes beside the latent, exactly (impulse-map.ts), and the image the encoder sees instead (image/plateaus.ts):
 *  - the plateaus at its planes' extremes that stand apart from the rest (a CT's padding outside the field of view),
 *    which the encoder sees at the nearest value of the rest;
 *  - its impulses, repaired, when they are its only noise (the gate of its denoised view: image/impulses.ts
 *    withoutImpulses); they need both slots of the map (the planes' extremes), so otherwise:
 *  - over 8 bits, a flat region a reader's window shows that holds a fifth of a plane, as it is: a candidate, kept only
 *    where the network gives it back visibly changed (withNeededFlats).
 * Undefined when the image has none of them; its file is then as before aeimg 0.7.
 */
export function carriedImpulses(image: Image, display: DisplayModel | undefined): Carried | undefined {
  const plateaus = findPlateaus(image, 0, image.bitDepth > 8 ? shownBy(image, display ?? plainDisplay(image)) : undefined);
  const seen = plateaus?.filled ?? image; // flat plateaus are not filled: the same image as the separated ones alone give
  const repair = withoutImpulses(seen, 0);
  if (repair.quiet) {
    let beside = plateaus;
    beside?.flats.forEach((_, c) => { beside = beside && withoutFlat(beside, c, planeRange(image, c)); });
    // Impulses at values other than the slots a plateau left them go with the latent, as any other noise does.
    const carried = carriedMaps(image, repair.image, beside);
    if (carried) return carried;
  }
  return plateaus ? carriedMaps(image, seen, plateaus) : undefined;
}

/** The maps of what `repaired` changed, and the plateaus; undefined when a change is at neither slot of its plane. */
function carriedMaps(image: Image, repaired: Image, plateaus: Plateaus | undefined): Carried | undefined {
  const values = plateaus?.values ?? Array.from({ length: colourChannels(image) }, (_, c) => planeRange(image, c));
  const maps = impulseMaps(image, values.map((_, c) => extractChannel(repaired, c)), values);
  if (!maps) return undefined;
  plateaus?.masks.forEach((mask, c) => mask.forEach((k, i) => { if (k) maps[c]![i] = k; }));
  return { repaired, values, maps, plateaus };
}

/**
 * A flat plateau goes beside the latent only where the network alone gives it back visibly changed: an RMS error above
 * one grey level in a window that shows it (on the fixtures: the CT ankle's 24 in the lung window; an MR background
 * 0.16, a bone scan's 0.31, which would have cost 10–13% more bytes for nothing).
 */
export function withNeededFlats(carried: Carried, image: Image, approx: Image, display: DisplayModel): Carried | undefined {
  let plateaus = carried.plateaus;
  const windows = readerWindows(image, display);
  carried.plateaus?.flats.forEach((slot, c) => {
    if (!slot || !plateaus) return;
    const value = carried.values[c]![slot - 1]!;
    const mask = carried.maps[c]!;
    const out = extractChannel(approx, c);
    const worst = Math.max(...windows.map((w) => {
      const grey = (s: number) => renderToByte(sampleToReal(s, display.mapping), w);
      const g = grey(value);
      if (g <= 0 || g >= 255) return 0;
      let se = 0, n = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i] === slot) { se += (grey(out[i]!) - g) ** 2; n++; }
      return Math.sqrt(se / Math.max(1, n));
    }));
    if (worst <= 1) plateaus = withoutFlat(plateaus, c, planeRange(image, c));
  });
  return plateaus ? carriedMaps(image, carried.repaired, plateaus) : undefined;
}

/** Whether a sample shows in some reader's window of the image, neither black nor white (metrics/fidelity.ts). */
export function shownBy(image: Image, display: DisplayModel): (sample: number) => boolean {
  let windows: DisplayWindow[] | undefined; // only when asked: most images have no flat region to ask about
  return (s) => (windows ??= readerWindows(image, display)).some((w) => {
    const v = renderToByte(sampleToReal(s, display.mapping), w);
    return v > 0 && v < 255;
  });
}
