/**
 * Lookup tables as DICOM stores them: palette colour tables (plain or segmented, PS3.3 C.7.9) and the Modality and
 * VOI LUT Sequences (C.11.1, C.11.2). Stored values are never changed here; tables are read so that palette colour
 * can become RGB and so that the other LUTs travel with the metadata.
 */
import type { DataSet, Element } from 'dicom-parser';
import { AeimgError, COPY_OR_EXPORT_AGAIN, ErrorCode } from '../errors.js';

/** A LUT as its descriptor and data say: stored value `first` maps to data[0]; values are `bits` wide. */
export interface StoredLut {
  first: number;
  bits: number;
  data: number[];
  explanation?: string;
}

/** A table as a record from any sender may hold it: 1..65536 16-bit entries, a 16-bit first value, 8..16 bits. */
export function isStoredLut(lut: unknown): lut is StoredLut {
  const l = lut as Partial<StoredLut> | undefined;
  return !!l && Array.isArray(l.data) && l.data.length >= 1 && l.data.length <= 65536 && l.data.every((v) => Number.isInteger(v) && v >= 0 && v <= 65535) &&
    Number.isInteger(l.first) && l.first! >= -32768 && l.first! <= 65535 && Number.isInteger(l.bits) && l.bits! >= 8 && l.bits! <= 16 &&
    (l.explanation === undefined || typeof l.explanation === 'string');
}

export interface PaletteTable {
  first: number;
  bits: number;
  values: Uint16Array;
}

/** Number of entries (0 means 65536), first stored value mapped, bits per entry. */
function descriptor(ds: DataSet, tag: string, signedFirst: boolean): { entries: number; first: number; bits: number } {
  const entries = ds.uint16(tag, 0) || 65536;
  // "US or SS": the first mapped value is signed when the element says SS, or when the pixels are signed.
  const first = (ds.elements[tag]?.vr === 'SS' || signedFirst ? ds.int16(tag, 1) : ds.uint16(tag, 1)) ?? 0;
  return { entries, first, bits: ds.uint16(tag, 2) ?? 16 };
}

/** LUT Data words; 8-bit tables are sometimes packed two entries per 16-bit word. */
function lutWords(ds: DataSet, el: Element, entries: number, bits: number, what: string): Uint16Array {
  const out = new Uint16Array(entries);
  if (bits <= 8 && el.length === entries) {
    for (let i = 0; i < entries; i++) out[i] = ds.byteArray[el.dataOffset + i]!;
    return out;
  }
  if (el.length < entries * 2) {
    throw new AeimgError(ErrorCode.BadInput, `has a ${what} of ${el.length / 2} entries where its descriptor says ${entries}; the file is damaged. ${COPY_OR_EXPORT_AGAIN}`);
  }
  for (let i = 0; i < entries; i++) out[i] = ds.uint16(el.tag, i) ?? 0;
  return out;
}

/** Rounds half to even, so linear segments match pydicom's expansion (the standard leaves rounding open). */
function roundRatio(numerator: number, denominator: number): number {
  const q = Math.floor(numerator / denominator);
  const twice = 2 * (numerator - q * denominator);
  return twice > denominator || (twice === denominator && q % 2 !== 0) ? q + 1 : q;
}

/**
 * Expands Segmented Palette Color Lookup Table Data (PS3.3 C.7.9.2): discrete segments (opcode 0) copy values, linear
 * segments (opcode 1) ramp from the previous value to the given one. Indirect segments (opcode 2) are refused: the
 * standard's offset is read as bytes by some toolkits and as words by others, and a wrong guess gives wrong colours.
 */
