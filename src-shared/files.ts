/** What names an encrypted file, one definition for the engine, the app's main process and the renderer. */
export const AEIMG_EXT = '.aeimg';

/** What the decrypt journey takes: a name ending in .aeimg (any case). */
export const AEIMG_INPUT = /\.aeimg$/i;

/** The most files the app lists and encrypts at once (its IPC refuses more); the CLI has no such limit. */
export const MAX_APP_FILES = 10_000;

/** The largest view PNG ("Save view as PNG") main writes: a 4K screen's view is about 10–25 MB as PNG. */
export const MAX_VIEW_PNG_BYTES = 64 * 1024 * 1024;

/** The image file formats aeimg reads (image/io.ts, image/bmp.ts), as the sender is told them, with their extensions. */
export const IMAGE_FORMATS = {
  PNG: ['png'], JPEG: ['jpg', 'jpeg'], TIFF: ['tif', 'tiff'], WebP: ['webp'], BMP: ['bmp'], GIF: ['gif'],
  // 0.28 (image/codestream-file.ts): what a PACS or DICOM toolkit exports a frame as.
  'JPEG 2000': ['jp2', 'j2k', 'j2c', 'jpc', 'jpf', 'jpx', 'jph', 'jhc'], 'JPEG-LS': ['jls'],
} as const satisfies Record<string, readonly string[]>;

/** The image formats' extensions, without the dot. */
export const IMAGE_EXTENSIONS: readonly string[] = Object.values(IMAGE_FORMATS).flat();

/** The extensions a DICOM file is known by (one without any is found by its content: dicom/import.ts isDicomFile). */
export const DICOM_EXTENSIONS = ['dcm', 'dicom'] as const;

/** A name that ends in one of these extensions (any case). */
export function extensionPattern(...extensions: readonly string[]): RegExp {
  return new RegExp(`\\.(${extensions.join('|')})$`, 'i');
}

/** The formats in words, with `more` after them: "PNG, JPEG, TIFF, WebP, BMP, GIF or DICOM". */
export function formatWords(...more: string[]): string {
  const all = [...Object.keys(IMAGE_FORMATS), ...more];
  return `${all.slice(0, -1).join(', ')} or ${all.at(-1)}`;
}

/** Words in a sentence's list: "a", "a and b", "a, b and c". */
export function andList(items: readonly (string | number)[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Up to three names, then how many more: "a.png, b.png, c.png and 2 more" (the engine's messages and the app's alike). */
export function someNames(names: readonly string[]): string {
  return names.slice(0, 3).join(', ') + (names.length > 3 ? ` and ${names.length - 3} more` : '');
}

export function isAeimgPath(path: string): boolean {
  return AEIMG_INPUT.test(path);
}
