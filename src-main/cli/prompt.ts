/** Terminal prompts (hidden for secrets). Without a terminal they refuse, so scripts never hang on input. */
import { createInterface } from 'node:readline';
import { AeimgError, ErrorCode } from '../engine/errors.js';

export function ask(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) {
    return Promise.reject(new AeimgError(ErrorCode.Usage, `${question.trim()} (no terminal to ask on; see --help for the option that answers it).`));
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  if (hidden) {
    const write = (rl as unknown as { _writeToOutput: (s: string) => void });
    write._writeToOutput = (s: string) => {
      if (s.startsWith(question)) process.stdout.write(s);
    };
  }
  return new Promise((resolve) => rl.question(question, (answer) => {
    rl.close();
    if (hidden) process.stdout.write('\n');
    resolve(answer);
  }));
}
