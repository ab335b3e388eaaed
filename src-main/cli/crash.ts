/** Last-resort error handling for the command line: one clear line and exit status 1, whatever threw. */
import { AeimgError, inFile } from '../engine/errors.js';
import { cliMessage } from './remedy.js';

/** One line for an error that reached the top: the engine's message, a file system error in words, or the first line. */
export function oneLine(err: unknown): string {
  if (err instanceof AeimgError) return cliMessage(err);
  const e = err as NodeJS.ErrnoException | undefined;
  if (e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return inFile(e.path ?? 'aeimg', e).message;
  const text = e instanceof Error ? e.message : String(err);
  return (text.split('\n')[0] ?? '').trim().replace(/\.$/, '').slice(0, 300);
}

/**
 * Handlers for what escapes every catch. They run before any other (prepended): the wasm backend's Emscripten glue
 * registers its own, which rethrows, so that Node prints a line of minified code ~30 KB long and exits with 7.
 */
export function installCrashHandlers(): void {
  const die = (err: unknown) => {
    process.stderr.write(`aeimg: unexpected error: ${oneLine(err)}. This is a bug in aeimg; please report it with the command you ran.\n`);
    process.exit(1);
  };
  process.prependListener('uncaughtException', die);
  process.prependListener('unhandledRejection', die);
}
