/**
 * Hostile headers: key-derivation cost (scrypt), stanza types this version does not know, and contact stanzas.
 * scryptKey is wrapped so the tests see every derivation, and so a derivation above 2^18 fails at once instead of
 * taking a minute and gigabytes.
 */
import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AeimgReader, AeimgWriter } from '../../../src-main/engine/container/aeimg-file.js';
import { gcmSeal, hkdf } from '../../../src-main/engine/crypto/primitives.js';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import { Passphrase, SharedKey, type Identity, type Recipient, type Stanza } from '../../../src-main/engine/keys/recipients.js';
import { X25519Identity, X25519Recipient } from '../../../src-main/engine/keys/x25519.js';
import { tempDir } from '../../helpers.js';
import { cliMessage } from '../../../src-main/cli/remedy.js';
import { appMessage } from '../../../src-main/app/service/remedy.js';

const derivations = vi.hoisted(() => [] as number[]);
vi.mock('../../../src-main/engine/crypto/primitives.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../../src-main/engine/crypto/primitives.js')>();
  return {
    ...orig,
    scryptKey: async (pass: string, salt: Uint8Array, params: { logN: number; r: number; p: number }) => {
      derivations.push(params.logN);
      if (params.logN > 18) throw new Error(`test: scrypt at 2^${params.logN} would have run`);
      return orig.scryptKey(pass, salt, params);
    },
  };
});

const PASS = 'correct horse battery staple';
const MODEL = 'ab'.repeat(32);
const b64 = (n: number) => randomBytes(n).toString('base64');

/** A recipient that writes a given stanza as is (a forged or future header). */
const literal = (stanza: object | ((fileKey: Buffer) => object)): Recipient => ({
  wrap: async (fileKey) => (typeof stanza === 'function' ? stanza(fileKey) : stanza) as Stanza,
});

async function fileFor(recipients: Recipient[]): Promise<string> {
  const path = join(await tempDir(), 'f.aeimg');
  const w = await AeimgWriter.create(path, { recipients, model: MODEL });
  await w.add({ kind: 'file', app: 'test', created: '' });
  await w.commit();
  derivations.length = 0;
  return path;
}

async function openWith(path: string, identities: Identity[]): Promise<AeimgError | 'opened'> {
  try {
    const r = await AeimgReader.open(path, identities);
    await r.next(() => []);
    await r.close();
    return 'opened';
  } catch (err) {
    return err as AeimgError;
  }
}

beforeEach(() => {
  derivations.length = 0;
  delete process.env.AEIMG_MAX_SCRYPT_LOG_N;
});
afterEach(() => {
  delete process.env.AEIMG_MAX_SCRYPT_LOG_N;
});

describe('scrypt cannot be used to make a reader work for hours', () => {
  it('refuses a passphrase stanza beside other stanzas, before deriving anything', async () => {
    const key = new SharedKey(Buffer.alloc(32, 1));
    const forged = () => literal({ type: 'scrypt', logN: 15, salt: b64(16), wrapped: b64(48) });
    const twoPass = await fileFor([forged(), forged()]);
    const err = await openWith(twoPass, [new Passphrase(PASS)]);
    expect(err).toBeInstanceOf(AeimgError);
    expect((err as AeimgError).message).toMatch(/^f\.aeimg: .*passphrase stanza must be the only one/);
    expect(derivations).toEqual([]);
    const mixed = await fileFor([key, forged()]);
    expect(((await openWith(mixed, [key])) as AeimgError).message).toMatch(/passphrase stanza must be the only one/);
  });

  it('will not write a passphrase together with other keys', async () => {
    const err = await fileFor([new Passphrase(PASS, 15), new SharedKey(Buffer.alloc(32, 1))]).catch((e) => e);
    expect(err).toBeInstanceOf(AeimgError);
    expect(err.code).toBe(ErrorCode.Usage);
    expect(err.message).toMatch(/passphrase cannot be combined with other keys/);
  });

  it('refuses a work factor above the limit by name, without deriving, and says how to raise the limit', async () => {
    const path = await fileFor([literal({ type: 'scrypt', logN: 22, salt: b64(16), wrapped: b64(48) })]);
    const err = await openWith(path, [new Passphrase(PASS)]);
    expect(err).toBeInstanceOf(AeimgError);
    expect((err as AeimgError).code).toBe(ErrorCode.TooLarge);
    expect((err as AeimgError).message).toMatch(/work factor of 2\^22, above the limit of 2\^18/);
    expect(derivations).toEqual([]);
    // What to do, in each front end's words (0.51: the app's reader was told to set an environment variable).
    expect(cliMessage(err)).toMatch(/\. If you trust the sender, run again with AEIMG_MAX_SCRYPT_LOG_N=22\.$/);
    expect(appMessage(err)).toMatch(/\. It asks this computer for 16 times the work of the files aeimg writes, .*: ask the sender to send it again with aeimg, or for a key you share\.$/);
    expect(appMessage(err)).not.toMatch(/AEIMG_|--/);
  });

  it('AEIMG_MAX_SCRYPT_LOG_N moves the limit', async () => {
    const path = await fileFor([new Passphrase(PASS, 15)]);
    process.env.AEIMG_MAX_SCRYPT_LOG_N = '14';
    expect(((await openWith(path, [new Passphrase(PASS)])) as AeimgError).message).toMatch(/above the limit of 2\^14/);
    expect(derivations).toEqual([]);
    process.env.AEIMG_MAX_SCRYPT_LOG_N = '15';
    expect(await openWith(path, [new Passphrase(PASS)])).toBe('opened');
    process.env.AEIMG_MAX_SCRYPT_LOG_N = 'lots';
    expect(((await openWith(path, [new Passphrase(PASS)])) as AeimgError).message).toMatch(/AEIMG_MAX_SCRYPT_LOG_N must be a whole number from 14 to 22/);
  });

  it('derives once per file, however often the file is opened (study discovery, then decryption)', async () => {
    const path = await fileFor([new Passphrase(PASS, 15)]);
    const reader = new Passphrase(PASS);
    for (let i = 0; i < 3; i++) expect(await openWith(path, [reader])).toBe('opened');
    expect(derivations).toEqual([15]);
    const wrong = new Passphrase('not the passphrase at all');
    for (let i = 0; i < 2; i++) expect(((await openWith(path, [wrong])) as AeimgError).code).toBe(ErrorCode.WrongKey);
    expect(derivations).toEqual([15, 15]);
  });
});

