/**
 * PNG, JPEG, TIFF, WebP and GIF in through sharp (libvips), BMP through bmp.ts, JPEG 2000, JPEG-LS and JPEG of more than 8
 * bits through codestream-file.ts, an animated PNG's frames through apng.ts; PNG out; keeping grey/RGB, alpha and 8/16-bit.
 */
import { basename } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import { greyOfColour, type Image } from './image.js';
import { NOT_IMAGE_HEAD, notImageRefusal } from './not-images.js';
import { tiffPages, type SubsidiaryPage } from './tiff-tags.js';
import { imageSignature } from './signature.js';
import { decodeBmp } from './bmp.js';
import { cutShort, endsEarly } from './cut-short.js';
import { codestreamFileOf, decodeCodestreamFile, type CodestreamFile } from './codestream-file.js';
import { apngOf, composeApng, type Apng } from './apng.js';
import { gifWithEndCodes } from './gif-end-codes.js';
import { asViewersShow, pngDeclaredColour } from './png-colour.js';
import { wideSampleType, type WholeValues } from './whole-values.js';
import { checkDimensions } from './dimensions.js';
import { checkDimensionsOf, checkedMetadata, decodePage, decodePng, decodeWidePage, metadataOf, pixelBytes } from './library-page.js';
import { readHead, readHeadAndSize, readRegularFile } from '../fs/read.js';
import { pngDamage, damagedPng } from './png-damage.js';

export { DEFAULT_MAX_PIXELS } from '../defaults.js';
import { DEFAULT_MAX_PIXELS, MAX_FILE_PIXEL_BYTES } from '../defaults.js';


