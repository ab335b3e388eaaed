/**
 * The receiver's side of the app: files opened into memory (a single file or a whole study, engine/jobs/open.ts), their
 * images decoded on the codec worker pool as the viewer asks, and saved or exported where main's dialogs say.
 */
import { randomUUID } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { ExportSummary, ImageAttributes, ImagePixels, OpenedFile, OpenedImageInfo, OutputFormat, Result } from '../../../src-shared/api.js';
import { AeimgError, ErrorCode } from '../../engine/errors.js';
import { writeFileAtomic } from '../../engine/fs/atomic.js';
import type { Image } from '../../engine/image/image.js';
import { imageSignature } from '../../engine/image/signature.js';
import { imageExt, outputBytes } from '../../engine/jobs/decrypt.js';
import { exportSlices, recordDocuments, seriesFoldersOf } from '../../engine/jobs/export.js';
import { openAeimg } from '../../engine/jobs/open.js';
import type { IdentitySource } from '../../engine/container/aeimg-file.js';
import { Passphrase } from '../../engine/keys/recipients.js';
import { receivedFidelity } from '../../engine/codec/record.js';
import type { CodecPool } from '../../engine/jobs/pool.js';
import { DENOISED_CACHE_BYTES, ImageLru, readCodedSlices, SliceCache } from '../../engine/jobs/slices.js';
import type { KeyStore } from '../../engine/keys/keystore.js';
import { DEFAULT_MODEL } from '../../engine/model/autoencoder.js';
import { attempt } from './remedy.js';
import { documentFiles, studyImageIndex, studyImageNamer, studyReportMarks, type DocumentFile } from '../../engine/dicom/documents.js';
import { reportMarksInfo } from '../../engine/dicom/report-marks.js';
import { dicomMetaOf } from '../../engine/dicom/import.js';
import { shownImage } from '../../engine/jobs/view.js';

/** A PNG's signature and its IHDR chunk first, as every PNG starts. */
function isPng(b: Uint8Array): boolean {
  return b.byteLength >= 16 && imageSignature(b) === 'PNG' && Buffer.from(b.buffer, b.byteOffset + 12, 4).toString('latin1') === 'IHDR';
}

interface OpenedState {
  file: OpenedFile;
  /** The study's reports as "Save report" writes them (dicom/documents.ts documentFiles), in OpenedFile.reports' order. */
  reports: DocumentFile[];
  /** Coded entries, decoded slices in a bounded cache (engine/jobs/slices.ts). */
  slices: SliceCache;
  /** Denoised views, bounded in bytes like the slices (a 400-slice study scrolled in denoised view stays flat). */
  denoised: ImageLru;
  /** The image last asked for: the reader's direction, for decoding ahead. */
  last: number;
  /** Colour images as shown through their ICC profile, as sent (2·index) and denoised (2·index + 1), bounded in bytes. */
  shown: ImageLru;
}

const pixelsOf = (image: Image): ImagePixels => ({ width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth, pixels: image.pixels });

/** Main's dialogs, as the viewer uses them (the folder dialog also records the folder as chosen). */
export interface ViewerDialogs {
  chooseSavePath(defaultName: string, format: string): Promise<string | null>;
  chooseFolder(): Promise<string | null>;
}

export class AppViewer {
  private readonly opened = new Map<string, OpenedState>();

  constructor(
    private readonly pool: CodecPool,
    private readonly store: KeyStore,
    private readonly shell: ViewerDialogs,
    private readonly denoisedBytes = DENOISED_CACHE_BYTES,
  ) {}

