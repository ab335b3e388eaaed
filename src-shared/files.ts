/** What names an encrypted file, one definition for the engine, the app's main process and the renderer. */
export const AEIMG_EXT = '.aeimg';

/** What the decrypt journey takes: a name ending in .aeimg (any case). */
export const AEIMG_INPUT = /\.aeimg$/i;

/** The most files the app lists and encrypts at once (its IPC refuses more); the CLI has no such limit. */
export const MAX_APP_FILES = 10_000;

export function isAeimgPath(path: string): boolean {
  return AEIMG_INPUT.test(path);
}
