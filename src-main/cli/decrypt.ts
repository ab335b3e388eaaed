import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { decryptAeimgFile } from '../engine/jobs/decrypt.js';
import { ModelCache } from '../engine/model/autoencoder.js';
import { eachFile, fidelityText, keyOptions, loadIdentities, logBackend, summarise } from './common.js';

export const decryptUsage = `aeimg decrypt FILE.aeimg... [--key-file K | --passphrase-file F] [options]
  (without a key option, the key is found in your keychain)
  -o, --out DIR        write images here (default: beside each .aeimg)
  --format png         output format (png; 16-bit where the original was 16-bit)
  --force              replace existing images`;

export async function decryptCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...keyOptions,
      out: { type: 'string', short: 'o' },
      format: { type: 'string', default: 'png' },
      force: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw new AeimgError(ErrorCode.Usage, `no .aeimg file given.\n${decryptUsage}`);
  if (values.format !== 'png') throw new AeimgError(ErrorCode.Usage, `--format ${values.format} is not supported yet; use png.`);
  const identities = await loadIdentities(values);
  await logBackend();
  const models = new ModelCache();
  const failures = await eachFile(
    positionals,
    (input) => decryptAeimgFile(input, { identities, models, outDir: values.out, force: values.force }),
    (r) => {
      for (const img of r.images) {
        const rec = img.record;
        process.stdout.write(`${basename(r.input)} → ${img.output}  ${rec.width}x${rec.height}x${rec.channels} ` +
          `${rec.bitDepth}-bit, original '${rec.name}', ${fidelityText(rec.fidelity)} (measured by the sender)\n`);
      }
    },
  );
  await models.dispose();
  return summarise(positionals.length, failures, 'Decrypted');
}
