/**
 * A presentation state as one image frame's record carries it (aeimg 0.18): what of the state's file (read by
 * dicom/presentation-state.ts) applies to the frame, its DISPLAY-relative marks placed on the image's pixels through
 * its displayed area and turn, and a received record's states checked before the viewer draws them.
 */
import { applies, finite, finiteList, justifyOf, LIMITS, opacityOf, rgbOf, shortText, stateInverts, stateWindowIn, thicknessOf,
  GRAPHIC_TYPES, type PresentationStateFile, type StateWindow, type Units } from './presentation-state.js';
import { isStoredLut, type StoredLut } from './lut.js';
import { SHUTTER_TAGS, shutterAttributes, shutterShapes, withoutBitmap } from './shutter.js';
import { wellFormed, type DicomJson } from './dataset.js';
import { OVERLAY_GROUPS, validOverlays, type OverlayPlane } from './overlay.js';
import { lookUp, voiFunctionOf, voiToByte } from '../../../src-shared/windows.js';
import type { Annotations, OverlayActivation } from '../../../src-shared/graphics.js';

/**
 * What the receiver gets with one frame: the state's annotations there in image pixels, its window, how it turns the
 * image, and (0.21, where the frame has overlays) which of them it shows.
 */
export interface CarriedPresentationState extends Annotations, OverlayActivation {
  label: string;
  description?: string;
  creator?: string;
  /** In the image's real-world units (as its own VOI windows; a table's input too). */
  window?: StateWindow;
  /**
   * Its Display Shutter (0.19: the Display Shutter attributes, as an image holds them), which replaces the image's own
   * while the state is shown (PS3.4 N.2.3.1: a shutter in the referenced image is not applied).
   */
  shutter?: DicomJson;
  /** Its bitmap shutter's plane (0.24), an overlay of the state that Shutter Overlay Group (0018,1623) names. */
  shutterPlane?: OverlayPlane;
  /** Its Image Rotation (clockwise, after the flip) and Image Horizontal Flip, which the viewer opens the image with (0.19). */
  rotation?: 90 | 180 | 270;
  flip?: true;
  /**
   * Its displayed area where not the whole image (0.19): the part the radiologist zoomed to, in image pixels (x0, y0 the
   * top-left corner, x1, y1 the bottom-right; it may reach beyond the image), fitted to the viewer, or shown at
   * `magnify` screen pixels per image pixel.
   */
  area?: { x0: number; y0: number; x1: number; y1: number; magnify?: number };
  /**
   * It shows the image black for white, against how the image shows on its own (0.20): its Presentation LUT Shape
   * INVERSE over a MONOCHROME2 image, or IDENTITY over a MONOCHROME1 one (the state's Softcopy Presentation LUT, PS3.3
   * C.11.6, says how its output shows, in place of the image's photometric interpretation; as dcmtk's dcmp2pgm renders it).
   */
  invert?: true;
  /**
   * The overlays it holds itself, each in the layer that shows it (0.24): drawn while it is shown, in place of the
   * image's overlay of the same group.
   */
  ownOverlays?: { layer: string; plane: OverlayPlane }[];
}

/**
 * Where a point shown at (u, v) (0..1 across a displayed area, as turned: flipped, then `rotation` clockwise, as the
 * viewer turns an image) is in the area before it was turned (0..1 across it, left to right and top to bottom).
 */
function unturned(u: number, v: number, rotation: number, flip: boolean): [number, number] {
  // Undo the rotation (clockwise), then the flip.
  [u, v] = rotation === 90 ? [v, 1 - u] : rotation === 180 ? [1 - u, 1 - v] : rotation === 270 ? [1 - v, u] : [u, v];
  return [flip ? 1 - u : u, v];
}

/**
 * The corners of a box of image pixels (1-based) that show at the top left and at the bottom right once the image is
 * turned as the viewer turns it (flipped, then `rotation` clockwise): what a file's Displayed Area corners say (PS3.3
 * C.10.4: "the top left (after spatial transformation) pixel").
 */
