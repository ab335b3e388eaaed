/**
 * What a study carried besides its images, written back with its DICOM output (aeimg 0.18).
 *
 * Presentation states: each state a study carried
 * (dicom/presentation-state.ts) as a Grayscale Softcopy Presentation State (PS3.3 A.33.1) that references the
 * images as written (their new SOP Instance UIDs), so that a reader's PACS shows the radiologist's annotations and
 * window as aeimg's viewer does. Its annotations are in PIXEL units, one Graphic Annotation item per image frame and
 * layer; its window is in its own Modality LUT's rescale (the first image's, which the others' are converted to).
 * Colour images are not referenced (a Color Softcopy Presentation State has no window).
 *
 * Key object selections (dicom/key-objects.ts): each as a Key Object Selection Document (PS3.3 A.35.4, TID 2010) under
 * its title, with its description, flagging the images as written.
 */
import dcmjs from 'dcmjs';
import { attribute, type DicomJson, type JsonAttribute } from './dataset.js';
import { decimal } from './fit-values.js';
import { labelStem } from './file-name.js';
import type { DicomFrameMeta } from './import.js';
import { stateWindowIn } from './presentation-state.js';
import { shownCorners, type CarriedPresentationState } from './carried-presentation-state.js';
import { viewerRotation } from '../../../src-shared/orientation.js';
import { DEFAULT_LINE_WIDTH } from '../../../src-shared/graphics.js';
import { rescaled } from './display.js';
import { KEY_OBJECT_SELECTION, type CarriedKeyObject } from './key-objects.js';
import { graphicsAndShutter, rgbToCieLab, writeShutter } from './shutter.js';
import { writeOverlays, type OverlayPlane } from './overlay.js';
import { IMPLEMENTATION_UID, newUid } from './write.js';
import { voiLutItem } from './write-value-mapping.js';
import { numbered, UniqueNames } from '../../../src-shared/unique-names.js';

const GSPS = '1.2.840.10008.5.1.4.1.1.11.1';

/** A presentation state or key object selection written beside a study's DICOM files: what it is, its name, its bytes. */
export interface StudyObjectFile { kind: 'presentation state' | 'key object selection'; name: string; bytes: Buffer }

/** One DICOM file written, and its frames (1-based number in the file where it holds several) with their metadata. */
export interface WrittenImage {
  sopClass: string;
  sopInstance: string;
  frames: { number?: number; meta: DicomFrameMeta; width: number; height: number; channels: number }[];
}

const seq = (...items: DicomJson[]): JsonAttribute => ({ vr: 'SQ', Value: items as never[] });
/** A Code String: upper case, letters, digits, space and underscore, at most 16 characters. */
const codeString = (s: string) => s.toUpperCase().replace(/[^A-Z0-9 _]/g, '_').slice(0, 16).trim() || 'UNNAMED';
const dateOf = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const timeOf = (d: Date) => d.toISOString().slice(11, 19).replace(/:/g, '');

interface Marked { file: WrittenImage; frame: WrittenImage['frames'][number]; state: CarriedPresentationState }

/** The reference of one image frame (Referenced Image Sequence item); of the image where `frame` has no number. */
function imageRef(m: { file: WrittenImage; frame: { number?: number } }): DicomJson {
  return {
    '00081150': attribute('UI', m.file.sopClass), '00081155': attribute('UI', m.file.sopInstance),
    ...(m.frame.number !== undefined ? { '00081160': attribute('IS', m.frame.number) } : {}),
  };
}

/**
 * A Referenced Series Sequence of the frames referenced (each reference once, in order): per series, `refsTag`'s items
 * as `ref` gives them.
 */
