import { trainUsage } from './usage.js';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { ARCHITECTURES } from '../engine/model/architecture.js';
import { CHECKPOINT_EVERY, train } from '../engine/train/trainer.js';
import { ctInterceptOption, logBackend } from './common.js';

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' }, out: { type: 'string' }, val: { type: 'string' }, name: { type: 'string' },
      epochs: { type: 'string', default: '10' }, 'steps-per-epoch': { type: 'string', default: '100' },
      patch: { type: 'string', default: '96' }, batch: { type: 'string', default: '16' }, lr: { type: 'string', default: '0.002' },
      noise: { type: 'string', default: '0.5' }, arch: { type: 'string', default: 'aeimg-v1' },
      'latent-channels': { type: 'string', default: '1' }, seed: { type: 'string', default: '1' },
      workers: { type: 'string', default: String(availableParallelism()) }, 'val-limit': { type: 'string', default: '20' },
      resume: { type: 'boolean', default: false }, 'ct-intercept': { type: 'string' },
    },
  });
  if (!values.data || !values.out) throw new AeimgError(ErrorCode.Usage, `--data and --out are required.\n${trainUsage}`);
  if (!ARCHITECTURES[values.arch]) throw new AeimgError(ErrorCode.Usage, `--arch must be one of ${Object.keys(ARCHITECTURES).join(', ')}.`);
  const num = (k: keyof typeof values) => {
    const v = Number(values[k]);
    if (!Number.isFinite(v) || v < 0) throw new AeimgError(ErrorCode.Usage, `--${k} must be a number.`);
    return v;
  };
  await logBackend();
  const tty = process.stderr.isTTY === true;
  const started = Date.now();
  const { log, steps } = await train({
    data: values.data, val: values.val, out: values.out, name: values.name ?? values.out.split(/[\\/]/).filter(Boolean).pop()!,
    arch: values.arch, latentChannels: num('latent-channels'), epochs: num('epochs'), stepsPerEpoch: num('steps-per-epoch'),
    patch: num('patch'), batch: num('batch'), lr: num('lr'), noiseP: num('noise'), seed: num('seed'),
    workers: Math.max(1, num('workers')), resume: values.resume, valLimit: num('val-limit'),
    ctIntercept: ctInterceptOption(values['ct-intercept']),
    command: `aeimg train ${argv.join(' ')}`,
    onStep: (p) => {
      const figures = `step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(5)} ${p.patchesPerSecond.toFixed(1)} patches/s`;
      if (!tty) {
        // A log file (a run left overnight under nohup) gets a line at each checkpoint, not a bar redrawn every step.
        if (p.step % CHECKPOINT_EVERY === 0) process.stderr.write(`  epoch ${p.epoch} ${figures}\n`);
        return;
      }
      const width = 24;
      const done = Math.round((width * p.step) / p.totalSteps);
      process.stderr.write(`\r  epoch ${p.epoch} [${'#'.repeat(done)}${'.'.repeat(width - done)}] ${figures}   `);
    },
    onEpoch: (e) => process.stderr.write(`${tty ? '\n' : ''}  epoch ${e.epoch}: loss ${e.loss.toFixed(5)}` +
      (e.valSSIM !== undefined ? `, validation SSIM ${e.valSSIM.toFixed(4)} (in the worst reader window ${e.valReaderSSIM!.toFixed(4)}), ` +
        `PSNR ${e.valPSNR!.toFixed(2)} dB` : '') + '\n'),
  });
  process.stdout.write(`Trained ${steps} steps in ${((Date.now() - started) / 1000).toFixed(0)} s; model in ${values.out}` +
    `${log.length ? ` (last validation SSIM ${log.at(-1)!.valSSIM?.toFixed(4) ?? '-'})` : ''}.\n`);
  return 0;
}