export function shownCorners(tl: [number, number], br: [number, number], rotation: number, flip: boolean): [[number, number], [number, number]] {
  const at = (u: number, v: number): [number, number] => {
    const [a, b] = unturned(u, v, rotation, flip); // 0 or 1: the box's left or right, top or bottom
    return [a ? br[0] : tl[0], b ? br[1] : tl[1]];
  };
  return [at(0, 0), at(1, 1)];
}

/**
 * A DISPLAY-relative point (0..1 across the displayed area as shown, after the state's rotation and flip, PS3.3
 * C.10.6) in image pixel coordinates (0 at the top-left corner of the top-left pixel, as PIXEL units are). `s.rotation`
 * is the viewer's (after the flip), so the rotation is undone first.
 */
function displayToPixel(u: number, v: number, s: PresentationStateFile, area: { tlhc: [number, number]; brhc: [number, number] }): [number, number] {
  [u, v] = unturned(u, v, s.rotation, s.flip);
  const [x0, y0] = [area.tlhc[0] - 1, area.tlhc[1] - 1];
  return [x0 + u * (area.brhc[0] - x0), y0 + v * (area.brhc[1] - y0)];
}

/** What presentationStateFor needs of the frame besides its size and rescale. */
export interface FrameFacts {
  /** Its Photometric Interpretation (default MONOCHROME2), which a state's Presentation LUT Shape is read against. */
  photometric?: string;
  /** The groups of its overlays, of which the state says which it shows. */
  overlays?: readonly number[];
  /** Its stored values are signed (a state's modality table's first input is then too). */
  signed?: boolean;
  /** It has a Modality LUT table of its own: its real-world values are no rescale's, and a state's table is not composed over them. */
  ownModalityLut?: boolean;
}

/**
 * What of a state applies to frame `frame` (1-based) of image `sop` (its width x height), in image pixel coordinates:
 * undefined where the state does not reference it, or brings it nothing (no annotation there, no window).
 */
export function presentationStateFor(s: PresentationStateFile, sop: string, frame: number, width: number, height: number,
  imageRescale: { slope: number; intercept: number }, facts: FrameFacts = {}): CarriedPresentationState | undefined {
  const { photometric = 'MONOCHROME2', overlays = [] } = facts;
  if (!applies(s.images, sop, frame)) return undefined;
  const area: PresentationStateFile['areas'][number]['value'] = s.areas.find((a) => applies(a.refs, sop, frame))?.value ?? { tlhc: [1, 1], brhc: [width, height] };
  const toPixel = (units: Units, p: number[]): number[] => (units === 'PIXEL' ? p
    : p.flatMap((_, i) => (i % 2 ? [] : displayToPixel(p[i]!, p[i + 1]!, s, area))));
  const graphics: CarriedPresentationState['graphics'] = [];
  const texts: CarriedPresentationState['texts'] = [];
  let points = 0;
  for (const a of s.annotations) {
    if (!applies(a.refs, sop, frame)) continue;
    for (const g of a.value.graphics) {
      if (graphics.length >= LIMITS.graphics || points + g.points.length > LIMITS.points) break;
      points += g.points.length;
      graphics.push({
        layer: a.value.layer, type: g.type, points: toPixel(g.units, g.points), filled: g.filled, ...(g.colour ? { colour: g.colour } : {}), ...opacityOf(g.fillOpacity),
        ...thicknessOf(g.thickness), ...(g.dashed ? { dashed: true as const } : {}),
      });
    }
    for (const t of a.value.texts) {
      if (texts.length >= LIMITS.texts) break;
      const box = t.box && t.boxUnits ? toPixel(t.boxUnits, t.box) : undefined;
      const anchor = t.anchor && t.anchorUnits ? toPixel(t.anchorUnits, t.anchor) : undefined;
      // A rotated box's corners may come in any order: top-left and bottom-right again.
      const ordered = box && [Math.min(box[0]!, box[2]!), Math.min(box[1]!, box[3]!), Math.max(box[0]!, box[2]!), Math.max(box[1]!, box[3]!)];
      texts.push({
        layer: a.value.layer, text: t.text, ...(ordered ? { box: ordered } : {}), ...(anchor ? { anchor } : {}), anchorShown: t.anchorShown, ...(t.colour ? { colour: t.colour } : {}),
        ...(ordered ? justifyOf(t.justify) : {}),
      });
    }
  }
  const voi = s.windows.find((w) => applies(w.refs, sop, frame))?.value;
  // Its window is in its own Modality LUT's output; the image's windows are in the image's rescale.
  const windowed = voi && (s.modalityLut ? throughModalityLut(voi, s.modalityLut, imageRescale, facts)
    : stateWindowIn(voi, s.rescale ?? { slope: 1, intercept: 0 }, imageRescale));
  const window = windowed && s.presentationLut ? throughPresentationLut(windowed, s.presentationLut) : windowed;
  const invert = stateInverts(s, photometric);
  const shown = s.overlays.filter((o) => overlays.includes(o.group));
  const hides = shown.length < overlays.length;
  const own = s.ownOverlays ?? [];
  if (!graphics.length && !texts.length && !window && !s.shutter && !s.rotation && !s.flip && !invert && !hides && !own.length) return undefined;
  const used = new Set([...graphics, ...texts, ...shown, ...own].map((x) => x.layer));
  return {
    label: s.label, ...(s.description ? { description: s.description } : {}), ...(s.creator ? { creator: s.creator } : {}),
    ...(window ? { window } : {}), ...turn(s.rotation, s.flip), ...zoomedArea({ x0: area.tlhc[0] - 1, y0: area.tlhc[1] - 1, x1: area.brhc[0], y1: area.brhc[1], magnify: area.magnify }, { width, height }), ...(s.shutter ? recordShutter(s.shutter, s.shutterPlane) : {}),
    ...(invert ? { invert } : {}), ...(overlays.length ? { overlays: shown } : {}), ...(own.length ? { ownOverlays: own } : {}),
    graphics, texts, layers: s.layers.filter((l) => used.has(l.name)),
  };
}

