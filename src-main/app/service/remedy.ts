/** The app's words for what to do about an engine error: choices in the window, never a command-line flag. */
import { Remedy, withRemedy, type ErrorFacts } from '../../../src-shared/errors.js';
import { ErrorCode, type AeimgError } from '../../engine/errors.js';
import type { Result } from '../../../src-shared/api.js';
import { SCRYPT_WRITE_LOG_N } from '../../engine/keys/recipients.js';

const WORDS: { readonly [R in Remedy]: (facts: ErrorFacts) => string } = {
  'replace-existing': () => 'Choose another output folder, or move or delete the existing file.',
  'choose-output-folder': () => 'Choose an output folder with "Output folder…".',
  'raise-pixel-limit': () => 'Split or downscale the image before encrypting it.',
  'larger-parts': (f) => `Choose a part size above ${((f.needed ?? 0) / 1e6).toFixed(1)} MB.`,
  'give-key': () => 'Import that key first (Keys → Import), or ask the sender which key they used.',
  'give-passphrase': () => 'Enter the passphrase the sender told you (by phone or in person, not in the e-mail that brought the file).',
  'raise-work-factor': (f) => `It asks this computer for ${2 ** ((f.needed ?? SCRYPT_WRITE_LOG_N + 1) - SCRYPT_WRITE_LOG_N)} times the work of the files aeimg writes, which is how a ` +
    'file made to stall it would look: ask the sender to send it again with aeimg, or for a key you share.',
  'add-key': () => 'Create or import one under Keys.',
  'add-contact': () => "Add their contact card under Keys.",
  'start-fresh': () => 'Start the training afresh.',
  'lower-learning-rate': () => 'Lower the learning rate.',
  'leave-out-of-study': () => 'A study is written whole or not at all: to send its other files without this one, remove it from the list ("Remove") and encrypt the study.',
  'update-or-ask-sender': () => 'The file is intact but was written that way: install the aeimg version the sender uses, or ask the sender which program made it and to send it again with aeimg.',
};

/** An error as the app shows it: the engine's message and, for a known remedy, what to do in the app. */
export function appMessage(err: unknown): string {
  const e = err as Partial<AeimgError> | undefined;
  if (typeof e?.message !== 'string') return String(err);
  return withRemedy(e as { message: string }, WORDS);
}

/** Turns engine failures into results with the app's words. */
export async function attempt<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const e = err as Partial<AeimgError>;
    const file = e.remedy === Remedy.LeaveOutOfStudy ? e.facts?.file : undefined;
    return { ok: false, code: e.code ?? ErrorCode.BadInput, message: appMessage(err), ...(file ? { file } : {}), ...(e.remedy ? { remedy: e.remedy } : {}) };
  }
}
