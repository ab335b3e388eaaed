/**
 * Parsing the key stanzas of an (untrusted) header: each stanza kind parses and validates its own fields, in the
 * module that implements it (recipients.ts: shared keys and passphrases; x25519.ts: contacts); this table only
 * dispatches by type. Unknown types are kept as such, so a reader skips them as age does (docs/format.md).
 */
import { badStanza, parseKeyStanza, parseScryptStanza, type Stanza } from './recipients.js';
import { parseLegacyX25519Stanza, parseX25519Stanza } from './x25519.js';

/** Every stanza type aeimg reads, with its parser; docs/format.md lists the same types. */
export const STANZA_PARSERS: Readonly<Record<string, (s: Record<string, unknown>) => Stanza>> = {
  key: parseKeyStanza,
  scrypt: parseScryptStanza,
  'x25519-v2': parseX25519Stanza,
  x25519: parseLegacyX25519Stanza,
};

/** Validates one stanza from a header. */
export function parseStanza(raw: unknown): Stanza {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badStanza('not an object');
  const s = raw as Record<string, unknown>;
  if (typeof s.type !== 'string' || s.type.length === 0 || s.type.length > 64) throw badStanza('type');
  const parse = Object.hasOwn(STANZA_PARSERS, s.type) ? STANZA_PARSERS[s.type] : undefined;
  return parse ? parse(s) : { type: 'unknown', declared: s.type };
}

/** A stanza field in format 2's binary header: a byte, or fixed-size bytes that the stanza object holds as hex or base64. */
type BinaryField = readonly [name: string, kind: 'u8'] | readonly [name: string, kind: 'hex' | 'base64', bytes: number];

/**
 * Format 2 (docs/format.md): each stanza is `type code | body length | body`, the body its fields in this order.
 * Code 0 is any other type by name: `type (length-prefixed UTF-8) | its other fields as JSON`, the way a new stanza
 * kind can travel before it has a code (aeimg itself writes only coded types). A code this version does not know,
 * or a named type it does not know, is kept as an unknown stanza and skipped, as in format 1.
 */
export const STANZA_BINARY: Readonly<Record<string, { code: number; fields: readonly BinaryField[] }>> = {
  key: { code: 1, fields: [['keyId', 'hex', 16], ['salt', 'base64', 16], ['wrapped', 'base64', 48]] },
  scrypt: { code: 2, fields: [['logN', 'u8'], ['salt', 'base64', 16], ['wrapped', 'base64', 48]] },
  'x25519-v2': { code: 3, fields: [['ephemeral', 'base64', 32], ['wrapped', 'base64', 48]] },
};

/** A stanza's binary body: its coded form, or code 0 with its type by name. */
export function stanzaBody(s: Stanza): { code: number; body: Buffer } {
  const form = Object.hasOwn(STANZA_BINARY, s.type) ? STANZA_BINARY[s.type] : undefined;
  if (!form) {
    if (s.type === 'unknown') throw new RangeError('a stanza read from a file cannot be written again');
    const { type, ...fields } = s;
    const name = Buffer.from(type, 'utf8');
    return { code: 0, body: Buffer.concat([Buffer.from([name.length]), name, Buffer.from(JSON.stringify(fields), 'utf8')]) };
  }
  const fields = s as unknown as Record<string, string | number>;
  const parts = form.fields.map(([name, kind]) =>
    kind === 'u8' ? Buffer.from([fields[name] as number]) : Buffer.from(fields[name] as string, kind));
  return { code: form.code, body: Buffer.concat(parts) };
}

/** Parses and validates a binary stanza body (the same checks as format 1's JSON, through the type's parser). */
export function parseBinaryStanza(code: number, body: Buffer): Stanza {
  if (code === 0) return parseNamedStanza(body);
  const type = Object.keys(STANZA_BINARY).find((t) => STANZA_BINARY[t]!.code === code);
  if (type === undefined) return { type: 'unknown', declared: `type code ${code}` };
  const form = STANZA_BINARY[type]!;
  const size = form.fields.reduce((n, f) => n + (f[1] === 'u8' ? 1 : f[2]), 0);
  if (body.length !== size) throw badStanza(`${type} stanza of ${body.length} bytes`);
  const raw: Record<string, unknown> = { type };
  let at = 0;
  for (const f of form.fields) {
    const n = f[1] === 'u8' ? 1 : f[2];
    raw[f[0]] = f[1] === 'u8' ? body[at] : body.subarray(at, at + n).toString(f[1]);
    at += n;
  }
  return parseStanza(raw);
}

/** Code 0: `name length (1 byte) | type name | JSON of the other fields`, parsed as format 1 parses a stanza. */
function parseNamedStanza(body: Buffer): Stanza {
  const n = body[0];
  if (n === undefined || n === 0 || n > 64 || body.length < 1 + n) throw badStanza('named stanza');
  let fields: unknown;
  try {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const type = decoder.decode(body.subarray(1, 1 + n));
    fields = JSON.parse(decoder.decode(body.subarray(1 + n)));
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new Error('not an object');
    return parseStanza({ ...fields, type });
  } catch (err) {
    if (fields !== undefined) throw err;
    throw badStanza('named stanza');
  }
}
