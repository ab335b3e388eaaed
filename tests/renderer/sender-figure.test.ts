/** The viewer's corner gives the sender's figure for the window on screen only where the sender measured that window. */
import { describe, expect, it } from 'vitest';
import type { OpenedImageInfo } from '../../src-shared/api';
import type { WindowFidelity } from '../../src-shared/fidelity';
import { CT_PRESETS, voiToByte } from '../../src-shared/windows';
import { readerSaysIn, senderFigureIn, senderFigures, unmeasuredWindowText } from '../../src-renderer/src/viewer/display';
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
    { name: 'auto (1st–99th percentile)', center: 1117.5, width: 2235, source: 'percentile' }, // the sender's (jobs/view.ts)
  ],
} as unknown as OpenedImageInfo;

describe('the sender\'s figure for the window on screen', () => {
  const wl = useWindowLevel(() => info);
  const shownFigure = () => senderFigureIn(measured, wl.shownWindow.value, wl.windowName.value)?.ssim;

  it('is the measured window\'s for a preset, a file window with its function, a VOI table by name, the sender\'s percentile window', () => {
    wl.chooseNamed('lung');
    expect(shownFigure()).toBe(0.9740);
    wl.chooseNamed('file window 1'); // its numbers rounded to hundredths as the viewer holds them
    expect(wl.shownWindow.value.fn).toBe('SIGMOID');
    expect(shownFigure()).toBe(0.9886);
    wl.chooseNamed('file window 2');
    expect(shownFigure()).toBe(0.9911);
    wl.chooseNamed('auto (1st–99th percentile)'); // drawn at 1117.5, not rounded to 1118 (0.50)
    expect(wl.windowCenter.value).toBe(1117.5);
    expect(shownFigure()).toBe(0.9567);
    // The received image's percentiles, a little off the original's, are a window the sender did not measure (0.50;
    // before, matched by their kind and given the original's figure).
    expect(senderFigureIn(measured, { center: 1120, width: 2230 }, 'auto (1st–99th percentile)')).toBeUndefined();
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

describe('a window the sender did not measure', () => {
  const levelsOf = (text: string) => Number(/up to (\d+) grey level/.exec(text)?.[1]);
  /** The largest change a bound of ±b makes to a grey level through the window, tried over its whole span. */
  function worstShown(b: number, center: number, width: number, fn?: 'LINEAR_EXACT' | 'SIGMOID'): number {
    let worst = 0;
    for (let x = center - width; x <= center + width; x += width / 997) {
      worst = Math.max(worst, Math.abs(voiToByte(x + b, center, width, fn) - voiToByte(x, center, width, fn)), Math.abs(voiToByte(x - b, center, width, fn) - voiToByte(x, center, width, fn)));
    }
    return worst;
  }

  it('says so, with what the per-pixel bound can do to a grey level there: never less than the renderer shows', () => {
    for (const [b, center, width, fn] of [[2, 40, 20, undefined], [2, 40, 80, undefined], [1, 128, 200, undefined], [4, 40, 80, 'LINEAR_EXACT'], [4, 40, 80, 'SIGMOID'], [19.14, 600, 1600, undefined]] as const) {
      const text = unmeasuredWindowText(b, 1, 'HU', { center, width, ...(fn ? { fn } : {}) });
      expect(text).toMatch(/^Not a window the sender measured: every pixel within ±[\d.]+ (HU|stored units \(±[\d.]+ HU\)), up to \d+ grey levels? in it$/);
      const said = levelsOf(text), seen = worstShown(b, center, width, fn);
      expect(said, `±${b} in ${center}/${width} ${fn ?? ''}`).toBeGreaterThanOrEqual(seen);
      expect(said).toBeLessThanOrEqual(seen + 1);
    }
    // ±2 HU in a 40/20 window: 27 grey levels (255/19 per HU), where the brain window shows 7.
    expect(levelsOf(unmeasuredWindowText(2, 1, 'HU', { center: 40, width: 20 }))).toBe(27);
    // A rescale's slope carries the bound into the values shown (stored ±2 × 9.57).
    expect(unmeasuredWindowText(2, 9.57, '', { center: 600, width: 1600 })).toBe('Not a window the sender measured: every pixel within ±2 stored units (±19.1 in rescaled values), up to 4 grey levels in it');
  });

  it('without a bound, or through a table, says what it can', () => {
    expect(unmeasuredWindowText(undefined, 1, 'HU', { center: 40, width: 20 })).toBe('Not a window the sender measured: no per-pixel bound');
    expect(unmeasuredWindowText(2, 1, 'HU', { center: 300, width: 1500, lut: { first: 0, bits: 8, data: [0, 255] } })).toBe('Not a window the sender measured: every pixel within ±2 HU');
    expect(unmeasuredWindowText(2, undefined, '', { center: 300, width: 1500 })).toBe('Not a window the sender measured: every pixel within ±2 of the original');
  });

  it('says a file from aeimg 0.41 and before measured it over the whole image (0.44)', () => {
    const brain = CT_PRESETS.find((p) => p.name === 'brain')!;
    const image = { lossless: false, maxError: 2, fidelity: { ssim: 0.99, psnr: 40, mse: 1e-4, windows: measured } };
    expect(readerSaysIn(image, 'HU', brain, 'brain')?.text).toBe('Sender\'s SSIM in this window 0.9405');
    expect(readerSaysIn({ ...image, fidelity: { ...image.fidelity, overFrame: true } }, 'HU', brain, 'brain')?.text)
      .toBe('Sender\'s SSIM in this window 0.9405, over the whole image (aeimg 0.41 and before): higher than over what it shows');
  });
});

describe('the sender\'s figures table', () => {
  const f = { ssim: 0.99, psnr: 40, mse: 1e-4, windows: measured.slice(0, 2), real: { maxAbs: 610, rmse: 23.345, units: 'HU', perStored: 1 } };

  it('gives the largest error and RMSE in the units a viewer shows, each window worst first as the record has them', () => {
    expect(senderFigures(f)).toEqual({
      windows: [{ label: 'brain 40/80', ssim: '0.9405', psnr: '30.00 dB' }, { label: 'lung -600/1500', ssim: '0.9740', psnr: '35.00 dB' }],
      largest: '610 HU', rmse: '23.345 HU',
    });
  });

  it('an RMSE below what a record keeps (0.001 of its unit) is said so, not 0.000, beside a largest error (a PET in g/ml)', () => {
    const pet = { ...f, real: { maxAbs: 0.0006, rmse: 0, units: 'g/ml', perStored: 0.0003 } };
    expect(senderFigures(pet)).toMatchObject({ largest: '0.000600 g/ml', rmse: 'below 0.001 g/ml' });
    expect(senderFigures({ ...pet, real: { ...pet.real, maxAbs: 0 } }).rmse).toBe('0.000 g/ml'); // bit-exact: 0 is the figure
  });

  it('says an RMSE is over the whole image where the file\'s writer measured it so (aeimg 0.44 and before)', () => {
    expect(senderFigures({ ...f, rmseOverFrame: true }).rmse).toBe('23.345 HU over the whole image, as aeimg 0.44 and before measured: lower than over what the windows show');
  });
});
