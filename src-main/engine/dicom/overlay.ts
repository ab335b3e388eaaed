/**
 * Overlays (PS3.3 C.9.2): one-bit planes a viewer draws over the image, in repeating groups 6000–601E: a radiologist's
 * circle round a lesion and the scanner's "F" and "Tra" on a Siemens MR ("Siemens MedCom Object Graphics"), a
 * mammogram's reference and target marks. Their data is in Overlay Data (60xx,3000) or, in older files, in bits of
 * the Pixel Data that the image does not use (Overlay Bits Allocated above 1, retired in 2004).
 *
 * De-identification removes them (PS3.15 Table E.1-1: Overlay Data and Comments X; they may hold the patient's name),
 * so a de-identified file goes without them and its sender is told by name; a file sent with its full header
 * (`--deidentify none`) carries each frame's planes inside the encryption, and the receiver's viewer draws them and
 * its DICOM output writes them back (aeimg 0.17).
 */
import type { DataSet } from 'dicom-parser';
import { TransferSyntax } from './codecs.js';
import { stringValue, type DicomJson, type JsonAttribute } from './dataset.js';
import type { OverlayGraphic } from '../../../src-shared/graphics.js';

/** One overlay plane over one frame, as a record carries it. */
export interface OverlayPlane {
  /** Its group (0x6000, 0x6002 … 0x601E), which it is written back in. */
  group: number;
  rows: number;
  columns: number;
  /** Overlay Origin (60xx,0050): the image row and column (1-based) of its first bit. */
  origin: [number, number];
  /** Overlay Type: G (graphics) or R (region of interest). */
  type: 'G' | 'R';
  description?: string;
  label?: string;
  /** Its bits row by row, packed least significant first (as Overlay Data is), base64. */
  bits: string;
}

/** What the sender is told of an overlay a file has: its words, and whether it goes with the file. */
export interface OverlayFacts {
  /** "overlay 6000 ("Siemens MedCom Object Graphics")" */
  name: string;
  /** Why it does not go where it cannot: in words, or undefined where it goes. */
  notCarried?: string;
  /** It is the file's bitmap display shutter's plane (Shutter Overlay Group), not graphics (dicom/shutter.ts). */
  shutter?: true;
}

/** The overlay repeating groups, 6000 … 601E. */
export const OVERLAY_GROUPS = Array.from({ length: 16 }, (_, i) => 0x6000 + 2 * i);
/** A plane larger than this many bits (a 4k x 4k frame's) is not read: no scanner writes one. */
const MAX_PLANE_BITS = 4096 * 4096;
const MAX_TEXT = 64;

/** Element `element` of overlay group `group` as dicom-parser names it (x60003000). */
export const overlayTag = (group: number, element: number) => `x${group.toString(16).padStart(4, '0')}${element.toString(16).padStart(4, '0')}`;

function text(ds: DataSet, tag: string): string | undefined {
  const s = stringValue(ds, tag);
  return s ? s.slice(0, MAX_TEXT) : undefined;
}

/** The overlay's name as the sender and the receiver read it: its group and description or label. */
export function overlayName(p: Pick<OverlayPlane, 'group' | 'description' | 'label'>): string {
  const words = p.description ?? p.label;
  return `overlay ${p.group.toString(16).toUpperCase()}${words ? ` ("${words}")` : ''}`;
}

/** A carried plane as the viewer draws it (0-based top-left), by its group: where a bitmap shutter names one. */
export function overlayGraphics(planes: readonly OverlayPlane[] = []): Map<number, OverlayGraphic> {
  return new Map(planes.map((p) => [p.group, {
    name: overlayName(p), group: p.group, rows: p.rows, columns: p.columns, top: p.origin[0] - 1, left: p.origin[1] - 1, bits: p.bits,
  }]));
}

/** Bit `i` of a packed stream (least significant bit first). */
const bitAt = (bytes: Uint8Array, i: number) => (bytes[i >> 3]! >> (i & 7)) & 1;

/** `count` bits of `from` starting at bit `start`, packed from bit 0. */
function bitsFrom(from: (i: number) => number, start: number, count: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) if (from(start + i)) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

interface PixelLayout {
  rows: number;
  columns: number;
  frames: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  samplesPerPixel: number;
  syntax: string;
}

/**
 * Every overlay of a file: each frame's planes (index = frame), and each overlay's facts for the sender. An overlay
 * that is malformed (its data shorter than its size says, a size of nothing) or of a kind aeimg does not carry (its
 * bits in a compressed frame's Pixel Data, or inside the image's own bits) is named with the reason instead.
 */
