/**
 * Presentation states (PS3.3 A.33.1 Grayscale and A.33.2 Color Softcopy Presentation State): what a radiologist saved
 * for images of a study, as a separate object beside them: annotations (C.10.5 Graphic Annotation: lines, circles,
 * ellipses, points and text, in layers of C.10.7 Graphic Layer), and the window they read in (C.11.8 Softcopy VOI LUT).
 * A study exported whole from a PACS brings them; its reader's PACS draws them over the images they reference.
 *
 * A study sent with its full header (`--deidentify none`) carries each one with every image frame it references, in
 * image pixel coordinates (a state's DISPLAY-relative ones converted through its displayed area, flip and rotation),
 * and the receiver's viewer draws them and offers the window (aeimg 0.18). De-identification removes them (PS3.15 Table
 * E.1-1: Graphic Annotation Sequence D, Content Creator's Name Z; their text may name the patient), so a de-identified
 * study goes without them and its sender is told. Since 0.19 also its VOI LUT table, its spatial transformation
 * (rotation, flip: the viewer opens the image turned as the radiologist read it), its displayed area and its display
 * shutter; since 0.20 its Presentation LUT Shape (an image shown black for white); since 0.21 which of the image's
 * overlays it shows (Overlay Activation: the others are not displayed while it is), its graphics' line thickness and
 * dashing, and its own Modality and Presentation LUT tables, composed with its window into one table. Not carried: a
 * Presentation LUT after a linear window, a bitmap shutter, compound graphics without their simple drawing (which the standard asks
 * to come with them, and is carried), curves, overlays of its own, and the other presentation state classes
 * (blending, XA/XRF, advanced, volumetric); the sender is told which
 * a state has (`notCarried`). What of it one frame's record carries: dicom/carried-presentation-state.ts; DICOM
 * output writes the carried part back (dicom/write-study-objects.ts).
 */
import type { DataSet } from 'dicom-parser';
import { datasetToJson, elementText, textDecoder, type DicomJson, stringValue } from './dataset.js';
import { isStoredLut, readLutItems, type StoredLut } from './lut.js';
import { cieLabToRgb, pValueRgb, SHUTTER_TAGS, shutterAttributes, withoutBitmap } from './shutter.js';
import { OVERLAY_GROUPS, overlayName, overlayTag, readOverlays, type OverlayPlane } from './overlay.js';
import { voiFunctionOf, type DisplayWindow } from '../../../src-shared/windows.js';
import { viewerRotation } from '../../../src-shared/orientation.js';
import type { Annotations, Rgb } from '../../../src-shared/graphics.js';

/** Grayscale and Color Softcopy Presentation State Storage: those whose annotations aeimg carries. */
export const CARRIED_PRESENTATION_STATES = new Set(['1.2.840.10008.5.1.4.1.1.11.1', '1.2.840.10008.5.1.4.1.1.11.2']);

/** An image a state refers to: its SOP Instance UID, and the frames (1-based) where it names some. */
export interface ImageRef { sop: string; frames?: number[] }

/** Part of a state that applies to some of its images (undefined: to all of them). */
interface Scoped<T> { refs?: ImageRef[]; value: T }

export type Units = 'PIXEL' | 'DISPLAY';
interface RawGraphic {
  type: Annotations['graphics'][number]['type']; units: Units; points: number[]; filled: boolean; colour?: Rgb; fillOpacity?: number; thickness?: number; dashed?: true;
}
interface RawText { text: string; boxUnits?: Units; box?: number[]; anchorUnits?: Units; anchor?: number[]; anchorShown: boolean; colour?: Rgb; justify?: 'RIGHT' | 'CENTER' }

