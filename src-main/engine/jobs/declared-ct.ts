/**
 * An image file its sender declares a CT (aeimg 0.36: `encrypt --ct-intercept`, the app's "16-bit image files are CT"),
 * and one it does not declare that may be one: what such a file may be, and when its figures have no units.
 */
import { resolve } from 'node:path';
import { imageFileMapping, MAX_CT_INTERCEPT, sampleToReal } from '../../../src-shared/windows.js';
import { AeimgError, ErrorCode } from '../errors.js';
import { colourChannels, maxValue, type Image } from '../image/image.js';
import { DEFAULT_MAX_PIXELS } from '../image/io.js';
import { readHead } from '../fs/read.js';
import { imageSignature } from '../image/signature.js';
import type { CtCheck } from '../../../src-shared/api.js';
import { imagejCalibration, imagejCtIntercept } from '../image/imagej.js';
import { readInput, type InputImage } from './read-input.js';
import { implausibleCtWarning, notCtModalityWarning } from './sender-warnings.js';

/**
 * An image its sender declared a CT (EncodeTask.ctIntercept) must be one that can hold HU: 16-bit grey. An 8-bit image
 * holds a window's grey levels (a HU it does not say), a colour one a rendering: said so, and how to send it; of a file
 * of several pages, the page that cannot (0.54; before, a stack's refusal named the file alone).
 */
export function checkCtImage(input: Pick<InputImage, 'image' | 'converted' | 'page'>): void {
  const what = notCtReason(input);
  if (!what) return;
  throw new AeimgError(ErrorCode.BadInput, `${ofPage(input)}is ${what}, so it cannot go as a CT (--ct-intercept; in the app, ` +
    '"16-bit image files are CT"): send it without that, or send the CT\'s 16-bit export or DICOM file instead.');
}

/** 'page N ' for an image that is one page of several of its file (InputImage.page), '' otherwise: a refusal's subject. */
export function ofPage({ page }: Pick<InputImage, 'page'>): string {
  return page === undefined ? '' : `page ${page} `;
}

/** Why an image cannot be a CT's values in HU, in its sender's words (checkCtImage's; train/eval's, 0.52); undefined if it can. */
export function notCtReason({ image, converted }: Pick<InputImage, 'image' | 'converted'>): string | undefined {
  // Values its file says are light (a gamma or colour profile), which aeimg shows as viewers do: converted, they are no
  // longer the values the sender declared HU (a gamma of 1 moved a 16-bit CT's by up to 7134).
  return colourChannels(image) !== 1 ? 'a colour image, not a CT\'s values in HU'
    : image.bitDepth !== 16 ? 'an 8-bit image, the grey levels of a window, not a CT\'s values in HU'
    : image.channels !== 1 ? 'a grey image with transparency, which a CT\'s values do not have'
    : converted ? `a grey image whose file says its values are light to be shown through ${converted.from}, ` +
      `which aeimg shows as viewers do, moving them by up to ${converted.shift}: not a CT's values in HU` : undefined;
}

/**
 * The intercept by which an image file says its own HU are given, as a DICOM file's rescale does (an ImageJ TIFF of a
 * CT, aeimg 0.39: image/imagej.ts): it goes with it whatever its sender declares. Undefined for other files, and for a
 * page that cannot hold HU (8-bit, colour). HU = its values (the samples less `valueOffset`) + it.
 */
export function ownCtIntercept({ image, imagej }: Pick<InputImage, 'image' | 'imagej'>): number | undefined {
  if (!imagej || image.bitDepth !== 16 || image.channels !== 1) return undefined;
  return imagejCtIntercept(imagej, MAX_CT_INTERCEPT);
}

/**
 * A 16-bit grey image file (no DICOM header, no display given) that is neither declared a CT (`ctIntercept`) nor sent
 * bit-exact (`maxError` 0): its figures are of a percentile window, where a CT's error of tens of HU hardly shows, and
 * its sender is told so and told to declare it (sender-warnings.ts unitlessWarning; the app's preview, from
 * EncodedFile.unitless). Not one with alpha: checkCtImage refuses it as a CT, so that advice would fail. Not one whose
 * own header says it is not a CT (an ImageJ TIFF of an MR, aeimg 0.39): its percentile window is the right measure.
 */