export function readOverlays(ds: DataSet, px: PixelLayout): { perFrame: OverlayPlane[][]; facts: OverlayFacts[] } {
  const perFrame: OverlayPlane[][] = Array.from({ length: px.frames }, () => []);
  const facts: OverlayFacts[] = [];
  const bigEndian = px.syntax === TransferSyntax.ExplicitBE;
  const bitmapShutter = (ds.string('x00181600') ?? '').toUpperCase().split('\\').some((s) => s.trim() === 'BITMAP') ? ds.uint16('x00181623') : undefined;
  for (const group of OVERLAY_GROUPS) {
    const rows = ds.uint16(overlayTag(group, 0x0010));
    const data = ds.elements[overlayTag(group, 0x3000)];
    const bitsAllocated = ds.uint16(overlayTag(group, 0x0100)) ?? 1;
    // Nothing to draw: no size and no data (LEADTOOLS writes empty groups), or a plane's size without its data.
    if ((!rows && !data?.length) || (!data && bitsAllocated === 1)) continue;
    const columns = ds.uint16(overlayTag(group, 0x0011)) ?? 0;
    const originRow = ds.int16(overlayTag(group, 0x0050), 0) ?? 1;
    const originColumn = ds.int16(overlayTag(group, 0x0050), 1) ?? 1;
    const type = (ds.string(overlayTag(group, 0x0040)) ?? '').trim().toUpperCase() === 'R' ? 'R' : 'G';
    const description = text(ds, overlayTag(group, 0x0022));
    const label = text(ds, overlayTag(group, 0x1500));
    const name = overlayName({ group, description, label });
    const count = Math.max(1, Number((ds.string(overlayTag(group, 0x0015)) ?? '1').trim()) || 1);
    const firstFrame = (ds.uint16(overlayTag(group, 0x0051)) ?? 1) - 1;
    const bits = (rows ?? 0) * columns;
    if (!rows || !columns || bits > MAX_PLANE_BITS) {
      facts.push({ name, notCarried: `its size (${columns}x${rows ?? 0}) is not one an overlay can have` });
      continue;
    }
    let bitOf: (i: number) => number;
    if (data) {
      if (data.length * 8 < bits * count) {
        facts.push({ name, notCarried: `its data holds ${data.length} bytes where its size needs ${Math.ceil(bits * count / 8)}` });
        continue;
      }
      const bytes = ds.byteArray.subarray(data.dataOffset, data.dataOffset + data.length);
      // Overlay Data as OW: in Big Endian each 16-bit word's bytes are swapped, so the stream's order is the words'
      // (as OB, which Explicit VR may say, its bytes are in order).
      bitOf = bigEndian && data.vr !== 'OB' ? (i) => bitAt(bytes, i ^ 8) : (i) => bitAt(bytes, i);
    } else {
      const embedded = embeddedBits(ds, px, group, bitsAllocated, rows, columns);
      if (typeof embedded === 'string') {
        facts.push({ name, notCarried: embedded });
        continue;
      }
      bitOf = embedded;
    }
    facts.push({ name, ...(group === bitmapShutter ? { shutter: true as const } : {}) });
    // Overlay Data holds its frames from Image Frame Origin on; bits in the Pixel Data are each frame's own.
    const [from, frames] = data ? [firstFrame, count] : [0, px.frames];
    for (let k = Math.max(0, -from); k < Math.min(frames, px.frames - from); k++) { // the image's frames only
      const frame = from + k;
      perFrame[frame]!.push({
        group, rows, columns, origin: [originRow, originColumn], type,
        ...(description ? { description } : {}), ...(label ? { label } : {}),
        bits: Buffer.from(bitsFrom(bitOf, k * bits, bits)).toString('base64'),
      });
    }
  }
  return { perFrame, facts };
}

/**
 * An overlay in the Pixel Data's unused bits (retired): bit `Overlay Bit Position` of each sample, over the image's
 * own size. Read from uncompressed grey data only, and only from a bit outside the stored value's.
 */
