/** Another frame or slice shown: in its own window until the reader chooses one, and never under another window's name. */
import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import type { OpenedImageInfo } from '../../src-shared/api';
import { useWindowLevel } from '../../src-renderer/src/viewer/window-level';

/** A frame whose file window 1 is (center, width), as an enhanced MR's frames each have their own (0.50). */
const frame = (center: number, width: number) => ({
  window: { center, width, name: 'file window 1' },
  windows: [{ name: 'file window 1', center, width, source: 'file' }, { name: 'full range', center: 2048, width: 4096, source: 'full' }],
}) as unknown as OpenedImageInfo;

describe('the window when another frame is shown', () => {
  it('is that frame\'s own where the reader chose none; the reader\'s numbers stay, unnamed where that frame\'s window of the name differs', () => {
    const frames = [frame(200, 400), frame(210, 420), frame(210, 420)];
    const at = ref(0);
    const wl = useWindowLevel(() => frames[at.value]);
    const drawn = () => [wl.windowCenter.value, wl.windowWidth.value, wl.windowName.value];
    wl.resetWindow();
    expect(drawn()).toEqual([200, 400, 'file window 1']);
    at.value = 1;
    wl.imageChanged(wl.resetWindow);
    expect(drawn()).toEqual([210, 420, 'file window 1']); // before 0.50: 200/400 drawn, named "file window 1"
    // The reader picks the file window on frame 2 (its preset list): kept on the way, named where it is that frame's too.
    wl.choose(wl.choices.value.findIndex((w) => w.name === 'file window 1'));
    at.value = 2;
    wl.imageChanged(wl.resetWindow);
    expect(drawn()).toEqual([210, 420, 'file window 1']);
    at.value = 0;
    wl.imageChanged(wl.resetWindow);
    expect(drawn()).toEqual([210, 420, '']); // frame 1's file window 1 is 200/400: not the one drawn
    // Numbers typed, then R (back as opened): frames again each in their own.
    wl.setWindow(40, 80);
    at.value = 1;
    wl.imageChanged(wl.resetWindow);
    expect(drawn()).toEqual([40, 80, '']);
    wl.resetWindow();
    at.value = 0;
    wl.imageChanged(wl.resetWindow);
    expect(drawn()).toEqual([200, 400, 'file window 1']);
  });
});
