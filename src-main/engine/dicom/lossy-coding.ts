/**
 * Whether a compressed frame's data is itself lossy, as its coding says (aeimg 0.47): a DICOM file whose JPEG 2000 or
 * HTJ2K frames are of the irreversible wavelet, or whose JPEG-LS or lossless JPEG drops detail, does not always say so
 * in Lossy Image Compression (0028,2110), and "bit-exact" is then to that file, not to the scanner's data: the reader
 * must be told. Also what an image file read as a codestream (image/codestream-file.ts) is said to be.
 */
import { u16be as u16, u32be as u32 } from '../big-endian.js';
import { DCT_JPEG_SYNTAXES, JPEG_2000_SYNTAXES, LOSSLESS_JPEG_SYNTAXES, NATIVE_SYNTAXES, syntaxTitle, TransferSyntax } from './codecs.js';
import { jpegLsCoding, losslessPointTransform } from './jpeg-markers.js';

/** A lossy frame's Lossy Image Compression Method (0028,2114) and Ratio (0028,2112): its stored samples' bytes over its data's. */
export interface LossyCoding {
  method: string;
  ratio: number;
}

/**
 * From a JPEG 2000 codestream: whether it is High-Throughput JPEG 2000 (ISO 15444-15: Rsiz bit 14, or a capabilities
 * marker, CAP, in its main header), which OpenJPH reads, and whether a coding style (COD, or a component's, COC) in its
 * main header or a tile-part's (0.47: a tile may be coded otherwise than the main header says) names the irreversible
 * 9-7 wavelet, which does not give back the samples it was given.
 */
export function j2kMainHeader(d: Uint8Array): { ht: boolean; irreversible: boolean } {
  const found = { ht: d.length >= 8 && (u16(d, 6) & 0x4000) !== 0, irreversible: false };
  // COC names its component in one byte, or two where the image has more than 256 (SIZ's Csiz).
  const componentBytes = d.length >= 42 && u16(d, 40) > 256 ? 2 : 1;
  let at = 2;
  for (; at + 4 <= d.length && u16(d, at) !== 0xff90; at += 2 + u16(d, at + 2)) {
    if (d[at] !== 0xff) break;
    if (u16(d, at) === 0xff50) found.ht = true;
    if (namesIrreversible(d, at, componentBytes)) found.irreversible = true;
  }
  // Tile-parts: SOT (Lsot, Isot, Psot, TPsot, TNsot: 12 bytes), then its header's markers up to SOD; Psot to the next.
  for (let tile = at; !found.irreversible && tile + 12 <= d.length && u16(d, tile) === 0xff90;) {
    for (let m = tile + 12; m + 4 <= d.length && d[m] === 0xff && u16(d, m) !== 0xff93; m += 2 + u16(d, m + 2)) {
      if (namesIrreversible(d, m, componentBytes)) found.irreversible = true;
    }
    const psot = u32(d, tile + 6);
    if (psot === 0) break; // the last tile-part, to the end
    tile += psot;
  }
  return found;
}

/** Whether the marker segment at `at` is a COD or COC that names the 9-7 wavelet (its SPcod's or SPcoc's last byte 0). */
function namesIrreversible(d: Uint8Array, at: number, componentBytes: number): boolean {
  const marker = u16(d, at);
  // COD: Lcod, Scod, progression order, layers (2), MCT, then SPcod: levels, code-block width, height, style, wavelet.
  if (marker === 0xff52) return d[at + 13] === 0;
  // COC: Lcoc, Ccoc, Scoc, then SPcoc as SPcod.
  return marker === 0xff53 && d[at + 9 + componentBytes] === 0;
}

/**
 * The Lossy Image Compression Method (PS3.3 C.7.6.1.1.5) of a DICOM frame whose data is itself lossy, as its coding
 * says whatever the file's Lossy Image Compression (0028,2110) says: DCT JPEG; lossless JPEG with a point transform
 * (its low bits dropped); JPEG-LS with NEAR above 0; JPEG 2000 or HTJ2K of the irreversible 9-7 wavelet. Undefined for
 * a lossless coding, and for a reversible wavelet, which may have been cut to a rate (dicomLossySource says "may").
 */
