/**
 * An animated image file's timing (a GIF or WebP clip: an ultrasound loop as a viewer exports it), carried in each
 * page's record (`metadata.animation`, aeimg 0.24) so that the reader's viewer plays the clip at its own pace, as it
 * plays a DICOM cine at the rate its file gives (dicom/display.ts). Readers before 0.24 ignore it and play pages at the
 * viewer's default rate.
 */

import type { ImageFile } from './io.js';

/** A page's delay (how long it is shown, ms) and the clip's mean delay. */
export interface Animation { delay: number; meanDelay: number }

/** Page `i`'s timing in a clip whose pages are shown `delays` ms each. */
export function animationOf(delays: readonly number[], i: number): Animation {
  return { delay: delays[i]!, meanDelay: Math.round((delays.reduce((a, b) => a + b, 0) / delays.length) * 1000) / 1000 };
}

const CLIP_MS = { min: 1, max: 60_000 };
const valid = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= CLIP_MS.min && v <= CLIP_MS.max;

/**
 * How the viewer plays a page of a received clip, as a DICOM cine's frames are played: the clip's frames a second,
 * and, where its pages are not evenly timed (more than 1% apart), this page's time over the mean. Undefined for a
 * still image, or a crafted record's timing that is not one.
 */
export function animationTiming(record: { metadata?: Record<string, unknown> }): { frameRate: number; frameTimeRatio?: number } | undefined {
  const a = record.metadata?.animation as Partial<Animation> | undefined;
  if (!a || typeof a !== 'object' || !valid(a.delay) || !valid(a.meanDelay)) return undefined;
  const frameRate = Math.round((1000 / a.meanDelay) * 10) / 10;
  const uneven = Math.abs(a.delay - a.meanDelay) > a.meanDelay * 0.01;
  return { frameRate, ...(uneven ? { frameTimeRatio: Math.round((a.delay / a.meanDelay) * 1000) / 1000 } : {}) };
}

/**
 * How long each page of an animation (a GIF, WebP or PNG clip: an ultrasound loop as a viewer exports it) is shown, in ms,
 * or undefined for a still image or a file that gives no timing. A delay of 10 ms or less is shown 100 ms, as browsers
 * show it (GIF writers put 0 for "as fast as possible").
 */
export function pageDelays({ metas: [meta], apng }: ImageFile): number[] | undefined {
  const shown = (delays: number[]) => delays.map((d) => (d <= 10 ? 100 : d));
  if (apng) return apng.frames.length > 1 ? shown(apng.frames.map((f) => f.delayMs)) : undefined;
  const delays = meta?.delay;
  if (!meta || (meta.format !== 'gif' && meta.format !== 'webp')) return undefined;
  if ((meta.pages ?? 1) < 2 || !Array.isArray(delays) || delays.length !== meta.pages || !delays.every((d) => Number.isFinite(d) && d >= 0)) return undefined;
  return shown(delays);
}
