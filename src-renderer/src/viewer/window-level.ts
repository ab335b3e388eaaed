/** Window/level and inversion of a shown image, in real-world units (HU for CT), shared by the viewer and the sender's preview. */
import { computed, ref, shallowRef } from 'vue';
import type { OpenedImageInfo } from '../../../src-shared/api';
import type { DisplayWindow } from '../../../src-shared/windows';
import { sampleWindowToReal, windowChoices, type Window } from './display';

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
  /** The window as the canvas renders it. */
  const shownWindow = computed<Window>(() => ({
    center: windowCenter.value, width: windowWidth.value, ...(windowFn.value ? { fn: windowFn.value } : {}), ...(windowLut.value ? { lut: windowLut.value } : {}),
  }));
  const mapping = computed(() => shown()?.mapping);
  /** Keys 1..9: the CT presets, the percentile window, the file's windows, the full range. */
  const choices = computed<DisplayWindow[]>(() => windowChoices(shown()?.windows));

  function setWindow(center: number, width: number, name = '', lut?: Window['lut']) {
    const round = (v: number) => (Math.abs(v) >= 20 ? Math.round(v) : Math.round(v * 100) / 100);
    windowCenter.value = round(center);
    windowWidth.value = Math.max(round(width), 1e-3);
    windowName.value = name;
    windowLut.value = lut;
  }

  /** Back to the window the image opened with (the engine's default, in sample units), through its VOI function. */
  function resetWindow() {
    const w = shown()?.window;
    if (!w) return;
    const real = sampleWindowToReal(w, mapping.value);
    setWindow(real.center, real.width, w.name ?? 'default', w.lut);
    windowFn.value = w.fn;
  }

  /** Choice `i` (0-based; keys 1..9), through its VOI function. */
  function choose(i: number) {
    const w = choices.value[i];
    if (!w) return;
    setWindow(w.center, w.width, w.name, w.lut);
    windowFn.value = w.fn;
  }

  /** The window named `name` among the choices (a presentation state's), if the image has one: whether it did. */
  function chooseNamed(name: string): boolean {
    const i = choices.value.findIndex((w) => w.name === name);
    if (i >= 0) choose(i);
    return i >= 0;
  }

  /** Left-drag: horizontal changes the width, vertical the level, scaled to the image's value range. */
  function dragWindow(dx: number, dy: number) {
    const k = Math.max(windowWidth.value, 64 * Math.abs(mapping.value?.slope ?? 1)) / 256;
    setWindow(windowCenter.value + dy * k, Math.max(1, windowWidth.value + dx * k));
  }

  return { windowCenter, windowWidth, windowName, windowFn, windowLut, shownWindow, invert, mapping, choices, setWindow, resetWindow, choose, chooseNamed, dragWindow };
}
