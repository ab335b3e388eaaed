/**
 * The Image Pixel module a DICOM header describes, checked before any pixel is read: whether aeimg reads the image, or
 * why not, in words the sender sees; and what its uncompressed Pixel Data must hold.
 */
import type { DataSet, Element } from 'dicom-parser';
import { AeimgError, COPY_OR_EXPORT_AGAIN, ErrorCode, Remedy } from '../errors.js';
import { decodesSyntax, NATIVE_SYNTAXES, ONE_BIT_SYNTAXES, syntaxName, TransferSyntax, undecodedSyntax } from './codecs.js';
import { MAX_FILE_PIXEL_BYTES } from '../defaults.js';
import { noImageMessage } from './sop-classes.js';
import { numberOf } from './read-dataset.js';
import { megapixels } from '../image/dimensions.js';
import type { DicomPixelInfo } from './parse.js';
import { stringValue, sopClassOf } from './dataset.js';

/** Refuses to allocate more than this per file (a 1,000-frame 512² 16-bit cine is 0.5 GB). */
export const MAX_DICOM_PIXEL_BYTES = MAX_FILE_PIXEL_BYTES;

/** The SOP class of a DICOMDIR (PS3.10: Media Storage Directory Storage). */
const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

/** What a CD's index, given as if it were an image, is told (the sender's message after its file name). */
export const DICOMDIR_MESSAGE = 'is a DICOMDIR, the index of a CD or folder of DICOM files, and holds no image (nor lists one that is there): ' +
  'give the folder it is in, or the CD, and aeimg sends the images it lists.';

/**
 * What parseDicom checks of an image before its pixels: that its header describes one aeimg reads (not a 32-bit dose
 * grid, not a float map, a consistent pixel module, within the limits, in a transfer syntax it decodes), or why not.
 * It needs only the header (`parseDicomHeader`, which reads up to the Pixel Data element's own header): a dry run
 * names a file that would stop a study before any pixel is read (cli/encrypt.ts).
 */
export function checkImageHeader(dataset: DataSet, maxPixels: number) {
  const pixel = dataset.elements.x7fe00010;
  const float = dataset.elements.x7fe00008 ? 'Float Pixel Data (7FE0,0008)' : dataset.elements.x7fe00009 ? 'Double Float Pixel Data (7FE0,0009)' : '';
  if (!pixel && float) {
    throw new AeimgError(ErrorCode.BadInput, `has ${float}, which aeimg does not carry: it encrypts images of 8- and 16-bit integer samples (a parametric map's floats would lose their values).`);
  }
  if (!pixel && stringValue(dataset, 'x00020002') === MEDIA_STORAGE_DIRECTORY) throw new AeimgError(ErrorCode.BadInput, DICOMDIR_MESSAGE);
  if (!pixel) throw new AeimgError(ErrorCode.BadInput, noImageMessage(sopClassOf(dataset)));
  const syntax = stringValue(dataset, 'x00020010', TransferSyntax.ImplicitLE);
  const rows = dataset.uint16('x00280010') ?? 0;
  const columns = dataset.uint16('x00280011') ?? 0;
  const frames = Math.max(1, numberOf(dataset, 'x00280008', 1));
  const samplesPerPixel = dataset.uint16('x00280002') ?? 1;
  const bitsAllocated = dataset.uint16('x00280100') ?? 0;
  const bitsStored = dataset.uint16('x00280101') ?? bitsAllocated;
  if (rows < 1 || columns < 1) throw new AeimgError(ErrorCode.BadInput, `has invalid image dimensions ${columns}x${rows}.`);
  if (bitsAllocated === 32 || bitsAllocated === 64) {
    throw new AeimgError(ErrorCode.BadInput, `has ${bitsAllocated}-bit samples (Bits Allocated ${bitsAllocated}), which aeimg does not carry: it encrypts 1-, 8- and 16-bit DICOM images.`);
  }
  if (bitsAllocated !== 1 && bitsAllocated !== 8 && bitsAllocated !== 16) {
    throw new AeimgError(ErrorCode.BadInput, `has ${bitsAllocated}-bit pixels; aeimg reads 1-, 8- and 16-bit DICOM images.`);
  }
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    // Which bits of each sample hold the value is then anyone's guess; decoding one guess would be "bit-exact" to it.
    throw new AeimgError(ErrorCode.BadInput, `says Bits Stored ${bitsStored} with Bits Allocated ${bitsAllocated}, which no image can be: ` +
      'the file is inconsistent. Export it again from the modality or PACS.');
  }
  const highBit = dataset.uint16('x00280102') ?? bitsStored - 1;
  if (bitsAllocated !== 1 && (highBit < bitsStored - 1 || highBit >= bitsAllocated)) {
    throw new AeimgError(ErrorCode.BadInput, `says High Bit ${highBit} with Bits Stored ${bitsStored} and Bits Allocated ${bitsAllocated}, ` +
      'which no image can be: the file is inconsistent. Export it again from the modality or PACS.');
  }
  if (highBit !== bitsStored - 1 && !NATIVE_SYNTAXES.has(syntax)) {
    throw new AeimgError(ErrorCode.BadInput, `says High Bit ${highBit} with Bits Stored ${bitsStored} in ${syntaxName(syntax)}, which aeimg does not decode; ` +
      'it reads such samples uncompressed. Export it as Explicit VR Little Endian first.');
  }
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new AeimgError(ErrorCode.BadInput, `has ${samplesPerPixel} samples per pixel; aeimg reads grey and RGB.`);
  }
  const photometric = (dataset.string('x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2')).trim();
  const planarConfiguration = dataset.uint16('x00280006') ?? 0;
  checkPhotometric(photometric, samplesPerPixel, planarConfiguration);
  if (bitsAllocated === 1 && (samplesPerPixel !== 1 || !(NATIVE_SYNTAXES.has(syntax) || ONE_BIT_SYNTAXES.has(syntax)))) {
    throw new AeimgError(ErrorCode.BadInput, `has 1-bit Pixel Data ${samplesPerPixel !== 1 ? 'with colour' : `in ${syntaxName(syntax)}`}, which aeimg does not decode; ` +
      'it reads 1-bit grey (segmentations) uncompressed, in JPEG 2000 or in Deflated Image Frame Compression. Export it as Explicit VR Little Endian first.');
  }
  if (rows * columns > maxPixels) {
    throw new AeimgError(ErrorCode.TooLarge, `is ${columns}x${rows} pixels (${megapixels(rows * columns)}), over the limit of ${megapixels(maxPixels)}.`,
      { remedy: Remedy.RaisePixelLimit, facts: { limit: maxPixels, needed: rows * columns } });
  }
  if (rows * columns * samplesPerPixel * (bitsAllocated / 8) * frames > MAX_DICOM_PIXEL_BYTES) {
    throw new AeimgError(ErrorCode.TooLarge, `has ${frames} frames of ${columns}x${rows}, more than aeimg decodes at once (1 GiB of pixels). Split the series first.`);
  }
  // A header alone has the element's undefined length, not its fragments.
  if (!NATIVE_SYNTAXES.has(syntax) && !(pixel.encapsulatedPixelData ?? pixel.length === 0xffffffff)) {
    throw new AeimgError(ErrorCode.BadInput, `says ${syntaxName(syntax)} but its Pixel Data is not encapsulated; the file is damaged. ${COPY_OR_EXPORT_AGAIN}`);
  }
  if (!decodesSyntax(syntax, bitsAllocated)) throw undecodedSyntax(syntax);
  return { syntax, rows, columns, frames, samplesPerPixel, bitsAllocated, bitsStored, highBit, photometric, planarConfiguration };
}

