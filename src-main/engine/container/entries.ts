/**
 * Format 2's binary entries (docs/format.md, "Format 2: entries"): the file entry, image records and the study end
 * as compact binary instead of JSON, so a single-image file carries a few hundred bytes of overhead and each further
 * image in a study a few dozen. An image record is written relative to the previous image of the same file (shared
 * name prefix, geometry flagged as unchanged). Any entry that the binary form cannot carry exactly is written as JSON
 * (kind 4): the writer checks every binary entry by decoding it before it is sealed.
 *
 * Decoding gives the same objects format 1's JSON gives, so the validators (validateImageRecord, the study checks)
 * are the same for both formats.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import { AeimgError, ErrorCode } from '../errors.js';
import { REFINEMENT_CODINGS } from '../codec/record.js';
import { BinaryError, ByteReader, ByteWriter } from './binary.js';
import { canonical, isCount, MAX_TEXT, NotBinary, only, type Obj } from './entry-binary.js';
import { readFidelity, writeFidelity } from './entries-fidelity.js';
import { CODESTREAM_FIELDS, iccOf, imageExtensions, MAX_EXTENSIONS, readExtensions, withoutIcc } from './entries-extensions.js';
import { SHOWN_STEPS } from '../../../src-shared/fidelity.js';

const KIND = { file: 1, image: 2, 'study-end': 3, json: 4 } as const;

/** Bounds on what a record may claim, checked while decoding (the record validator checks the rest). */
const MAX_NAME = 1024;
const MAX_METADATA = 1 << 20;

const BACKENDS = ['none', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'];

/** Keys each binary form carries; an object with any other key goes as JSON. */
const FIELDS = {
  file: ['kind', 'app', 'created', 'study'],
  study: ['id', 'name', 'part', 'firstImage'],
  studyEnd: ['kind', 'images', 'parts'],
  image: ['kind', 'name', 'width', 'height', 'channels', 'bitDepth', 'planes', 'transfer', 'latent', 'blobs', 'refinement', 'fidelity', 'metadata', 'impulses', 'codestream', 'steps', 'valueOffset', 'ctIntercept'],
  codestream: CODESTREAM_FIELDS,
  latent: ['width', 'height', 'channels', 'bits', 'ranges', 'coding'],
  refinement: ['coding', 'maxError', 'sha256', 'backend'],
};

/** Shared length of the UTF-8 prefix of two names, on a character boundary. */
function sharedPrefix(a: Buffer, b: Buffer): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  while (n > 0 && n < b.length && (b[n]! & 0xc0) === 0x80) n--; // do not split a character
  return n;
}

// ---------------------------------------------------------------------------------------------------- writing

function writeFile(w: ByteWriter, e: Obj): void {
  only(e, FIELDS.file);
  if (typeof e.app !== 'string' || typeof e.created !== 'string') throw new NotBinary();
  const ms = Date.parse(e.created);
  if (!Number.isFinite(ms) || ms < 0 || new Date(ms).toISOString() !== e.created) throw new NotBinary();
  const study = e.study === undefined ? undefined : only(e.study, FIELDS.study);
  w.u8(study ? 1 : 0).string(e.app).varint(ms);
  if (study) {
    if (typeof study.id !== 'string' || !/^[0-9a-f]{32}$/.test(study.id) || typeof study.name !== 'string' ||
      !isCount(study.part) || !isCount(study.firstImage)) throw new NotBinary();
    w.bytes(Buffer.from(study.id, 'hex')).string(study.name).varint(study.part).varint(study.firstImage);
  }
}

function writeStudyEnd(w: ByteWriter, e: Obj): void {
  only(e, FIELDS.studyEnd);
  if (!isCount(e.images) || !isCount(e.parts)) throw new NotBinary();
  w.varint(e.images).varint(e.parts);
}

const IMG = { latent: 1, refinement: 2, fidelity: 4, metadata: 8, sameGeometry: 16, transfer: 32, impulses: 64, extensions: 128 };
const GEOMETRY = ['width', 'height', 'channels', 'bitDepth'] as const;

