/**
 * The one place that imports tfjs. Backend order: tensorflow (tfjs-node-gpu, then tfjs-node) → wasm → cpu.
 * The native packages are optionalDependencies: they often cannot install (no libtensorflow download).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';

export { tf, tfl };

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  /** Why faster backends were skipped, for the log. */
  skipped: string[];
}

let chosen: Promise<BackendInfo> | undefined;

const require = createRequire(import.meta.url);

async function tryNative(pkg: string): Promise<string | null> {
  try {
    require(pkg); // registers the 'tensorflow' backend with the shared tfjs-core
    return (await tf.setBackend('tensorflow')) ? null : 'did not initialise';
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    return /Cannot find module/.test(msg) ? 'not installed' : msg.split('\n')[0]!.slice(0, 120);
  }
}

async function choose(preferred?: string): Promise<BackendInfo> {
  const skipped: string[] = [];
  const want = (name: BackendName) => !preferred || preferred === name;
  if (want('tensorflow-gpu')) {
    const why = await tryNative('@tensorflow/tfjs-node-gpu');
    if (!why) return { name: 'tensorflow-gpu', skipped };
    skipped.push(`tfjs-node-gpu: ${why}`);
  }
  if (want('tensorflow')) {
    const why = await tryNative('@tensorflow/tfjs-node');
    if (!why) return { name: 'tensorflow', skipped };
    skipped.push(`tfjs-node: ${why}`);
  }
  if (want('wasm')) {
    try {
      // The kernels compiled optimised from the start (TurboFan), not first by V8's baseline compiler (Liftoff) with the
      // optimised code made on a background thread: with every core running a worker's kernels, that thread waited, and a
      // batch at `max` ran its convolutions unoptimised for most of the run (measured: 100 slices through two workers,
      // 5.9 s against 4.4 s; varied with module load order). Process-wide, before the module is compiled.
      setFlagsFromString('--no-liftoff');
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) return { name: 'wasm', skipped };
      skipped.push('wasm: did not initialise');
    } catch (err) {
      skipped.push(`wasm: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  await tf.setBackend('cpu');
  return { name: 'cpu', skipped };
}

/**
 * Picks the fastest backend that works, once per process. AEIMG_BACKEND=wasm|cpu|tensorflow|tensorflow-gpu
 * forces one (falling back to cpu if it cannot start).
 */
export function initBackend(preferred = process.env.AEIMG_BACKEND): Promise<BackendInfo> {
  chosen ??= choose(preferred || undefined);
  return chosen;
}
