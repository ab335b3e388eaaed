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