/** A presentation state as the sender reads it from its file: plain data, so it can go to an encoding worker. */
export interface PresentationStateFile {
  label: string;
  description?: string;
  creator?: string;
  images: ImageRef[];
  annotations: Scoped<{ layer: string; graphics: RawGraphic[]; texts: RawText[] }>[];
  windows: Scoped<StateWindow>[];
  /**
   * Its displayed areas as boxes of image pixels (1-based, tlhc the smallest column and row): the file gives the corners
   * shown at the top left and bottom right after its rotation and flip (PS3.3 C.10.4), which is the same box.
   */
  areas: Scoped<{ tlhc: [number, number]; brhc: [number, number]; magnify?: number }>[];
  layers: { name: string; order: number; colour?: [number, number, number] }[];
  /** Its Modality LUT module's rescale, which its windows are in (undefined: none, the stored values). */
  rescale?: { slope: number; intercept: number };
  /**
   * Its Modality LUT Sequence's table instead (0.21; as a combined-LUT state has it, with a VOI window or table in the
   * table's output), of at most LIMITS.lutEntries entries; one that cannot be read is named, its windows left out.
   */
  modalityLut?: StoredLut;
  /**
   * Its Presentation LUT Sequence's table (0.21): the P-values its VOI output shows as, first input 0. Carried only where
   * every window of it is a table, or follows a modality table (composed into one); else named and left out.
   */
  presentationLut?: StoredLut;
  /** Its Display Shutter's attributes (rectangular, circular, polygonal; with its grey or colour), where it has one. */
  shutter?: DicomJson;
  /**
   * How it turns the image, as the viewer does: flipped left to right (Image Horizontal Flip), then turned `rotation`
   * degrees clockwise. The file's Image Rotation comes before its flip (PS3.3 C.10.6), so a flipped state's quarter
   * turns read the other way round here (90 ↔ 270). Its DISPLAY coordinates are after both.
   */
  rotation: number;
  flip: boolean;
  /**
   * Its Presentation LUT Shape (undefined: none given, or a Presentation LUT Sequence that is not carried; IDENTITY for
   * one that is, whose P-values show as they are).
   */
  shape?: 'IDENTITY' | 'INVERSE';
  /**
   * The image overlays it shows (Overlay Activation Layer, PS3.3 C.11.7), each in a layer of its own; an image's overlay
   * it does not name is not displayed while it is. A group it holds an overlay of its own in is not the image's.
   */
  overlays: { group: number; layer: string }[];
  /**
   * The overlays it holds itself (Overlay Data in the state: graphics a PACS kept as bitmaps), each in the layer that
   * shows it (0.24; before, named as not carried); one it does not activate is not displayed, and not carried.
   */
  ownOverlays: { layer: string; plane: OverlayPlane }[];
  /** Its bitmap shutter's plane (0.24), an overlay it holds (Shutter Overlay Group): the shutter covers where its bits are set. */
  shutterPlane?: OverlayPlane;
  /** What it holds that aeimg does not carry, in a sender's words ("its VOI lookup table", "its shutter"). */
  notCarried: string[];
  /** Cleaned for a de-identified study (cleanedState): nothing of it that may name the patient is left. */
  cleaned?: true;
}

/**
 * A state's Softcopy VOI LUT: a window (centre, width, function) or, since 0.19, a VOI LUT Sequence's table (`lut`:
 * its input `first` in the state's Modality LUT output, as a VOI LUT is; centre and width then say the table's span).
 */
export interface StateWindow { center: number; width: number; fn?: DisplayWindow['fn']; explanation?: string; lut?: StoredLut }

/** Bounds on what one state may bring to one frame (a record is at most 1 MiB of metadata). */
export const LIMITS = { states: 8, graphics: 1024, points: 8192, texts: 128, text: 1024, label: 64, lutEntries: 16384 } as const;

export const GRAPHIC_TYPES = new Set(['POINT', 'POLYLINE', 'INTERPOLATED', 'CIRCLE', 'ELLIPSE']);

export const items = (ds: DataSet, tag: string): DataSet[] => (ds.elements[tag]?.items ?? []).flatMap((i) => (i.dataSet ? [i.dataSet] : []));
const floats = (ds: DataSet, tag: string): number[] => {
  const el = ds.elements[tag];
  return el ? Array.from({ length: Math.floor(el.length / 4) }, (_, i) => ds.float(tag, i) ?? Number.NaN) : [];
};
const word = (ds: DataSet, tag: string) => stringValue(ds, tag).toUpperCase().slice(0, LIMITS.label);

/**
 * An item's Graphic Type and Graphic Data (column, row pairs; with `dims` 3 a SCOORD3D's x, y, z triplets in the
 * patient, mm), as a presentation state's graphic and a structured report's SCOORD both hold them; undefined where the
 * data is not whole pairs (triplets) of finite numbers.
 */
