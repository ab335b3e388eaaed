/** Sizes as people type them on the command line. */
import { AeimgError, ErrorCode } from '../engine/errors.js';

/**
 * The least --max-size taken. Each .aeimg (each part of a study) carries its header, a key stanza per recipient and the
 * study's entry, about 1 KB, before any image; no mail service limits attachments anywhere near 10 KB, so a smaller
 * figure is a slip (18 for 18MB, or 0), which would ask for parts that hold no image.
 */
const MIN_MAX_SIZE = 10_000;

/** Parses "18MB", "20 MB", "500KB", "1.5GB" or a plain byte count (decimal units, as mail providers state them). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) throw new AeimgError(ErrorCode.Usage, `--max-size must look like 18MB or 500KB, not "${text}".`);
  const unit = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(m[2] ?? 'b').toLowerCase() as 'b']!;
  const bytes = Math.floor(Number(m[1]) * unit);
  if (bytes < MIN_MAX_SIZE) {
    throw new AeimgError(ErrorCode.Usage, `--max-size must be at least ${MIN_MAX_SIZE / 1000}KB (the largest file your mail takes, e.g. 18MB), not "${text}".`);
  }
  return bytes;
}
