import type { Ref } from 'vue';
import type { OpenedFile } from '../../../src-shared/api';
import { bridge, unwrap } from '../bridge';
import { canvasPng, copyCanvas } from './snapshot';
import { useErrors } from '../stores/errors';

/**
 * What the reader takes out of the viewer: the shown image saved as PNG or DICOM, every image exported, the rendered
 * view copied or saved, each saying in `notice` where it went. DICOM is offered for DICOM images only (OpenView.vue),
 * which have no transparency for it to drop.
 */
/**
 * Said after PNGs are written of images whose values went up by an offset (an image file's values below 0, a signed
 * TIFF: aeimg 0.35), as `aeimg decrypt` says it: a PNG holds no value below 0, so it holds them moved up.
 */
function offsetNote(format: 'png' | 'dcm', images: readonly (OpenedFile['images'][number] | undefined)[]): string {
  const offset = format === 'png' ? images.find((i) => i?.mapping)?.mapping?.offset : undefined;
  return offset ? `. A PNG holds no value below 0: it holds the image's values + ${offset} (a value v in it is v − ${offset})` : '';
}

export function useViewerOutput(file: Ref<OpenedFile | null>, index: Ref<number>, notice: Ref<string>, copyOverlays: Ref<boolean>) {
  const errors = useErrors();

  async function save(format: 'png' | 'dcm') {
    if (!file.value) return;
    try {
      const r = await unwrap(bridge().files.save(file.value.openId, index.value, format));
      if (r) notice.value = `Saved ${r.path}${offsetNote(format, [file.value.images[index.value]])}`;
    } catch (err) {
      errors.report(err);
    }
  }

  /** Every image of the file or study, one file each (as DICOM, a cine's frames one file), into a folder the reader picks in main's dialog. */
  async function exportAll(format: 'png' | 'dcm') {
    if (!file.value) return;
    notice.value = '';
    try {
      const r = await unwrap(bridge().files.exportAll(file.value.openId, format));
      const series = r?.seriesFolders.length ? `, a folder for each of its ${r.seriesFolders.length} series (${r.seriesFolders.join(', ')})` : '';
      if (r) notice.value = `Saved ${r.files} file${r.files === 1 ? '' : 's'} in ${r.folder}${series}${offsetNote(format, file.value.images)}`;
    } catch (err) {
      errors.report(err);
    }
  }

  /** Puts the rendered view (see viewer/snapshot.ts) on the clipboard. */
  async function copyView(canvas: HTMLCanvasElement) {
    try {
      await copyCanvas(canvas);
      notice.value = `View copied to the clipboard${copyOverlays.value ? ' with its overlays' : ''}`;
    } catch (err) {
      errors.report(new Error(`The view could not be copied to the clipboard (${(err as Error).message}). Save it as PNG instead.`));
    }
  }

  /** Saves the rendered view as NAME.view.png where main's save dialog says: the image as shown, 8-bit. */
  async function saveView(canvas: HTMLCanvasElement) {
    if (!file.value) return;
    try {
      const r = await unwrap(bridge().files.saveView(file.value.openId, index.value, await canvasPng(canvas)));
      if (r) notice.value = `Saved the view${copyOverlays.value ? ' with its overlays' : ''} as ${r.path}`;
    } catch (err) {
      errors.report(err);
    }
  }

  return { save, exportAll, copyView, saveView };
}
