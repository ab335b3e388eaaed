/**
 * The dataset's plain attributes in the DICOM JSON model (PS3.18 F.2): { "00100010": { vr: "PN", Value: [...] } }.
 * This is what travels inside the encryption and what the DICOM writer takes back. Sequences, private
 * attributes, bulk binary data and the image pixel module are not carried (the pixel module is rebuilt from the
 * decoded image).
 */
import type { DataSet, Element } from 'dicom-parser';
import dcmjs from 'dcmjs';
import { charsetDecoder } from './charset.js';

export interface JsonAttribute {
  vr: string;
  Value?: (string | number | { Alphabetic: string })[];
}
export type DicomJson = Record<string, JsonAttribute>;

/** An attribute of DICOM JSON (PS3.18 F.2): its VR and values. */
export const attribute = (vr: string, ...v: (string | number)[]): JsonAttribute => ({ vr, Value: v });

const STRING_VRS = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'LT', 'PN', 'SH', 'ST', 'TM', 'UC', 'UI', 'UR', 'UT']);
const NUMBER_VRS: Record<string, [number, (ds: DataSet, tag: string, i: number) => number | undefined]> = {
  US: [2, (ds, t, i) => ds.uint16(t, i)],
  SS: [2, (ds, t, i) => ds.int16(t, i)],
  UL: [4, (ds, t, i) => ds.uint32(t, i)],
  SL: [4, (ds, t, i) => ds.int32(t, i)],
  FL: [4, (ds, t, i) => ds.float(t, i)],
  FD: [8, (ds, t, i) => ds.double(t, i)],
};

/** Group 0028 attributes describing the stored pixels: rebuilt by the writer, never copied. */
export const PIXEL_MODULE = new Set([
  '00280002', '00280004', '00280006', '00280008', '00280010', '00280011', '00280100', '00280101', '00280102',
  '00280103', '00281101', '00281102', '00281103', '00281199', '00281201', '00281202', '00281203', '00280301', '7FE00010',
]);

/** The VR of a tag from the standard dictionary (implicit VR files carry none). */
export function dictionaryVr(tag: string): string | undefined {
  const key = `(${tag.slice(0, 4)},${tag.slice(4)})`;
  const entry = (dcmjs.data.DicomMetaDictionary.dictionary as Record<string, { vr: string } | undefined>)[key];
  return entry?.vr.split('|')[0]?.replace('ox', 'OW').replace('xs', 'US');
}

export function keywordOf(tag: string): string {
  const key = `(${tag.slice(0, 4)},${tag.slice(4)})`;
  return (dcmjs.data.DicomMetaDictionary.dictionary as Record<string, { name: string } | undefined>)[key]?.name ?? tag;
}

