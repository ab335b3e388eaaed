import type { Ref } from 'vue';
import type { OpenedFile } from '../../../src-shared/api';
import { bridge, unwrap } from '../bridge';
import { canvasPng, copyCanvas } from './snapshot';
import { valueFormula } from '../../../src-shared/windows';
import { useErrors } from '../stores/errors';

/**
 * What the reader takes out of the viewer: the shown image saved as PNG or DICOM, every image exported, the rendered
 * view copied or saved, each saying in `notice` where it went. DICOM is offered for DICOM images and for image files
 * declared CT (OpenView.vue), which have no transparency for it to drop.
 */
/**
 * Said after PNGs are written of image files whose samples are not what their reader reads, as `aeimg decrypt` says
 * it: values that went up by an offset (values below 0, a signed TIFF: aeimg 0.35), which a PNG holds moved up, and a
 * CT its sender declared (0.36), whose HU its values give. A DICOM image's PNG holds its stored values, as its file did.
 */
function valuesNote(format: 'png' | 'dcm', images: readonly (OpenedFile['images'][number] | undefined)[]): string {
  const img = format === 'png' ? images.find((i) => i && !i.dicom && i.mapping) : undefined;
  const m = img?.mapping;
  if (!m) return '';
  const reads = `a value v in it is ${valueFormula(m)}${img.units ? ` ${img.units}` : ''}`;
  if (m.inverted) return `. Its grey is inverted (WhiteIsZero, as MONOCHROME1): it holds the image as it shows, its values turned over (${reads})`;
  return m.offset ? `. A PNG holds no value below 0: it holds the image's values + ${m.offset} (${reads})` : `. In it ${reads}`;
}

export function useViewerOutput(file: Ref<OpenedFile | null>, index: Ref<number>, notice: Ref<string>, copyOverlays: Ref<boolean>) {
  const errors = useErrors();

  async function save(format: 'png' | 'dcm') {
    if (!file.value) return;
    try {
      const r = await unwrap(bridge().files.save(file.value.openId, index.value, format));
      if (r) notice.value = `Saved ${r.path}${valuesNote(format, [file.value.images[index.value]])}`;
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
      if (r) notice.value = `Saved ${r.files} file${r.files === 1 ? '' : 's'} in ${r.folder}${series}${valuesNote(format, file.value.images)}`;
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