function referencedSeries(refs: readonly Pick<Marked, 'file' | 'frame'>[], refsTag: string, ref: (m: Pick<Marked, 'file' | 'frame'>) => DicomJson): JsonAttribute {
  const bySeries = new Map<string, Map<string, DicomJson>>();
  for (const m of refs) {
    const series = String(m.frame.meta.dataset['0020000E']?.Value?.[0] ?? '');
    const item = ref(m);
    const inSeries = bySeries.get(series) ?? new Map<string, DicomJson>();
    inSeries.set(JSON.stringify(item), item);
    bySeries.set(series, inSeries);
  }
  return seq(...[...bySeries].map(([series, items]) => ({ '0020000E': attribute('UI', series), [refsTag]: seq(...items.values()) })));
}

/** The image's rescale, as its written file says it (identity where it has none). */
const rescaleOf = (meta: DicomFrameMeta) => ({ slope: meta.pixel.rescaleSlope || 1, intercept: meta.pixel.rescaleIntercept });

/**
 * A graphic object's own colour, line thickness and dashing as its Line Style Sequence gives them (every Type 1
 * attribute of the macro, as dicom3tools checks them): opaque, no shadow; where the record gives no thickness, the
 * width the viewer drew it at, solid; a dashed line's Line Pattern (required with it) 8 pixels on, 8 off (a reader
 * draws its own dashes); a filled shape's Fill Style the same colour.
 */
const lineStyle = (rgb: readonly number[], thickness = DEFAULT_LINE_WIDTH, dashed = false): DicomJson => ({
  '00700251': attribute('US', ...rgbToCieLab(rgb)), '00700253': attribute('FL', thickness), '00700254': attribute('CS', dashed ? 'DASHED' : 'SOLID'),
  ...(dashed ? { '00700255': attribute('UL', 0xff00ff00) } : {}), '00700244': attribute('CS', 'OFF'),
  '00700245': attribute('FL', 0), '00700246': attribute('FL', 0), '00700247': attribute('US', ...rgbToCieLab(rgb)), '00700258': attribute('FL', 0),
  '00700284': attribute('FL', 1), '00700285': attribute('FL', 0),
});
const fillStyle = (rgb: readonly number[], opacity: number): DicomJson => ({
  '00700251': attribute('US', ...rgbToCieLab(rgb)), '00700257': attribute('CS', 'SOLID'), '00700284': attribute('FL', opacity), '00700285': attribute('FL', 0),
});

/**
 * A Grayscale Softcopy Presentation State's text objects have no style of their own (neither Text nor Line Style in
 * its IOD, as dicom3tools checks it; its graphic objects have Line Style): a text whose own colour is not its layer's
 * goes in a layer of that colour, after its own, which a PACS draws it in.
 */
