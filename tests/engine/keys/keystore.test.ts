/**
 * Against a real Secret Service: `npm test` runs vitest inside scripts/with-keyring.sh (a private D-Bus session with
 * a fresh, unlocked GNOME Keyring). Where that is not installed these tests are skipped, and say why.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AeimgWriter } from '../../../src-main/engine/container/aeimg-file.js';
import { AeimgReader } from '../../../src-main/engine/container/aeimg-file.js';
import { ErrorCode } from '../../../src-main/engine/errors.js';
import { exportKey, importKey } from '../../../src-main/engine/keys/export.js';
import { KeyStore } from '../../../src-main/engine/keys/keystore.js';
import { KeytarBackend } from '../../../src-main/engine/keys/secret-backend.js';
import { formatContactCard } from '../../../src-main/engine/keys/x25519.js';
import { ROOT, tempDir } from '../../helpers.js';

const haveKeyring = process.env.AEIMG_TEST_KEYRING === '1';
if (!haveKeyring) {
  console.warn('keychain tests skipped: no private Secret Service (run `npm test`, which starts one through ' +
    'scripts/with-keyring.sh; it needs dbus-run-session and gnome-keyring-daemon on Linux).');
}
const keytar = createRequire(import.meta.url)('keytar') as { getPassword(s: string, a: string): Promise<string | null> };

async function freshStore() {
  const service = `aeimg-test-${randomBytes(4).toString('hex')}`;
  const dir = await tempDir();
  return { store: new KeyStore(new KeytarBackend(service), join(dir, 'keys.json')), service, dir };
}

const PASS = 'seven violet tractors at dawn';

describe.skipIf(!haveKeyring)('the OS keychain (real Secret Service)', () => {
  it('creates, lists, renames and deletes keys; secrets only in the keychain', async () => {
    const { store, service, dir } = await freshStore();
    const k = await store.create('Radiology A');
    expect(k.fingerprint).toMatch(/^([0-9A-F]{4}-){5}[0-9A-F]{4}$/);
    const secret = await keytar.getPassword(service, `key:${k.id}`);
    expect(secret).toHaveLength(44);
    const catalog = await readFile(join(dir, 'keys.json'), 'utf8');
    expect(catalog).toContain('Radiology A');
    expect(catalog).not.toContain(secret!);
    expect((await store.list()).map((x) => x.name)).toEqual(['Radiology A']);
    await store.rename('radiology a', 'Radiology B');
    expect((await store.find('Radiology B')).id).toBe(k.id);
    expect((await store.sharedKey(await store.find(k.fingerprint))).keyId).toBe(k.id);
    await store.delete('Radiology B');
    expect(await store.list()).toEqual([]);
    expect(await keytar.getPassword(service, `key:${k.id}`)).toBeNull();
    const missing = await store.find('Radiology B').catch((e) => e);
    expect(missing.code).toBe(ErrorCode.KeyMissing);
  });

  it('shares a key through a passphrase-protected file: same fingerprint both sides; duplicates refused', async () => {
    const a = await freshStore();
    const b = await freshStore();
    const info = await a.store.create('Radiology A');
    const text = await exportKey(await a.store.sharedKey(info), { name: info.name, created: info.created }, PASS, 15);
    const imported = await importKey(text, PASS);
    const got = await b.store.add(imported.key, imported.name, imported.created);
    expect(got.fingerprint).toBe(info.fingerprint);
    const dup = await b.store.add(imported.key, 'Another name').catch((e) => e);
    expect(dup.code).toBe(ErrorCode.Duplicate);
    expect(dup.message).toMatch(/already in the keychain as 'Radiology A'/);

    // A file encrypted with A's key opens with B's keychain, which finds the key by itself.
    const path = join(a.dir, 'x.aeimg');
    const w = await AeimgWriter.create(path, { recipients: [await a.store.sharedKey(info)], model: 'cd'.repeat(32) });
    await w.add({ kind: 'file' });
    await w.commit();
    const r = await AeimgReader.open(path, (stanzas) => b.store.identitiesFor(stanzas));
    expect((await r.next(() => []))!.meta.kind).toBe('file');
    await r.close();
    const c = await freshStore();
    const err = await AeimgReader.open(path, (stanzas) => c.store.identitiesFor(stanzas)).catch((e) => e);
    expect(err.code).toBe(ErrorCode.WrongKey);
    expect(err.message).toContain(`key fingerprint ${info.fingerprint}, which is not in this keychain`);
  });

  it('encrypts to contacts (several recipients per file) with no secret travelling', async () => {
    const a = await freshStore();
    const b = await freshStore();
    const aliceId = (await a.store.identity(true, 'Alice'))!;
    const bobId = (await b.store.identity(true, 'Bob'))!;
    const sender = await freshStore();
    await sender.store.addContact(formatContactCard('Alice', aliceId.publicKey));
    await sender.store.addContact(formatContactCard('Bob', bobId.publicKey));
    const dupContact = await sender.store.addContact(formatContactCard('Alice again', aliceId.publicKey)).catch((e) => e);
    expect(dupContact.code).toBe(ErrorCode.Duplicate);
    const path = join(sender.dir, 'y.aeimg');
    const w = await AeimgWriter.create(path, { recipients: [await sender.store.contact('Alice'), await sender.store.contact('bob')], model: 'cd'.repeat(32) });
    await w.add({ kind: 'file' });
    await w.commit();
    for (const s of [a.store, b.store]) {
      const r = await AeimgReader.open(path, (st) => s.identitiesFor(st));
      expect((await r.next(() => []))!.meta.kind).toBe('file');
      await r.close();
    }
    // The identity survives a new KeyStore over the same keychain and catalog.
    const again = new KeyStore(new KeytarBackend(a.service), join(a.dir, 'keys.json'));
    expect((await again.identity())!.publicKey.equals(aliceId.publicKey)).toBe(true);
  });
});

const run = promisify(execFile);

describe('without a keychain', () => {
  it('fails with a message that says how to fix it, and writes no key anywhere', async () => {
    const config = await tempDir();
    const env = { ...process.env, AEIMG_CONFIG_DIR: config, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/aeimg-bus', DISPLAY: '' };
    const r = await run(process.execPath, [join(ROOT, 'bin/aeimg.js'), 'keys', 'create', 'Radiology A'], { env })
      .then(() => ({ code: 0, stderr: '' }), (e) => e as { code: number; stderr: string });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/OS keychain is not available/);
    expect(r.stderr).toMatch(/never stores keys in a plain file/);
    expect(await readdir(config)).toEqual([]);
  });

  it('still shows a file\'s public header, which needs no key', async () => {
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/aeimg-bus' };
    const r = await run(process.execPath, [join(ROOT, 'bin/aeimg.js'), 'inspect', join(ROOT, 'tests/vectors/v1-key-3chunks.aeimg')], { env });
    expect(r.stdout).toMatch(/recipients key/);
  });
});
