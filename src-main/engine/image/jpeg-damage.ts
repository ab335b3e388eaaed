/**
 * A JPEG whose image data libjpeg found damaged: it decodes past the damage with a warning, and what it lost comes out
 * as grey or shifted blocks, which aeimg would then carry as the image (bit-exact to that). io.ts refuses it.
 */
import { AeimgError, ErrorCode } from '../errors.js';

/**
 * libjpeg's warnings of entropy-coded data it could not decode (jerror.h JWRN_HUFF_BAD_CODE, JWRN_ARITH_BAD_CODE,
 * JWRN_HIT_MARKER, JWRN_MUST_RESYNC, JWRN_BOGUS_PROGRESSION): it goes on with the blocks it lost grey or shifted.
 * Its other warnings (extraneous bytes before a marker, an unknown JFIF version, an Adobe transform) harm no pixel.
 */
const JPEG_DAMAGE = /bad Huffman code|bad arithmetic code|premature end of data segment|instead of RST|Inconsistent progression sequence/i;

/** The decoder's words where a JPEG decode failed on a warning of damaged data (JPEG_DAMAGE), of its lines the first. */
export function jpegDamage(err: unknown): string | undefined {
  const line = String((err as Error)?.message ?? err).split('\n').find((l) => JPEG_DAMAGE.test(l));
  return line?.replace(/^VipsJpeg:\s*/, '').trim();
}

export function damagedJpeg(words: string): AeimgError {
  return new AeimgError(ErrorCode.BadInput, `is a damaged JPEG: its decoder reads "${words}", and shows the part it lost as grey or ` +
    'shifted blocks, which would go as its image. Export the image again from the viewer or PACS it came from (as PNG or ' +
    'JPEG), or send the DICOM file.');
}
