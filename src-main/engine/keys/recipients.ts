/**
 * Recipients wrap a per-file key into a header stanza; identities unwrap it again.
 * A stanza that is "not mine" unwraps to null so the caller can try the next key (age's design).
 */
import { AeimgError, ErrorCode, Remedy } from '../errors.js';
import {
  gcmOpen, gcmSeal, GCM_NONCE_BYTES, hkdf, KEY_BYTES, type RandomSource, scryptKey,
} from '../crypto/primitives.js';

import type { LegacyX25519Stanza, X25519Stanza } from './x25519.js';

export type Stanza = KeyStanza | ScryptStanza | X25519Stanza | LegacyX25519Stanza | UnknownStanza;

/** A stanza of a type this version does not know: kept (the MAC covers it) and skipped, as age does. */
export interface UnknownStanza {
  type: 'unknown';
  /** The type the file gives it. */
  declared: string;
}

/** The file key wrapped under a shared 256-bit key. */
export interface KeyStanza {
  type: 'key';
  keyId: string;
  salt: string;
  wrapped: string;
}

/** The file key wrapped under a passphrase (scrypt). */
export interface ScryptStanza {
  type: 'scrypt';
  logN: number;
  salt: string;
  wrapped: string;
}

export interface Recipient {
  wrap(fileKey: Buffer, random: RandomSource): Promise<Stanza>;
}

export interface Identity {
  /** Returns the file key, or null when no stanza is for this identity. */
  unwrap(stanzas: readonly Stanza[]): Promise<Buffer | null>;
  /** Words for an error message when unwrapping found nothing. */
  readonly description: string;
}

const SALT_BYTES = 16;
const WRAPPED_BYTES = KEY_BYTES + 16;
const ZERO_NONCE = Buffer.alloc(GCM_NONCE_BYTES);
export const SCRYPT_MIN_LOG_N = 14;
export const SCRYPT_MAX_LOG_N = 22;
/** What aeimg writes, and by default the most a reader derives (2^18: 256 MiB, about a second). */
export const SCRYPT_WRITE_LOG_N = 18;
export const MAX_SCRYPT_LOG_N_ENV = 'AEIMG_MAX_SCRYPT_LOG_N';

/** The largest scrypt work factor a reader derives: 2^18 unless AEIMG_MAX_SCRYPT_LOG_N raises (or lowers) it. */
export function maxScryptLogN(): number {
  const raw = process.env[MAX_SCRYPT_LOG_N_ENV];
  if (raw === undefined || raw.trim() === '') return SCRYPT_WRITE_LOG_N;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < SCRYPT_MIN_LOG_N || n > SCRYPT_MAX_LOG_N) {
    throw new AeimgError(ErrorCode.Usage,
      `${MAX_SCRYPT_LOG_N_ENV} must be a whole number from ${SCRYPT_MIN_LOG_N} to ${SCRYPT_MAX_LOG_N}, not "${raw.slice(0, 20)}".`);
  }
  return n;
}

function wrapWith(wrapKey: Buffer, fileKey: Buffer): string {
  // A zero nonce is safe: every wrap key is fresh (random salt per file and recipient).
  return gcmSeal(wrapKey, ZERO_NONCE, fileKey).toString('base64');
}

function unwrapWith(wrapKey: Buffer, wrapped: string): Buffer | null {
  const fileKey = gcmOpen(wrapKey, ZERO_NONCE, Buffer.from(wrapped, 'base64'));
  return fileKey && fileKey.length === KEY_BYTES ? fileKey : null;
}

/** A shared symmetric key (key file or keychain). The key bytes never leave this object. */
export class SharedKey implements Recipient, Identity {
  readonly keyId: string;
  readonly fingerprint: string;
  readonly #secret: Buffer;