function writeImage(w: ByteWriter, r: Obj, prev: Obj | undefined): void {
  only(r, FIELDS.image);
  if (typeof r.name !== 'string' || r.lossless !== undefined) throw new NotBinary();
  for (const g of GEOMETRY) if (!isCount(r[g])) throw new NotBinary();
  const same = prev !== undefined && GEOMETRY.every((g) => prev[g] === r[g]);
  // The colour difference as shown through the image's ICC profile (aeimg 0.34) goes as an extension, which readers
  // before 0.34 refuse with "update aeimg" rather than open the file and say only the figures of its values.
  const { shown, ...fidelity } = (r.fidelity ?? {}) as Obj;
  if (shown !== undefined && !(typeof shown === 'number' && shown >= 0 && isCount(Math.round(shown * SHOWN_STEPS)))) throw new NotBinary();
  // A colour DICOM's ICC profile (up to 384 KB) the record before had too (the frames of a file, a series' slices) is
  // not packed again (aeimg 0.34): a 25-tile slide's sRGB profile came to 3.3 of its 3.4 KB of metadata a tile.
  const icc = iccOf(r.metadata);
  const sameIcc = icc !== undefined && icc === iccOf(prev?.metadata);
  const planes = r.planes as unknown[];
  if (!Array.isArray(planes)) throw new NotBinary();
  const extensions = imageExtensions(r, planes.length, shown, sameIcc);
  const flags = (r.latent ? IMG.latent : 0) | (r.refinement ? IMG.refinement : 0) | (r.fidelity ? IMG.fidelity : 0) |
    (r.metadata ? IMG.metadata : 0) | (same ? IMG.sameGeometry : 0) | (r.transfer ? IMG.transfer : 0) | (r.impulses ? IMG.impulses : 0) |
    (extensions ? IMG.extensions : 0);
  w.u8(flags);
  const name = Buffer.from(r.name, 'utf8');
  const shared = prev ? sharedPrefix(Buffer.from(prev.name as string, 'utf8'), name) : 0;
  w.varint(shared).blob(name.subarray(shared));
  if (!same) w.varint(r.width as number).varint(r.height as number).u8(r.channels as number).u8(r.bitDepth as number);
  w.u8(planes.length);
  for (const p of planes) {
    if (!Array.isArray(p) || p.length !== 2) throw new NotBinary();
    w.number(p[0] as number).number((p[1] as number) - (p[0] as number));
  }
  if (r.transfer) writeTransfer(w, r.transfer, planes.length);
  const blobs = only(r.blobs, ['latent', 'alpha', 'residual', 'impulses']);
  if (!isCount(blobs.latent) || !isCount(blobs.alpha) || !isCount(blobs.residual)) throw new NotBinary();
  w.varint(blobs.latent).varint(blobs.alpha).varint(blobs.residual);
  if (r.impulses) writeImpulses(w, only(r.impulses, ['values']), blobs.impulses, planes.length);
  else if (blobs.impulses !== undefined) throw new NotBinary();
  if (r.latent) writeLatent(w, only(r.latent, FIELDS.latent), r);
  if (r.refinement) writeRefinement(w, only(r.refinement, FIELDS.refinement));
  if (r.fidelity) writeFidelity(w, fidelity);
  if (r.metadata) w.blob(packedMetadata(sameIcc ? withoutIcc(r.metadata as Obj) : r.metadata));
  if (extensions) w.blob(extensions);
}

/** Impulses (aeimg 0.7): the map's byte length (varint) · per plane its dark and bright sample values (varint each). */
function writeImpulses(w: ByteWriter, imp: Obj, length: unknown, planes: number): void {
  if (!isCount(length) || !Array.isArray(imp.values) || imp.values.length !== planes) throw new NotBinary();
  w.varint(length);
  for (const v of imp.values as unknown[]) {
    if (!Array.isArray(v) || v.length !== 2 || !isCount(v[0]) || !isCount(v[1])) throw new NotBinary();
    w.varint(v[0]).varint(v[1]);
  }
}

/** Per plane: knot count (1) · knots as sample (number) and y in 1/1024 (varint). */
function writeTransfer(w: ByteWriter, transfer: unknown, planes: number): void {
  if (!Array.isArray(transfer) || transfer.length !== planes) throw new NotBinary();
  for (const knots of transfer) {
    if (!Array.isArray(knots) || knots.length > 255) throw new NotBinary();
    w.u8(knots.length);
    for (const k of knots as unknown[]) {
      if (!Array.isArray(k) || k.length !== 2 || !isCount(k[1])) throw new NotBinary();
      w.number(k[0] as number).varint(k[1]);
    }
  }
}

function writeLatent(w: ByteWriter, l: Obj, r: Obj): void {
  if (l.width !== Math.ceil((r.width as number) / 2) || l.height !== Math.ceil((r.height as number) / 2)) throw new NotBinary();
  if (l.coding !== undefined && l.coding !== 'ac1') throw new NotBinary();
  const ranges = l.ranges as [number, number][];
  if (!Array.isArray(ranges)) throw new NotBinary();
  const f32 = ranges.every((p) => Array.isArray(p) && p.every((v) => Math.fround(v) === v));
  w.u8(l.channels as number).u8(l.bits as number).u8(l.coding === 'ac1' ? 1 : 0).u8(f32 ? 0 : 1).varint(ranges.length);
  for (const p of ranges) {
    if (!Array.isArray(p) || p.length !== 2) throw new NotBinary();
    for (const v of p) {
      if (f32) w.f32(v);
      else w.number(v);
    }
  }
}

