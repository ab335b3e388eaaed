/**
 * Animated PNG (APNG: an ultrasound loop or a cine as some viewers export it). The image library reads a PNG's
 * default image only, so such a file lost every frame but the first without a word. Here its chunks are walked (the
 * APNG specification, "Chunk sequence"), each frame is handed to the library as a PNG of its own (the file's IHDR
 * at the frame's size, its palette and colour chunks, the frame's data as IDAT), and the frames are composed on the
 * canvas as a browser plays them: blend SOURCE or OVER, then dispose NONE, BACKGROUND or PREVIOUS. Canvas areas no
 * frame has covered are transparent black, as a player shows them: an image without alpha gets alpha for them.
 */
import { AeimgError, ErrorCode } from '../errors.js';
import { allocPixels, hasAlpha, maxValue, withoutAlpha, type Image } from './image.js';
import { imageSignature, PNG_SIGNATURE } from './signature.js';
import { cutShort, endsEarly } from './cut-short.js';
import { MAX_FILE_PIXEL_BYTES } from '../defaults.js';
import { pngChunk, pngChunks } from './png-chunks.js';
import { u32be as u32 } from '../big-endian.js';

/** One frame's control chunk (fcTL) and where its image data lies in the file. */
interface ApngFrame {
  width: number; height: number; x: number; y: number;
  /** How long it is shown, in ms (delay_num / delay_den seconds; a den of 0 means 100). */
  delayMs: number;
  dispose: 0 | 1 | 2;
  blend: 0 | 1;
  /** Its compressed image data: the IDAT chunks' (the default image) or the fdAT chunks' after their sequence number. */
  data: Uint8Array[];
}

/** An APNG's canvas and frames, from its chunks (no pixel decoded). */
export interface Apng {
  width: number; height: number;
  /** The IHDR data and the chunks every frame's PNG needs (palette, transparency, colour space). */
  ihdr: Uint8Array;
  shared: { type: string; data: Uint8Array }[];
  frames: ApngFrame[];
}

/** Chunks before the image data that say how its samples read: each frame's PNG carries them. */
const SHARED = new Set(['PLTE', 'tRNS', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'sBIT', 'cICP', 'mDCV', 'cLLI']);
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function damaged(why: string): AeimgError {
  return new AeimgError(ErrorCode.BadInput, `is an animated PNG whose frames are damaged (${why}): export the loop again, or send the DICOM file.`);
}

/**
 * The frames of `data` if it is an animated PNG (an acTL chunk before its image data), else undefined. Throws where
 * it ends before its last frame does (a copy cut short, as cut-short.ts names a still PNG's), its frames do not fit
 * its canvas, or its chunks contradict each other.
 */
