/**
 * What the sender of a file is warned of, beside what the reader gets: an .aeimg larger than an e-mail takes, a file
 * named after its patient, what its pixels may show, a DICOM file's overlays, palette, profile or subtraction the reader
 * will not see, an image file's colours or samples as they were read (jobs/encrypt.ts says them).
 */
import { basename } from 'node:path';
import type { ImplausibleCt, Unitless } from './declared-ct.js';
import type { OverlayFacts } from '../dicom/overlay.js';
import { dicomDisplay } from '../dicom/display.js';
import type { DicomImage } from '../dicom/import.js';
import { ctDeclaration, storedToReal } from '../../../src-shared/windows.js';
import type { InputImage } from './read-input.js';
import type { SubsidiaryPage } from '../image/tiff-tags.js';
import { SIGNED_OFFSET } from '../image/image.js';
import { valueWords } from '../image/whole-values.js';
import { DEFAULT_MAX_PART_BYTES } from '../defaults.js';
import { nameStem } from './files.js';
import { andList } from '../../../src-shared/files.js';

/** Decimal megabytes (kilobytes below one), as mail services and --max-size count them. */
export const megabytes = (bytes: number): string => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} KB` : `${(bytes / 1e6).toFixed(2)} MB`);

/**
 * Told to the sender of an .aeimg larger than an e-mail takes (a long cine, a large multi-frame file): it was
 * written, and how to send it instead: in parts, as a study (each image, or frame, whole in one part), or smaller.
 */
export function mailSizeWarning(output: string, bytes: number, limit: number, images: number): string {
  const said = `${basename(output)} is ${megabytes(bytes)}, more than an e-mail may carry (${megabytes(limit)} of file` +
    `${limit === DEFAULT_MAX_PART_BYTES ? ': Gmail\'s 25 MB limit after base64' : ''}): `;
  return images > 1
    ? `${said}send its ${images} frames in parts as a study (the app's "Encrypt as one study", or aeimg encrypt --bundle NAME), ` +
      'or at a level that makes smaller files.'
    : `${said}choose a level that makes smaller files, or send the .aeimg (it is encrypted) by a file transfer your hospital allows.`;
}

/**
 * Told to the sender of a file named after its patient: what the receiver's image is called instead, and, where the
 * .aeimg was named otherwise (an output name given), that its name, which anyone who sees the e-mail reads, must change.
 */
export function maskedNameWarning(input: string, output: string, masked: string): string {
  const said = `${basename(input)}: its name holds the patient's name, ID or birth date, which de-identification keeps out of what is sent: the image goes as ${masked}`;
  const [stem, sent] = [nameStem(output).toLowerCase(), nameStem(masked).toLowerCase()];
  return stem === sent || stem.startsWith(`${sent} (`) // as the batch named it, " (2)" where the name was taken
    ? `${said}, in ${basename(output)}.`
    : `${said}, but the .aeimg's own name (${basename(output)}) is seen by anyone who sees the e-mail: rename it before sending.`;
}

/**
 * Told to the sender of a DICOM file with overlays the reader will not see (dicom/overlay.ts): those aeimg does not
 * carry, each with why; where the file is de-identified, the others too (the profile removes Overlay Data), with how
 * to send them.
 */
