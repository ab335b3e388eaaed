/**
 * What a study does with the objects without an image that a PACS export holds beside its images (aeimg 0.18): a
 * presentation state (dicom/presentation-state.ts) and a key object selection (dicom/key-objects.ts) go, with the full
 * header, with the study's images they reference; its reports (structured reports, PDF and CDA documents:
 * dicom/documents.ts; aeimg 0.22) go, with the full header, in the records of its first DICOM images, and a PDF
 * given as a plain file (aeimg 0.23) in the records of its first images of any kind; the rest (raw data, waveforms, …)
 * and those that cannot go are set aside, each named to the sender with why.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { readRegularFile } from '../fs/read.js';
import { cleanedKeyObject, KEY_OBJECT_SELECTION, readKeyObjectSelection, type KeyObjectFile } from './key-objects.js';
import { PLAIN_PDF, type NotImage, type StudyOrder } from './order.js';
import { parseDicomHeader } from './read-dataset.js';
import { CARRIED_PRESENTATION_STATES, cleanedState, readPresentationState, stateInverts, type ImageRef, type PresentationStateFile } from './presentation-state.js';
import type { DeidentifyOptions } from './deidentify.js';
import { CLEAN_GRAPHICS_CHOICE } from '../../../src-shared/api.js';
import { DOCUMENT_BYTES_PER_IMAGE, readDocument, readPlainPdf, type CarriedDocument } from './documents.js';
import { documentKind, type DocumentKind } from './sop-classes.js';

/** A presentation state or key object selection that goes with a study, in a sender's words. */
export interface CarriedObject {
  path: string;
  kind: 'presentation state' | 'key object selection' | DocumentKind;
  /** Its label or title. */
  label: string;
  /** The study's image files it references (a document: 0, it goes with the study). */
  images: number;
  /** A PDF given as a plain file (CarriedDocument.plain): the reader gets the PDF with either output. */
  plain?: true;
  /** What of it does not go ("its VOI lookup table"). */
  notCarried: string[];
  /** A presentation state's: it has annotations, a window, a rotation or flip, a shutter; it shows an image it marks inverted. */
  holds?: { annotations: boolean; window: boolean; turn?: boolean; shutter?: boolean; invert?: boolean };
}

/** What a study does with its objects without an image (studyObjects). */
export interface StudyObjects {
  /** Image file → the presentation states that reference it, for its encoding (EncodeTask.presentationStates). */
  statesByImage: Map<string, PresentationStateFile[]>;
  /** Image file → the key object selections that flag it (EncodeTask.keyObjects). */
  keyObjectsByImage: Map<string, KeyObjectFile[]>;
  /**
   * Image file → the study's reports that travel in its record (EncodeTask.documents): its first DICOM images, in order;
   * plain PDFs its first images.
   */
  documentsByImage: Map<string, CarriedDocument[]>;
  carried: CarriedObject[];
  /** The study's other objects without an image, and those that do not go, each with why. */
  notImages: NotImage[];
}

/** Where a sender learns how to carry them. */
const FULL_HEADER_REMEDY = 'To carry it, send the study with its full header (aeimg encrypt --deidentify none; in the app, DICOM metadata "Keep all").';

/** Why a de-identified study goes without one, by kind. */
const REMOVED = {
  'presentation state': 'de-identification removes presentation states (their annotations may name the patient), so the study {goes} without it ' +
    'and the reader will not see its annotations or window. To carry its marks, window and turn without its text, de-identify with the Clean Graphics ' +
    `option (aeimg encrypt --deidentify basic,clean-graphics; in the app, DICOM metadata "${CLEAN_GRAPHICS_CHOICE}").`,
  'key object selection': 'de-identification removes key object selections (their text may name the patient), so the study {goes} without it ' +
    'and the reader will not see which images it flags. To carry its flags without its text, de-identify with the Clean Graphics option ' +
    `(aeimg encrypt --deidentify basic,clean-graphics; in the app, DICOM metadata "${CLEAN_GRAPHICS_CHOICE}").`,
  document: 'de-identification removes reports (their text names the patient, and no option of the profile cleans it), so the study {goes} ' +
    'without it and the reader will not have it.',
} as const;

/**
 * A study's presentation states and key object selections: with the full header, each goes with the study's images it
 * references; one that cannot be read, holds nothing aeimg carries or references none of them does not, and says why.
 * De-identified, none goes (PS3.15 removes their content), and each says how to carry it; with the Clean Graphics
 * option, they go cleaned (cleanedState, cleanedKeyObject).
 */
