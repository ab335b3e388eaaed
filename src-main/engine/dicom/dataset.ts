/**
 * The dataset's plain attributes in the DICOM JSON model (PS3.18 F.2): { "00100010": { vr: "PN", Value: [...] } }.
 * This is what travels inside the encryption and what the DICOM writer takes back. Sequences, private
 * attributes, bulk binary data and the image pixel module are not carried (the pixel module is rebuilt from the
 * decoded image).
 */
import type { DataSet, Element } from 'dicom-parser';
import dcmjs from 'dcmjs';

export interface JsonAttribute {
  vr: string;
  Value?: (string | number | { Alphabetic: string })[];
}
export type DicomJson = Record<string, JsonAttribute>;

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

function elementValue(ds: DataSet, el: Element, tag: string, vr: string): JsonAttribute | undefined {
  const dpTag = `x${tag.toLowerCase()}`;
  if (STRING_VRS.has(vr)) {
    const raw = el.length === 0 ? '' : ds.string(dpTag) ?? '';
    if (raw === '') return { vr };
    // ds.string returns the first value only; take the whole field for multi-valued attributes.
    const whole = String.fromCharCode(...ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)).replace(/[\0 ]+$/, '');
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

/** The dataset's plain public attributes (group 0002 excluded) as DICOM JSON. */
export function datasetToJson(ds: DataSet): DicomJson {
  const out: DicomJson = {};
  for (const [key, el] of Object.entries(ds.elements)) {
    const tag = key.slice(1).toUpperCase();
    const group = parseInt(tag.slice(0, 4), 16);
    if (group === 0x0002 || group % 2 === 1 || PIXEL_MODULE.has(tag) || el.items || tag.endsWith('0000')) continue;
    const vr = el.vr ?? dictionaryVr(tag);
    if (!vr) continue;
    const value = elementValue(ds, el, tag, vr);
    if (value) out[tag] = value;
  }
  return out;
}

export function firstString(json: DicomJson, tag: string): string | undefined {
  const v = json[tag]?.Value?.[0];
  if (v === undefined) return undefined;
  return typeof v === 'object' ? v.Alphabetic : String(v);
}