export function expandSegmentedLut(words: ArrayLike<number>, entries: number, colour: string): Uint16Array {
  const out = new Uint16Array(entries);
  let n = 0;
  const damaged = (why: string) => new AeimgError(ErrorCode.BadInput, `has a damaged segmented ${colour} palette (${why}).`);
  for (let i = 0; i + 1 < words.length;) {
    const opcode = words[i]!, length = words[i + 1]!;
    i += 2;
    if (n + length > entries) throw damaged(`it expands to more than the ${entries} entries its descriptor says`);
    if (opcode === 0) {
      if (i + length > words.length) throw damaged('a discrete segment runs past the end of the data');
      for (let k = 0; k < length; k++) out[n++] = words[i + k]!;
      i += length;
    } else if (opcode === 1) {
      if (n === 0) throw damaged('it starts with a linear segment, which has no value to start from');
      if (i >= words.length) throw damaged('a linear segment has no end value');
      const y0 = out[n - 1]!, y1 = words[i++]!;
      for (let k = 1; k <= length; k++) out[n++] = roundRatio(y0 * length + (y1 - y0) * k, length);
    } else if (opcode === 2) {
      throw new AeimgError(ErrorCode.BadInput, `has a segmented ${colour} palette with an indirect segment (PS3.3 C.7.9.2.3), which aeimg does not expand. ` +
        'Convert the palette to RGB first, e.g. with GDCM: gdcmconv --raw in.dcm out.dcm.');
    } else {
      throw damaged(`unknown segment type ${opcode}`);
    }
  }
  if (n !== entries) throw damaged(`it expands to ${n} entries where its descriptor says ${entries}`);
  return out;
}

/** The red, green and blue palette tables, from plain (0028,1201..1203) or segmented (0028,1221..1223) data. */
export function readPaletteTables(ds: DataSet, signed: boolean): PaletteTable[] {
  return ['Red', 'Green', 'Blue'].map((colour, c) => {
    const { entries, first, bits } = descriptor(ds, `x0028110${c + 1}`, signed);
    const plain = ds.elements[`x0028120${c + 1}`];
    const segmented = ds.elements[`x0028122${c + 1}`];
    if (plain) return { first, bits, values: lutWords(ds, plain, entries, bits, `${colour.toLowerCase()} palette`) };
    if (segmented) {
      const words = Array.from({ length: segmented.length >> 1 }, (_, i) => ds.uint16(segmented.tag, i) ?? 0);
      return { first, bits, values: expandSegmentedLut(words, entries, colour.toLowerCase()) };
    }
    throw new AeimgError(ErrorCode.BadInput,
      `is PALETTE COLOR but has no ${colour} Palette Color Lookup Table Data (0028,120${c + 1}) nor its segmented form (0028,122${c + 1}).`);
  });
}

/** At most this many items of a LUT Sequence are read (a mammogram's VOI LUTs: NORMAL, HARDER, SOFTER). */
export const MAX_LUT_ITEMS = 8;

/**
 * The items of a Modality or VOI LUT Sequence, as stored (0.17; before, its first only: a mammogram's HARDER and
 * SOFTER VOI LUTs were neither measured nor carried). An item whose LUT Descriptor and LUT Data are both empty or
 * absent holds no table and is passed over (0.14), as dcmtk does ("incomplete … ignoring LUT"): some writers
 * (LEADTOOLS) put such an item in every image, and aeimg refused them all as damaged.
 */
export function readLutItems(ds: DataSet, tag: string, what: string): StoredLut[] {
  const out: StoredLut[] = [];
  for (const { dataSet: item } of (ds.elements[tag]?.items ?? []).slice(0, MAX_LUT_ITEMS)) {
    if (!item) continue;
    const data = item.elements.x00283006;
    if (!item.elements.x00283002?.length && !data?.length) continue;
    if (!item.elements.x00283002 || !data) {
      throw new AeimgError(ErrorCode.BadInput, `has a ${what} without LUT Descriptor (0028,3002) or LUT Data (0028,3006); the file is damaged. ${COPY_OR_EXPORT_AGAIN}`);
    }
    const { entries, first, bits } = descriptor(item, 'x00283002', ds.uint16('x00280103') === 1);
    if (bits < 8 || bits > 16) { // PS3.3 C.11.1.1: 8 to 16; a reader keeps no other (isStoredLut), so the sender may not measure through it
      throw new AeimgError(ErrorCode.BadInput, `has a ${what} whose LUT Descriptor (0028,3002) gives ${bits} bits an entry, where DICOM allows 8 to 16; the file is damaged. ${COPY_OR_EXPORT_AGAIN}`);
    }
    const explanation = item.string('x00283003')?.trim();
    out.push({ first, bits, data: Array.from(lutWords(item, data, entries, bits, what)), ...(explanation ? { explanation } : {}) });
  }
  return out;
}

/** The first table of a Modality or VOI LUT Sequence (readLutItems). */
export const readLutSequence = (ds: DataSet, tag: string, what: string): StoredLut | undefined => readLutItems(ds, tag, what)[0];
