/**
 * Many files, each on its own: `concurrency` at a time, going on past a failure, an event per file and status change,
 * and an AbortSignal that cancels the files not started and stops the ones in progress. The CLI prints the events,
 * the app forwards them to its window.
 */
import { randomBytes } from 'node:crypto';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import { inFolders } from '../fs/folders.js';
import { cancelledError } from './abort.js';
import { decryptAeimgFile, outputExt, type DecryptFileOptions, type DecryptResult } from './decrypt.js';
import { encryptImageFile, type EncryptFileOptions, type EncryptResult, type ReducedQuality } from './encrypt.js';
import { ctInterceptOf, type CtDeclaration } from './declared-ct.js';
import { senderWindowOf, type SenderWindows } from './sender-window.js';
import { AEIMG_EXT, batchOutputs, outputKey } from './files.js';

export type BatchEvent<R> =
  | { index: number; input: string; status: 'queued' | 'working' }
  | { index: number; input: string; status: 'done'; result: R; ms: number }
  /** 'cancelled': the signal fired, or the sender declined a reduced-quality file (its error says which). */
  | { index: number; input: string; status: 'failed' | 'cancelled'; error: AeimgError };

export interface BatchOptions<R> {
  /** Files in progress at once (default 1). */
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: (event: BatchEvent<R>) => void;
}

export interface BatchOutcome<R> {
  done: R[];
  /** In input order. */
  failed: AeimgError[];
  cancelled: number;
}

/** Runs `run` for each input; never throws for a file's failure (it is an event and in `failed`). */
export async function runBatch<R>(
  inputs: readonly string[],
  run: (input: string, index: number, signal: AbortSignal | undefined) => Promise<R>,
  opts: BatchOptions<R> = {},
): Promise<BatchOutcome<R>> {
  const emit = opts.onEvent ?? (() => undefined);
  const outcomes: ({ ok: R } | { failed: AeimgError } | 'cancelled')[] = new Array(inputs.length);
  inputs.forEach((input, index) => emit({ index, input, status: 'queued' }));
  let cursor = 0;
  const lane = async () => {
    while (cursor < inputs.length) {
      const index = cursor++;
      const input = inputs[index]!;
      if (opts.signal?.aborted) {
        outcomes[index] = 'cancelled';
        emit({ index, input, status: 'cancelled', error: inFile(input, cancelledError()) });
        continue;
      }
      emit({ index, input, status: 'working' });
      const t = performance.now();
      try {
        const result = await run(input, index, opts.signal);
        outcomes[index] = { ok: result };
        emit({ index, input, status: 'done', result, ms: performance.now() - t });
      } catch (err) {
        const error = inFile(input, err);
        const stopped = error.code === ErrorCode.Cancelled || error.code === ErrorCode.Declined;
        outcomes[index] = stopped ? 'cancelled' : { failed: error };
        emit({ index, input, status: stopped ? 'cancelled' : 'failed', error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 1, inputs.length)) }, lane));
  return {
    done: outcomes.flatMap((o) => (typeof o === 'object' && 'ok' in o ? [o.ok] : [])),
    failed: outcomes.flatMap((o) => (typeof o === 'object' && 'failed' in o ? [o.failed] : [])),
    cancelled: outcomes.filter((o) => o === 'cancelled').length,
  };
}

export interface EncryptFilesOptions extends Omit<EncryptFileOptions, 'confirm' | 'signal' | 'output' | 'senderWindow'>, CtDeclaration, SenderWindows {
  /** Asked before a reduced-quality file is written (see EncryptFileOptions.confirm), with the file's index. */
  confirm?: (facts: ReducedQuality, index: number) => Promise<boolean>;
  /** Each input's .aeimg, in input order (default: batchOutputs, which never names one twice). */
  outputs?: readonly string[];
}

/**
 * One .aeimg per input; the files share one UID salt (`uidSalt`, or a new one), so a series keeps consistent
 * replacement UIDs; a batch whose outputs were named by withSendingNames passes the salt it named them with.
 */
export function encryptFiles(inputs: readonly string[], opts: EncryptFilesOptions, batch: BatchOptions<EncryptResult> = {}): Promise<BatchOutcome<EncryptResult>> {
  const { confirm, outputs = batchOutputs(inputs, AEIMG_EXT, opts.outDir), uidSalt = randomBytes(32).toString('hex'), notCt: _notCt,
    senderWindow: _window, senderWindows: _windows, ...rest } = opts;
  const ctIntercept = ctInterceptOf(opts);
  const senderWindow = senderWindowOf(opts);
  return inFolders(outputs, opts.outDir, () => runBatch(inputs, (input, index, signal) => {
    const window = senderWindow(input);
    return encryptImageFile(input, {
      ...rest, output: outputs[index], uidSalt, signal, confirm: confirm && ((facts) => confirm(facts, index)), ctIntercept: ctIntercept(input),
      ...(window ? { senderWindow: window } : {}),
    });
  }, batch));
}

/** Each .aeimg decrypted on its own (study parts go through decryptStudy); no two inputs' images share a name. */
export function decryptFiles(inputs: readonly string[], opts: Omit<DecryptFileOptions, 'signal' | 'outputStem'> & { outputStems?: readonly string[] },
  batch: BatchOptions<DecryptResult> = {}): Promise<BatchOutcome<DecryptResult>> {
  const { outputStems = batchOutputs(inputs, '', opts.outDir), ...rest } = opts;
  // Each file's first image has its stem's name; a later frame whose name is already one of the batch's (x.aeimg's
  // second frame and x-2.aeimg's image, both x-2.png) is named aside instead of replacing it.
  const claimed = new Set(outputStems.map((stem) => outputKey(`${stem}${outputExt(opts)}`)));
  return inFolders(outputStems, opts.outDir, () =>
    runBatch(inputs, (input, index, signal) => decryptAeimgFile(input, { ...rest, outputStem: outputStems[index], claimed, signal }), batch));
}
