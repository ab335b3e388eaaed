/**
 * One benchmark subject in its own process (so peak RSS is its own): encrypts and decrypts one image file
 * `runs` times and prints JSON with per-stage medians (ms) and the peak resident set size (MB).
 *   npx tsx scripts/bench/child.ts FILE RUNS [measure]    (AEIMG_BACKEND picks the backend; `measure`: with the
 *   reader's fidelity figures, as the CLI computes them by default)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptAeimgFile } from '../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../src-main/engine/keys/keyfile.js';
import { LazyPool } from '../../src-main/engine/jobs/pool.js';
import { DEFAULT_MODEL, ModelCache } from '../../src-main/engine/model/autoencoder.js';
import { initBackend } from '../../src-main/engine/model/tf.js';

const [file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 3);
const measure = process.argv[4] === 'measure';
const backend = (await initBackend()).name;
const models = new ModelCache();
const model = await models.byName(DEFAULT_MODEL);
const key = generateSharedKey();
// As the CLI does for one file: the network's tiles on every core (workers start only for multi-tile images).
const tiles = new LazyPool();
const dir = await mkdtemp(join(tmpdir(), 'aeimg-bench-'));
const samples: Record<string, number[]> = {};
const add = (k: string, v: number) => (samples[k] ??= []).push(v);
let outputBytes = 0;
for (let i = 0; i < runs; i++) {
  let t = performance.now();
  const enc = await encryptImageFile(file!, { model, recipients: [key], outDir: dir, force: true, measure, tiles });
  add('encryptTotal', performance.now() - t);
  for (const [k, v] of Object.entries(enc.timings)) add(`enc.${k}`, v);
  outputBytes = enc.outputBytes;
  t = performance.now();
  const dec = await decryptAeimgFile(enc.output, { identities: [key], models, outDir: dir, force: true, tiles });
  add('decryptTotal', performance.now() - t);
  for (const [k, v] of Object.entries(dec.timings)) add(`dec.${k}`, v);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
await rm(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({
  backend, runs, outputBytes, measured: measure,
  medians: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
}) + '\n');
await models.dispose();
await tiles.close();
