/**
 * An opened .aeimg or study as the viewer reads it. The whole file is decrypted and authenticated on opening, but
 * only the coded entries stay in memory (a fraction of the pixels); decoded slices live in a cache bounded in bytes,
 * decoded on the codec worker pool when asked for and ahead of the reader in the direction they scroll. A 2,000-slice
 * study so costs its coded size plus the cache, never all its pixels.
 */
import type { ImageAttributes, OpenedImageInfo } from '../../../src-shared/api.js';
import { asWritten, blobLengths, validateImageRecord, type ImageRecord } from '../codec/record.js';
import { AeimgReader, type IdentitySource } from '../container/aeimg-file.js';
import { AeimgError, ErrorCode, inFile } from '../errors.js';
import type { Image } from '../image/image.js';
import { DEFAULT_MAX_PIXELS } from '../image/io.js';
import { mapLimit } from './pool.js';
import { describeAttributes, describeImage } from './view.js';

/** Decoded slices kept in main by default: a 512² 16-bit CT slice is 0.5 MB, so about a thousand of them. */
export const SLICE_CACHE_BYTES = 512 << 20;
/** Denoised views kept per opened file: 64 MB, a hundred-odd 512² 16-bit slices; scrolling a study evicts the oldest. */
export const DENOISED_CACHE_BYTES = 64 << 20;
/** Slices decoded ahead of the one shown, in the direction of travel. */
export const READ_AHEAD = 4;

/** One image's coded entry: what the decoder needs, key-free. */
export interface CodedSlice {
  modelId: string | null;
  record: ImageRecord;
  blobs: Buffer[];
}

/** Where decoding runs: the worker pool's decode (no PNG), or in-process in tests. */
export type SliceDecoder = (modelId: string | null, record: ImageRecord, blobs: Buffer[]) => Promise<Image>;

/**
 * Decrypts `path` entry by entry without decoding: the coded entries of every image, in order. The whole payload is
 * read, so a truncated or altered file fails here, before anything is shown.
 */
export async function readCodedSlices(path: string, identities: IdentitySource, maxPixels = DEFAULT_MAX_PIXELS): Promise<CodedSlice[]> {
  let reader: AeimgReader | undefined;
  try {
    reader = await AeimgReader.open(path, identities);
    const first = await reader.next((meta) => {
      if (meta.kind !== 'file') throw new AeimgError(ErrorCode.Malformed, 'does not start with a file entry.');
      return [];
    });
    if (!first) throw new AeimgError(ErrorCode.Malformed, 'holds no image.');
    const modelId = reader.header.model;
    const slices: CodedSlice[] = [];
    for (;;) {
      let record: ImageRecord | undefined;
      const entry = await reader.next((meta) => {
        if (meta.kind === 'study-end') return []; // the last part of a study says so
        record = asWritten(validateImageRecord(meta, maxPixels), first.meta.app);
        return blobLengths(record);
      });
      if (!entry) break;
      if (record) slices.push({ modelId, record, blobs: entry.blobs });
    }
    if (slices.length === 0) throw new AeimgError(ErrorCode.Malformed, 'holds no image.');
    return slices;
  } catch (err) {
    throw inFile(path, err);
  } finally {
    await reader?.close();
  }
}

/** The opened images' coded entries and a byte-bounded, least-recently-used cache of their decoded pixels. */
export class SliceCache {
  private readonly decoded: ImageLru;
  private readonly inFlight = new Map<number, Promise<Image>>();

  constructor(
    private readonly slices: CodedSlice[],
    private readonly decode: SliceDecoder,
    readonly maxBytes = SLICE_CACHE_BYTES,
  ) {
    this.decoded = new ImageLru(maxBytes);
  }

  get length(): number {
    return this.slices.length;
  }

  /** Bytes of decoded pixels held now (at most maxBytes, or one slice when a single slice is larger). */
  get bytes(): number {
    return this.decoded.bytes;
  }

  record(index: number): ImageRecord {
    return this.slice(index).record;
  }

  /** Image `index` as coded in the file (key-free): what a decoder needs to give its denoised view. */
  coded(index: number): CodedSlice {
    return this.slice(index);
  }

  private slice(index: number): CodedSlice {
    const s = this.slices[index];
    if (!s) throw new AeimgError(ErrorCode.BadInput, `there is no image ${index + 1} (it holds ${this.slices.length}).`);
    return s;
  }

  /** The decoded pixels of image `index`, from the cache or the decoder. */
  image(index: number): Promise<Image> {
    const hit = this.decoded.get(index);
    if (hit) return Promise.resolve(hit);
    let pending = this.inFlight.get(index);
    if (!pending) {
      const s = this.slice(index);
      pending = this.decode(s.modelId, s.record, s.blobs).then((image) => {
        this.decoded.set(index, image);
        return image;
      }).finally(() => this.inFlight.delete(index));
      this.inFlight.set(index, pending);
    }
    return pending;
  }

  /** Starts decoding the next `count` images after `index` in `direction` (+1 or −1) that are not cached yet. */
  readAhead(index: number, direction: 1 | -1, count = READ_AHEAD): void {
    for (let k = 1; k <= count; k++) {
      const i = index + k * direction;
      if (i < 0 || i >= this.slices.length) break;
      if (!this.decoded.has(i) && !this.inFlight.has(i)) this.image(i).catch(() => undefined); // shown when asked for
    }
  }

  /** The viewer's description of every image; each is decoded once for it (`lanes` at a time), then only cached. */
  async describe(lanes: number): Promise<OpenedImageInfo[]> {
    const described = await mapLimit(this.slices, Math.max(1, lanes), async (s, index) => describeImage(s.record, await this.image(index), index));
    return described.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
  }

  /** The DICOM attributes image `index` carried inside the encryption (null for a plain image). */
  attributes(index: number): ImageAttributes | null {
    return describeAttributes(this.record(index));
  }

}

/** Images by index, least recently used evicted first once over `maxBytes` (one image is always kept). */
export class ImageLru {
  private readonly images = new Map<number, Image>();
  private held = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.images.size;
  }

  get bytes(): number {
    return this.held;
  }

  /** Whether image `index` is held (without making it the most recently used). */
  has(index: number): boolean {
    return this.images.has(index);
  }

  get(index: number): Image | undefined {
    const hit = this.images.get(index);
    if (hit) {
      this.images.delete(index); // most recently used last
      this.images.set(index, hit);
    }
    return hit;
  }

  set(index: number, image: Image): void {
    const old = this.images.get(index);
    if (old) this.held -= old.pixels.byteLength;
    this.images.delete(index);
    this.images.set(index, image);
    this.held += image.pixels.byteLength;
    for (const [i, img] of this.images) {
      if (this.held <= this.maxBytes || this.images.size <= 1) break;
      this.images.delete(i);
      this.held -= img.pixels.byteLength;
    }
  }
}
