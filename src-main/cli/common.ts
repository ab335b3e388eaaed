/** What every CLI command shares: key options, printing, and the exit-status rule. */
import { readFile } from 'node:fs/promises';
import { AeimgError, ErrorCode, inFile } from '../engine/errors.js';
import { readKeyFile } from '../engine/keys/keyfile.js';
import { Passphrase, type Identity, type Recipient } from '../engine/keys/recipients.js';
import { initBackend } from '../engine/model/tf.js';

export const keyOptions = {
  'key-file': { type: 'string', multiple: true },
  'passphrase-file': { type: 'string' },
} as const;

export interface KeyArgs {
  'key-file'?: string[];
  'passphrase-file'?: string;
}

/** Keys from --key-file and --passphrase-file (or AEIMG_PASSPHRASE); serve as recipients and identities. */
export async function loadKeys(args: KeyArgs): Promise<(Recipient & Identity)[]> {
  const keys: (Recipient & Identity)[] = [];
  for (const f of args['key-file'] ?? []) keys.push(await readKeyFile(f));
  if (args['passphrase-file']) {
    let text: string;
    try {
      text = await readFile(args['passphrase-file'], 'utf8');
    } catch (err) {
      throw inFile(args['passphrase-file'], err);
    }
    keys.push(new Passphrase(text.replace(/\r?\n$/, '')));
  } else if (process.env.AEIMG_PASSPHRASE) {
    keys.push(new Passphrase(process.env.AEIMG_PASSPHRASE));
  }
  if (keys.length === 0) {
    throw new AeimgError(ErrorCode.Usage, 'no key given: pass --key-file FILE (make one with `aeimg keygen`) or --passphrase-file FILE.');
  }
  return keys;
}

export function kb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

export function ms(t: number | undefined): string {
  return t === undefined ? '-' : `${t.toFixed(0)} ms`;
}

export function fidelityText(f: { ssim: number; psnr: number } | undefined): string {
  return f ? `SSIM ${f.ssim.toFixed(4)}, PSNR ${Number.isFinite(f.psnr) ? f.psnr.toFixed(2) : 'inf'} dB` : 'fidelity not measured';
}

export async function logBackend(): Promise<void> {
  const b = await initBackend();
  process.stderr.write(`aeimg: inference backend ${b.name}${b.skipped.length ? ` (skipped ${b.skipped.join('; ')})` : ''}\n`);
}

/** Runs each item, going on past failures; returns the failures' messages. */
export async function eachFile<T>(items: string[], run: (item: string) => Promise<T>, ok: (r: T) => void): Promise<string[]> {
  const failures: string[] = [];
  for (const item of items) {
    try {
      ok(await run(item));
    } catch (err) {
      const msg = err instanceof AeimgError ? err.message : `${item}: ${(err as Error).message}`;
      failures.push(msg);
      process.stderr.write(`error: ${msg}\n`);
    }
  }
  return failures;
}

export function summarise(total: number, failures: string[], verb: string): number {
  if (failures.length === 0) {
    process.stdout.write(`${verb} ${total} of ${total} file${total === 1 ? '' : 's'}.\n`);
    return 0;
  }
  process.stderr.write(`\n${verb} ${total - failures.length} of ${total}; ${failures.length} failed:\n`);
  for (const f of failures) process.stderr.write(`  - ${f}\n`);
  return 1;
}