export function overlayWarnings(file: string, facts: readonly OverlayFacts[], deidentified: boolean): string[] {
  const said = (unseen: readonly OverlayFacts[], words: (names: string, it: string, its: string) => string) => {
    if (unseen.length === 0) return [];
    const list = unseen.map((f) => (f.notCarried ? `${f.name} (${f.notCarried})` : f.name));
    const one = unseen.length === 1;
    return [words(one ? list[0]! : `${unseen.length} overlays, ${andList(list)}`, one ? 'it' : 'them', one ? 'its' : 'their')];
  };
  const shutter = deidentified ? facts.find((f) => f.shutter && !f.notCarried) : undefined;
  return [
    ...(shutter ? [`${file} has a bitmap display shutter in ${shutter.name}: the parts of the image its reader's PACS covers, which de-identification ` +
      'removes with the overlays (its data may hold the patient\'s name), so the reader will see the whole image, what it covers included. If that ' +
      'matters, send the file with its full header (aeimg encrypt --deidentify none; in the app, DICOM metadata "Keep all").'] : []),
    ...said(deidentified ? facts.filter((f) => !f.notCarried && f !== shutter) : [], (names, it, its) =>
      `${file} has ${names}: graphics a viewer draws over the image (a reader's marks, the scanner's labels), which ` +
      `de-identification removes, as DICOM's profile does (${its} data may hold the patient's name), so the reader will not see ${it}. ` +
      `If the reader needs ${it}, send the file with its full header (aeimg encrypt --deidentify none; in the app, DICOM metadata ` +
      '"Keep all"), or save the marks into the image at the workstation.'),
    ...said(facts.filter((f) => f.notCarried), (names, it) => `${file} has ${names}, which aeimg does not carry: the reader will not see ${it}.`),
  ];
}

/**
 * What the sender of `input` is told of what its reading found (read-input.ts): words in the pixels, overlays, a palette
 * or ICC profile not carried, a slide's tiles, a subtraction run, presentation states' windows left out, colours
 * converted, samples of another type; in that order.
 */
/** How an EXIF orientation (2..8) says the stored pixels are laid out: what a viewer undoes to show them upright. */
const EXIF_TURNS: Record<number, string> = {
  2: 'mirrored left to right', 3: 'upside down', 4: 'mirrored top to bottom', 5: 'mirrored and turned a quarter',
  6: 'turned a quarter anticlockwise', 7: 'mirrored and turned a quarter', 8: 'turned a quarter clockwise',
};

