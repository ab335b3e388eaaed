/**
 * A study's reports (aeimg 0.22): the structured reports (a radiologist's findings, a CT's dose report: PS3.3 A.35) and
 * encapsulated documents (a PDF report, a CDA document: A.45) that a PACS export holds beside its images. With the full
 * header they go with the study, inside its encryption, each as the sender's file byte for byte, in the records of its
 * first images (`metadata.dicom.documents`); the receiver gets each one as a file: with DICOM output the file itself, with
 * PNG output its PDF or CDA as it is and a structured report as text (srText). De-identified, none goes: their text names
 * the patient and PS3.15 has no option that cleans a report's content, so the sender is told (study-objects.ts).
 */
import type { DataSet } from 'dicom-parser';
import { elementText, referencedFrames, sopClassOf, textDecoder, valueType } from './dataset.js';
import { readHead } from '../fs/read.js';
import { parseDicomHeader } from './read-dataset.js';
import { documentKind, type DocumentKind } from './sop-classes.js';
import { labelStem } from './file-name.js';
import { graphicData, items } from './presentation-state.js';
import { imagePlanes, type PlaneMeta } from './image-planes.js';
import { withWrittenReferences, type WrittenReferences } from './report-references.js';
import { addRegion, reportRegions, type ImageIndex, type ImageReportMarks } from './report-marks.js';
import { numbered, UniqueNames } from '../../../src-shared/unique-names.js';

/**
 * The most bytes of documents one image record holds: a record's metadata is at most 1 MiB once packed (container/
 * entries.ts), and a document's bytes travel there as base64, which packs to about their own size. A larger document
 * does not go, and its sender is told.
 */
export const DOCUMENT_BYTES_PER_IMAGE = 640 * 1024;
/** At most this many documents in one record, and this long a title. */
const MAX_PER_IMAGE = 16;
const MAX_TITLE = 128;

/** A document as it travels in its image's record. */
export interface CarriedDocument {
  kind: DocumentKind;
  /**
   * Its Document Title, else its root content item's concept name ("X-Ray Radiation Dose Report"), else its Series
   * Description; a plain PDF's file name without extension.
   */
  title: string;
  /** The sender's file, byte for byte, in base64: a DICOM file, or with `plain` the PDF itself. */
  file: string;
  /**
   * A PDF the sender gave as a plain file, not DICOM (aeimg 0.23): it travels in the record's own `metadata.documents`
   * (any image's, a PNG's too), not in its DICOM metadata, and the reader gets the PDF with either output.
   */
  plain?: true;
}

/** Whether a file's first bytes are a PDF's ("%PDF-"). */
export const isPdf = (head: Uint8Array) => Buffer.from(head.subarray(0, 5)).toString('latin1') === '%PDF-';

/** A PDF's file name (a report a study takes from its folders with its images). */
export const PDF_NAME = /\.pdf$/i;

/** Whether a file is given as a PDF: by its name, or by its content (a PDF saved without its extension). */
export async function isPdfFile(path: string): Promise<boolean> {
  return PDF_NAME.test(path) || isPdf(await readHead(path, 5) ?? new Uint8Array());
}

/** Reads a PDF given as a plain file, as the sender carries it, titled by its file's name; throws where it is not a PDF. */
export function readPlainPdf(bytes: Uint8Array, fileName: string): CarriedDocument {
  if (!isPdf(bytes)) throw new Error('it is not a PDF (it does not start with %PDF-)');
  const title = fileName.replace(PDF_NAME, '').trim().slice(0, MAX_TITLE) || 'PDF document';
  return { kind: 'PDF', title, file: Buffer.from(bytes).toString('base64'), plain: true };
}

/** The plain PDFs of a received record's `metadata.documents` that are well-formed (validDocuments). */
export function plainDocuments(v: unknown): CarriedDocument[] {
  return validDocuments(v).filter((d) => d.kind === 'PDF').map(({ kind, title, file }) => ({ kind, title, file, plain: true }));
}

/** Reads a document's file as the sender carries it; throws where it is not a DICOM file of one of those kinds. */
export function readDocument(bytes: Uint8Array): CarriedDocument {
  const ds = parseDicomHeader(bytes);
  const kind = documentKind(sopClassOf(ds));
  if (!kind) throw new Error('it is not a structured report or an encapsulated document');
  return { kind, title: documentTitle(ds, kind), file: Buffer.from(bytes).toString('base64') };
}

