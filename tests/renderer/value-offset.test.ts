/** An image file whose values went up by an offset (a signed TIFF, 0.35): the viewer's window is in the file's values. */
import { describe, expect, it } from 'vitest';
import type { OpenedImageInfo } from '../../src-shared/api';
import { useWindowLevel } from '../../src-renderer/src/viewer/window-level';

describe('the window of an image file whose values went up by an offset', () => {
  it('opens and is typed in the file\'s values (HU of a CT exported as signed 16-bit), not in samples', () => {
    const info = {
      window: { center: 32768 + 40, width: 4000 }, // the engine's default, in samples
      windows: [],
      mapping: { offset: 32768, inverted: false, signed: true, bitsStored: 16, slope: 1, intercept: 0 },
    } as unknown as OpenedImageInfo;
    const wl = useWindowLevel(() => info);
    wl.resetWindow();
    expect([wl.windowCenter.value, wl.windowWidth.value]).toEqual([40, 4000]);
    wl.setWindow(40, 80); // the reader types a brain window in HU: drawn over the samples 32788..32828
    expect(wl.shownWindow.value).toEqual({ center: 40, width: 80 });
    expect(wl.mapping.value?.offset).toBe(32768);
  });
});
