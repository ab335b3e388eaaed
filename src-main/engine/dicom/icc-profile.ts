/**
 * A colour image's ICC Profile (0028,2000; PS3.3 C.11.15): how its RGB values (a palette's, or YBR's once converted)
 * map to colours, as a scanner, camera or slide scanner measured them. Carried with the image (aeimg 0.32) so that the
 * reader's viewer shows its colours through it, as a colour-managed DICOM viewer does and as the sender's preview shows
 * them, DICOM output writes it back (the reader's PACS gets the file's own description) and a PNG output holds it (an
 * iCCP chunk, which colour-managed viewers apply). The values themselves stay as the file stores them.
 */
import type { DataSet } from 'dicom-parser';
import { iccColourSpace } from '../image/shaper-profile.js';

/**
 * The largest profile carried: a lookup-table profile with a 33-point grid takes about 220 KB, and a record's metadata
 * holds 1 MiB packed (the profile goes as base64, which packs little).
 */
export const MAX_ICC_PROFILE = 384 * 1024;

/** What a file's profile comes to: carried (base64), or not, and why (the sender is told). */
export type IccProfileOf = { profile: string } | { unread: string };

/**
 * The ICC Profile of a colour image (`channels` 3 once decoded), or undefined where there is none or the image is grey
 * (a profile describes RGB only: C.11.15.1.1). A whole-slide image (VL Whole Slide Microscopy) has its profile in the
 * item of its Optical Path Sequence (0048,0105; C.8.12.5, required there for colour) rather than at the top level
 * (aeimg 0.34; before, its colours went as stored without a word): a brightfield slide has one optical path; where
 * its paths hold profiles that differ, which frame shows through which is not read, and the sender is told.
 */
export function iccProfileOf(ds: DataSet, channels: number): IccProfileOf | undefined {
  if (channels !== 3) return undefined;
  // The datasets that hold one: the file's own, else its optical paths'.
  const holders = ds.elements.x00282000 ? [ds]
    : (ds.elements.x00480105?.items ?? []).flatMap((i) => (i.dataSet?.elements.x00282000 ? [i.dataSet] : []));
  const found = holders.map((d) => { const el = d.elements.x00282000!; return d.byteArray.subarray(el.dataOffset, el.dataOffset + el.length); });
  if (found.length === 0) return undefined;
  if (found.some((b) => Buffer.compare(b, found[0]!) !== 0)) {
    return { unread: `its ${found.length} optical paths (0048,0105) hold different profiles, and which frames show through which is not read` };
  }
  const bytes = found[0]!;
  const why = iccProfileProblem(bytes);
  return why ? { unread: why } : { profile: Buffer.from(bytes).toString('base64') };
}

/** Why `bytes` cannot be carried as an RGB image's profile; undefined where they can. */
function iccProfileProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length > MAX_ICC_PROFILE) return `it is ${Math.round(bytes.length / 1024)} KB, more than the ${MAX_ICC_PROFILE / 1024} KB aeimg carries`;
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(36, 40)) !== 'acsp') return 'it is not an ICC profile (no profile header)';
  const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0);
  if (declared > bytes.length) return `it is cut short (${bytes.length} of the ${declared} bytes its header declares)`;
  const space = iccColourSpace(bytes);
  if (space !== 'RGB ') return `it describes ${JSON.stringify(space?.trim())} colours, not RGB as DICOM requires`;
  return undefined;
}

/** A record's profile, if it is one aeimg would carry (a receiver checks what any sender wrote). */
export function validIccProfile(v: unknown): v is string {
  return typeof v === 'string' && v.length <= Math.ceil(MAX_ICC_PROFILE / 3) * 4 && /^[A-Za-z0-9+/]*={0,2}$/.test(v) &&
    iccProfileProblem(iccBytes(v)) === undefined;
}

export const iccBytes = (profile: string): Uint8Array => new Uint8Array(Buffer.from(profile, 'base64'));

/** A profile's own name (its 'desc' tag: ICC v2 text or v4 multi-localized), at most 64 characters; undefined where none. */
export function iccDescription(icc: Uint8Array): string | undefined {
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const text = (at: number, n: number) => String.fromCharCode(...icc.subarray(at, at + n));
  const count = icc.length >= 132 ? view.getUint32(128) : 0;
  for (let i = 0; i < count && 132 + 12 * (i + 1) <= icc.length; i++) {
    if (text(132 + 12 * i, 4) !== 'desc') continue;
    const at = view.getUint32(132 + 12 * i + 4), size = view.getUint32(132 + 12 * i + 8);
    if (at + size > icc.length || size < 12) return undefined;
    const tag = icc.subarray(at, at + size);
    const type = text(at, 4);
    let name = '';
    if (type === 'desc') name = text(at + 12, Math.min(view.getUint32(at + 8), size - 12));
    else if (type === 'mluc' && size >= 28) {
      const length = view.getUint32(at + 20), offset = view.getUint32(at + 24);
      if (offset + length <= size && length % 2 === 0) name = Buffer.from(tag.subarray(offset, offset + length)).swap16().toString('utf16le');
    }
    return name.replace(/\0/g, '').trim().slice(0, 64) || undefined;
  }
  return undefined;
}
