/**
 * Study discovery and opening: which .aeimg inputs are parts of which study, and opening a single file or a whole
 * study from any of its parts, finding the key once.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { IdentitySource } from '../container/aeimg-file.js';
import { checkPartInfos, probeAeimg, readPartInfo, studyOfPartName, type PartInfo } from '../container/study.js';
import { Passphrase, SharedKey, type Identity } from '../keys/recipients.js';
import { X25519Identity } from '../keys/x25519.js';
import { isAeimgPath } from '../../../src-shared/files.js';
import type { ReceivedFiles } from '../../../src-shared/api.js';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import { archivesLeftOut, findAeimgInputs } from './files.js';

export interface StudyGroup {
  name: string;
  /** The parts given, in the order given (decryptStudy orders and checks them). */
  parts: string[];
}

/** Study parts grouped by study (each group decrypts together), and the single-image files, in input order. */
export async function groupStudies(inputs: string[], identities: IdentitySource): Promise<{ studies: StudyGroup[]; singles: string[] }> {
  const studies = new Map<string, StudyGroup>();
  const read: { input: string; study?: string; unread?: true }[] = [];
  for (const input of inputs) {
    // Unreadable here (undefined): decrypting it says why; null: a single-image file, whatever its name.
    const info = await readPartInfo(input, identities).catch(() => undefined);
    read.push({ input, ...(info ? { study: info.study.id } : {}), ...(info === undefined ? { unread: true } : {}) });
    if (!info) continue;
    const group = studies.get(info.study.id) ?? { name: info.study.name, parts: [] };
    group.parts.push(input);
    studies.set(info.study.id, group);
  }
  // A file named as a part of a study given (st.part2of2.aeimg) that does not read goes with that study, whose check
  // then says what is wrong with it (cut short, damaged, another key's); 0.46 left it out, and the study said
  // "st.part2of2.aeimg is missing. Add it" of the very file given.
  const singles: string[] = [];
  for (const { input, study, unread } of read) {
    if (study) continue;
    const name = unread ? studyOfPartName(basename(input)) : undefined;
    const group = name === undefined ? undefined : [...studies.values()].find((g) => g.name === name && g.parts.some((p) => dirname(p) === dirname(input)));
    if (group) group.parts.push(input);
    else singles.push(input);
  }
  return { studies: [...studies.values()], singles };
}

export interface OpenedAeimg<T> {
  /** The study the file is part of, with every part opened, in order; null for a single-image file. */
  study: { name: string; parts: string[] } | null;
  /** What `read` gave for each file, in order. */
  items: T[];
  /** The key that opened it, as the viewer names it: "Radiology A (3F2A-…)", "your contact identity", "the passphrase". */
  key: string;
}

function keyName(identity: Identity): string {
  if (identity instanceof SharedKey) return identity.label ? `${identity.label} (${identity.fingerprint})` : identity.fingerprint;
  if (identity instanceof X25519Identity) return 'your contact identity';
  return identity instanceof Passphrase ? 'the passphrase' : '';
}

/**
 * Opens an .aeimg with `read` (which decrypts one file with the identities it is given). A part of a study opens the
 * whole study from the parts beside it, all of which must be there; the key that opens the first file opens the rest.
 */
export async function openAeimg<T>(path: string, identities: IdentitySource, read: (file: string, identities: Identity[]) => Promise<T[]>): Promise<OpenedAeimg<T>> {
  const { study, identity } = await probeAeimg(path, identities);
  let files = [path];
  if (study) files = await studyParts(path, study, identity);
  const items: T[] = [];
  for (const file of files) items.push(...await read(file, [identity]));
  return { study: study ? { name: study.name, parts: files } : null, items, key: keyName(identity) };
}

/**
 * The parts of the study `path` is part of, from the files beside it named as its parts, in order (checkParts: none
 * missing, none twice). A file so named that is of another study, or that the key which opened `path` does not open,
 * is not one of them (0.51): a browser saves a second study of the same name as "study.part1of3 (1).aeimg", and before,
 * that file stopped the study, after a passphrase as "the passphrase is wrong". Where a part is then missing, those
 * files are named.
 */
async function studyParts(path: string, study: { id: string; name: string }, identity: Identity): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${study.name}.part`;
  const named = (await readdir(dir)).filter((n) => n.startsWith(prefix) && isAeimgPath(n)).map((n) => join(dir, n));
  if (!named.includes(join(dir, basename(path)))) named.push(join(dir, basename(path))); // itself, renamed
  const ours: PartInfo[] = [], others: string[] = [];
  for (const file of named) {
    const info = await readPartInfo(file, [identity]).catch((err: unknown) => {
      // Another key's file (or one whose header was damaged, which cannot be told apart): not of this study. A file this
      // key opens that is damaged further in is said as it is.
      if ((err as { code?: string }).code === ErrorCode.WrongKey) return null;
      throw err;
    });
    if (info?.study.id === study.id) ours.push(info);
    else others.push(file);
  }
  try {
    return checkPartInfos(ours).map((i) => i.path); // each read once, above
  } catch (err) {
    // Said of the file opened, which names it.
    if (!others.length || !(err instanceof AeimgError)) throw inFile(path, err);
    const names = others.map((f) => basename(f)).join(', ');
    throw inFile(path, new AeimgError(err.code, `${err.message} Beside it, ${names} ${others.length === 1 ? 'is' : 'are'} of another study or for ` +
      'another key (or damaged: then ask the sender for a new copy).', err));
  }
}

/**
 * What was dropped on the app's Open tab (files, folders): each .aeimg to open, in natural order, a study's parts as one
 * (its first part found, which opens the whole study), and a note naming the archives left out. Before 0.27 the Open tab
 * opened the first path dropped and said nothing of the others, and a folder was "a folder, not a file".
 */
export async function receivedFiles(paths: readonly string[]): Promise<ReceivedFiles> {
  const { found, archives } = await findAeimgInputs(paths, ErrorCode.BadInput);
  const files: ReceivedFiles['files'] = [];
  const studies = new Set<string>();
  for (const { path } of found) {
    const study = studyOfPartName(basename(path));
    if (study !== undefined) {
      const key = join(dirname(path), study);
      if (studies.has(key)) continue;
      studies.add(key);
    }
    files.push({ path, name: study !== undefined ? `${study} (a study)` : basename(path) });
  }
  const note = archivesLeftOut(archives, '.aeimg files').replace(/^note: /, '').trim();
  return { files, ...(note ? { note } : {}) };
}
