import { evalUsage } from './usage.js';
import { parseArgs } from 'node:util';
import { AeimgError, ErrorCode } from '../engine/errors.js';
import { DEFAULT_MODEL, ModelCache } from '../engine/model/autoencoder.js';
import { initBackend } from '../engine/model/tf.js';
import { evaluate } from '../engine/train/evaluate.js';
import { NOISES, type NoiseKind } from '../engine/train/noise.js';
import { reportMarkdown, writeReport } from '../engine/train/report.js';
import { ctInterceptOption, logBackend } from './common.js';


export async function evalCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' }, model: { type: 'string', default: DEFAULT_MODEL }, noise: { type: 'string', default: 'all' },
      bits: { type: 'string', default: '8' }, limit: { type: 'string' }, seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'report' }, 'ct-intercept': { type: 'string' },
    },
  });
  if (!values.data) throw new AeimgError(ErrorCode.Usage, `--data DIR is required.\n${evalUsage}`);
  const noises = (values.noise === 'all' ? [...NOISES] : values.noise === 'none' ? [] : values.noise.split(',')) as NoiseKind[];
  const unknown = noises.filter((n) => !NOISES.includes(n));
  if (unknown.length) throw new AeimgError(ErrorCode.Usage, `unknown noise ${unknown.join(', ')}; use ${NOISES.join(', ')}.`);
  await logBackend();
  const models = new ModelCache();
  const model = await models.byName(values.model);
  const report = await evaluate(model, values.data, (await initBackend()).name, {
    bits: Number(values.bits), noises, limit: values.limit ? Number(values.limit) : undefined, seed: Number(values.seed),
    ctIntercept: ctInterceptOption(values['ct-intercept']),
    onImage: (done, name) => {
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K  ${done} images: ${name}`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (report.images === 0) throw new AeimgError(ErrorCode.BadInput, `no images in ${values.data}.`);
  await writeReport(report, values.out);
  process.stdout.write(`${reportMarkdown(report)}\nWrote ${values.out}/report.md and ${values.out}/report.json.\n`);
  await models.dispose();
  return 0;
}
