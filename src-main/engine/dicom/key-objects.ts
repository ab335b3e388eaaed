/**
 * Key Object Selection documents (PS3.3 A.35.4; "key image notes"): the images of a study a reader flagged, under a
 * title (PS3.16 CID 7010: "Of Interest", "For Referring Provider", "For Surgery", … and "Rejected for Quality
 * Reasons" and the other rejection notes, which say the images they list must not be read), with an optional
 * description. A study exported whole from a PACS brings them beside its images.
 *
 * A study sent with its full header (`--deidentify none`) carries each one with every image frame it flags (aeimg
 * 0.18): the receiver's viewer marks those images, in its corner and its series strip. De-identification removes them
 * (PS3.15 Table E.1-1: Content Sequence X; their text may name the patient), so a de-identified study goes without
 * them and its sender is told. DICOM output writes them back (dicom/write-study-objects.ts).
 */
import type { DataSet } from 'dicom-parser';
import { elementText, textDecoder, valueType } from './dataset.js';
import { applies, imageRef, items, type ImageRef } from './presentation-state.js';

export const KEY_OBJECT_SELECTION = '1.2.840.10008.5.1.4.1.1.88.59';

/** Document titles (CID 7011, DCM) that reject the images they list: a viewer must not show them as readable. */
const REJECTIONS = new Set(['113001', '113037', '113038', '113039']);

/** A key object selection as the sender reads it from its file: plain data, so it can go to an encoding worker. */
export interface KeyObjectFile {
  title: string;
  /** Its title's code (CID 7010), which DICOM output writes back. */
  code?: TitleCode;
  description?: string;
  rejected: boolean;
  images: ImageRef[];
  /** Cleaned for a de-identified study (cleanedKeyObject). */
  cleaned?: true;
}

/** What the receiver gets with each frame it flags. */
export interface CarriedKeyObject {
  title: string;
  /** Its title's code as the file gave it (aeimg 0.18), for DICOM output. */
  code?: TitleCode;
  description?: string;
  /** Its title rejects the image ("Rejected for Quality Reasons"). */
  rejected: boolean;
}

/** A document title's code: its value and coding scheme (DCM for CID 7010's). */
export interface TitleCode { value: string; scheme: string }

const MAX_TITLE = 64;
const MAX_CODE = 16;
const MAX_DESCRIPTION = 1024;
const MAX_PER_FRAME = 8;

/** Reads a key object selection's file. */
export function readKeyObjectSelection(ds: DataSet): KeyObjectFile {
  const decode = textDecoder(ds);
  const text = (d: DataSet, tag: string, max: number) => elementText(d, tag, decode, max);
  const [code] = items(ds, 'x0040a043');
  const value = code?.string('x00080100')?.trim() ?? '';
  const scheme = code?.string('x00080102')?.trim() ?? '';
  const images: ImageRef[] = [];
  let description: string | undefined;
  for (const item of items(ds, 'x0040a730')) {
    const type = valueType(item);
    if (type === 'IMAGE') {
      images.push(...items(item, 'x00081199').flatMap((r) => imageRef(r) ?? []));
    } else if (type === 'TEXT' && items(item, 'x0040a043')[0]?.string('x00080100')?.trim() === '113012') { // Key Object Description
      description ??= text(item, 'x0040a160', MAX_DESCRIPTION);
    }
  }
  return {
    title: (code && text(code, 'x00080104', MAX_TITLE)) ?? 'Key images', ...(description ? { description } : {}),
    ...(value && scheme && value.length <= MAX_CODE && scheme.length <= MAX_CODE ? { code: { value, scheme } } : {}),
    rejected: REJECTIONS.has(value), images,
  };
}

/** Titles of CID 7010 and 7011 (DCM) by code, as a cleaned selection says them (its file's own words are not kept). */
const TITLES: Record<string, string> = {
  113000: 'Of Interest', 113001: 'Rejected for Quality Reasons', 113002: 'For Referring Provider', 113003: 'For Surgery', 113004: 'For Teaching',
  113005: 'For Conference', 113006: 'For Therapy', 113007: 'For Patient', 113008: 'For Peer Review', 113009: 'For Research', 113010: 'Quality Issue',
  113013: 'Best In Set', 113037: 'Rejected for Patient Safety Reasons', 113038: 'Incorrect Modality Worklist Entry', 113039: 'Data Retention Policy Expired',
};

/**
 * A key object selection as de-identification's Clean Graphics option lets it go (aeimg's choice: its flags name no
 * one): the images it flags under its title's code, said in the standard's words where the code is DCM's (else "Key
 * images"); not its description or its file's own title text, which may name the patient.
 */
export function cleanedKeyObject(k: KeyObjectFile): KeyObjectFile {
  const known = k.code?.scheme === 'DCM' ? TITLES[k.code.value] : undefined;
  return { title: known ?? 'Key images', ...(known ? { code: k.code } : {}), rejected: k.rejected, images: k.images, cleaned: true };
}

/** What of a key object selection goes with frame `frame` (1-based) of image `sop`: undefined where it does not flag it. */
export function keyObjectFor(k: KeyObjectFile, sop: string, frame: number): CarriedKeyObject | undefined {
  const flagged = applies(k.images, sop, frame);
  return flagged ? { title: k.title, ...(k.code ? { code: k.code } : {}), ...(k.description ? { description: k.description } : {}), rejected: k.rejected } : undefined;
}

/** A received record's key objects, each kept only if well-formed (a crafted record's are left out). */
export function validKeyObjects(v: unknown): CarriedKeyObject[] {
  if (!Array.isArray(v)) return [];
  const short = (s: unknown) => typeof s === 'string' && s.length > 0 && s.length <= MAX_CODE;
  return v.slice(0, MAX_PER_FRAME).flatMap((k: Partial<CarriedKeyObject>) => (k && typeof k === 'object' && typeof k.title === 'string' &&
    k.title.length <= MAX_TITLE && typeof k.rejected === 'boolean' &&
    (k.description === undefined || (typeof k.description === 'string' && k.description.length <= MAX_DESCRIPTION))
    ? [{
      title: k.title, ...(k.code && short(k.code.value) && short(k.code.scheme) ? { code: { value: k.code.value, scheme: k.code.scheme } } : {}),
      ...(k.description ? { description: k.description } : {}), rejected: k.rejected,
    }] : []));
}

export const KEY_OBJECTS_PER_FRAME = MAX_PER_FRAME;
