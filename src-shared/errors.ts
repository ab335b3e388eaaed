/** Error codes shared by the engine, the CLI and the app (environment-free). */
export const ErrorCode = {
  BadInput: 'BAD_INPUT',
  TooLarge: 'TOO_LARGE',
  NotAeimg: 'NOT_AEIMG',
  UnsupportedVersion: 'UNSUPPORTED_VERSION',
  Malformed: 'MALFORMED',
  Tampered: 'TAMPERED',
  Truncated: 'TRUNCATED',
  WrongKey: 'WRONG_KEY',
  KeyMissing: 'KEY_MISSING',
  KeychainUnavailable: 'KEYCHAIN_UNAVAILABLE',
  Duplicate: 'DUPLICATE',
  ModelMissing: 'MODEL_MISSING',
  OutputExists: 'OUTPUT_EXISTS',
  Io: 'IO',
  Usage: 'USAGE',
  /** The sender declined to write a reduced-quality file. */
  Declined: 'DECLINED',
  /** The job was cancelled (its AbortSignal fired); nothing of the file was written. */
  Cancelled: 'CANCELLED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * What the person can do about an error. The engine states what happened and names the remedy by id; each front end
 * says it in its own words (the CLI names a flag, the app a button or a choice), so neither leaks into the other.
 */
export const Remedy = {
  /** The output exists: write elsewhere, or replace it. */
  ReplaceExisting: 'replace-existing',
  /** Outputs would go beside inputs on a disk that cannot be written (a CD): choose an output folder. */
  ChooseOutputFolder: 'choose-output-folder',
  /** The image is over the pixel limit: split or downscale it, or raise the limit. */
  RaisePixelLimit: 'raise-pixel-limit',
  /** One slice alone is over a study's part size limit. */
  LargerParts: 'larger-parts',
  /** The file's key is not in this keychain: import it or give it. */
  GiveKey: 'give-key',
  /** The file was encrypted with a passphrase only, and none was given. */
  GivePassphrase: 'give-passphrase',
  /**
   * A passphrase's work factor (facts.needed: log2 N) is above this reader's limit: a file made to stall it, or one
   * from a writer that asks for more than aeimg's 2^18.
   */
  RaiseWorkFactor: 'raise-work-factor',
  /** No key of that name: create or import one. */
  AddKey: 'add-key',
  /** No contact of that name: add their card. */
  AddContact: 'add-contact',
  /** A training checkpoint cannot be resumed: start afresh. */
  StartFresh: 'start-fresh',
  /** Training diverged: lower the learning rate. */
  LowerLearningRate: 'lower-learning-rate',
  /**
   * An authenticated file holds something this version does not accept (an image record out of its rules): it was
   * written like that, not damaged on the way. A newer aeimg may read it; otherwise the sender's program is at fault.
   */
  UpdateOrAskSender: 'update-or-ask-sender',
  /**
   * One of a study's files cannot be sent (a 32-bit dose grid, a damaged slice): the study is written whole or not at
   * all, so its other files go only once it is taken out (facts.file).
   */
  LeaveOutOfStudy: 'leave-out-of-study',
} as const;
export type Remedy = (typeof Remedy)[keyof typeof Remedy];

/** Machine-readable facts about an error, for a front end's remedy words (sizes in bytes, limits in their unit). */
export interface ErrorFacts {
  file?: string;
  folder?: string;
  limit?: number;
  needed?: number;
}

/** An error's message followed by the front end's words for its remedy (when it has one). */
export function withRemedy(
  err: { message: string; remedy?: Remedy; facts?: ErrorFacts },
  words: { readonly [R in Remedy]: (facts: ErrorFacts) => string },
): string {
  if (!err.remedy) return err.message;
  const message = /[.!?)]$/.test(err.message) ? err.message : `${err.message}.`;
  return `${message} ${words[err.remedy](err.facts ?? {})}`;
}
