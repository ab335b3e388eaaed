#!/usr/bin/env node
// Builds the command line and its worker threads into dist-cli/ (npm's `prepare` runs this after `npm ci`), so that
// `npx aeimg` starts without compiling TypeScript: one ES module per entry, shared code split into chunks that load
// only when a command needs them, packages left in node_modules. bin/aeimg.js falls back to the sources (through tsx)
// when dist-cli/ is missing or older than any source file.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist-cli');
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    aeimg: join(root, 'src-main/cli/main.ts'),
    'codec-worker': join(root, 'src-main/engine/jobs/codec-worker.ts'),
    'train-worker': join(root, 'src-main/engine/train/worker.ts'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]', // beside the entries: workers are found next to the code that starts them
  sourcemap: true,
  logLevel: 'warning',
});