/** Where a DICOM file ends, in its header's byte offsets, and where its encapsulated Pixel Data ends by its items. */
export interface FileExtent {
  /** The file's length, counted as the dataset's offsets are (a file without a preamble is read with one added). */
  fileEnd: number;
  /** encapsulatedItemsEnd's answer, where it had one. */
  itemsEnd?: number;
}

/** Whether a dataset holds Pixel Data, or Float or Double Float Pixel Data, at its top level. */
export function hasPixelData(dataset: DataSet): boolean {
  const { x7fe00010, x7fe00008, x7fe00009 } = dataset.elements;
  return Boolean(x7fe00010 || x7fe00008 || x7fe00009);
}

/**
 * checkImageHeader on a header read alone (parseDicomHeader): why aeimg would refuse the image, or undefined where it
 * reads it or the header cannot tell (no pixel element in it: a Deflated file's header stops before its pixels, and a
 * file that holds none is refused when it is read whole). With the file's `extent`, Pixel Data that the file ends
 * before is refused too: a copy cut short.
 */
export function headerRefusalOf(dataset: DataSet, maxPixels: number, extent?: FileExtent): AeimgError | undefined {
  if (!hasPixelData(dataset)) return undefined;
  const pixel = dataset.elements.x7fe00010;
  try {
    const info = checkImageHeader(dataset, maxPixels);
    // A Deflated dataset's offsets are in its inflated bytes.
    if (!extent || !pixel || info.syntax === TransferSyntax.DeflatedLE) return undefined;
    const { fileEnd, itemsEnd } = extent;
    if (pixel.length === 0xffffffff) {
      return itemsEnd !== undefined && itemsEnd > fileEnd ? new AeimgError(ErrorCode.Truncated,
        `is truncated: its compressed Pixel Data needs ${itemsEnd - fileEnd} bytes more than the file holds. ${COPY_AGAIN}`) : undefined;
    }
    return nativePixelBytes(info) > Math.min(pixel.length, fileEnd - pixel.dataOffset) ? truncatedPixels(info, pixel, fileEnd) : undefined;
  } catch (err) {
    if (err instanceof AeimgError) return err;
    throw err;
  }
}

/** How many items encapsulatedItemsEnd walks before it gives no answer (a cine's frames, each in a few fragments). */
const MAX_ITEMS = 1 << 16;

/**
 * Where encapsulated Pixel Data ends by its items' own lengths (in the dataset's byte offsets), read item header by
 * item header with `read` (the bytes at an offset, fewer where the file ends); undefined where the header's Pixel Data
 * is not encapsulated or its items are not items (the decoder then says what is wrong). Items that end where the file
 * does, without the closing delimiter, end there: decoders read such files.
 */
