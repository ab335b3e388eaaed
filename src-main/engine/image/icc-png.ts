/**
 * A PNG with a colour profile in it, and an image as a colour-managed viewer shows it through a profile: the DICOM
 * colour image's own (dicom/icc-profile.ts), for the receiver's PNG and for the figures of what a reader sees.
 */
import { deflateSync } from 'node:zlib';
import type { Image } from './image.js';
import { decodeImage, encodePng } from './io.js';
import { pngChunk } from './png-chunks.js';

/**
 * `png` (as encodePng writes it) with the ICC profile `icc` in an iCCP chunk after its header, so that colour-managed
 * viewers show it through the profile (a DICOM colour image's own: dicom/icc-profile.ts).
 */
export function withIccProfile(png: Buffer, icc: Uint8Array): Buffer {
  const afterHeader = 8 + 12 + png.readUInt32BE(8); // signature, then IHDR's length, type, data and CRC
  const chunk = pngChunk('iCCP', Buffer.concat([Buffer.from('ICC profile\0\0', 'latin1'), deflateSync(icc)]));
  return Buffer.concat([png.subarray(0, afterHeader), chunk, png.subarray(afterHeader)]);
}

/**
 * A colour `image` as a colour-managed viewer shows it through the ICC profile `icc`, in sRGB at its own depth: read as
 * an image file with that profile is read (decodePage: lcms at 8 bits, shaper-profile.ts or lcms at 16). A profile the
 * colour engine refuses leaves the values as they are, as viewers ignore it.
 */
export async function throughIccProfile(image: Image, icc: Uint8Array): Promise<Image> {
  return decodeImage(withIccProfile(await encodePng(image, 0), icc), Number.MAX_SAFE_INTEGER);
}