export async function studyObjects({ notImages, instances, ordered }: StudyOrder, deidentify: DeidentifyOptions | null): Promise<StudyObjects> {
  const fullHeader = deidentify === null;
  let cleanedStates = 0;
  const out: StudyObjects = { statesByImage: new Map(), keyObjectsByImage: new Map(), documentsByImage: new Map(), carried: [], notImages: [] };
  // A plain PDF names its patient as a DICOM report does: it goes where nothing is de-identified (the full header, or a
  // study without DICOM images), in the records of the study's first images of any kind.
  const placeDocument = documentPlacer(out, fullHeader);
  const imageOf = new Map([...instances].map(([path, { uid }]) => [uid, path]));
  const marks = (refs: ImageRef[]) => [...new Set(refs.flatMap((r) => imageOf.get(r.sop) ?? []))];
  for (const n of notImages) {
    const kind = CARRIED_PRESENTATION_STATES.has(n.sopClass) ? 'presentation state' : n.sopClass === KEY_OBJECT_SELECTION ? 'key object selection' : undefined;
    if (!kind && (documentKind(n.sopClass) || n.kind === PLAIN_PDF)) {
      await placeDocument(n, n.kind === PLAIN_PDF ? ordered : [...instances.keys()], n.kind === PLAIN_PDF && instances.size === 0);
      continue;
    }
    if (!kind) {
      out.notImages.push(n);
      continue;
    }
    const cleaned = !fullHeader && deidentify?.cleanGraphics === true;
    if (!fullHeader && !cleaned) {
      out.notImages.push({ ...n, why: `${REMOVED[kind]} ${FULL_HEADER_REMEDY}` });
      continue;
    }
    let read: { state: PresentationStateFile; label?: string } | { keys: KeyObjectFile };
    try {
      const ds = parseDicomHeader(new Uint8Array(await readRegularFile(n.path)));
      read = kind === 'presentation state' ? { state: readPresentationState(ds) } : { keys: readKeyObjectSelection(ds) };
      // Cleaned, the sender still knows it by its own label; the reader sees "STATE n".
      if (cleaned && 'state' in read) read = { state: cleanedState(read.state, ++cleanedStates), label: read.state.label };
      if (cleaned && 'keys' in read) read = { keys: cleanedKeyObject(read.keys) };
    } catch (err) {
      out.notImages.push({ ...n, why: `it could not be read (${(err as Error).message}), so the study {goes} without it.` });
      continue;
    }
    const marked = marks('state' in read ? read.state.images : read.keys.images);
    // A state that inverts some image it marks (its Presentation LUT Shape against the image's photometric interpretation).
    const inverts = 'state' in read && marked.some((image) => stateInverts(read.state, instances.get(image)?.photometric ?? ''));
    if ('state' in read) {
      const { state } = read;
      const holds = state.windows.length > 0 || !!state.shutter || state.annotations.some((a) => a.value.graphics.length || a.value.texts.length) ||
        state.rotation !== 0 || state.flip || inverts;
      if (!holds) {
        const what = state.notCarried.length ? ` (not carried: ${state.notCarried.join(', ')})` : '';
        out.notImages.push({ ...n, why: `it holds no annotation, window, turn or inversion aeimg carries${what}, so the study {goes} without it.` });
        continue;
      }
    }
    if (!marked.length) {
      out.notImages.push({ ...n, why: `it ${kind === 'presentation state' ? 'marks' : 'flags'} none of the study's images (they are not among the files ` +
        'given), so the study {goes} without it.' });
      continue;
    }
    for (const image of marked) {
      if ('state' in read) out.statesByImage.set(image, [...(out.statesByImage.get(image) ?? []), read.state]);
      else out.keyObjectsByImage.set(image, [...(out.keyObjectsByImage.get(image) ?? []), read.keys]);
    }
    out.carried.push({
      path: n.path, kind, label: 'state' in read ? read.label ?? read.state.label : read.keys.title, images: marked.length,
      notCarried: 'state' in read ? read.state.notCarried : [],
      ...('state' in read ? {
        holds: {
          annotations: read.state.annotations.some((a) => a.value.graphics.length || a.value.texts.length), window: read.state.windows.length > 0,
          ...(read.state.rotation || read.state.flip ? { turn: true } : {}), ...(read.state.shutter ? { shutter: true } : {}), ...(inverts ? { invert: true } : {}),
        },
      } : {}),
    });
  }
  return out;
}

const kib = (bytes: number) => (bytes >= 10 << 20 ? `${Math.round(bytes / 2 ** 20).toLocaleString('en')} MB` : `${Math.ceil(bytes / 1024)} KB`);

/**
 * Places a study's reports into the records of `images` (its DICOM images, or for a plain PDF all its images, in viewing
 * order), each image's up to DOCUMENT_BYTES_PER_IMAGE of them; one that cannot go (de-identified, unless nothing of the
 * study is, unreadable, larger than a record holds, no image to carry it) is set aside with why.
 */