export async function encapsulatedItemsEnd(dataset: DataSet, read: (at: number, n: number) => Promise<Uint8Array>): Promise<number | undefined> {
  const pixel = dataset.elements.x7fe00010;
  if (!pixel || pixel.length !== 0xffffffff) return undefined;
  let at = pixel.dataOffset;
  for (let n = 0; n < MAX_ITEMS; n++) {
    const item = await read(at, 8);
    if (item.length === 0) return at;
    if (item.length < 8) return at + 8;
    const view = new DataView(item.buffer, item.byteOffset, 8);
    if (view.getUint16(0, true) !== 0xfffe) return undefined;
    const element = view.getUint16(2, true);
    if (element === 0xe0dd) return at + 8;
    if (element !== 0xe000) return undefined;
    at += 8 + view.getUint32(4, true);
  }
  return undefined;
}

/** What to do with a copy cut short. */
const COPY_AGAIN = 'This copy is incomplete: copy it again from the CD or PACS export.';

/** The bytes uncompressed Pixel Data of `info` takes, every frame (1-bit packed; YBR_FULL_422 two bytes a pixel). */
export function nativePixelBytes(info: Pick<DicomPixelInfo, 'rows' | 'columns' | 'frames' | 'samplesPerPixel' | 'bitsAllocated' | 'photometric'>): number {
  const pixels = info.rows * info.columns;
  if (info.bitsAllocated === 1) return Math.ceil(info.frames * pixels / 8);
  const subsampled = info.photometric === 'YBR_FULL_422' && info.samplesPerPixel === 3;
  return info.frames * pixels * (subsampled ? 2 : info.samplesPerPixel) * (info.bitsAllocated / 8);
}

/**
 * The bytes of uncompressed Pixel Data past what its frames take (nativePixelBytes; the pad byte of an odd length not
 * counted): nothing reads them. More than a frame's worth, its header most likely gives too few frames or rows.
 */
export function unusedPixelBytes(dataset: DataSet, info: Parameters<typeof nativePixelBytes>[0]): number {
  const pixel = dataset.elements.x7fe00010;
  if (!pixel || pixel.length === 0xffffffff) return 0;
  const held = Math.min(pixel.length, dataset.byteArray.length - pixel.dataOffset);
  const needed = nativePixelBytes(info);
  return held - needed > (needed % 2) ? held - needed - (needed % 2) : 0;
}

/**
 * What a file is told whose uncompressed Pixel Data stops short of its frames: a copy cut short where the file ends
 * before the element does (`fileEnd`, in the dataset's offsets), else an element written too short.
 */
export function truncatedPixels(info: Parameters<typeof nativePixelBytes>[0], pixel: Pick<Element, 'dataOffset' | 'length'>, fileEnd: number): AeimgError {
  const cut = fileEnd - pixel.dataOffset < pixel.length;
  const held = Math.max(0, Math.min(pixel.length, fileEnd - pixel.dataOffset));
  const frames = `${info.frames} ${info.bitsAllocated === 1 ? '1-bit ' : ''}frame(s) of ${info.columns}x${info.rows} need ${nativePixelBytes(info)}`;
  return cut
    ? new AeimgError(ErrorCode.Truncated, `is truncated: its Pixel Data holds ${held} bytes but ${frames}. ${COPY_AGAIN}`)
    : new AeimgError(ErrorCode.BadInput, `has Pixel Data of ${held} bytes but ${frames}: the file is damaged. ${COPY_OR_EXPORT_AGAIN}`);
}

/** Photometric Interpretations aeimg reads, by samples per pixel (PS3.3 C.7.6.3.1.2; the retired ones are not). */
const PHOTOMETRIC: Record<number, Set<string>> = {
  1: new Set(['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR']),
  3: new Set(['RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT']),
};

/**
 * What the samples are must be one of the terms aeimg reads, for the number of samples it says: a damaged or unknown
 * term ("YB`_ICT") was decoded as some guess, which the receiver then could not read back.
 */
function checkPhotometric(photometric: string, samplesPerPixel: number, planarConfiguration: number): void {
  if (!PHOTOMETRIC[samplesPerPixel]?.has(photometric)) {
    const known = Object.values(PHOTOMETRIC).flatMap((s) => [...s]);
    throw new AeimgError(ErrorCode.BadInput, known.includes(photometric)
      ? `says Photometric Interpretation ${photometric} with ${samplesPerPixel} sample(s) per pixel, which no image can be: the file is inconsistent. Export it again from the modality or PACS.`
      : `says Photometric Interpretation '${photometric.replace(/[^\x20-\x7e]/g, '?')}', which aeimg does not read (it reads ${known.join(', ')}). Export it again as one of those.`);
  }
  if (samplesPerPixel === 3 && planarConfiguration !== 0 && planarConfiguration !== 1) {
    throw new AeimgError(ErrorCode.BadInput, `says Planar Configuration ${planarConfiguration}, which is 0 or 1 in every image: the file is inconsistent. Export it again from the modality or PACS.`);
  }
}