  /**
   * Opens an .aeimg; a part of a study opens the whole study from the parts beside it (all must be there). With a
   * passphrase (aeimg 0.51), that passphrase alone opens it, and the keychain is not asked: the passphrase is used for
   * this call (the study's parts included) and kept nowhere.
   */
  open(path: string, passphrase?: string): Promise<Result<OpenedFile>> {
    return attempt(async () => {
      const identities: IdentitySource = passphrase === undefined ? (stanzas) => this.store.identitiesFor(stanzas) : [new Passphrase(passphrase)];
      const { study, items, key } = await openAeimg(path, identities, (f, ids) => readCodedSlices(f, ids));
      const slices = new SliceCache(items, async (...a) => (await this.pool.decode(...a, false)).image);
      const openId = randomUUID();
      const images: OpenedImageInfo[] = await slices.describe(this.pool.size);
      const name = study ? `${study.name} (${study.parts.length} part${study.parts.length > 1 ? 's' : ''})` : basename(path);
      const metas = items.map((c) => dicomMetaOf(c.record));
      // A report's text names the images it references as the viewer does: "3 of 120, IM000003".
      const reports = documentFiles(items.flatMap((c, i) => recordDocuments(c.record, metas[i])), 'png', {
        images: studyImageNamer(metas, (i) => `${i + 1} of ${items.length}, ${images[i]!.name}`),
      }).files;
      // Where its structured reports measured, on the images they measured (dicom/report-marks.ts).
      const sized = metas.map((m, i) => m && { ...m, width: items[i]!.record.width, height: items[i]!.record.height });
      for (const [i, marks] of studyReportMarks(sized, studyImageIndex(metas))) {
        const dicom = images[i]?.dicom;
        if (dicom) dicom.reportMarks = reportMarksInfo(marks);
      }
      const file: OpenedFile = {
        openId, path, name, key, images,
        ...(reports.length ? {
          reports: reports.map((r) => ({ kind: r.kind, title: r.title, fileName: r.name, ...(r.kind === 'structured report' ? { text: r.bytes.toString('utf8') } : {}) })),
        } : {}),
      };
      this.opened.set(openId, { file, reports, slices, denoised: new ImageLru(this.denoisedBytes), last: 0, shown: new ImageLru(this.denoisedBytes) });
      return file;
    });
  }

  private state(openId: string): OpenedState {
    const s = this.opened.get(openId);
    if (!s) throw new AeimgError(ErrorCode.BadInput, 'that file is no longer open; open it again.');
    return s;
  }

  image(openId: string, index: number, denoised: boolean): Promise<Result<ImagePixels>> {
    return attempt(async () => {
      const s = this.state(openId);
      if (index >= s.slices.length) throw new AeimgError(ErrorCode.BadInput, `there is no image ${index + 1} in ${s.file.name}.`);
      // A colour image through its ICC profile (view.ts shownImage), kept: 0.8 s for 12 megapixels at 8 bits.
      const shownKey = 2 * index + (denoised ? 1 : 0);
      const kept = s.shown.get(shownKey);
      let image = kept ?? await s.slices.image(index);
      if (index !== s.last) s.slices.readAhead(index, index > s.last ? 1 : -1);
      s.last = index;
      if (kept) return pixelsOf(kept);
      if (denoised) {
        let d = s.denoised.get(index);
        if (!d) {
          d = await this.denoise(s, index, image);
          s.denoised.set(index, d);
        }
        image = d;
      }
      const shown = await shownImage(image, s.slices.record(index));
      if (shown !== image) s.shown.set(shownKey, shown);
      return pixelsOf(shown);
    });
  }

  /** The DICOM attributes image `index` carried inside the encryption, for the information panel. */
  attributes(openId: string, index: number): Promise<Result<ImageAttributes | null>> {
    return attempt(async () => {
      const s = this.state(openId);
      if (index >= s.slices.length) throw new AeimgError(ErrorCode.BadInput, `there is no image ${index + 1} in ${s.file.name}.`);
      return s.slices.attributes(index);
    });
  }

  /**
   * The denoised view, on a worker; the pixels travel in memory, never to disk. A carried latent goes through its
   * model's denoiser, or its faithful decoder without the impulses the file carries beside it, with the plateaus it
   * carries (a CT's padding) put back (as `aeimg decrypt --denoise` does: image-codec.ts decodeImageRecord); an image
   * without one has its plateaus kept as they are and its salt-and-pepper impulses
   * repaired, then goes through the default model's encoder and denoiser (its decoder when it has none), and gets the
   * detail the denoiser lost back from its own pixels when its noise is mild (image-codec.ts denoiseImage).
   */
  private async denoise(s: OpenedState, index: number, image: Image): Promise<Image> {
    const { modelId, record, blobs } = s.slices.coded(index);
    if (record.latent) return (await this.pool.decode(modelId, record, blobs, false, true)).image;
    return this.pool.denoise(DEFAULT_MODEL, image, receivedFidelity(record).maxError);
  }

