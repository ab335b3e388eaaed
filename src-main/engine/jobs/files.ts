import { constants, lstatSync, statSync, type Stats } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UidMapper, type DeidentifyOptions } from '../dicom/deidentify.js';
import { dicomdirImages } from '../dicom/dicomdir.js';
import { identifyingPartsOf, maskedFileName, type IdentifyingParts } from '../dicom/file-name.js';
import { headerRefusal, isDicomdirName, isDicomFile } from '../dicom/header.js';
import { PDF_NAME } from '../dicom/documents.js';
import { AeimgError, ErrorCode, inFile, Remedy } from '../errors.js';
import { outputExists } from '../fs/atomic.js';
import { ARCHIVE_NAME } from '../fs/archive.js';
import { NOT_IMAGE_HEAD, notImageRefusal } from '../image/not-images.js';
import { readHead } from '../fs/read.js';
import { AEIMG_EXT, AEIMG_INPUT, DICOM_EXTENSIONS, extensionPattern, formatWords, IMAGE_EXTENSIONS, MAX_APP_FILES, someNames } from '../../../src-shared/files.js';
import { imageHeaderRefusal } from '../image/io.js';
import { fileSignature, imageSignature } from '../image/signature.js';
import { DEFAULT_MAX_PIXELS } from '../defaults.js';

export { isDicomFile, AEIMG_EXT, AEIMG_INPUT };

/** Extensions a name loses when its output gets a new one; others stay, so "1.2.840.10008.1.320" keeps its ".320". */
const KNOWN_EXT = extensionPattern(...IMAGE_EXTENSIONS, ...DICOM_EXTENSIONS, 'dic', 'ima', AEIMG_EXT.slice(1));

/** A file name without its extension, if aeimg knows that extension (a UID-named DICOM file is all name). */
export function nameStem(name: string): string {
  return basename(name).replace(KNOWN_EXT, '');
}

/** name.ext in `outDir` (default: beside the input) with a new extension; `name` (default: the input's) is what it is made from. */
export function outputPathFor(input: string, ext: string, outDir?: string, suffix = '', name = basename(input)): string {
  return join(outDir ?? dirname(input), `${nameStem(name)}${suffix}${ext}`);
}

/**
 * With de-identification, what in a DICOM file's name identifies its patient (dicom/file-name.ts): its header's names,
 * IDs and birth date, and its UIDs with the replacements the header gets under `uidSalt` (unless UIDs are retained).
 * Undefined for other files, and without de-identification.
 */
export async function sendingParts(path: string, deidentify: DeidentifyOptions | null, uidSalt: string): Promise<IdentifyingParts | undefined> {
  if (!deidentify || AEIMG_INPUT.test(path) || !(await isDicomFile(path))) return undefined;
  return identifyingPartsOf(path, deidentify.retainUids ? undefined : new UidMapper(Buffer.from(uidSalt, 'hex')));
}

/** The name a file is sent under, when not its own (sendingParts): the .aeimg's name is read by anyone who sees the e-mail. */
export async function sendingName(path: string, deidentify: DeidentifyOptions | null, uidSalt: string): Promise<string | undefined> {
  const parts = await sendingParts(path, deidentify, uidSalt);
  return parts && maskedFileName(basename(path), parts);
}

/**
 * The files of a batch as they are sent, before their outputs are named (batchOutputs): a DICOM file named after its
 * patient gets the name without it, and so do the subfolders it goes into (a viewer's export folder named after the
 * patient, mirrored into the output folder, would show the name to whoever is sent the folder). `uidSalt` must be the
 * batch's (EncryptFilesOptions.uidSalt), so that a file named by its UID is sent under the UID its dataset gets.
 */
export async function withSendingNames(found: readonly FoundFile[], deidentify: DeidentifyOptions | null, uidSalt: string): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  // A few headers at a time: a CD's thousands of files are not all read at once.
  for (let i = 0; i < found.length; i += SENDING_NAME_LANES) {
    out.push(...await Promise.all(found.slice(i, i + SENDING_NAME_LANES).map(async (f) => {
      const parts = await sendingParts(f.path, deidentify, uidSalt);
      if (!parts) return f;
      const name = maskedFileName(basename(f.path), parts);
      const subfolder = f.subfolder.split(/([\\/])/).map((seg) => maskedFileName(seg, parts) ?? seg).join('');
      return { ...f, ...(name ? { name } : {}), subfolder };
    })));
  }
  return out;
}

