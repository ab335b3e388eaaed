/** Starts a worker thread on our own code, wherever that code runs from. */
import { Worker } from 'node:worker_threads';

/**
 * A worker for `source` (a TypeScript module, relative to `caller`): from the bundled command line (dist-cli/, built
 * by scripts/build-cli.mjs) the bundled `bundled`.mjs beside the calling chunk; from the sources, the module through
 * tsx (worker threads do not inherit the parent's TypeScript loader: workers/entry.mjs registers it).
 */
export function startWorker(caller: string, source: string, bundled: string): Worker {
  if (caller.endsWith('.mjs')) return new Worker(new URL(`./${bundled}.mjs`, caller));
  return new Worker(new URL('./entry.mjs', import.meta.url), { workerData: { module: new URL(source, caller).href } });
}
