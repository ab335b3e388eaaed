/** The `aeimg` command line: argument parsing and printing only; the work happens in engine/. */
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { installCrashHandlers, oneLine } from './crash.js';
import { cliMessage } from './remedy.js';
import { APP_VERSION } from '../engine/jobs/version.js';
import { decryptUsage, encryptUsage, evalUsage, keysUsage, trainUsage } from './usage.js';

const USAGE = `aeimg ${APP_VERSION}: encrypt medical images for e-mail, and open them.

${encryptUsage}

${decryptUsage}

${keysUsage}

${evalUsage}

${trainUsage}

aeimg inspect FILE.aeimg      show the public header (no key needed)
aeimg keygen [-o FILE]        make a new shared 256-bit key file (default aeimg.key)
aeimg demo [--sample PNG] [-o DIR] [--force]
                              run the whole path on a bundled slice and print sizes, fidelity and timings

Environment: AEIMG_BACKEND=wasm|cpu|tensorflow forces an inference backend; AEIMG_PASSPHRASE supplies a passphrase;
AEIMG_MODELS_DIR points at another models folder; AEIMG_CONFIG_DIR at another key catalog folder;
AEIMG_MAX_SCRYPT_LOG_N=N lets decrypt derive passphrase keys of work factor up to 2^N (default 18, the most 22;
each step doubles time and memory: 2^22 takes 4 GiB and about a minute).
Exit status: 0 all files succeeded, 1 some failed, 2 usage error.`;

type Command = (argv: string[]) => Promise<number>;

/** Each command's module is loaded when it runs: help and usage errors never load the engine. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  encrypt: async () => (await import('./encrypt.js')).encryptCommand,
  decrypt: async () => (await import('./decrypt.js')).decryptCommand,
  inspect: async () => (await import('./misc.js')).inspectCommand,
  keygen: async () => (await import('./misc.js')).keygenCommand,
  demo: async () => (await import('./demo.js')).demoCommand,
  keys: async () => (await import('./keys.js')).keysCommand,
  eval: async () => (await import('./eval.js')).evalCommand,
  train: async () => (await import('./train.js')).trainCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    process.stdout.write(`${APP_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (command && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!command) {
    process.stderr.write(`aeimg: unknown command '${name}'.\n\n${USAGE}\n`);
    return 2;
  }
  try {
    return await (await command())(rest);
  } catch (err) {
    if (err instanceof AeimgError) {
      process.stderr.write(`error: ${cliMessage(err)}\n`);
      return err.code === ErrorCode.Usage ? 2 : 1;
    }
    if (String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`aeimg ${name}: ${(err as Error).message}\n`);
      return 2;
    }
    // Anything else (a file system error the engine did not name, a bug): one line, exit status 1.
    process.stderr.write(`error: ${oneLine(err)}\n`);
    return 1;
  }
}

installCrashHandlers();
process.exitCode = await main(process.argv.slice(2));