/**
 * A state's window after its own Modality LUT table (PS3.3 C.11.1; it replaces the image's rescale while the state is
 * shown) as one table over the image's real-world values: each stored value the state's table covers through it, then
 * through the window or VOI table, as dcmtk's dcmp2pgm renders the pair; values beyond the table take its ends, as a
 * LUT does. Only where the image's real-world values are its stored values moved by a whole number (a rescale of slope
 * 1, no table of its own); else undefined, and the image opens in its own windows.
 */
function throughModalityLut(voi: StateWindow, modality: StoredLut, image: { slope: number; intercept: number }, facts: FrameFacts): StateWindow | undefined {
  if (facts.ownModalityLut || image.slope !== 1 || !Number.isInteger(image.intercept)) return undefined;
  // The table's first input is signed where the image's stored values are (its descriptor was read unsigned).
  const first = (facts.signed && modality.first > 32767 ? modality.first - 65536 : modality.first) + image.intercept;
  if (first < -32768 || first > 65535) return undefined;
  const bits = voi.lut?.bits ?? 8;
  const data = modality.data.map((m) => (voi.lut ? lookUp(voi.lut, m) : voiToByte(m, voi.center, voi.width, voi.fn)));
  const explanation = joined(modality.explanation, voi.explanation ?? voi.lut?.explanation);
  return {
    center: first + data.length / 2, width: data.length, ...(explanation ? { explanation } : {}),
    lut: { first, bits, data, ...(explanation ? { explanation } : {}) },
  };
}

/** A composed table's explanation: its parts' own, in order, as long as a label may be. */
const joined = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(', ').slice(0, LIMITS.label);

/**
 * A window that is a table, then the state's Presentation LUT table (PS3.3 C.11.6: the P-values its output shows as), as
 * one table: each entry's output scaled to the Presentation LUT's inputs (0 … its length − 1), through it. A window
 * that is no table is left out (readPresentationState carries the Presentation LUT only where the window is one).
 */
function throughPresentationLut(w: StateWindow, plut: StoredLut): StateWindow | undefined {
  if (!w.lut) return undefined;
  const top = 2 ** w.lut.bits - 1;
  const data = w.lut.data.map((v) => plut.data[Math.min(plut.data.length - 1, Math.max(0, Math.round((v * (plut.data.length - 1)) / top) - plut.first))]!);
  const explanation = joined(w.explanation, plut.explanation);
  return { ...w, ...(explanation ? { explanation } : {}), lut: { ...w.lut, bits: plut.bits, data, ...(explanation ? { explanation } : {}) } };
}

