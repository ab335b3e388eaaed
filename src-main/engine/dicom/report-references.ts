/**
 * A study's structured report written back as DICOM (aeimg 0.23) references the images as they are written. The
 * receiver's DICOM images are new, derived instances (new SOP Instance UIDs; a Secondary Capture where the pixels were
 * re-coded), as its presentation states and key object selections written back reference them: a report that kept
 * the sender's references would point a PACS at images it does not have, so its measurements could not be shown on
 * them. So each reference (Referenced SOP Class and Instance UID, and frame numbers, anywhere in the report: its
 * content tree and its evidence sequences) to an image the study brought is made that image's as written, and the
 * report gets a new SOP Instance UID (it is a new instance too). Nothing else of it changes: every other element goes
 * as the sender's bytes (in its own character set), re-framed as Explicit VR Little Endian. Written here rather than
 * through dcmjs, whose reader ran out of memory on damaged reports (a length read as gigabytes).
 */
import type { DataSet } from 'dicom-parser';
import { dictionaryVr, referencedFrames, sopClassOf, stringValue } from './dataset.js';
import { parseDicomHeader } from './read-dataset.js';
import type { WrittenImage } from './write-study-objects.js';
import { IMPLEMENTATION_UID, newUid } from './write.js';

/** Where a reference to image `sop` (its frames, from 1, where it names them) now points; undefined where it was not written as one file. */
export type WrittenReferences = (sop: string, frames?: readonly number[]) => { sopClass: string; sopInstance: string; frames?: number[] } | undefined;

/** The references of a study's images as written (`written`: each DICOM file with the frames it holds). */
export function writtenReferences(written: readonly WrittenImage[]): WrittenReferences {
  const byOld = new Map<string, { sopClass: string; sopInstance: string; oldFrame: number; newFrame?: number }[]>();
  for (const w of written) {
    for (const f of w.frames) {
      const old = String(f.meta.dataset['00080018']?.Value?.[0] ?? '').trim();
      if (!old) continue;
      const frames = byOld.get(old) ?? [];
      frames.push({ sopClass: w.sopClass, sopInstance: w.sopInstance, oldFrame: f.meta.frame + 1, newFrame: f.number });
      byOld.set(old, frames);
    }
  }
  return (sop, frames) => {
    const all = byOld.get(sop);
    if (!all) return undefined;
    const wanted = frames?.length ? frames.map((k) => all.find((e) => e.oldFrame === k)) : all;
    if (wanted.some((e) => !e) || new Set(wanted.map((e) => e!.sopInstance)).size !== 1) return undefined; // split over several files
    const [first] = wanted as NonNullable<(typeof wanted)[number]>[];
    const newFrames = frames?.length && first!.newFrame !== undefined ? wanted.map((e) => e!.newFrame!) : undefined;
    return { sopClass: first!.sopClass, sopInstance: first!.sopInstance, ...(newFrames ? { frames: newFrames } : {}) };
  };
}

/** VRs whose length is 4 bytes (after 2 reserved) in Explicit VR: the others' is 2. */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** Transfer syntaxes whose datasets dicom-parser gives as Little Endian (the deflated one inflated). */
const LITTLE_ENDIAN = new Set(['1.2.840.10008.1.2', EXPLICIT_LE, '1.2.840.10008.1.2.1.99']);

class Unwritable extends Error {}

/** An element: its tag, VR and value, Explicit VR Little Endian (`length` 0xFFFFFFFF: a sequence of undefined length). */
function element(tag: string, vr: string, value: Uint8Array, length = value.length): Uint8Array[] {
  const head = Buffer.alloc(LONG_VRS.has(vr) ? 12 : 8);
  head.writeUInt16LE(parseInt(tag.slice(0, 4), 16), 0);
  head.writeUInt16LE(parseInt(tag.slice(4, 8), 16), 2);
  head.write(vr, 4, 'latin1');
  if (LONG_VRS.has(vr)) head.writeUInt32LE(length, 8);
  else if (value.length > 0xffff) throw new Unwritable(`${tag} is too long for its VR`);
  else head.writeUInt16LE(value.length, 6);
  return [head, value];
}

/** A UI or IS value as DICOM pads it (to an even length: UIDs with a NUL, numbers with a space). */
const padded = (s: string, pad: string) => Buffer.from(s.length % 2 ? s + pad : s, 'latin1');

