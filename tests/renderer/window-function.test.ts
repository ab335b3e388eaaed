/** The viewer shows a file's window through the file's VOI LUT Function; a preset is linear; dragging keeps the function. */
import { describe, expect, it } from 'vitest';
import type { OpenedImageInfo } from '../../src-shared/api';
import { voiToByte, type DisplayWindow } from '../../src-shared/windows';
import { greyLut } from '../../src-renderer/src/viewer/display';
import { useWindowLevel } from '../../src-renderer/src/viewer/window-level';

const sigmoidWindow: DisplayWindow = { name: 'file window 1 (sigmoid)', center: 2000, width: 1000, source: 'file', fn: 'SIGMOID' };
const info = {
  window: { center: 2000, width: 1000, fn: 'SIGMOID' }, // the default: the file's window, in sample units (no mapping here)
  windows: [{ name: 'full range', center: 2048, width: 4096, source: 'full' }, sigmoidWindow],
} as unknown as OpenedImageInfo;

describe('the VOI function the viewer draws with', () => {
  it('the grey levels of a sigmoid window are the sigmoid\'s, not the linear ramp\'s', () => {
    const lut = greyLut(16, { center: 2000, width: 1000, fn: 'SIGMOID' }, undefined, false);
    for (const s of [0, 1000, 1500, 2000, 2400, 3000, 4095]) expect(lut[s]).toBe(voiToByte(s, 2000, 1000, 'SIGMOID'));
    expect(lut[1500]).toBe(30); // 255 / (1 + e^2); the linear ramp gives 0 there
    expect(greyLut(16, { center: 2000, width: 1000 }, undefined, false)[1500]).toBe(0);
  });

  it('opens with the file\'s function, keeps it while the reader drags, drops it for a linear choice, and a file window brings it back', () => {
    const wl = useWindowLevel(() => info);
    wl.resetWindow();
    expect(wl.shownWindow.value).toEqual({ center: 2000, width: 1000, fn: 'SIGMOID' });
    wl.dragWindow(10, -5);
    expect(wl.shownWindow.value.fn).toBe('SIGMOID');
    wl.choose(wl.choices.value.findIndex((w) => w.source === 'full'));
    expect(wl.shownWindow.value.fn).toBeUndefined();
    wl.choose(wl.choices.value.findIndex((w) => w.source === 'file'));
    expect(wl.shownWindow.value).toEqual({ center: 2000, width: 1000, fn: 'SIGMOID' });
  });
});

describe('a VOI LUT window (a file\'s table, or a presentation state\'s)', () => {
  // A square-root table over real values 100..355, 8-bit: steep at first, flat later; its span's linear ramp is not it.
  const table = { first: 100, bits: 8, data: Array.from({ length: 256 }, (_, i) => Math.round(Math.sqrt(i / 255) * 255)) };
  const lutWindow: DisplayWindow = { name: 'file VOI LUT SQRT', center: 228, width: 256, source: 'file', lut: table };
  const withLut = {
    window: { center: 228, width: 256, lut: table, name: 'file VOI LUT SQRT' },
    windows: [{ name: 'full range', center: 2048, width: 4096, source: 'full' }, lutWindow],
  } as unknown as OpenedImageInfo;

  it('is drawn through its table, as the sender\'s figures measure it (0.19; before, as a linear window over its span)', () => {
    const lut = greyLut(16, { center: 228, width: 256, lut: table }, undefined, false);
    for (const [s, grey] of [[0, 0], [100, 0], [110, 50], [164, 128], [355, 255], [4000, 255]] as const) expect(lut[s], `sample ${s}`).toBe(grey);
    expect(greyLut(16, { center: 228, width: 256 }, undefined, false)[110]).toBe(10); // the linear ramp over its span
  });

  it('opens with its table, and the reader\'s own numbers are a linear window; choosing it again brings the table back', () => {
    const wl = useWindowLevel(() => withLut);
    wl.resetWindow();
    expect(wl.shownWindow.value.lut).toBe(table);
    wl.dragWindow(10, -5);
    expect(wl.shownWindow.value.lut).toBeUndefined();
    wl.choose(wl.choices.value.findIndex((w) => w.lut));
    expect(wl.shownWindow.value.lut).toBe(table);
    wl.setWindow(200, 100);
    expect(wl.shownWindow.value.lut).toBeUndefined();
  });
});

describe('a damaged VOI LUT table', () => {
  it('an entry above its bits shows white, as a clamped display shows it, not wrapped round to dark', () => {
    const table = { first: 0, bits: 8, data: [0, 128, 255, 300, 65535] };
    const lut = greyLut(8, { center: 2.5, width: 5, lut: table }, undefined, false);
    expect(Array.from(lut.subarray(0, 6))).toEqual([0, 128, 255, 255, 255, 255]);
  });
});
