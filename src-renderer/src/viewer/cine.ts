import type { OpenedImageInfo } from '../../../src-shared/api';

/** Cine's rate without a file's own, and the range the control takes (an echo may be acquired at 60–100 a second). */
export const CINE_FPS = { default: 10, min: 1, max: 120 } as const;

/** How an image's clip is timed: a DICOM cine's frames, or an animated GIF or WebP's pages (0.24). */
export function clipTiming(image: Partial<Pick<OpenedImageInfo, 'animation' | 'dicom'>> | null | undefined): { frameRate?: number; frameTimeRatio?: number } | undefined {
  return image?.animation ?? image?.dicom;
}

/** The rate a cine starts at: the file's own (rounded, within the control's range), else the default. */
export function cineStartFps(frameRate: number | undefined): number {
  return frameRate ? Math.min(CINE_FPS.max, Math.max(CINE_FPS.min, Math.round(frameRate))) : CINE_FPS.default;
}

/**
 * How long cine shows a frame at `fps`: 1000/fps ms, held longer or shorter by the frame's own timing where its clip is
 * timed frame by frame (OpenedImageInfo.dicom.frameTimeRatio: its time to the next over the clip's mean), so the
 * clip's rhythm holds at any rate the reader picks.
 */
export function cineFrameMs(fps: number, frameTimeRatio: number | undefined): number {
  return (1000 / Math.max(CINE_FPS.min, fps)) * (frameTimeRatio ?? 1);
}