describe('stanza types', () => {
  const future = { type: 'pq-kem-7', ciphertext: b64(1100) };

  it('skips a stanza type it does not know when a known one unwraps', async () => {
    const key = new SharedKey(Buffer.alloc(32, 2));
    const path = await fileFor([literal(future), key]);
    expect(await openWith(path, [key])).toBe('opened');
  });

  it('says "update aeimg" when only the unknown stanza could be for this reader', async () => {
    const path = await fileFor([literal(future), new SharedKey(Buffer.alloc(32, 2))]);
    const err = await openWith(path, [new SharedKey(Buffer.alloc(32, 3))]);
    expect((err as AeimgError).code).toBe(ErrorCode.WrongKey);
    expect((err as AeimgError).message).toMatch(/a key type this version of aeimg does not know \(pq-kem-7\).*update aeimg/i);
  });

  it('contact stanzas no longer name the recipient in the clear; only the identity opens them', async () => {
    const alice = X25519Identity.generate('alice').identity;
    const bob = X25519Identity.generate('bob').identity;
    const path = await fileFor([new X25519Recipient(bob.publicKey), new X25519Recipient(alice.publicKey)]);
    const header = (await readFile(path)).toString('latin1');
    for (const who of [alice, bob]) {
      expect(header).not.toContain(who.recipient.id);
      expect(header.toLowerCase()).not.toContain(who.recipient.fingerprint.replace(/-/g, '').toLowerCase());
      expect(await openWith(path, [who])).toBe('opened');
    }
    const carol = X25519Identity.generate('carol').identity;
    const err = await openWith(path, [carol]);
    expect((err as AeimgError).code).toBe(ErrorCode.WrongKey);
    expect((err as AeimgError).message).toMatch(/a contact's public key/);
  });

  it('still reads contact stanzas of aeimg 0.3 and earlier, which named the recipient', async () => {
    const alice = X25519Identity.generate('alice').identity;
    const path = await fileFor([literal((fileKey) => legacyContactStanza(alice.publicKey, fileKey))]);
    expect(await openWith(path, [alice])).toBe('opened');
  });

  it.each(['x25519', 'x25519-v2'])('a low-order ephemeral key (%s) is a clear error, not OpenSSL text', async (type) => {
    const alice = X25519Identity.generate('alice').identity;
    const stanza = { ...legacyContactStanza(alice.publicKey, randomBytes(32)), type, ephemeral: Buffer.alloc(32).toString('base64') };
    if (type === 'x25519-v2') delete (stanza as { recipient?: string }).recipient;
    const err = await openWith(await fileFor([literal(stanza)]), [alice]);
    expect(err).toBeInstanceOf(AeimgError);
    expect((err as AeimgError).message).toMatch(/^f\.aeimg: .*contact stanza .*invalid ephemeral key.*altered/);
    expect((err as AeimgError).message).not.toMatch(/error:|openssl|failed during/i);
  });
});

/** The x25519 stanza as aeimg 0.1 to 0.3 wrote it (docs/format.md, "Older files"). */
function legacyContactStanza(recipientPub: Buffer, fileKey: Buffer): object {
  const eph = generateKeyPairSync('x25519');
  const ephPub = Buffer.from(eph.publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const recipientKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: recipientPub.toString('base64url') }, format: 'jwk' });
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipientKey });
  const wrapKey = hkdf(shared, Buffer.concat([ephPub, recipientPub]), 'aeimg v1 x25519');
  const id = createHash('sha256').update('aeimg v1 x25519 recipient').update(recipientPub).digest('hex').slice(0, 32);
  return { type: 'x25519', recipient: id, ephemeral: ephPub.toString('base64'), wrapped: gcmSeal(wrapKey, Buffer.alloc(12), fileKey).toString('base64') };
}
