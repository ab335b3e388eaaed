/** Window/level and inversion of a shown image, in real-world units (HU for CT), shared by the viewer and the sender's preview. */
import { computed, ref, shallowRef } from 'vue';
import type { OpenedImageInfo } from '../../../src-shared/api';
import type { DisplayWindow } from '../../../src-shared/windows';
import { sampleWindowToReal, windowChoices, type Window } from './display';

/** How the viewer holds a window's numbers: halves from 20 up (0.50; before, whole units: 388.5 was drawn at 389), hundredths below. */
const round = (v: number) => (Math.abs(v) >= 20 ? Math.round(v * 2) / 2 : Math.round(v * 100) / 100);

/** `shown()`: the description of the image on screen (its windows, default window and value mapping), null before any. */
export function useWindowLevel(shown: () => OpenedImageInfo | null | undefined) {
  const windowCenter = ref(0);
  const windowWidth = ref(1);
  const windowName = ref('');
  /**
   * The VOI function the window is shown through: the chosen window's (a file's own may be SIGMOID), kept while the
   * reader drags or types the numbers, as a PACS keeps it; a preset is linear.
   */
  const windowFn = ref<Window['fn']>();
  /**
   * The VOI LUT table the window is shown through (a file's or a presentation state's, chosen or opened with), as
   * the sender's figures measure it; the reader's own numbers (drag, typing) are a linear window again, as a PACS does.
   */
  const windowLut = shallowRef<Window['lut']>();
  const invert = ref(false);
  /**
   * The reader chose the window (a preset, a drag, typed numbers) since the image opened or was reset: kept when another
   * frame or slice is shown; else each shows in its own (imageChanged), as cornerstone3D's stack viewport does.
   */
  const readerChose = ref(false);
  /** The window as the canvas renders it. */
  const shownWindow = computed<Window>(() => ({
    center: windowCenter.value, width: windowWidth.value, ...(windowFn.value ? { fn: windowFn.value } : {}), ...(windowLut.value ? { lut: windowLut.value } : {}),
  }));
  const mapping = computed(() => shown()?.mapping);
  /** Keys 1..9: the CT presets, the percentile window, the file's windows, the full range. */
  const choices = computed<DisplayWindow[]>(() => windowChoices(shown()?.windows));

  function apply(center: number, width: number, name = '', lut?: Window['lut']) {
    windowCenter.value = round(center);
    windowWidth.value = Math.max(round(width), 1e-3);
    windowName.value = name;
    windowLut.value = lut;
  }

  /** The reader's own numbers (typed). */
  function setWindow(center: number, width: number) {
    apply(center, width);
    readerChose.value = true;
  }

  /** Back to the window the image opened with (the engine's default, in sample units), through its VOI function. */
  function resetWindow() {
    const w = shown()?.window;
    if (!w) return;
    const real = sampleWindowToReal(w, mapping.value);
    apply(real.center, real.width, w.name ?? 'default', w.lut);
    windowFn.value = w.fn;
    readerChose.value = false;
  }

  /** Choice `i` (0-based; keys 1..9), through its VOI function: the reader's. */
  function choose(i: number) {
    const w = choices.value[i];
    if (!w) return;
    apply(w.center, w.width, w.name, w.lut);
    windowFn.value = w.fn;
    readerChose.value = true;
  }

  /** The window named `name` among the choices (a presentation state's, as the image opens), if the image has one: whether it did. */
  function chooseNamed(name: string): boolean {
    const i = choices.value.findIndex((w) => w.name === name);
    if (i < 0) return false;
    choose(i);
    readerChose.value = false; // as the image opens, not the reader's choice
    return true;
  }

  /** Left-drag: horizontal changes the width, vertical the level, scaled to the image's value range. */
  function dragWindow(dx: number, dy: number) {
    const k = Math.max(windowWidth.value, 64 * Math.abs(mapping.value?.slope ?? 1)) / 256;
    setWindow(windowCenter.value + dy * k, Math.max(1, windowWidth.value + dx * k));
  }

  /**
   * Another frame or slice is shown (0.50): in its own window (`ownWindow`: its presentation state's, else its default)
   * where the reader chose none, as a PACS applies each frame's VOI; else the reader's numbers stay, named only where
   * this image's window of that name is the one drawn. Before, the numbers stayed whatever, under the name of a window
   * that on this frame has others (an enhanced MR's "file window 1" is 200/400 on frame 1, 210/420 on frame 2).
   */
  function imageChanged(ownWindow: () => void) {
    if (!readerChose.value) {
      ownWindow();
      return;
    }
    const same = choices.value.find((w) => w.name === windowName.value);
    const drawn = shownWindow.value;
    if (windowName.value && !(same && round(same.center) === drawn.center && Math.max(round(same.width), 1e-3) === drawn.width && same.fn === drawn.fn &&
      same.lut === drawn.lut)) {
      windowName.value = '';
    }
  }

  return {
    windowCenter, windowWidth, windowName, windowFn, windowLut, shownWindow, invert, mapping, choices, setWindow, resetWindow, choose, chooseNamed,
    dragWindow, imageChanged,
  };
}
