/** `aeimg demo`: the whole path on a bundled slice, with sizes, fidelity and time per stage. */
import { mkdtemp, readFile, rm, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { decodeImage, encodePng, readImageFile } from '../engine/image/io.js';
import { generateSharedKey } from '../engine/keys/keyfile.js';
import { encryptImageFile } from '../engine/jobs/encrypt.js';
import { decryptAeimgFile } from '../engine/jobs/decrypt.js';
import { checkOutput } from '../engine/jobs/files.js';
import { plainDisplay, readerFidelity } from '../engine/metrics/fidelity.js';
import { DEFAULT_MODEL, defaultModelsDir, ModelCache } from '../engine/model/autoencoder.js';
import { kb, logBackend, ms } from './common.js';
import { DEFAULT_QUALITY } from '../../src-shared/quality.js';
import { fidelityHeadline } from '../../src-shared/fidelity.js';

/** The stages that ran, in order, with their times ("encoder 56 ms, …"). */
function stages(timings: Record<string, number>, names: [string, string][]): string {
  return names.filter(([k]) => timings[k] !== undefined).map(([k, label]) => `${label} ${ms(timings[k])}`).join(', ');
}

export async function demoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { sample: { type: 'string' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' }, model: { type: 'string', default: DEFAULT_MODEL } },
  });
  const samplesDir = join(dirname(defaultModelsDir()), 'samples');
  const sample = values.sample ?? join(samplesDir, (await readdir(samplesDir)).filter((f) => f.endsWith('.png')).sort()[0] ?? '');
  if (!sample.endsWith('.png') && !values.sample) throw new AeimgError(ErrorCode.Io, `no bundled sample in ${samplesDir}.`);
  // Its own temporary folder is replaced freely; a folder of the user's (-o) keeps its files, the sample above all
  // (the decrypted copy takes the sample's name: -o to the sample's folder would replace it by what it decodes to).
  const force = !values.out || values.force === true;
  if (values.out) {
    const stem = basename(sample).replace(/\.[^.]*$/, '');
    for (const output of [`${stem}.aeimg`, `${stem}.png`]) checkOutput(join(values.out, output), [sample], force);
  }
  await logBackend();
  const work = values.out ?? (await mkdtemp(join(tmpdir(), 'aeimg-demo-')));
  const models = new ModelCache();
  try {
    const t0 = performance.now();
    const model = await models.byName(values.model);
    const loadMs = performance.now() - t0;
    const key = generateSharedKey('demo');
    const original = await readImageFile(sample);
    const png = await encodePng(original);
    const enc = await encryptImageFile(sample, { model, recipients: [key], outDir: work, force });
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models, outDir: work, force });
    const decoded = await decodeImage(await readFile(dec.images[0]!.output!));
    // The decoded file measured again as the sender measured the original (the bundled sample is a plain 8-bit PNG):
    // its worst window should read what the file says.
    const check = readerFidelity(original, decoded, plainDisplay(original));
    const worst = check.windows![0]!;
    let largest = 0;
    for (let i = 0; i < original.pixels.length; i++) largest = Math.max(largest, Math.abs(original.pixels[i]! - decoded.pixels[i]!));
    process.stdout.write(`aeimg demo on ${sample}
  image     ${original.width}x${original.height}, ${original.channels} channel(s), ${original.bitDepth}-bit
  model     ${model.manifest.name} (${model.manifest.architecture}, latent ${model.latentChannels} ch at 1/${model.manifest.downsampling}) loaded in ${ms(loadMs)}
  quality   ${DEFAULT_QUALITY} → ${enc.coding.quality} (${enc.coding.bits !== undefined ? `${enc.coding.bits}-bit latent` : 'coded directly, no latent'}${enc.coding.maxError !== undefined ? `, every pixel within ±${enc.coding.maxError}` : ', the network alone'}; --quality in encrypt picks others)
  sizes     raw ${kb(enc.rawBytes)} | PNG ${kb(Math.min(png.length, enc.inputBytes))} | .aeimg ${kb(enc.outputBytes)} ` +
      `(${((enc.outputBytes / Math.min(png.length, enc.inputBytes)) * 100).toFixed(0)}% of PNG)
  fidelity  ${fidelityHeadline(enc.fidelity, enc.coding)} (the sender's figures, inside the file)
  check     decoded PNG vs original: largest error ${largest}, worst window ${worst.name}: SSIM ${worst.ssim.toFixed(4)}, PSNR ${worst.psnr === null ? 'inf' : worst.psnr.toFixed(2)} dB
  encrypt   ${stages(enc.timings, [['read', 'read'], ['encoder', 'encoder'], ['entropy', 'quantize+entropy'], ['decoder', 'decoder'],
      ['residual', 'pixel coder'], ['fidelity', "reader's figures"], ['encryptWrite', 'AES-GCM+write']])}
  decrypt   authenticate+decrypt ${ms(dec.timings.decrypt)}, decode + PNG encode ${ms(dec.timings.decoder)}, write ${ms(dec.timings.write)}
  files     ${enc.output}, ${dec.images[0]!.output}${values.out ? '' : ' (temporary, removed)'}
`);
    return 0;
  } finally {
    await models.dispose();
    if (!values.out) await rm(work, { recursive: true, force: true });
  }
}
