/**
 * A DICOM file's header, read before its pixels: whether a file is DICOM (by name or content), its attributes up to
 * Pixel Data from the file's head, where the file and its Pixel Data end, and why aeimg would refuse its image.
 */
import type { DataSet } from 'dicom-parser';
import { DEFAULT_MAX_PIXELS } from '../defaults.js';
import { AeimgError } from '../errors.js';
import { openRegularFile, readHead, readHeadAndSize, readRegularFile } from '../fs/read.js';
import { fileSignature } from '../image/signature.js';
import { parseDicom, parsedDicomOf, type ParsedDicom } from './parse.js';
import { TransferSyntax } from './codecs.js';
import { sopClassOf, stringValue } from './dataset.js';
import { encapsulatedItemsEnd, hasPixelData, headerRefusalOf, type FileExtent } from './pixel-module.js';
import { IMAGE_CLASSES, noImageMessage } from './sop-classes.js';
import { looksLikeDataset, parseDicomHeader } from './read-dataset.js';

export function isDicomPath(path: string): boolean {
  return /\.(dcm|dicom|dic)$/i.test(path);
}

/** A CD's index by its name (DICOMDIR, in any case), which holds no image. */
export const isDicomdirName = (path: string) => /(^|[\\/])DICOMDIR$/i.test(path);

/** Names that are never an image to read as DICOM: a CD's index (DICM too, but no image), aeimg's own files. */
const notDicomByName = (path: string) => /\.aeimg$/i.test(path) || isDicomdirName(path);


/**
 * Whether a file is read as DICOM: by its first bytes, whatever its name (a CD's DICOM/ST000000/SE000000/IM000001, a
 * Siemens .IMA, a PACS export without extension; a DICOM file named .png, a PNG named .dcm), else by its name (.dcm,
 * .dicom, .dic), whose reader then says what is wrong with it.
 */
export async function isDicomFile(path: string): Promise<boolean> {
  if (notDicomByName(path)) return false;
  const head = await readHead(path, 132);
  const kind = head && fileSignature(head);
  if (kind) return kind === 'DICOM'; // else a PNG, JPEG, TIFF, WebP, BMP, GIF or JPEG 2000 file
  if (head && looksLikeDataset(head)) return true;
  return isDicomPath(path);
}

/**
 * How much of a file readDicomHeader reads: 16 KiB first (a CT or MR slice's header is a few KiB), four times more
 * while the header runs on, up to 16 MiB (an enhanced file's per-frame functional groups pass 1 MiB at a few hundred
 * frames, and those large files are the copies most often cut short). A CD's files are listed and ordered without
 * reading each whole.
 */
const HEADER_READS = [16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20];

/** A DICOM file's header (up to its Pixel Data element), and where the file and its Pixel Data end. */
export interface DicomHeader extends FileExtent {
  dataset: DataSet;
}

/**
 * The header of the DICOM file at `path` (parseDicomHeader: up to its Pixel Data element), read from the file's head
 * (HEADER_READS); a header longer than 16 MiB (a Deflated file's, whose header read so stops before its pixels) from
 * the whole file, or, `bounded`, not at all (undefined). Throws as parseDicomHeader
 * does for a file whose header cannot be read; undefined where the file cannot be opened.
 */
export async function readDicomHeader(path: string, bounded = false): Promise<DicomHeader | undefined> {
  for (const n of HEADER_READS) {
    const read = await readHeadAndSize(path, n);
    if (!read) return undefined;
    const { head, size } = read;
    const whole = head.length < n;
    try {
      const dataset = parseDicomHeader(new Uint8Array(head));
      if (hasPixelData(dataset) || whole) return await withExtent(dataset, size, dataset.byteArray.length - head.length, path);
    } catch (err) {
      if (whole || !(err instanceof AeimgError)) throw err; // else its header runs on past what was read
    }
  }
  return bounded ? undefined : headerOfBytes(new Uint8Array(await readRegularFile(path)));
}