  constructor(secret: Uint8Array, readonly label = '') {
    if (secret.length !== KEY_BYTES) throw new AeimgError(ErrorCode.BadInput, `a key must be ${KEY_BYTES} bytes`);
    this.#secret = Buffer.from(secret);
    this.keyId = hkdf(this.#secret, Buffer.alloc(0), 'aeimg v1 key id', 16).toString('hex');
    this.fingerprint = formatFingerprint(this.keyId);
  }

  get description(): string {
    return `key ${this.label ? `'${this.label}' ` : ''}(fingerprint ${this.fingerprint})`;
  }

  /** The raw secret, for keys/ alone (writing key files and keychain entries). */
  exportSecret(): Buffer {
    return Buffer.from(this.#secret);
  }

  async wrap(fileKey: Buffer, random: RandomSource): Promise<KeyStanza> {
    const salt = random(SALT_BYTES);
    const wrapKey = hkdf(this.#secret, salt, 'aeimg v1 key wrap');
    return { type: 'key', keyId: this.keyId, salt: salt.toString('base64'), wrapped: wrapWith(wrapKey, fileKey) };
  }

  async unwrap(stanzas: readonly Stanza[]): Promise<Buffer | null> {
    for (const s of stanzas) {
      if (s.type !== 'key' || s.keyId !== this.keyId) continue;
      const fileKey = unwrapWith(hkdf(this.#secret, Buffer.from(s.salt, 'base64'), 'aeimg v1 key wrap'), s.wrapped);
      if (fileKey) return fileKey;
      throw new AeimgError(ErrorCode.Tampered, 'the key stanza in the header does not authenticate: the file was altered or damaged.');
    }
    return null;
  }
}

/** 6 groups of 4 hex digits: short enough to read aloud on the phone. */
export function formatFingerprint(keyIdHex: string): string {
  return keyIdHex.slice(0, 24).toUpperCase().match(/.{4}/g)!.join('-');
}

/** age's rule: a passphrase-protected file has no other recipient (and a reader derives at most one scrypt key). */
export function passphraseAlone(): AeimgError {
  return new AeimgError(ErrorCode.Usage,
    'a passphrase cannot be combined with other keys in one file; encrypt with the passphrase alone, or with the keys alone.');
}

/** A passphrase, stretched with scrypt (N = 2^logN, r = 8, p = 1). */
export class Passphrase implements Recipient, Identity {
  readonly description = 'the passphrase';
  readonly #passphrase: string;
  /** Wrap keys already derived, by (logN, salt): a file opened twice (study discovery, then decryption) costs one scrypt. */
  readonly #derived = new Map<string, Promise<Buffer>>();

  constructor(passphrase: string, readonly logN = SCRYPT_WRITE_LOG_N) {
    if (passphrase.length === 0) throw new AeimgError(ErrorCode.Usage, 'the passphrase is empty.');
    this.#passphrase = passphrase;
  }

  async wrap(fileKey: Buffer, random: RandomSource): Promise<ScryptStanza> {
    const salt = random(SALT_BYTES);
    const wrapKey = await scryptKey(this.#passphrase, salt, { logN: this.logN, r: 8, p: 1 });
    return { type: 'scrypt', logN: this.logN, salt: salt.toString('base64'), wrapped: wrapWith(wrapKey, fileKey) };
  }

  async unwrap(stanzas: readonly Stanza[]): Promise<Buffer | null> {
    for (const s of stanzas) {
      if (s.type !== 'scrypt') continue;
      const limit = maxScryptLogN();
      if (s.logN > limit) {
        // What to do is each front end's (0.51: the app's reader cannot set an environment variable).
        throw new AeimgError(ErrorCode.TooLarge,
          `asks for a passphrase work factor of 2^${s.logN}, above the limit of 2^${limit} (aeimg writes 2^${SCRYPT_WRITE_LOG_N}; ` +
          `2^${s.logN} takes ${2 ** (s.logN - 20)} GiB of memory).`, { remedy: Remedy.RaiseWorkFactor, facts: { needed: s.logN } });
      }
      const fileKey = unwrapWith(await this.#wrapKey(s), s.wrapped);
      if (fileKey) return fileKey;
    }
    return null;
  }

  #wrapKey(s: ScryptStanza): Promise<Buffer> {
    const id = `${s.logN}:${s.salt}`;
    let key = this.#derived.get(id);
    if (!key) {
      if (this.#derived.size >= 4096) this.#derived.delete(this.#derived.keys().next().value!);
      key = scryptKey(this.#passphrase, Buffer.from(s.salt, 'base64'), { logN: s.logN, r: 8, p: 1 });
      key.catch(() => this.#derived.delete(id));
      this.#derived.set(id, key);
    }
    return key;
  }
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A base64 field of exactly `bytes` bytes (canonical length), as every stanza kind's parser checks its fields. */
export function isB64Of(value: unknown, bytes: number): value is string {
  return typeof value === 'string' && B64.test(value) && Buffer.from(value, 'base64').length === bytes &&
    value.length === Math.ceil(bytes / 3) * 4;
}

/** The error every stanza parser throws for a field that is not what its kind requires. */
export const badStanza = (why: string) => new AeimgError(ErrorCode.Malformed, `the header has an invalid key stanza (${why}).`);

/** A shared-key stanza's fields (the kind's own parser; keys/stanzas.ts dispatches by type). */
export function parseKeyStanza(s: Record<string, unknown>): KeyStanza {
  if (!isB64Of(s.wrapped, WRAPPED_BYTES)) throw badStanza('wrapped key');
  if (!isB64Of(s.salt, SALT_BYTES)) throw badStanza('salt');
  if (typeof s.keyId !== 'string' || !/^[0-9a-f]{32}$/.test(s.keyId)) throw badStanza('key id');
  return { type: 'key', keyId: s.keyId, salt: s.salt, wrapped: s.wrapped };
}

/** A passphrase stanza's fields; the work factor is checked here, its cap where the key is derived. */
export function parseScryptStanza(s: Record<string, unknown>): ScryptStanza {
  if (!isB64Of(s.wrapped, WRAPPED_BYTES)) throw badStanza('wrapped key');
  if (!isB64Of(s.salt, SALT_BYTES)) throw badStanza('salt');
  const logN = s.logN;
  if (typeof logN !== 'number' || !Number.isInteger(logN) || logN < SCRYPT_MIN_LOG_N || logN > SCRYPT_MAX_LOG_N) {
    throw badStanza(`scrypt work factor must be 2^${SCRYPT_MIN_LOG_N}..2^${SCRYPT_MAX_LOG_N}`);
  }
  return { type: 'scrypt', logN, salt: s.salt, wrapped: s.wrapped };
}

/** Bytes of a wrapped file key (AES-256-GCM of 32 bytes with its tag), the same for every stanza kind. */
export const WRAPPED_KEY_BYTES = WRAPPED_BYTES;
