/**
 * Values as DICOM allows them to be written. A carried value is the sender's file's as it was, and files in the wild
 * hold values their VR does not allow (an old scanner's ACR-NEMA date "1997.04.24", text longer than its VR): dcmjs
 * refuses to write the whole file then, so DICOM output fits each value first.
 */
import dcmjs from 'dcmjs';
import type { DicomJson } from './dataset.js';

/**
 * A number as a Decimal String (at most 16 characters), with as many significant digits as fit: plain or with an
 * exponent, whichever keeps more ("5.6120501942e-6", where plain decimals of a small slope take 17 or more).
 */
export function decimal(v: number): string {
  const plain = String(v);
  if (plain.length <= 16) return plain;
  for (let digits = 15; digits > 1; digits--) {
    const fits = [String(Number(v.toPrecision(digits))), v.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace('e+', 'e')]
      .find((s) => s.length <= 16 && Number.isFinite(Number(s)));
    if (fits) return fits;
  }
  return v.toExponential(0).replace('e+', 'e');
}

type VrLimits = { maxLength?: number | null; maxCharLength?: number | null };
const vrLimits = (vr: string) =>
  (dcmjs.data as unknown as { ValueRepresentation: { createByTypeString(t: string): VrLimits | undefined } }).ValueRepresentation.createByTypeString(vr);

/**
 * One text value as its VR allows it to be written (dcmjs refuses the file otherwise): the ACR-NEMA forms of dates and
 * times ("1997.04.24", "10:12:13") as DICOM writes them, a long decimal shortened, text cut at its VR's length; a
 * value that cannot be shortened (a UID, a code) is undefined, and left out.
 */
function fitValue(vr: string, v: string): string | undefined {
  let s = vr === 'DA' && /^\d{4}\.\d{2}\.\d{2}$/.test(v) ? v.replace(/\./g, '') : vr === 'TM' && /^\d{2}:\d{2}/.test(v) ? v.replace(/:/g, '') : v;
  const limits = vrLimits(vr);
  if (vr === 'DS' && s.length > 16 && Number.isFinite(Number(s))) s = decimal(Number(s));
  if (vr === 'TM' && s.length > 16) s = s.slice(0, 16); // fewer digits of a second's fraction
  if (limits?.maxCharLength && s.length > limits.maxCharLength) return s.slice(0, limits.maxCharLength);
  return limits?.maxLength && s.length > limits.maxLength ? undefined : s;
}

/** Every text value of the dataset fitted to its VR (fitValue); a carried value is the sender's file's, as it was. */
export function fitValues(ds: DicomJson): void {
  for (const [tag, attr] of Object.entries(ds)) {
    if (!attr.Value?.length || attr.vr === 'PN' || attr.vr === 'SQ') continue;
    const fitted = attr.Value.flatMap((v) => {
      const s = typeof v === 'string' ? fitValue(attr.vr, v)
        : typeof v === 'number' && attr.vr === 'DS' && String(v).length > 16 ? decimal(v)
          : typeof v === 'number' && attr.vr === 'IS' && (String(v).length > 12 || !Number.isInteger(v)) ? undefined : v;
      return s === undefined ? [] : [s];
    });
    ds[tag] = { ...attr, Value: fitted }; // a new attribute: the record's dataset stays as it travelled
  }
}
