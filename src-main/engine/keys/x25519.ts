/**
 * Public-key recipients (age-style X25519 stanzas): a file key wrapped for a contact's public key, so no secret
 * has to travel. wrapKey = HKDF-SHA-256(X25519(ephemeral, recipient), salt = ephemeralPub || recipientPub,
 * info = "aeimg v1 x25519").
 * Stanzas say nothing about whom they are for (as in age): an identity tries each one. aeimg 0.2 and earlier wrote
 * the recipient's id beside it (type `x25519`), which linked every file sent to one person; those are still read.
 */
import { createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AeimgError, ErrorCode } from '../errors.js';
import { gcmOpen, gcmSeal, GCM_NONCE_BYTES, hkdf, KEY_BYTES, type RandomSource } from '../crypto/primitives.js';
import { badStanza, formatFingerprint, isB64Of, WRAPPED_KEY_BYTES, type Identity, type Recipient, type Stanza } from './recipients.js';

export interface X25519Stanza {
  type: 'x25519-v2';
  ephemeral: string;
  wrapped: string;
}

/** As aeimg 0.2 and earlier wrote it: read, never written. */
export interface LegacyX25519Stanza {
  type: 'x25519';
  /** 32 hex: who the stanza is for (hash of the recipient's public key), in the clear. */
  recipient: string;
  ephemeral: string;
  wrapped: string;
}

const ZERO_NONCE = Buffer.alloc(GCM_NONCE_BYTES);
const b64url = (b: Uint8Array) => Buffer.from(b).toString('base64url');

function publicKeyObject(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(raw) }, format: 'jwk' });
}

// PKCS#8 wrapping of a raw X25519 private key (RFC 8410).
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

function privateKeyObject(secret: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, secret]), format: 'der', type: 'pkcs8' });
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
}

export function recipientIdOf(publicKey: Uint8Array): string {
  return createHash('sha256').update('aeimg v1 x25519 recipient').update(publicKey).digest('hex').slice(0, 32);
}

function wrapKeyFor(shared: Buffer, ephemeralPub: Uint8Array, recipientPub: Uint8Array): Buffer {
  return hkdf(shared, Buffer.concat([ephemeralPub, recipientPub]), 'aeimg v1 x25519');
}

/** A contact's public key. */
export class X25519Recipient implements Recipient {
  readonly id: string;
  readonly fingerprint: string;

  constructor(readonly publicKey: Buffer, readonly label = '') {
    if (publicKey.length !== 32) throw new AeimgError(ErrorCode.BadInput, 'an X25519 public key must be 32 bytes.');
    this.id = recipientIdOf(publicKey);
    this.fingerprint = formatFingerprint(this.id);
  }

  async wrap(fileKey: Buffer, random: RandomSource): Promise<X25519Stanza> {
    // The ephemeral secret comes from the writer's random source: the CSPRNG, or a seeded one for test vectors.
    const ephPrivate = privateKeyObject(random(KEY_BYTES));
    const ephPub = rawPublic(createPublicKey(ephPrivate));
    const shared = diffieHellman({ privateKey: ephPrivate, publicKey: publicKeyObject(this.publicKey) });
    const wrapped = gcmSeal(wrapKeyFor(shared, ephPub, this.publicKey), ZERO_NONCE, fileKey);
    return { type: 'x25519-v2', ephemeral: ephPub.toString('base64'), wrapped: wrapped.toString('base64') };
  }
}

/** My own X25519 identity; the secret lives in the keychain. */
export class X25519Identity implements Identity {
  readonly publicKey: Buffer;
  readonly recipient: X25519Recipient;
  readonly #private: KeyObject;

