/**
 * Cancelling: a job's AbortSignal is checked between the stages of each file (read → encode → write, and between the
 * images of a file or the slices of a study), so a cancelled file stops where it is and leaves nothing behind.
 */
import { AeimgError, ErrorCode } from '../errors.js';

export function cancelledError(): AeimgError {
  return new AeimgError(ErrorCode.Cancelled, 'cancelled; nothing was written.');
}

export function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelledError();
}

/** `work`, or a Cancelled error as soon as the signal fires (work running on a worker ends there and is dropped). */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(cancelledError());
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    work.then(
      (value) => { signal.removeEventListener('abort', stop); resolve(value); },
      (err: unknown) => { signal.removeEventListener('abort', stop); reject(err); },
    );
  });
}