export function graphicData(ds: DataSet, dims: 2 | 3 = 2): { type: string; points: number[] } | undefined {
  const points = floats(ds, 'x00700022');
  if (points.length < dims || ds.elements.x00700022!.length % (4 * dims) || !points.every(Number.isFinite)) return undefined;
  return { type: word(ds, 'x00700023'), points };
}

/** One image an item refers to (Referenced SOP Instance UID, Referenced Frame Number), or undefined where it names none. */
export function imageRef(r: DataSet): ImageRef | undefined {
  const sop = stringValue(r, 'x00081155');
  const frames = (r.string('x00081160') ?? '').split('\\').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  return sop ? { sop, ...(frames.length ? { frames } : {}) } : undefined;
}

/** The image references of a Referenced Image Sequence (0008,1140) under `ds`, or undefined where it has none. */
function imageRefs(ds: DataSet): ImageRef[] | undefined {
  const refs = items(ds, 'x00081140').flatMap((r) => imageRef(r) ?? []);
  return refs.length ? refs : undefined;
}

/** A window given in rescale `from`'s output in rescale `to`'s (through the stored values both map). */
export function rescaleWindow<W extends { center: number; width: number }>(w: W, from: { slope: number; intercept: number },
  to: { slope: number; intercept: number }): W {
  return { ...w, center: ((w.center - from.intercept) / from.slope) * to.slope + to.intercept, width: Math.abs((w.width * to.slope) / from.slope) };
}