/** Decodes an image file of one page; refuses absurd dimensions from the header before decoding any pixel. */
export async function readImageFile(path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<Image> {
  const pages = await readImagePages(path, maxPixels, 1);
  return pages[0]!;
}

/**
 * An image file read once: its bytes, its pages, and each page's metadata (none for a BMP: image/bmp.ts reads it; nor
 * for a codestream file, whose coding and layout `codestream` gives).
 */
export interface ImageFile {
  data: Buffer;
  pages: Image[];
  metas: Metadata[];
  codestream?: CodestreamFile;
  /** An animated PNG's frames (pages: composed on its canvas; metas: its default image's only). */
  apng?: Apng;
  /**
   * What a PNG declares of its colours without a profile ("a gamma of 1 (its gAMA chunk)"), by which its pages were
   * converted to sRGB, and the largest move of a sample (png-colour.ts).
   */
  declaredColour?: { said: string; shift: number };
  /** Its pages' samples were of this type ('signed 16-bit'), each a whole number (whole-values.ts), in this range over its pages. */
  wholeValues?: { type: string; range: [number, number] };
  /** Per page, what its values went up by to be 16-bit samples (32,768 where some were below 0), where any page's did. */
  valueOffsets?: number[];
  /** Some page is CMYK (print colours: a TIFF or JPEG), read as the RGB viewers show, 8 bits a channel (decodePage). */
  cmyk?: true;
  /**
   * Per page, its grey is WhiteIsZero (a TIFF's Photometric 0, as MONOCHROME1: ImageJ's inverted LUT), read inverted, its
   * samples (2^bits − 1) − its values, as a DICOM file's MONOCHROME1 samples are kept (tiff-tags.ts); where any page's is.
   */
  inverted?: boolean[];
  /**
   * A TIFF's pages that are copies or masks of another (a pyramid's levels, a thumbnail: tiff-tags.ts tiffPages),
   * left out of `pages` where it has a page that is not (aeimg 0.41; before, each went as an image): each with its
   * page in the file (from 0), and the file's page of each of `pages`.
   */
  leftOut?: { pages: { page: number; role: SubsidiaryPage }[]; filePages: number[] };
}

/**
 * Refuses a PNG (its bytes, or its first ones) whose critical chunks fail their checksums (png-damage.ts), before its
 * header is believed: a bit flipped in its width read as a 16-million-pixel-tall image (0.49).
 */
function checkPng(bytes: Uint8Array): void {
  const damage = pngDamage(bytes, false);
  if (damage) throw damagedPng(damage);
}

/**
 * The file as a codestream it is read as (JPEG 2000, JPEG-LS, JPEG of more than 8 bits: codestream-file.ts), its size
 * checked against the limit; undefined for other files. Throws where such a file is refused.
 */
function codestreamOf(data: Uint8Array, maxPixels: number, whole = true): CodestreamFile | undefined {
  const coded = codestreamFileOf(data, whole);
  if (coded instanceof AeimgError) throw coded;
  if (coded) checkDimensions(coded.width, coded.height, maxPixels);
  return coded;
}

/**
 * Every page of an image file (a multi-page TIFF, an animated WebP or GIF, each frame whole), in order; `atMost` refuses files with more.
 * Each page is checked against the limits before its pixels are decoded.
 */
export async function readImagePages(path: string, maxPixels = DEFAULT_MAX_PIXELS, atMost = Infinity): Promise<Image[]> {
  return (await readImageData(path, maxPixels, atMost)).pages;
}

/** readImagePages, with the bytes it read and their metadata, so that nothing reads the file again (jobs/read-input.ts). */
export async function readImageData(path: string, maxPixels = DEFAULT_MAX_PIXELS, atMost = Infinity): Promise<ImageFile> {
  let data: Buffer | undefined;
  try {
    // An archive (a PACS's ZIP download, a .dcm.gz), a video or a volume is named from its first bytes, with what to
    // do, not read whole to fail (image/not-images.ts).
    data = await readRegularFile(path, { head: NOT_IMAGE_HEAD, of: (head) => { const other = notImageRefusal(head, basename(path)); if (other) throw other; } });
    return await imageFileOf(data, maxPixels, atMost);
  } catch (err) {
    // A copy cut short is told as such, not as its decoder's "premature end" (nor again, as a JPEG-LS one is told).
    const early = data && err instanceof AeimgError && err.code !== ErrorCode.Truncated ? endsEarly(data) : undefined;
    throw inFile(path, early ? cutShort(early) : err);
  }
}

/**
 * An image file's bytes read: the one path from a file's format to its pages, for a file on disk (readImageData) and
 * bytes in memory (decodeImage) alike.
 */
async function imageFileOf(bytes: Buffer, maxPixels: number, atMost: number): Promise<ImageFile> {
  const kind = imageSignature(bytes);
  if (kind === 'BMP') return { data: bytes, pages: [decodeBmp(bytes, maxPixels)], metas: [] };
  if (kind === 'PNG') checkPng(bytes);
  const codestream = codestreamOf(bytes, maxPixels);
  if (codestream) return { data: bytes, pages: [await decodeCodestreamFile(codestream)], metas: [], codestream };
  const data = gifWithEndCodes(bytes); // a GIF frame's last pixels, which its reader leaves out without the frame's end code
  const first = await checkedMetadata(data, maxPixels);
  const apng = first.format === 'png' ? apngOf(data) : undefined;
  const inFile = apng?.frames.length ?? first.pages ?? 1;
  // A TIFF's reduced-resolution copies and masks are not images a reader reads: left out where it holds one that is.
  const tiff = first.format === 'tiff' ? tiffPages(data, inFile) : undefined;
  const own = [...Array(inFile).keys()].filter((page) => !tiff?.[page]?.subsidiary);
  const filePages = own.length ? own : [...Array(inFile).keys()];
  const pages = filePages.length;
  if (pages > atMost) {
    throw new AeimgError(ErrorCode.BadInput,
      `has ${pages} pages, and only a single image is read here: save each page as its own file.`);
  }
  if (apng) return asDeclared({ data, pages: await composeApng(apng, (png) => decodePng(png, maxPixels)), metas: [first], apng });
  const metas: Metadata[] = [];
  for (const page of filePages) metas.push(page === 0 ? first : await checkedMetadata(data, maxPixels, page));
  // Every page is decoded before the first is coded, as a DICOM file's frames are: the same bound on their bytes.
  const bytesOfPixels = metas.reduce((sum, m) => sum + pixelBytes(m), 0);
  if (bytesOfPixels > MAX_FILE_PIXEL_BYTES) {
    throw new AeimgError(ErrorCode.TooLarge,
      `has ${pages} pages holding ${(bytesOfPixels / 2 ** 30).toFixed(2)} GiB of pixels, more than aeimg decodes at once (1 GiB): split it into smaller files.`);
  }
  const images: Image[] = [];
  const wholes: (WholeValues | undefined)[] = [];
  for (const [i, meta] of metas.entries()) {
    const page = filePages[i]!;
    const whole = wideSampleType(meta) ? await decodeWidePage(data, meta, maxPixels, page) : undefined;
    images.push(whole?.image ?? await decodePage(data, meta, maxPixels, page));
    wholes.push(whole);
  }
  const wide = metas.map(wideSampleType).find((t) => t !== undefined);
  // libvips reads a WhiteIsZero page inverted; a signed, 32-bit or float one aeimg reads as it is (decodeWidePage), and
  // inverts here alike (0.44; before, it went as a negative of what any TIFF viewer shows, its values unmarked): its
  // 16-bit samples 65535 − (value + offset), as imageFileMapping reads an inverted file's (32767 − value where signed).
  const inverted = images.map((image, i) => tiff?.[filePages[i]!]?.whiteIsZero === true && image.channels === 1);
  for (const [i, image] of images.entries()) if (inverted[i] && wholes[i]) images[i] = { ...image, pixels: image.pixels.map((s) => 65535 - s) };
  const leftOut = pages < inFile ? tiff!.flatMap(({ subsidiary: role }, page) => (role ? [{ page, role }] : [])) : [];
  const ranges = wholes.flatMap((w) => (w ? [w.range] : []));
  const offsets = wholes.map((w) => w?.offset ?? 0);
  return asDeclared({
    data, pages: first.format === 'gif' ? greyGif(images) : images, metas, ...(metas.some((m) => m.space === 'cmyk') ? { cmyk: true } : {}),
    ...(wide ? { wholeValues: { type: wide, range: [Math.min(...ranges.map((r) => r[0])), Math.max(...ranges.map((r) => r[1]))] } } : {}),
    ...(offsets.some((o) => o) ? { valueOffsets: offsets } : {}), ...(inverted.some((i) => i) ? { inverted } : {}),
    ...(leftOut.length ? { leftOut: { pages: leftOut, filePages } } : {}),
  });
}

/**
 * A PNG whose gamma says how viewers show it, as they show it (png-colour.ts), where that moves a sample by more than
 * ROUNDING_LEVELS; other files as they are.
 */
function asDeclared(file: ImageFile): ImageFile {
  const colour = file.metas[0]?.format === 'png' ? pngDeclaredColour(file.data) : undefined;
  if (!colour) return file;
  const shown = file.pages.map((page) => asViewersShow(page, colour));
  const shift = Math.max(...shown.map((s) => s.shift));
  if (shift <= ROUNDING_LEVELS) return file; // its own values go (asSent)
  return { ...file, pages: shown.map((s) => s.image), declaredColour: { said: colour.said, shift } };
}

/** Files larger than this are checked from their header only, their pixels as they are decoded. */
const WHOLE_CHECK_BYTES = 32 << 20;
/** How much of such a file a codestream's headers are looked for in (a JPEG's EXIF and thumbnail come first). */
const HEADER_BYTES = 1 << 20;

/**
 * A JPEG or PNG whose first page holds at most this many bytes of pixels (a 12-megapixel photo's 36 MB; a 4096² 16-bit
 * grey) is decoded by imageHeaderRefusal: eight at once at most, as the app's list checks them.
 */
const DECODED_BEFORE_BYTES = 64 << 20;

/** imageHeaderRefusal reads this many files at once: the app's list and a study check every file they are given. */
const CHECKS_AT_ONCE = 8;
let checking = 0;
const waitingChecks: (() => void)[] = [];

/**
 * Why aeimg would refuse the image file at `path` before encoding it: not an image it reads, samples it does not
 * carry, its first page over the pixel limit, a copy cut short (a PNG or JPEG that ends before its image and does not
 * decode: cut-short.ts), a JPEG or PNG of at most DECODED_BEFORE_BYTES whose first page does not decode (damaged);
 * undefined where it would read it (the pages of other files may still turn out damaged), cannot open it or it is no
 * image (its reader says so). What `encrypt --dry-run`, the app's file list and a study check before any image
 * is encoded, as dicom/header.ts headerRefusal does for DICOM.
 */
export async function imageHeaderRefusal(path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<AeimgError | undefined> {
  if (checking < CHECKS_AT_ONCE) checking++;
  else await new Promise<void>((go) => waitingChecks.push(go)); // handed the slot of a check that ends
  let data: Buffer | undefined;
  try {
    const read = await readHeadAndSize(path, NOT_IMAGE_HEAD);
    if (!read) return undefined;
    const kind = imageSignature(read.head);
    if (!kind) {
      // No first bytes aeimg knows (a BigTIFF's are not among them): what its reading says, from the same checks (0.49;
      // before, the dry run and the app's list said a damaged PNG signature would go).
      const other = notImageRefusal(read.head, basename(path));
      if (other) return other;
      checkDimensionsOf(await metadataOf(path), maxPixels);
      return undefined;
    }
    if (read.size > WHOLE_CHECK_BYTES) {
      // A codestream's headers are in its first bytes; where it ends is found when it is read. A JP2 file whose boxes
      // put them further in is found out then too (the image library cannot tell either).
      const codestream = kind === 'JPEG' || kind === 'JPEG 2000' ? codestreamOf((await readHead(path, HEADER_BYTES))!, maxPixels, false) : undefined;
      if (codestream || kind === 'JPEG 2000') return undefined;
      if (kind === 'PNG') checkPng(read.head); // its header's checksum: the rest is found as it is decoded
      if (kind !== 'BMP') checkDimensionsOf(await metadataOf(path, kind), maxPixels);
      return undefined;
    }
    data = await readRegularFile(path);
    if (kind === 'PNG') checkPng(data);
    if (kind === 'BMP') {
      decodeBmp(data, maxPixels); // its checks come with its pixels, a copy away
      return undefined;
    }
    if (codestreamOf(data, maxPixels)) return undefined; // cut short or refused: said from its structure
    const meta = await checkedMetadata(data, maxPixels);
    if (meta.format === 'png') {
      apngOf(data); // an animated PNG's frames: refused where they do not fit its canvas
      pngDeclaredColour(data); // an HDR coding: refused (png-colour.ts)
    }
    // Signed, 32-bit or floating-point samples go only where they are whole numbers 0..65,535 (whole-values.ts): read to know.
    if (wideSampleType(meta)) {
      await decodePage(data, meta, maxPixels, 0);
      return undefined;
    }
    const early = endsEarly(data);
    // A JPEG's or PNG's first page is decoded, as its run decodes it, where its pixels are few enough (0.50): damage in
    // its coded data (libjpeg's warnings, a zlib stream behind matching checksums) shows only then. Before, the dry run
    // and the app's list said such a file would go, and its run refused it. One that ends early is decoded to be sure
    // (some such files are read whole).
    const decodedBefore = (meta.format === 'jpeg' || meta.format === 'png') && pixelBytes(meta) <= DECODED_BEFORE_BYTES;
    if (!early && !decodedBefore) return undefined;
    const decoded = await decodePage(data, meta, maxPixels, 0).then(() => undefined, (err: unknown) => err);
    if (decoded === undefined) return undefined;
    if (early) return cutShort(early);
    throw decoded;
  } catch (err) {
    if (err instanceof AeimgError) return err; // as its reader says it
    throw err;
  } finally {
    const next = waitingChecks.shift();
    if (next) next();
    else checking--;
  }
}


/**
 * Decodes an image file's bytes (its first page) as a viewer shows it: EXIF orientation applied (a phone photo comes out
 * upright, as the sender saw it; the PNG the receiver gets has no orientation tag to apply), colour profiles and a PNG's
 * gamma converted to sRGB; read as readImageData reads a file.
 */
export async function decodeImage(data: Buffer, maxPixels = DEFAULT_MAX_PIXELS): Promise<Image> {
  return (await imageFileOf(data, maxPixels, Infinity)).pages[0]!;
}

/**
 * The most a file's colour profile or declared gamma may move a sample for the file's own values to go instead of the
 * converted ones (asSent): one level, an sRGB profile's rounding (a camera's "sRGB IEC61966-2.1" through libvips' own),
 * which no viewer shows.
 */
const ROUNDING_LEVELS = 1;

/**
 * An image file's pages as they go, and how far its embedded colour profile or a PNG's declared gamma moved them from
 * the file's own values (decodePage and asDeclared convert to sRGB, as a colour-managed viewer shows the image): 0
 * where they did not. A Display P3 photo's saturated colours move by up to ~120 levels, and go converted. Where none
 * moved by more than ROUNDING_LEVELS, the file's own values go, and 0 (0.49): what "bit-exact" and "within ±N" compare
 * with is then the file, which a colour-managed viewer shows within that level. Before, such a file went converted by
 * that level without a word and was called bit-exact, and a JPEG so read could not be carried as it is. A CMYK file's
 * pages go as the RGB read (its own values are no RGB).
 */
export async function asSent(file: ImageFile): Promise<{ pages: Image[]; shift: number }> {
  const { data, pages, metas, apng, declaredColour, leftOut } = file;
  if (declaredColour) return { pages, shift: declaredColour.shift }; // by more than a level (asDeclared)
  if (!metas[0]?.icc || file.cmyk) return { pages, shift: 0 }; // a BMP's own profile is not applied
  const owns = apng ? await composeApng(apng, (png) => decodePng(png, Number.MAX_SAFE_INTEGER, true)) : [];
  let shift = 0;
  for (const [page, image] of pages.entries()) {
    const own = owns[page] ??= await decodePage(data, metas[page]!, Number.MAX_SAFE_INTEGER, leftOut?.filePages[page] ?? page, true);
    // Pages of another layout than the file's own (none seen: a GIF's grey is taken apart after decoding, and libvips
    // reads no GIF's profile) cannot be compared: they go as read.
    if (!sameLayout(own, image)) return { pages, shift: 0 };
    for (let i = 0; i < own.pixels.length; i++) shift = Math.max(shift, Math.abs(own.pixels[i]! - image.pixels[i]!));
  }
  return shift > ROUNDING_LEVELS ? { pages, shift } : { pages: owns, shift: 0 };
}

const sameLayout = (a: Image, b: Image) =>
  a.width === b.width && a.height === b.height && a.channels === b.channels && a.bitDepth === b.bitDepth;


/**
 * A GIF is a palette of colours, whatever its picture: a greyscale export is its grey plane, as a BMP's is (bmp.ts).
 * Decided for the whole file: an animation goes grey only if every page is (a clip with one grey title page stays
 * colour throughout, so its pages go on as one cine: jobs/dicom-files.ts).
 */
function greyGif(pages: Image[]): Image[] {
  const grey = pages.map((p) => greyOfColour(p));
  return grey.every((g) => g !== undefined) ? (grey as Image[]) : pages;
}

/** Encodes PNG (16-bit where the image is 16-bit); `compressionLevel` 0 for a PNG read back at once. */
export async function encodePng(image: Image, compressionLevel = 9): Promise<Buffer> {
  const grey = image.channels <= 2;
  const space = grey ? (image.bitDepth === 16 ? 'grey16' : 'b-w') : (image.bitDepth === 16 ? 'rgb16' : 'srgb');
  return sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: image.channels } })
    .toColourspace(space)
    .png({ compressionLevel, adaptiveFiltering: compressionLevel > 0 })
    .toBuffer();
}
