/**
 * What a DICOM object is by its SOP class, where that decides what aeimg does with it: an object without pixels named
 * for what it is (a presentation state, a structured report, …: nonImageKind), a report a study carries
 * (documentKind), and what a sender giving one alone is told (noImageMessage).
 */
import { CLEAN_GRAPHICS_CHOICE } from '../../../src-shared/api.js';

/** Image storage classes, named, whose objects always hold pixels: one without is a damaged copy (noImageMessage). */
export const IMAGE_CLASSES: Readonly<Record<string, string>> = {
  '1.2.840.10008.5.1.4.1.1.1': 'a CR image', '1.2.840.10008.5.1.4.1.1.1.1': 'a DX image', '1.2.840.10008.5.1.4.1.1.1.1.1': 'a DX image',
  '1.2.840.10008.5.1.4.1.1.1.2': 'a mammogram', '1.2.840.10008.5.1.4.1.1.1.2.1': 'a mammogram',
  '1.2.840.10008.5.1.4.1.1.2': 'a CT image', '1.2.840.10008.5.1.4.1.1.2.1': 'an enhanced CT image',
  '1.2.840.10008.5.1.4.1.1.4': 'an MR image', '1.2.840.10008.5.1.4.1.1.4.1': 'an enhanced MR image',
  '1.2.840.10008.5.1.4.1.1.3.1': 'an ultrasound clip', '1.2.840.10008.5.1.4.1.1.6.1': 'an ultrasound image',
  '1.2.840.10008.5.1.4.1.1.7': 'a secondary capture image', '1.2.840.10008.5.1.4.1.1.12.1': 'an angiography (XA) image',
  '1.2.840.10008.5.1.4.1.1.12.2': 'a fluoroscopy (XRF) image', '1.2.840.10008.5.1.4.1.1.20': 'a nuclear medicine image',
  '1.2.840.10008.5.1.4.1.1.128': 'a PET image', '1.2.840.10008.5.1.4.1.1.481.1': 'an RT image',
};

/** Grayscale and Color Softcopy Presentation States and Key Object Selections: a study carries them (aeimg 0.18). */
const GOES_WITH_A_STUDY = new Set(['1.2.840.10008.5.1.4.1.1.11.1', '1.2.840.10008.5.1.4.1.1.11.2', '1.2.840.10008.5.1.4.1.1.88.59']);

/** A report a study carries with its full header (dicom/documents.ts; aeimg 0.22). */
export type DocumentKind = 'structured report' | 'PDF' | 'CDA document';

/** The kind of report a SOP class is; undefined for any other class (a key object selection is not one). */
export function documentKind(sopClass: string): DocumentKind | undefined {
  if (sopClass === '1.2.840.10008.5.1.4.1.1.104.1') return 'PDF';
  if (sopClass === '1.2.840.10008.5.1.4.1.1.104.2') return 'CDA document';
  if (sopClass.startsWith('1.2.840.10008.5.1.4.1.1.88.') && sopClass !== '1.2.840.10008.5.1.4.1.1.88.59') return 'structured report';
  return undefined;
}

/**
 * What a DICOM object without pixels is, by its SOP class, in a sender's words (0.17): a study exported whole holds
 * them beside its images, and a presentation state or key-object note carries what a radiologist marked on them,
 * which the reader then does not see ("a structured report"). Undefined for a class not named here.
 */
export function nonImageKind(sop: string): string | undefined {
  if (sop.startsWith('1.2.840.10008.5.1.4.1.1.11.')) {
    return 'a presentation state, the annotations, measurements and display settings a viewer saved for images of its study';
  }
  if (sop === '1.2.840.10008.5.1.4.1.1.88.59') return 'a key object selection, the images a reader flagged in its study';
  if (sop.startsWith('1.2.840.10008.5.1.4.1.1.88.')) return 'a structured report';
  if (sop === '1.2.840.10008.5.1.4.1.1.104.1') return 'a PDF document in DICOM';
  if (sop.startsWith('1.2.840.10008.5.1.4.1.1.104.')) return 'a document in DICOM';
  if (sop.startsWith('1.2.840.10008.5.1.4.1.1.9.')) return 'a waveform (an ECG, a pressure or audio recording)';
  if (sop === '1.2.840.10008.5.1.4.1.1.481.3') return 'an RT structure set, the contours drawn for radiotherapy';
  // RT Image (.1) and RT Dose (.2) hold pixels; the other radiotherapy classes are plans, records and structures.
  if (sop.startsWith('1.2.840.10008.5.1.4.1.1.481.') && sop !== '1.2.840.10008.5.1.4.1.1.481.1' && sop !== '1.2.840.10008.5.1.4.1.1.481.2') {
    return 'a radiotherapy object without an image (a plan or a record)';
  }
  if (sop === '1.2.840.10008.5.1.4.1.1.66') return 'raw data a scanner keeps for itself';
  if (['1.2.840.10008.5.1.4.1.1.66.1', '1.2.840.10008.5.1.4.1.1.66.3'].includes(sop)) return 'a registration, how two of its image sets line up (a PET/CT or MR fusion)';
  if (sop === '1.2.840.10008.5.1.4.1.1.66.2') return 'a set of fiducials, landmarks placed on its images';
  if (sop === '1.2.840.10008.5.1.4.1.1.66.5' || sop.startsWith('1.2.840.10008.5.1.4.1.1.68.')) return 'a surface or mesh (a 3D model)';
  if (sop === '1.2.840.10008.5.1.4.1.1.91.1') return 'a set of microscopy annotations, regions marked on a slide';
  if (sop === '1.2.840.10008.5.1.4.38.1') return 'a hanging protocol, how a workstation lays out a study';
  return undefined;
}

/**
 * What a sender who gives an object without pixels alone is told (after its file's name): what it is, that the reader
 * will not have it, and where a study would carry it, how to send it so.
 */
export function noImageMessage(sop: string): string {
  const image = IMAGE_CLASSES[sop];
  // An image's class without its pixels: a copy cut or stripped, not another kind of object (0.48; before, "it may be a
  // report, structure set or presentation state" of an MR image).
  if (image) {
    return `is ${image} (SOP class ${sop}) whose file holds no Pixel Data: a copy that is incomplete, or whose pixels were ` +
      'removed. Copy it again from the CD or PACS export, or export it again.';
  }
  const kind = nonImageKind(sop);
  // A presentation state or key-image note goes with the images it references in a study (dicom/study-objects.ts).
  const withStudy = GOES_WITH_A_STUDY.has(sop) ? ' To send it with the images it references, encrypt them together as one study with the full ' +
    'header (aeimg encrypt --bundle NAME --deidentify none; in the app, "Encrypt as one study" with DICOM metadata "Keep all"), or de-identified ' +
    `with the Clean Graphics option, which carries it without its text (--deidentify basic,clean-graphics; in the app, "${CLEAN_GRAPHICS_CHOICE}").`
    // A report goes with its study's images, with the full header only (dicom/documents.ts).
    : documentKind(sop) ? ' To send it with its study\'s images, encrypt them together as one study with the full header (aeimg encrypt --bundle NAME ' +
      '--deidentify none; in the app, "Encrypt as one study" with DICOM metadata "Keep all").' : '';
  return `holds no image (no Pixel Data${sop ? `; SOP class ${sop}` : ''}): ${kind ? `it is ${kind}` : 'it may be a report, structure set or presentation state'}. ` +
    `Only DICOM images can be encrypted${kind ? ': the reader will not have it' : ''}.${withStudy}`;
}
