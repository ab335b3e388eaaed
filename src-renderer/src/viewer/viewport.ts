/** Zoom, pan and fit-to-viewport of an image on screen, shared by the viewer and the sender's preview. */
import { ref } from 'vue';
import type { Point } from './measure';
import { shownExtent, type Rotation } from './view-transform';

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 32;

/**
 * `image()`: the size of what is shown (null before anything is); `aspect()`: a pixel's displayed height over its
 * width (non-square pixels are shown at their physical proportions); `rotation()`: how it is turned on screen. Zoom
 * follows the viewport until the reader zooms or pans.
 */
export function useViewport(image: () => { width: number; height: number } | null | undefined, aspect: () => number = () => 1,
  rotation: () => Rotation = () => 0) {
  const zoom = ref(1);
  const pan = ref<Point>({ x: 0, y: 0 });
  const fitted = ref(true);
  const viewport = ref({ width: 0, height: 0 });

  function fitScale(): number {
    const px = image();
    const { width, height } = viewport.value;
    if (!px || !width || !height) return 1;
    const shown = shownExtent(px, aspect(), rotation());
    return Math.min(width / shown.width, height / shown.height);
  }

  function fit() {
    fitted.value = true;
    zoom.value = fitScale();
    pan.value = { x: 0, y: 0 };
  }

  function setViewport(width: number, height: number) {
    viewport.value = { width, height };
    if (fitted.value) fit();
  }

  /** Zooms by `factor` keeping the point at `at` (screen pixels from the viewport's centre) where it is. */
  function zoomBy(factor: number, at: Point = { x: 0, y: 0 }) {
    const z = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom.value * factor));
    const r = z / zoom.value;
    pan.value = { x: at.x - r * (at.x - pan.value.x), y: at.y - r * (at.y - pan.value.y) };
    zoom.value = z;
    fitted.value = false;
  }

  function panBy(dx: number, dy: number) {
    pan.value = { x: pan.value.x + dx, y: pan.value.y + dy };
    fitted.value = false;
  }

  return { zoom, pan, fitted, viewport, fit, setViewport, zoomBy, panBy };
}
