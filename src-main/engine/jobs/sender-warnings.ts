/**
 * What the sender of a file is warned of, beside what the reader gets: an .aeimg larger than an e-mail takes, a file
 * named after its patient, a DICOM file's overlays the reader will not see (jobs/encrypt.ts says them).
 */
import { basename } from 'node:path';
import type { OverlayFacts } from '../dicom/overlay.js';
import { DEFAULT_MAX_PART_BYTES } from '../defaults.js';
import { nameStem } from './files.js';

/** Decimal megabytes (kilobytes below one), as mail services count them. */
const megabytes = (bytes: number) => (bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} KB` : `${(bytes / 1e6).toFixed(2)} MB`);

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
    return [words(one ? list[0]! : `${unseen.length} overlays, ${list.slice(0, -1).join(', ')} and ${list.at(-1)!}`, one ? 'it' : 'them', one ? 'its' : 'their')];
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
