/** The bridge the preload (or the browser-test bridge) puts on window: the renderer's only way to the engine. */
import type { AeimgBridge, Result } from '../../src-shared/api';
import { Remedy } from '../../src-shared/errors';

declare global {
  interface Window {
    aeimg: AeimgBridge;
  }
}

export const bridge = (): AeimgBridge => window.aeimg;

/** A failed call's error: Result's code, `file` where it is about one file of several, the remedy the window acts on. */
export class CallError extends Error {
  constructor(message: string, readonly file?: string, readonly code?: string, readonly remedy?: Remedy) {
    super(message);
  }
}

/** Unwraps a result, turning an expected failure into an Error carrying the engine's plain-words message. */
export async function unwrap<T>(p: Promise<Result<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new CallError(r.message, r.file, r.code, r.remedy);
  return r.value;
}

export function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} KB`;
}