  /**
   * Saves where the user says in the save dialog (opened here, in main): the renderer never names a path to write. A
   * reduced-quality image is offered as NAME.reduced-quality.png (decrypt.ts imageExt; DICOM says it in its header).
   */
  save(openId: string, index: number, format: OutputFormat): Promise<Result<{ path: string } | null>> {
    return attempt(async () => {
      const s = this.state(openId);
      const stem = this.stem(s, index);
      const record = s.slices.record(index);
      const target = await this.shell.chooseSavePath(`${stem}${imageExt(record, `.${format}`)}`, format);
      if (!target) return null;
      const data = await outputBytes(await s.slices.image(index), record, format, index + 1, { blobs: s.slices.coded(index).blobs });
      await writeFileAtomic(target, data, { force: true }); // the save dialog already asked about replacing
      return { path: target };
    });
  }

  /**
   * Saves the view the renderer drew (a PNG, checked to be one) as NAME.view.png where the save dialog says: the image
   * as the reader sees it, 8-bit through the window shown, where "Save as PNG" keeps the values (a 16-bit PNG of
   * stored values, which other viewers show flat).
   */
  saveView(openId: string, index: number, png: Uint8Array): Promise<Result<{ path: string } | null>> {
    return attempt(async () => {
      const s = this.state(openId);
      const stem = this.stem(s, index);
      if (!isPng(png)) throw new AeimgError(ErrorCode.BadInput, `the view of ${stem} was not drawn as a PNG image; nothing was saved. Try again, or use Copy view.`);
      const target = await this.shell.chooseSavePath(`${stem}.view.png`, 'png');
      if (!target) return null;
      await writeFileAtomic(target, Buffer.from(png.buffer, png.byteOffset, png.byteLength), { force: true });
      return { path: target };
    });
  }

  /** An image's output name without extension: its record's name, a frame's "#2" as "-2". */
  private stem(s: OpenedState, index: number): string {
    if (index >= s.slices.length) throw new AeimgError(ErrorCode.BadInput, `there is no image ${index + 1} in ${s.file.name}.`);
    const record = s.slices.record(index);
    return basename(record.name, extname(record.name)).replace(/#(\d+)$/, '-$1');
  }

  /** Report `n` of an opened study, as PNG output writes it (a PDF as it is, a structured report as text), where the save dialog says. */
  saveReport(openId: string, n: number): Promise<Result<{ path: string } | null>> {
    return attempt(async () => {
      const s = this.state(openId);
      const report = s.reports[n];
      if (!report) throw new AeimgError(ErrorCode.BadInput, `${s.file.name} came with no report ${n + 1}.`);
      const target = await this.shell.chooseSavePath(report.name, extname(report.name).slice(1));
      if (!target) return null;
      await writeFileAtomic(target, report.bytes, { force: true }); // the save dialog already asked about replacing
      return { path: target };
    });
  }

  /** Report `n`'s PDF (a PDF report, as its Save writes it) for the viewer to show: in memory only, nothing written. */
  reportPdf(openId: string, n: number): Promise<Result<Uint8Array>> {
    return attempt(async () => {
      const s = this.state(openId);
      const report = s.reports[n];
      if (!report || extname(report.name) !== '.pdf') throw new AeimgError(ErrorCode.BadInput, `${s.file.name} came with no PDF report ${n + 1}.`);
      return new Uint8Array(report.bytes);
    });
  }

  /** Every image of an opened file or study into a folder the user picks in main's dialog; all files or none. */
  exportAll(openId: string, format: OutputFormat): Promise<Result<ExportSummary | null>> {
    return attempt(async () => {
      const s = this.state(openId);
      const folder = await this.shell.chooseFolder();
      if (!folder) return null;
      const paths = await exportSlices(s.slices, folder, format, this.pool.size);
      return { folder, files: paths.length, seriesFolders: seriesFoldersOf(folder, paths) };
    });
  }

}
