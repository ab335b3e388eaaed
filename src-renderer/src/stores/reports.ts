import { defineStore } from 'pinia';
import { ref } from 'vue';
import { bridge, unwrap } from '../bridge';
import { useErrors } from './errors';
import { useViewer } from './viewer';

/**
 * The viewer's reports panel (aeimg 0.22): whether it is open, a report saved where main's save dialog says, and the
 * PDF report whose pages it shows (0.23), its bytes fetched from main when asked, never written to disk.
 */
export const useReports = defineStore('reports', () => {
  const viewer = useViewer();
  const errors = useErrors();
  const open = ref(false);
  const shownPdf = ref<{ openId: string; n: number; data: Uint8Array } | null>(null);

  /** Report `n` of the study (OpenedFile.reports) where main's save dialog says. */
  async function save(n: number) {
    if (!viewer.file) return;
    try {
      const r = await unwrap(bridge().files.saveReport(viewer.file.openId, n));
      if (r) viewer.notice = `Saved ${r.path}`;
    } catch (err) {
      errors.report(err);
    }
  }

  /** Shows report `n`'s pages in the panel (a PDF report); null hides them. */
  async function show(n: number | null) {
    const openId = viewer.file?.openId;
    if (n === null || !openId) {
      shownPdf.value = null;
      return;
    }
    try {
      shownPdf.value = { openId, n, data: await unwrap(bridge().files.reportPdf(openId, n)) };
    } catch (err) {
      errors.report(err);
    }
  }

  return { open, shownPdf, save, show };
});
