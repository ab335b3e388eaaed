/**
 * What the viewer's probe reads under the pointer, and how an image file's HU are told where its sender declared it a
 * CT: the words a reader checks a value by, kept out of the view so that they are tested as words.
 */
import type { ImagePixels } from '../../../src-shared/api';
import { ctDeclaration, sampleToReal, sampleToStored, type ValueMapping } from '../../../src-shared/windows';
import { formatValue } from './display';

/** What the probe says of one pixel: its line, and the stored and real values a test or a copy reads. */
export interface ProbeReading {
  at: string;
  text: string;
  stored: string;
  value: string;
}

/** How the image's samples are read: its mapping and units, and what a DICOM image adds (PET's SUV factors). */
export interface ProbeContext {
  mapping: ValueMapping | undefined;
  /** "HU", "OD", the file's units; '' where its values have none. */
  units: string;
  dicom: boolean;
  suvBw?: number;
  sul?: number;
  denoised: boolean;
}

/**
 * The probe's line at pixel (x, y): RGB for a colour image; a DICOM image's stored value and its real-world value
 * ("stored 1064 → 40 HU", with SUV for PET); an image file's value, and its HU where its sender declared it a CT
 * ("value 1064 → 40 HU"). Null outside the image.
 */
export function probeReading(px: ImagePixels, x: number, y: number, c: ProbeContext): ProbeReading | null {
  if (x < 0 || y < 0 || x >= px.width || y >= px.height) return null;
  const o = (y * px.width + x) * px.channels;
  const at = `(${x}, ${y})`;
  // Said of every image's values, colour and unitless ones too (0.50; before, only where they had a mapping).
  const denoised = c.denoised ? ' (denoised view)' : '';
  if (px.channels >= 3) return { at, text: `${at} RGB ${px.pixels[o]}, ${px.pixels[o + 1]}, ${px.pixels[o + 2]}${denoised}`, stored: '', value: '' };
  const sample = px.pixels[o]!;
  const m = c.mapping;
  if (!m) return { at, text: `${at} value ${sample}${denoised}`, stored: String(sample), value: String(sample) };
  const stored = sampleToStored(sample, m), real = sampleToReal(sample, m);
  const unit = c.units ? ` ${c.units}` : '';
  if (!c.dicom) {
    // An image file's value (a signed TIFF's, less its offset), and its HU where its sender declared it a CT (0.36).
    const hu = unit ? (real === stored ? unit : ` → ${formatValue(real)}${unit}`) : '';
    return { at, text: `${at} value ${stored}${hu}${denoised}`, stored: String(stored), value: String(real) };
  }
  const rescaled = m.slope !== 1 || m.intercept !== 0;
  const text = (rescaled || unit ? `${at} stored ${stored} → ${formatValue(real)}${unit || ' (rescaled)'}` : `${at} stored ${stored}`) +
    (c.suvBw ? ` · SUVbw ${(real * c.suvBw).toFixed(2)}` : '') + (c.sul ? ` · SUL ${(real * c.sul).toFixed(2)}` : '') + denoised;
  return { at, text, stored: String(stored), value: String(real) };
}

/**
 * An image file its sender declared a CT (0.36): its HU come from that declaration, not from a DICOM header, and the
 * reader is told so, with how its values give them ("HU = value − 1024"); or from its own calibration (`calibration`,
 * an ImageJ TIFF of a CT, 0.39: the rescale of the DICOM file ImageJ opened), told so. '' for any other image.
 */
export function declaredCtText(c: Pick<ProbeContext, 'mapping' | 'units' | 'dicom'> & { calibration?: 'imagej' }): string {
  if (c.dicom || c.units !== 'HU' || !c.mapping) return '';
  const how = ctDeclaration(c.mapping.intercept);
  return c.calibration === 'imagej'
    ? `CT: its HU are as its ImageJ calibration gives them (${how}, the rescale of the DICOM file ImageJ opened), an image file, not DICOM`
    : `CT: its HU are as its sender declared them (${how}), an image file, not DICOM`;
}
