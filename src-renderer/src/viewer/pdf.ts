/**
 * A study's PDF report shown in the viewer (aeimg 0.23), through PDF.js: each page drawn on a canvas as wide as the
 * panel, nothing else of the PDF (no links, forms or scripts: no annotation layer), so that a reader reads the report
 * beside the images without writing the decrypted PDF to disk first.
 */
import { getDocument, GlobalWorkerOptions } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?worker&url';

// PDF.js parses in a worker of its own, bundled beside the renderer as a .js chunk (same origin: the CSP's script-src
// 'self'; a .mjs asset is not served as JavaScript everywhere, file:// included).
GlobalWorkerOptions.workerSrc = workerUrl;

/** Pages drawn at most: a report is a few pages; a PDF of hundreds is saved and read in a PDF reader. */
export const MAX_PDF_PAGES = 50;

/** A drawn PDF: its pages, those drawn, and how to let it go. */
export interface DrawnPdf { pages: number; drawn: number; destroy(): void }

/** Draws the pages of `data` into `host`, each `width` CSS pixels wide; throws where it is no PDF PDF.js reads. */
export async function drawPdf(data: Uint8Array, host: HTMLElement, width: number): Promise<DrawnPdf> {
  const task = getDocument({ data: data.slice(), enableXfa: false, disableAutoFetch: true, useSystemFonts: true });
  const doc = await task.promise;
  const drawn = Math.min(doc.numPages, MAX_PDF_PAGES);
  for (let n = 1; n <= drawn; n++) {
    const page = await doc.getPage(n);
    const scale = (width / page.getViewport({ scale: 1 }).width) * (window.devicePixelRatio || 1);
    const viewport = page.getViewport({ scale });
    const canvas = document.createElement('canvas');
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${width}px`;
    canvas.dataset.page = String(n);
    canvas.setAttribute('aria-label', `Page ${n} of ${doc.numPages}`);
    host.append(canvas);
    await page.render({ canvas, viewport }).promise;
  }
  return { pages: doc.numPages, drawn, destroy: () => void task.destroy() };
}
