/**
 * A page of an image file the image library (libvips, through sharp) reads: PNG, JPEG, TIFF, WebP, GIF. Its metadata
 * checked (format, sample type, dimensions) before any pixel is decoded, then its samples as a viewer shows them.
 * io.ts reads files through it.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { AeimgError, ErrorCode } from '../errors.js';
import type { Image } from './image.js';
import { checkDimensions } from './dimensions.js';
import { imageSignature } from './signature.js';
import { iccColourSpace, shaperProfile, throughProfile } from './shaper-profile.js';
import { lutProfile, throughLut } from './lut-profile.js';
import { readWideSamples, wholeValuesImage, wideSampleType, type WholeValues } from './whole-values.js';
import { formatWords } from '../../../src-shared/files.js';
import { damagedJpeg, jpegDamage } from './jpeg-damage.js';
import { damagedPng, pngDamage } from './png-damage.js';

sharp.cache(false);

/** What aeimg reads through sharp (as the folder filter and the docs say, with BMP); sharp reads more (SVG, AVIF, PDF), which is refused. */
const FORMATS = new Set(['png', 'jpeg', 'tiff', 'webp', 'gif']);
const NOT_AN_IMAGE = `is not an image aeimg can read (${formatWords()} expected).`;

/**
 * An image file the image library (libvips) could not read: damaged, or valid in a form it does not read (old-style
 * JPEG or LZMA in TIFF, a CIELab or 12-bit TIFF, tiled TIFF with separate planes); either way the sender can export it
 * again. The library's reason on one line (it adds lines of its own).
 */
function unreadable(what: string, err: unknown): AeimgError {
  const why = String((err as Error)?.message ?? err).split('\n')[0]!.replace(/^Input buffer has corrupt header:\s*/, '').trim();
  return new AeimgError(ErrorCode.BadInput, `${what}${why ? ` (${why})` : ''}; the file may be damaged, or stored in a form aeimg does not read: ` +
    'export the image again as PNG, or send the DICOM file.');
}

/**
 * Sample types that a cast to 8 or 16 bits would clip or truncate (a float TIFF's 0..1 became 0 and 1): complex and
 * signed 8-bit ones, and the others (whole-values.ts) on colour pages; a grey page's whole values go as they are.
 */
function uncarriedSamples(meta: Metadata): string | undefined {
  if (meta.depth === 'complex' || meta.depth === 'dpcomplex') return 'complex';
  if (meta.depth === 'char') return 'signed 8-bit'; // viewers disagree on it (whole-values.ts)
  const wide = wideSampleType(meta);
  return wide && (meta.channels ?? 1) > 1 ? `${wide} colour` : undefined;
}

/** A page's metadata from the file's bytes, or from its path (`kind`: what its first bytes say it is). */
export async function metadataOf(input: Buffer | string, kind = typeof input === 'string' ? undefined : imageSignature(input), page = 0): Promise<Metadata> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false, page }).metadata();
  } catch (err) {
    // A file that says it is a PNG, JPEG, TIFF, WebP or GIF is one: say which, and why it could not be read.
    throw kind ? unreadable(`is a ${kind} file that could not be read`, err) : new AeimgError(ErrorCode.BadInput, NOT_AN_IMAGE);
  }
  if (!FORMATS.has(meta.format ?? '')) throw new AeimgError(ErrorCode.BadInput, NOT_AN_IMAGE);
  const uncarried = uncarriedSamples(meta);
  if (uncarried) {
    throw new AeimgError(ErrorCode.BadInput,
      `has ${uncarried} samples, which aeimg does not carry without changing them: save it as an 8- or 16-bit ` +
      'unsigned PNG or TIFF, or send the DICOM file it came from.');
  }
  return meta;
}

/** The bytes of a page's decoded pixels (wide samples are read at 16 bits). */
export function pixelBytes(meta: Metadata): number {
  return meta.width! * meta.height! * (meta.channels ?? 1) * (meta.depth === 'ushort' || wideSampleType(meta) ? 2 : 1);
}

/** `meta`, refused where its dimensions are. */
export function checkDimensionsOf(meta: Metadata, maxPixels: number): Metadata {
  checkDimensions(meta.width ?? 0, meta.height ?? 0, maxPixels);
  return meta;
}

/** A page's metadata, refused (format, sample type, dimensions) before any pixel is decoded. */
export async function checkedMetadata(data: Buffer, maxPixels: number, page = 0): Promise<Metadata> {
  return checkDimensionsOf(await metadataOf(data, undefined, page), maxPixels);
}

/** A PNG's image, checked against the limits first (an animated PNG's frame, as apng.ts makes it a PNG of its own). */
export async function decodePng(png: Buffer, maxPixels: number, ignoreIcc = false): Promise<Image> {
  return decodePage(png, await checkedMetadata(png, maxPixels), maxPixels, 0, ignoreIcc);
}

