/** Shared key files: `aeimg keygen` writes them, `--key-file` reads them. */
import { readFile } from 'node:fs/promises';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import { KEY_BYTES, secureRandom } from '../crypto/primitives.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { SharedKey } from './recipients.js';

const TEXT_TAG = 'AEIMG-SHARED-KEY-1';
const MAX_KEY_FILE_BYTES = 4096;

export function generateSharedKey(label = ''): SharedKey {
  return new SharedKey(secureRandom(KEY_BYTES), label);
}

/** Text form: a tag line, then the key in base64; readable, e-mail safe and recognisable. */
export function formatKeyFile(key: SharedKey): string {
  return `${TEXT_TAG}\n${key.exportSecret().toString('base64')}\n# fingerprint ${key.fingerprint}\n`;
}

/** Reads a key file in the text form, or a raw 32-byte file. */
export async function readKeyFile(path: string): Promise<SharedKey> {
  const label = path.split(/[\\/]/).pop()!.replace(/\.[^.]*$/, '');
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw inFile(path, err);
  }
  if (data.length === KEY_BYTES && !data.toString('latin1').startsWith(TEXT_TAG.slice(0, 8))) {
    return new SharedKey(data, label);
  }
  const lines = data.length <= MAX_KEY_FILE_BYTES ? data.toString('utf8').split(/\r?\n/) : [];
  if (lines[0]?.trim() === TEXT_TAG) {
    const secret = Buffer.from(lines[1]?.trim() ?? '', 'base64');
    if (secret.length === KEY_BYTES) return checkedFingerprint(path, new SharedKey(secret, label), lines);
  }
  throw inFile(path, new AeimgError(ErrorCode.BadInput,
    'is not an aeimg key file (expected the file written by `aeimg keygen`, or exactly 32 raw bytes).'));
}

/**
 * The key, where the file's "# fingerprint" line (keygen writes one) names it. A changed character in the key line still
 * decodes to 32 bytes: without this check such a file would encrypt for a key nobody else holds.
 */
function checkedFingerprint(path: string, key: SharedKey, lines: string[]): SharedKey {
  const stated = lines.map((l) => /^#\s*fingerprint\s+(\S+)/i.exec(l.trim())?.[1]).find((f) => f !== undefined);
  if (stated === undefined || stated.toUpperCase() === key.fingerprint) return key;
  throw inFile(path, new AeimgError(ErrorCode.BadInput,
    `is damaged: it states fingerprint ${stated}, but its key has fingerprint ${key.fingerprint}. ` +
    'Nothing was encrypted or decrypted with it. Get a fresh copy of the key file from the one who made it or sent it to you.'));
}

export async function writeKeyFile(path: string, key: SharedKey, force = false): Promise<void> {
  await writeFileAtomic(path, Buffer.from(formatKeyFile(key), 'utf8'), { force, mode: 0o600 });
}
