import { parseArgs } from 'node:util';
import { formatFingerprint } from '../engine/keys/recipients.js';
import { generateSharedKey, writeKeyFile } from '../engine/keys/keyfile.js';
import { inspectAeimg } from '../engine/container/aeimg-file.js';
import { listModels } from '../engine/model/autoencoder.js';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { kb } from './common.js';

export async function inspectCommand(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new AeimgError(ErrorCode.Usage, 'usage: aeimg inspect FILE.aeimg');
  const models = await listModels();
  for (const file of positionals) {
    const { header, version, fileBytes } = await inspectAeimg(file);
    const model = models.find((m) => m.manifest.id === header.model);
    const modelLine = header.model === null ? 'none (every image is coded without the network: no model is needed to open it)'
      : `${header.model.slice(0, 16)}… ${model ? `(${model.manifest.name}, installed)` : '(not installed here)'}`;
    process.stdout.write(`${file}: aeimg format ${version}, ${kb(fileBytes)}
  codec      ${header.codec}
  model      ${modelLine}
  chunk size ${header.chunkSize} bytes
  recipients ${header.recipients.map((s) => (s.type === 'key' ? `key ${formatFingerprint(s.keyId)}` :
    s.type === 'x25519' ? `contact ${formatFingerprint(s.recipient)}` : s.type === 'x25519-v2' ? 'a contact (not named)' :
    s.type === 'scrypt' ? `passphrase (scrypt 2^${s.logN})` : `unknown key type '${s.declared.slice(0, 40)}'`)).join(', ')}
  (Everything about the image is encrypted; this is all the file shows without a key.)
`);
  }
  return 0;
}

export async function keygenCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string', short: 'o', default: 'aeimg.key' }, force: { type: 'boolean', default: false } },
  });
  const key = generateSharedKey();
  await writeKeyFile(values.out, key, values.force);
  process.stdout.write(`Wrote a new 256-bit key to ${values.out} (readable only by you).
Fingerprint: ${key.fingerprint}
Give a copy to the other side over a safe channel (not in the same e-mail as the images) and compare the
fingerprint by phone.
`);
  return 0;
}
