/**
 * The clear, authenticated header of an .aeimg file (see docs/format.md):
 *   format 2: magic (8) | 02 | header length (u16 BE) | binary header | HMAC-SHA-256 (32)
 *   format 1: magic (8) | 01 | header length (u32 BE) | header JSON   | HMAC-SHA-256 (32)   (aeimg 0.1–0.3; read)
 * It holds only what is needed to find the key and parse the file: nothing about the image or the patient.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { hkdf, hmacSha256, constantTimeEqual } from '../crypto/primitives.js';
import type { Stanza } from '../keys/recipients.js';
import { parseBinaryStanza, parseStanza, stanzaBody } from '../keys/stanzas.js';
import { BinaryError, ByteReader, ByteWriter } from './binary.js';
import type { ByteSource } from './source.js';

export const MAGIC = Buffer.from([0x89, 0x41, 0x45, 0x49, 0x4d, 0x47, 0x0d, 0x0a]); // \x89AEIMG\r\n
/** The version aeimg writes; it reads 1 and 2. */
export const FORMAT_VERSION = 2;
export type FormatVersion = 1 | 2;
export const FORMAT_VERSIONS: readonly FormatVersion[] = [1, 2];
/** Magic, version byte and the header length field (u32 in format 1, u16 in format 2). */
const prefixBytes = (version: FormatVersion) => MAGIC.length + 1 + (version === 1 ? 4 : 2);
export const MAC_BYTES = 32;
export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_RECIPIENTS = 64;
export const MIN_CHUNK = 1024;
export const MAX_CHUNK = 1 << 20;
export const DEFAULT_CHUNK = 64 * 1024;
export const CODEC = 'aeimg-ae-1';

export interface Header {
  codec: string;
  /**
   * sha256 of the model weights, hex: the model the file's latents need. Null (format 2) when no image in the file
   * has a latent (the guaranteed levels), so opening it needs no model.
   */
  model: string | null;
  chunkSize: number;
  /** base64 of 16 random bytes: the payload key's HKDF salt. */
  nonce: string;
  recipients: Stanza[];
}

export function headerMacKey(fileKey: Buffer): Buffer {
  return hkdf(fileKey, Buffer.alloc(0), 'aeimg v1 header');
}

export function payloadKey(fileKey: Buffer, header: Header): Buffer {
  return hkdf(fileKey, Buffer.from(header.nonce, 'base64'), 'aeimg v1 payload');
}

/** Serialises the header and its MAC, in format 2 (format 1 only for the test vectors of files already sent). */
export function encodeHeader(header: Header, fileKey: Buffer, version: FormatVersion = FORMAT_VERSION): Buffer {
  const body = version === 1 ? Buffer.from(JSON.stringify(header), 'utf8') : binaryHeader(header);
  if (body.length > MAX_HEADER_BYTES - 1) throw new AeimgError(ErrorCode.TooLarge, 'too many recipients for one file.');
  const prefix = Buffer.alloc(prefixBytes(version));
  MAGIC.copy(prefix);
  prefix[MAGIC.length] = version;
  if (version === 1) prefix.writeUInt32BE(body.length, MAGIC.length + 1);
  else prefix.writeUInt16BE(body.length, MAGIC.length + 1);
  const signed = Buffer.concat([prefix, body]);
  return Buffer.concat([signed, hmacSha256(headerMacKey(fileKey), signed)]);
}

const HAS_MODEL = 1;

/** Format 2's header: flags | [model, 32] | log2 chunk size | nonce (16) | stanza count | stanzas. */
function binaryHeader(header: Header): Buffer {
  const log2 = Math.log2(header.chunkSize);
  if (!Number.isInteger(log2)) throw new RangeError(`chunk size ${header.chunkSize} is not a power of two`);
  const w = new ByteWriter().u8(header.model ? HAS_MODEL : 0);
  if (header.model) w.bytes(Buffer.from(header.model, 'hex'));
  w.u8(log2).bytes(Buffer.from(header.nonce, 'base64')).u8(header.recipients.length);
  for (const s of header.recipients) {
    const b = stanzaBody(s);
    w.u8(b.code).blob(b.body);
  }
  return w.finish();
}

export interface ParsedHeader {
  header: Header;
  version: FormatVersion;
  /** The bytes the MAC covers, and the MAC itself, for verifyHeader once the file key is known. */
  signed: Buffer;
  mac: Buffer;
}

const NOT_AEIMG = 'is not an aeimg file (its first bytes are not the aeimg signature). If it came as an e-mail attachment, save the ' +
  'attachment itself again; otherwise ask the sender for the .aeimg file aeimg wrote.';

/**
 * What a reader is told where a file names what this version does not know (a format version, a codec, a key type):
 * a newer sender's, or a damaged byte there, which the header's MAC cannot tell before a key opens it (0.47: "update
 * aeimg" alone sent a reader of a damaged file to update an aeimg that was current).
 */
export const OR_DAMAGED = 'if the sender\'s aeimg is no newer than yours, ask the sender for a new copy.';