export function lossyCodingMethod(syntax: string, data: Uint8Array): string | undefined {
  if (DCT_JPEG_SYNTAXES.has(syntax)) return 'ISO_10918_1';
  if (LOSSLESS_JPEG_SYNTAXES.has(syntax)) {
    return (losslessPointTransform(data)?.pt ?? 0) > 0 ? 'ISO_10918_1' : undefined;
  }
  if (syntax === TransferSyntax.JpegLsLossless || syntax === TransferSyntax.JpegLsNear) {
    return (jpegLsCoding(data)?.near ?? 0) > 0 ? 'ISO_14495_1' : undefined;
  }
  if (!JPEG_2000_SYNTAXES.has(syntax)) return undefined;
  const lossy = u16(data, 0) === 0xff4f && j2kMainHeader(data).irreversible;
  return lossy ? (HTJ2K_SYNTAXES.has(syntax) ? 'ISO_15444_15' : 'ISO_15444_1') : undefined;
}

/**
 * JPEG 2000 and HTJ2K of the syntaxes that allow a lossy coding (1.2.840.10008.1.2.4.91, .203; the lossless ones are
 * .90, .201, .202) whose file does not say 00: a reversible wavelet cut short by a rate (OpenJPEG's `-r 40`) is lossy
 * too, and nothing in the codestream says it was, so such a file may have been lossy-compressed.
 */
export const mayBeLossy = (syntax: string, flag: string) =>
  flag !== '00' && flag !== '01' && (syntax === TransferSyntax.J2k || syntax === TransferSyntax.Htj2k);

/** Lossy Image Compression Method terms (PS3.3 C.7.6.1.1.5) in words. */
const METHOD_TITLES: Record<string, string> = {
  ISO_10918_1: 'JPEG', ISO_14495_1: 'JPEG-LS near-lossless', ISO_15444_1: 'JPEG 2000', ISO_15444_2: 'JPEG 2000',
  ISO_15444_15: 'High-Throughput JPEG 2000', ISO_13818_2: 'MPEG2', ISO_14496_10: 'H.264', ISO_23008_2: 'HEVC', ISO_18181_1: 'JPEG XL',
};

/** How a DICOM image had lost information before aeimg read it: in words ("JPEG 2000"), and whether it surely had. */
export interface DicomLossy {
  words: string;
  /** Lossy Image Compression 01 or a DCT syntax; else it may have been (mayBeLossy). */
  certain: boolean;
}

/**
 * How a DICOM image had lost information before aeimg read it, from its Lossy Image Compression (0028,2110) and Method
 * (0028,2114) and its transfer syntax; undefined where it had not. A DCT JPEG syntax is lossy whatever the file says,
 * and a lossy-capable JPEG 2000 one may have been unless it says 00 (mayBeLossy). What a receiver is told (jobs/view.ts,
 * lossyWords) and what DICOM written from it says (dicom/write.ts), for records of any version: a sender since 0.47
 * also marks what the frame's own coding shows (lossyCodingMethod, dicom/import.ts).
 */
export function dicomLossySource(ds: Record<string, { Value?: unknown[] } | undefined>, syntax: string): DicomLossy | undefined {
  const flag = String(ds['00282110']?.Value?.[0] ?? '').trim();
  const certain = flag === '01' || DCT_JPEG_SYNTAXES.has(syntax);
  if (!certain && !mayBeLossy(syntax, flag)) return undefined;
  // A lossless JPEG file that says ISO_10918_1 may hold a point transform or have been a DCT JPEG before: "JPEG" says both.
  const method = METHOD_TITLES[String(ds['00282114']?.Value?.[0] ?? '').trim()];
  return { words: method ?? (NATIVE_SYNTAXES.has(syntax) ? 'Lossy Image Compression 01' : syntaxTitle(syntax)), certain };
}

/** What the reader is told of it, after "bit-exact" or the figures (a DICOM file's Derivation Description too). */
export const lossyWords = (l: DicomLossy): string => (l.certain ? `the sender's DICOM file was itself lossy-compressed (${l.words})`
  : `the sender's DICOM file may have been lossy-compressed (${l.words}: its transfer syntax allows a lossy coding, and the file does not say whether it was)`);

const HTJ2K_SYNTAXES = new Set<string>([TransferSyntax.Htj2kLossless, TransferSyntax.Htj2kRpclLossless, TransferSyntax.Htj2k]);
