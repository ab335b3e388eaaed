/** The in-memory image every engine stage works on: interleaved samples, row-major. */
export interface Image {
  width: number;
  height: number;
  /** 1 grey, 2 grey + alpha, 3 RGB, 4 RGBA. */
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  pixels: Uint8Array | Uint16Array;
}

/** What signed values go up by to be 16-bit samples (a DICOM image's, dicom/stored-image.ts; an image file's, whole-values.ts). */
export const SIGNED_OFFSET = 32768;

export function hasAlpha(image: Pick<Image, 'channels'>): boolean {
  return image.channels === 2 || image.channels === 4;
}

export function colourChannels(image: Pick<Image, 'channels'>): number {
  return hasAlpha(image) ? image.channels - 1 : image.channels;
}

export function maxValue(bitDepth: 8 | 16): number {
  return bitDepth === 16 ? 65535 : 255;
}

export function allocPixels(width: number, height: number, channels: number, bitDepth: 8 | 16): Uint8Array | Uint16Array {
  const n = width * height * channels;
  return bitDepth === 16 ? new Uint16Array(n) : new Uint8Array(n);
}

/** The smallest and largest of samples[offset], samples[offset + stride], …: one plane of interleaved pixels. */
export function sampleRange(samples: ArrayLike<number>, offset = 0, stride = 1): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = offset; i < samples.length; i += stride) {
    const v = samples[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** The [min, max] of channel c's samples. */
export function planeRange(image: Image, c: number): [number, number] {
  return sampleRange(image.pixels, c, image.channels);
}

/** Extracts channel c as its own array. */
export function extractChannel(image: Image, c: number): Uint8Array | Uint16Array {
  const out = allocPixels(image.width, image.height, 1, image.bitDepth);
  const { channels: n, pixels } = image;
  for (let i = 0, j = c; i < out.length; i++, j += n) out[i] = pixels[j]!;
  return out;
}

/**
 * A copy of the image with each colour plane replaced by `f(plane, c)`, alpha as it is. `plane` is the channel's own
 * copy (extractChannel): `f` may change it in place and return it.
 */
export function mapColourPlanes(image: Image, f: (plane: Uint8Array | Uint16Array, c: number) => Uint8Array | Uint16Array): Image {
  const planes = Array.from({ length: image.channels }, (_, c) => {
    const plane = extractChannel(image, c);
    return c < colourChannels(image) ? f(plane, c) : plane;
  });
  return interleave(planes, image.width, image.height, image.bitDepth);
}

/** Builds an interleaved image from per-channel arrays. */
export function interleave(planes: (Uint8Array | Uint16Array)[], width: number, height: number, bitDepth: 8 | 16): Image {
  const channels = planes.length as Image['channels'];
  const pixels = allocPixels(width, height, channels, bitDepth);
  planes.forEach((plane, c) => {
    for (let i = 0, j = c; i < plane.length; i++, j += channels) pixels[j] = plane[i]!;
  });
  return { width, height, channels, bitDepth, pixels };
}

/**
 * The grey image (1 channel, or 2 with alpha) that an RGB or RGBA image is when its three colour channels are equal
 * everywhere: a grey scan exported as colour (a PACS's JPEG export, a browser viewer's PNG). Undefined otherwise.
 */
export function greyOfColour(image: Image): Image | undefined {
  if (image.channels < 3) return undefined;
  const { channels: n, pixels } = image;
  for (let i = 0; i < pixels.length; i += n) {
    if (pixels[i] !== pixels[i + 1] || pixels[i] !== pixels[i + 2]) return undefined;
  }
  const planes = n === 4 ? [extractChannel(image, 0), extractChannel(image, 3)] : [extractChannel(image, 0)];
  return interleave(planes, image.width, image.height, image.bitDepth);
}

/** The colour image a grey one stands for (greyOfColour's inverse): the grey copied into R, G and B, alpha kept. */
export function colourOfGrey(image: Image): Image {
  const grey = extractChannel(image, 0);
  const planes = hasAlpha(image) ? [grey, grey, grey, extractChannel(image, 1)] : [grey, grey, grey];
  return interleave(planes, image.width, image.height, image.bitDepth);
}

/** `image` without its alpha channel (DICOM has none; an APNG's opaque frames composed with one); unchanged without. */
export function withoutAlpha(image: Image): Image {
  if (!hasAlpha(image)) return image;
  const c = image.channels - 1, n = image.width * image.height;
  const pixels = allocPixels(image.width, image.height, c, image.bitDepth);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) pixels[i * c + k] = image.pixels[i * (c + 1) + k]!;
  return { ...image, channels: c as Image['channels'], pixels };
}