export function inputWarnings(input: string, inputs: readonly InputImage[]): string[] {
  const warnings: string[] = [];
  const dicom = inputs[0]?.metadata?.dicom as DicomImage['dicom'] | undefined;
  if (dicom?.burnedInAnnotation) {
    warnings.push(`${basename(input)} says BurnedInAnnotation YES: patient details may be written into the pixels, which de-identification does not remove.`);
  } else if (String(dicom?.dataset['00480010']?.Value?.[0] ?? '').trim().toUpperCase() === 'YES') {
    // A slide's label or overview image (0.34): the label often carries the patient's name or accession number.
    warnings.push(`${basename(input)} says Specimen Label in Image YES: its pixels show the slide's label, which often carries the patient's ` +
      'name or accession number and which de-identification does not remove: look at the image before sending.');
  } else if (inputs[0]?.burnedInUnstated) {
    const modality = String((dicom?.dataset['00080060']?.Value ?? [])[0] ?? '').trim() || 'screen-capture';
    warnings.push(`${basename(input)} does not say whether patient details are written into its pixels (no BurnedInAnnotation), ` +
      `and ${modality} images often have them, which de-identification does not remove: look at the image before sending.`);
  }
  const lossy = inputs.find((i) => i.lossyUnsaid)?.lossyUnsaid;
  if (lossy?.certain) {
    warnings.push(`${basename(input)} does not say it was lossy-compressed (no Lossy Image Compression 01), but its data is (${lossy.words}): ` +
      'its reader is told that what they get is bit-exact to this file, which was itself lossy-compressed, not to the scanner\'s data, ' +
      'and DICOM written from it says Lossy Image Compression 01.');
  } else if (lossy) {
    warnings.push(`${basename(input)} does not say whether it was lossy-compressed (no Lossy Image Compression), and its ${lossy.words} ` +
      'transfer syntax allows a lossy coding that its data cannot rule out (a reversible wavelet cut to a rate): its reader is told ' +
      'it may have been, and DICOM written from it says Lossy Image Compression 01.');
  }
  if (inputs[0]?.overlayFacts && dicom) warnings.push(...overlayWarnings(basename(input), inputs[0].overlayFacts, dicom.deidentified));
  const colour = inputs[0]?.unreadPalette;
  if (colour) {
    const px = dicom!.pixel;
    const { units, mapping } = dicomDisplay(dicom!);
    const real = (v: number) => Math.round((mapping ? storedToReal(v, mapping) : v) * 1000) / 1000;
    const rescaled = px.rescaleSlope !== 1 || px.rescaleIntercept !== 0 ? ` (${real(colour.first)}–${real(colour.last)}${units ? ` ${units}` : ''})` : '';
    warnings.push(`${basename(input)} has a supplemental colour palette (its reader's workstation shows stored values ${colour.first}–${colour.last}${rescaled} ` +
      `in colour: a perfusion or parametric map), but ${colour.why}: aeimg carries the values without it, so the reader will see the map in grey. ` +
      'If its colours matter, send a screen capture of it too.');
  }
  const icc = inputs[0]?.unreadIccProfile;
  if (icc) {
    warnings.push(`${basename(input)} has an ICC profile (0028,2000), which says how its colours show, but ${icc}: aeimg carries ` +
      'its colours without it, so the reader sees them as stored, where a colour-managed viewer would show them through the profile. ' +
      'If its colours matter, send a screen capture of it too.');
  }
  const slideTiles = inputs[0]?.slideTiles;
  if (slideTiles) {
    warnings.push(`${basename(input)} is a whole-slide image whose ${inputs.length} tiles go as separate images, not as the slide they tile: ` +
      `${slideTiles}. The reader's viewer shows them one by one. If the reader needs the slide, export a level of it as one image (or a lower level, ` +
      'whose tiles aeimg puts together) and send that too.');
  }
  const masks = inputs[0]?.maskSubtraction;
  if (masks) {
    warnings.push(`${basename(input)} is a subtraction run (DSA): its Mask Subtraction Sequence (0028,6100) gives ${masks.masks}` +
      `${masks.recommended ? ', and its Recommended Viewing Mode is SUB' : ''}, which a viewer that subtracts shows in place of the native frames. ` +
      'aeimg carries the native frames: the reader\'s viewer shows them without the subtraction, and DICOM output writes them without the masks. ' +
      'If the reader needs the subtracted run, export it subtracted at the workstation and send that too.');
  }
  const unused = inputs[0]?.unusedPixelData;
  if (unused && dicom) {
    const { width, height } = inputs[0]!.image;
    const frames = unused.bytes / unused.frameBytes;
    const more = frames >= 1 ? `, as much as ${Math.floor(frames)} more frame${frames >= 2 ? 's' : ''} of its size,` : '';
    warnings.push(`${basename(input)} holds ${unused.bytes.toLocaleString('en-US')} bytes of Pixel Data past the ${dicom.frames} ` +
      `frame${dicom.frames === 1 ? '' : 's'} of ${width}x${height} its header gives: that data${more} does not go, and its ` +
      'reader will not see it. Its header may give too few frames or rows (a writer\'s error): look at the image before sending, or export it again.');
  }
  const statesLeftOut = [...new Set(inputs.flatMap((i) => i.stateWindowsLeftOut ?? []))];
  if (statesLeftOut.length) {
    const names = statesLeftOut.map((l) => `"${l}"`).join(', ');
    warnings.push(`${basename(input)}: the window of presentation state ${names} does not go with it: its lookup table cannot apply to this ` +
      'image\'s values (a rescale of another slope, or a Modality LUT of the image\'s own), so the reader\'s viewer opens it in its own windows.');
  }
  // Said only where it moved them beyond an sRGB profile's rounding (image/io.ts asSent).
  const converted = inputs[0]?.converted;
  if (converted?.from === 'CMYK') {
    // A print file's colours (0.37): before, converted without a word, and a 16-bit one went as 16-bit samples of 256 levels.
    warnings.push(`${basename(input)} is a CMYK image (print colours), so its colours were converted to RGB as image viewers show them ` +
      '(through its colour profile, or a standard press profile where it has none), 8 bits a channel: what is sent, and what its ' +
      'figures (bit-exact, within ±N) compare with, is that RGB image, which shows the colours as you see them; the file\'s own CMYK values ' +
      'are not kept.');
  } else if (converted) {
    const has = converted.from === 'a colour profile' ? 'has a colour profile' : `declares ${converted.from} and no colour profile`;
    warnings.push(`${basename(input)} ${has}, so its colours were converted to sRGB as a colour-managed viewer shows ` +
      `them, up to ${converted.shift} levels from the file's own values: what is sent, and what its figures (bit-exact, within ±N) compare ` +
      'with, is that sRGB image, which shows the colours as you see them; the file\'s own values are not kept.');
  }
  const turned = inputs[0]?.turned;
  if (turned) {
    // Before (0.49), such a JPEG went larger than its file, and not bit-exact at `auto`, without a word of why.
    warnings.push(`${basename(input)} is stored ${EXIF_TURNS[turned] ?? 'turned'} (its EXIF orientation ${turned}), which viewers undo, so it goes ` +
      'upright, as they show it. Its own JPEG data holds it as stored, and the receiver\'s file has no orientation tag to undo, so it cannot go ' +
      'as that data (bit-exact, at the JPEG\'s size): aeimg codes the upright image at the level asked, and its figures are of that image.');
  }
  const leftOut = inputs[0]?.leftOut;
  if (leftOut) warnings.push(leftOutPagesWarning(input, leftOut, inputs.length));
  const whole = inputs[0]?.wholeValues;
  if (whole) {
    const [lo, hi] = whole.range.map(valueWords);
    warnings.push(`${basename(input)} has ${whole.type} samples, each a whole number from ${lo} to ${hi}: ` + (whole.offset
      ? `they go as 16-bit samples holding each value + ${SIGNED_OFFSET}, as a signed DICOM image's do, and the receiver's aeimg shows them as ` +
        `the values (a 16-bit PNG written holds them + ${SIGNED_OFFSET}, which it says; DICOM output holds the values, signed).`
      : 'they go as 16-bit values, the same numbers, which the receiver gets as a 16-bit PNG (or DICOM) file.'));
  }
  const bits = inputs[0]?.fewBits;
  if (bits) {
    const top = 2 ** bits - 1;
    warnings.push(`${basename(input)} has ${bits}-bit grey levels (0–${top}), which aeimg reads as viewers show them, at 8 bits (each value ` +
      `× ${255 / top}, 0–255): what goes, and what its figures compare with, is that 8-bit image; a PNG the receiver saves holds 0–255, ` +
      `not the file's 0–${top}. If a program reads them by number (a label map), send it lossless (--quality lossless), and the ` +
      `receiver divides by ${255 / top}.`);
  }
  return warnings;
}