function embeddedBits(ds: DataSet, px: PixelLayout, group: number, bitsAllocated: number, rows: number, columns: number): ((i: number) => number) | string {
  const position = ds.uint16(overlayTag(group, 0x0102)) ?? 0;
  const pixel = ds.elements.x7fe00010;
  if (bitsAllocated !== px.bitsAllocated || pixel?.encapsulatedPixelData || px.samplesPerPixel !== 1) {
    return 'its bits are in the Pixel Data, which aeimg reads them from only in uncompressed grey images';
  }
  if (rows !== px.rows || columns !== px.columns || position >= px.bitsAllocated ||
    (position <= px.highBit && position > px.highBit - px.bitsStored)) {
    return `it says its bits are bit ${position} of the Pixel Data, which holds the image there`;
  }
  const bytes = ds.byteArray.subarray(pixel!.dataOffset, pixel!.dataOffset + pixel!.length);
  const samples = px.frames * rows * columns;
  if (bytes.length * 8 < samples * px.bitsAllocated) return 'the Pixel Data is shorter than its size says';
  if (px.bitsAllocated === 8) return (i) => (bytes[i]! >> position) & 1;
  const high = px.syntax === TransferSyntax.ExplicitBE ? 0 : 1;
  return (i) => ((bytes[2 * i + (position >= 8 ? high : 1 - high)]! >> (position & 7)) & 1);
}

/** A record's planes: whatever its sender's program wrote, so every field is checked before use. */
export function validOverlays(planes: unknown): OverlayPlane[] {
  if (!Array.isArray(planes)) return [];
  const int = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
  const words = (v: unknown) => v === undefined || (typeof v === 'string' && v.length <= MAX_TEXT);
  return planes.slice(0, OVERLAY_GROUPS.length).filter((p: Partial<OverlayPlane> | null): p is OverlayPlane =>
    typeof p === 'object' && p !== null && OVERLAY_GROUPS.includes(p.group as number) && int(p.rows, 1, 65535) && int(p.columns, 1, 65535) &&
    p.rows! * p.columns! <= MAX_PLANE_BITS && Array.isArray(p.origin) && p.origin.length === 2 && p.origin.every((o) => int(o, -32768, 32767)) &&
    (p.type === 'G' || p.type === 'R') && words(p.description) && words(p.label) && typeof p.bits === 'string' &&
    Buffer.from(p.bits, 'base64').length === Math.ceil(p.rows! * p.columns! / 8));
}

/** A plane's bits as bytes (packed, least significant first). */
export const overlayBits = (p: OverlayPlane): Uint8Array => new Uint8Array(Buffer.from(p.bits, 'base64'));

/**
 * The overlays of a DICOM file's frames (index = frame written) as its attributes: each group whose frames' planes
 * are alike (size, origin, type) and consecutive, as one overlay of as many frames from the first of them (Image Frame
 * Origin), its frames' bits one after the other. A sender's planes always are (readOverlays gives a group's frames
 * from one run, alike); a crafted record's that are not are not written.
 */
export function writeOverlays(ds: DicomJson, frames: readonly (readonly OverlayPlane[] | undefined)[]): void {
  for (const group of OVERLAY_GROUPS) {
    const at = frames.flatMap((planes, f) => planes?.filter((p) => p.group === group).map((p) => ({ p, f })) ?? []);
    if (at.length === 0) continue;
    const first = at[0]!.p;
    const alike = at.every(({ p, f }, k) => f === at[0]!.f + k && p.rows === first.rows && p.columns === first.columns &&
      p.origin[0] === first.origin[0] && p.origin[1] === first.origin[1] && p.type === first.type);
    if (!alike) continue;
    const n = first.rows * first.columns;
    const planes = at.map(({ p }) => overlayBits(p));
    const packed = bitsFrom((i) => bitAt(planes[Math.floor(i / n)]!, i % n), 0, n * planes.length);
    const data = new Uint8Array(packed.length + (packed.length % 2)); // OW: an even number of bytes
    data.set(packed);
    const tag = (element: number) => overlayTag(group, element).slice(1).toUpperCase();
    const attr = (vr: string, ...v: (string | number)[]): JsonAttribute => ({ vr, Value: v });
    ds[tag(0x0010)] = attr('US', first.rows);
    ds[tag(0x0011)] = attr('US', first.columns);
    if (frames.length > 1) {
      ds[tag(0x0015)] = attr('IS', at.length);
      ds[tag(0x0051)] = attr('US', at[0]!.f + 1);
    }
    if (first.description) ds[tag(0x0022)] = attr('LO', first.description);
    ds[tag(0x0040)] = attr('CS', first.type);
    ds[tag(0x0050)] = attr('SS', ...first.origin);
    ds[tag(0x0100)] = attr('US', 1);
    ds[tag(0x0102)] = attr('US', 0);
    if (first.label) ds[tag(0x1500)] = attr('LO', first.label);
    ds[tag(0x3000)] = { vr: 'OW', Value: [data.buffer as never] };
  }
}