/** Reads a presentation state's file. Throws on a file that is not one aeimg carries. */
export function readPresentationState(ds: DataSet): PresentationStateFile {
  const decode = textDecoder(ds);
  const text = (d: DataSet, tag: string, max: number) => elementText(d, tag, decode, max);

  const units = (d: DataSet, tag: string): Units | undefined => {
    const u = word(d, tag);
    return u === 'PIXEL' || u === 'DISPLAY' ? u : undefined;
  };
  const images = items(ds, 'x00081115').flatMap((series) => imageRefs(series) ?? []);
  const annotations = items(ds, 'x00700001').map((a) => ({
    refs: imageRefs(a),
    value: {
      layer: word(a, 'x00700002'),
      graphics: items(a, 'x00700009').flatMap((g): RawGraphic[] => {
        const u = units(g, 'x00700005');
        const data = graphicData(g);
        if (!u || !data || !GRAPHIC_TYPES.has(data.type)) return [];
        const { type, points } = data;
        const filled = word(g, 'x00700024') === 'Y';
        // Its Line Style's colour, else a filled shape's Fill Style's; the fill's opacity where the anatomy shows through.
        const colour = styleColour(g, 'x00700232', 'x00700251') ?? (filled ? styleColour(g, 'x00700233', 'x00700251') : undefined);
        const fillOpacity = filled ? items(g, 'x00700233')[0]?.float('x00700284') : undefined;
        // Its Line Style's thickness (screen pixels) and dashing, which a PACS draws its line with.
        const line = items(g, 'x00700232')[0];
        const stroke = { ...thicknessOf(line?.float('x00700253')), ...(line && word(line, 'x00700254') === 'DASHED' ? { dashed: true as const } : {}) };
        return [{ type: type as RawGraphic['type'], units: u, points, filled, ...(colour ? { colour } : {}), ...opacityOf(fillOpacity), ...stroke }];
      }),
      texts: items(a, 'x00700008').flatMap((t): RawText[] => {
        const value = text(t, 'x00700006', LIMITS.text);
        const box = floats(t, 'x00700010').concat(floats(t, 'x00700011'));
        const anchor = floats(t, 'x00700014');
        const [boxUnits, anchorUnits] = [units(t, 'x00700003'), units(t, 'x00700004')];
        const hasBox = box.length === 4 && boxUnits !== undefined && box.every(Number.isFinite);
        const hasAnchor = anchor.length === 2 && anchorUnits !== undefined && anchor.every(Number.isFinite);
        if (!value || (!hasBox && !hasAnchor)) return [];
        // Its Text Style's colour, else (as Weasis writes a text's colour) its Line Style's.
        const colour = styleColour(t, 'x00700231', 'x00700241') ?? styleColour(t, 'x00700232', 'x00700251');
        return [{
          text: value, ...(hasBox ? { box, boxUnits } : {}), ...(hasAnchor ? { anchor, anchorUnits } : {}), anchorShown: word(t, 'x00700015') === 'Y', ...(colour ? { colour } : {}),
          ...(hasBox ? justifyOf(word(t, 'x00700012')) : {}),
        }];
      }),
    },
  }));
  let unreadTable = false;
  const windows = items(ds, 'x00283110').flatMap((v): PresentationStateFile['windows'] => {
    if (v.elements.x00283010) { // a VOI LUT Sequence: its first table, as a PACS applies it
      const lut = lutOf(v, 'x00283010', 'VOI LUT Sequence (0028,3010)');
      if (!lut) { unreadTable = true; return []; }
      return [{ refs: imageRefs(v), value: { center: lut.first + lut.data.length / 2, width: lut.data.length, ...(lut.explanation ? { explanation: lut.explanation } : {}), lut } }];
    }
    const center = Number((v.string('x00281050') ?? '').split('\\')[0]);
    const width = Number((v.string('x00281051') ?? '').split('\\')[0]);
    if (!Number.isFinite(center) || !(width > 0) || !Number.isFinite(width)) return [];
    const fn = voiFunctionOf(v.string('x00281056'));
    const explanation = text(v, 'x00281055', LIMITS.label);
    return [{ refs: imageRefs(v), value: { center, width, ...(fn ? { fn } : {}), ...(explanation ? { explanation } : {}) } }];
  });
  const areas = items(ds, 'x0070005a').flatMap((a): PresentationStateFile['areas'] => {
    const corners = [a.int32('x00700052', 0), a.int32('x00700052', 1), a.int32('x00700053', 0), a.int32('x00700053', 1)];
    if (!corners.every((n) => Number.isFinite(n))) return [];
    // The pixels shown at the top left and bottom right once turned: the box between them, whichever way it turns.
    const [c1, r1, c2, r2] = corners as number[];
    const tl = [Math.min(c1!, c2!), Math.min(r1!, r2!)];
    const br = [Math.max(c1!, c2!), Math.max(r1!, r2!)];
    // MAGNIFY: shown at its Presentation Pixel Magnification Ratio about the area's centre; SCALE TO FIT and TRUE SIZE
    // (a physical size the viewer's screen is not calibrated for) fit the area to the viewport.
    const ratio = Number(a.float('x00700103'));
    const magnify = word(a, 'x00700100') === 'MAGNIFY' && ratio > 0 && ratio <= 64 ? ratio : undefined;
    return [{ refs: imageRefs(a), value: { tlhc: tl as [number, number], brhc: br as [number, number], ...(magnify ? { magnify } : {}) } }];
  });
  const layers = items(ds, 'x00700060').map((l) => {
    const lab = [0, 1, 2].map((i) => l.uint16('x00700401', i));
    const grey = l.uint16('x00700066');
    const colour = lab.every((n) => n !== undefined) ? cieLabToRgb(lab as number[]) : grey !== undefined ? pValueRgb(grey) : undefined;
    return { name: word(l, 'x00700002'), order: Number(l.string('x00700062') ?? 0) || 0, ...(colour ? { colour } : {}) };
  });
  // Overlay Activation: the image's overlays it shows, and those of its own (Overlay Data in the state), which shadow
  // the image's of their group.
  const ownGroups = OVERLAY_GROUPS.filter((g) => ds.elements[overlayTag(g, 0x3000)]);
  const bitmapShutter = ds.uint16('x00181623');
  const overlays = OVERLAY_GROUPS.flatMap((group) => {
    const layer = word(ds, overlayTag(group, 0x1001));
    return layer && !ownGroups.includes(group) ? [{ group, layer }] : [];
  });
  // A state has no pixels: its overlays are Overlay Data, over the images it references, in its own transfer syntax.
  const own = readOverlays(ds, { rows: 0, columns: 0, frames: 1, bitsAllocated: 0, bitsStored: 0, highBit: 0, samplesPerPixel: 1, syntax: stringValue(ds, 'x00020010') });
  const ownOverlays = (own.perFrame[0] ?? []).flatMap((plane) => {
    const layer = word(ds, overlayTag(plane.group, 0x1001));
    return layer && plane.group !== bitmapShutter ? [{ layer: layer.slice(0, LIMITS.label), plane }] : [];
  });
  const turned = ds.uint16('x00700042') ?? 0;
  const flip = word(ds, 'x00700041') === 'Y';
  const rotation = [90, 180, 270].includes(turned) ? viewerRotation(turned, flip) : 0;
  const shape = word(ds, 'x20500020');
  // Its Display Shutter: the geometric shapes, and (0.24) a bitmap one with its plane, an overlay of the state.
  const shutterJson = ds.elements.x00181600 ? shutterAttributes(datasetToJson(ds)) : {};
  const shapes = String(shutterJson[SHUTTER_TAGS[0]]?.Value?.join('\\') ?? '').toUpperCase();
  const shutterPlane = shapes.includes('BITMAP') ? own.perFrame[0]?.find((p) => p.group === bitmapShutter) : undefined;
  const shutter = (/RECTANGULAR|CIRCULAR|POLYGONAL/.test(shapes) && !shapes.includes('BITMAP')) || shutterPlane ? shutterJson : undefined;
  const modalityLut = ds.elements.x00283000 ? lutOf(ds, 'x00283000', 'Modality LUT Sequence (0028,3000)') : undefined;
  const unreadModality = !!ds.elements.x00283000 && !modalityLut;
  // Its P-values after a window that is a table (or one composed with a modality table): one table again.
  const composable = windows.length > 0 && (modalityLut !== undefined || windows.every((w) => w.value.lut));
  const plut = ds.elements.x20500010 ? lutOf(ds, 'x20500010', 'Presentation LUT Sequence (2050,0010)') : undefined;
  const presentationLut = composable ? plut : undefined;
  const notCarried = [
    ...(unreadTable ? [`its VOI lookup table (damaged, or of more than ${LIMITS.lutEntries} entries)`] : []),
    ...(unreadModality ? [`its modality lookup table (damaged, or of more than ${LIMITS.lutEntries} entries; and so its window)`] : []),
    ...(ds.elements.x20500010 && !presentationLut ? [!plut ? `its presentation lookup table (damaged, or of more than ${LIMITS.lutEntries} entries)`
      : 'its presentation lookup table\'s curve (it follows a linear window: only one after a lookup table is carried; the image shows dark ' +
        'for low values or light as the table runs, not through its curve)'] : []),
    ...(shutter === undefined && ds.elements.x00181600 ? ['its shutter (a bitmap one without its overlay plane, or one whose shape is not given)'] : []),
    ...undrawnCompounds(ds),
    ...own.facts.filter((f) => f.notCarried && !f.shutter).map((f) => `its own ${f.name} (${f.notCarried})`),
  ];
  const slope = Number(ds.string('x00281053'));
  const intercept = Number(ds.string('x00281052'));
  const rescale = Number.isFinite(slope) && slope !== 0 && Number.isFinite(intercept) ? { slope, intercept } : undefined;
  return {
    // The creator's name as DICOM writes it (family^given), which DICOM output writes back; readers are shown it with spaces.
    label: text(ds, 'x00700080', LIMITS.label) ?? 'presentation state', description: text(ds, 'x00700081', LIMITS.label), creator: text(ds, 'x00700084', LIMITS.label),
    // A window after a modality lookup table is in the table's output: without the table, it cannot be shown.
    images, annotations, windows: unreadModality ? [] : windows, areas, layers, ...(rescale && !modalityLut ? { rescale } : {}), ...(modalityLut ? { modalityLut } : {}),
    ...(shutter ? { shutter, ...(shutterPlane ? { shutterPlane } : {}) } : {}), notCarried,
    rotation, flip, overlays, ownOverlays, ...(presentationLut ? { presentationLut } : {}),
    // A Presentation LUT gives P-values as they are, whatever the image's photometric interpretation: as IDENTITY does
    // once composed into the window; one that is not carried, as the shape its table's direction gives (black for white
    // where it falls), so the image is never shown the other way round from its reader's PACS.
    ...(presentationLut ? { shape: 'IDENTITY' as const } : plut ? { shape: plut.data.at(-1)! >= plut.data[0]! ? 'IDENTITY' as const : 'INVERSE' as const }
      : !ds.elements.x20500010 && (shape === 'IDENTITY' || shape === 'INVERSE') ? { shape } : {}),
  };
}

