/**
 * What `aeimg train` learns from and `aeimg eval` measures: every image file under a folder, each of its pages (since
 * 0.53: a TIFF stack's slices, an animation's frames, as encryption sends them; before, its first page only) and,
 * since 0.50, every DICOM image file, known by its content as encryption knows it (a PACS export's extensionless files
 * too), each of its frames with how a reader sees it (its units and windows: a CT in HU, through the CT presets).
 * Before, a folder of DICOM files held "no image", so a hospital's own CT could be trained on only as 16-bit PNG
 * exports, which the encoder and the figures took for images without units.
 */
import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { DEFAULT_MAX_PIXELS } from '../defaults.js';
import { isDicomdirName, isDicomFile, readDicomHeader } from '../dicom/header.js';
import { hasPixelData } from '../dicom/pixel-module.js';
import type { Image } from '../image/image.js';
import { expandInputs } from '../jobs/files.js';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import { readInput } from '../jobs/read-input.js';
import { inputDisplay } from '../jobs/input-display.js';
import { notCtReason, ofPage } from '../jobs/declared-ct.js';
import type { DisplayModel } from '../../../src-shared/windows.js';
import { extensionPattern, IMAGE_EXTENSIONS } from '../../../src-shared/files.js';

const IMAGE_EXT = extensionPattern(...IMAGE_EXTENSIONS);

/** One image to learn from or measure: a page of an image file, or a frame of a DICOM file. */
export interface Example {
  image: Image;
  /** How its reader sees it once sent (jobs/input-display.ts): its units and windows. */
  display: DisplayModel;
  /** Its path under the folder given, with its frame or page where its file has several ("ct/IM1#2", "stack.tif#3"). */
  name: string;
  /** The time its file took to read and decode, shared among its frames or pages. */
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

/**
 * The examples of `file` (under `root`): each page of an image file, each frame of a DICOM file, as encryption sends
 * them (until 0.53 an image file's first page alone: an ImageJ stack of a CT series was measured by its first
 * slice). Each is read as encryption reads it (jobs/read-input.ts: an image file's values as viewers show them, where
 * its gamma or colour profile moves them) and seen as its reader would see it once sent (jobs/input-display.ts: a
 * signed TIFF's offset, an ImageJ TIFF's calibration and windows, WhiteIsZero grey, a DICOM frame's units and windows).
 * Before 0.52 image files were read on their own, their samples taken for values without units.
 */
export async function readExamples(file: string, root: string, opts: ExampleOptions = {}): Promise<Example[]> {
  const { maxPixels = DEFAULT_MAX_PIXELS, ctIntercept } = opts;
  const name = relative(root, file);
  const t = performance.now();
  const read = await readInput({ input: file, maxPixels, deidentify: null }).catch((err: unknown) => { throw inFile(file, err); });
  const readMs = (performance.now() - t) / read.length;
  return read.map((input, f) => {
    const dicom = input.metadata?.dicom !== undefined;
    const notCt = !dicom && ctIntercept !== undefined ? notCtReason(input) : undefined;
    if (notCt) {
      throw new AeimgError(ErrorCode.BadInput, `${name}: ${ofPage(input)}is ${notCt}, and --ct-intercept declares every image file under the folder a CT's ` +
        'export: give a folder of those alone (DICOM files go with their own rescale).');
    }
    try {
      const { display } = inputDisplay(input, dicom ? undefined : ctIntercept);
      return { image: input.image, display, name: read.length > 1 ? `${name}#${f + 1}` : name, readMs };
    } catch (err) {
      throw inFile(file, err, name); // an ImageJ TIFF that says it is a CT, refused as one (its values converted by its profile)
    }
  });
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