/**
 * A displayed area as a record holds it (image pixels: x0, y0 the top-left corner, x1, y1 the bottom-right), where
 * well-formed and, given the image's size, not the whole image at fit.
 */
function zoomedArea(a: Partial<Record<'x0' | 'y0' | 'x1' | 'y1' | 'magnify', unknown>>, size?: { width: number; height: number }): Pick<CarriedPresentationState, 'area'> {
  const { x0, y0, x1, y1 } = a;
  const magnify = finite(a.magnify) && a.magnify > 0 && a.magnify <= 64 ? a.magnify : undefined;
  if (!finite(x0) || !finite(y0) || !finite(x1) || !finite(y1) || ![x0, y0, x1, y1].every((v) => Math.abs(v) <= 1e6) || !(x1 > x0) || !(y1 > y0)) return {};
  if (size && x0 === 0 && y0 === 0 && x1 === size.width && y1 === size.height && magnify === undefined) return {};
  return { area: { x0, y0, x1, y1, ...(magnify ? { magnify } : {}) } };
}

const BITMAP_SHAPE = 'BITMAP';

/**
 * A state's shutter as its record holds it (0.24): a bitmap shape is said by `shutterPlane` alone, not in the Display
 * Shutter attributes, so that a reader before 0.24, which does not know the plane, shows and writes back the state's
 * other shapes only (none: no shutter), never a bitmap shutter without its plane.
 */
function recordShutter(shutter: DicomJson, plane: OverlayPlane | undefined): Pick<CarriedPresentationState, 'shutter' | 'shutterPlane'> {
  if (!plane) return { shutter };
  const { '00181600': _shape, '00181623': _group, ...rest } = shutter;
  const shapes = shutterShapes(shutter).filter((v) => v !== BITMAP_SHAPE);
  return { shutter: { ...rest, ...(shapes.length ? { '00181600': { vr: 'CS', Value: shapes } } : {}) }, shutterPlane: plane };
}

/**
 * A record's state shutter: its Display Shutter attributes alone, well-formed, with a shape; with a well-formed plane
 * (recordShutter), a bitmap one over it, that group named; a bitmap shape the record names (crafted) is left out.
 */
function stateShutter(v: unknown, plane: unknown): Pick<CarriedPresentationState, 'shutter' | 'shutterPlane'> {
  if (!v || typeof v !== 'object') return {};
  const attributes = shutterAttributes(wellFormed(v));
  const [shutterPlane] = validOverlays([plane]);
  const shutter = shutterPlane
    ? { ...attributes, '00181600': { vr: 'CS', Value: [...shutterShapes(attributes).filter((s) => s !== BITMAP_SHAPE), BITMAP_SHAPE] }, '00181623': { vr: 'US', Value: [shutterPlane.group] } }
    : withoutBitmap(attributes);
  return shutter?.[SHUTTER_TAGS[0]] ? { shutter, ...(shutterPlane ? { shutterPlane } : {}) } : {};
}

/** A state's spatial transformation as a record holds it: only what turns the image (a crafted record's other values left out). */
const turn = (rotation: unknown, flip: unknown): Pick<CarriedPresentationState, 'rotation' | 'flip'> => ({
  ...(rotation === 90 || rotation === 180 || rotation === 270 ? { rotation } : {}), ...(flip === true ? { flip } : {}),
});

/**
 * A received record's presentation states, each kept only if well-formed and within LIMITS (a crafted record's are
 * left out rather than drawn): what the viewer draws can trust them.
 */