/** Headers read at once by withSendingNames. */
const SENDING_NAME_LANES = 8;

/** A path as a batch compares outputs: resolved, without case (as macOS and Windows compare names). */
export function outputKey(path: string): string {
  return resolve(path).toLowerCase();
}

/**
 * The outputs of a batch, one per input: as outputPathFor, in `outDir`'s copy of the input's subfolder (a CD's
 * DICOM/ST000000/SE000001/IM000001 keeps its series folder), but never one path twice (compared without case, as
 * macOS and Windows do): a later input whose name is taken gets " (2)", " (3)", … (scan.png and scan.jpg in one folder,
 * or two folders' scan.png into one `-o` folder, were written to one scan.aeimg, the last replacing the others). Not
 * "-2": a decrypted file's second frame is name-2.png. With `ext` '', the paths are output stems (decryptFiles).
 */
export function batchOutputs(inputs: readonly (string | FoundFile)[], ext: string, outDir?: string): string[] {
  const taken = new Set<string>();
  return inputs.map((found) => {
    const { path: input, subfolder, name } = typeof found === 'string' ? { path: found, subfolder: '', name: undefined } : found;
    // Never above or beside the output folder, whatever the subfolder says (the app's renderer names it).
    if (isAbsolute(subfolder) || subfolder.split(/[\\/]/).some((seg) => seg === '..')) {
      throw new AeimgError(ErrorCode.Usage, `${basename(input)}: its subfolder ${subfolder} is not below the output folder.`);
    }
    const dir = outDir === undefined ? undefined : join(outDir, subfolder);
    let output = outputPathFor(input, ext, dir, '', name);
    for (let k = 2; taken.has(outputKey(output)); k++) output = outputPathFor(input, ext, dir, ` (${k})`, name);
    taken.add(outputKey(output));
    return output;
  });
}

/**
 * Fails early, before any heavy work, when an output would replace a file or an input: by its path, or by the file
 * its name already holds (`--force` replaces that directory entry), which is an input's where the two paths differ
 * only by a linked folder (`-o alias/` for `real/`) or by case (macOS, Windows).
 */
export function checkOutput(output: string, inputs: readonly string[], force: boolean): void {
  const out = resolve(output);
  const entry = entryOf(out, lstatSync);
  if (inputs.some((i) => resolve(i) === out || (entry !== undefined && holdsFileOf(entry, i)))) {
    throw new Error(`${basename(output)} would overwrite an input file; choose another output folder.`);
  }
  if (!force && entry !== undefined) throw outputExists(out);
}

/** Whether a directory entry is `input`'s file or the file its link leads to (the same device and inode). */
function holdsFileOf(entry: Stats, input: string): boolean {
  const same = (s: Stats | undefined) => s !== undefined && s.ino !== 0 && s.dev === entry.dev && s.ino === entry.ino;
  return same(entryOf(input, lstatSync)) || same(entryOf(input, statSync));
}

/**
 * A path's file status, undefined where there is none or it cannot be had: a name too long for the file system, or a
 * folder that cannot be read, is said by the write that meets it, in its words (fs/atomic.ts), not here.
 */
