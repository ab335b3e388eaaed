/**
 * Format 2's image-record extensions (docs/format.md, "Format 2: entries", flag 128, aeimg 0.9): fields added after the
 * record's flags ran out, each a tag and its fields; a reader refuses a tag it does not know ("update aeimg"), so a
 * field whose absence would mislead an older reader goes here. entries.ts writes and reads the rest of the record.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { BinaryError, ByteReader, ByteWriter } from './binary.js';
import { isCount, NotBinary, only, type Obj } from './entry-binary.js';
import { SHOWN_STEPS } from '../../../src-shared/fidelity.js';

/** Tags of the extension block: a reader refuses a tag it does not know. */
const EXT = { codestream: 1, steps: 2, reading: 3, shown: 4, sameIcc: 5, valueOffset: 6, ctIntercept: 7 } as const;

/** Keys a kept frame's layout carries in the binary form. */
export const CODESTREAM_FIELDS = ['syntax', 'photometric', 'samplesPerPixel', 'bitsAllocated', 'bitsStored', 'signed', 'planarConfiguration', 'palette', 'reading'];

/**
 * The extension block of image record `r` (`planes` colour planes), undefined where it has none: its kept frame's
 * layout, sample steps, the colour difference as shown (`shown`, taken out of its fidelity), whether its ICC profile is
 * the record before's (`sameIcc`), its value offset, its CT intercept.
 */
export function imageExtensions(r: Obj, planes: number, shown: unknown, sameIcc: boolean): Buffer | undefined {
  const extensions: Buffer[] = [];
  if (r.codestream) extensions.push(writeExtension(EXT.codestream, (x) => writeCodestream(x, only(r.codestream, CODESTREAM_FIELDS))));
  // A kept frame read otherwise than before 0.15 (aeimg 0.15): its own tag, which 0.9–0.14 refuse with "update aeimg".
  const reading = (r.codestream as Obj | undefined)?.reading;
  if (reading !== undefined && reading !== 15) throw new NotBinary();
  if (reading !== undefined) extensions.push(writeExtension(EXT.reading, (x) => x.varint(reading)));
  if (r.steps) extensions.push(writeExtension(EXT.steps, (x) => writeSteps(x, r.steps, planes)));
  if (shown !== undefined) extensions.push(writeExtension(EXT.shown, (x) => x.varint(Math.round((shown as number) * SHOWN_STEPS))));
  if (sameIcc) extensions.push(writeExtension(EXT.sameIcc, () => undefined));
  // An image file's values below 0 gone up by an offset (aeimg 0.35): readers before 0.35 refuse it with "update
  // aeimg", rather than show and write the samples as the values.
  if (r.valueOffset !== undefined && !isCount(r.valueOffset)) throw new NotBinary();
  if (r.valueOffset !== undefined) extensions.push(writeExtension(EXT.valueOffset, (x) => x.varint(r.valueOffset as number)));
  // An image file its sender said is a CT (aeimg 0.36): readers before 0.36 refuse it, rather than show its values as
  // plain numbers, without HU and the CT windows its figures name.
  if (r.ctIntercept !== undefined && !Number.isInteger(r.ctIntercept)) throw new NotBinary();
  if (r.ctIntercept !== undefined) extensions.push(writeExtension(EXT.ctIntercept, (x) => x.svarint(r.ctIntercept as number)));
  return extensions.length ? Buffer.concat(extensions) : undefined;
}

/** A record's DICOM pixel facts (import.ts `metadata.dicom.pixel`), if it has them. */
function pixelOf(metadata: unknown): Obj | undefined {
  const pixel = ((metadata as Obj | undefined)?.dicom as { pixel?: unknown } | undefined)?.pixel;
  return pixel && typeof pixel === 'object' ? pixel as Obj : undefined;
}

/** The ICC profile a record's DICOM metadata carries (`pixel.iccProfile`, base64), if any. */
export function iccOf(metadata: unknown): string | undefined {
  const icc = pixelOf(metadata)?.iccProfile;
  return typeof icc === 'string' ? icc : undefined;
}

/** The metadata without its ICC profile (a copy: the record is left as it is). */
export function withoutIcc(metadata: Obj): Obj {
  const dicom = metadata.dicom as Obj & { pixel: Obj };
  const { iccProfile: _icc, ...pixel } = dicom.pixel;
  return { ...metadata, dicom: { ...dicom, pixel } };
}