export function validPresentationStates(v: unknown): CarriedPresentationState[] {
  if (!Array.isArray(v)) return [];
  return v.slice(0, LIMITS.states).flatMap((s: Partial<CarriedPresentationState>): CarriedPresentationState[] => {
    if (!s || typeof s !== 'object' || !shortText(s.label, LIMITS.label) || !Array.isArray(s.graphics) || !Array.isArray(s.texts) || !Array.isArray(s.layers)) return [];
    if (s.graphics.length > LIMITS.graphics || s.texts.length > LIMITS.texts || s.layers.length > LIMITS.graphics + LIMITS.texts) return [];
    let points = 0;
    // Rebuilt from the fields a reader knows (a crafted record's others, such as a colour that is not one, left out).
    const graphics = s.graphics.filter((g) => g && shortText(g.layer, LIMITS.label) && GRAPHIC_TYPES.has(g.type) && typeof g.filled === 'boolean' &&
      finiteList(g.points, 2, LIMITS.points) && (points += g.points.length) <= LIMITS.points)
      .map((g) => ({
        layer: g.layer, type: g.type, points: g.points, filled: g.filled, ...rgbOf(g.colour), ...opacityOf(g.fillOpacity), ...thicknessOf(g.thickness),
        ...(g.dashed === true ? { dashed: true as const } : {}),
      }));
    const texts = s.texts.filter((t) => t && shortText(t.layer, LIMITS.label) && shortText(t.text, LIMITS.text) && typeof t.anchorShown === 'boolean' &&
      (t.box === undefined || finiteList(t.box, 4, 4)) && (t.anchor === undefined || finiteList(t.anchor, 2, 2)) && (t.box !== undefined || t.anchor !== undefined))
      .map((t) => ({
        layer: t.layer, text: t.text, ...(t.box ? { box: t.box } : {}), ...(t.anchor ? { anchor: t.anchor } : {}), anchorShown: t.anchorShown, ...rgbOf(t.colour),
        ...(t.box ? justifyOf(t.justify) : {}),
      }));
    const layers = s.layers.filter((l) => l && shortText(l.name, LIMITS.label) && finite(l.order))
      .map((l) => ({ name: l.name, order: l.order, ...rgbOf(l.colour) }));
    const w = s.window;
    const fn = voiFunctionOf(w?.fn);
    const lut = w?.lut !== undefined && isStoredLut(w.lut) && w.lut.data.length <= LIMITS.lutEntries && shortText(w.lut.explanation ?? '', LIMITS.label) ? w.lut : undefined;
    const window = w && finite(w.center) && finite(w.width) && w.width > 0 && (w.lut === undefined || lut)
      ? { center: w.center, width: w.width, ...(fn ? { fn } : {}), ...(shortText(w.explanation, LIMITS.label) && w.explanation ? { explanation: w.explanation } : {}), ...(lut ? { lut } : {}) } : undefined;
    const optional = (x: unknown) => (shortText(x, LIMITS.label) && x ? x : undefined);
    // Which overlays it shows: a list (maybe empty) of well-formed groups; a record without one (before 0.21) says nothing.
    const overlays = Array.isArray(s.overlays) && s.overlays.length <= 16
      ? s.overlays.filter((o) => o && OVERLAY_GROUPS.includes(o.group) && shortText(o.layer, LIMITS.label))
        .map((o) => ({ group: o.group, layer: o.layer })) : undefined;
    // Its own overlays, one a group (the first, as DICOM output writes it).
    const own = Array.isArray(s.ownOverlays) ? s.ownOverlays.slice(0, OVERLAY_GROUPS.length).flatMap((o) => {
      const [plane] = o && shortText(o.layer, LIMITS.label) ? validOverlays([o.plane]) : [];
      return plane ? [{ layer: o.layer, plane }] : [];
    }).filter((o, i, all) => all.findIndex((p) => p.plane.group === o.plane.group) === i) : [];
    const [description, creator] = [optional(s.description), optional(s.creator)];
    return [{
      label: s.label, ...(description ? { description } : {}), ...(creator ? { creator } : {}), ...(window ? { window } : {}), ...turn(s.rotation, s.flip),
      ...(s.area && typeof s.area === 'object' ? zoomedArea(s.area as Record<string, unknown>) : {}), ...stateShutter(s.shutter, s.shutterPlane), ...(s.invert === true ? { invert: true } : {}),
      ...(overlays ? { overlays } : {}), ...(own.length ? { ownOverlays: own } : {}), graphics, texts, layers,
    }];
  });
}
