/**
 * Where secrets live. The one real backend is the OS keychain through keytar (macOS Keychain, Windows Credential
 * Vault, Secret Service on Linux). keytar is archived upstream; everything goes through this interface so it can be
 * replaced (e.g. by Electron's safeStorage in the app, or @napi-rs/keyring) without touching the rest.
 * There is no plaintext fallback: without a keychain, operations fail with a message that says how to fix it.
 */
import { createRequire } from 'node:module';
import { AeimgError, ErrorCode } from '../errors.js';

export interface SecretBackend {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export const KEYCHAIN_SERVICE = 'aeimg';

const HOW_TO_FIX: Record<string, string> = {
  linux: 'Start and unlock a Secret Service keyring (GNOME Keyring or KWallet): log in to a desktop session, or run ' +
    '`dbus-run-session -- sh -c "gnome-keyring-daemon --unlock --components=secrets; aeimg …"` on a headless machine.',
  darwin: 'Unlock the login keychain (Keychain Access) and try again.',
  win32: 'Make sure the Windows Credential Manager service is running for your account.',
};

export function keychainUnavailable(detail: string): AeimgError {
  return new AeimgError(ErrorCode.KeychainUnavailable,
    `the OS keychain is not available (${detail.split('\n')[0]!.slice(0, 160)}). ` +
    `${HOW_TO_FIX[process.platform] ?? 'Unlock your keychain and try again.'} ` +
    'aeimg never stores keys in a plain file instead.');
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export class KeytarBackend implements SecretBackend {
  private keytar: Keytar | undefined;

  constructor(private readonly service = process.env.AEIMG_KEYCHAIN_SERVICE || KEYCHAIN_SERVICE) {}

  private load(): Keytar {
    if (!this.keytar) {
      try {
        this.keytar = createRequire(import.meta.url)('keytar') as Keytar;
      } catch (err) {
        throw keychainUnavailable(`the keytar module could not load: ${(err as Error).message}`);
      }
    }
    return this.keytar;
  }

  private async call<T>(op: (k: Keytar) => Promise<T>): Promise<T> {
    const k = this.load();
    try {
      return await op(k);
    } catch (err) {
      throw keychainUnavailable((err as Error).message ?? String(err));
    }
  }

  get(account: string) {
    return this.call((k) => k.getPassword(this.service, account));
  }
  set(account: string, secret: string) {
    return this.call((k) => k.setPassword(this.service, account, secret));
  }
  delete(account: string) {
    return this.call((k) => k.deletePassword(this.service, account));
  }
}
