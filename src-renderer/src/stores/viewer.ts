import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import type { ImageAttributes, ImagePixels, OpenedFile, ReceivedFiles } from '../../../src-shared/api';
import { bridge, CallError, unwrap } from '../bridge';
import { ErrorCode, Remedy } from '../../../src-shared/errors';
import { annotationsShown, pickState, realWindowToSample, shutterShown } from '../viewer/display';
import { stateWindowName } from '../../../src-shared/windows';
import { overlaysHidden, overlaysShown } from '../../../src-shared/graphics';
import type { Measurement, MeasurementKind, Point } from '../viewer/measure';
import { useViewport } from '../viewer/viewport';
import { useWindowLevel } from '../viewer/window-level';
import { useViewerOutput } from '../viewer/output';
import { thumbnailUrl } from '../viewer/thumbnail';
import type { Rotation } from '../viewer/view-transform';
import { viewerRotation } from '../../../src-shared/orientation';
import { useErrors } from './errors';
import { CINE_FPS, cineFrameMs, cineStartFps, clipTiming } from '../viewer/cine';

export type Tool = 'window' | 'pan' | MeasurementKind;

/** Decoded slices kept in the renderer (most recently shown first): enough to scroll back and play cine. */
const CACHE_BYTES = 256 << 20;
/** Thumbnails kept (a few KB each); the strip asks again for one that was dropped when it scrolls back. */
const THUMBNAILS = 1024;
/**
 * The opened .aeimg as a reader works with it: the shown slice, the window/level (real-world units, shared across
 * the series), inversion, zoom and pan (screen pixels per image pixel, fit to the viewport until the reader zooms),
 * the measurements of each slice, cine, and the panels.
 */