  constructor(secret: Uint8Array, readonly label = '') {
    if (secret.length !== KEY_BYTES) throw new AeimgError(ErrorCode.BadInput, 'an X25519 secret must be 32 bytes.');
    this.#private = privateKeyObject(secret);
    this.publicKey = rawPublic(createPublicKey(this.#private));
    this.recipient = new X25519Recipient(this.publicKey, label);
  }

  static generate(label = ''): { identity: X25519Identity; secret: Buffer } {
    const pair = generateKeyPairSync('x25519');
    const secret = Buffer.from(pair.privateKey.export({ format: 'jwk' }).d!, 'base64url');
    return { identity: new X25519Identity(secret, label), secret };
  }

  get description(): string {
    return `your identity (fingerprint ${this.recipient.fingerprint})`;
  }

  async unwrap(stanzas: readonly Stanza[]): Promise<Buffer | null> {
    for (const s of stanzas) {
      if (s.type !== 'x25519' && s.type !== 'x25519-v2') continue;
      const named = s.type === 'x25519';
      if (named && s.recipient !== this.recipient.id) continue;
      const ephPub = Buffer.from(s.ephemeral, 'base64');
      const fileKey = gcmOpen(wrapKeyFor(this.#agree(ephPub), ephPub, this.publicKey), ZERO_NONCE, Buffer.from(s.wrapped, 'base64'));
      if (fileKey?.length === KEY_BYTES) return fileKey;
      // A stanza that names us and fails is damage; an anonymous one that fails is someone else's.
      if (named) throw new AeimgError(ErrorCode.Tampered, 'the recipient stanza in the header does not authenticate: the file was altered or damaged.');
    }
    return null;
  }

  /** X25519 with an ephemeral key from a file: a low-order point (shared secret all zeros) is refused by name. */
  #agree(ephemeralPub: Buffer): Buffer {
    try {
      return diffieHellman({ privateKey: this.#private, publicKey: publicKeyObject(ephemeralPub) });
    } catch {
      throw new AeimgError(ErrorCode.Tampered,
        'has a contact stanza with an invalid ephemeral key (a low-order point, which no sender makes): the file was altered or damaged.');
    }
  }
}

/** A contact stanza's fields (`x25519-v2`: the ephemeral key and the wrapped file key, nothing about whom it is for). */
export function parseX25519Stanza(s: Record<string, unknown>): X25519Stanza {
  if (!isB64Of(s.wrapped, WRAPPED_KEY_BYTES)) throw badStanza('wrapped key');
  if (!isB64Of(s.ephemeral, 32)) throw badStanza('ephemeral key');
  return { type: 'x25519-v2', ephemeral: s.ephemeral, wrapped: s.wrapped };
}

/** The contact stanza as aeimg 0.2 and earlier wrote it, with the recipient's id. */
export function parseLegacyX25519Stanza(s: Record<string, unknown>): LegacyX25519Stanza {
  if (!isB64Of(s.wrapped, WRAPPED_KEY_BYTES)) throw badStanza('wrapped key');
  if (typeof s.recipient !== 'string' || !/^[0-9a-f]{32}$/.test(s.recipient)) throw badStanza('recipient');
  if (!isB64Of(s.ephemeral, 32)) throw badStanza('ephemeral key');
  return { type: 'x25519', recipient: s.recipient, ephemeral: s.ephemeral, wrapped: s.wrapped };
}

const CARD_TAG = 'AEIMG-CONTACT-1';

/** A contact card: public, safe to e-mail; the receiver checks the fingerprint by phone. */
export function formatContactCard(name: string, publicKey: Buffer): string {
  const r = new X25519Recipient(publicKey);
  return `${CARD_TAG}\nname: ${name.replace(/[\r\n]/g, ' ')}\nx25519: ${publicKey.toString('base64')}\nfingerprint: ${r.fingerprint}\n`;
}

export function parseContactCard(text: string): { name: string; publicKey: Buffer; fingerprint: string } {
  const lines = text.split(/\r?\n/);
  const bad = () => new AeimgError(ErrorCode.BadInput, 'is not an aeimg contact card (made by `aeimg keys identity`).');
  if (lines[0]?.trim() !== CARD_TAG) throw bad();
  const field = (k: string) => lines.find((l) => l.startsWith(`${k}: `))?.slice(k.length + 2).trim();
  const pub = Buffer.from(field('x25519') ?? '', 'base64');
  if (pub.length !== 32) throw bad();
  const fingerprint = new X25519Recipient(pub).fingerprint;
  const stated = field('fingerprint');
  if (stated && stated !== fingerprint) {
    throw new AeimgError(ErrorCode.Tampered, `has a fingerprint (${stated}) that does not match its key (${fingerprint}): the card was altered.`);
  }
  return { name: field('name') ?? '', publicKey: pub, fingerprint };
}