function documentTitle(ds: DataSet, kind: DocumentKind): string {
  const decode = textDecoder(ds);
  const [concept] = items(ds, 'x0040a043');
  // Its Document Title, else its root's concept name, else its series' description (a vendor's report may have no title).
  return elementText(ds, 'x00420010', decode, MAX_TITLE) ?? (concept && elementText(concept, 'x00080104', decode, MAX_TITLE)) ??
    elementText(ds, 'x0008103e', decode, MAX_TITLE) ?? { 'structured report': 'Structured report', PDF: 'PDF document', 'CDA document': 'CDA document' }[kind];
}

/** The documents of a received record that are well-formed (a crafted record's others are left out), at most MAX_PER_IMAGE. */
export function validDocuments(v: unknown): CarriedDocument[] {
  if (!Array.isArray(v)) return [];
  const kinds = new Set<unknown>(['structured report', 'PDF', 'CDA document']);
  const maxBase64 = Math.ceil(DOCUMENT_BYTES_PER_IMAGE / 3) * 4;
  return v.filter((d): d is CarriedDocument => typeof d === 'object' && d !== null && kinds.has(d.kind) &&
    typeof d.title === 'string' && d.title.length > 0 && d.title.length <= MAX_TITLE &&
    typeof d.file === 'string' && d.file.length > 0 && d.file.length <= maxBase64 && /^[A-Za-z0-9+/]*={0,2}$/.test(d.file))
    .slice(0, MAX_PER_IMAGE).map(({ kind, title, file }) => ({ kind, title, file }));
}

/** A file a receiver writes for a document: its extension and its bytes. */
export interface DocumentOutput { ext: '.dcm' | '.pdf' | '.xml' | '.txt'; bytes: Buffer }

/**
 * Where a report's text says an image it references is, for the reader ("series-3-CT/IM000001.png"), by its SOP
 * Instance UID and frame (from 1; undefined for the image as a whole); undefined for an image the study did not bring.
 */
export type ImageNamer = (sop: string, frame?: number) => string | undefined;

/**
 * What a receiver writes for a document: with DICOM output the sender's file as it was; otherwise a PDF's or CDA's
 * document as it is (`.pdf`, `.xml`), a structured report as text (`.txt`: srText, its image references named by
 * `images`); a plain PDF as it is with either. With DICOM output and `references` (the study's images as written), a
 * structured report referencing them goes as a new instance that references them so (report-references.ts). Throws
 * where the file does not hold what its kind says (a crafted record).
 */
export function documentOutput(d: CarriedDocument, format: 'png' | 'dcm', images?: ImageNamer, references?: WrittenReferences): DocumentOutput {
  const file = Buffer.from(d.file, 'base64');
  if (d.plain) {
    if (!isPdf(file)) throw new Error('it is not a PDF');
    return { ext: '.pdf', bytes: file }; // the sender's PDF, with either output
  }
  const ds = documentDataset(d, file);
  if (documentKind(sopClassOf(ds)) !== d.kind) throw new Error(`it is not a ${d.kind}`);
  // A structured report references the images as written where they were (report-references.ts).
  if (format === 'dcm') return { ext: '.dcm', bytes: (d.kind === 'structured report' && references && withWrittenReferences(file, references)) || file };
  if (d.kind === 'structured report') return { ext: '.txt', bytes: Buffer.from(srText(ds, images), 'utf8') };
  const el = ds.elements.x00420011;
  if (!el) throw new Error('it holds no document (no Encapsulated Document)');
  // A document of odd length is padded to an even one; Encapsulated Document Length (0042,0015) gives its own.
  const stated = ds.uint32('x00420015');
  const length = stated !== undefined && stated > 0 && stated <= el.length ? stated : el.length;
  return { ext: d.kind === 'PDF' ? '.pdf' : '.xml', bytes: Buffer.from(file.subarray(el.dataOffset, el.dataOffset + length)) };
}