/** Sample steps (aeimg 0.9): per colour plane, a varint. */
function writeSteps(w: ByteWriter, steps: unknown, planes: number): void {
  if (!Array.isArray(steps) || steps.length !== planes || !steps.every(isCount)) throw new NotBinary();
  for (const g of steps) w.varint(g);
}

/** One extension: tag (1) · its fields as a blob (varint length, bytes); a block is one blob of extensions. */
function writeExtension(tag: number, write: (w: ByteWriter) => void): Buffer {
  const inner = new ByteWriter();
  write(inner);
  return new ByteWriter().u8(tag).blob(inner.finish()).finish();
}

/**
 * A kept DICOM frame's layout: syntax (string) · photometric (string) · samples per pixel, bits allocated, bits stored
 * (1 each) · flags (1: 1 signed, 2 planar, 4 palette) · with a palette, per colour: first (svarint) · its 8-bit
 * entries (blob).
 */
function writeCodestream(w: ByteWriter, c: Obj): void {
  if (typeof c.syntax !== 'string' || typeof c.photometric !== 'string' || !isCount(c.samplesPerPixel) || !isCount(c.bitsAllocated) ||
    !isCount(c.bitsStored) || typeof c.signed !== 'boolean' || (c.planarConfiguration !== 0 && c.planarConfiguration !== 1)) throw new NotBinary();
  const palette = c.palette as { first: number; table: number[] }[] | undefined;
  w.string(c.syntax).string(c.photometric).u8(c.samplesPerPixel).u8(c.bitsAllocated).u8(c.bitsStored)
    .u8((c.signed ? 1 : 0) | (c.planarConfiguration ? 2 : 0) | (palette ? 4 : 0));
  for (const t of palette ?? []) {
    if (!Number.isInteger(t.first) || !Array.isArray(t.table) || !t.table.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) throw new NotBinary();
    w.svarint(t.first).blob(Uint8Array.from(t.table));
  }
}

export const MAX_EXTENSIONS = 256 * 1024; // a kept frame's palette: three tables of up to 65536 entries
/** Later aeimg versions add fields here; 0.7 and 0.8 refuse flag 128 itself with the same advice. */
const newerFeature = () => new AeimgError(ErrorCode.UnsupportedVersion, 'holds an image record with a feature this version does not know; update aeimg to open it.');

export function readExtensions(r: ByteReader, rec: Obj, prev: Obj | undefined): void {
  while (r.left > 0) {
    const tag = r.u8();
    const fields = new ByteReader(r.blob(MAX_EXTENSIONS));
    if (tag === EXT.sameIcc) {
      // The profile of the record before, into this one's DICOM metadata, which must not have its own.
      const icc = iccOf(prev?.metadata);
      const pixel = pixelOf(rec.metadata);
      if (icc === undefined || !pixel || pixel.iccProfile !== undefined) throw new BinaryError('has a colour profile of no record before it');
      pixel.iccProfile = icc;
      fields.end();
      continue;
    }
    if (tag === EXT.valueOffset && rec.valueOffset === undefined) {
      rec.valueOffset = fields.varint();
      fields.end();
      continue;
    }
    if (tag === EXT.ctIntercept && rec.ctIntercept === undefined) {
      rec.ctIntercept = fields.svarint();
      fields.end();
      continue;
    }
    if (tag === EXT.steps && !rec.steps) {
      rec.steps = Array.from({ length: (rec.planes as unknown[]).length }, () => fields.varint());
      fields.end();
      continue;
    }
    if (tag === EXT.shown && rec.fidelity && (rec.fidelity as Obj).shown === undefined) {
      (rec.fidelity as Obj).shown = fields.varint() / SHOWN_STEPS;
      fields.end();
      continue;
    }
    if (tag === EXT.reading && rec.codestream && (rec.codestream as Obj).reading === undefined) {
      (rec.codestream as Obj).reading = fields.varint();
      fields.end();
      continue;
    }
    if (tag !== EXT.codestream || rec.codestream) throw newerFeature();
    rec.codestream = {
      syntax: fields.string(64), photometric: fields.string(16), samplesPerPixel: fields.u8(), bitsAllocated: fields.u8(), bitsStored: fields.u8(),
    };
    const bits = fields.u8();
    if (bits > 7) throw new BinaryError('has an unknown kept-frame flag');
    Object.assign(rec.codestream as Obj, { signed: (bits & 1) === 1, planarConfiguration: (bits >> 1) & 1 });
    if (bits & 4) {
      (rec.codestream as Obj).palette = Array.from({ length: 3 }, () => ({ first: fields.svarint(), table: Array.from(fields.blob(65536)) }));
    }
    fields.end();
  }
}