/**
 * Told to the sender of a TIFF whose reduced-resolution copies (a pyramid's levels, a thumbnail) or transparency masks
 * were left out (image/io.ts ImageFile.leftOut): which pages, and what the reader gets instead.
 */
function leftOutPagesWarning(input: string, leftOut: NonNullable<InputImage['leftOut']>, kept: number): string {
  const list = (pages: number[]) => `page${pages.length > 1 ? 's' : ''} ${andList(pages)}`;
  const of = (role: SubsidiaryPage) => leftOut.filter((p) => p.role === role).map((p) => p.page + 1);
  const [reduced, masks] = [of('reduced'), of('mask')];
  const parts = [
    ...(reduced.length ? [`${list(reduced)} ${reduced.length === 1 ? 'is a reduced-resolution copy' : 'are reduced-resolution copies'} ` +
      `of its image${kept > 1 ? 's' : ''} (a pyramid's levels or a thumbnail, as the file marks them)`] : []),
    ...(masks.length ? [`${list(masks)} ${masks.length === 1 ? 'is a transparency mask' : 'are transparency masks'} of another page`] : []),
  ];
  return `${basename(input)}: its ${parts.join(', and its ')}, not ${leftOut.length === 1 ? 'an image' : 'images'} of ` +
    `${leftOut.length === 1 ? 'its own, which does' : 'their own, which do'} not go: the reader gets its ` +
    `${kept === 1 ? 'full-size page' : `${kept} full-size pages`}.`;
}