const datasets = new WeakMap<CarriedDocument, DataSet>();
/** A carried DICOM document's dataset, read once however often it is written and drawn (the viewer does both on open). */
function documentDataset(d: CarriedDocument, file?: Buffer): DataSet {
  let ds = datasets.get(d);
  if (!ds) datasets.set(d, (ds = parseDicomHeader(file ?? Buffer.from(d.file, 'base64'))));
  return ds;
}

/** Content items a text rendering walks at most, and how deep. */
const MAX_ITEMS = 20_000;
const MAX_DEPTH = 64;
const MAX_TEXT = 64 * 1024;

/**
 * A structured report as text a reader can read without a DICOM viewer: its title, patient, dates, whether it is
 * complete and verified, then its content tree, one item a line, indented by depth ("Mean CTDIvol: 12.5 mGy"); an
 * image it references by what `images` names it (the file the reader has), else by its UID.
 */
export function srText(ds: DataSet, images?: ImageNamer): string {
  const { text, meaning } = srReaders(ds);
  const lines: string[] = [meaning(ds, 'x0040a043') ?? text(ds, 'x0008103e') ?? 'Structured report', ''];
  const field = (name: string, value: string | undefined) => { if (value) lines.push(`${name}: ${value}`); };
  field('Patient', [text(ds, 'x00100010')?.replace(/\^+/g, ' ').trim(), text(ds, 'x00100020') && `(ID ${text(ds, 'x00100020')})`].filter(Boolean).join(' '));
  field('Study', [date(text(ds, 'x00080020')), text(ds, 'x00081030')].filter(Boolean).join(', '));
  field('Written', [date(text(ds, 'x00080023')), time(text(ds, 'x00080033'))].filter(Boolean).join(' '));
  field('Preliminary', text(ds, 'x0040a496'));
  field('Completion', text(ds, 'x0040a491'));
  const verifier = items(ds, 'x0040a073')[0];
  field('Verification', [text(ds, 'x0040a493'), verifier && text(verifier, 'x0040a075')?.replace(/\^+/g, ' ').trim()].filter(Boolean).join(', by '));
  lines.push('');
  let count = 0;
  const walk = (d: DataSet, depth: number) => {
    for (const item of items(d, 'x0040a730')) {
      if (++count > MAX_ITEMS || depth > MAX_DEPTH) {
        if (count === MAX_ITEMS + 1 || depth === MAX_DEPTH + 1) lines.push(`${'  '.repeat(depth)}(the rest of the report is not shown here: open its DICOM file)`);
        return;
      }
      const line = contentLine(item, text, meaning, images);
      // A text of several lines keeps them, each indented under its item.
      if (line) lines.push(...line.split(/\r\n|\r|\n/).map((l) => `${'  '.repeat(depth)}${l}`));
      walk(item, depth + 1);
    }
  };
  walk(ds, 0);
  return `${lines.join('\n').trimEnd()}\n`;
}

/** A report's text elements through its character set, and a code's meaning (else its value). */
function srReaders(ds: DataSet) {
  const decode = textDecoder(ds);
  const text = (d: DataSet, tag: string) => elementText(d, tag, decode, MAX_TEXT);
  const meaning = (d: DataSet, tag: string) => {
    const [code] = items(d, tag);
    return code ? text(code, 'x00080104') ?? text(code, 'x00080100') : undefined;
  };
  return { text, meaning };
}

/** A 2D region in words, in the image's pixels: "circle centred at 58, 52, radius 11 px"; undefined where malformed. */
function regionText(item: DataSet): string | undefined {
  const data = graphicData(item);
  if (!data) return undefined;
  const { type, points: p } = data;
  const at = (x: number, y: number) => `${+x.toFixed(1)}, ${+y.toFixed(1)}`;
  const px = (v: number) => `${+v.toFixed(1)} px`;
  const n = p.length / 2;
  if (type === 'POINT' && n === 1) return `point at ${at(p[0]!, p[1]!)}`;
  if (type === 'CIRCLE' && n === 2) return `circle centred at ${at(p[0]!, p[1]!)}, radius ${px(Math.hypot(p[2]! - p[0]!, p[3]! - p[1]!))}`;
  if (type === 'ELLIPSE' && n === 4) {
    const major = Math.hypot(p[2]! - p[0]!, p[3]! - p[1]!), minor = Math.hypot(p[6]! - p[4]!, p[7]! - p[5]!);
    return `ellipse centred at ${at((p[0]! + p[2]!) / 2, (p[1]! + p[3]!) / 2)}, axes ${px(major)} × ${px(minor)}`;
  }
  if (type === 'MULTIPOINT') return `${n} points`;
  if (type === 'POLYLINE') return `${n > 2 && p[0] === p[p.length - 2] && p[1] === p[p.length - 1] ? 'outline' : 'line'} through ${n} points from ${at(p[0]!, p[1]!)}`;
  return undefined;
}