/** The header of a whole file's bytes, with where they end. */
async function headerOfBytes(bytes: Uint8Array): Promise<DicomHeader> {
  const dataset = parseDicomHeader(bytes);
  return withExtent(dataset, bytes.length, dataset.byteArray.length - bytes.length);
}

/**
 * `dataset` with where its file of `size` bytes ends and, encapsulated, where its items end: read from the file at
 * `path`, else from the dataset's bytes. The dataset counts `shift` bytes more than the file (a preamble it was given).
 */
async function withExtent(dataset: DataSet, size: number, shift: number, path?: string): Promise<DicomHeader> {
  const header = { dataset, fileEnd: size + shift };
  const pixel = dataset.elements.x7fe00010;
  if (!pixel || pixel.length !== 0xffffffff) return header;
  if (!path) {
    const itemsEnd = await encapsulatedItemsEnd(dataset, async (at, n) => dataset.byteArray.subarray(at, at + n));
    return { ...header, itemsEnd };
  }
  const handle = await openRegularFile(path);
  try {
    const itemsEnd = await encapsulatedItemsEnd(dataset, async (at, n) => {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await handle.read(buf, 0, n, at - shift);
      return buf.subarray(0, bytesRead);
    });
    return { ...header, itemsEnd };
  } finally {
    await handle.close();
  }
}

/**
 * Why aeimg would refuse the DICOM image at `path`, from its header alone (pixel-module.ts checkImageHeader: a 32-bit
 * dose grid, a float map, a syntax it does not decode, over the pixel limit; Pixel Data the file ends before: a copy
 * cut short), or undefined where its header is one it reads or is not within the file's first 16 MiB: what
 * `encrypt --dry-run` and the app's file list mark before any pixel is decoded. Its pixels may still turn out damaged.
 */
export async function headerRefusal(path: string, maxPixels = DEFAULT_MAX_PIXELS): Promise<string | undefined> {
  try {
    const header = await readDicomHeader(path, true);
    if (!header) return undefined;
    // Read to its end without Pixel Data (a Deflated file's header stops before it): an image's class is a copy without
    // its pixels, refused as its reading would be (0.48; before, the dry run said it would go). Objects of other
    // classes (a presentation state, a report) may go with a study, and are not refused here.
    const sop = sopClassOf(header.dataset) ?? '';
    if (!hasPixelData(header.dataset) && stringValue(header.dataset, 'x00020010') !== TransferSyntax.DeflatedLE && IMAGE_CLASSES[sop]) {
      return noImageMessage(sop);
    }
    return headerRefusalOf(header.dataset, maxPixels, header)?.message;
  } catch (err) {
    if (!(err instanceof AeimgError)) throw err;
    return err.message; // a header that cannot be read: the file is refused so too
  }
}

/**
 * parseDicom of a whole file's bytes. A file the parser stops in is told why where its header says (a copy cut short
 * in its Pixel Data, not a parser's "buffer overrun"); one whose Pixel Data is whole, damaged only after it (a copy cut
 * in its trailing padding), is read: every attribute of the image comes before its pixels, and nothing of it is lost.
 */
export async function parseDicomFile(bytes: Uint8Array, maxPixels: number): Promise<ParsedDicom> {
  try {
    return parseDicom(bytes, maxPixels);
  } catch (err) {
    const header = await headerOfBytes(bytes).catch(() => undefined);
    const pixel = header?.dataset.elements.x7fe00010;
    if (!header || !pixel) throw err;
    const refusal = headerRefusalOf(header.dataset, maxPixels, header);
    if (refusal) throw refusal;
    if (stringValue(header.dataset, 'x00020010') === TransferSyntax.DeflatedLE) throw err;
    try {
      if (pixel.length !== 0xffffffff) return parsedDicomOf(header.dataset, maxPixels); // its pixels are in the header's bytes
      const shift = header.fileEnd - bytes.length;
      if (header.itemsEnd !== undefined && header.itemsEnd <= header.fileEnd) return parseDicom(bytes.subarray(0, header.itemsEnd - shift), maxPixels);
    } catch {
      // read otherwise: the parser's own reason stands
    }
    throw err;
  }
}