export const useViewer = defineStore('viewer', () => {
  const file = ref<OpenedFile | null>(null);
  const index = ref(0);
  const pixels = shallowRef<ImagePixels | null>(null);
  /** Whether the pixels shown are the denoised view's (the banner, the corners and the probe follow it). */
  const denoised = ref(false);
  /** The slice and view the reader asked for last; `index` and `denoised` become them when their pixels arrive. */
  const wanted = ref({ index: 0, denoised: false });
  /** In real-world units (HU for CT, stored values for other DICOM, samples for plain images). */
  const { windowCenter, windowWidth, windowName, windowFn, windowLut, shownWindow, invert, mapping, choices, setWindow, resetWindow, choose, chooseNamed, dragWindow, imageChanged } =
    useWindowLevel(() => current.value);
  /** A pixel's displayed height over its width (non-square pixels are shown at their physical proportions). */
  const aspect = computed(() => current.value?.dicom?.pixelAspect ?? 1);
  /**
   * How the view is turned (clockwise, after a left–right flip): as the image's presentation state turned it when it
   * opened (`turnedBy` names it), else upright; the reader's Rotate and Flip turn it further. Kept while scrolling.
   */
  const rotation = ref<Rotation>(0);
  const flip = ref(false);
  const turnedBy = ref('');
  /** The presentation state that showed the image inverted (black for white) as it opened, until the reader inverts it again. */
  const invertedBy = ref('');
  /**
   * The presentation state whose displayed area the view fits (the part its radiologist zoomed to), as the image
   * opened; the reader's own fit (Fit, 0, double-click) fits the whole image.
   */
  const areaOf = ref('');
  const area = computed(() => (areaOf.value ? current.value?.dicom?.presentationStates?.find((s) => s.label === areaOf.value)?.area : undefined));
  const { zoom, pan, fitted, viewport, fit: fitView, setViewport, zoomBy, panBy } =
    useViewport(() => pixels.value ?? current.value, () => aspect.value, () => rotation.value, () => flip.value, () => area.value);
  const tool = ref<Tool>('window');
  const measurements = ref<Record<number, Measurement[]>>({});
  const probe = ref<Point | null>(null);
  const overlays = ref(true);
  /** The image's DICOM overlays (its graphics) are drawn, as a PACS draws them unless the reader turns them off. */
  const graphics = ref(true);
  // Under a presentation state, those it shows (each in its layer's colour), as its PACS shows them.
  const shownGraphics = computed(() => (graphics.value ? overlaysShown(current.value?.dicom?.graphics, shownState.value) : undefined));
  /** The overlays the presentation state shown does not show (its PACS does not display them while it is): their names. */
  const graphicsHidden = computed(() => overlaysHidden(current.value?.dicom?.graphics, shownState.value));
  /**
   * A presentation state is shown, as a PACS applies a radiologist's, unless the reader hides it: one at a time (its
   * annotations, window, turn, area and shutter together), the first unless the reader picks another (`stateLabel`).
   */
  const presentation = ref(true);
  const stateLabel = ref('');
  const states = computed(() => current.value?.dicom?.presentationStates ?? []);
  const shownState = computed(() => (presentation.value ? pickState(states.value, stateLabel.value) : undefined));
  /** The regions the study's structured reports measured on the image (0.22), drawn unless the reader hides them. */
  const reportMarks = ref(true);
  const shownAnnotations = computed(() => annotationsShown(shownState.value, reportMarks.value ? current.value?.dicom?.reportMarks : undefined));
  /**
   * The Display Shutter covers what it covers, as a PACS shows it, unless the reader turns it off to see all: the image's
   * own, or while its presentation states are shown theirs (viewer/display.ts shutterShown).
   */
  const shutter = ref(true);
  // A report's marks are no presentation state: the image's own shutter stays under them.
  const shownShutter = computed(() => (shutter.value ? shutterShown(current.value?.dicom, shownState.value ? [shownState.value] : undefined) : undefined));
  const infoOpen = ref(false);
  /** The reports panel (a study that came with reports). */
  const attributes = shallowRef<ImageAttributes | null>(null);
  const playing = ref(false);
  const fps = ref<number>(CINE_FPS.default);
  const busy = ref(false);
  const notice = ref('');
  /** "Copy view" draws the measurements and corner overlays in too. */
  const copyOverlays = ref(true);
  const errors = useErrors();
  const { save, exportAll, copyView, saveView } = useViewerOutput(file, index, notice, copyOverlays);
  const current = computed(() => file.value?.images[index.value] ?? null);
  const units = computed(() => current.value?.units ?? '');
  /** The window in sample units, as the canvas reports it. */
  const sampleWindow = computed(() => realWindowToSample({ center: windowCenter.value, width: windowWidth.value }, mapping.value));
  const shownMeasurements = computed(() => measurements.value[index.value] ?? []);
  // A cine plays at its file's own rate: set when a clip is shown (opened, or the next clip of a study); the reader's
  // own choice holds while the frames of the same clip play.
  watch(() => clipTiming(current.value)?.frameRate, (rate) => { if (rate) fps.value = cineStartFps(rate); });
  let loadSeq = 0;
  let openSeq = 0;
  let nextMeasurement = 1;
  const cache = markRaw(new Map<string, ImagePixels>());

  function remember(key: string, px: ImagePixels) {
    cache.delete(key);
    cache.set(key, px);
    let bytes = 0;
    for (const p of cache.values()) bytes += p.pixels.byteLength;
    for (const k of cache.keys()) {
      if (bytes <= CACHE_BYTES || cache.size <= 2) break;
      bytes -= cache.get(k)!.pixels.byteLength;
      cache.delete(k);
    }
  }

  const pixelKey = (openId: string, i: number, den: boolean) => `${openId}:${i}:${den}`;

  async function fetchPixels(openId: string, i: number, den: boolean): Promise<ImagePixels> {
    const key = pixelKey(openId, i, den);
    const hit = cache.get(key);
    if (hit) { remember(key, hit); return hit; }
    const px = markRaw(await unwrap(bridge().files.image(openId, i, den)));
    remember(key, px);
    return px;
  }

  const thumbs = markRaw(new Map<string, string>());
  /** A small thumbnail of slice `i` in its opening window; the slice's pixels are not kept. */
  async function thumbnail(i: number): Promise<string> {
    const f = file.value;
    if (!f?.images[i]) return '';
    const key = `${f.openId}:${i}`;
    const hit = thumbs.get(key);
    if (hit !== undefined) return hit;
    const cached = cache.get(`${key}:false`);
    const url = thumbnailUrl(cached ?? await unwrap(bridge().files.image(f.openId, i, false)), f.images[i].window, f.images[i].dicom?.pixelAspect, f.images[i].mapping);
    thumbs.set(key, url);
    if (thumbs.size > THUMBNAILS) thumbs.delete(thumbs.keys().next().value!);
    return url;
  }

  /**
   * Shows slice `i` of the open file, denoised or not, once its pixels are here: the slice, the view and the pixels
   * change together, so the corners, the banner and the probe never describe pixels other than those drawn (until
   * then the last ones stay, with their own details). The reader's last request wins.
   */
  async function show(i: number, den: boolean) {
    const f = file.value;
    if (!f) return;
    const seq = ++loadSeq;
    wanted.value = { index: i, denoised: den };
    try {
      // With the information panel open, the slice's attributes come with it, never another slice's beside it.
      const info = infoOpen.value && i !== index.value ? attributesOf(f.openId, i) : undefined;
      const px = await fetchPixels(f.openId, i, den);
      const attrs = await info;
      if (seq !== loadSeq || file.value !== f) return;
      const moved = i !== index.value;
      index.value = i;
      denoised.value = den;
      pixels.value = px;
      if (moved) imageChanged(stateWindow); // its own window, where the reader chose none
      if (attrs !== undefined) attributes.value = attrs;
      else if (moved) void loadAttributes();
      if (fitted.value) fitView();
    } catch (err) {
      if (seq === loadSeq) wanted.value = { index: index.value, denoised: denoised.value };
      errors.report(err);
    }
  }

  /** Slice `i`'s attributes for the information panel; a failure is reported and the panel says it has none. */
  async function attributesOf(openId: string, i: number): Promise<ImageAttributes | null> {
    try {
      return markRaw(await unwrap(bridge().files.attributes(openId, i)) ?? { attributes: [], deidentification: { deidentified: false, options: [] } });
    } catch (err) {
      errors.report(err);
      return null;
    }
  }

  /** The shown slice's attributes, when the panel is open (kept only while that slice is still the one shown). */
  async function loadAttributes() {
    const f = file.value, i = index.value;
    if (!f) return;
    if (!infoOpen.value) { attributes.value = null; return; }
    const attrs = await attributesOf(f.openId, i);
    if (file.value === f && index.value === i) attributes.value = attrs;
  }

  /**
   * What was dropped on the Open tab (0.27): each .aeimg in it, listed to open one after another (a study once), the
   * first opened; before, the first path dropped was opened and the others left without a word.
   */
  const received = ref<ReceivedFiles['files']>([]);

  async function openReceived(paths: string[]) {
    try {
      const r = await unwrap(bridge().files.received(paths));
      received.value = r.files;
      if (r.note) errors.report(new Error(r.note));
      if (r.files[0]) await open(r.files[0].path);
    } catch (err) {
      errors.report(err);
    }
  }

  /** Files given together (chosen in the dialog, opened from the file manager, dropped on the window): one opens, several are listed. */
  async function openPaths(paths: string[]) {
    if (paths.length === 1) await open(paths[0]!);
    else if (paths.length > 1) await openReceived(paths);
  }

  /**
   * A file encrypted with a passphrase, waiting for it (aeimg 0.51): its path, the engine's words for why it is asked
   * (the file's name first) and, after a wrong one, that it was wrong. The passphrase itself is never kept here.
   */
  const passphraseFor = ref<{ path: string; message: string; wrong: boolean } | null>(null);

  /**
   * Opens an .aeimg: the file replaces the one shown once its first image is here, with that image (see `show`). A
   * file encrypted with a passphrase asks for it (`passphraseFor`) and opens with `passphrase` once it is given.
   */
  async function open(path: string, passphrase?: string) {
    if (!received.value.some((f) => f.path === path)) received.value = []; // opened otherwise (chosen, double-clicked)
    busy.value = true;
    notice.value = '';
    stopCine();
    const seq = ++openSeq;
    try {
      const f = await unwrap(bridge().files.open(path, passphrase)).finally(() => {
        if (seq === openSeq) passphraseFor.value = null;
      });
      const info = infoOpen.value ? attributesOf(f.openId, 0) : undefined;
      const px = markRaw(await unwrap(bridge().files.image(f.openId, 0, false)));
      const attrs = await info;
      if (seq !== openSeq) return;
      loadSeq++; // the last file's slices still on their way are not shown over this one
      file.value = f;
      fps.value = cineStartFps(clipTiming(f.images[0])?.frameRate); // also where the last file's clip had the same rate
      cache.clear();
      thumbs.clear();
      remember(pixelKey(f.openId, 0, false), px);
      index.value = 0;
      denoised.value = false;
      wanted.value = { index: 0, denoised: false };
      pixels.value = px;
      measurements.value = {};
      attributes.value = attrs ?? null;
      probe.value = null;
      fitted.value = true;
      pan.value = { x: 0, y: 0 };
      stateLabel.value = '';
      presentation.value = true;
      resetWindow();
      resetToState();
      fitView();
      if (infoOpen.value && attrs === undefined) await loadAttributes(); // the panel opened meanwhile
    } catch (err) {
      const asks = err instanceof CallError && (err.remedy === Remedy.GivePassphrase || (passphrase !== undefined && err.code === ErrorCode.WrongKey));
      if (asks && seq === openSeq) passphraseFor.value = { path, message: err.message, wrong: passphrase !== undefined };
      else if (!asks) errors.report(err);
    } finally {
      if (seq === openSeq) busy.value = false;
    }
  }

  /** The reader gives up on the passphrase asked for: nothing is opened. */
  const cancelPassphrase = () => { passphraseFor.value = null; };

  async function go(to: number) {
    if (!file.value) return;
    const next = Math.min(file.value.images.length - 1, Math.max(0, to));
    if (next === wanted.value.index) return;
    probe.value = null;
    await show(next, wanted.value.denoised);
  }

  /** The next or previous slice from the one last asked for, so that keys pressed faster than slices arrive all count. */
  const step = (delta: number) => go(wanted.value.index + delta);

  async function setDenoised(on: boolean) {
    await show(wanted.value.index, on);
  }

  /** R: window, inversion, rotation, flip, zoom and pan as the file opened (those of the presentation state shown). */
  function reset() {
    applyState();
  }

  /** The shown presentation state's window (else the image's default), inversion, turn and area, fitted. */
  function applyState() {
    stateWindow();
    resetToState();
    fitView();
  }

  /** The shown presentation state's window, else the image's default. */
  function stateWindow() {
    if (!shownState.value || !chooseNamed(stateWindowName(shownState.value.label))) resetWindow();
  }

  /** The inversion, turn and displayed area of the presentation state shown (the radiologist's), else as the image shows, upright and whole. */
  function resetToState() {
    const state = shownState.value;
    invert.value = state?.invert ?? false;
    invertedBy.value = state?.invert ? state.label : '';
    rotation.value = state?.rotation ?? 0;
    flip.value = state?.flip ?? false;
    turnedBy.value = state?.rotation || state?.flip ? state.label : '';
    areaOf.value = state?.area ? state.label : '';
  }

  /** I: black for white, or back; the reader's own (the corner no longer names a state for it). */
  function toggleInvert() {
    invert.value = !invert.value;
    invertedBy.value = '';
  }

  /** Shows presentation state `label` (of the image's), as a PACS applies it: its window, turn and area, its annotations and shutter. */
  function showState(label: string) {
    stateLabel.value = label;
    presentation.value = true;
    applyState();
  }

  /** The reader's fit: the whole image. */
  function fit() {
    areaOf.value = '';
    fitView();
  }

  /** Turns the view a quarter clockwise (a fitted view fits again: its width and height trade places). */
  function rotate() {
    rotation.value = ((rotation.value + 90) % 360) as Rotation;
    turnedBy.value = '';
    if (fitted.value) fitView();
  }

  /** Flips the view left to right (as shown: after the rotation, a flip of what is on screen). */
  function flipView() {
    // On screen, a left–right flip of the turned view is a flip of the image then the opposite turn.
    flip.value = !flip.value;
    rotation.value = viewerRotation(rotation.value, true) as Rotation;
    turnedBy.value = '';
    if (fitted.value) fitView();
  }

  function addMeasurement(kind: MeasurementKind, a: Point, b: Point) {
    const list = measurements.value[index.value] ?? [];
    measurements.value = { ...measurements.value, [index.value]: [...list, { id: nextMeasurement++, kind, a, b }] };
  }

  function removeMeasurement(id: number) {
    const list = (measurements.value[index.value] ?? []).filter((m) => m.id !== id);
    measurements.value = { ...measurements.value, [index.value]: list };
  }

  function clearMeasurements() {
    measurements.value = {};
  }

  async function toggleInfo() {
    infoOpen.value = !infoOpen.value;
    if (infoOpen.value) await loadAttributes();
  }

  let cineTimer: ReturnType<typeof setTimeout> | undefined;
  /** Space: plays the series at `fps`, wrapping at the end; a slow slice delays the next rather than piling up. */
  function toggleCine() {
    if (playing.value) { stopCine(); return; }
    if (!file.value || file.value.images.length < 2) return;
    playing.value = true;
    const tick = async () => {
      if (!playing.value || !file.value) return;
      const started = performance.now();
      await go((index.value + 1) % file.value.images.length);
      const shown = cineFrameMs(fps.value, clipTiming(current.value)?.frameTimeRatio);
      if (playing.value) cineTimer = setTimeout(() => void tick(), Math.max(0, shown - (performance.now() - started)));
    };
    void tick();
  }

  function stopCine() {
    playing.value = false;
    clearTimeout(cineTimer);
  }

  return {
    file, index, pixels, denoised, wanted, windowCenter, windowWidth, windowName, invert, invertedBy, zoom, pan, fitted, viewport, tool, rotation, flip, turnedBy, areaOf, area,
    measurements, shownMeasurements, probe, overlays, graphics, shownGraphics, graphicsHidden, shutter, shownShutter, presentation, stateLabel, shownState, shownAnnotations, reportMarks, infoOpen, attributes, playing, fps, busy, notice, current, aspect, windowFn, shownWindow,
    windowLut, mapping, units, choices, sampleWindow, copyOverlays,
    received, passphraseFor, cancelPassphrase, open, openReceived, openPaths, go, step, setDenoised, resetWindow, setWindow, choose, dragWindow, fit, setViewport, zoomBy, panBy, reset, toggleInvert, rotate, flipView, showState,
    addMeasurement, removeMeasurement, clearMeasurements, toggleInfo, toggleCine, stopCine, save, thumbnail, exportAll, copyView, saveView,
  };
});