/** VRs whose text follows Specific Character Set (0008,0005); the others are ASCII by definition. */
const CHARSET_VRS = new Set(['LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);

/** The decoder of a dataset's text (dicom/charset.ts), by its Specific Character Set. */
export function textDecoder(ds: DataSet): (bytes: Uint8Array, vr: string) => string {
  const el = ds.elements.x00080005;
  return charsetDecoder(el ? String.fromCharCode(...ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)) : '');
}

/** A structured report content item's Value Type (0040,A040), "CONTAINER", "NUM", "IMAGE", …, in capitals. */
export const valueType = (item: DataSet) => (item.string('x0040a040') ?? '').trim().toUpperCase();

/**
 * A string attribute's value without padding (a UID's NULs, text's spaces), `fallback` where the element is absent.
 */
export function stringValue(ds: DataSet, tag: string, fallback = ''): string {
  return (ds.string(tag) ?? fallback).replace(/\0/g, '').trim();
}

/** The SOP Class UID of a dataset, without padding. */
export const sopClassOf = (ds: DataSet) => stringValue(ds, 'x00080016');

/**
 * The frames a referenced-SOP item names (Referenced Frame Number, 0008,1160), from 1; none where it means the image
 * as a whole. `text` reads the item's text.
 */
export function referencedFrames(ref: DataSet, text: (d: DataSet, tag: string) => string | undefined): number[] {
  return text(ref, 'x00081160')?.split('\\').map(Number).filter((n) => Number.isInteger(n) && n > 0) ?? [];
}

/**
 * One text element of `d` (a sequence item too) through its dataset's decoder (textDecoder), without padding, at most
 * `max` characters; undefined where absent or empty.
 */
export function elementText(d: DataSet, tag: string, decode: (bytes: Uint8Array, vr: string) => string, max: number): string | undefined {
  const el = d.elements[tag];
  if (!el?.length) return undefined;
  return decode(d.byteArray.subarray(el.dataOffset, el.dataOffset + el.length), el.vr ?? 'UT').replace(/\0/g, '').trim().slice(0, max) || undefined;
}

function elementValue(ds: DataSet, el: Element, tag: string, vr: string, decode: (bytes: Uint8Array, vr: string) => string): JsonAttribute | undefined {
  const dpTag = `x${tag.toLowerCase()}`;
  if (STRING_VRS.has(vr)) {
    const raw = el.length === 0 ? '' : ds.string(dpTag) ?? '';
    if (raw === '') return { vr };
    // ds.string returns the first value only; take the whole field for multi-valued attributes.
    const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    const whole = (CHARSET_VRS.has(vr) ? decode(bytes, vr) : String.fromCharCode(...bytes)).replace(/[\0 ]+$/, '');
    const parts = vr === 'LT' || vr === 'ST' || vr === 'UT' || vr === 'UR' ? [whole] : whole.split('\\').map((s) => s.trim());
    if (vr === 'PN') return { vr, Value: parts.map((p) => ({ Alphabetic: p })) };
    if (vr === 'DS' || vr === 'IS') return { vr, Value: parts.filter((p) => p !== '').map(Number).filter(Number.isFinite) };
    return { vr, Value: parts };
  }
  const numeric = NUMBER_VRS[vr];
  if (numeric) {
    const [size, read] = numeric;
    const n = Math.floor(el.length / size);
    if (n === 0 || n > 64) return n === 0 ? { vr } : undefined; // long numeric arrays are bulk data
    const values: number[] = [];
    for (let i = 0; i < n; i++) values.push(read(ds, dpTag, i) ?? 0);
    return { vr, Value: values };
  }
  return undefined;
}

/**
 * Overlay (60xx) and curve (50xx) groups: their data is bulk and not carried (and the de-identification profile
 * removes it: it may hold annotations), so their other attributes would describe a plane that is not there.
 */
export function isOverlayOrCurve(tag: string): boolean {
  const group = parseInt(tag.slice(0, 4), 16);
  return (group >= 0x6000 && group <= 0x601e) || (group >= 0x5000 && group <= 0x501e);
}

/**
 * The image's attributes that hold sample values, whose VR is "US or SS" (PS3.6's xs): Smallest and Largest Image
 * Pixel Value, those of the series and (retired) of the plane, Pixel Padding Value and its Range Limit.
 */
export const SAMPLE_VALUE_TAGS = new Set(['00280106', '00280107', '00280108', '00280109', '00280110', '00280111', '00280120', '00280121']);

/**
 * The dataset's plain public attributes (group 0002 excluded) as DICOM JSON. An attribute of sample values
 * (SAMPLE_VALUE_TAGS) is read as Pixel Representation (0028,0103) has the samples, SS where they are signed (PS3.5
 * A.1 c): an implicit-VR file names no VR, and the dictionary's first (US) read a CT's padding of −2000 as 63536,
 * which no sample matches in the receiver's file.
 */
export function datasetToJson(ds: DataSet): DicomJson {
  const out: DicomJson = {};
  const decode = textDecoder(ds);
  const sampleVr = ds.uint16('x00280103') === 1 ? 'SS' : 'US';
  for (const [key, el] of Object.entries(ds.elements)) {
    const tag = key.slice(1).toUpperCase();
    const group = parseInt(tag.slice(0, 4), 16);
    if (group === 0x0002 || group % 2 === 1 || PIXEL_MODULE.has(tag) || el.items || tag.endsWith('0000') || isOverlayOrCurve(tag)) continue;
    const vr = SAMPLE_VALUE_TAGS.has(tag) ? sampleVr : el.vr ?? dictionaryVr(tag);
    if (!vr) continue;
    const value = elementValue(ds, el, tag, vr, decode);
    if (value) out[tag] = value;
  }
  if (out['00080005']) out['00080005'] = { vr: 'CS', Value: ['ISO_IR 192'] }; // the values are Unicode now
  return out;
}

export function firstString(json: DicomJson, tag: string): string | undefined {
  const v = json[tag]?.Value?.[0];
  if (v === undefined) return undefined;
  return typeof v === 'object' ? v.Alphabetic : String(v);
}

/**
 * The attributes of a record's dataset that are attributes (tag, VR, values): a record from any sender may hold
 * anything, and neither the viewer nor DICOM output may fail on it.
 */
export function wellFormed(dataset: unknown): DicomJson {
  const ok = ([tag, a]: [string, unknown]) => /^[0-9A-F]{8}$/i.test(tag) && !!a && typeof a === 'object' &&
    typeof (a as JsonAttribute).vr === 'string' && /^[A-Z]{2}$/.test((a as JsonAttribute).vr) &&
    ((a as JsonAttribute).Value === undefined || Array.isArray((a as JsonAttribute).Value));
  const entries = Object.entries(dataset && typeof dataset === 'object' ? dataset : {});
  return (entries.every(ok) ? dataset : Object.fromEntries(entries.filter(ok))) as DicomJson;
}
