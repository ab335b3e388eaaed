/**
 * Defaults and limits the command line's help text names, in a module with no heavy imports: `aeimg --help` must not
 * load TensorFlow.js, sharp or the DICOM codecs to print them.
 */

/** The model files are encoded with unless --model says otherwise. */
export const DEFAULT_MODEL = 'mrct-grey-v3';

/** Images larger than this are refused before decoding (--max-pixels): 8192² covers radiography and mammography. */
export const DEFAULT_MAX_PIXELS = 64 * 1024 * 1024;

/** Pixel bytes one file's frames or pages may hold together (a multi-frame DICOM, a multi-page TIFF): 1 GiB. */
export const MAX_FILE_PIXEL_BYTES = 1024 * 1024 * 1024;

/** Latent quantization range (--bits). */
export const MIN_BITS = 2;
export const MAX_BITS = 8;

/** Gmail's 25 MB attachment limit is ~18 MB of file once base64-encoded (--max-size). */
export const DEFAULT_MAX_PART_BYTES = 18 * 1000 * 1000;