export function isUnitless({ image, imagej }: Pick<InputImage, 'image' | 'imagej'>, ctIntercept: number | undefined, maxError: number | undefined): boolean {
  return ctIntercept === undefined && maxError !== 0 && image.bitDepth === 16 && image.channels === 1 && (imagej?.modality ?? 'CT') === 'CT';
}

/** EncodedFile.unitless: an image file without units; 'signed' where its values go below 0, as a CT's HU do. */
export type Unitless = 'unsigned' | 'signed';

/**
 * How a 16-bit export gives a CT's HU from its values (the samples, less a signed TIFF's offset): each convention's
 * intercept, and what such values are, in the words its sender is told.
 */
const EXPORTS: readonly { intercept: number; values: string }[] = [
  { intercept: 0, values: 'HU already (a signed export)' },
  { intercept: -1024, values: 'stored values (HU + 1024, a PACS\'s export)' },
  { intercept: -32768, values: 'HU moved up by 32768 into unsigned values (a signed image saved unsigned, as ImageJ does)' },
  { intercept: -33792, values: 'stored values moved up by 32768 (HU + 1024 + 32768: a signed CT saved unsigned, as ImageJ does)' },
];

/**
 * A declared CT's darkest part (its 1st percentile, in HU as declared) and the export convention that would put it at
 * air, where one does.
 */
export interface ImplausibleCt {
  darkest: number;
  suggested?: (typeof EXPORTS)[number];
}

/** HU below which a CT's darkest part cannot lie (air is about −1000) and above which it does not (air surrounds the body). */
const BELOW_AIR = -1500, ABOVE_AIR = -500;

/**
 * A CT declared with an intercept that puts its darkest part far from air (about −1000 HU, around the body in every
 * slice a CT shows): a signed TIFF already in HU declared with −1024 (the app's default), its air at −2024 HU; a PACS's
 * export of stored values declared with 0, its air at about 0 HU; an ImageJ TIFF of a signed CT (values moved up by
 * 32,768) declared with either. Its reader would read every HU that far off. The darkest part is the 1st percentile of
 * the image's values, less the plateau at its lowest value (padding outside the field of view, or air clamped to
 * −1024). Undefined where it lies as air does, or the image is nearly one value. A crop with no air (a soft-tissue
 * region alone) is said too: the sender is asked, not refused. A WhiteIsZero image's (`inverted`) samples are its values
 * inverted: its lowest values are its highest samples.
 */
export function implausibleCt(image: Image, valueOffset: number | undefined, ctIntercept: number, inverted = false): ImplausibleCt | undefined {
  const top = maxValue(image.bitDepth);
  const counts = new Uint32Array(top + 1);
  for (let i = 0; i < image.pixels.length; i += image.channels) counts[image.pixels[i]!]!++;
  const sampleAt = (k: number) => (inverted ? top - k : k); // the sample of the k-th lowest value
  let lowest = 0;
  while (lowest < top && counts[sampleAt(lowest)] === 0) lowest++;
  const rest = image.width * image.height - counts[sampleAt(lowest)]!;
  if (rest < Math.max(64, (image.width * image.height) / 100)) return undefined;
  let seen = 0, p1 = lowest + 1;
  for (; p1 < top; p1++) {
    seen += counts[sampleAt(p1)]!;
    if (seen > rest / 100) break;
  }
  const darkest = sampleToReal(sampleAt(p1), imageFileMapping(image.bitDepth, { valueOffset, ctIntercept, inverted }));
  const atAir = (hu: number) => hu >= BELOW_AIR && hu <= ABOVE_AIR;
  if (atAir(darkest)) return undefined;
  const suggested = EXPORTS.find((e) => atAir(darkest - ctIntercept + e.intercept));
  return { darkest, ...(suggested ? { suggested } : {}) };
}

/**
 * What the sender of a file declared a CT with `ctIntercept` is told where its own header says it is not one (an
 * ImageJ TIFF of an MR), or else where one of its images lies far from air (implausibleCt; the first such, once a
 * file): encryption's warning and ctCheck's alike.
 */
