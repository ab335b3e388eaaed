/**
 * Sharing a shared key safely: a passphrase-protected key file (scrypt N = 2^18, r = 8, p = 1, then AES-256-GCM,
 * with the file's own header as associated data). Weak passphrases are refused with a reason.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { gcmOpen, gcmSeal, KEY_BYTES, scryptKey, secureRandom } from '../crypto/primitives.js';
import { SharedKey } from './recipients.js';
import { MAX_PASSPHRASE_LENGTH } from '../../../src-shared/api.js';

const TAG = 'AEIMG-KEY-EXPORT-1';
export const EXPORT_LOG_N = 18;
const MIN_LOG_N = 15;
const MAX_LOG_N = 22;
export const MIN_PASSPHRASE_CHARS = 12;

/** Null when strong enough, else the reason in words. */
export function passphraseWeakness(p: string): string | null {
  if (p.length < MIN_PASSPHRASE_CHARS) return `it is shorter than ${MIN_PASSPHRASE_CHARS} characters`;
  if (new Set(p).size < 6) return 'it repeats too few different characters';
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(p)).length;
  const words = p.trim().split(/[\s\-_.]+/).filter((w) => w.length >= 3).length;
  if (classes < 2 && words < 3 && p.length < 20) {
    return 'it uses only one kind of character; use 3 or more words, or mix letters, digits and symbols';
  }
  if (/^(.)\1+$|^(0123456789|1234567890|abcdefghijkl|qwertyuiop|password)/i.test(p)) return 'it is a well-known pattern';
  return null;
}

/**
 * Refuses a passphrase too weak to protect a file or a key export, with why and what would do (the CLI's and the
 * app's words alike since 0.51: a file protected by a guessable passphrase is not protected).
 */
export function checkPassphraseStrength(p: string): void {
  // What the app's one-line field can take, so that every file written with a passphrase opens there too (0.51).
  if (/[\r\n]/.test(p)) throw new AeimgError(ErrorCode.Usage, 'the passphrase holds a line break: write it on one line (the app takes one line).');
  if (p.length > MAX_PASSPHRASE_LENGTH) {
    throw new AeimgError(ErrorCode.Usage, `the passphrase is longer than ${MAX_PASSPHRASE_LENGTH} characters, more than the app takes: use a shorter one.`);
  }
  const weak = passphraseWeakness(p);
  if (weak) {
    throw new AeimgError(ErrorCode.Usage,
      `the passphrase is too weak: ${weak}. Use ${MIN_PASSPHRASE_CHARS} or more characters: several words, or letters mixed with digits and symbols.`);
  }
}

export interface KeyExportBody {
  name: string;
  created: string;
}

export async function exportKey(key: SharedKey, meta: KeyExportBody, passphrase: string, logN = EXPORT_LOG_N): Promise<string> {
  checkPassphraseStrength(passphrase);
  const salt = secureRandom(16);
  const nonce = secureRandom(12);
  const header = JSON.stringify({ v: 1, kdf: 'scrypt', logN, r: 8, p: 1, salt: salt.toString('base64'), nonce: nonce.toString('base64'), fingerprint: key.fingerprint });
  const body = Buffer.from(JSON.stringify({ ...meta, secret: key.exportSecret().toString('base64') }), 'utf8');
  const wrapKey = await scryptKey(passphrase, salt, { logN, r: 8, p: 1 });
  const sealed = gcmSeal(wrapKey, nonce, body, Buffer.from(header, 'utf8'));
  return `${TAG}\n${Buffer.from(header).toString('base64')}\n${sealed.toString('base64')}\n# aeimg key '${meta.name.replace(/[\r\n]/g, ' ')}', fingerprint ${key.fingerprint}\n`;
}

export async function importKey(text: string, passphrase: string): Promise<{ key: SharedKey } & KeyExportBody> {
  const lines = text.split(/\r?\n/);
  const notOurs = () => new AeimgError(ErrorCode.BadInput, 'is not an aeimg key export (made by `aeimg keys export`).');
  if (lines[0]?.trim() !== TAG || !lines[1] || !lines[2]) throw notOurs();
  const headerText = Buffer.from(lines[1].trim(), 'base64').toString('utf8');
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(headerText);
  } catch {
    throw new AeimgError(ErrorCode.Tampered, 'is damaged (its header is unreadable).');
  }
  if (h.v !== 1 || h.kdf !== 'scrypt' || typeof h.logN !== 'number' || h.logN < MIN_LOG_N || h.logN > MAX_LOG_N ||
    h.r !== 8 || h.p !== 1 || typeof h.salt !== 'string' || typeof h.nonce !== 'string') {
    throw new AeimgError(ErrorCode.Tampered, 'is damaged or uses parameters aeimg does not accept.');
  }
  const wrapKey = await scryptKey(passphrase, Buffer.from(h.salt, 'base64'), { logN: h.logN, r: 8, p: 1 });
  const body = gcmOpen(wrapKey, Buffer.from(h.nonce, 'base64'), Buffer.from(lines[2].trim(), 'base64'), Buffer.from(headerText, 'utf8'));
  if (!body) {
    throw new AeimgError(ErrorCode.WrongKey, 'could not be opened: the passphrase is wrong, or the file was altered.');
  }
  const b = JSON.parse(body.toString('utf8')) as { name: string; created: string; secret: string };
  const secret = Buffer.from(b.secret, 'base64');
  if (secret.length !== KEY_BYTES) throw new AeimgError(ErrorCode.Tampered, 'holds a key of the wrong size.');
  return { key: new SharedKey(secret, b.name), name: b.name, created: b.created };
}
