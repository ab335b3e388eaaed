import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatKeyFile, generateSharedKey, readKeyFile, writeKeyFile } from '../../../src-main/engine/keys/keyfile.js';
import { tempDir } from '../../helpers.js';

describe('key files', () => {
  it('a key file whose key line was changed (its fingerprint line kept) is refused, naming the file, both fingerprints and what to do', async () => {
    const dir = await tempDir();
    const key = generateSharedKey();
    await writeKeyFile(join(dir, 'k.key'), key);
    const lines = (await readFile(join(dir, 'k.key'), 'utf8')).split('\n');
    // One character of the base64 changed, as a mail program or an editor might: it still decodes to 32 bytes.
    lines[1] = `${lines[1]![0] === 'A' ? 'B' : 'A'}${lines[1]!.slice(1)}`;
    await writeFile(join(dir, 'dmg.key'), lines.join('\n'));
    const err = await readKeyFile(join(dir, 'dmg.key')).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/^dmg\.key: is damaged: it states fingerprint /);
    expect(message).toContain(`states fingerprint ${key.fingerprint}, but its key has fingerprint `);
    expect(message).toMatch(/has fingerprint [0-9A-F]{4}(-[0-9A-F]{4}){5}\. /);
    expect(message).toContain('Get a fresh copy of the key file from the one who made it or sent it to you.');
  });

  it('a key file without a fingerprint line, or with its fingerprint in lower case, still reads', async () => {
    const dir = await tempDir();
    const key = generateSharedKey();
    const [tag, secret] = formatKeyFile(key).split('\n');
    await writeFile(join(dir, 'bare.key'), `${tag}\n${secret}\n`);
    await writeFile(join(dir, 'lower.key'), `${tag}\n${secret}\n# fingerprint ${key.fingerprint.toLowerCase()}\n`);
    expect((await readKeyFile(join(dir, 'bare.key'))).fingerprint).toBe(key.fingerprint);
    expect((await readKeyFile(join(dir, 'lower.key'))).fingerprint).toBe(key.fingerprint);
  });
});
