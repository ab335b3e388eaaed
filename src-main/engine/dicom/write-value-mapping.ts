/**
 * How a written image's stored values map to what its reader sees, as the sender's file had it: rescale, Modality and
 * VOI LUT Sequences, windows, PET's SUV as Real World Value Mapping, and a supplemental colour palette.
 */
import { attribute, type DicomJson, type JsonAttribute } from './dataset.js';
import { storedRange } from './codecs.js';
import type { DicomFrameMeta } from './import.js';
import type { Palette } from './stored-image.js';
import type { StoredLut } from './lut.js';
import type { RealWorldUnits } from './real-world.js';
import { decimal } from './fit-values.js';

/**
 * A LUT descriptor (entries, first mapped value, bits; 65,536 entries as 0), "US or SS" as its first value needs: the
 * same two bytes either way for the entry count.
 */
function lutDescriptor(entries: number, first: number, bits: number): JsonAttribute {
  const words = [entries === 65536 ? 0 : entries, first, bits];
  return first < 0 ? attribute('SS', ...words.map((w) => (w > 32767 ? w - 65536 : w))) : attribute('US', ...words);
}

/** A Modality or VOI LUT Sequence item: descriptor (entries, first mapped value, bits) and one word per entry. */
function lutItem(lut: StoredLut, extra: DicomJson = {}): DicomJson {
  return {
    '00283002': lutDescriptor(lut.data.length, lut.first, lut.bits),
    ...(lut.explanation ? { '00283003': attribute('LO', lut.explanation) } : {}),
    ...extra,
    '00283006': attribute('US', ...lut.data),
  };
}

/**
 * A VOI LUT Sequence item of an object aeimg makes (a presentation state written back; an image's own tables go back
 * as the file had them). An 8-bit table is written as the same table in 16 bits (each entry × 257, which every display
 * scales back to the same grey: 255 × 257 = 65535): the standard's words leave open whether 8-bit entries take a word
 * each or two to a word, files do both, and dicom3tools' dciodvfy calls one a word an error. A VOI LUT's output only
 * scales to the display, so its values mean the same (a Modality LUT's are real-world values: never so).
 */
export function voiLutItem(lut: StoredLut): DicomJson {
  return lutItem(lut.bits === 8 ? { ...lut, bits: 16, data: lut.data.map((v) => Math.min(65535, v * 257)) } : lut);
}

/**
 * How a viewer turns the stored values into the reader's values and grey levels, as aeimg read them: an enhanced
 * file's per-frame rescale and window (its functional groups are not carried), a Modality LUT or VOI LUT Sequence
 * (sequences are not carried either). Without them a PACS would show stored values where aeimg's viewer showed HU.
 */
export function writeValueMapping(ds: DicomJson, px: DicomFrameMeta['pixel']): void {
  if (px.modalityLut) {
    for (const t of ['00281052', '00281053', '00281054']) delete ds[t]; // a table or a rescale, never both
    ds['00283000'] = { vr: 'SQ', Value: [lutItem(px.modalityLut, { '00283004': attribute('LO', 'US') }) as never] };
  } else if (!ds['00281053'] && (px.rescaleSlope !== 1 || px.rescaleIntercept !== 0 || ds['00281054']?.Value?.length)) {
    // An enhanced file's frame of the identity rescale with its Rescale Type (dicom/import.ts frameDataset) says both (0.47:
    // its type alone was three dciodvfy errors, "RescaleIntercept missing", "RescaleType present when condition unsatisfied").
    ds['00281052'] = attribute('DS', decimal(px.rescaleIntercept));
    ds['00281053'] = attribute('DS', decimal(px.rescaleSlope));
  }
  // Required with a rescale where the Modality LUT module applies (Secondary Capture): HU for a CT whose file named no
  // other units (its Real World Value Mapping's: a perfusion map in ml/100ml/s is not HU), else unspecified.
  if (ds['00281053'] && !ds['00281054']?.Value?.length) ds['00281054'] = attribute('LO', ds['00080060']?.Value?.[0] === 'CT' && (px.realWorldUnits?.units ?? 'HU') === 'HU' ? 'HU' : 'US');
  if (px.voiLut) ds['00283010'] = { vr: 'SQ', Value: [px.voiLut, ...(px.otherVoiLuts ?? [])].map((l) => lutItem(l) as never) };
  if (px.window && !ds['00281050']) {
    ds['00281050'] = attribute('DS', decimal(px.window.center));
    ds['00281051'] = attribute('DS', decimal(px.window.width));
    if (px.window.fn) ds['00281056'] = attribute('CS', px.window.fn); // an enhanced frame's own VOI LUT Function
  }
}