/**
 * A state as de-identification's Clean Graphics option (PS3.15 E.3.3) lets it go with a de-identified study: its
 * graphics, window, turn, displayed area, shutter, lookup tables and inversion, none of which names anyone; not its
 * text objects (a note may name the patient), its label, description and creator (replaced by "STATE n", or left
 * out), its layers' names (numbered) or its windows' and tables' explanations. `n`: its place in the study, from 1.
 */
export function cleanedState(s: PresentationStateFile, n: number): PresentationStateFile {
  const layerName = new Map([...new Set([...s.layers.map((l) => l.name), ...s.annotations.map((a) => a.value.layer)])].map((name, i) => [name, `LAYER${i + 1}`]));
  const plain = <L extends { explanation?: string }>(lut: L | undefined): L | undefined => {
    if (!lut) return undefined;
    const { explanation: _, ...rest } = lut;
    return rest as L;
  };
  return {
    ...s, label: `STATE ${n}`, description: undefined, creator: undefined, cleaned: true,
    annotations: s.annotations.flatMap((a) => (a.value.graphics.length ? [{ ...a, value: { ...a.value, layer: layerName.get(a.value.layer)!, texts: [] } }] : [])),
    layers: s.layers.map((l) => ({ ...l, name: layerName.get(l.name)! })),
    windows: s.windows.map((w) => ({ ...w, value: { ...plain(w.value)!, ...(w.value.lut ? { lut: plain(w.value.lut)! } : {}) } })),
    ...(s.modalityLut ? { modalityLut: plain(s.modalityLut)! } : {}), ...(s.presentationLut ? { presentationLut: plain(s.presentationLut)! } : {}),
    // Overlays go only with the full header: none of the image's to show, nor its own (their bits may spell a name),
    // nor its bitmap shutter's plane, whose shape its shutter then leaves out.
    overlays: [], ownOverlays: [], shutterPlane: undefined, shutter: s.shutterPlane ? withoutBitmap(s.shutter) : s.shutter,
    notCarried: [...s.notCarried, 'its text (notes, labels), its name and its creator\'s, which de-identification removes (they may name the patient)',
      ...s.ownOverlays.map(({ plane }) => `its own ${overlayName(plane)}, which de-identification removes with the image's overlays`),
      ...(s.shutterPlane ? [`its bitmap shutter (its ${overlayName(s.shutterPlane)}), which de-identification removes with the overlays: the reader sees the image whole there`] : [])],
  };
}

