import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import type { Deidentify, PreviewRequest, Quality, SenderPreview, ShownWindow, WindowFigures } from '../../../src-shared/api';
import { bridge, unwrap } from '../bridge';
import { pickState, readerSaysIn } from '../viewer/display';
import { absoluteDifference, errorMapImage } from '../viewer/errormap';
import type { Point } from '../viewer/measure';
import { useViewport } from '../viewer/viewport';
import { useWindowLevel } from '../viewer/window-level';
import { useErrors } from './errors';

/** How the file shown would be encrypted: level, de-identification, recoding, and the study it goes in (if one). */
export interface PreviewSettings {
  quality: Quality;
  deidentify: Deidentify;
  recode: boolean;
  /** "16-bit image files are CT": their HU are their values + this. */
  ctIntercept?: number;
  /** The queued files of "Encrypt as one study", the file shown among them. */
  study?: readonly string[];
  /** The queue's windows of the sender's (rows' "Send it in this window"): main gives the file its own, or in a study its series'. */
  senderWindows?: Record<string, ShownWindow>;
}

/**
 * The sender's look before sending: one queued file (a frame at a time) as the receiver will see it, original and
 * decoded side by side with the error map, all three sharing one window/level, zoom and pan.
 */
export const usePreview = defineStore('preview', () => {
  const path = ref<string | null>(null);
  const name = ref('');
  const frame = ref(0);
  const data = shallowRef<SenderPreview | null>(null);
  const busy = ref(false);
  /** In real-world units (HU for CT), as the viewer holds it. */
  const { windowCenter, windowWidth, windowName, windowFn, shownWindow, invert, mapping, choices, setWindow, resetWindow, choose, chooseNamed, dragWindow, imageChanged } =
    useWindowLevel(() => data.value?.info);
  /** A pixel's displayed height over its width, as the receiver's viewer will show it (non-square pixels stretched). */
  const aspect = computed(() => data.value?.info.dicom?.pixelAspect ?? 1);
  /** The study's presentation states are drawn, as the reader's viewer opens, unless the sender hides them. */
  const annotationsShown = ref(true);
  /** Which of the image's presentation states is shown ('' the first), as the reader's viewer shows one at a time. */
  const stateLabel = ref('');
  const states = computed(() => data.value?.info.dicom?.presentationStates ?? []);
  /** The state picked (the first unless the sender picks another), and the one shown: it, unless hidden. */
  const pickedState = computed(() => pickState(states.value, stateLabel.value));
  const shownState = computed(() => (annotationsShown.value ? pickedState.value : undefined));
  /** As the reader's viewer opens it: turned as the state shown turns it. */
  const rotation = computed(() => shownState.value?.rotation ?? 0);
  const flip = computed(() => shownState.value?.flip ?? false);
  /** Fitted to the state's displayed area (the part its radiologist zoomed to) until the sender fits the whole image. */
  const wholeImage = ref(false);
  const area = computed(() => (wholeImage.value ? undefined : shownState.value?.area));
  const { zoom, pan, fitted, viewport, fit: fitView, setViewport, zoomBy, panBy } =
    useViewport(() => data.value?.original, () => aspect.value, () => rotation.value, () => flip.value, () => area.value);
  /** The sender's fit: the whole image. */
  function fit() {
    wholeImage.value = true;
    fitView();
  }
  /** Black for white where the state shown shows it so (its Presentation LUT Shape), as the reader's viewer opens it. */
  const stateInvert = () => shownState.value?.invert ?? false;
  // Another state (its turn, its area, its inversion) fits again and inverts as it does, as the viewer opens it.
  watch([rotation, flip, () => shownState.value?.label], () => {
    wholeImage.value = false;
    invert.value = stateInvert();
    if (fitted.value) fitView();
  });
  const probe = ref<Point | null>(null);
  const errors = useErrors();
  let seq = 0;
  let request: PreviewSettings = { quality: 'auto', deidentify: 'basic', recode: false };

  const info = computed(() => data.value?.info ?? null);
  const errorMap = computed(() => (data.value ? markRaw(absoluteDifference(data.value.original, data.value.decoded)) : null));
  const errorImage = computed(() => (errorMap.value ? markRaw(errorMapImage(errorMap.value)) : null));

  /** Shows `file` as it would be encrypted with `settings` (frame 0 unless the same file stays open at another frame). */
  async function show(file: { path: string; name: string }, settings: PreviewSettings, at = 0) {
    const same = path.value === file.path;
    if (!same) stateLabel.value = '';
    path.value = file.path;
    name.value = file.name;
    frame.value = at;
    request = settings;
    await load(!same);
  }

  /** What main is asked for the file shown at its frame, as it would be encrypted. */
  function asked(at: string): PreviewRequest {
    return {
      path: at, quality: request.quality, deidentify: request.deidentify, frame: frame.value, ...(request.recode ? { recode: true } : {}),
      ...(request.ctIntercept !== undefined ? { ctIntercept: request.ctIntercept } : {}),
      ...(request.study ? { study: [...request.study] } : {}),
      ...(request.senderWindows ? { senderWindows: { ...request.senderWindows } } : {}),
    };
  }

  /** `frameMoved`: another frame of the file is shown (goFrame), in its own window where the sender chose none. */
  async function load(resetView: boolean, frameMoved = false) {
    if (!path.value) return;
    const mine = ++seq;
    busy.value = true;
    try {
      const p = await unwrap(bridge().files.preview(asked(path.value)));
      if (mine !== seq) return;
      const first = !data.value || resetView;
      // The window it opens in changed (a study's presentation state now goes with it, or no longer): open in it, as the reader's viewer will.
      const opensElsewhere = data.value?.info.windows?.[0]?.name !== p.info.windows?.[0]?.name;
      data.value = markRaw(p);
      if (first) {
        resetWindow();
        invert.value = stateInvert();
        wholeImage.value = false;
        fitView();
      } else {
        if (opensElsewhere) resetWindow();
        else if (frameMoved) imageChanged(resetWindow);
        if (fitted.value) fitView();
      }
    } catch (err) {
      if (mine === seq) errors.report(err);
    } finally {
      if (mine === seq) busy.value = false;
    }
  }

  /**
   * What the reader's viewer will say in the window on screen (readerSaysIn: the sender's figure, or that the sender did
   * not measure it and what the bound means there); undefined for a bit-exact image.
   */
  const readerSays = computed(() => (data.value ? readerSaysIn(data.value.info, data.value.info.units, shownWindow.value, windowName.value) : undefined));
  /**
   * The figures of the window on screen where it is none of the reader windows (0.43): measured by main as those are,
   * asked once the window rests (a drag sends many), for the file, level and frame shown; `at` says for which.
   */
  const windowHere = shallowRef<{ at: string; figures?: WindowFigures; failed?: string } | null>(null);
  /** The window on screen with what it is measured for, where it is to be measured; null where the table has it. */
  const hereKey = computed(() => {
    const says = readerSays.value, w = shownWindow.value;
    if (!path.value || !data.value || !says || says.measured || w.lut || busy.value) return null;
    const window = { center: w.center, width: w.width, ...(w.fn ? { fn: w.fn } : {}) };
    return { req: asked(path.value), window, at: JSON.stringify([asked(path.value), window]) };
  });
  let hereTimer: ReturnType<typeof setTimeout> | undefined;
  watch(() => hereKey.value?.at, () => {
    clearTimeout(hereTimer);
    const key = hereKey.value;
    if (!key || windowHere.value?.at === key.at) return;
    const ask = async (tries: number): Promise<void> => {
      const r = await bridge().files.previewWindow(key.req, key.window);
      if (hereKey.value?.at !== key.at) return; // an answer for a window, level or file no longer on screen is dropped
      // Main measures only the latest window asked for: one superseded by another request (not ours) is asked again.
      if (!r.ok && r.code === 'CANCELLED' && tries > 0) return ask(tries - 1);
      windowHere.value = markRaw(r.ok ? { at: key.at, figures: r.value } : { at: key.at, failed: r.message }); // a failure: the line says so
    };
    hereTimer = setTimeout(() => void ask(3), 250);
  });
  /** What was measured for the window on screen (its figures, or why not), or null while it is measured (or not asked for). */
  const hereMeasured = computed(() => (windowHere.value && windowHere.value.at === hereKey.value?.at ? windowHere.value : null));

  /** Another level, de-identification or study for the file shown: encoded again, the view kept. */
  async function requote(settings: PreviewSettings) {
    if (!path.value || JSON.stringify(settings) === JSON.stringify(request)) return;
    request = settings;
    await load(false);
  }

  async function goFrame(k: number) {
    const n = data.value?.frames ?? 1;
    const next = Math.min(n - 1, Math.max(0, k));
    if (next === frame.value) return;
    frame.value = next;
    probe.value = null;
    await load(false, true);
  }

  function close() {
    seq++;
    path.value = null;
    data.value = null;
    busy.value = false;
    probe.value = null;
  }

  /** R: as the reader's viewer opens it (the state's window, inversion and area). */
  function reset() {
    resetWindow();
    invert.value = stateInvert();
    wholeImage.value = false;
    fitView();
  }

  return {
    path, name, frame, data, busy, annotationsShown, stateLabel, states, pickedState, shownState, rotation, flip, windowCenter, windowWidth, windowName, windowFn, shownWindow, aspect, invert, zoom, pan, fitted, viewport, probe,
    info, mapping, choices, errorMap, errorImage, readerSays, hereKey, hereMeasured,
    show, requote, goFrame, close, setWindow, resetWindow, choose, chooseNamed, dragWindow, fit, setViewport, zoomBy, panBy, reset,
  };
});
