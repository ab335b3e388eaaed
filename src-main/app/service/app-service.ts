/**
 * Everything the desktop app does, as a thin adapter over the engine (engine/jobs) with no Electron import: the IPC
 * handlers call it in the app, and the browser tests call it through the test bridge. Inference runs on the codec
 * worker pool, never on the calling (main) thread; keys stay here and never reach the renderer.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import type {
  AppInfo, ContactInfo, CtCheck, EncryptRequest, EventChannels, ExportSummary, ImageAttributes, ImagePixels, InputFile, KeyInfo, KeyList,
  OpenedFile, OutputFormat, PreviewRequest, ReceivedFiles, Result, SenderPreview, Settings, ShownWindow, StudyEstimate, StudyRequest, WindowFigures,
} from '../../../src-shared/api.js';
import { AeimgError, ErrorCode } from '../../engine/errors.js';
import { SenderPreviews, type PreviewRequest as PreviewJobRequest } from '../../engine/jobs/preview.js';
import type { CodecPool } from '../../engine/jobs/pool.js';
import { APP_VERSION } from '../../engine/jobs/version.js';
import { KeyStore } from '../../engine/keys/keystore.js';
import { DEFAULT_MODEL, listModels, ModelCache } from '../../engine/model/autoencoder.js';
import { initBackend } from '../../engine/model/tf.js';
import { parseDeidentify } from '../../engine/dicom/deidentify.js';
import { expandInputs, folderGiven, IMAGE_INPUT, isDicomFile, listInputs, checkWritableFolders, withSendingNames } from '../../engine/jobs/files.js';
import { estimateStudy } from '../../engine/jobs/study.js';
import { ctCheck } from '../../engine/jobs/declared-ct.js';
import { receivedFiles } from '../../engine/jobs/open.js';
import { AppJobs, type JobSettings } from './jobs.js';
import { AppKeys } from './keys.js';
import { AppViewer } from './viewer.js';
import { attempt } from './remedy.js';
import { SettingsFile } from './settings.js';
import type { CodingChoice, Quality } from '../../../src-shared/quality.js';

/** What the environment provides: dialogs, the file manager, and events to the window. */
export interface Shell {
  chooseInputs(): Promise<string[]>;
  chooseFolder(): Promise<string | null>;
  chooseSavePath(defaultName: string, format: string): Promise<string | null>;
  reveal(path: string): Promise<void>;
  emit<C extends keyof EventChannels>(channel: C, payload: EventChannels[C]): void;
}

/** A request's level, and whether every image is coded by aeimg (never as its file's own compressed data). */
function codingOf(req: { quality: Quality; recode?: boolean }): CodingChoice {
  return { quality: req.quality, ...(req.recode ? { recode: true } : {}) };
}

/** The engine's preview request for the renderer's. */
function previewOf(req: PreviewRequest): PreviewJobRequest {
  return {
    path: req.path, coding: codingOf(req), deidentify: parseDeidentify(req.deidentify), frame: req.frame, ...(req.study ? { study: req.study } : {}),
    ctIntercept: req.ctIntercept, ...(req.senderWindows ? { senderWindows: req.senderWindows } : {}),
  };
}

export class AppService {
  private readonly models = new ModelCache();
  private readonly pickedFolders = new Set<string>();
  private readonly settings: SettingsFile;
  private readonly keys: AppKeys;
  private readonly jobs: AppJobs;
  private readonly viewer: AppViewer;
  private readonly previews = new SenderPreviews((task) => this.pool.encode(DEFAULT_MODEL, task));

  constructor(
    private readonly shell: Shell,
    private readonly pool: CodecPool,
    configDir: string,
    store?: KeyStore,
  ) {
    this.settings = new SettingsFile(configDir);
    this.keys = new AppKeys(store ?? new KeyStore(undefined, join(configDir, 'keys.json')), (name, format) => shell.chooseSavePath(name, format));
    this.jobs = new AppJobs((p) => shell.emit('files:progress', p), pool);
    this.viewer = new AppViewer(pool, this.keys.store, { chooseSavePath: (n, f) => shell.chooseSavePath(n, f), chooseFolder: () => this.chooseFolder() });
  }