/** A page of signed, 32-bit or float samples (whole-values.ts): its 16-bit image and the offset its values went up by. */
export async function decodeWidePage(data: Buffer, meta: Metadata, maxPixels: number, page: number): Promise<WholeValues> {
  const samples = await readWideSamples(data, meta, maxPixels, page).catch((err: unknown) => { throw unreadable('could not be decoded', err); });
  return wholeValuesImage(samples, wideSampleType(meta)!);
}

/**
 * Page `page` of an image file's bytes as a viewer shows it: EXIF orientation applied, colour profiles taken to sRGB
 * (`ignoreIcc`: the file's own values), 8 or 16 bits as stored; a JPEG or PNG whose data is damaged refused as such.
 */
export async function decodePage(data: Buffer, meta: Metadata, maxPixels: number, page: number, ignoreIcc = false): Promise<Image> {
  if (wideSampleType(meta)) return (await decodeWidePage(data, meta, maxPixels, page)).image;
  // A 16-bit CMYK page comes out of libvips' conversion to RGB with 8 bits of precision (256 levels a channel): read
  // at 8 bits, as what it is, not as 16-bit samples that say more than they hold.
  const sixteen = meta.depth === 'ushort' && meta.space !== 'cmyk';
  const grey = meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 0) <= 2;
  // libvips' 8-bit 'b-w' output drops alpha (grey16 keeps it): 8-bit grey + alpha is read as sRGB + alpha, whose
  // three colour bands are the grey band copied, and taken apart again below.
  const greyAlpha8 = grey && !sixteen && meta.hasAlpha === true;
  const space = grey && !greyAlpha8 ? (sixteen ? 'grey16' : 'b-w') : (sixteen ? 'rgb16' : 'srgb');
  // A grey profile, and a 16-bit RGB one, is applied here, exactly (shaper-profile.ts): sharp applies none at 16 bits,
  // and lcms is coarse for grey at 8.
  const kind = grey ? 'grey' : sixteen ? 'rgb' : undefined;
  const profile = !ignoreIcc && meta.icc && kind ? shaperProfile(meta.icc, kind) : undefined;
  // A 16-bit colour image's profile with a lookup table (A2B0), likewise (lut-profile.ts).
  const table = !ignoreIcc && meta.icc && kind === 'rgb' && !profile ? lutProfile(meta.icc) : undefined;
  // Any other profile of a 16-bit colour image (a table aeimg does not read) sharp takes to Display P3, its 16-bit
  // working space, not to sRGB: read as sRGB, up to 50 levels of 255 from what viewers show. The same colour engine takes
  // it on to sRGB. A profile the engine refuses fails both steps, and the stored values stand (as viewers ignore a broken
  // profile, and as at 8 bits).
  const onToSrgb = sixteen && !grey && !ignoreIcc && meta.icc !== undefined && !profile && !table && iccColourSpace(meta.icc) === 'RGB ';
  const decode = (failOn: 'error' | 'warning') => {
    const pipeline = sharp(data, { limitInputPixels: maxPixels, failOn, page, autoOrient: true, ignoreIcc: ignoreIcc || profile !== undefined || table !== undefined })
      .toColourspace(space);
    return (onToSrgb ? pipeline.withIccProfile('srgb') : pipeline).raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  };
  let raw: { data: Buffer; info: OutputInfo };
  try {
    // libjpeg goes on past damaged data with a warning, filling what it lost with grey or shifted blocks, which the
    // file would then carry "bit-exact": a JPEG is decoded failing on its warnings, and refused for those of damage.
    raw = await decode(meta.format === 'jpeg' ? 'warning' : 'error').catch((err: unknown) => {
      if (meta.format !== 'jpeg') throw err;
      const damage = jpegDamage(err);
      if (damage) throw damagedJpeg(damage);
      return decode('error'); // a warning of no harm to its pixels (extraneous bytes between segments, a JFIF version)
    });
  } catch (err) {
    if (err instanceof AeimgError) throw err;
    // A PNG's damage said from its checksums and image data, not as libpng's "read error" (0.49).
    const damage = meta.format === 'png' ? pngDamage(data, true) : undefined;
    throw damage ? damagedPng(damage) : unreadable('could not be decoded', err);
  }
  const { width, height, channels } = raw.info;
  if (greyAlpha8 && channels === 4) {
    const pixels = new Uint8Array(width * height * 2);
    for (let i = 0; i < width * height; i++) {
      pixels[2 * i] = raw.data[4 * i]!;
      pixels[2 * i + 1] = raw.data[4 * i + 3]!;
    }
    return shown({ width, height, channels: 2, bitDepth: 8, pixels });
  }
  const pixels = sixteen
    ? new Uint16Array(raw.data.buffer, raw.data.byteOffset, raw.data.length / 2).slice()
    : new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length).slice();
  return shown({ width, height, channels: channels as Image['channels'], bitDepth: sixteen ? 16 : 8, pixels });

  function shown(image: Image): Image {
    return profile ? throughProfile(image, profile) : table ? throughLut(image, table) : image;
  }
}
