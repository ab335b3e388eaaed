import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { basename, dirname, resolve } from 'node:path';
import type { DeidentifyOptions } from '../engine/dicom/deidentify.js';
import { DEFAULT_MAX_PART_BYTES, encryptStudy, estimateStudy, parseSize } from '../engine/jobs/study.js';
import type { Autoencoder } from '../engine/model/autoencoder.js';
import type { Recipient } from '../engine/keys/recipients.js';
import { MAX_BITS, MIN_BITS } from '../engine/codec/record.js';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { encryptImageFile } from '../engine/jobs/encrypt.js';
import { IMAGE_INPUT } from '../engine/jobs/files.js';
import { codingFor, DEFAULT_QUALITY, isQuality, QUALITIES } from '../../src-shared/quality.js';
import { DEFAULT_MAX_PIXELS } from '../engine/image/io.js';
import { parseDeidentify } from '../engine/dicom/deidentify.js';
import { LazyPool } from '../engine/jobs/pool.js';
import { DEFAULT_MODEL, ModelCache } from '../engine/model/autoencoder.js';
import { eachFile, expandInputs, makeOutputFolder, fidelityText, jobsOption, kb, loadRecipients, logBackend, ms, poolFor, recipientOptions, summarise } from './common.js';


export const encryptUsage = `aeimg encrypt IMAGE|DICOM|FOLDER... (--key NAME | --to CONTACT | --key-file K | --passphrase-file F)... [options]
  -o, --out DIR        write .aeimg files here, creating the folder if needed (default: beside each image)
  --quality LEVEL      max (default) | high | medium | low: the network alone, smaller files at lower levels;
                       within-4 | within-2 | within-1: near-lossless, every pixel within ±N of the original
  --bits N             latent quantization, ${MIN_BITS}..${MAX_BITS} bits (overrides the level's)
  --model NAME|DIR     model to encode with (default ${DEFAULT_MODEL})
  --lossless           bit-exact pixels (autoencoder + coded residual; bigger file)
  --deidentify P       DICOM: basic (default; PS3.15 Annex E) with options, e.g. basic,retain-dates,retain-uids,
                       retain-device,retain-institution; or none (full header, still only inside the encryption)
  --bundle NAME        one study: all inputs, in slice order, in NAME.partKofN.aeimg files under --max-size
  --max-size SIZE      largest part, e.g. 18MB (default; Gmail's 25 MB after base64) or 20MB (Outlook)
  --no-measure         skip the fidelity check (one decoder pass less)
  --max-pixels N       refuse larger images (default ${DEFAULT_MAX_PIXELS})
  --jobs N             files in parallel, one worker per job (default: one per CPU core)
  --force              replace existing .aeimg files`;

