/** What every CLI command shares: key options, printing, and the exit-status rule. */
import { existsSync, rmdirSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { CodecPool } from '../engine/jobs/pool.js';
import type { BatchEvent, BatchOutcome } from '../engine/jobs/batch.js';
export { expandInputs, findInputs } from '../engine/jobs/files.js';
import { AeimgError, ErrorCode, inFile } from '../engine/errors.js';
import { readKeyFile } from '../engine/keys/keyfile.js';
import { Passphrase, passphraseAlone, type Identity, type Recipient } from '../engine/keys/recipients.js';
import { checkPassphraseStrength } from '../engine/keys/export.js';
import { removeStalePartials } from '../engine/fs/atomic.js';
import { batchOutputs, checkWritableFolders, type FoundFile } from '../engine/jobs/files.js';
import { KeyStore } from '../engine/keys/keystore.js';
import type { IdentitySource } from '../engine/container/aeimg-file.js';
import { initBackend } from '../engine/model/tf.js';
import { cliMessage } from './remedy.js';
import { MAX_CT_INTERCEPT } from '../../src-shared/windows.js';

export const keyOptions = {
  'key-file': { type: 'string', multiple: true },
  'passphrase-file': { type: 'string' },
} as const;

export const recipientOptions = {
  ...keyOptions,
  key: { type: 'string', multiple: true },
  to: { type: 'string', multiple: true },
} as const;

export interface KeyArgs {
  'key-file'?: string[];
  'passphrase-file'?: string;
}

export interface RecipientArgs extends KeyArgs {
  key?: string[];
  to?: string[];
}

/** A passphrase from --passphrase-file, else AEIMG_PASSPHRASE, else undefined. */
export async function readPassphrase(file: string | undefined): Promise<string | undefined> {
  if (file) {
    let text: string;
    try {
      text = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw inFile(file, err);
    }
    // Taken as "no passphrase", an empty file sent encrypt to "no key given" and decrypt to the keychain.
    if (text === '') throw new AeimgError(ErrorCode.Usage, `${file} is empty: write the passphrase on its first line, or leave --passphrase-file out.`);
    return text;
  }
  return process.env.AEIMG_PASSPHRASE || undefined;
}

/** Keys given on the command line (--key-file, --passphrase-file or AEIMG_PASSPHRASE). */
export async function explicitKeys(args: KeyArgs, forEncrypt = false): Promise<(Recipient & Identity)[]> {
  const keys: (Recipient & Identity)[] = [];
  for (const f of args['key-file'] ?? []) keys.push(await readKeyFile(f));
  const pass = await readPassphrase(args['passphrase-file']);
  if (pass) {
    // The same rule as key exports: a file protected by a guessable passphrase is not protected.
    if (forEncrypt) checkPassphraseStrength(pass);
    keys.push(new Passphrase(pass));
  }
  return keys;
}

/** Recipients for encrypt: key files, passphrase, keychain keys (--key NAME) and contacts (--to NAME). */
export async function loadRecipients(args: RecipientArgs): Promise<Recipient[]> {
  const out: Recipient[] = await explicitKeys(args, true);
  if (args.key?.length || args.to?.length) {
    const store = new KeyStore();
    for (const k of args.key ?? []) out.push(await store.sharedKey(await store.find(k)));
    for (const c of args.to ?? []) out.push(await store.contact(c));
  }
  if (out.length > 1 && out.some((r) => r instanceof Passphrase)) throw passphraseAlone();
  if (out.length === 0) {
    throw new AeimgError(ErrorCode.Usage,
      'no key given: pass --key NAME (a key in your keychain), --to CONTACT, --key-file FILE (from `aeimg keygen`) or --passphrase-file FILE.');
  }
  return out;
}

/** Identities for decrypt: the keys given, or else the keychain's keys that the file asks for. */
export async function loadIdentities(args: KeyArgs): Promise<IdentitySource> {
  const given = await explicitKeys(args);
  if (given.length > 0) return given;
  const store = new KeyStore();
  return (stanzas) => store.identitiesFor(stanzas);
}

export function kb(bytes: number): string {
  return bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

export function ms(t: number | undefined): string {
  return t === undefined ? '-' : `${t.toFixed(0)} ms`;
}


export async function logBackend(): Promise<void> {
  const b = await initBackend();
  process.stderr.write(`aeimg: inference backend ${b.name}${b.skipped.length ? ` (skipped ${b.skipped.join('; ')})` : ''}\n`);
}

/** A batch's events as the command line shows them: each result as it is done, each failure as it happens. */
export function printEvents<R>(ok: (r: R) => void): (e: BatchEvent<R>) => void {
  return (e) => {
    if (e.status === 'done') ok(e.result);
    else if (e.status === 'failed' || e.status === 'cancelled') process.stderr.write(`error: ${cliMessage(e.error, true)}\n`);
  };
}

/**
 * A signal that Ctrl-C fires: files in progress stop and leave nothing behind, files not started are not started.
 * A second Ctrl-C ends the process at once (exit status 130, as shells report an interrupt).
 */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: stopping; files in progress are removed (Ctrl-C again to quit at once).\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  return controller.signal;
}

/**
 * Makes the output folder (-o), or refuses one that cannot be written before any file is read. A folder this run made
 * is removed again at exit if nothing was written into it (every file failed), so a failed run leaves nothing behind.
 */
export async function makeOutputFolder(dir: string): Promise<void> {
  let made: string | undefined;
  try {
    made = await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const file = code === 'EEXIST' || code === 'ENOTDIR';
    // Node's recursive mkdir reports a read-only disk as ENOENT ("file not found"): the nearest folder there says why.
    if (!file) await checkWritableFolders([nearestFolder(dir)]);
    const why = file ? 'it, or a folder in its path, is a file' : inFile(dir, err).message.replace(/^[^:]*: /, '').replace(/\.$/, '');
    throw new AeimgError(ErrorCode.Io, `cannot create the output folder ${dir}: ${why}; choose another with -o.`);
  }
  // mkdir succeeds on an existing folder it cannot write into; then each file would fail alone with "permission denied".
  await checkWritableFolders([dir]);
  if (made !== undefined) removeAtExitIfEmpty(resolve(dir), resolve(made));
}

/** `path`, or the nearest folder above it that exists. */
function nearestFolder(path: string): string {
  let dir = resolve(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** From `dir` up to `top`, removes each folder that is empty when the process exits (rmdir never removes files). */
function removeAtExitIfEmpty(dir: string, top: string): void {
  // At exit, not when the command returns: a usage error or a failed study throws past every return. Prepended, so a
  // folder made later inside one made before (a study's subfolder of -o) goes first and leaves that one empty too.
  process.prependOnceListener('exit', () => {
    for (let d = dir; ; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        return; // something was written, or it is gone
      }
      if (d === top || d === dirname(d)) return;
    }
  });
}

export const jobsOption = { jobs: { type: 'string' } } as const;

/** When this process started (ms since the epoch): temp files older than that belong to no running aeimg of ours. */
const STARTED = Math.floor(performance.timeOrigin);

/** Removes the temp files a killed run left in the output folders (only our own naming, only older than this run). */
export async function cleanOutputFolders(dirs: Iterable<string>): Promise<void> {
  for (const dir of new Set(dirs)) {
    const removed = await removeStalePartials(dir, STARTED);
    if (removed.length > 0) {
      process.stderr.write(`aeimg: removed ${removed.length} temp file${removed.length === 1 ? '' : 's'} left by an interrupted run in ${dir}.\n`);
    }
  }
}

/**
 * A batch's inputs and outputs, named over every input first (batchOutputs: a resumed batch finds each file's output
 * under the same name; a file from a subfolder of a folder given goes into the same subfolder of `outDir`), then, with
 * --skip-existing, without the inputs whose output (`named + ext`, or another of `alsoExts`) exists, saying so.
 */
export function namedBatch(found: FoundFile[], opts: { ext: string; named?: string; outDir?: string; skip: boolean; alsoExts?: string[] }):
  { inputs: string[]; names: string[]; skipped: number } {
  const names = batchOutputs(found, opts.named ?? opts.ext, opts.outDir);
  const kept = found.map((f, i) => ({ input: f.path, name: names[i]! })).filter(({ input, name }) => {
    // A stem's output may take another extension (a reduced-quality image's PNG: NAME.reduced-quality.png).
    const output = opts.named === undefined ? name : [opts.ext, ...opts.alsoExts ?? []].map((e) => `${name}${e}`).find(existsSync) ?? `${name}${opts.ext}`;
    if (!opts.skip || !existsSync(output)) return true;
    process.stdout.write(`${basename(input)}: skipped, ${output} already exists.\n`);
    return false;
  });
  return { inputs: kept.map((k) => k.input), names: kept.map((k) => k.name), skipped: found.length - kept.length };
}

/** A whole number ≥ 1 from an option, or a usage error naming the option. */
export function positiveInteger(option: string, text: string): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new AeimgError(ErrorCode.Usage, `${option} must be a whole number of at least 1, not "${text.slice(0, 40)}".`);
  }
  return n;
}

