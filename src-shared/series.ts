/**
 * Which images of a study are one series, and how a series is named to its reader: the viewer's series picker and the
 * folders a decrypted or exported study is written into use the same grouping and the same words.
 */
import { numbered, UniqueNames } from './unique-names.js';

/** What a DICOM image says about its series (as it travelled: a de-identified file's replacement UID). */
export interface SeriesFacts {
  seriesUid?: string;
  seriesNumber?: string;
  seriesDescription?: string;
  modality?: string;
}

/** Images of one series share this key: its Series Instance UID, else its number and description; '' for a plain image. */
export function seriesKey(facts: SeriesFacts | undefined): string {
  return facts ? facts.seriesUid ?? `${facts.seriesNumber ?? ''}|${facts.seriesDescription ?? ''}` : '';
}

/** "Series 3 AX T2 — MR". */
export function seriesLabel(facts: SeriesFacts | undefined): string {
  const name = [`Series ${facts?.seriesNumber ?? '?'}`, facts?.seriesDescription].filter(Boolean).join(' ');
  return `${name}${facts?.modality ? ` — ${facts.modality}` : ''}`;
}

/** Longest folder name a series gets (its description is cut; file systems allow 255 bytes). */
const MAX_FOLDER_CHARS = 64;

/**
 * A folder name for each image of a study that holds more than one series: "series-3-MR-AX_T2" (number, modality,
 * description; letters, digits, '_', '.', '-' only), one per series and told apart by "-2", "-3" where two would be
 * the same; '' (the study's own folder) for every image of a study of one series, and for images that are not DICOM.
 */
export function seriesFolders(images: readonly (SeriesFacts | undefined)[]): string[] {
  const keys = images.map(seriesKey);
  if (new Set(keys).size < 2) return keys.map(() => '');
  const folders = new Map<string, string>([['', '']]);
  const taken = new UniqueNames();
  images.forEach((facts, i) => {
    if (folders.has(keys[i]!)) return;
    const parts = ['series', facts?.seriesNumber, facts?.modality, facts?.seriesDescription].filter(Boolean) as string[];
    const name = parts.join('-').replace(/[^\p{L}\p{N}_.-]+/gu, '_').slice(0, MAX_FOLDER_CHARS).replace(/[_.-]+$/, '');
    folders.set(keys[i]!, taken.claim(numbered(name)));
  });
  return keys.map((key) => folders.get(key)!);
}
