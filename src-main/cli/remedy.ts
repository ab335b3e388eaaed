/** The command line's words for what to do about an engine error: the flag or command that helps. */
import { withRemedy, type ErrorFacts, type Remedy } from '../../src-shared/errors.js';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { MAX_SCRYPT_LOG_N_ENV } from '../engine/keys/recipients.js';

const WORDS: { readonly [R in Remedy]: (facts: ErrorFacts) => string } = {
  'replace-existing': () => 'Choose another output folder (-o) or pass --force to replace it.',
  'choose-output-folder': () => 'Give an output folder with -o DIR.',
  'raise-pixel-limit': () => 'Split or downscale the image, or raise the limit with --max-pixels if this machine has the memory.',
  'larger-parts': () => 'Raise --max-size.',
  'give-key': () => 'Import that key first (`aeimg keys import FILE`), or give it with --key-file.',
  'give-passphrase': () => 'Give its passphrase with --passphrase-file FILE (or in AEIMG_PASSPHRASE); ask the sender for it.',
  'raise-work-factor': (f) => `If you trust the sender, run again with ${MAX_SCRYPT_LOG_N_ENV}=${f.needed ?? ''}.`,
  'add-key': () => 'Create one with `aeimg keys create NAME` or import one with `aeimg keys import FILE`.',
  'add-contact': () => 'Add one with `aeimg keys add-contact CARD`.',
  'start-fresh': () => 'Start without --resume.',
  'lower-learning-rate': () => 'Lower --lr.',
  'leave-out-of-study': () => 'Nothing was written. To send the study\'s other files without it, move it out of the folder (or leave it off the command) and run again.',
  'update-or-ask-sender': () => 'The file is intact (it decrypted and authenticated) but was written that way: check `aeimg --version` against the sender\'s, or ask the sender which program made it and to send it again with aeimg.',
};

/** An error as the command line prints it: the engine's message and, for a known remedy, the flag that helps. */
export function cliMessage(err: unknown, batch = false): string {
  if (!(err instanceof AeimgError)) return (err as Error)?.message ?? String(err);
  const text = withRemedy(err, WORDS);
  return batch && err.code === ErrorCode.OutputExists ? `${text} To go on with the other files and keep it, pass --skip-existing.` : text;
}
