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
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
