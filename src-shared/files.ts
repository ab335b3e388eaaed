/** What names an encrypted file, one definition for the engine, the app's main process and the renderer. */
export const AEIMG_EXT = '.aeimg';

/** What the decrypt journey takes: a name ending in .aeimg (any case). */
export const AEIMG_INPUT = /\.aeimg$/i;

/** The most files the app lists and encrypts at once (its IPC refuses more); the CLI has no such limit. */
export const MAX_APP_FILES = 10_000;

/** The largest view PNG ("Save view as PNG") main writes: a 4K screen's view is about 10–25 MB as PNG. */
export const MAX_VIEW_PNG_BYTES = 64 * 1024 * 1024;

/** The image file formats aeimg reads (image/io.ts, image/bmp.ts), as the sender is told them. */
export const IMAGE_FORMATS = ['PNG', 'JPEG', 'TIFF', 'WebP', 'BMP', 'GIF'] as const;

/** The formats in words, with `more` after them: "PNG, JPEG, TIFF, WebP, BMP, GIF or DICOM". */
export function formatWords(...more: string[]): string {
  const all = [...IMAGE_FORMATS, ...more];
  return `${all.slice(0, -1).join(', ')} or ${all.at(-1)}`;
}

export function isAeimgPath(path: string): boolean {
  return AEIMG_INPUT.test(path);
}