/** A 3D region in words, in the patient (mm): "point at -12.5, 30, 88 mm in the patient"; undefined where malformed. */
function regionText3d(item: DataSet): string | undefined {
  const data = graphicData(item, 3);
  if (!data) return undefined;
  const { type, points: p } = data;
  const at = (i: number) => `${+p[i]!.toFixed(1)}, ${+p[i + 1]!.toFixed(1)}, ${+p[i + 2]!.toFixed(1)} mm`;
  const n = p.length / 3;
  if (type === 'POINT' && n === 1) return `point at ${at(0)} in the patient`;
  if ((type === 'ELLIPSE' && n === 4) || (type === 'ELLIPSOID' && n === 6)) { // centred on its first axis's midpoint
    return `${type.toLowerCase()} centred at ${[0, 1, 2].map((k) => +((p[k]! + p[k + 3]!) / 2).toFixed(1)).join(', ')} mm in the patient`;
  }
  if (type === 'MULTIPOINT') return `${n} points in the patient`;
  if (type === 'POLYLINE' || type === 'POLYGON') return `${type === 'POLYGON' ? 'outline' : 'line'} through ${n} points in the patient from ${at(0)}`;
  return undefined;
}

/** "2001-02-13" for a DICOM date, "18:47:46" for a time; anything else as it is. */
const date = (d?: string) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : d);
const time = (t?: string) => (t && /^\d{4}/.test(t) ? `${t.slice(0, 2)}:${t.slice(2, 4)}${t.length >= 6 ? `:${t.slice(4, 6)}` : ''}` : t);

/** One content item as a line: "Name: value", by its Value Type (PS3.3 C.17.3). */
function contentLine(item: DataSet, text: (d: DataSet, tag: string) => string | undefined, meaning: (d: DataSet, tag: string) => string | undefined,
  images?: ImageNamer): string | undefined {
  const type = valueType(item);
  const name = meaning(item, 'x0040a043');
  const named = (value: string | undefined) => (name && value ? `${name}: ${value}` : name ?? value);
  switch (type) {
    case 'CONTAINER': return name;
    case 'TEXT': return named(text(item, 'x0040a160'));
    case 'CODE': return named(meaning(item, 'x0040a168'));
    case 'PNAME': return named(text(item, 'x0040a123')?.replace(/\^+/g, ' ').trim());
    case 'DATE': return named(date(text(item, 'x0040a121')));
    case 'TIME': return named(time(text(item, 'x0040a122')));
    case 'DATETIME': return named(text(item, 'x0040a120'));
    case 'UIDREF': return named(text(item, 'x0040a124'));
    case 'NUM': {
      const [measured] = items(item, 'x0040a300');
      if (!measured) return named('(no value)');
      const [units] = items(measured, 'x004008ea');
      const unit = units && (text(units, 'x00080100') ?? text(units, 'x00080104'));
      return named(`${text(measured, 'x0040a30a') ?? '?'}${unit && unit !== '1' ? ` ${unit}` : ''}`);
    }
    case 'IMAGE': case 'COMPOSITE': case 'WAVEFORM': {
      const [ref] = items(item, 'x00081199');
      const uid = ref && text(ref, 'x00081155');
      // Referenced Frame Number: the frames of a multi-frame image it means (all of it where absent).
      const frames = ref ? referencedFrames(ref, text) : [];
      const shown = uid && type === 'IMAGE' ? (frames.length ? frames.map((f) => images?.(uid, f)) : [images?.(uid)]) : [];
      if (shown.length && shown.every((s) => s !== undefined)) return named(`(image ${shown.join(', ')})`);
      return named(`(${type.toLowerCase()}${uid ? ` ${uid}` : ''}${frames.length ? `, frame ${frames.join(', ')}` : ''})`);
    }
    case 'SCOORD': return named(`(${regionText(item) ?? 'scoord coordinates'})`);
    case 'SCOORD3D': return named(`(${regionText3d(item) ?? 'scoord3d coordinates'})`);
    case 'TCOORD': return named('(tcoord coordinates)');
    default: return item.elements.x0040db73 ? undefined : named(type ? `(${type.toLowerCase()})` : undefined); // by-reference items
  }
}

