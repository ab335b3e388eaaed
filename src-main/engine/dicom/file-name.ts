/**
 * A DICOM file's own name may identify its patient: viewers and PACS exports name files and folders after the
 * patient (`DOE_JOHN_CT_001.dcm`, `12345678_20260101.dcm`) or by the instance's UID. De-identification (deidentify.ts)
 * clears the attributes, but the record's name travels inside the encryption and names the receiver's files, and the
 * `.aeimg`'s own name (made from it: jobs/files.ts withSendingNames) is read by anyone who sees the e-mail. So a
 * de-identified file goes under its name with every part that matches its patient's names, IDs, accession number or
 * birth date replaced by "anon" (`anon_CT_001.dcm`), and its own UIDs by those its de-identified header holds. The
 * study objects a receiver writes beside the images are named from their labels here too (labelStem).
 */
import { readHead, readRegularFile } from '../fs/read.js';
import { datasetToJson, firstString, type DicomJson } from './dataset.js';
import type { UidMapper } from './deidentify.js';
import { parseDicomHeader } from './read-dataset.js';

/** Patient's Name, Other Patient Names. */
const NAME_TAGS = ['00100010', '00101001'];
/** Patient ID, Other Patient IDs, Accession Number, Issuer-free Medical Record Locator. */
const ID_TAGS = ['00100020', '00101000', '00080050', '00102000'];
const BIRTH_DATE = '00100030';

/** A word of a file name: letters and digits between anything else. */
const WORD = '[\\p{L}\\p{N}]';

/** A tag's values as text, composed (NFC): a macOS file name spells "ü" as u + a combining mark, a header as one letter. */
function values(json: DicomJson, tag: string): string[] {
  return (json[tag]?.Value ?? []).map((v) => (typeof v === 'object' ? v.Alphabetic : String(v)).normalize('NFC')).filter(Boolean);
}

/** What a file name is searched for (identifyingParts) and what replaces it. */
export interface IdentifyingParts {
  /** Whole words (lower case), replaced by "anon". */
  words: string[];
  /** Anywhere in the name (lower case), replaced by "anon". */
  substrings: string[];
  /** The file's study, series and instance UIDs, each with the UID de-identification gives it in the dataset. */
  uids: [original: string, replacement: string][];
}

/** The study, series and SOP instance UIDs: a file is often named by one, and de-identification replaces them. */
const UID_TAGS = ['0020000D', '0020000E', '00080018'];

/**
 * What in a file name would identify the dataset's patient: whole words (name components of two or more letters, and
 * the family name run into the given name either way round; IDs of three or more characters) and substrings (IDs of
 * six or more characters, run into other letters or digits; the birth date as YYYYMMDD, YYYY-MM-DD or YYYY_MM_DD), lower
 * case; with `uids` (unless UIDs are retained), the study's, series' and instance's UIDs, which the name then gets as
 * the dataset does. Empty when the dataset names no one.
 */
export function identifyingParts(plain: DicomJson, uids?: UidMapper): IdentifyingParts {
  const words = new Set<string>(), substrings = new Set<string>();
  for (const tag of NAME_TAGS) {
    for (const name of values(plain, tag)) {
      const parts = name.split(/[\^=\s,.]+/u).map((p) => p.toLowerCase()).filter((p) => /^\p{L}{2,}$/u.test(p));
      for (const p of parts) words.add(p);
      if (parts.length >= 2) {
        words.add(`${parts[0]}${parts[1]}`);
        words.add(`${parts[1]}${parts[0]}`);
      }
    }
  }
  for (const tag of ID_TAGS) {
    for (const id of values(plain, tag).map((v) => v.trim().toLowerCase())) {
      if (id.length >= 3) words.add(id);
      if (id.length >= 6) substrings.add(id);
    }
  }
  const birth = firstString(plain, BIRTH_DATE)?.trim();
  if (birth && /^\d{8}$/.test(birth)) {
    for (const sep of ['', '-', '_']) substrings.add([birth.slice(0, 4), birth.slice(4, 6), birth.slice(6)].join(sep));
  }
  const uidPairs = uids ? UID_TAGS.flatMap((tag) => values(plain, tag).map((u) => u.trim()).filter((u) => /^[\d.]{8,}$/.test(u)).map((u) => [u, uids.map(u)] as [string, string])) : [];
  return { words: [...words], substrings: [...substrings], uids: uidPairs };
}

/**
 * `name` with each UID replaced as the dataset's is, and each other identifying part by "anon" (a run of them, with
 * what separates them, by one); undefined when it holds none.
 */
export function maskedFileName(original: string, parts: IdentifyingParts): string | undefined {
  const composed = original.normalize('NFC');
  let name = composed;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // A whole UID only: not the start of a longer one (1.2.3.4 in 1.2.3.45), nor its end.
  for (const [uid, replacement] of parts.uids) name = name.replace(new RegExp(`(?<![\\d.])${escape(uid)}(?!\\d|\\.\\d)`, 'g'), replacement);
  const alternatives = [
    ...parts.substrings.map(escape),
    ...parts.words.map((w) => `(?<!${WORD})${escape(w)}(?!${WORD})`),
  ];
  // Longest first, so that a family name run into the given name goes whole.
  alternatives.sort((a, b) => b.length - a.length);
  const masked = alternatives.length > 0 ? name.replace(new RegExp(alternatives.join('|'), 'giu'), 'anon') : name;
  if (masked === composed) return undefined;
  return masked.replace(new RegExp(`anon(?:[^\\p{L}\\p{N}]+anon|anon)+`, 'gu'), 'anon');
}

/** A header is read from this much of the file first (the whole file when its header is longer). */
const HEAD_BYTES = 256 << 10;

/**
 * What identifies a DICOM file's patient (identifyingParts of its header; its UIDs replaced through `uids`), or
 * undefined when the header cannot be read (the encoder then says what is wrong with the file).
 */
export async function identifyingPartsOf(path: string, uids?: UidMapper): Promise<IdentifyingParts | undefined> {
  const parts = (bytes: Uint8Array) => identifyingParts(datasetToJson(parseDicomHeader(bytes)), uids);
  try {
    const head = await readHead(path, HEAD_BYTES);
    if (!head) return undefined;
    try {
      return parts(new Uint8Array(head));
    } catch (err) {
      if (head.length < HEAD_BYTES) throw err;
      return parts(new Uint8Array(await readRegularFile(path))); // a header longer than the first bytes read
    }
  } catch {
    return undefined;
  }
}

/**
 * A study object's output file name without extension: its kind and its label in letters, digits, `_` and `-`
 * ("report-Dose_Report", "presentation-state-LESION"), never a path.
 */
export const labelStem = (prefix: string, label: string) => `${prefix}-${label.replace(/[^\w-]+/g, '_').slice(0, 40) || 'unnamed'}`;