function writeRefinement(w: ByteWriter, f: Obj): void {
  const coding = REFINEMENT_CODINGS.indexOf(f.coding as (typeof REFINEMENT_CODINGS)[number]);
  if (coding < 0 || !isCount(f.maxError) || typeof f.sha256 !== 'string' || !/^([0-9a-f]{32}){1,2}$/.test(f.sha256) ||
    typeof f.backend !== 'string') throw new NotBinary();
  w.u8(coding + 1).varint(f.maxError);
  const backend = BACKENDS.indexOf(f.backend);
  if (backend >= 0) w.u8(backend);
  else w.u8(255).string(f.backend);
  w.blob(Buffer.from(f.sha256, 'hex'));
}

// ---------------------------------------------------------------------------------------------------- reading

function readFile(r: ByteReader): Obj {
  const flags = r.u8();
  if (flags > 1) throw new BinaryError('has an unknown file entry flag');
  const app = r.string(MAX_TEXT);
  const created = new Date(r.varint()).toISOString();
  const e: Obj = { kind: 'file', app, created };
  if (flags & 1) {
    e.study = { id: r.bytes(16).toString('hex'), name: r.string(MAX_NAME), part: r.varint(), firstImage: r.varint() };
  }
  return e;
}

function readImage(r: ByteReader, prev: Obj | undefined): Obj {
  const flags = r.u8();
  if (flags & IMG.sameGeometry && !prev) throw new BinaryError('has unknown image flags');
  const shared = r.varint();
  const prevName = prev ? Buffer.from(prev.name as string, 'utf8') : Buffer.alloc(0);
  if (shared > prevName.length) throw new BinaryError('has a name longer than the one it continues');
  const nameBytes = Buffer.concat([prevName.subarray(0, shared), r.blob(MAX_NAME)]);
  let name: string;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(nameBytes);
  } catch {
    throw new BinaryError('has a name that is not UTF-8');
  }
  const rec: Obj = { kind: 'image', name };
  if (flags & IMG.sameGeometry) for (const g of GEOMETRY) rec[g] = prev![g];
  else Object.assign(rec, { width: r.varint(), height: r.varint(), channels: r.u8(), bitDepth: r.u8() });
  const nPlanes = r.u8();
  if (nPlanes > 4) throw new BinaryError('has too many planes');
  rec.planes = Array.from({ length: nPlanes }, () => {
    const lo = r.number();
    return [lo, lo + r.number()];
  });
  if (flags & IMG.transfer) {
    rec.transfer = Array.from({ length: nPlanes }, () => {
      const n = r.u8();
      if (n > 8) throw new BinaryError('has too many transfer knots');
      return Array.from({ length: n }, () => [r.number(), r.varint()]);
    });
  }
  rec.blobs = { latent: r.varint(), alpha: r.varint(), residual: r.varint() };
  if (flags & IMG.impulses) {
    (rec.blobs as Obj).impulses = r.varint();
    rec.impulses = { values: Array.from({ length: nPlanes }, () => [r.varint(), r.varint()]) };
  }
  if (flags & IMG.latent) rec.latent = readLatent(r, rec);
  if (flags & IMG.refinement) rec.refinement = readRefinement(r);
  if (flags & IMG.fidelity) rec.fidelity = readFidelity(r);
  if (flags & IMG.metadata) rec.metadata = readMetadata(r);
  if (flags & IMG.extensions) readExtensions(new ByteReader(r.blob(MAX_EXTENSIONS)), rec, prev);
  return rec;
}

function readLatent(r: ByteReader, rec: Obj): Obj {
  const channels = r.u8(), bits = r.u8(), coding = r.u8(), f64 = r.u8();
  if (coding > 1 || f64 > 1) throw new BinaryError('has an unknown latent coding');
  const n = r.varint();
  if (n > 4 * 64) throw new BinaryError('has too many latent ranges');
  const ranges = Array.from({ length: n }, () => (f64 ? [r.number(), r.number()] : [r.f32(), r.f32()]));
  const l: Obj = { width: Math.ceil((rec.width as number) / 2), height: Math.ceil((rec.height as number) / 2), channels, bits, ranges };
  if (coding === 1) l.coding = 'ac1';
  return l;
}