export function apngOf(data: Uint8Array): Apng | undefined {
  if (imageSignature(data) !== 'PNG') return undefined;
  let ihdr: Uint8Array | undefined, declared: number | undefined, seenIdat = false;
  const shared: Apng['shared'] = [];
  const frames: ApngFrame[] = [];
  let current: ApngFrame | undefined;
  let sequence = 0, badChecksum: string | undefined, problem: string | undefined;
  for (const { type, data: body, crcMatches } of pngChunks(data)) {
    if (!body) break; // cut short
    const length = body.length;
    // The image library checks the CRCs of what it reads, and it reads only what is handed to it: each frame's PNG,
    // made here with CRCs of its own. A damaged frame control chunk would otherwise move or time a frame silently.
    if (!crcMatches()) badChecksum ??= type;
    // Frame chunks are read wherever they are (the default image's fcTL may come before acTL); what is wrong with them
    // counts only once the file turns out to be an APNG: a still PNG's stray chunks are its reader's business.
    if (type === 'IHDR') ihdr = body;
    else if (type === 'acTL' && !seenIdat && length === 8) declared = u32(body, 0);
    else if (SHARED.has(type) && !seenIdat) shared.push({ type, data: body }); // before acTL too: PLTE may come first
    else if (type === 'IDAT' && declared === undefined) return undefined; // a still PNG: acTL comes before the image data
    else if (problem) continue;
    else if (type === 'fcTL') {
      if (length !== 26) { problem = 'a frame control chunk of the wrong length'; continue; }
      const v = new DataView(body.buffer, body.byteOffset, 26);
      if (v.getUint32(0) !== sequence++) { problem = 'its chunks are out of sequence'; continue; }
      const den = v.getUint16(22) || 100;
      current = {
        width: v.getUint32(4), height: v.getUint32(8), x: v.getUint32(12), y: v.getUint32(16),
        delayMs: (v.getUint16(20) * 1000) / den, dispose: body[24]! as ApngFrame['dispose'], blend: body[25]! as ApngFrame['blend'], data: [],
      };
      if (current.dispose > 2 || current.blend > 1) problem = 'an unknown dispose or blend operation';
      frames.push(current);
    } else if (type === 'IDAT') {
      seenIdat = true;
      if (current && frames.length === 1) current.data.push(body); // the default image is the first frame (else not shown)
    } else if (type === 'fdAT') {
      if (length < 4 || u32(body, 0) !== sequence++) problem = 'its chunks are out of sequence';
      else if (!current) problem = 'frame data before any frame control chunk';
      else current.data.push(body.subarray(4));
    } else if (type === 'IEND') break;
  }
  if (declared === undefined || !ihdr || ihdr.length !== 13) return undefined;
  if (problem) throw damaged(problem);
  if (badChecksum) throw damaged(`its ${badChecksum} chunk's checksum does not match`);
  const ih = new DataView(ihdr.buffer, ihdr.byteOffset, 13);
  const width = ih.getUint32(0), height = ih.getUint32(4), depth = ihdr[8]!, channels = CHANNELS[ihdr[9]!] ?? 4;
  const withData = frames.filter((f) => f.data.length > 0);
  if (withData.length !== frames.length || frames.length !== declared || declared === 0) {
    if (endsEarly(data)) throw cutShort('PNG'); // its last frames' chunks past the end: a copy cut short (cut in IEND only, it is whole)
    throw damaged(`its header says ${declared} frame(s), its chunks hold ${withData.length}`);
  }
  for (const f of frames) {
    if (f.width < 1 || f.height < 1 || f.x + f.width > width || f.y + f.height > height) throw damaged('a frame reaches outside the image');
  }
  // Composed with alpha (composeApng): a palette's colours, or grey or RGB and an alpha channel.
  const frameBytes = width * height * (ihdr[9] === 3 ? 4 : channels % 2 === 1 ? channels + 1 : channels) * (depth === 16 ? 2 : 1);
  if (frameBytes * frames.length > MAX_FILE_PIXEL_BYTES) {
    throw new AeimgError(ErrorCode.TooLarge, `is an animated PNG of ${frames.length} frames holding ${(frameBytes * frames.length / 2 ** 30).toFixed(2)} GiB ` +
      'of pixels, more than aeimg decodes at once (1 GiB): split it into smaller files.');
  }
  return { width, height, ihdr, shared, frames };
}

