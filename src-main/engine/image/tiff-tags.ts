/**
 * A TIFF's directories (classic or BigTIFF), read by hand where libvips does not say what they hold (an ImageJ description and its
 * Info, image/imagej.ts; a page's Photometric Interpretation): entries read in the file's byte order, each value's bytes
 * checked inside the file, nothing trusted that lies beyond it.
 */

export interface TiffEntry { type: number; count: number; at: number }
export type TiffReader = NonNullable<ReturnType<typeof tiffReader>>;

/** More than an ImageJ description or DICOM header holds: a longer entry is not read. */
const MAX_TEXT_BYTES = 1 << 20;
/** More directories than a file's pages are not walked (a damaged file's chain may loop). */
const MAX_DIRECTORIES = 1 << 16;

/** A TIFF's directories, classic or BigTIFF (undefined for another file). */
export function tiffReader(data: Uint8Array) {
  if (data.length < 8) return undefined;
  const little = data[0] === 0x49 && data[1] === 0x49;
  if (!little && !(data[0] === 0x4d && data[1] === 0x4d)) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  /** A BigTIFF's 8-byte number; beyond any file's size, Infinity (so every bound check fails). */
  const u64 = (at: number) => {
    const v = view.getBigUint64(at, little);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  };
  // A BigTIFF (43; libvips and GDAL write one on request or past 4 GB) has 8-byte counts and offsets: bytes 4..7 say so.
  const big = u16(2) === 43;
  if (big ? data.length < 16 || u16(4) !== 8 || u16(6) !== 0 : u16(2) !== 42) return undefined;
  const [countBytes, entryBytes, offsetBytes] = big ? [8, 20, 8] : [2, 12, 4];
  const offsetAt = (at: number) => (big ? u64(at) : u32(at));
  const first = offsetAt(big ? 8 : 4);
  const size = (type: number) => ({ 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 16: 8, 17: 8, 18: 8 } as Record<number, number>)[type];
  /** The entries of the directory at `ifd`, and where the next one is (0: none); undefined where it lies beyond the file. */
  const directory = (ifd: number): { entries: Map<number, TiffEntry>; next: number } | undefined => {
    if (ifd < 8 || ifd + countBytes > data.length) return undefined;
    const n = big ? u64(ifd) : u16(ifd);
    if (ifd + countBytes + n * entryBytes + offsetBytes > data.length) return undefined;
    const entries = new Map<number, TiffEntry>();
    for (let i = 0; i < n; i++) {
      const e = ifd + countBytes + i * entryBytes;
      const type = u16(e + 2), count = big ? u64(e + 4) : u32(e + 4);
      const bytes = (size(type) ?? 0) * count, value = e + (big ? 12 : 8);
      entries.set(u16(e), { type, count, at: bytes <= offsetBytes ? value : offsetAt(value) });
    }
    return { entries, next: offsetAt(ifd + countBytes + n * entryBytes) };
  };
  return {
    u32,
    firstEntries: (): Map<number, TiffEntry> | undefined => directory(first)?.entries,
    /** The entries of its first `atMost` directories, in order, as far as they can be read. */
    pages(atMost: number): Map<number, TiffEntry>[] {
      const out: Map<number, TiffEntry>[] = [];
      const seen = new Set<number>();
      for (let ifd = first; ifd && out.length < Math.min(atMost, MAX_DIRECTORIES) && !seen.has(ifd); ) {
        seen.add(ifd);
        const dir = directory(ifd);
        if (!dir) break;
        out.push(dir.entries);
        ifd = dir.next;
      }
      return out;
    },
    /** A single SHORT, LONG or (BigTIFF) LONG8's value (undefined where absent or not one). */
    number(entry: TiffEntry | undefined): number | undefined {
      if (!entry || entry.count !== 1) return undefined;
      return entry.type === 3 ? u16(entry.at) : entry.type === 4 ? u32(entry.at) : entry.type === 16 ? u64(entry.at) : undefined;
    },
    /** An entry's bytes (ASCII, BYTE, UNDEFINED), undefined where they lie beyond the file or beyond reason. */
    bytesOf(entry: TiffEntry): Uint8Array | undefined {
      if (size(entry.type) !== 1 || entry.count > MAX_TEXT_BYTES || entry.at + entry.count > data.length) return undefined;
      return data.subarray(entry.at, entry.at + entry.count);
    },
    /** A single RATIONAL's value, undefined where it lies beyond the file or is not a finite number. */
    rational(entry: TiffEntry | undefined): number | undefined {
      if (!entry || entry.type !== 5 || entry.count !== 1 || entry.at + 8 > data.length) return undefined;
      const v = u32(entry.at) / u32(entry.at + 4);
      return Number.isFinite(v) ? v : undefined;
    },
    little,
  };
}

const PHOTOMETRIC = 262, BITS_PER_SAMPLE = 258, SAMPLES_PER_PIXEL = 277, NEW_SUBFILE_TYPE = 254, SUBFILE_TYPE = 255;

/**
 * A TIFF page that is not an image of its own but a copy or part of another (TIFF 6.0 NewSubfileType bit 0, or the
 * older SubfileType 2: a reduced-resolution copy, as a pyramid's levels and a thumbnail are; bit 2: a transparency mask).
 */
export type SubsidiaryPage = 'reduced' | 'mask';

/** What a TIFF page's directory says that libvips does not. */
export interface TiffPage {
  /**
   * Grey of 8, 16 or 32 bits whose Photometric Interpretation is WhiteIsZero (0: the lowest value shows white, as
   * DICOM's MONOCHROME1; ImageJ writes it for an image shown through an inverted LUT, as it shows a MONOCHROME1 DICOM
   * file). libvips reads such a page of unsigned 8 or 16 bits inverted (its maximum less each value), as a DICOM file's
   * MONOCHROME1 samples are kept; a signed, 32-bit or float one aeimg reads and inverts alike (io.ts, 0.44).
   */
  whiteIsZero: boolean;
  /** What it is beside the image, where it is a copy or mask of another. */
  subsidiary?: SubsidiaryPage;
}

/** Each of a TIFF's first `pages` directories, as far as they can be read; undefined for other files. */
export function tiffPages(data: Uint8Array, pages: number): TiffPage[] | undefined {
  const tiff = tiffReader(data);
  return tiff?.pages(pages).map((entries) => {
    const whiteIsZero = tiff.number(entries.get(PHOTOMETRIC)) === 0 &&
      (tiff.number(entries.get(SAMPLES_PER_PIXEL)) ?? 1) === 1 && [8, 16, 32].includes(tiff.number(entries.get(BITS_PER_SAMPLE)) ?? 1);
    const bits = tiff.number(entries.get(NEW_SUBFILE_TYPE)) ?? 0;
    const subsidiary = bits & 4 ? 'mask' : bits & 1 || tiff.number(entries.get(SUBFILE_TYPE)) === 2 ? 'reduced' : undefined;
    return { whiteIsZero, ...(subsidiary ? { subsidiary } : {}) };
  });
}
