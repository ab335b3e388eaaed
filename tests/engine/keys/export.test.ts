import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src-main/engine/errors.js';
import { exportKey, importKey, passphraseWeakness } from '../../../src-main/engine/keys/export.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { formatContactCard, parseContactCard, X25519Identity, X25519Recipient } from '../../../src-main/engine/keys/x25519.js';

const PASS = 'violet tractor under seven lamps';
const LOW = 15; // fast scrypt for tests; exports use 2^18

describe('passphrase-protected key export', () => {
  it('round-trips a key, its name and its fingerprint', async () => {
    const key = generateSharedKey('Radiology A');
    const text = await exportKey(key, { name: 'Radiology A', created: '2026-01-02T00:00:00Z' }, PASS, LOW);
    expect(text).not.toContain(key.exportSecret().toString('base64'));
    expect(text).toContain(key.fingerprint);
    const back = await importKey(text, PASS);
    expect(back.key.fingerprint).toBe(key.fingerprint);
    expect(back.key.exportSecret().equals(key.exportSecret())).toBe(true);
    expect(back.name).toBe('Radiology A');
  });

  it('uses strong scrypt parameters by default (N = 2^18)', async () => {
    const text = await exportKey(generateSharedKey(), { name: 'x', created: '' }, PASS);
    expect(JSON.parse(Buffer.from(text.split('\n')[1]!, 'base64').toString()).logN).toBe(18);
  });

  it('refuses a wrong passphrase and a corrupted file with clear messages', async () => {
    const text = await exportKey(generateSharedKey(), { name: 'x', created: '' }, PASS, LOW);
    const wrong = await importKey(text, 'violet tractor under seven lampz').catch((e) => e);
    expect(wrong.code).toBe(ErrorCode.WrongKey);
    expect(wrong.message).toMatch(/passphrase is wrong/);
    const lines = text.split('\n');
    const body = Buffer.from(lines[2]!, 'base64');
    body[5]! ^= 1;
    const corrupted = await importKey([lines[0], lines[1], body.toString('base64')].join('\n'), PASS).catch((e) => e);
    expect(corrupted.code).toBe(ErrorCode.WrongKey);
    const header = Buffer.from(lines[1]!, 'base64').toString().replace('"logN":15', '"logN":16');
    const altered = await importKey([lines[0], Buffer.from(header).toString('base64'), lines[2]].join('\n'), PASS).catch((e) => e);
    expect(altered).toBeInstanceOf(Error);
    expect((await importKey('hello', PASS).catch((e) => e)).message).toMatch(/not an aeimg key export/);
  });

  it.each([
    ['short1!', /shorter than 12/],
    ['aaaaaaaaaaaaaaa', /too few different characters/],
    ['passwordpassword', /one kind of character/],
    ['1234567890123', /only one kind|well-known/],
  ])('refuses the weak passphrase %j with a reason', async (p, why) => {
    expect(passphraseWeakness(p)).toMatch(why);
    const err = await exportKey(generateSharedKey(), { name: 'x', created: '' }, p, LOW).catch((e) => e);
    expect(err.code).toBe(ErrorCode.Usage);
    expect(err.message).toMatch(/too weak/);
  });

  it('accepts passphrases of several words or mixed characters', () => {
    expect(passphraseWeakness(PASS)).toBeNull();
    expect(passphraseWeakness('Tr0ub4dor&3xyz')).toBeNull();
  });
});

describe('X25519 identities and contact cards', () => {
  it('wraps a file key for a contact that only its identity unwraps', async () => {
    const alice = X25519Identity.generate('alice').identity;
    const bob = X25519Identity.generate('bob').identity;
    const card = parseContactCard(formatContactCard('Alice', alice.publicKey));
    expect(card.name).toBe('Alice');
    const stanza = await new X25519Recipient(card.publicKey).wrap(Buffer.alloc(32, 3), (n) => randomBytes(n));
    expect((await alice.unwrap([stanza]))!.equals(Buffer.alloc(32, 3))).toBe(true);
    expect(await bob.unwrap([stanza])).toBeNull();
  });

  it('refuses a card whose fingerprint does not match its key', () => {
    const card = formatContactCard('Alice', X25519Identity.generate().identity.publicKey);
    const forged = card.replace(/fingerprint: (\w{4})/, 'fingerprint: 0000');
    expect(() => parseContactCard(forged)).toThrow(/altered/);
  });
});

describe('secrets stay out of sight', () => {
  it('a key printed, logged or serialised shows no secret', async () => {
    const { inspect } = await import('node:util');
    const key = generateSharedKey('Radiology A');
    const secretB64 = key.exportSecret().toString('base64');
    const secretHex = key.exportSecret().toString('hex');
    for (const shown of [inspect(key, { depth: 5, showHidden: true }), JSON.stringify(key), String(key), key.description]) {
      expect(shown).not.toContain(secretB64);
      expect(shown).not.toContain(secretHex);
    }
  });
});
