/**
 * Named shared keys, my X25519 identity and my contacts. Secrets live in the OS keychain (SecretBackend, one entry
 * per key); a catalog file in the config folder holds only what is not secret (names, fingerprints, dates,
 * contacts' public keys), so listing keys never touches a secret.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { AeimgError, ErrorCode, Remedy } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { generateSharedKey } from './keyfile.js';
import { SharedKey, type Identity, type Stanza } from './recipients.js';
import { KeytarBackend, type SecretBackend } from './secret-backend.js';
import { parseContactCard, X25519Identity, X25519Recipient } from './x25519.js';

export interface KeyInfo {
  id: string;
  name: string;
  fingerprint: string;
  created: string;
}

export interface ContactInfo {
  id: string;
  name: string;
  fingerprint: string;
  publicKey: string;
  added: string;
}

interface Catalog {
  version: 1;
  keys: KeyInfo[];
  contacts: ContactInfo[];
  identity?: { name: string; publicKey: string; fingerprint: string; created: string };
}

const IDENTITY_ACCOUNT = 'identity:x25519';
const keyAccount = (id: string) => `key:${id}`;

export function defaultConfigDir(): string {
  if (process.env.AEIMG_CONFIG_DIR) return process.env.AEIMG_CONFIG_DIR;
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'aeimg');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'aeimg');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'aeimg');
}

const same = (a: string, b: string) => a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0;

export class KeyStore {
  constructor(
    private readonly secrets: SecretBackend = new KeytarBackend(),
    readonly catalogPath = join(defaultConfigDir(), 'keys.json'),
  ) {}

  private async load(): Promise<Catalog> {
    try {
      const c = JSON.parse(await readFile(this.catalogPath, 'utf8')) as Catalog;
      if (c.version !== 1 || !Array.isArray(c.keys) || !Array.isArray(c.contacts)) throw new Error('bad catalog');
      return c;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, keys: [], contacts: [] };
      throw new AeimgError(ErrorCode.Io, `the key catalog ${this.catalogPath} is damaged (${(err as Error).message}); restore it from a backup.`);
    }
  }

  private async save(c: Catalog): Promise<void> {
    mkdirSync(join(this.catalogPath, '..'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.catalogPath, Buffer.from(JSON.stringify(c, null, 2)), { force: true, mode: 0o600 });
  }

  async list(): Promise<KeyInfo[]> {
    return (await this.load()).keys;
  }

  /** A key by name, fingerprint or key id. */
  async find(ref: string): Promise<KeyInfo> {
    const keys = await this.list();
    const hit = keys.find((k) => same(k.name, ref)) ??
      keys.find((k) => k.fingerprint === ref.toUpperCase() || k.id === ref.toLowerCase());
    if (!hit) {
      throw new AeimgError(ErrorCode.KeyMissing,
        `no key named '${ref}' in this keychain (keys: ${keys.map((k) => `'${k.name}'`).join(', ') || 'none'}).`,
        { remedy: Remedy.AddKey });
    }
    return hit;
  }

  async create(name: string): Promise<KeyInfo> {
    return this.add(generateSharedKey(name), name);
  }

  /** Stores a key (new or imported); refuses a duplicate key or a name already used. */
  async add(key: SharedKey, name: string, created = new Date().toISOString()): Promise<KeyInfo> {
    const clean = name.trim();
    if (!clean || clean.length > 100 || /[\r\n]/.test(clean)) throw new AeimgError(ErrorCode.Usage, 'a key name must be 1 to 100 characters on one line.');
    const c = await this.load();
    const dup = c.keys.find((k) => k.id === key.keyId);
    if (dup) throw new AeimgError(ErrorCode.Duplicate, `this key is already in the keychain as '${dup.name}' (fingerprint ${dup.fingerprint}).`);
    if (c.keys.some((k) => same(k.name, clean))) throw new AeimgError(ErrorCode.Duplicate, `a key named '${clean}' already exists; choose another name.`);
    await this.secrets.set(keyAccount(key.keyId), key.exportSecret().toString('base64'));
    const info: KeyInfo = { id: key.keyId, name: clean, fingerprint: key.fingerprint, created };
    c.keys.push(info);
    await this.save(c);
    return info;
  }

  async sharedKey(info: KeyInfo): Promise<SharedKey> {
    const secret = await this.secrets.get(keyAccount(info.id));
    if (!secret) {
      throw new AeimgError(ErrorCode.KeyMissing,
        `key '${info.name}' is listed but its secret is not in the OS keychain (was the keychain reset?). Import it again.`);
    }
    return new SharedKey(Buffer.from(secret, 'base64'), info.name);
  }

  async rename(ref: string, newName: string): Promise<KeyInfo> {
    const info = await this.find(ref);
    const c = await this.load();
    if (c.keys.some((k) => k.id !== info.id && same(k.name, newName))) {
      throw new AeimgError(ErrorCode.Duplicate, `a key named '${newName}' already exists.`);
    }
    const k = c.keys.find((x) => x.id === info.id)!;
    k.name = newName.trim();
    await this.save(c);
    return k;
  }

  async delete(ref: string): Promise<KeyInfo> {
    const info = await this.find(ref);
    await this.secrets.delete(keyAccount(info.id));
    const c = await this.load();
    c.keys = c.keys.filter((k) => k.id !== info.id);
    await this.save(c);
    return info;
  }

  /** My X25519 identity; made on first use when `create` is set. */
  async identity(create = false, name = 'me'): Promise<X25519Identity | null> {
    const c = await this.load();
    if (c.identity) {
      const secret = await this.secrets.get(IDENTITY_ACCOUNT);
      if (!secret) throw new AeimgError(ErrorCode.KeyMissing, 'your identity is listed but its secret is not in the OS keychain.');
      return new X25519Identity(Buffer.from(secret, 'base64'), c.identity.name);
    }
    if (!create) return null;
    const { identity, secret } = X25519Identity.generate(name);
    await this.secrets.set(IDENTITY_ACCOUNT, secret.toString('base64'));
    c.identity = { name, publicKey: identity.publicKey.toString('base64'), fingerprint: identity.recipient.fingerprint, created: new Date().toISOString() };
    await this.save(c);
    return identity;
  }

  async contacts(): Promise<ContactInfo[]> {
    return (await this.load()).contacts;
  }

  async addContact(card: string, name?: string): Promise<ContactInfo> {
    const parsed = parseContactCard(card);
    const c = await this.load();
    const r = new X25519Recipient(parsed.publicKey);
    const dup = c.contacts.find((x) => x.id === r.id);
    if (dup) throw new AeimgError(ErrorCode.Duplicate, `this contact is already saved as '${dup.name}' (fingerprint ${dup.fingerprint}).`);
    const info: ContactInfo = {
      id: r.id, name: (name ?? parsed.name).trim() || r.fingerprint, fingerprint: r.fingerprint,
      publicKey: parsed.publicKey.toString('base64'), added: new Date().toISOString(),
    };
    c.contacts.push(info);
    await this.save(c);
    return info;
  }

  async contact(ref: string): Promise<X25519Recipient> {
    const list = await this.contacts();
    const hit = list.find((x) => same(x.name, ref)) ?? list.find((x) => x.fingerprint === ref.toUpperCase());
    if (!hit) {
      throw new AeimgError(ErrorCode.KeyMissing,
        `no contact named '${ref}' (contacts: ${list.map((x) => `'${x.name}'`).join(', ') || 'none'}).`, { remedy: Remedy.AddContact });
    }
    return new X25519Recipient(Buffer.from(hit.publicKey, 'base64'), hit.name);
  }

  /** The keys from this keychain that a file's stanzas ask for (only those secrets are read). */
  async identitiesFor(stanzas: readonly Stanza[]): Promise<Identity[]> {
    const c = await this.load();
    const out: Identity[] = [];
    for (const s of stanzas) {
      if (s.type !== 'key') continue;
      const info = c.keys.find((k) => k.id === s.keyId);
      if (info) out.push(await this.sharedKey(info));
    }
    if (stanzas.some((s) => s.type === 'x25519' || s.type === 'x25519-v2') && c.identity) {
      const me = await this.identity();
      if (me) out.push(me);
    }
    return out;
  }
}
