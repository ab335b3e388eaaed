/** The order a viewer shows a study's slices in: DICOM by series, then instance number / position; images by folder, then name. */
import { basename, dirname } from 'node:path';
import { isPdfFile } from './documents.js';
import { isDicomFile, readDicomHeader } from './header.js';
import { sopClassOf, stringValue } from './dataset.js';
import type { PlaneMeta } from './image-planes.js';
import { DEFAULT_MAX_PIXELS } from '../defaults.js';
import type { AeimgError } from '../errors.js';
import { headerRefusalOf } from './pixel-module.js';
import { numberOf } from './read-dataset.js';
import { nonImageKind } from './sop-classes.js';
import { imageHeaderRefusal } from '../image/io.js';

interface SliceKey {
  series: string; seriesNumber: number; instance: number; position: number; folder: string; name: string; sop: string; uid: string; photometric: string;
  noImage?: boolean;
  /** A single-frame image's plane (where it says where it lies). */
  plane?: PlaneMeta;
  /** Why aeimg would refuse the image, from its header (parse.ts checkImageHeader: a 32-bit dose grid). */
  refusal?: AeimgError;
  /** A PDF given as a plain file (a report exported beside PNG images). */
  pdf?: boolean;
}

/** What a study calls a PDF given as a plain file (dicom/study-objects.ts carries it, aeimg 0.23). */
export const PLAIN_PDF = 'a PDF document';

async function sliceKey(path: string, maxPixels: number): Promise<SliceKey> {
  const key: SliceKey = { series: '', seriesNumber: 0, instance: Number.NaN, position: Number.NaN, folder: dirname(path), name: basename(path), sop: '', uid: '', photometric: '' };
  if (!(await isDicomFile(path))) {
    // By its name or its content: one named so that is not a PDF is then set aside as unreadable, not taken for an image.
    key.pdf = await isPdfFile(path);
    const refusal = key.pdf ? undefined : await imageHeaderRefusal(path, maxPixels); // an image file's own header
    if (refusal) key.refusal = refusal;
    return key;
  }
  try {
    const header = await readDicomHeader(path);
    if (!header) return key; // cannot be opened: the encoder says so
    const ds = header.dataset;
    const numbers = (tag: string) => (ds.string(tag) ?? '').split('\\').map(Number);
    key.series = ds.string('x0020000e') ?? '';
    key.sop = sopClassOf(ds);
    key.uid = stringValue(ds, 'x00080018');
    key.photometric = stringValue(ds, 'x00280004').toUpperCase();
    key.noImage = !ds.elements.x00280010; // no Rows: an object of a class nonImageKind does not name (a protocol, a colour palette)
    const refusal = key.noImage ? undefined : headerRefusalOf(ds, maxPixels, header);
    if (refusal) key.refusal = refusal;
    key.seriesNumber = Number(ds.string('x00200011') ?? 0) || 0;
    key.instance = Number(ds.string('x00200013') ?? Number.NaN);
    // Position along the slice normal (row × column direction cosines), so oblique stacks sort too.
    const [x, y, z] = numbers('x00200032');
    const [r1, r2, r3, c1, c2, c3] = numbers('x00200037');
    const normal = [r2! * c3! - r3! * c2!, r3! * c1! - r1! * c3!, r1! * c2! - r2! * c1!];
    key.position = normal.every(Number.isFinite) && normal.some((v) => v !== 0)
      ? x! * normal[0]! + y! * normal[1]! + z! * normal[2]!
      : z ?? Number.NaN;
    if (numberOf(ds, 'x00280008', 1) <= 1) {
      const dataset: PlaneMeta['dataset'] = {};
      for (const tag of ['00200052', '00200032', '00200037', '00280030', '00180050']) {
        const v = ds.string(`x${tag}`);
        if (v) dataset[tag] = { Value: tag === '00200052' ? [stringValue(ds, `x${tag}`)] : numbers(`x${tag}`) };
      }
      key.plane = { dataset, ...(ds.elements.x00280010 ? { height: ds.uint16('x00280010'), width: ds.uint16('x00280011') } : {}) };
    }
  } catch {
    // An unreadable file keeps its name order; the encoder reports what is wrong with it.
  }
  return key;
}

const collator = new Intl.Collator(undefined, { numeric: true });

/** Orders a study's files as a viewer would show them. */
export async function orderSlices(paths: string[]): Promise<string[]> {
  return (await studyOrder(paths)).ordered;
}

/** An object without an image that a study holds: what it is, its SOP class, and where given why it does not go. */
export interface NotImage { path: string; kind: string; sopClass: string; why?: string }

/**
 * A DICOM image of a study: its SOP Instance UID, which presentation states reference, its Photometric Interpretation,
 * and (a single-frame image) its plane, where a report's 3D marks fall (the sender's preview: dicom/image-planes.ts).
 */
export interface StudyInstance { uid: string; photometric: string; plane?: PlaneMeta }

/**
 * A study's files as studyOrder finds them: its images in viewing order, its objects without an image, its DICOM images,
 * and those of its images whose header aeimg refuses, each with why (0.25: a study stops on one before any is encoded).
 */
export interface StudyOrder {
  ordered: string[];
  notImages: NotImage[];
  instances: Map<string, StudyInstance>;
  refused: Map<string, AeimgError>;
  /** Each image's series: its Series Instance UID, or for an image file (or DICOM without one) its folder. */
  series: Map<string, string>;
}

/**
 * A study's images in viewing order (with each DICOM image's SOP Instance UID and photometric interpretation),
 * and the objects without an image that a study exported whole holds beside them (a presentation state, a key-image
 * note, a dose report: dicom/sop-classes.ts nonImageKind), set aside with what each is: the study goes without them, and
 * its sender is told (0.17; before, one such file failed the whole study), or a presentation state goes with the
 * images it marks (dicom/presentation-state.ts).
 */
export async function studyOrder(paths: string[], maxPixels = DEFAULT_MAX_PIXELS): Promise<StudyOrder> {
  const all = await Promise.all(paths.map(async (p) => {
    const k = await sliceKey(p, maxPixels);
    return { p, k, kind: k.pdf ? PLAIN_PDF : nonImageKind(k.sop) ?? (k.noImage && k.sop ? `a DICOM object of SOP class ${k.sop}` : undefined) };
  }));
  const notImages = all.flatMap(({ p, k, kind }) => (kind ? [{ path: p, kind, sopClass: k.sop }] : []));
  const keyed = all.filter(({ kind }) => !kind);
  keyed.sort((a, b) =>
    a.k.seriesNumber - b.k.seriesNumber || collator.compare(a.k.series, b.k.series) ||
    (Number.isFinite(a.k.instance) && Number.isFinite(b.k.instance) ? a.k.instance - b.k.instance : 0) ||
    (Number.isFinite(a.k.position) && Number.isFinite(b.k.position) ? a.k.position - b.k.position : 0) ||
    collator.compare(a.k.folder, b.k.folder) || collator.compare(a.k.name, b.k.name));
  return {
    ordered: keyed.map((x) => x.p), notImages,
    instances: new Map(keyed.flatMap((x) => (x.k.uid ? [[x.p, { uid: x.k.uid, photometric: x.k.photometric, ...(x.k.plane ? { plane: x.k.plane } : {}) }]] : []))),
    refused: new Map(keyed.flatMap((x) => (x.k.refusal ? [[x.p, x.k.refusal]] : []))),
    series: new Map(keyed.map((x) => [x.p, x.k.series ? `uid ${x.k.series}` : `folder ${x.k.folder}`])),
  };
}