/** Reads and validates the header; the MAC is checked later by verifyHeader, once a key unwraps. */
export async function readHeader(source: ByteSource): Promise<ParsedHeader> {
  const start = await source.read(MAGIC.length + 1);
  if (start.length === 0) {
    throw new AeimgError(ErrorCode.Truncated, 'is empty (0 bytes): the attachment was not saved whole. Save it again from the e-mail, or ask the sender for a complete copy.');
  }
  // The signature's first bytes alone are an .aeimg file cut short, not another file.
  if (start.length <= MAGIC.length && MAGIC.subarray(0, start.length).equals(start)) throw truncatedHeader();
  if (!start.subarray(0, MAGIC.length).equals(MAGIC)) throw new AeimgError(ErrorCode.NotAeimg, NOT_AEIMG);
  const version = start[MAGIC.length]! as FormatVersion;
  if (!FORMAT_VERSIONS.includes(version)) {
    throw new AeimgError(ErrorCode.UnsupportedVersion,
      `was written by a newer aeimg (format version ${version}; this one reads versions ${FORMAT_VERSIONS.join(' and ')}), or its header was ` +
      `damaged in transit. Update aeimg to open it; ${OR_DAMAGED}`);
  }
  const lengthField = await source.read(prefixBytes(version) - start.length);
  if (lengthField.length < prefixBytes(version) - start.length) throw truncatedHeader();
  const length = version === 1 ? lengthField.readUInt32BE(0) : lengthField.readUInt16BE(0);
  if (length > MAX_HEADER_BYTES) {
    throw new AeimgError(ErrorCode.Malformed, `has a damaged header (it claims ${length} bytes; the limit is ${MAX_HEADER_BYTES}).`);
  }
  const body = await source.read(length);
  const mac = await source.read(MAC_BYTES);
  if (body.length < length || mac.length < MAC_BYTES) throw truncatedHeader();
  const header = version === 1 ? validateHeader(parseJsonHeader(body)) : parseBinaryHeader(body);
  return { header, version, signed: Buffer.concat([start, lengthField, body]), mac };
}

function parseJsonHeader(json: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new AeimgError(ErrorCode.Tampered, 'has a damaged header (it is not valid JSON): the file was altered or damaged.');
  }
}

const badHeader = (what: string) => new AeimgError(ErrorCode.Tampered, `has a damaged header (${what}): the file was altered or damaged.`);

function parseBinaryHeader(body: Buffer): Header {
  const r = new ByteReader(body);
  try {
    const flags = r.u8();
    if (flags & ~HAS_MODEL) throw badHeader('flags');
    const model = flags & HAS_MODEL ? r.bytes(32).toString('hex') : null;
    const log2 = r.u8();
    if (log2 < Math.log2(MIN_CHUNK) || log2 > Math.log2(MAX_CHUNK)) throw badHeader('chunk size');
    const nonce = r.bytes(16).toString('base64');
    const count = r.u8();
    if (count === 0 || count > MAX_RECIPIENTS) throw badHeader('recipients');
    const recipients: Stanza[] = [];
    for (let k = 0; k < count; k++) {
      const code = r.u8();
      const stanzaBytes = r.blob(4096);
      try {
        recipients.push(parseBinaryStanza(code, stanzaBytes));
      } catch {
        throw badHeader('key stanza');
      }
    }
    r.end();
    checkStanzaSet(recipients);
    return { codec: CODEC, model, chunkSize: 2 ** log2, nonce, recipients };
  } catch (err) {
    if (err instanceof BinaryError) throw badHeader(err.message);
    throw err;
  }
}

function checkStanzaSet(recipients: Stanza[]): void {
  if (recipients.length > 1 && recipients.some((s) => s.type === 'scrypt')) throw badHeader('a passphrase stanza must be the only one');
}

function truncatedHeader(): AeimgError {
  return new AeimgError(ErrorCode.Truncated, 'is cut short inside its header; ask the sender for a complete copy.');
}

function validateHeader(raw: unknown): Header {
  const bad = badHeader;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not an object');
  const h = raw as Record<string, unknown>;
  const keys = Object.keys(h).sort().join(',');
  if (keys !== 'chunkSize,codec,model,nonce,recipients') throw bad(`unexpected fields ${keys.slice(0, 80)}`);
  if (h.codec !== CODEC) {
    throw new AeimgError(ErrorCode.UnsupportedVersion,
      `uses codec '${String(h.codec).slice(0, 40)}', which this version of aeimg cannot decode, or its header was damaged in transit. ` +
      `Update aeimg; ${OR_DAMAGED}`);
  }
  if (typeof h.model !== 'string' || !/^[0-9a-f]{64}$/.test(h.model)) throw bad('model id');
  const chunk = h.chunkSize;
  if (typeof chunk !== 'number' || !Number.isInteger(chunk) || chunk < MIN_CHUNK || chunk > MAX_CHUNK) throw bad('chunk size');
  if (typeof h.nonce !== 'string' || Buffer.from(h.nonce, 'base64').length !== 16 || h.nonce.length !== 24) throw bad('nonce');
  if (!Array.isArray(h.recipients) || h.recipients.length === 0 || h.recipients.length > MAX_RECIPIENTS) throw bad('recipients');
  let recipients: Stanza[];
  try {
    recipients = h.recipients.map(parseStanza);
  } catch (err) {
    if (err instanceof AeimgError && err.code === ErrorCode.UnsupportedVersion) throw err;
    throw bad('key stanza');
  }
  checkStanzaSet(recipients);
  return { codec: h.codec, model: h.model, chunkSize: chunk, nonce: h.nonce, recipients };
}

export function verifyHeader(parsed: ParsedHeader, fileKey: Buffer): void {
  if (!constantTimeEqual(hmacSha256(headerMacKey(fileKey), parsed.signed), parsed.mac)) {
    throw new AeimgError(ErrorCode.Tampered, 'has a header that does not authenticate: the file was altered or damaged in transit.');
  }
}

/** Bytes before the payload of a whole file in memory (prefix, header, MAC): for tests and the fuzzer. */
export function headerBytes(file: Buffer): number {
  const version = file[MAGIC.length] as FormatVersion;
  const length = version === 1 ? file.readUInt32BE(MAGIC.length + 1) : file.readUInt16BE(MAGIC.length + 1);
  return prefixBytes(version) + length + MAC_BYTES;
}
