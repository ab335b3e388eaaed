/** The one loop over an .aeimg's images, for single files and study parts alike. */
import { asWritten, blobLengths, validateImageRecord, type ImageRecord } from '../codec/record.js';
import type { AeimgReader } from '../container/aeimg-file.js';
import { STUDY_END } from '../container/study.js';
import type { Image } from '../image/image.js';
import { abortable, checkAborted } from './abort.js';

/** Where the key-free decoding runs: a worker pool's decode, or in-process by default. */
export type DecodeFn = (modelId: string | null, record: ImageRecord, blobs: Buffer[], png: boolean) => Promise<{ image: Image; png?: Buffer }>;

export interface DecodedImage {
  record: ImageRecord;
  image: Image;
  /** The image as PNG when asked for and the decoder made it (a worker encodes it beside the decoding). */
  png?: Buffer;
  /** The record's blobs as the file carried them (a kept frame's data goes into DICOM output as it is). */
  blobs: Buffer[];
}

export interface ImageLoopOptions {
  decode: DecodeFn;
  png: boolean;
  maxPixels: number;
  /** Images decoding ahead of the consumer (default 1: one at a time; twice the pool size keeps a pool busy). */
  lookahead?: number;
  signal?: AbortSignal;
  /** The last part of a study ends with an entry saying how many images the study holds. */
  onStudyEnd?: (meta: Record<string, unknown>) => void;
  /** The file entry's `app` (its writer, "aeimg 0.41.0"): records as it measured them (codec/record.ts asWritten). */
  writer?: unknown;
  /** Milliseconds spent decrypting entries and waiting for decoded images, added to these counters. */
  timings?: { decrypt?: number; decoder?: number };
}

/**
 * The images after the reader's first entry, decoded in order. Each entry's metadata is validated (declared sizes
 * against the limit) before its bytes are read; a cancelled signal stops between images.
 */
export async function* decodedImages(reader: AeimgReader, opts: ImageLoopOptions): AsyncGenerator<DecodedImage> {
  const ahead: { record: ImageRecord; blobs: Buffer[]; decoded: Promise<{ image: Image; png?: Buffer }> }[] = [];
  const lookahead = Math.max(1, opts.lookahead ?? 1);
  const t = opts.timings ?? {};
  const take = async (): Promise<DecodedImage> => {
    const { record, blobs, decoded } = ahead.shift()!;
    const start = performance.now();
    const out = await abortable(decoded, opts.signal);
    t.decoder = (t.decoder ?? 0) + performance.now() - start;
    return { record, blobs, ...out };
  };
  try {
    for (;;) {
      checkAborted(opts.signal);
      let record: ImageRecord | undefined;
      let end: Record<string, unknown> | undefined;
      const start = performance.now();
      const entry = await reader.next((meta) => {
        if (meta.kind === STUDY_END) { end = meta; return []; }
        record = asWritten(validateImageRecord(meta, opts.maxPixels), opts.writer);
        return blobLengths(record);
      });
      t.decrypt = (t.decrypt ?? 0) + performance.now() - start;
      if (!entry) break;
      if (end) { opts.onStudyEnd?.(end); continue; }
      const decoded = opts.decode(reader.header.model, record!, entry.blobs, opts.png);
      decoded.catch(() => undefined); // awaited in order by take()
      ahead.push({ record: record!, blobs: entry.blobs, decoded });
      if (ahead.length >= lookahead) yield await take();
    }
    while (ahead.length > 0) yield await take();
  } finally {
    await Promise.allSettled(ahead.map((a) => a.decoded));
  }
}
