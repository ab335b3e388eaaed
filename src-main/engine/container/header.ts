/**
 * The clear, authenticated header of an .aeimg file (see docs/format.md):
 *   magic (8) | version (1) | header length (u32 BE) | header JSON | HMAC-SHA-256 (32)
 * It holds only what is needed to find the key and parse the file: nothing about the image or the patient.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { hkdf, hmacSha256, constantTimeEqual } from '../crypto/primitives.js';
import type { Stanza } from '../keys/recipients.js';
import { parseStanza } from '../keys/stanzas.js';
import type { ByteSource } from './source.js';

export const MAGIC = Buffer.from([0x89, 0x41, 0x45, 0x49, 0x4d, 0x47, 0x0d, 0x0a]); // \x89AEIMG\r\n
export const FORMAT_VERSION = 1;
export const PREFIX_BYTES = MAGIC.length + 1 + 4;
export const MAC_BYTES = 32;
export const MAX_HEADER_BYTES = 64 * 1024;
export const MAX_RECIPIENTS = 64;
export const MIN_CHUNK = 1024;
export const MAX_CHUNK = 1 << 20;
export const DEFAULT_CHUNK = 64 * 1024;
export const CODEC = 'aeimg-ae-1';

export interface Header {
  codec: string;
  /** sha256 of the model weights, hex. */
  model: string;
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

/** Serialises the header and its MAC. */
export function encodeHeader(header: Header, fileKey: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length > MAX_HEADER_BYTES) throw new AeimgError(ErrorCode.TooLarge, 'too many recipients for one file.');
  const prefix = Buffer.alloc(PREFIX_BYTES);
  MAGIC.copy(prefix);
  prefix[MAGIC.length] = FORMAT_VERSION;
  prefix.writeUInt32BE(json.length, MAGIC.length + 1);
  const signed = Buffer.concat([prefix, json]);
  return Buffer.concat([signed, hmacSha256(headerMacKey(fileKey), signed)]);
}

export interface ParsedHeader {
  header: Header;
  /** The bytes the MAC covers, and the MAC itself, for verifyHeader once the file key is known. */
  signed: Buffer;
  mac: Buffer;
}

const NOT_AEIMG = 'is not an aeimg file (its first bytes are not the aeimg signature).';

/** Reads and validates the header; the MAC is checked later by verifyHeader, once a key unwraps. */
export async function readHeader(source: ByteSource): Promise<ParsedHeader> {
  const prefix = await source.read(PREFIX_BYTES);
  if (prefix.length < MAGIC.length || !prefix.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new AeimgError(ErrorCode.NotAeimg, NOT_AEIMG);
  }
  if (prefix.length < PREFIX_BYTES) throw truncatedHeader();
  const version = prefix[MAGIC.length]!;
  if (version !== FORMAT_VERSION) {
    throw new AeimgError(ErrorCode.UnsupportedVersion,
      `was written by a newer aeimg (format version ${version}; this one reads version ${FORMAT_VERSION}). Update aeimg to open it.`);
  }
  const length = prefix.readUInt32BE(MAGIC.length + 1);
  if (length > MAX_HEADER_BYTES) {
    throw new AeimgError(ErrorCode.Malformed, `has a damaged header (it claims ${length} bytes; the limit is ${MAX_HEADER_BYTES}).`);
  }
  const json = await source.read(length);
  const mac = await source.read(MAC_BYTES);
  if (json.length < length || mac.length < MAC_BYTES) throw truncatedHeader();
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch {
    throw new AeimgError(ErrorCode.Tampered, 'has a damaged header (it is not valid JSON): the file was altered or damaged.');
  }
  return { header: validateHeader(raw), signed: Buffer.concat([prefix, json]), mac };
}

function truncatedHeader(): AeimgError {
  return new AeimgError(ErrorCode.Truncated, 'is cut short inside its header; ask the sender for a complete copy.');
}

function validateHeader(raw: unknown): Header {
  const bad = (what: string) => new AeimgError(ErrorCode.Tampered, `has a damaged header (${what}): the file was altered or damaged.`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not an object');
  const h = raw as Record<string, unknown>;
  const keys = Object.keys(h).sort().join(',');
  if (keys !== 'chunkSize,codec,model,nonce,recipients') throw bad(`unexpected fields ${keys.slice(0, 80)}`);
  if (h.codec !== CODEC) {
    throw new AeimgError(ErrorCode.UnsupportedVersion,
      `uses codec '${String(h.codec).slice(0, 40)}', which this version of aeimg cannot decode. Update aeimg.`);
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
  if (recipients.length > 1 && recipients.some((s) => s.type === 'scrypt')) throw bad('a passphrase stanza must be the only one');
  return { codec: h.codec, model: h.model, chunkSize: chunk, nonce: h.nonce, recipients };
}

export function verifyHeader(parsed: ParsedHeader, fileKey: Buffer): void {
  if (!constantTimeEqual(hmacSha256(headerMacKey(fileKey), parsed.signed), parsed.mac)) {
    throw new AeimgError(ErrorCode.Tampered, 'has a header that does not authenticate: the file was altered or damaged in transit.');
  }
}
