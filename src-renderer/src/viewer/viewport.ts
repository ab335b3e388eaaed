/** Zoom, pan and fit-to-viewport of an image on screen, shared by the viewer and the sender's preview. */
import { ref } from 'vue';
import type { Point } from './measure';
import { shownExtent, toViewport, type Rotation } from './view-transform';

/** A part of the image to show (image pixels), fitted to the viewport or at `magnify` screen pixels per image pixel. */
export interface ViewArea { x0: number; y0: number; x1: number; y1: number; magnify?: number }

const MIN_ZOOM = 0.05;
const MAX_ZOOM = 32;

/**
 * `image()`: the size of what is shown (null before anything is); `aspect()`: a pixel's displayed height over its
 * width (non-square pixels are shown at their physical proportions); `rotation()`: how it is turned on screen. Zoom
 * follows the viewport until the reader zooms or pans.
 */
export function useViewport(image: () => { width: number; height: number } | null | undefined, aspect: () => number = () => 1,
  rotation: () => Rotation = () => 0, flip: () => boolean = () => false, area: () => ViewArea | undefined = () => undefined) {
  const zoom = ref(1);
  const pan = ref<Point>({ x: 0, y: 0 });
  const fitted = ref(true);
  const viewport = ref({ width: 0, height: 0 });

  function fitScale(box: { width: number; height: number }): number {
    const { width, height } = viewport.value;
    if (!width || !height) return 1;
    const shown = shownExtent(box, aspect(), rotation());
    return Math.min(width / shown.width, height / shown.height);
  }

  /** Fits the image, or the area where one is given (a presentation state's displayed area), centred. */
  function fit() {
    fitted.value = true;
    const px = image(), a = area();
    if (!px) { zoom.value = 1; pan.value = { x: 0, y: 0 }; return; }
    if (!a) {
      zoom.value = fitScale(px);
      pan.value = { x: 0, y: 0 };
      return;
    }
    zoom.value = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, a.magnify ?? fitScale({ width: a.x1 - a.x0, height: a.y1 - a.y0 })));
    // The pan that puts the area's centre at the viewport's centre: minus where it lands from the image's centre.
    const off = toViewport({ image: px, viewport: { width: 0, height: 0 }, zoom: zoom.value, aspect: aspect(), pan: { x: 0, y: 0 }, rotation: rotation(), flip: flip() },
      { x: (a.x0 + a.x1) / 2, y: (a.y0 + a.y1) / 2 });
    pan.value = { x: -off.x, y: -off.y };
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