function readRefinement(r: ByteReader): Obj {
  const coding = REFINEMENT_CODINGS[r.u8() - 1];
  if (!coding) throw new BinaryError('uses a plane coder this version does not know');
  const maxError = r.varint();
  const b = r.u8();
  const backend = b === 255 ? r.string(64) : BACKENDS[b];
  if (backend === undefined) throw new BinaryError('names an unknown backend');
  return { coding, maxError, sha256: r.blob(32).toString('hex'), backend };
}

/**
 * A record's metadata as written: Brotli-packed JSON, at most what a reader accepts (MAX_METADATA). Larger is refused
 * here, so that no sender writes a file its receiver cannot open.
 */
function packedMetadata(metadata: unknown): Buffer {
  const packed = brotliCompressSync(Buffer.from(JSON.stringify(metadata), 'utf8'), { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } });
  if (packed.length > MAX_METADATA) {
    throw new AeimgError(ErrorCode.TooLarge, `its DICOM metadata (its attributes, overlays and presentation states) packs to ${(packed.length / 2 ** 20).toFixed(1)} MiB, ` +
      `more than the ${MAX_METADATA >> 20} MiB an .aeimg image record holds: send it de-identified (the default), which leaves out overlays and presentation states.`);
  }
  return packed;
}

function readMetadata(r: ByteReader): Obj {
  const packed = r.blob(MAX_METADATA);
  let json: unknown;
  try {
    json = JSON.parse(brotliDecompressSync(packed, { maxOutputLength: 16 * MAX_METADATA }).toString('utf8'));
  } catch {
    throw new BinaryError('has damaged metadata');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new BinaryError('has metadata that is not an object');
  return json as Obj;
}

// ---------------------------------------------------------------------------------------------------- codec

/**
 * Encodes and decodes the entries of one format 2 file, in order (an image record refers to the image before it,
 * so a writer and a reader each keep one codec per file).
 */
export class EntryCodec {
  private prevImage: Obj | undefined;

  /** The entry's bytes, binary where its form carries it exactly, JSON otherwise. Does not advance the codec. */
  encode(meta: object): Buffer {
    const e = meta as Obj;
    const kind = e.kind === 'file' || e.kind === 'image' || e.kind === 'study-end' ? e.kind : undefined;
    if (kind) {
      try {
        const w = new ByteWriter().u8(KIND[kind]);
        if (kind === 'file') writeFile(w, e);
        else if (kind === 'image') writeImage(w, e, this.prevImage);
        else writeStudyEnd(w, e);
        const bytes = w.finish();
        if (canonical(decodeEntry(bytes, this.prevImage)) === canonical(e)) return bytes;
      } catch (err) {
        if (!(err instanceof NotBinary) && !(err instanceof RangeError) && !(err instanceof BinaryError)) throw err;
      }
    }
    return Buffer.concat([Buffer.from([KIND.json]), Buffer.from(JSON.stringify(meta), 'utf8')]);
  }

  /** Records an entry as written or read: the next image record is coded relative to it. */
  advance(meta: object): void {
    if ((meta as Obj).kind === 'image') this.prevImage = meta as Obj;
  }

  /** The entry these bytes hold (validated later by the caller); damage is an AeimgError naming what is wrong. */
  decode(bytes: Buffer): Obj {
    try {
      return decodeEntry(bytes, this.prevImage);
    } catch (err) {
      if (err instanceof BinaryError) throw new AeimgError(ErrorCode.Malformed, `has a damaged entry (it ${err.message}).`);
      throw err;
    }
  }
}

function decodeEntry(bytes: Buffer, prev: Obj | undefined): Obj {
  const r = new ByteReader(bytes);
  const kind = r.u8();
  if (kind === KIND.json) return parseJsonEntry(bytes.subarray(1));
  const e = kind === KIND.file ? readFile(r) : kind === KIND.image ? readImage(r, prev) : kind === KIND['study-end']
    ? { kind: 'study-end', images: r.varint(), parts: r.varint() }
    : undefined;
  if (!e) {
    throw new AeimgError(ErrorCode.UnsupportedVersion, `holds an entry of a kind this version does not know (${kind}); update aeimg to open it.`);
  }
  r.end();
  return e;
}

function parseJsonEntry(json: Buffer): Obj {
  let meta: unknown;
  try {
    meta = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new AeimgError(ErrorCode.Malformed, 'has an entry whose metadata is not valid JSON.');
  }
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new AeimgError(ErrorCode.Malformed, 'has an entry whose metadata is not an object.');
  }
  return meta as Obj;
}
