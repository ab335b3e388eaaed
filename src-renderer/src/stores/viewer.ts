import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ImagePixels, OpenedFile } from '../../../src-shared/api';
import { bridge, unwrap } from '../bridge';
import { useErrors } from './errors';

/** The opened .aeimg: its images (slices), the shown one, window/level shared across the series, zoom and pan. */
export const useViewer = defineStore('viewer', () => {
  const file = ref<OpenedFile | null>(null);
  const index = ref(0);
  const pixels = ref<ImagePixels | null>(null);
  const denoised = ref(false);
  const windowCenter = ref(0);
  const windowWidth = ref(1);
  const zoom = ref(1);
  const pan = ref({ x: 0, y: 0 });
  const busy = ref(false);
  const notice = ref('');
  const errors = useErrors();
  const current = computed(() => file.value?.images[index.value] ?? null);
  let loadSeq = 0;

  async function load() {
    if (!file.value) return;
    const seq = ++loadSeq;
    try {
      const px = await unwrap(bridge().files.image(file.value.openId, index.value, denoised.value));
      if (seq === loadSeq) pixels.value = px;
    } catch (err) {
      errors.report(err);
    }
  }

  async function open(path: string) {
    busy.value = true;
    notice.value = '';
    try {
      const f = await unwrap(bridge().files.open(path));
      file.value = f;
      index.value = 0;
      denoised.value = false;
      zoom.value = 1;
      pan.value = { x: 0, y: 0 };
      const w = f.images[0]!.window;
      windowCenter.value = w.center;
      windowWidth.value = w.width;
      await load();
    } catch (err) {
      errors.report(err);
    } finally {
      busy.value = false;
    }
  }

  async function step(delta: number) {
    if (!file.value) return;
    const next = Math.min(file.value.images.length - 1, Math.max(0, index.value + delta));
    if (next === index.value) return;
    index.value = next;
    await load();
  }

  async function setDenoised(on: boolean) {
    denoised.value = on;
    await load();
  }

  function resetWindow() {
    const w = current.value?.window;
    if (w) {
      windowCenter.value = w.center;
      windowWidth.value = w.width;
    }
  }

  async function save(format: 'png' | 'dcm') {
    if (!file.value) return;
    try {
      const r = await unwrap(bridge().files.save(file.value.openId, index.value, format));
      if (r) notice.value = `Saved ${r.path}`;
    } catch (err) {
      errors.report(err);
    }
  }

  return {
    file, index, pixels, denoised, windowCenter, windowWidth, zoom, pan, busy, notice, current,
    open, step, setDenoised, resetWindow, save,
  };
});
