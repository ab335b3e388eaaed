/**
 * Quality levels, one table for the CLI, the app and the engine; environment-free. Every level but the network-only
 * ones carries a per-pixel guarantee; the default (`auto`) always does: bit-exact for DICOM and images of more than
 * 8 bits, every sample within ±1 for 8-bit images. docs/benchmarks.md measures them all.
 */

interface Level {
  /** Latent bits of the network-only levels; the guaranteed levels carry no latent (unless --bits asks for one). */
  bits?: number;
  /** Every sample within ±maxError stored units of the original (0: bit-exact); absent: the network alone. */
  maxError?: number;
  /** The menu's words: what the level guarantees. */
  label: string;
}

export const QUALITY_LEVELS = {
  auto: { label: 'Default: bit-exact for DICOM and images over 8 bits; every pixel within ±1 for 8-bit images' },
  lossless: { maxError: 0, label: 'Lossless: bit-exact pixels' },
  'within-1': { maxError: 1, label: 'Near-lossless: every pixel within ±1 (stored units)' },
  'within-2': { maxError: 2, label: 'Near-lossless: every pixel within ±2 (stored units)' },
  'within-4': { maxError: 4, label: 'Near-lossless: every pixel within ±4 (stored units)' },
  max: { bits: 6, label: 'Reduced quality, network only (max): no per-pixel guarantee' },
  high: { bits: 5, label: 'Reduced quality, network only (high): no per-pixel guarantee' },
  medium: { bits: 4, label: 'Reduced quality, network only (medium): smaller files' },
  low: { bits: 3, label: 'Reduced quality, network only (low): smallest files' },
} as const satisfies Record<string, Level>;

export type Quality = keyof typeof QUALITY_LEVELS;
export const QUALITIES = Object.keys(QUALITY_LEVELS) as Quality[];
export const DEFAULT_QUALITY: Quality = 'auto';

/**
 * Latent bits under a refinement layer when one is asked for (`--bits` with a guaranteed level, and files of aeimg
 * 0.2): 4 bits gave the smallest latent + residual total then. The guaranteed levels now carry no latent at all.
 */
export const REFINEMENT_BITS = 4;

export function isQuality(v: unknown): v is Quality {
  return typeof v === 'string' && Object.hasOwn(QUALITY_LEVELS, v);
}

/** A level without a per-pixel guarantee (the paper's scheme alone). */
export function isNetworkOnly(q: Quality): boolean {
  return q !== 'auto' && (QUALITY_LEVELS[q] as Level).maxError === undefined;
}

/**
 * What a sender can choose instead of a reduced-quality file, in the CLI's words or the app's (its menu's names): a
 * level with a per-pixel guarantee after the network alone; a tighter one where a guarantee of ±N still shows in a
 * reader's window (a narrow window of the file's own, a segmentation's labels), where "use the default" would be no
 * answer: an 8-bit image's default is ±1 itself.
 */
export function tighterLevelAdvice(quality: Quality, words: 'cli' | 'app'): string {
  const maxError = (QUALITY_LEVELS[quality] as Level).maxError;
  const cli = words === 'cli';
  if (maxError === undefined || quality === 'auto') {
    return cli ? `For a per-pixel guarantee use --quality ${DEFAULT_QUALITY} (the default) or within-N.`
      : 'The default level has a per-pixel guarantee: bit-exact for DICOM and images over 8 bits, within ±1 for 8-bit images.';
  }
  const tighter = maxError > 1 ? (cli ? '--quality within-1, or lossless for every pixel bit-exact' : 'Near-lossless ±1 or Lossless (bit-exact)')
    : (cli ? '--quality lossless for every pixel bit-exact' : 'Lossless (bit-exact)');
  return `Each pixel is within the ±${maxError} promised, and a reader's window still shows the difference: ` +
    (cli ? `use ${tighter}.` : `choose ${tighter} to keep more.`);
}

/** How to code images: built once from the user's choice, carried unchanged to where each image is read. */
export interface CodingChoice {
  quality: Quality;
  /** Overrides the level's latent bits (--bits). */
  bits?: number;
  /**
   * Code every image as aeimg 0.8 did (--recode): never as the compressed data its file holds, and without sample
   * steps, so that receivers before aeimg 0.9 open the file.
   */
  recode?: true;
}

/** What the encoder does with one image: latent bits (none: no latent), and the error bound when it refines (0 = lossless). */
export interface Coding {
  /** The concrete level (`auto` resolved for this image). */
  quality: Exclude<Quality, 'auto'>;
  bits?: number;
  maxError?: number;
  /**
   * A DICOM frame went as its file held it (aeimg 0.9: smaller than aeimg's coding, and bit-exact whatever the level):
   * the name of its transfer syntax. Then `quality` is 'lossless'.
   */
  kept?: string;
}

/** Resolves a choice for one image: `auto` is lossless for DICOM and > 8-bit samples, within-1 for 8-bit images. */
export function resolveCoding(choice: CodingChoice, image: { bitDepth: number; dicom: boolean }): Coding {
  const quality = choice.quality === 'auto' ? (image.dicom || image.bitDepth > 8 ? 'lossless' : 'within-1') : choice.quality;
  const level: Level = QUALITY_LEVELS[quality];
  const bits = choice.bits ?? level.bits;
  return { quality, ...(bits !== undefined ? { bits } : {}), ...(level.maxError !== undefined ? { maxError: level.maxError } : {}) };
}

/** The level as a result line names it: "lossless (the file's own JPEG 2000 data)" for a kept DICOM frame. */
export function codingName(c: Coding): string {
  return c.kept ? `${c.quality} (the file's own ${c.kept} data)` : c.quality;
}
