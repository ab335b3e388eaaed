/**
 * Quality levels, one table for the CLI, the app and the engine; environment-free. Each level is a latent precision
 * (bits per latent value) and, for the near-lossless levels, a guarantee: every sample within ±maxError of the
 * original (stored values; for 16-bit images that is ±maxError of 65535). docs/benchmarks.md measures them all.
 */
export const QUALITY_LEVELS = {
  low: { bits: 3, label: 'Low (smallest)' },
  medium: { bits: 4, label: 'Medium' },
  high: { bits: 5, label: 'High' },
  max: { bits: 6, label: 'Maximum for the network' },
  'within-4': { bits: 4, maxError: 4, label: 'Near-lossless: every pixel within ±4' },
  'within-2': { bits: 4, maxError: 2, label: 'Near-lossless: every pixel within ±2' },
  'within-1': { bits: 4, maxError: 1, label: 'Near-lossless: every pixel within ±1' },
} as const satisfies Record<string, { bits: number; maxError?: number; label: string }>;

export type Quality = keyof typeof QUALITY_LEVELS;
export const QUALITIES = Object.keys(QUALITY_LEVELS) as Quality[];
export const DEFAULT_QUALITY: Quality = 'max';

/**
 * Latent bits of lossless files (and of the near-lossless levels): the receiver gets the original samples anyway, and
 * 4 bits gave the smallest latent + residual total on mri-ct-slices/val (docs/benchmarks.md).
 */
export const REFINEMENT_BITS = 4;

export function isQuality(v: unknown): v is Quality {
  return typeof v === 'string' && Object.hasOwn(QUALITY_LEVELS, v);
}

/** What the encoder does for a quality level: latent bits, and the error bound when it refines (0 = lossless). */
export function codingFor(quality: Quality, lossless = false): { bits: number; maxError?: number } {
  if (lossless) return { bits: REFINEMENT_BITS, maxError: 0 };
  const level: { bits: number; maxError?: number } = QUALITY_LEVELS[quality];
  return level.maxError === undefined ? { bits: level.bits } : { bits: level.bits, maxError: level.maxError };
}