function entryOf(path: string, how: typeof lstatSync): Stats | undefined {
  try {
    return how(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/**
 * Why a file named .aeimg is not encrypted: it is one (decrypt opens it), or an image under that name (a picture saved
 * as the attachment's name), which goes once renamed: its output would take its own name.
 */
export async function aeimgNamedRefusal(input: string): Promise<AeimgError> {
  const kind = fileSignature((await readHead(input, 132)) ?? Buffer.alloc(0));
  if (kind === 'DICOM') {
    return new AeimgError(ErrorCode.BadInput, 'is named .aeimg but is a DICOM file, not an encrypted file: give it its own extension (.dcm) to encrypt it.');
  }
  return kind
    ? new AeimgError(ErrorCode.BadInput, `is named .aeimg but is a ${kind} image, not an encrypted file: give it its own extension ` +
      `(.${kind === 'JPEG 2000' ? 'jp2' : kind.toLowerCase()}) to encrypt it.`)
    : new AeimgError(ErrorCode.BadInput, 'is already an encrypted .aeimg file: `aeimg decrypt` (or the app\'s Open) opens it.');
}

/** Image inputs the encrypt journey takes from folders. */
export const IMAGE_INPUT = extensionPattern(...IMAGE_EXTENSIONS, ...DICOM_EXTENSIONS);

/** A file a folder gave, with the subfolder it is in below that folder ('' for the folder's own files). */
export interface FoundFile {
  path: string;
  subfolder: string;
  /**
   * Found only because `objects` was asked for (a CD's presentation state or report its DICOMDIR lists, a PDF by its
   * name): it goes only with its images as one study. A file also found otherwise (given by name) is not marked.
   */
  object?: true;
  /**
   * Found only because `archives` was asked for: an archive or compressed file by its name (fs/archive.ts), whose
   * images are not read inside it; it is named, with how to extract it, so that a study does not go without it unseen.
   */
  archive?: true;
  /** The name its output is made from, when not the file's own (withSendingNames). */
  name?: string;
}

/**
 * Stops a run that writes beside its inputs before it starts when one of their `folders` cannot be written (a CD, a
 * write-protected share), so that it stops once with what to do rather than fail every file.
 */
export async function checkWritableFolders(folders: readonly string[]): Promise<void> {
  for (const dir of new Set(folders.map((f) => resolve(f)))) {
    const code = await access(dir, constants.W_OK).then(() => undefined, (err: NodeJS.ErrnoException) => err.code);
    if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
      throw new AeimgError(ErrorCode.Usage, `${dir} cannot be written (a CD or a write-protected share?).`, { remedy: Remedy.ChooseOutputFolder, facts: { folder: dir } });
    }
  }
}

/** The folder a file was found in as it was given (its subfolder climbed back up): where a study of it goes without -o. */
export function folderGiven(f: FoundFile): string {
  const up = f.subfolder ? f.subfolder.split(/[\\/]/).length : 0;
  let dir = dirname(resolve(f.path));
  for (let i = 0; i < up; i++) dir = dirname(dir);
  return dir;
}

/**
 * How many files and folders one run looks at below the folders it is given: a CD or a PACS export of several studies
 * holds a few thousand; a home folder given by mistake is refused by name instead of read for minutes.
 */
export const MAX_FOLDER_ENTRIES = 200_000;

/**
 * Files and folders → files: a folder gives its files matching `pattern`, and, with `sniff`, those whose name does
 * not match but whose content does (a CD's DICOM files have no extension), in natural name order, then those of its
 * subfolders, each in natural order (a CD's DICOM/ST000000/SE000000 and the next series). With `objects` (a study is
 * made of them) a CD's presentation states and reports too, and a folder's PDF files (a report exported beside the
 * images: aeimg 0.23). With `archives`, a folder's archives too, marked (0.27). Hidden files and folders and links to
 * folders are left out (a link could lead back up the tree). Each file once.
 */
export async function findInputs(paths: readonly string[], pattern: RegExp, sniff?: (path: string) => Promise<boolean>,
  opts: { objects?: boolean; archives?: boolean } = {}): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  let entries = 0;
  const takesDicom = pattern.test('x.dcm');
  const walk = async (root: string, dir: string): Promise<void> => {
    const found = await readdir(dir, { withFileTypes: true }).catch((err: unknown) => {
      throw new AeimgError(ErrorCode.Io, `cannot read the folder ${dir}: ${inFile(dir, err).message.replace(/^[^:]*: /, '')}; give the folders to send one by one.`);
    });
    entries += found.length;
    if (entries > MAX_FOLDER_ENTRIES) {
      throw new AeimgError(ErrorCode.BadInput,
        `${basename(root)} holds more than ${MAX_FOLDER_ENTRIES.toLocaleString('en')} files and folders below it; give the folder of the study or series to send.`);
    }
    const subfolder = relative(root, dir);
    // A CD's folder, when DICOM files are what is looked for: the images its DICOMDIR lists (dicom/dicomdir.ts), not
    // its viewer's icons; its presentation states and reports too with `objects` (a study is made of it).
    const index = takesDicom && found.find((e) => e.isFile() && isDicomdirName(e.name));
    const listed = index && await dicomdirImages(join(dir, index.name), dir, opts.objects);
    if (listed) {
      entries += listed.length;
      for (const f of listed) out.push({ ...f, subfolder: relative(root, dirname(f.path)) });
      return;
    }
    const files: { name: string; object?: true; archive?: true }[] = [], folders: string[] = [];
    for (const e of found) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) folders.push(e.name);
      else if (pattern.test(e.name) || (sniff && await sniff(join(dir, e.name)))) files.push({ name: e.name });
      else if (opts.objects && PDF_NAME.test(e.name)) files.push({ name: e.name, object: true });
      else if (opts.archives && ARCHIVE_NAME.test(e.name)) files.push({ name: e.name, archive: true });
    }
    for (const { name, ...marks } of files.sort((a, b) => natural(a.name, b.name))) out.push({ path: join(dir, name), subfolder, ...marks });
    for (const n of folders.sort(natural)) await walk(root, join(dir, n));
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = (await stat(p)).isDirectory();
    } catch {
      // a missing path is reported by the job itself, with its name
    }
    // A CD's DICOMDIR given itself (dropped from the disc's root): the images it lists, as its folder would give them.
    const listed = !isDir && takesDicom && isDicomdirName(p) ? await dicomdirImages(p, dirname(p), opts.objects) : undefined;
    if (isDir) await walk(p, p);
    else if (listed) for (const f of listed) out.push({ ...f, subfolder: relative(dirname(p), dirname(f.path)) });
    else out.push({ path: p, subfolder: '' });
  }
  // A file given twice (by name and in its folder, say) is one input, in its first place; found otherwise than as an
  // object (given by name), it is not marked as one.
  const seen = new Map<string, FoundFile>();
  return out.filter((f) => {
    const first = seen.get(resolve(f.path));
    if (!first) return seen.set(resolve(f.path), f);
    if (first.object && !f.object) delete first.object;
    if (first.archive && !f.archive) delete first.archive;
    return false;
  });
}

