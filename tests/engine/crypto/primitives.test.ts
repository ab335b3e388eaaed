import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gcmOpen, gcmSeal, hkdf } from '../../../src-main/engine/crypto/primitives.js';
import { ROOT } from '../../helpers.js';

const vectors = JSON.parse(readFileSync(join(ROOT, 'tests/vectors/aes-256-gcm.json'), 'utf8')).vectors as Record<string, string>[];
const hex = (s: string) => Buffer.from(s, 'hex');

describe('AES-256-GCM wrapper against published vectors', () => {
  it.each(vectors.map((v) => [`${v.source} ${v.tcId}`, v] as const))('%s seals and opens', (_name, v) => {
    const sealed = gcmSeal(hex(v.key!), hex(v.iv!), hex(v.msg!), hex(v.aad!));
    expect(sealed.toString('hex')).toBe(v.ct! + v.tag!);
    expect(gcmOpen(hex(v.key!), hex(v.iv!), sealed, hex(v.aad!))?.toString('hex')).toBe(v.msg);
  });

  it('refuses every single-bit change of ciphertext, tag or AAD', () => {
    const v = vectors.at(-1)!; // the one with AAD
    const sealed = gcmSeal(hex(v.key!), hex(v.iv!), hex(v.msg!), hex(v.aad!));
    for (let bit = 0; bit < sealed.length * 8; bit += 7) {
      const bad = Buffer.from(sealed);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(gcmOpen(hex(v.key!), hex(v.iv!), bad, hex(v.aad!))).toBeNull();
    }
    const aad = hex(v.aad!);
    aad[0]! ^= 1;
    expect(gcmOpen(hex(v.key!), hex(v.iv!), sealed, aad)).toBeNull();
  });
});

describe('HKDF-SHA-256', () => {
  it('matches RFC 5869 test case 1', () => {
    const okm = hkdf(Buffer.alloc(22, 0x0b), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42);
    expect(okm.toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });
});
