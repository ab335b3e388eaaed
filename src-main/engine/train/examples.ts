/**
 * What `aeimg train` learns from and `aeimg eval` measures: every image file under a folder (its first page, as before)
 * and, since 0.50, every DICOM image file, known by its content as encryption knows it (a PACS export's extensionless
 * files too), each of its frames with how a reader sees it (its units and windows: a CT in HU, through the CT presets).
 * Before, a folder of DICOM files held "no image", so a hospital's own CT could be trained on only as 16-bit PNG
 * exports, which the encoder and the figures took for images without units.
 */
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { DEFAULT_MAX_PIXELS } from '../defaults.js';
import { dicomDisplay } from '../dicom/display.js';
import { isDicomdirName, isDicomFile, readDicomHeader } from '../dicom/header.js';
import { readDicomFile } from '../dicom/import.js';
import { hasPixelData } from '../dicom/pixel-module.js';
import type { Image } from '../image/image.js';
import { readImageFile } from '../image/io.js';
import { expandInputs } from '../jobs/files.js';
import { AeimgError, ErrorCode } from '../errors.js';
import { plainDisplay } from '../metrics/fidelity.js';
import type { DisplayModel } from '../../../src-shared/windows.js';
import { extensionPattern, IMAGE_EXTENSIONS } from '../../../src-shared/files.js';

const IMAGE_EXT = extensionPattern(...IMAGE_EXTENSIONS);

/** One image to learn from or measure: a file's first page, or one frame of a DICOM file. */
export interface Example {
  image: Image;
  /** How a reader sees it (a DICOM frame's units and windows); an image file's: none (plainDisplay). */
  display?: DisplayModel;
  /** Its path under the folder given, with its frame where its file has several ("ct/IM1#2"). */
  name: string;
  /** The time its file took to read and decode, shared among its frames. */
  readMs: number;
}

/**
 * The files under `dir` that hold examples, as encryption finds a folder's images (jobs/files.ts findInputs: each
 * folder's files in natural name order, then its subfolders'; hidden files left out; a folder of more than
 * MAX_FOLDER_ENTRIES refused by name): image files by their extension, DICOM files by their content, not a DICOMDIR (an
 * index) nor a DICOM object without pixels (a report, a structure set). Before 0.51 a walker of its own, in plain path
 * order, hidden files included.
 */
export async function listExamples(dir: string): Promise<string[]> {
  const given = await stat(dir).catch(() => undefined);
  if (!given?.isDirectory()) throw new AeimgError(ErrorCode.Usage, `${dir} is not a folder${given ? '' : ' (there is nothing by that name)'}: give the folder of images to read.`);
  return expandInputs([dir], IMAGE_EXT, async (p) => !isDicomdirName(p) && await holdsDicomImage(p));
}

async function holdsDicomImage(path: string): Promise<boolean> {
  if (!(await isDicomFile(path))) return false;
  const header = await readDicomHeader(path, true).catch(() => undefined);
  return header === undefined || hasPixelData(header.dataset); // one it cannot read is named when it is read
}

/** How the examples are read. */
export interface ExampleOptions {
  /** Pixels an image may have (DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /**
   * The image files are a CT's 16-bit exports whose HU are their values + this (aeimg 0.51: `train`/`eval
   * --ct-intercept`, as `encrypt --ct-intercept` declares them): each is seen in HU through the CT presets, as its
   * reader sees it once sent so. One that cannot hold HU (8-bit, colour, grey with alpha) is refused, naming it: the
   * declaration is of the whole folder. DICOM files go with their own rescale.
   */
  ctIntercept?: number;
}

/** The examples of `file` (under `root`): an image file's first page; each frame of a DICOM file, with its display. */
export async function readExamples(file: string, root: string, opts: ExampleOptions = {}): Promise<Example[]> {
  const { maxPixels = DEFAULT_MAX_PIXELS, ctIntercept } = opts;
  const name = relative(root, file);
  const t = performance.now();
  if (IMAGE_EXT.test(file)) {
    const image = await readImageFile(file, maxPixels);
    if (ctIntercept === undefined) return [{ image, name, readMs: performance.now() - t }];
    if (image.channels !== 1 || image.bitDepth !== 16) {
      const what = image.channels !== 1 ? `a ${image.channels}-channel image` : 'an 8-bit image';
      throw new AeimgError(ErrorCode.BadInput, `${name}: is ${what}, not a CT's 16-bit values, and --ct-intercept declares every image ` +
        'file under the folder a CT\'s export: give a folder of those alone (DICOM files go with their own rescale).');
    }
    return [{ image, display: plainDisplay(image, { ctIntercept }), name, readMs: performance.now() - t }];
  }
  const frames = await readDicomFile(file, { maxPixels, deidentify: null });
  const readMs = (performance.now() - t) / frames.length;
  return frames.map(({ image, dicom }, f) => ({ image, display: dicomDisplay(dicom), name: frames.length > 1 ? `${name}#${f + 1}` : name, readMs }));
}

/** The examples under `dir`, in order, read a file at a time; at most `limit`. */
export async function* examplesUnder(dir: string, limit = Infinity, opts: ExampleOptions = {}): AsyncGenerator<Example> {
  let given = 0;
  for (const file of await listExamples(dir)) {
    for (const example of await readExamples(file, dir, opts)) {
      if (given++ >= limit) return;
      yield example;
    }
  }
}