/** findInputs' paths alone, where outputs do not depend on the subfolders (a study's parts go into one folder). */
export async function expandInputs(paths: readonly string[], pattern: RegExp, sniff?: (path: string) => Promise<boolean>): Promise<string[]> {
  return (await findInputs(paths, pattern, sniff)).map((f) => f.path);
}

const natural = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** What to say when the files and folders given hold no image, their subfolders included. */
export function noImagesMessage(archives: readonly FoundFile[] = []): string {
  const none = `the folders given hold no ${formatWords('DICOM')} image, nor do their subfolders`;
  // Archives are not looked into: where the images are in one (a PACS's ZIP download), it says to extract it first.
  if (archives.length === 0) return `${none}.`;
  return archives.length === 1
    ? `${none}, only an archive (${namesOf(archives)}): extract it first, then give aeimg what it holds.`
    : `${none}, only archives (${namesOf(archives)}): extract them first, then give aeimg what they hold.`;
}

/**
 * Up to three files' names, then how many more; a name that two files share, with its subfolder (0.49: a note named
 * "x.dcm.gz, x.dcm.gz", which did not say which were meant).
 */
export function namesOf(files: readonly FoundFile[]): string {
  const names = files.map((f) => basename(f.path));
  const shared = new Set(names.filter((n, i) => names.indexOf(n) !== i));
  return someNames(files.map((f, i) => (shared.has(names[i]!) && f.subfolder ? join(f.subfolder, names[i]!) : names[i]!)));
}

/**
 * What a run says of the archives in the folders it was given, which it does not look into ('' where there are none):
 * a study or batch would otherwise go without what they hold, unseen.
 */
export function archivesLeftOut(archives: readonly FoundFile[], looking: 'images' | '.aeimg files' = 'images'): string {
  if (archives.length === 0) return '';
  const one = archives.length === 1;
  return `note: ${namesOf(archives)} ${one ? 'is an archive or compressed file' : 'are archives or compressed files'}, ` +
    `whose ${looking} are not read inside ${one ? 'it' : 'them'}, so ${one ? 'it is' : 'they are'} left out: ` +
    `to ${looking === 'images' ? 'send' : 'open'} what ${one ? 'it holds' : 'they hold'}, extract ${one ? 'it' : 'them'} first.\n`;
}

/**
 * The .aeimg files among `paths` (folders searched) and the archives beside them, which are not looked into; none is
 * an error of `code` that says so, naming the archives (decrypt, the app's Open tab).
 */
export async function findAeimgInputs(paths: readonly string[], code: ErrorCode): Promise<{ found: FoundFile[]; archives: FoundFile[] }> {
  const all = await findInputs(paths, AEIMG_INPUT, undefined, { archives: true });
  const archives = all.filter((f) => f.archive), found = all.filter((f) => !f.archive);
  if (found.length === 0) throw new AeimgError(code, noAeimgMessage(archives, paths));
  return { found, archives };
}