export function implausibleCtOf(input: string, images: readonly Pick<InputImage, 'image' | 'valueOffset' | 'imagej' | 'inverted'>[], ctIntercept: number): string | undefined {
  // An ImageJ TIFF of a DICOM file says its modality: one not a CT is said so first, whatever its pixels look like.
  const modality = images[0]?.imagej?.modality;
  if (modality && modality !== 'CT') return notCtModalityWarning(input, modality);
  for (const { image, valueOffset, inverted } of images) {
    const implausible = implausibleCt(image, valueOffset, ctIntercept, inverted);
    if (implausible) return implausibleCtWarning(input, ctIntercept, implausible);
  }
  return undefined;
}

/** More than ImageJ writes before its image data (header, directory, description, its DICOM header as Info). */
const IMAGEJ_HEAD_BYTES = 4 << 20;

/**
 * Whether a file's head says it is an ImageJ TIFF of a CT (image/imagej.ts: ImageJ writes its directory, description
 * and Info before the image data), so that one undeclared is read whole only where it may say its own HU.
 */
export async function saysOwnCt(path: string): Promise<boolean> {
  // Undefined where it cannot be read: said where it is listed or encrypted. Only a TIFF's head is read on.
  const magic = await readHead(path, 4);
  if (!magic || imageSignature(magic) !== 'TIFF') return false;
  const head = await readHead(path, IMAGEJ_HEAD_BYTES);
  return head !== undefined && imagejCtIntercept(imagejCalibration(head), MAX_CT_INTERCEPT) !== undefined;
}

/**
 * What a file declared a CT with `ctIntercept` would meet, said before anything is encoded (`encrypt --dry-run
 * --ct-intercept`, the app's queue when "16-bit image files are CT" is ticked): refused (checkCtImage's words, `fails`),
 * or warned of an intercept that puts its darkest part far from air (implausibleCt: most likely 1024 off, which its
 * reader would read in every HU). Its pixels are read as encryption reads them (a header cannot tell a grey GIF from a
 * colour one). `{ fails: false }` alone for one that goes as a CT without a word (its row names it so); with `ownIntercept`
 * for one that says its own HU (ownCtIntercept), which goes with them whatever `ctIntercept` is. Undefined for a
 * DICOM file (its own rescale applies) and a file that cannot be read (its reading error is said where it is listed or
 * encrypted).
 */
export async function ctCheck(path: string, ctIntercept: number | undefined, maxPixels = DEFAULT_MAX_PIXELS): Promise<CtCheck | undefined> {
  // Undeclared, only one that says its own HU goes as a CT: a file whose head does not say so is not read further.
  if (ctIntercept === undefined && !(await saysOwnCt(path))) return undefined;
  const inputs = await readInput({ input: path, maxPixels, deidentify: null }).catch(() => []);
  if (inputs.length === 0 || inputs.some((i) => i.metadata?.dicom)) return undefined;
  const own = ownCtIntercept(inputs[0]!);
  if (own !== undefined) return { fails: false, ownIntercept: own };
  if (ctIntercept === undefined) return undefined;
  for (const input of inputs) {
    try {
      checkCtImage(input);
    } catch (err) {
      if (err instanceof AeimgError) return { fails: true, message: err.message };
      throw err;
    }
  }
  const warning = implausibleCtOf(path, inputs, ctIntercept);
  return warning === undefined ? { fails: false } : { fails: false, message: warning };
}

/** A batch's or study's CT declaration: `ctIntercept` for its image files, but those its sender said are not CT. */
export interface CtDeclaration {
  /** EncryptFileOptions.ctIntercept. */
  ctIntercept?: number;
  /**
   * Inputs its sender said are not CT (the app's row "Send without HU", aeimg 0.38: an MR exported the same way in the
   * same queue, an 8-bit window export): sent without `ctIntercept`, as image files without units.
   */
  notCt?: readonly string[];
}

/** The intercept each input is declared a CT with (`ctIntercept`, or undefined for one of `notCt`), paths compared resolved. */
export function ctInterceptOf({ ctIntercept, notCt }: CtDeclaration): (input: string) => number | undefined {
  if (ctIntercept === undefined || !notCt?.length) return () => ctIntercept;
  const not = new Set(notCt.map((p) => resolve(p)));
  return (input) => (not.has(resolve(input)) ? undefined : ctIntercept);
}
