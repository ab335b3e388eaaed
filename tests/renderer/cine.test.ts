/** The viewer's cine starts at the rate the file says to play it at; the reader's own choice holds within a clip. */
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { OpenedFile, OpenedImageInfo } from '../../src-shared/api';
import { useViewer } from '../../src-renderer/src/stores/viewer';
import { CINE_FPS, cineFrameMs, cineStartFps } from '../../src-renderer/src/viewer/cine';

/** A file of images, each of its clip's rate (undefined: a still). */
function opened(openId: string, rates: (number | undefined)[]): OpenedFile {
  const images = rates.map((frameRate, index) => ({
    index, name: `f#${index + 1}`, width: 2, height: 2, channels: 1, bitDepth: 8, lossless: true, reduced: false, fidelityText: 'bit-exact',
    window: { center: 128, width: 256 }, units: '', dicom: { offset: 0, slope: 1, intercept: 0, deidentified: true, ...(frameRate ? { frameRate } : {}) },
  }) as unknown as OpenedImageInfo);
  return { openId, path: `/x/${openId}.aeimg`, name: `${openId}.aeimg`, key: 'k', images } as unknown as OpenedFile;
}

function viewerWith(files: Record<string, OpenedFile>) {
  (globalThis as { window?: unknown }).window = {
    aeimg: { files: {
      open: async (path: string) => ({ ok: true, value: files[path]! }),
      image: async () => ({ ok: true, value: { width: 2, height: 2, channels: 1, bitDepth: 8, pixels: new Uint8Array(4) } }),
    } },
  };
  setActivePinia(createPinia());
  return useViewer();
}

describe('cine rate', () => {
  it('shows a frame 1000/rate ms, held in proportion to its own time where the clip is timed frame by frame', () => {
    expect([cineFrameMs(10, undefined), cineFrameMs(10, 1.25), cineFrameMs(20, 0.75), cineFrameMs(0, undefined)]).toEqual([100, 125, 37.5, 1000]);
  });

  it('starts at the file\'s rate, rounded and within the control\'s range; without one at the default', () => {
    expect([cineStartFps(12.0), cineStartFps(13.2), cineStartFps(0.4), cineStartFps(500), cineStartFps(undefined)])
      .toEqual([12, 13, CINE_FPS.min, CINE_FPS.max, CINE_FPS.default]);
  });

  it('a clip opens at its rate, the reader\'s choice holds within it, the next clip of a study brings its own', async () => {
    const viewer = viewerWith({ a: opened('a', [30, 30, 30, 15, 15, undefined]), b: opened('b', [30, 30]), c: opened('c', [undefined]) });
    await viewer.open('a');
    expect(viewer.fps).toBe(30);
    viewer.fps = 5;
    await viewer.go(1);
    expect(viewer.fps).toBe(5); // the same clip: the reader's rate
    await viewer.go(3);
    expect(viewer.fps).toBe(15); // the next clip, at its own
    await viewer.go(5);
    expect(viewer.fps).toBe(15); // a still keeps what was playing
    viewer.fps = 7;
    await viewer.open('b');
    expect(viewer.fps).toBe(30); // a new file at its rate, also where the last clip's was the same
    await viewer.open('c');
    expect(viewer.fps).toBe(CINE_FPS.default);
  });
});
