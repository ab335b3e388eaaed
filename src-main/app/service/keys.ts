/** The app's keychain screen over the engine's KeyStore: what the window may see of keys (names, fingerprints). */
import { readFile } from 'node:fs/promises';
import type { ContactInfo, KeyInfo, KeyList, RecipientRef } from '../../../src-shared/api.js';
import { writeFileAtomic } from '../../engine/fs/atomic.js';
import { checkPassphraseStrength, exportKey, importKey } from '../../engine/keys/export.js';
import type { KeyStore } from '../../engine/keys/keystore.js';
import { Passphrase, type Recipient } from '../../engine/keys/recipients.js';
import { formatContactCard } from '../../engine/keys/x25519.js';

const keyInfo = ({ name, fingerprint, created }: KeyInfo): KeyInfo => ({ name, fingerprint, created });

export class AppKeys {
  constructor(
    readonly store: KeyStore,
    private readonly chooseSavePath: (defaultName: string, format: string) => Promise<string | null>,
  ) {}

  /** The recipient a request names: a key, a contact's card, or a passphrase the sender typed (checked for strength). */
  async recipient(ref: RecipientRef): Promise<Recipient> {
    if (ref.kind === 'passphrase') {
      checkPassphraseStrength(ref.passphrase);
      return new Passphrase(ref.passphrase);
    }
    if (ref.kind === 'contact') return this.store.contact(ref.name);
    return this.store.sharedKey(await this.store.find(ref.name));
  }

  async list(): Promise<KeyList> {
    const keys = (await this.store.list()).map(keyInfo);
    const contacts = (await this.store.contacts()).map(({ name, fingerprint, added }) => ({ name, fingerprint, added }));
    let keychain: KeyList['keychain'] = { available: true };
    try {
      await this.store.identity(false);
    } catch (err) {
      keychain = { available: false, reason: (err as Error).message };
    }
    return { keys, contacts, keychain };
  }

  async create(name: string): Promise<KeyInfo> {
    return keyInfo(await this.store.create(name));
  }

  async remove(name: string): Promise<KeyInfo> {
    return keyInfo(await this.store.delete(name));
  }

  /** Exports where the user says in the save dialog (opened in main); null when they cancel it. */
  async exportKey(name: string, passphrase: string): Promise<{ path: string } | null> {
    checkPassphraseStrength(passphrase);
    const info = await this.store.find(name);
    const target = await this.chooseSavePath(`${info.name}.aeimg-key`, 'aeimg-key');
    if (!target) return null;
    const text = await exportKey(await this.store.sharedKey(info), { name: info.name, created: info.created }, passphrase);
    await writeFileAtomic(target, Buffer.from(text), { force: true, mode: 0o600 });
    return { path: target };
  }

  async importKey(path: string, passphrase: string, name?: string): Promise<KeyInfo> {
    const { key, ...meta } = await importKey(await readFile(path, 'utf8'), passphrase);
    return keyInfo(await this.store.add(key, name || meta.name, meta.created));
  }

  async addContact(path: string, name?: string): Promise<ContactInfo> {
    const c = await this.store.addContact(await readFile(path, 'utf8'), name);
    return { name: c.name, fingerprint: c.fingerprint, added: c.added };
  }

  async myCard(): Promise<{ card: string; fingerprint: string }> {
    const id = (await this.store.identity(true))!;
    return { card: formatContactCard('me', id.publicKey), fingerprint: id.recipient.fingerprint };
  }
}