/**
 * Real World Value Mapping items (0040,9096) over every stored value: PET's SUVbw (and SUL, where the sender had it)
 * in g/ml (UCUM), so that a PACS shows SUV though the weight, height, sex, dose and times they came from were removed by
 * de-identification (dicom/suv.ts); else the units the file named for its values, as it named them.
 */
export function writeRealWorldMapping(ds: DicomJson, meta: DicomFrameMeta, stored: { bits: number; signed: boolean }): void {
  const px = meta.pixel;
  if (meta.suvBw) {
    const gml = { value: 'g/ml', scheme: 'UCUM', meaning: 'g/ml' };
    ds['00409096'] = { vr: 'SQ', Value: [
      mappingItem(px, stored, { label: 'SUVbw', explanation: 'SUV body weight, computed by the sender', code: gml }, meta.suvBw),
      ...(meta.sul ? [mappingItem(px, stored, { label: 'SUL', explanation: 'SUV lean body mass (Janmahasatian), computed by the sender', code: gml }, meta.sul)] : []),
    ] as never[] };
  } else if (px.realWorldUnits) {
    const u = px.realWorldUnits;
    ds['00409096'] = { vr: 'SQ', Value: [mappingItem(px, stored, { label: u.label ?? u.units, explanation: u.explanation, code: u.code }) as never] };
  }
}

/** A linear Real World Value Mapping item over every stored value: the rescale times `factor`, in the units of `code`. */
function mappingItem(px: DicomFrameMeta['pixel'], stored: { bits: number; signed: boolean },
  what: { label: string; explanation?: string; code: RealWorldUnits['code'] }, factor = 1): DicomJson {
  const [first, last] = storedRange(stored.bits, stored.signed);
  const vr = stored.signed ? 'SS' : 'US';
  return {
    '00409210': attribute('SH', what.label.slice(0, 16)),
    ...(what.explanation ? { '00283003': attribute('LO', what.explanation) } : {}),
    '004008EA': { vr: 'SQ', Value: [{
      '00080100': attribute('SH', what.code.value.slice(0, 16)), ...(what.code.scheme ? { '00080102': attribute('SH', what.code.scheme.slice(0, 16)) } : {}),
      '00080104': attribute('LO', what.code.meaning),
    } as never] },
    '00409216': attribute(vr, first), '00409211': attribute(vr, last),
    '00409224': attribute('FD', px.rescaleIntercept * factor), '00409225': attribute('FD', px.rescaleSlope * factor),
  };
}

/**
 * A Supplemental Palette Color LUT (PS3.3 C.7.6.19) as the sender's file had it, its 8-bit entries in 16 bits (each
 * ×257: the same colours), so that a workstation shows the values it covers in colour.
 */
export function writeColourPalette(ds: DicomJson, palette: Palette): void {
  palette.forEach(({ first, table }, c) => {
    ds[`0028110${c + 1}`] = lutDescriptor(table.length, first, 16);
    ds[`0028120${c + 1}`] = { vr: 'OW', Value: [Uint16Array.from(table, (v) => v * 257).buffer as never] };
  });
  if (!ds['00089205']?.Value?.length) ds['00089205'] = attribute('CS', 'COLOR');
}
