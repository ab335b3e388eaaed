/**
 * A pool of codec workers, one per core by default (tfjs-wasm is single-threaded in Node), each holding its own
 * model: batches run in parallel with no per-image model reload. Workers only encode and decode; the calling
 * thread keeps the keys and does all encryption and file writing.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ImageRecord } from '../codec/record.js';
import { AeimgError, type ErrorCode, type ErrorFacts, type Remedy } from '../errors.js';
import type { Image } from '../image/image.js';
import type { ModelPart, TileExecutor } from '../model/autoencoder.js';
import type { EncodedFile, EncodeTask } from './encrypt.js';
import type { CodecRequest } from './codec-worker.js';
import { startWorker } from '../workers/start.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

export class CodecPool implements TileExecutor {
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];

  private constructor(private readonly workers: Worker[]) {
    this.load = workers.map(() => 0);
    workers.forEach((w, i) => {
      w.on('message', (m: { id: number; ok?: unknown; error?: { code?: ErrorCode; message: string; remedy?: Remedy; facts?: ErrorFacts } }) => {
        this.load[i]!--;
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error) p?.reject(m.error.code ? new AeimgError(m.error.code, m.error.message, m.error) : new Error(m.error.message));
        else p?.resolve(m.ok);
      });
      w.on('error', (err) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
  }

  /** `script`: the app's bundled codec worker; by default the command line's (bundled, or the source through tsx). */
  static create(size = availableParallelism(), script?: string): CodecPool {
    return new CodecPool(Array.from({ length: Math.max(1, size) }, () => script
      ? new Worker(script)
      : startWorker(import.meta.url, './codec-worker.ts', 'codec-worker')));
  }

  get size(): number {
    return this.workers.length;
  }

  private run<T>(req: DistributiveOmit<CodecRequest, 'id'>): Promise<T> {
    const id = this.next++;
    const i = this.load.indexOf(Math.min(...this.load)); // least busy worker
    this.load[i]!++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.workers[i]!.postMessage({ ...req, id });
    });
  }

  /** One network tile on a worker (big images use every core). */
  infer(model: string, part: ModelPart, crop: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
    return this.run<Float32Array>({ op: 'infer', model, part, crop, shape });
  }

  async encode(model: string, task: EncodeTask): Promise<EncodedFile> {
    const r = await this.run<EncodedFile>({ op: 'encode', model, task });
    const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    return { ...r, images: r.images.map((e) => ({ ...e, blobs: e.blobs.map(buf) })) };
  }

  /**
   * The denoised view of pixels in memory through model `model` (image-codec.ts denoiseImage); `received`: the pixels
   * are a file's own, within this error bound (impulses are repaired first, detail restored from them after).
   */
  denoise(model: string, image: Image, received?: number): Promise<Image> {
    return this.run<Image>({ op: 'denoise', model, image, ...(received !== undefined ? { received } : {}) });
  }

  /** A record decoded as sent, or with `denoise` its denoised view (image-codec.ts decodeImageRecord). */
  async decode(modelId: string | null, record: ImageRecord, blobs: Buffer[], png: boolean, denoise = false): Promise<{ image: Image; png?: Buffer }> {
    const r = await this.run<{ image: Image; png?: Uint8Array }>({ op: 'decode', modelId, record, blobs, png, ...(denoise ? { denoise } : {}) });
    return { image: r.image, png: r.png ? Buffer.from(r.png.buffer, r.png.byteOffset, r.png.byteLength) : undefined };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A pool started on first use: a single small image never pays for the workers. */
export class LazyPool implements TileExecutor {
  private pool: CodecPool | null = null;
  constructor(readonly size = availableParallelism()) {}
  infer(model: string, part: ModelPart, crop: Float32Array, shape: [number, number, number, number]): Promise<Float32Array> {
    this.pool ??= CodecPool.create(this.size);
    return this.pool.infer(model, part, crop, shape);
  }
  async close(): Promise<void> {
    await this.pool?.close();
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping results in order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let cursor = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (cursor < items.length) {
      const i = cursor++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]!, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  });
  await Promise.all(lanes);
  return results;
}