function textsInColourLayers(state: CarriedPresentationState): CarriedPresentationState {
  const layerOf = new Map(state.layers.map((l) => [l.name, l]));
  const added = new Map<string, CarriedPresentationState['layers'][number]>();
  const texts = state.texts.map(({ colour, ...t }) => {
    if (!colour || String(colour) === String(layerOf.get(t.layer)?.colour)) return t;
    const name = `${t.layer} ${colour.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
    added.set(name, { name, order: layerOf.get(t.layer)?.order ?? 0, colour });
    return { ...t, layer: name };
  });
  return { ...state, texts, layers: [...state.layers, ...added.values()] };
}

/** One presentation state's dataset over the frames it marks. */
function stateDataset(given: Marked[], now: Date): DicomJson {
  const marked = given.map((m) => ({ ...m, state: textsInColourLayers(m.state) }));
  const first = marked[0]!;
  const src = first.frame.meta.dataset;
  const { state } = first;
  const ds = studyObject(src, GSPS, 'PR');
  // General Series Laterality (2C: a paired body part's, which a presentation state does not name): the images', else empty.
  ds['00200060'] = src['00200060']?.Value?.length ? src['00200060']! : { vr: 'CS' };
  ds['0008103E'] = attribute('LO', `Presentation state ${state.label}`.slice(0, 64));
  ds['00700080'] = attribute('CS', codeString(state.label));
  ds['00700081'] = attribute('LO', (state.description ?? state.label).slice(0, 64));
  ds['00700082'] = attribute('DA', dateOf(now));
  ds['00700083'] = attribute('TM', timeOf(now));
  ds['00700084'] = state.creator ? { vr: 'PN', Value: [{ Alphabetic: state.creator } as never] } : { vr: 'PN' }; // its components as read
  // Presentation State Relationship: the images, by series.
  ds['00081115'] = referencedSeries(marked, '00081140', imageRef);
  // Displayed area: the part the state zoomed to, else each image whole, by its size (corners are whole pixels, 1-based).
  // Its corners as shown once turned (the pixel at the top left, the one at the bottom right), as PS3.3 C.10.4 gives them.
  const areaOf = (m: Marked) => {
    const a = m.state.area;
    const [tl, br] = shownCorners(a ? [Math.round(a.x0) + 1, Math.round(a.y0) + 1] : [1, 1], a ? [Math.round(a.x1), Math.round(a.y1)] : [m.frame.width, m.frame.height],
      m.state.rotation ?? 0, m.state.flip === true);
    return { tl, br, magnify: a?.magnify };
  };
  const areas = new Map<string, Marked[]>();
  for (const m of marked) {
    const key = JSON.stringify(areaOf(m));
    areas.set(key, [...(areas.get(key) ?? []), m]);
  }
  ds['0070005A'] = seq(...[...areas.values()].map((ms) => {
    const { tl, br, magnify } = areaOf(ms[0]!);
    return {
      ...(areas.size > 1 ? { '00081140': seq(...ms.map(imageRef)) } : {}),
      '00700052': attribute('SL', ...tl), '00700053': attribute('SL', ...br),
      ...(magnify ? { '00700100': attribute('CS', 'MAGNIFY'), '00700103': attribute('FL', magnify) } : { '00700100': attribute('CS', 'SCALE TO FIT'), '00700102': attribute('IS', 1, 1) }),
    };
  }));
  // Overlay Activation: the images' overlays it shows, each in its layer. A state from a sender before 0.21 (which said
  // nothing of them) shows every one, as the reader's viewer did; an image's bitmap shutter plane is not graphics.
  const activated = new Map<number, string>();
  // Its own overlays (0.24) first: Overlay Data of the state, which shadows the images' overlay of its group.
  const ownPlanes = new Map<number, OverlayPlane>();
  for (const { layer, plane } of marked.flatMap((m) => m.state.ownOverlays ?? [])) {
    if (ownPlanes.has(plane.group)) continue;
    ownPlanes.set(plane.group, plane);
    activated.set(plane.group, layer);
  }
  writeOverlays(ds, [[...ownPlanes.values()]]);
  for (const m of marked) {
    const groups = graphicsAndShutter(m.frame.meta, 1).graphics.map((g) => g.group);
    for (const o of m.state.overlays ?? groups.map((group) => ({ group, layer: 'OVERLAYS' }))) {
      if (groups.includes(o.group) && !activated.has(o.group)) activated.set(o.group, o.layer);
    }
  }
  // Layers: renamed as Code Strings, ordered as they were.
  const layers = new Map<string, { name: string; order: number; colour?: [number, number, number] }>();
  for (const m of marked) for (const l of m.state.layers) if (!layers.has(l.name)) layers.set(l.name, l);
  for (const name of [...marked.flatMap((m) => [...m.state.graphics, ...m.state.texts].map((x) => x.layer)), ...activated.values()]) {
    if (!layers.has(name)) layers.set(name, { name, order: 0 });
  }
  const names = new Map<string, string>();
  [...layers.values()].sort((a, b) => a.order - b.order || a.name.localeCompare(b.name)).forEach((l) => {
    const base = codeString(l.name || 'LAYER');
    let name = base;
    for (let k = 2; [...names.values()].includes(name); k++) name = `${base.slice(0, 16 - `_${k}`.length)}_${k}`;
    names.set(l.name, name);
  });
  ds['00700060'] = seq(...[...layers.values()].map((l) => ({
    '00700002': attribute('CS', names.get(l.name)!),
    '00700062': attribute('IS', [...names.keys()].indexOf(l.name) + 1),
    ...(l.colour ? { '00700401': attribute('US', ...rgbToCieLab(l.colour)) } : {}),
  })));
  // Annotations: one item per frame and layer.
  const annotations: DicomJson[] = [];
  for (const m of marked) {
    for (const layer of new Set([...m.state.graphics, ...m.state.texts].map((x) => x.layer))) {
      const graphics = m.state.graphics.filter((g) => g.layer === layer).map((g): DicomJson => {
        const closed = g.type === 'CIRCLE' || g.type === 'ELLIPSE' ||
          (g.points.length >= 6 && g.points[0] === g.points[g.points.length - 2] && g.points[1] === g.points[g.points.length - 1]);
        return {
          '00700005': attribute('CS', 'PIXEL'), '00700020': attribute('US', 2), '00700021': attribute('US', g.points.length / 2),
          '00700022': { vr: 'FL', Value: g.points }, '00700023': attribute('CS', g.type),
          ...(closed ? { '00700024': attribute('CS', g.filled ? 'Y' : 'N') } : {}),
          ...(g.colour || g.thickness || g.dashed
            ? { '00700232': seq(lineStyle(g.colour ?? layers.get(g.layer)?.colour ?? [255, 255, 255], g.thickness, g.dashed)) } : {}),
          ...(closed && g.filled && (g.colour || g.fillOpacity !== undefined)
            ? { '00700233': seq(fillStyle(g.colour ?? layers.get(g.layer)?.colour ?? [255, 255, 255], g.fillOpacity ?? 1)) } : {}),
        };
      });
      const texts = m.state.texts.filter((t) => t.layer === layer).map((t): DicomJson => ({
        ...(t.box ? { '00700003': attribute('CS', 'PIXEL') } : {}), ...(t.anchor ? { '00700004': attribute('CS', 'PIXEL') } : {}),
        '00700006': attribute('ST', t.text),
        ...(t.box ? { '00700010': { vr: 'FL', Value: t.box.slice(0, 2) }, '00700011': { vr: 'FL', Value: t.box.slice(2, 4) }, '00700012': attribute('CS', t.justify ?? 'LEFT') } : {}),
        ...(t.anchor ? { '00700014': { vr: 'FL', Value: t.anchor }, '00700015': attribute('CS', t.anchorShown ? 'Y' : 'N') } : {}),
      }));
      annotations.push({
        '00081140': seq(imageRef(m)), '00700002': attribute('CS', names.get(layer)!),
        ...(texts.length ? { '00700008': seq(...texts) } : {}), ...(graphics.length ? { '00700009': seq(...graphics) } : {}),
      });
    }
  }
  if (annotations.length) ds['00700001'] = seq(...annotations);
  for (const [group, layer] of activated) ds[`${group.toString(16).toUpperCase()}1001`] = attribute('CS', names.get(layer)!);
  if (!annotations.length && !activated.size) delete ds['00700060'];
  // Its window, in its Modality LUT's rescale: the first image's; another image's converted through its stored values.
  const own = rescaleOf(first.frame.meta);
  const type = String(src['00281054']?.Value?.[0] ?? '').trim();
  if (rescaled(first.frame.meta)) {
    ds['00281052'] = attribute('DS', decimal(own.intercept));
    ds['00281053'] = attribute('DS', decimal(own.slope));
    ds['00281054'] = attribute('LO', type || 'US');
  }
  const windows = marked.flatMap((m) => {
    const w = m.state.window && stateWindowIn(m.state.window, rescaleOf(m.frame.meta), own);
    return w ? [{ m, w }] : [];
  });
  if (windows.length) {
    ds['00283110'] = seq(...windows.map(({ m, w }) => ({
      '00081140': seq(imageRef(m)),
      ...(w.lut ? { '00283010': seq(voiLutItem(w.lut)) } : {
        '00281050': attribute('DS', decimal(w.center)), '00281051': attribute('DS', decimal(w.width)),
        ...(w.explanation ? { '00281055': attribute('LO', w.explanation) } : {}), ...(w.fn ? { '00281056': attribute('CS', w.fn) } : {}),
      }),
    })));
  }
  // Its Presentation LUT Shape: as the image shows on its own (INVERSE for MONOCHROME1), or the other where the state inverted it.
  ds['20500020'] = attribute('CS', first.frame.meta.pixel.inverted !== (state.invert === true) ? 'INVERSE' : 'IDENTITY');
  // Its Display Shutter, with the grey it covers in (Presentation State Shutter: required with one; black where it gave none).
  if (state.shutter) {
    Object.assign(ds, { '00181622': attribute('US', 0) }, state.shutter);
    if (state.shutterPlane) writeOverlays(ds, [[state.shutterPlane]]); // a bitmap shutter's plane, not activated: not graphics
    writeShutter(ds); // no bitmap shape naming a plane it does not hold
  }
  // Spatial Transformation (C.10.6; required where it turns the image): as the radiologist turned it.
  if (state.rotation || state.flip) {
    ds['00700042'] = attribute('US', viewerRotation(state.rotation ?? 0, state.flip === true)); // the file's comes before its flip
    ds['00700041'] = attribute('CS', state.flip ? 'Y' : 'N');
  }
  return ds;
}

/**
 * A new object of the images' study: their patient's and study's attributes (from the first image's dataset; Type 2
 * ones present), its class and a new instance, a series of its own (number 1), aeimg as its equipment, instance 1.
 */
function studyObject(src: DicomJson, sopClass: string, modality: string): DicomJson {
  const ds: DicomJson = {};
  for (const [tag, vr] of [['00100010', 'PN'], ['00100020', 'LO'], ['00100030', 'DA'], ['00100040', 'CS'], ['00080020', 'DA'], ['00080030', 'TM'],
    ['00080090', 'PN'], ['00200010', 'SH'], ['00080050', 'SH']] as const) {
    ds[tag] = src[tag]?.Value?.length ? src[tag]! : { vr };
  }
  ds['00080005'] = attribute('CS', 'ISO_IR 192');
  ds['0020000D'] = src['0020000D']?.Value?.length ? src['0020000D']! : attribute('UI', newUid());
  ds['00080016'] = attribute('UI', sopClass);
  ds['00080018'] = attribute('UI', newUid());
  ds['00080060'] = attribute('CS', modality);
  ds['0020000E'] = attribute('UI', newUid());
  ds['00200011'] = attribute('IS', 1);
  ds['00080070'] = attribute('LO', 'aeimg');
  ds['00200013'] = attribute('IS', 1);
  // Made from de-identified images (a state cleaned by the Clean Graphics option): it says so, as they do.
  for (const tag of ['00120062', '00120063', '00120064', '00280303']) if (src[tag]?.Value?.length) ds[tag] = src[tag]!;
  return ds;
}

/** One key object selection's document over the frames it flags. */
function keyObjectDataset(flagged: { file: WrittenImage; frame: WrittenImage['frames'][number]; key: CarriedKeyObject }[], now: Date): DicomJson {
  const { key } = flagged[0]!;
  const src = flagged[0]!.frame.meta.dataset;
  const ds = studyObject(src, KEY_OBJECT_SELECTION, 'KO');
  ds['00081111'] = { vr: 'SQ', Value: [] }; // Referenced Performed Procedure Step Sequence (2): none known
  ds['00080023'] = attribute('DA', dateOf(now));
  ds['00080033'] = attribute('TM', timeOf(now));
  // Current Requested Procedure Evidence: the images (instances, not frames), by series.
  ds['0040A375'] = seq({ '0020000D': ds['0020000D']!, '00081115': referencedSeries(flagged, '00081199', ({ file }) => imageRef({ file, frame: {} })) });
  const code = key.code ?? { value: '113000', scheme: 'DCM' }; // Of Interest, where the title came without its code
  const codeItem = (value: string, scheme: string, meaning: string) => seq({ '00080100': attribute('SH', value), '00080102': attribute('SH', scheme), '00080104': attribute('LO', meaning) });
  ds['0040A040'] = attribute('CS', 'CONTAINER');
  ds['0040A043'] = codeItem(code.value, code.scheme, key.title);
  ds['0040A050'] = attribute('CS', 'SEPARATE');
  ds['0040A504'] = seq({ '00080105': attribute('CS', 'DCMR'), '0040DB00': attribute('CS', '2010') });
  ds['0040A730'] = seq(
    ...(key.description ? [{
      '0040A010': attribute('CS', 'CONTAINS'), '0040A040': attribute('CS', 'TEXT'), '0040A043': codeItem('113012', 'DCM', 'Key Object Description'),
      '0040A160': attribute('UT', key.description),
    }] : []),
    ...flagged.map(({ file, frame }) => ({
      '0040A010': attribute('CS', 'CONTAINS'), '0040A040': attribute('CS', 'IMAGE'),
      '00081199': seq({ ...imageRef({ file, frame }) }),
    })),
  );
  return ds;
}

/** A study object's dataset as a Part 10 file (Explicit VR Little Endian). */
function part10(ds: DicomJson, sopClass: string): Buffer {
  for (const attr of Object.values(ds)) attr.Value ??= [];
  const fileMeta: DicomJson = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer as never] },
    '00020002': attribute('UI', sopClass), '00020003': ds['00080018']!, '00020010': attribute('UI', '1.2.840.10008.1.2.1'),
    '00020012': attribute('UI', IMPLEMENTATION_UID), '00020013': attribute('SH', 'AEIMG_1'),
  };
  const dict = new dcmjs.data.DicomDict(fileMeta);
  dict.dict = ds;
  return Buffer.from(dict.write());
}

/**
 * What a study's DICOM output writes beside its images: one presentation state per state (by its label, description
 * and creator) over the grey image frames it came with, and one key object selection document per selection (by its
 * title, code and description) over the frames it flags, each named after its label or title, unique among `names`
 * (the folder's other files). Empty where none came.
 */
export function studyObjectFiles(written: readonly WrittenImage[], names = new UniqueNames(), now = new Date()): StudyObjectFile[] {
  const states = new Map<string, Marked[]>();
  const keys = new Map<string, { file: WrittenImage; frame: WrittenImage['frames'][number]; key: CarriedKeyObject }[]>();
  for (const file of written) {
    for (const frame of file.frames) {
      for (const key of frame.meta.keyObjects ?? []) {
        const id = JSON.stringify([key.title, key.code, key.description]);
        keys.set(id, [...(keys.get(id) ?? []), { file, frame, key }]);
      }
      if (frame.channels !== 1) continue;
      for (const state of frame.meta.presentationStates ?? []) {
        const id = JSON.stringify([state.label, state.description, state.creator]);
        states.set(id, [...(states.get(id) ?? []), { file, frame, state }]);
      }
    }
  }
  const name = (prefix: string, label: string) => names.claim(numbered(labelStem(prefix, label), '.dcm'));
  return [
    ...[...states.values()].map((marked): StudyObjectFile => ({
      kind: 'presentation state', name: name('presentation-state', marked[0]!.state.label), bytes: part10(stateDataset(marked, now), GSPS),
    })),
    ...[...keys.values()].map((flagged): StudyObjectFile => ({
      kind: 'key object selection', name: name('key-images', flagged[0]!.key.title), bytes: part10(keyObjectDataset(flagged, now), KEY_OBJECT_SELECTION),
    })),
  ];
}