/**
 * Told to the sender of a 16-bit grey image file without units, sent not bit-exact: its figures are in its 1st–99th
 * percentile window, where a CT's error of tens of HU hardly shows; declared a CT, they are in HU and the CT windows.
 * One whose values go below 0 (a signed TIFF) is told the intercept for values in HU first: the app's default, −1024,
 * would put its air at −2024 HU.
 */
export function unitlessWarning(input: string, kind: Unitless = 'unsigned'): string {
  const how = kind === 'signed'
    ? 'its values go below 0, as HU do: --ct-intercept=0 if they are HU; in the app, "16-bit image files are CT" with HU = value + 0'
    : 'aeimg encrypt --ct-intercept=-1024 for an export of stored values, HU + 1024; --ct-intercept=0 for values in HU; in the app, "16-bit image files are CT"';
  return `${basename(input)} is a 16-bit grey image without units: its figures are measured in its 1st–99th percentile window, where a ` +
    `CT's error of 20 HU hardly shows. If it is a CT, say how its values give HU (${how}): its figures are then in ` +
    'HU and in the brain, lung and bone windows, and its reader sees HU.';
}

/**
 * Told to the sender of an image file declared a CT whose darkest part lies far from air as declared (declared-ct.ts
 * implausibleCt): an intercept 1024 or 32,768 off, most likely, which its reader would read in every HU.
 */
export function implausibleCtWarning(input: string, ctIntercept: number, { darkest, suggested }: ImplausibleCt): string {
  const signed = (n: number) => (n < 0 ? `− ${-n}` : `+ ${n}`);
  const which = darkest < 0 ? 'far below air' : 'far above air';
  const how = suggested
    ? `If its values are ${suggested.values}, give HU = value ${signed(suggested.intercept)} (--ct-intercept=${suggested.intercept}; in the app, ` +
      `"HU = value +" ${suggested.intercept}).`
    : 'No usual export (values in HU, HU + 1024, or those moved up by 32768) puts it at air: check how its values were exported.';
  return `${basename(input)} was declared a CT with HU = value ${signed(ctIntercept)}, which puts its darkest part (its 1st percentile) ` +
    `at ${valueWords(Math.round(darkest))} HU, ${which} (about −1000 HU, around the body in every slice a CT shows): its reader would read every HU ` +
    `that far off. ${how} If it is a crop with no air, it may stand.`;
}

/**
 * Told to the sender who declared an ImageJ TIFF of a CT with an intercept other than its own calibration's (aeimg
 * 0.39): it goes with its own, as a DICOM file goes with its rescale.
 */
export function ownCtWarning(input: string, own: number, declared: number): string {
  return `${basename(input)} is an ImageJ TIFF of a CT, whose own calibration gives ${ctDeclaration(own)}: it goes with that, as a DICOM file ` +
    `goes with its rescale, not with the intercept given (${ctDeclaration(declared)}), which would put every HU ${Math.abs(own - declared)} off.`;
}

/**
 * Told to the sender who declared a CT an ImageJ TIFF whose DICOM file was not one (its Modality, which ImageJ keeps):
 * an MR exported as the CTs beside it were, which nothing in its pixels tells apart (aeimg 0.39).
 */
export function notCtModalityWarning(input: string, modality: string): string {
  return `${basename(input)} is an ImageJ TIFF of a DICOM file whose Modality is ${modality}, not CT: declared a CT, its reader would read its ` +
    `values as HU. Send it without HU (--not-ct ${basename(input)}; in the app, "Send without HU (not a CT)"), unless it is a CT after all.`;
}

/** Told to the sender who declared a DICOM file a CT (--ct-intercept): its own rescale gives its values, not the one given. */
export function ctOfDicomWarning(input: string): string {
  return `${basename(input)} is a DICOM file: its own header says what its values are (its modality and rescale), so the CT intercept ` +
    'given applies to image files only and was not used for it.';
}