/**
 * Whether state `s` shows an image black for white against the image's own look: its Presentation LUT Shape says how
 * its output (the windowed values) shows, in place of the image's photometric interpretation, so INVERSE inverts a
 * MONOCHROME2 image and IDENTITY a MONOCHROME1 one (shown white for high values, where MONOCHROME1 shows them dark).
 * A colour image, or a state without a shape, shows as the image does.
 */
export function stateInverts(s: Pick<PresentationStateFile, 'shape'>, photometric: string): boolean {
  if (!s.shape || !/^MONOCHROME[12]$/.test(photometric)) return false;
  return (s.shape === 'INVERSE') !== (photometric === 'MONOCHROME1');
}

/**
 * A state's compound graphics (an arrow, a ruler, axes as one object: PS3.3 C.10.5.1.3) come with the simple graphic
 * and text objects that draw them, marked with the same Compound Graphic Instance ID (C.10.5.1.3.1), for viewers that
 * do not draw compound graphics: aeimg carries those, so the reader sees them. Those given without are named.
 */
function undrawnCompounds(ds: DataSet): string[] {
  const annotations = items(ds, 'x00700001');
  const drawn = new Set(annotations.flatMap((a) => [...items(a, 'x00700009'), ...items(a, 'x00700008')]).flatMap((o) => o.uint32('x00700226') ?? []));
  const undrawn = annotations.flatMap((a) => items(a, 'x00700209')).filter((c) => { const id = c.uint32('x00700226'); return id === undefined || !drawn.has(id); });
  if (!undrawn.length) return [];
  const types = [...new Set(undrawn.map((c) => word(c, 'x00700294') || 'of no type'))].join(', ');
  const them = undrawn.length > 1 ? 'them' : 'it';
  return [`${undrawn.length > 1 ? `its ${undrawn.length} compound graphics` : 'its compound graphic'} ${types}, which it gives without the simple lines and text ` +
    `the standard asks to draw ${them} with (the reader will not see ${them})`];
}