/** A report file a receiver writes beside a study's images ("report-Dose_Report.txt"). */
export interface DocumentFile { kind: DocumentKind; title: string; name: string; bytes: Buffer }

/**
 * The files of the reports that came with a study's records (recordDocuments; documentOutput; a structured report's images named by
 * `images`), named `report-TITLE` (unique among `names`, the folder's other files), in the order they came; a document
 * whose file does not hold what it says is left out, named in `leftOut` with why.
 */
export function documentFiles(documents: readonly CarriedDocument[], format: 'png' | 'dcm',
  { images, names = new UniqueNames(), references }: { images?: ImageNamer; names?: UniqueNames; references?: WrittenReferences } = {},
): { files: DocumentFile[]; leftOut: string[] } {
  const files: DocumentFile[] = [];
  const leftOut: string[] = [];
  for (const d of documents) {
    let out: DocumentOutput;
    try {
      out = documentOutput(d, format, images, references);
    } catch (err) {
      leftOut.push(`${d.kind} "${d.title}" (${(err as Error).message})`);
      continue;
    }
    files.push({ kind: d.kind, title: d.title, name: names.claim(numbered(labelStem('report', d.title), out.ext)), bytes: out.bytes });
  }
  return { files, leftOut };
}

/**
 * Where a study's images are, by SOP Instance UID and frame (from 1): `metas[i]` the DICOM metadata of image i (its
 * dataset's SOP Instance UID, its frame). A single-frame image is found for frame 1 of it too; a multi-frame file's frame
 * by its number, the file as a whole at its first frame.
 */
export function studyImageIndex(metas: readonly ({ dataset: Record<string, { Value?: unknown[] } | undefined>; frame: number } | undefined)[]): ImageIndex {
  const at = new Map<string, number>();
  metas.forEach((m, i) => {
    const sop = m?.dataset['00080018']?.Value?.[0];
    if (typeof sop !== 'string') return;
    at.set(`${sop}#${m!.frame + 1}`, i);
    if (m!.frame === 0) at.set(sop, i);
  });
  return (sop, frame) => (frame === undefined ? at.get(sop) : at.get(`${sop}#${frame}`));
}

/** An ImageNamer over a study's images (studyImageIndex), `name(i)` what the reader calls image i. */
export function studyImageNamer(metas: Parameters<typeof studyImageIndex>[0], name: (index: number) => string): ImageNamer {
  const indexOf = studyImageIndex(metas);
  return (sop, frame) => {
    const i = indexOf(sop, frame);
    return i === undefined ? undefined : name(i);
  };
}

/**
 * The marks of the study's structured reports on its images (dicom/report-marks.ts; their 3D coordinates on the images
 * whose slab holds them: image-planes.ts), by image index, each image's
 * within a presentation state's limits (its regions beyond them counted, not drawn); reports that do not parse are left
 * out (documentFiles names them).
 */
export function studyReportMarks(metas: readonly ((PlaneMeta & { documents?: CarriedDocument[] }) | undefined)[], indexOf: ImageIndex): Map<number, ImageReportMarks> {
  const out = new Map<number, ImageReportMarks>();
  const reports = metas.flatMap((m) => m?.documents ?? []).filter((d) => d.kind === 'structured report');
  // Where each image lies, for the reports' 3D coordinates: only for a study that has a report (every study opens here).
  const planes = reports.length ? imagePlanes(metas) : [];
  for (const d of reports) {
    let ds: DataSet;
    try {
      ds = documentDataset(d);
    } catch {
      continue;
    }
    const { text, meaning } = srReaders(ds);
    for (const region of reportRegions(ds, text, (item) => contentLine(item, text, meaning), indexOf, planes)) {
      out.set(region.index, addRegion(out.get(region.index), region, d.title));
    }
  }
  return out;
}
