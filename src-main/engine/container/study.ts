/**
 * The study sub-format: a study is one or more .aeimg parts named NAME.partKofN.aeimg. Inside each part the first
 * entry says which study and part it is and where its images start; the last part ends with a study-end entry giving
 * the number of images and parts. The clear header is the same as a single image's, and each part opens on its own.
 */
import { basename } from 'node:path';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import type { Identity } from '../keys/recipients.js';
import { AeimgReader, type IdentitySource } from './aeimg-file.js';

export const STUDY_END = 'study-end';

export interface StudyEntry {
  kind: 'file';
  app: string;
  created: string;
  study: { id: string; name: string; part: number; firstImage: number };
}

export interface StudyEnd {
  kind: typeof STUDY_END;
  images: number;
  parts: number;
}

/** Room a part keeps free for the study-end entry, however many images and parts it counts. */
export const STUDY_END_RESERVE = 200;

export function partName(name: string, part: number, parts: number): string {
  return `${name}.part${part}of${parts}.aeimg`;
}

/** The study a file is a part of by its name (partName's or provisionalPartName's), or undefined for another name. */
export function studyOfPartName(fileName: string): string | undefined {
  return /^(.*)\.part\d+(?:of\d+)?\.aeimg$/i.exec(fileName)?.[1];
}

/** The name a part is written under while the number of parts is not yet known. */
export function provisionalPartName(name: string, part: number): string {
  return `${name}.part${part}.aeimg`;
}

export interface PartInfo {
  path: string;
  study: StudyEntry['study'];
  /** The key that opened it: the other parts of the study are opened with it. */
  identity: Identity;
}

/**
 * Reads a file's first entry (authenticating the header and the first chunk): the study and part it is, null for a
 * single-image file, and the key that opened it.
 */
export async function probeAeimg(path: string, identities: IdentitySource): Promise<{ study: StudyEntry['study'] | null; identity: Identity }> {
  const reader = await AeimgReader.open(path, identities);
  try {
    const first = await reader.next(() => []);
    const study = (first?.meta as Partial<StudyEntry> | undefined)?.study;
    const valid = study && typeof study.id === 'string' && Number.isInteger(study.part) && Number.isInteger(study.firstImage) && typeof study.name === 'string';
    return { study: valid ? study as StudyEntry['study'] : null, identity: reader.identity };
  } catch (err) {
    throw inFile(path, err);
  } finally {
    await reader.close();
  }
}

/** A part's first entry: which study and part it is; null for a single-image file. */
export async function readPartInfo(path: string, identities: IdentitySource): Promise<PartInfo | null> {
  const { study, identity } = await probeAeimg(path, identities);
  return study ? { path, study, identity } : null;
}

/** Checks a set of parts before anything is written: one study, no duplicate, no gap; names the missing parts. */
export async function checkParts(paths: string[], identities: IdentitySource): Promise<PartInfo[]> {
  const infos: PartInfo[] = [];
  for (const p of paths) {
    const info = await readPartInfo(p, identities);
    if (!info) throw new AeimgError(ErrorCode.BadInput, `${basename(p)} is a single-image file, not part of a study; decrypt it on its own.`);
    infos.push(info);
  }
  return checkPartInfos(infos);
}

/** checkParts of parts already read (readPartInfo), in any order: them in order, or why they are not one study whole. */
export function checkPartInfos(read: readonly PartInfo[]): PartInfo[] {
  const infos = [...read];
  const studies = new Set(infos.map((i) => i.study.id));
  if (studies.size > 1) {
    const names = [...new Set(infos.map((i) => i.study.name))].join(', ');
    throw new AeimgError(ErrorCode.BadInput, `these parts belong to ${studies.size} different studies (${names}); decrypt each study's parts together.`);
  }
  infos.sort((a, b) => a.study.part - b.study.part);
  for (let k = 1; k < infos.length; k++) {
    if (infos[k]!.study.part === infos[k - 1]!.study.part) {
      throw new AeimgError(ErrorCode.Duplicate,
        `part ${infos[k]!.study.part} of '${infos[k]!.study.name}' was given twice (${basename(infos[k - 1]!.path)} and ${basename(infos[k]!.path)}); give each part once.`);
    }
  }
  for (const info of infos) {
    const m = /\.part(\d+)of(\d+)\.aeimg$/i.exec(info.path);
    if (m && Number(m[1]) !== info.study.part) {
      throw new AeimgError(ErrorCode.BadInput, `${basename(info.path)} holds part ${info.study.part} of '${info.study.name}', not part ${m[1]}: it was renamed. Rename it back to ${partName(info.study.name, info.study.part, Number(m[2]))}.`);
    }
  }
  const declared = Math.max(...infos.map((i) => Number(/of(\d+)\.aeimg$/i.exec(i.path)?.[1] ?? 0)));
  const highest = infos[infos.length - 1]!.study.part;
  const total = Math.max(declared, highest);
  const have = new Set(infos.map((i) => i.study.part));
  const missing = Array.from({ length: total }, (_, k) => k + 1).filter((k) => !have.has(k));
  if (missing.length > 0) {
    const name = infos[0]!.study.name;
    throw new AeimgError(ErrorCode.BadInput,
      `the study '${name}' is incomplete: ${missing.map((k) => partName(name, k, total)).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. Add ${missing.length === 1 ? 'it' : 'them'} and try again.`);
  }
  return infos;
}

/** A part's place in the sequence: it must start where the parts before it ended. */
export function checkPartStart(info: PartInfo, expected: number): void {
  if (info.study.firstImage !== expected) {
    throw new AeimgError(ErrorCode.BadInput, `${basename(info.path)}: part ${info.study.part} starts at image ${info.study.firstImage + 1}, but the parts before it end at image ${expected}; a part is missing or from another encryption of the study.`);
  }
}

/** The last part given must end the study (its study-end entry counts every image before it). */
export function checkStudyEnded(infos: PartInfo[], ended: boolean): void {
  if (ended) return;
  const name = infos[0]!.study.name;
  const last = infos[infos.length - 1]!.study.part;
  throw new AeimgError(ErrorCode.BadInput,
    `the study '${name}' is incomplete: part ${last} is not its last part (${partName(name, last + 1, last + 1)} or later is missing).`);
}