/**
 * What decrypt says when the folders it is given hold no .aeimg file (naming the archives they hold instead). One
 * folder is named (0.47): a folder named x.aeimg was "the folders given", which did not say which.
 */
function noAeimgMessage(archives: readonly FoundFile[], paths: readonly string[]): string {
  const none = paths.length === 1 ? `the folder ${basename(paths[0]!)} holds no .aeimg file, nor do its subfolders`
    : 'the folders given hold no .aeimg file, nor do their subfolders';
  if (archives.length === 0) return `${none}: give the .aeimg files received, or the folder they were saved in.`;
  return archives.length === 1
    ? `${none}, only an archive (${namesOf(archives)}): extract it first, then open the .aeimg files it holds.`
    : `${none}, only archives (${namesOf(archives)}): extract them first, then open the .aeimg files they hold.`;
}

/** A decrypted image's file name without extension: the original name, frame "#3" as "-3". */
export function imageStem(recordName: string): string {
  const [, name, frame] = /^(.*?)(#\d+)?$/.exec(basename(recordName))!;
  return nameStem(name!) + (frame ? `-${frame.slice(1)}` : '');
}

export type InputKind = 'image' | 'dicom' | 'document' | 'aeimg' | 'other';

export async function inputKind(path: string): Promise<InputKind> {
  if (AEIMG_INPUT.test(path)) return 'aeimg';
  if (await isDicomFile(path)) return 'dicom';
  if (IMAGE_INPUT.test(path)) return 'image';
  if (PDF_NAME.test(path)) return 'document'; // a report, which goes with a study's images (0.23)
  // An image under another name (scan.dat, a .jls) is read as one when given by name: said so before it starts (0.27).
  const head = await readHead(path, 64);
  return head && imageSignature(head) ? 'image' : 'other';
}

/**
 * Why aeimg would refuse the input at `path` of `kind` from its header, before any image is encoded (a 32-bit dose
 * grid, a copy cut short, an image over the pixel limit, an archive or a video), or undefined: what the app's list and `--dry-run` mark.
 */
export async function inputRefusal(path: string, kind: InputKind, maxPixels = DEFAULT_MAX_PIXELS): Promise<string | undefined> {
  if (kind === 'dicom') return headerRefusal(path, maxPixels);
  if (kind === 'other') return notImageRefusal((await readHead(path, NOT_IMAGE_HEAD)) ?? Buffer.alloc(0), basename(path))?.message; // an archive, a video, a volume: named
  return kind === 'image' ? (await imageHeaderRefusal(path, maxPixels))?.message : undefined;
}

/** Files and folders → the files in them that aeimg takes, with their size, kind and subfolder (the app's file list). */
export async function listInputs(paths: string[]): Promise<{ path: string; name: string; bytes: number; kind: InputKind; subfolder?: string; refusal?: string }[]> {
  // A CD's presentation states and reports, and PDF reports, are listed with its images: the sender may send them as
  // one study, which carries them (plain files name each as no image, and how to send it).
  // A folder's archives are listed too, each named with how to extract it (the renderer does not queue them).
  const files = await findInputs(paths, extensionPattern(...IMAGE_EXTENSIONS, ...DICOM_EXTENSIONS, AEIMG_EXT.slice(1), 'pdf'), isDicomFile, { objects: true, archives: true });
  const archives = files.filter((f) => f.archive);
  if (files.length === archives.length) throw new AeimgError(ErrorCode.BadInput, noImagesMessage(archives));
  if (files.length > MAX_APP_FILES) {
    throw new AeimgError(ErrorCode.BadInput, `${paths.length === 1 ? basename(paths[0]!) : 'what was given'} holds ${files.length.toLocaleString('en')} files, ` +
      `more than the ${MAX_APP_FILES.toLocaleString('en')} the app takes at once: give one study or series at a time, or use \`aeimg encrypt\`, which has no such limit.`);
  }
  return Promise.all(files.map(async ({ path, subfolder }) => {
    const kind = await inputKind(path);
    const refusal = await inputRefusal(path, kind); // said before anything starts
    return {
      path, name: basename(path), bytes: await stat(path).then((s) => s.size, () => 0), kind,
      ...(subfolder ? { subfolder } : {}), ...(refusal ? { refusal } : {}),
    };
  }));
}
