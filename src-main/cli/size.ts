/** Sizes as people type them on the command line. */
import { AeimgError, ErrorCode } from '../engine/errors.js';

/** Parses "18MB", "20 MB", "500KB", "1.5GB" or a plain byte count (decimal units, as mail providers state them). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) throw new AeimgError(ErrorCode.Usage, `--max-size must look like 18MB or 500KB, not "${text}".`);
  const unit = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9 }[(m[2] ?? 'b').toLowerCase() as 'b']!;
  return Math.floor(Number(m[1]) * unit);
}