  async info(): Promise<AppInfo> {
    const backend = await initBackend();
    return { version: APP_VERSION, backend: backend.name, platform: process.platform, models: (await listModels()).map((m) => m.manifest.name) };
  }

  // ---- files ----

  expand(paths: string[]): Promise<Result<InputFile[]>> { return attempt(() => listInputs(paths)); }
  chooseInputs(): Promise<string[]> { return this.shell.chooseInputs(); }
  reveal(path: string): Promise<void> { return this.shell.reveal(path); }

  /** The folder dialog is main's: only folders chosen there (or the saved output folder) may receive outputs. */
  async chooseFolder(): Promise<string | null> {
    const dir = await this.shell.chooseFolder();
    if (dir) this.pickedFolders.add(resolve(dir));
    return dir;
  }

  /** Refuses an output folder the user did not choose in main's dialog (a renderer names it, it does not pick it). */
  private async checkOutDir(dir: string | undefined): Promise<void> {
    if (dir === undefined || this.pickedFolders.has(resolve(dir))) return;
    const saved = (await this.getSettings()).outDir;
    if (saved !== undefined && resolve(saved) === resolve(dir)) return;
    throw new AeimgError(ErrorCode.Usage, `the output folder ${dir} was not chosen in this app; choose it with "Output folder…".`);
  }

  private async jobSettings(req: EncryptRequest): Promise<JobSettings> {
    await this.checkOutDir(req.outDir);
    return {
      model: await this.models.refByName(DEFAULT_MODEL), recipient: await this.keys.recipient(req.recipient), coding: codingOf(req),
      deidentify: parseDeidentify(req.deidentify), outDir: req.outDir, ctIntercept: req.ctIntercept, notCt: req.notCt,
      ...(req.senderWindows ? { senderWindows: req.senderWindows } : {}),
    };
  }

  /** Starts an encryption job; progress arrives as 'files:progress' events, one per file and status change. */
  encrypt(req: EncryptRequest): Promise<Result<{ jobId: string }>> {
    return attempt(async () => {
      const settings = await this.jobSettings(req);
      const files = req.paths.map((path, i) => ({ path, subfolder: req.subfolders?.[i] ?? '' }));
      if (req.outDir === undefined) await checkWritableFolders(req.paths.map((p) => dirname(p)));
      const uidSalt = randomBytes(32).toString('hex');
      return { jobId: this.jobs.encrypt(await withSendingNames(files, settings.deidentify, uidSalt), { ...settings, uidSalt }) };
    });
  }

  /**
   * What the queued files would meet declared a CT (declared-ct.ts ctCheck), one at a time: each is read whole; or,
   * undeclared, which go as a CT by their own calibration (an ImageJ TIFF of a CT: a TIFF's head is read to know).
   */
  ctChecks(paths: string[], ctIntercept: number | undefined): Promise<Result<Record<string, CtCheck>>> {
    return attempt(async () => {
      const checks: Record<string, CtCheck> = {};
      for (const path of paths) {
        const check = await ctCheck(path, ctIntercept);
        if (check) checks[path] = check;
      }
      return checks;
    });
  }

  estimateStudy(req: StudyRequest): Promise<Result<StudyEstimate>> {
    return attempt(async () => {
      const files = await expandInputs(req.paths, IMAGE_INPUT, isDicomFile);
      const e = await estimateStudy(files, {
        model: await this.models.refByName(DEFAULT_MODEL), coding: codingOf(req), maxPartBytes: req.maxBytes, name: req.name,
        deidentify: parseDeidentify(req.deidentify), encode: (task) => this.pool.encode(DEFAULT_MODEL, task), ctIntercept: req.ctIntercept, notCt: req.notCt,
      });
      return { files: e.images, bytes: e.bytes, parts: e.parts }; // its images: a presentation state or report is set aside
    });
  }

