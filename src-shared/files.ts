/** What names an encrypted file, one definition for the engine, the app's main process and the renderer. */
export const AEIMG_EXT = '.aeimg';

/** What the decrypt journey takes: a name ending in .aeimg (any case). */
export const AEIMG_INPUT = /\.aeimg$/i;

export function isAeimgPath(path: string): boolean {
  return AEIMG_INPUT.test(path);
}
