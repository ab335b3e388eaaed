/**
 * An archive or a compressed file given where an image was expected: a PACS's "download as ZIP", a CD copied into a
 * ZIP to be passed on, a research archive's `.dcm.gz`. aeimg does not open archives (what they hold is not checked
 * until it is extracted: its names, its sizes); it names the file as one and says to extract it first.
 */
import { AeimgError, ErrorCode } from '../errors.js';

export type ArchiveKind = 'ZIP' | '7-Zip' | 'RAR' | 'tar' | 'gzip' | 'bzip2' | 'xz' | 'Zstandard';

/** The names archives and compressed files go by (a folder's are only looked at when it holds no image). */
export const ARCHIVE_NAME = /\.(zip|7z|rar|tar|gz|tgz|bz2|tbz2?|xz|txz|zst)$/i;

/** Bytes long enough for archiveKind: a tar's "ustar" is at 257. */
export const ARCHIVE_HEAD = 262;

/** Which archive or compressed file the first bytes say the file is, or undefined. */
export function archiveKind(head: Uint8Array): ArchiveKind | undefined {
  const at = (offset: number, bytes: number[]) => head.length >= offset + bytes.length && bytes.every((b, i) => head[offset + i] === b);
  if (at(0, [0x50, 0x4b]) && (at(2, [3, 4]) || at(2, [5, 6]) || at(2, [7, 8]))) return 'ZIP'; // PK: a file, an empty archive, a split one
  if (at(0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7-Zip';
  if (at(0, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07])) return 'RAR';
  if (at(257, [0x75, 0x73, 0x74, 0x61, 0x72])) return 'tar'; // "ustar"
  if (at(0, [0x1f, 0x8b])) return 'gzip';
  if (at(0, [0x42, 0x5a, 0x68])) return 'bzip2'; // "BZh"
  if (at(0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (at(0, [0x28, 0xb5, 0x2f, 0xfd])) return 'Zstandard';
  return undefined;
}

/** The tool that uncompresses each single-file compression outside Windows (where 7-Zip does all). */
const UNCOMPRESS: Partial<Record<ArchiveKind, string>> = { gzip: 'gunzip', bzip2: 'bunzip2', xz: 'unxz', Zstandard: 'unzstd' };

/**
 * What a file whose first bytes are an archive's is told, or undefined where they are not: given to be sent (`an
 * image`), or to be opened (`an .aeimg file`: an e-mail gateway or the sender zipped the attachments).
 */
export function archiveRefusal(head: Uint8Array, expected: 'an image' | 'an .aeimg file' = 'an image'): AeimgError | undefined {
  const kind = archiveKind(head);
  if (!kind) return undefined;
  const tool = UNCOMPRESS[kind], opening = expected !== 'an image';
  return new AeimgError(opening ? ErrorCode.NotAeimg : ErrorCode.BadInput, tool
    ? `is a ${kind}-compressed file, not ${expected}: uncompress it first (with 7-Zip on Windows, ${tool} elsewhere), ` +
      `then ${opening ? 'open the .aeimg file it holds' : 'give aeimg what it holds'}.`
    : `is a ${kind} archive, not ${expected}: extract it first (${kind === 'ZIP' ? 'in Windows Explorer: right-click it, Extract All' : 'with 7-Zip'}), ` +
      `then ${opening ? 'open the .aeimg files it holds' : 'give aeimg the folder it makes'}.`);
}