  /** One study in parts; progress per slice, then a final event (index −1) with the parts. */
  encryptStudy(req: StudyRequest): Promise<Result<{ jobId: string }>> {
    return attempt(async () => {
      const settings = await this.jobSettings(req);
      const files = await expandInputs(req.paths, IMAGE_INPUT, isDicomFile);
      // Without an output folder, the parts go where the first file was found as dropped (a CD's root, not its first series).
      const outDir = req.outDir ?? folderGiven({ path: files[0]!, subfolder: req.subfolders?.[0] ?? '' });
      if (req.outDir === undefined) await checkWritableFolders([outDir]);
      return { jobId: this.jobs.encryptStudy(files, { ...settings, name: req.name, maxBytes: req.maxBytes, outDir }) };
    });
  }

  /** Files not yet started are cancelled, and so is the file in progress (its output never appears). */
  async cancel(jobId: string): Promise<void> { this.jobs.cancel(jobId); }
  /** The sender's answer for a reduced-quality file: write it, or leave it unwritten. */
  async confirm(jobId: string, index: number, write: boolean): Promise<void> { this.jobs.confirm(jobId, index, write); }

  // ---- opened files (app/service/viewer.ts) ----

  received(paths: string[]): Promise<Result<ReceivedFiles>> { return attempt(() => receivedFiles(paths)); }
  open(path: string, passphrase?: string): Promise<Result<OpenedFile>> { return this.viewer.open(path, passphrase); }
  image(openId: string, index: number, denoised: boolean): Promise<Result<ImagePixels>> { return this.viewer.image(openId, index, denoised); }
  attributes(openId: string, index: number): Promise<Result<ImageAttributes | null>> { return this.viewer.attributes(openId, index); }
  save(openId: string, index: number, format: OutputFormat): Promise<Result<{ path: string } | null>> { return this.viewer.save(openId, index, format); }
  saveView(openId: string, index: number, png: Uint8Array): Promise<Result<{ path: string } | null>> { return this.viewer.saveView(openId, index, png); }
  saveReport(openId: string, n: number): Promise<Result<{ path: string } | null>> { return this.viewer.saveReport(openId, n); }
  reportPdf(openId: string, n: number): Promise<Result<Uint8Array>> { return this.viewer.reportPdf(openId, n); }
  exportAll(openId: string, format: OutputFormat): Promise<Result<ExportSummary | null>> { return this.viewer.exportAll(openId, format); }

  /** The sender's look before sending: a queued file encoded and decoded on the pool, nothing written. */
  preview(req: PreviewRequest): Promise<Result<SenderPreview>> {
    return attempt(() => this.previews.preview(previewOf(req)));
  }

  /** The previewed image's figures in a window none of its reader windows is (0.43): measured, not carried. */
  previewWindow(req: PreviewRequest, window: ShownWindow): Promise<Result<WindowFigures>> {
    return attempt(() => this.previews.windowFigures(previewOf(req), window));
  }

  // ---- keys ----

  listKeys(): Promise<Result<KeyList>> { return attempt(() => this.keys.list()); }
  createKey(name: string): Promise<Result<KeyInfo>> { return attempt(() => this.keys.create(name)); }
  removeKey(name: string): Promise<Result<KeyInfo>> { return attempt(() => this.keys.remove(name)); }
  /** Exports where the user says in the save dialog (opened here, in main). */
  exportKey(name: string, passphrase: string): Promise<Result<{ path: string } | null>> { return attempt(() => this.keys.exportKey(name, passphrase)); }
  importKey(path: string, passphrase: string, name?: string): Promise<Result<KeyInfo>> { return attempt(() => this.keys.importKey(path, passphrase, name)); }
  addContact(path: string, name?: string): Promise<Result<ContactInfo>> { return attempt(() => this.keys.addContact(path, name)); }
  myCard(): Promise<Result<{ card: string; fingerprint: string }>> { return attempt(() => this.keys.myCard()); }

  // ---- settings ----

  getSettings(): Promise<Settings> { return this.settings.get(); }

  async setSettings(patch: Partial<Settings>): Promise<Settings> {
    if (patch.outDir !== undefined) await this.checkOutDir(patch.outDir);
    return this.settings.set(patch);
  }

  async close(): Promise<void> {
    this.jobs.cancelAll();
    await this.pool.close();
    await this.models.dispose();
  }
}
