/**
 * GIF image data that stops without its End Of Information code, given the code. The image library's GIF reader
 * (libnsgif in libvips) leaves out the pixels of a frame's last code when no End Of Information follows it: the
 * sender's file, which a browser shows whole, went with its last pixels black (Robert Ancell's GIF test suite,
 * `no-eoi.gif`: its one white pixel came out black). Here each frame's LZW codes are walked (GIF89a appendix F), without
 * decoding a pixel, to the code width in use where the data ends, and the code is appended there. A file whose frames
 * all end with it, or whose blocks cannot be followed (its reader says what is wrong), is given back as it is.
 */
import { imageSignature } from './signature.js';

/** `gif` with an End Of Information code after each frame's last code where it had none; `gif` itself where none lacks it. */
export function gifWithEndCodes(gif: Buffer): Buffer {
  if (imageSignature(gif) !== 'GIF' || gif.length < 13) return gif;
  const parts: Buffer[] = [];
  let copied = 0;
  let at = 13 + colourTableBytes(gif[10]!); // header, screen descriptor, global colour table
  while (at < gif.length) {
    const block = gif[at]!;
    if (block === 0x21) { // an extension: its label, then sub-blocks
      const end = subBlocksEnd(gif, at + 2);
      if (end === undefined) break;
      at = end;
    } else if (block === 0x2c) { // an image: its descriptor, local colour table, LZW minimum code size, sub-blocks
      if (at + 10 > gif.length) break;
      const start = at + 10 + colourTableBytes(gif[at + 9]!);
      const end = subBlocksEnd(gif, start + 1);
      if (end === undefined) break;
      const ended = withEndCode(gif[start]!, gif.subarray(start + 1, end));
      if (ended) {
        parts.push(gif.subarray(copied, start + 1), ended);
        copied = end;
      }
      at = end;
    } else {
      break; // the trailer (0x3B), or what its reader names
    }
  }
  if (parts.length === 0) return gif;
  parts.push(gif.subarray(copied));
  return Buffer.concat(parts);
}

/** The size of the colour table a screen or image descriptor's packed byte says follows it (none without its flag). */
const colourTableBytes = (packed: number) => (packed & 0x80 ? 3 << ((packed & 7) + 1) : 0);

/** Where the sub-blocks starting at `at` end (after their zero-length terminator); undefined if the file ends first. */
function subBlocksEnd(gif: Buffer, at: number): number | undefined {
  while (at < gif.length) {
    const size = gif[at]!;
    at += 1 + size;
    if (size === 0) return at;
  }
  return undefined;
}

/**
 * The sub-blocks of one frame's LZW data with an End Of Information code after its last code, or undefined where it
 * has one (or a code size no GIF has). `blocks` runs from the first sub-block's size byte through the terminator.
 */
function withEndCode(minCodeSize: number, blocks: Buffer): Buffer | undefined {
  if (minCodeSize < 1 || minCodeSize > 11) return undefined;
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < blocks.length && blocks[at]! > 0; at += 1 + blocks[at]!) chunks.push(blocks.subarray(at + 1, at + 1 + blocks[at]!));
  const bytes = Buffer.concat(chunks);
  const clear = 1 << minCodeSize, end = clear + 1;
  let width = minCodeSize + 1, next = end + 1, first = true, bit = 0;
  let acc = 0, held = 0, pos = 0; // bits read ahead, least significant first
  for (;;) {
    while (held < width && pos < bytes.length) { acc |= bytes[pos++]! << held; held += 8; }
    if (held < width) break;
    const code = acc & ((1 << width) - 1);
    acc >>>= width;
    held -= width;
    bit += width;
    if (code === end) return undefined;
    if (code === clear) {
      width = minCodeSize + 1;
      next = end + 1;
      first = true;
      continue;
    }
    // Each code after the first since a clear adds a table entry; the codes widen when the table fills their width.
    if (!first && next < 4096) {
      next++;
      if (next === 1 << width && width < 12) width++;
    }
    first = false;
  }
  if (bit === 0) return undefined; // no code at all: nothing is lost, and the reader says what is wrong
  const out = new Uint8Array(Math.ceil((bit + width) / 8));
  out.set(bytes.subarray(0, out.length));
  for (let k = 0; k < width; k++, bit++) {
    const i = bit >> 3, mask = 1 << (bit & 7);
    out[i] = (end >> k) & 1 ? out[i]! | mask : out[i]! & ~mask;
  }
  if (bit & 7) out[out.length - 1]! &= (1 << (bit & 7)) - 1; // the old padding past the code, cleared as an encoder leaves it
  const sub = Buffer.alloc(out.length + Math.ceil(out.length / 255) + 1);
  let at = 0;
  for (let i = 0; i < out.length; i += 255) {
    const chunk = out.subarray(i, i + 255);
    sub[at++] = chunk.length;
    sub.set(chunk, at);
    at += chunk.length;
  }
  return sub; // its last byte, 0, ends the sub-blocks
}