/** A delimiter or item tag of undefined length (FFFE,E000), or a delimitation item (length 0). */
const marker = (element: number, length: number) => {
  const b = Buffer.alloc(8);
  b.writeUInt16LE(0xfffe, 0);
  b.writeUInt16LE(element, 2);
  b.writeUInt32LE(length, 4);
  return b;
};

/**
 * Dataset `ds` (as dicom-parser read it, Little Endian) as Explicit VR Little Endian: each element's bytes as they were,
 * sequences and items of undefined length, and the values `patch` gives for a dataset in their place (undefined: left
 * out). Throws Unwritable where that cannot be done faithfully.
 */
function serialize(ds: DataSet, patch: (ds: DataSet) => Map<string, { vr: string; value: Uint8Array } | undefined>, depth: number): Uint8Array[] {
  if (depth > 64) throw new Unwritable('nested too deep');
  const out: Uint8Array[] = [];
  const patched = patch(ds);
  const tags = new Set([...Object.keys(ds.elements).map((k) => k.slice(1).toUpperCase()), ...patched.keys()]);
  for (const tag of [...tags].sort()) {
    if (tag.startsWith('0002') || tag.startsWith('FFFE')) continue;
    if (patched.has(tag)) {
      const p = patched.get(tag);
      if (p) out.push(...element(tag, p.vr, p.value));
      continue;
    }
    const el = ds.elements[`x${tag.toLowerCase()}`]!;
    if (el.items) {
      out.push(...element(tag, 'SQ', new Uint8Array(), 0xffffffff)); // ended by a delimitation item
      for (const item of el.items) {
        out.push(marker(0xe000, 0xffffffff));
        if (item.dataSet) out.push(...serialize(item.dataSet, patch, depth + 1));
        out.push(marker(0xe00d, 0));
      }
      out.push(marker(0xe0dd, 0));
      continue;
    }
    if (el.fragments || el.hadUndefinedLength || el.length % 2) throw new Unwritable(`${tag} is not a plain value`);
    const vr = el.vr ?? dictionaryVr(tag) ?? 'UN';
    if (!/^[A-Z]{2}$/.test(vr)) throw new Unwritable(`${tag} has no VR`);
    out.push(...element(tag, vr, ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length)));
  }
  return out;
}

/**
 * A report's DICOM file with its references to images of the study made theirs as written (`refs`), under a new SOP
 * Instance UID, every other element's bytes as the sender's; undefined where it references none of them or cannot be
 * written so (a Big Endian file, encapsulated data: the sender's file then goes as it was).
 */
export function withWrittenReferences(file: Uint8Array, refs: WrittenReferences): Buffer | undefined {
  try {
    const ds = parseDicomHeader(file);
    const syntax = stringValue(ds, 'x00020010', '1.2.840.10008.1.2');
    if (!LITTLE_ENDIAN.has(syntax)) return undefined;
    const uid = newUid();
    let changed = 0;
    const patch = (d: DataSet) => {
      const out = new Map<string, { vr: string; value: Uint8Array } | undefined>();
      if (d === ds) out.set('00080018', { vr: 'UI', value: padded(uid, '\0') });
      const sop = stringValue(d, 'x00081155');
      const frames = referencedFrames(d, (x, tag) => x.string(tag));
      const to = sop ? refs(sop, frames.length ? frames : undefined) : undefined;
      if (to) {
        changed++;
        out.set('00081150', { vr: 'UI', value: padded(to.sopClass, '\0') });
        out.set('00081155', { vr: 'UI', value: padded(to.sopInstance, '\0') });
        out.set('00081160', to.frames ? { vr: 'IS', value: padded(to.frames.join('\\'), ' ') } : undefined);
      }
      return out;
    };
    const body = serialize(ds, patch, 0);
    if (changed === 0) return undefined;
    const sopClass = sopClassOf(ds);
    const meta = [
      ...element('00020001', 'OB', Buffer.from([0, 1])), ...element('00020002', 'UI', padded(sopClass, '\0')),
      ...element('00020003', 'UI', padded(uid, '\0')), ...element('00020010', 'UI', padded(EXPLICIT_LE, '\0')),
      ...element('00020012', 'UI', padded(IMPLEMENTATION_UID, '\0')), ...element('00020013', 'SH', padded('AEIMG_1', ' ')),
    ];
    const metaLength = Buffer.alloc(4);
    metaLength.writeUInt32LE(meta.reduce((n, b) => n + b.length, 0));
    const out = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), ...element('00020000', 'UL', metaLength), ...meta, ...body]);
    parseDicomHeader(out); // reads back, or the sender's file goes
    return out;
  } catch {
    return undefined;
  }
}