export async function encryptCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...recipientOptions,
      ...jobsOption,
      out: { type: 'string', short: 'o' },
      bits: { type: 'string' },
      quality: { type: 'string' },
      model: { type: 'string', default: DEFAULT_MODEL },
      'no-measure': { type: 'boolean', default: false },
      lossless: { type: 'boolean', default: false },
      deidentify: { type: 'string', default: 'basic' },
      bundle: { type: 'string' },
      'max-size': { type: 'string' },
      'max-pixels': { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw new AeimgError(ErrorCode.Usage, `no image given.\n${encryptUsage}`);
  const inputs = await expandInputs(positionals, IMAGE_INPUT);
  if (inputs.length === 0) throw new AeimgError(ErrorCode.Usage, 'the folders given hold no PNG, JPEG, TIFF, WebP or DICOM image.');
  let deidentify;
  try {
    deidentify = parseDeidentify(values.deidentify);
  } catch (err) {
    throw new AeimgError(ErrorCode.Usage, (err as Error).message);
  }
  const uidSalt = randomBytes(32).toString('hex'); // one per run: a study keeps consistent replacement UIDs
  const quality = values.quality ?? DEFAULT_QUALITY;
  if (!isQuality(quality)) throw new AeimgError(ErrorCode.Usage, `--quality must be one of ${QUALITIES.join(', ')}.`);
  const coding = codingFor(quality, values.lossless);
  const maxError = coding.maxError;
  const bits = Number(values.bits ?? coding.bits);
  if (!Number.isInteger(bits) || bits < MIN_BITS || bits > MAX_BITS) {
    throw new AeimgError(ErrorCode.Usage, `--bits must be a whole number from ${MIN_BITS} to ${MAX_BITS}.`);
  }
  const recipients = await loadRecipients(values);
  await logBackend();
  const models = new ModelCache();
  const model = await models.byName(values.model);
  if (values.out) await makeOutputFolder(values.out);
  if (values.bundle !== undefined) {
    return encryptBundle(inputs, {
      name: values.bundle, maxSize: values['max-size'], outDir: values.out ?? dirname(resolve(inputs[0]!)), model, recipients, bits,
      maxError, deidentify, measure: !values['no-measure'], force: values.force, jobs: values.jobs, modelName: values.model,
    }).finally(() => models.dispose());
  }
  if (values['max-size'] !== undefined) throw new AeimgError(ErrorCode.Usage, '--max-size applies to --bundle.');
  const guarantee = maxError === undefined ? '' : maxError === 0 ? ', bit-exact' : `, every pixel within ±${maxError}`;
  const pool = poolFor(inputs.length, values.jobs);
  // One file: its tiles still use every core (workers start only if the image has several tiles).
  const tiles = !pool && inputs.length === 1 && values.jobs !== '1' ? new LazyPool() : undefined;
  const failures = await eachFile(
    inputs,
    (input) => encryptImageFile(input, {
      model, recipients, bits, outDir: values.out, force: values.force, measure: !values['no-measure'],
      maxError, deidentify, uidSalt,
      maxPixels: values['max-pixels'] ? Number(values['max-pixels']) : undefined,
      encode: pool ? (task) => pool.encode(values.model, task) : undefined, tiles,
    }),
    (r) => {
      process.stdout.write(
        `${basename(r.input)} → ${r.output}  ${r.images > 1 ? `${r.images} frames of ` : ''}${r.width}x${r.height}x${r.channels} ${r.bitDepth}-bit, ` +
        `${kb(r.inputBytes)} → ${kb(r.outputBytes)}, ${fidelityText(r.fidelity)}${guarantee}, ` +
        `${ms(Object.values(r.timings).reduce((a, b) => a + b, 0))}\n`);
      for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
    },
    pool ? pool.size * 2 : 1,
  );
  await pool?.close();
  await tiles?.close();
  await models.dispose();
  return summarise(inputs.length, failures, 'Encrypted');
}

interface BundleArgs {
  name: string;
  maxSize?: string;
  outDir: string;
  model: Autoencoder;
  modelName: string;
  recipients: Recipient[];
  bits: number;
  maxError?: number;
  deidentify: DeidentifyOptions | null;
  measure: boolean;
  force: boolean;
  jobs?: string;
}

/** Decimal megabytes, as --max-size and mail providers count them. */
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

/** `--bundle`: predicts the size and parts, then writes the study and reports the real figures. */
async function encryptBundle(inputs: string[], a: BundleArgs): Promise<number> {
  if (!/^[\w.-]{1,100}$/.test(a.name)) throw new AeimgError(ErrorCode.Usage, '--bundle NAME may use letters, digits, dot, dash and underscore.');
  const maxPartBytes = a.maxSize ? parseSize(a.maxSize) : DEFAULT_MAX_PART_BYTES;
  const pool = poolFor(inputs.length, a.jobs);
  try {
    const encode = pool ? (task: Parameters<typeof pool.encode>[1]) => pool.encode(a.modelName, task) : undefined;
    const guess = await estimateStudy(inputs, { model: a.model, bits: a.bits, maxError: a.maxError, maxPartBytes, encode, deidentify: a.deidentify });
    process.stdout.write(`Estimate: ${inputs.length} files → about ${mb(guess.bytes)} in ${guess.parts} part(s) of at most ${mb(maxPartBytes)}.\n`);
    const r = await encryptStudy(inputs, {
      model: a.model, recipients: a.recipients, name: a.name, outDir: a.outDir, maxPartBytes, bits: a.bits, maxError: a.maxError,
      measure: a.measure, deidentify: a.deidentify, force: a.force, encode, lookahead: (pool?.size ?? 1) * 2,
    });
    for (const p of r.parts) process.stdout.write(`${p.path}  ${p.images} images, ${mb(p.bytes)}\n`);
    const total = r.parts.reduce((s, p) => s + p.bytes, 0);
    process.stdout.write(`Encrypted the study '${a.name}': ${r.images} images from ${mb(r.inputBytes)} → ${mb(total)} in ${r.parts.length} part(s)` +
      (r.meanSsim !== undefined ? `; mean SSIM ${r.meanSsim.toFixed(4)}, worst ${fidelityText(r.worst)}` : '') + '.\n');
    return 0;
  } finally {
    await pool?.close();
  }
}
