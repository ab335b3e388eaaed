/** The viewer's corner gives the sender's figure for the window on screen only where the sender measured that window. */
import { describe, expect, it } from 'vitest';
import type { OpenedImageInfo } from '../../src-shared/api';
import type { WindowFidelity } from '../../src-shared/fidelity';
import { CT_PRESETS } from '../../src-shared/windows';
import { senderFigureIn } from '../../src-renderer/src/viewer/display';
import { useWindowLevel } from '../../src-renderer/src/viewer/window-level';

const measured: WindowFidelity[] = [
  { ...CT_PRESETS.find((p) => p.name === 'brain')!, ssim: 0.9405, psnr: 30 },
  { ...CT_PRESETS.find((p) => p.name === 'lung')!, ssim: 0.9740, psnr: 35 },
  { name: 'file window 1', center: 40.25, width: 100.5, source: 'file', fn: 'SIGMOID', ssim: 0.9886, psnr: 40 },
  { name: 'file window 2', center: 300, width: 1500, source: 'file', table: true, ssim: 0.9911, psnr: 41 },
  { name: '1st–99th percentile', center: 1117.5, width: 2235, source: 'percentile', ssim: 0.9567, psnr: 33 },
];
const info = {
  window: { center: 0, width: 100 },
  windows: [
    ...CT_PRESETS, { name: 'file window 1', center: 40.25, width: 100.5, source: 'file', fn: 'SIGMOID' },
    { name: 'file window 2', center: 300, width: 1500, source: 'file', lut: { first: 0, bits: 8, data: [0, 255] } },
    { name: 'auto (1st–99th percentile)', center: 1120, width: 2230, source: 'percentile' },
  ],
} as unknown as OpenedImageInfo;

describe('the sender\'s figure for the window on screen', () => {
  const wl = useWindowLevel(() => info);
  const shownFigure = () => senderFigureIn(measured, wl.shownWindow.value, wl.windowName.value)?.ssim;

  it('is the measured window\'s for a preset, a file window with its function, a VOI table by name, the percentile window by kind', () => {
    wl.chooseNamed('lung');
    expect(shownFigure()).toBe(0.9740);
    wl.chooseNamed('file window 1'); // its numbers rounded to hundredths as the viewer holds them
    expect(wl.shownWindow.value.fn).toBe('SIGMOID');
    expect(shownFigure()).toBe(0.9886);
    wl.chooseNamed('file window 2');
    expect(shownFigure()).toBe(0.9911);
    wl.chooseNamed('auto (1st–99th percentile)'); // the received image's percentiles, a little off the original's
    expect(shownFigure()).toBe(0.9567);
  });

  it('is none for a window of the reader\'s own, or the same numbers through another function', () => {
    wl.chooseNamed('brain');
    expect(shownFigure()).toBe(0.9405);
    wl.dragWindow(3, 0);
    expect(shownFigure()).toBeUndefined();
    wl.setWindow(40, 80); // typed: brain's numbers again, a linear window: the sender measured it
    expect(shownFigure()).toBe(0.9405);
    wl.setWindow(40.25, 100.5); // file window 1's numbers, but linear, not its sigmoid
    expect(shownFigure()).toBeUndefined();
    wl.setWindow(300, 1500); // file window 2's span, without its table
    expect(shownFigure()).toBeUndefined();
  });
});