/**
 * An annotation object's own colour (0.20): its Line Style Sequence's Pattern On Color, or its Text Style Sequence's
 * Text Color (PS3.3 C.10.5.1.2: scaled CIELab), which a PACS draws it in instead of its layer's recommended colour.
 */
function styleColour(o: DataSet, sequence: string, tag: string): Rgb | undefined {
  const style = items(o, sequence)[0];
  const lab = style ? [0, 1, 2].map((i) => style.uint16(tag, i)) : [];
  return lab.length === 3 && lab.every((n) => n !== undefined) && style!.elements[tag]!.length >= 6 ? cieLabToRgb(lab as number[]) : undefined;
}

/**
 * The first table of one of a state's LUT Sequences (a Softcopy VOI LUT item's, its Modality's or its Presentation's),
 * its explanation cut to a label's length, or undefined where it cannot be read or is too large: as a receiver keeps
 * it (validPresentationStates), a table its reader would not get is not measured for the sender either.
 */
function lutOf(ds: DataSet, tag: string, what: string): StoredLut | undefined {
  try {
    const [read] = readLutItems(ds, tag, what);
    const lut = read && { ...read, ...(read.explanation ? { explanation: read.explanation.slice(0, LIMITS.label) } : {}) };
    return lut && isStoredLut(lut) && lut.data.length <= LIMITS.lutEntries ? lut : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A state's window in the image's rescale (its own is its Modality LUT's output): a linear one converted through the
 * stored values both rescales map; a table moved by the difference of intercepts, where the slopes agree (a table
 * cannot be stretched; with another slope it is not carried, and the image opens in its own windows).
 */
export function stateWindowIn(w: StateWindow, from: { slope: number; intercept: number }, to: { slope: number; intercept: number }): StateWindow | undefined {
  if (!w.lut) return rescaleWindow(w, from, to);
  if (Math.abs(from.slope - to.slope) > 1e-9 * Math.max(1, Math.abs(to.slope))) return undefined;
  const shift = to.intercept - from.intercept;
  if (!Number.isInteger(shift)) return undefined; // a table's inputs are whole values
  const first = w.lut.first + shift;
  return { ...w, center: w.center + shift, lut: { ...w.lut, first } };
}

export const applies = (refs: ImageRef[] | undefined, sop: string, frame: number) =>
  !refs || refs.some((r) => r.sop === sop && (!r.frames || r.frames.includes(frame)));


/** `{ justify }` where a text's justification in its box is RIGHT or CENTER, else nothing (LEFT). */
export const justifyOf = (v: unknown): { justify?: 'RIGHT' | 'CENTER' } => (v === 'RIGHT' || v === 'CENTER' ? { justify: v } : {});
/** `{ fillOpacity }` where v is an opacity below 1 (a fill the anatomy shows through), else nothing (opaque). */
export const opacityOf = (v: unknown): { fillOpacity?: number } => (finite(v) && v >= 0 && v < 1 ? { fillOpacity: v } : {});
/** `{ thickness }` where v is a line thickness in screen pixels a reader can draw (above 0, at most 32), else nothing. */
export const thicknessOf = (v: unknown): { thickness?: number } => (finite(v) && v > 0 && v <= 32 ? { thickness: v } : {});
/** `{ colour }` where v is an 8-bit RGB triple, else nothing. */
export const rgbOf = (v: unknown): { colour?: Rgb } => (finiteList(v, 3, 3, false) && v.every((c) => c >= 0 && c <= 255) ? { colour: v as Rgb } : {});
export const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const finiteList = (v: unknown, min: number, max: number, even = true): v is number[] =>
  Array.isArray(v) && v.length >= min && v.length <= max && (!even || v.length % 2 === 0) && v.every(finite);
export const shortText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;
