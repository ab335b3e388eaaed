/**
 * How the reader of one input sees it once sent: what encrypt.ts codes and measures it through and, since 0.52, what
 * `aeimg train` learns it through and `aeimg eval` measures it through (train/examples.ts), so that a model's figures
 * are of what a reader would see of the same file. Before, train and eval read image files on their own and missed what
 * a file says of its values (a signed TIFF's offset, an ImageJ TIFF's calibration and windows, WhiteIsZero grey) and
 * the conversion of a file whose gamma or colour profile moves its values.
 */
import { dicomDisplay } from '../dicom/display.js';
import type { DicomImage } from '../dicom/import.js';
import { imagejWindows } from '../image/imagej.js';
import { sampleRange, type Image } from '../image/image.js';
import { plainDisplay } from '../metrics/fidelity.js';
import { imageFileMapping, sampleToReal, type DisplayModel, type DisplayWindow, type FileValues } from '../../../src-shared/windows.js';
import { checkCtImage, ownCtIntercept } from './declared-ct.js';
import type { InputImage } from './read-input.js';

export interface InputDisplay {
  /** Its units and windows: a DICOM frame's own; an image file's from what it says of its values and `ctIntercept`. */
  display: DisplayModel;
  /** An image file's HU are its values + this: its own (`own`), else the one its sender declared. */
  ctIntercept?: number;
  /** The intercept the file says its own HU are given by (ownCtIntercept: an ImageJ TIFF of a CT). */
  own?: number;
  /** An ImageJ TIFF's own windows (the range it was shown in, its DICOM file's), in its reader's values. */
  windows: DisplayWindow[];
}

/**
 * The display of `input` declared a CT with `declared` (an image file's; a DICOM file's own rescale gives its HU, as an
 * ImageJ TIFF's calibration does). One declared or saying it is a CT that cannot hold HU is refused (checkCtImage).
 */
export function inputDisplay(input: InputImage, declared: number | undefined): InputDisplay {
  const dicom = input.metadata?.dicom as DicomImage['dicom'] | undefined;
  if (dicom) return { display: dicomDisplay(dicom), windows: [] };
  const { image, valueOffset, inverted } = input;
  const own = ownCtIntercept(input);
  const ct = own ?? declared;
  if (ct !== undefined) checkCtImage(input);
  const windows = image.channels !== 1 || !input.imagej ? [] : imagejWindows(input.imagej, ct, realRange(image, { valueOffset, ctIntercept: ct, inverted }));
  const display = plainDisplay(image, { valueOffset, ctIntercept: ct, fileWindows: windows, inverted, labels: input.bilevel });
  return { display, windows, ...(ct !== undefined ? { ctIntercept: ct } : {}), ...(own !== undefined ? { own } : {}) };
}

/** The least and greatest value a grey image file's reader reads (its samples through its record's value mapping). */
function realRange(image: Image, values: FileValues): [number, number] {
  const mapping = imageFileMapping(image.bitDepth, values);
  return sampleRange(image.pixels).map((s) => sampleToReal(s, mapping)).sort((a, b) => a - b) as [number, number];
}