function documentPlacer(out: StudyObjects, fullHeader: boolean):
  (n: NotImage, images: readonly string[], nothingDeidentified: boolean) => Promise<void> {
  const load = new Map<string, number>();
  return async (n, images, nothingDeidentified) => {
    if (!fullHeader && !nothingDeidentified) {
      out.notImages.push({ ...n, why: `${REMOVED.document} ${FULL_HEADER_REMEDY}` });
      return;
    }
    let doc: CarriedDocument | undefined, size: number;
    try {
      // One larger than a record holds is not read at all (a scanned report of hundreds of MB, a file misnamed .pdf).
      size = (await stat(n.path)).size;
      if (size <= DOCUMENT_BYTES_PER_IMAGE) {
        const bytes = new Uint8Array(await readRegularFile(n.path));
        size = bytes.length;
        doc = n.kind === PLAIN_PDF ? readPlainPdf(bytes, basename(n.path)) : readDocument(bytes);
      }
    } catch (err) {
      out.notImages.push({ ...n, why: `it could not be read (${(err as Error).message}), so the study {goes} without it.` });
      return;
    }
    const at = images.findIndex((image) => (load.get(image) ?? 0) + size <= DOCUMENT_BYTES_PER_IMAGE);
    if (!doc || size > DOCUMENT_BYTES_PER_IMAGE || at < 0) {
      const why = images.length === 0 ? `the study holds no ${n.kind === PLAIN_PDF ? '' : 'DICOM '}image to carry it with`
        : size > DOCUMENT_BYTES_PER_IMAGE ? `it is larger (${kib(size)}) than the ${kib(DOCUMENT_BYTES_PER_IMAGE)} aeimg carries of a report`
          : `${images.length === 1 ? 'the study\'s image carries' : `each of the study's ${images.length} images carries`} at most ` +
            `${kib(DOCUMENT_BYTES_PER_IMAGE)} of reports, and its other reports fill ${images.length === 1 ? 'it' : 'them'}`;
      out.notImages.push({ ...n, why: `${why}, so the study {goes} without it and the reader will not have it.` });
      return;
    }
    load.set(images[at]!, (load.get(images[at]!) ?? 0) + size);
    out.documentsByImage.set(images[at]!, [...(out.documentsByImage.get(images[at]!) ?? []), doc]);
    out.carried.push({ path: n.path, kind: doc.kind, label: doc.title, images: 0, notCarried: [], ...(doc.plain ? { plain: true as const } : {}) });
  };
}

/**
 * "is a structured report, not an image: the study goes without it …": what a study does with an object without an
 * image, in a sender's words, after its file's name; `tense` as the study is being written, would be (--dry-run) or was.
 */
export function notImageWords(n: NotImage, tense: 'goes' | 'would go' | 'went' = 'goes'): string {
  return n.why ? `is ${n.kind}: ${n.why.replace('{goes}', tense)}`
    : `is ${n.kind}, not an image: the study ${tense} without it (aeimg sends images), so the reader will not have it.`;
}

/** "its presentation state "Lesion" went with the 3 images it marks: …": a carried object in a sender's words. */
export function carriedWords(c: CarriedObject, tense: 'goes' | 'would go' | 'went' = 'goes'): string {
  const images = c.images === 1 ? 'image' : `${c.images} images`;
  if (c.kind !== 'presentation state' && c.kind !== 'key object selection') {
    return `its ${c.kind === 'PDF' ? 'PDF document' : c.kind} "${c.label}" ${tense} with the study: the reader gets it as a file beside the images ` +
      (c.plain ? '(the PDF itself, with PNG and DICOM output).'
        : `(${c.kind === 'structured report' ? 'as text' : `its ${c.kind === 'PDF' ? 'PDF' : 'XML'}`} with PNG output, the DICOM file itself with DICOM output).`);
  }
  if (c.kind === 'key object selection') {
    return `its key object selection "${c.label}" ${tense} with the ${images} it flags: the reader's viewer marks ${c.images === 1 ? 'it' : 'them'}, ` +
      'and DICOM output writes it back beside the images.';
  }
  const without = c.notCarried.length ? ` It goes without ${c.notCarried.join(', ')}.` : '';
  const shows = [...(c.holds?.annotations !== false ? ['draws its annotations'] : []), ...(c.holds?.window !== false ? ['offers its window'] : []),
    ...(c.holds?.turn ? ['turns the image as it does'] : []), ...(c.holds?.invert ? ['shows it inverted (black for white) as it does'] : []),
    ...(c.holds?.shutter ? ['covers what its shutter covers'] : [])]
    .join(' and ').replace(/ and (?=.* and )/g, ', ');
  return `its presentation state "${c.label}" ${tense} with the ${images} it marks: the reader's viewer ${shows}, ` +
    `and DICOM output writes it back beside the images.${without}`;
}