/** A codec worker pool when several files are to be processed, else null (in-process is faster for one). */
export function poolFor(files: number, jobs: string | undefined): CodecPool | null {
  const n = jobs === undefined ? availableParallelism() : Number(jobs);
  if (!Number.isInteger(n) || n < 1) throw new AeimgError(ErrorCode.Usage, '--jobs must be a whole number of at least 1.');
  return files > 1 && n > 1 ? CodecPool.create(Math.min(n, files)) : null;
}

/** A batch's last words: how many files were done, skipped, not done (Ctrl-C) and failed, and why; its exit status. */
export function summarise(total: number, outcome: BatchOutcome<unknown>, verb: string, skipped = 0): number {
  const done = outcome.done.length;
  const failures = outcome.failed.map((e) => cliMessage(e, true));
  const skip = skipped > 0 ? `; ${skipped} skipped (already there)` : '';
  if (failures.length === 0 && outcome.cancelled === 0) {
    process.stdout.write(`${verb} ${done} of ${total} file${total === 1 ? '' : 's'}${skip}.\n`);
    return 0;
  }
  // Files that Ctrl-C stopped or never started are neither done nor failed: nothing is wrong with them.
  const notDone = outcome.cancelled > 0 ? `; ${outcome.cancelled} not done (interrupted by Ctrl-C)` : '';
  process.stderr.write(`\n${verb} ${done} of ${total}${skip}${notDone}${failures.length > 0 ? `; ${failures.length} failed:` : '.'}\n`);
  for (const f of failures) process.stderr.write(`  - ${f}\n`);
  if (outcome.cancelled > 0) process.stderr.write('Run the same command with --skip-existing to finish.\n');
  return 1;
}

/** --ct-intercept N: a whole number of HU within a 16-bit sample's range (MAX_CT_INTERCEPT); undefined when not given. */
export function ctInterceptOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(n) || Math.abs(n) > MAX_CT_INTERCEPT) {
    throw new AeimgError(ErrorCode.Usage, `--ct-intercept takes a whole number of HU from -${MAX_CT_INTERCEPT} to ${MAX_CT_INTERCEPT} (HU = value + N), ` +
      `not '${text}': --ct-intercept=-1024 for an export of a CT's stored values, --ct-intercept=0 for values in HU.`);
  }
  return n;
}