/** A frame as a PNG of its own: the file's IHDR at the frame's size, the shared chunks, its data as one IDAT. */
export function framePng(apng: Apng, frame: number): Buffer {
  const f = apng.frames[frame]!;
  const ihdr = Buffer.from(apng.ihdr);
  ihdr.writeUInt32BE(f.width, 0);
  ihdr.writeUInt32BE(f.height, 4);
  return Buffer.concat([
    Buffer.from(PNG_SIGNATURE), pngChunk('IHDR', ihdr), ...apng.shared.map((c) => pngChunk(c.type, c.data)),
    pngChunk('IDAT', Buffer.concat(f.data)), pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * The frames composed on the canvas as a player shows them, each decoded by `decode` (a frame's own PNG). They are
 * composed with alpha; frames without it have alpha only where some canvas area is left transparent (not covered, or
 * cleared), as a player shows it.
 */
export async function composeApng(apng: Apng, decode: (png: Buffer) => Promise<Image>): Promise<Image[]> {
  const pages: Image[] = [];
  let canvas: Image | undefined, opaque: boolean | undefined;
  for (const [i, f] of apng.frames.entries()) {
    const decoded = await decode(framePng(apng, i));
    if (decoded.width !== f.width || decoded.height !== f.height) throw damaged('a frame decodes to another size than its control chunk says');
    opaque ??= !hasAlpha(decoded);
    const image = opaque ? withAlpha(decoded) : decoded;
    canvas ??= { width: apng.width, height: apng.height, channels: image.channels, bitDepth: image.bitDepth, pixels: allocPixels(apng.width, apng.height, image.channels, image.bitDepth) };
    if (image.channels !== canvas.channels || image.bitDepth !== canvas.bitDepth) throw damaged('its frames decode to different sample layouts');
    const before = f.dispose === 2 ? canvas.pixels.slice() : undefined;
    blend(canvas, image, f, opaque);
    pages.push({ ...canvas, pixels: canvas.pixels.slice() });
    if (f.dispose === 1 || (f.dispose === 2 && i === 0)) clear(canvas, f);
    else if (before) canvas.pixels.set(before);
  }
  const top = maxValue(pages[0]!.bitDepth);
  const covered = (p: Image) => {
    for (let k = p.channels - 1; k < p.pixels.length; k += p.channels) if (p.pixels[k] !== top) return false;
    return true;
  };
  if (opaque && pages.every(covered)) pages.forEach((p, i) => { pages[i] = withoutAlpha(p); }); // one page at a time: a clip may be near 1 GiB
  return pages;
}

/** `image` (grey or RGB) with an opaque alpha channel. */
function withAlpha(image: Image): Image {
  const c = image.channels, top = maxValue(image.bitDepth), n = image.width * image.height;
  const pixels = allocPixels(image.width, image.height, c + 1, image.bitDepth);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < c; k++) pixels[i * (c + 1) + k] = image.pixels[i * c + k]!;
    pixels[i * (c + 1) + c] = top;
  }
  return { ...image, channels: (c + 1) as Image['channels'], pixels };
}

/** `src` onto the canvas at the frame's place: replacing (SOURCE) or alpha-composited over what is there (OVER). */
function blend(canvas: Image, src: Image, f: ApngFrame, opaque: boolean): void {
  const c = canvas.channels, top = maxValue(canvas.bitDepth), over = f.blend === 1 && !opaque;
  if (!over) { // replaced row by row (an opaque frame over anything is the frame)
    for (let y = 0; y < f.height; y++) canvas.pixels.set(src.pixels.subarray(y * f.width * c, (y + 1) * f.width * c), ((f.y + y) * canvas.width + f.x) * c);
    return;
  }
  for (let y = 0; y < f.height; y++) {
    for (let x = 0; x < f.width; x++) {
      const s = (y * f.width + x) * c, d = ((f.y + y) * canvas.width + f.x + x) * c;
      const sa = src.pixels[s + c - 1]!;
      if (sa === top) {
        for (let k = 0; k < c; k++) canvas.pixels[d + k] = src.pixels[s + k]!;
        continue;
      }
      if (sa === 0) continue;
      const da = canvas.pixels[d + c - 1]!, outA = sa + (da * (top - sa)) / top;
      for (let k = 0; k < c - 1; k++) {
        canvas.pixels[d + k] = Math.round((src.pixels[s + k]! * sa + (canvas.pixels[d + k]! * da * (top - sa)) / top) / outA);
      }
      canvas.pixels[d + c - 1] = Math.round(outA);
    }
  }
}

/** The frame's region back to transparent black (DISPOSE_OP_BACKGROUND). */
function clear(canvas: Image, f: ApngFrame): void {
  const c = canvas.channels;
  for (let y = 0; y < f.height; y++) canvas.pixels.fill(0, ((f.y + y) * canvas.width + f.x) * c, ((f.y + y) * canvas.width + f.x + f.width) * c);
}
