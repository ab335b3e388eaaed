import { ErrorCode, Remedy, type ErrorFacts } from '../../src-shared/errors.js';

export { ErrorCode, Remedy, type ErrorFacts };

/**
 * An expected failure: a code, a message saying what happened (for the person at the keyboard), and optionally the
 * remedy's id and facts, which each front end phrases in its own words (a flag for the CLI, a choice for the app).
 */
export class AeimgError extends Error {
  readonly remedy?: Remedy;
  readonly facts?: ErrorFacts;

  constructor(
    readonly code: ErrorCode,
    message: string,
    details: { remedy?: Remedy; facts?: ErrorFacts } = {},
  ) {
    super(message);
    this.name = 'AeimgError';
    if (details.remedy) this.remedy = details.remedy;
    if (details.facts) this.facts = details.facts;
  }
}

/** What a sender is told to do with a damaged DICOM file: the copy's fault, or its writer's. */
export const COPY_OR_EXPORT_AGAIN = 'Copy it again from the CD or PACS, or export it again if that copy fails too.';

/**
 * Prefixes an engine error with the file it concerns, keeping its code, remedy and facts; `name` is what the file is
 * called to its user (its base name unless given: a path under the folder given, as `aeimg eval` names its examples).
 */
export function inFile(file: string, err: unknown, name = file.split(/[\\/]/).pop() ?? file): AeimgError {
  if (err instanceof AeimgError) {
    return err.message.startsWith(name) ? err : new AeimgError(err.code, `${name}: ${err.message}`, err);
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string') {
    const why =
      e.code === 'ENOENT' ? 'file not found' :
      e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' :
      e.code === 'EISDIR' ? 'is a folder, not a file' :
      e.code === 'ENOTDIR' ? 'a folder in its path is a file' :
      e.code === 'ELOOP' ? 'too many symbolic links (a link points back to itself)' :
      e.code === 'ENOSPC' || e.code === 'EDQUOT' ? 'the disk is full. Free some space or choose another output folder' :
      e.code === 'EROFS' ? 'the disk is read-only (a CD or a write-protected share?): choose an output folder elsewhere' :
      e.code === 'ENAMETOOLONG' ? 'the name is too long for the file system: give the file a shorter name' :
      // Node reads at most 2 GiB into one buffer: a long cine or a whole-slide image in one DICOM file.
      e.code === 'ERR_FS_FILE_TOO_LARGE' ? 'is larger than the 2 GB aeimg reads of one file: export it as smaller files (a multi-frame DICOM ' +
        'file as several) and send them together as one study' : e.message;
    return new AeimgError(ErrorCode.Io, `${name}: ${why}.`);
  }
  return new AeimgError(ErrorCode.BadInput, `${name}: ${(err as Error)?.message ?? String(err)}`);
}
