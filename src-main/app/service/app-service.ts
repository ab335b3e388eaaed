/**
 * Everything the desktop app does, on top of the engine, with no Electron import: the IPC handlers call it in the
 * app, and the browser tests call it through the test bridge. Inference runs on the codec worker pool, never on
 * the calling (main) thread; keys stay here and never reach the renderer.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type {
  AppInfo, ContactInfo, EncryptRequest, EventChannels, ImageAttributes, ImagePixels, InputFile, JobProgress, KeyInfo, KeyList,
  OpenedFile, OpenedImageInfo, OutputFormat, Result, Settings, StudyEstimate, StudyRequest,
} from '../../../src-shared/api.js';
import { isDicomPath } from '../../engine/dicom/import.js';
import { AeimgError, ErrorCode } from '../../engine/errors.js';
import { writeFileAtomic } from '../../engine/fs/atomic.js';
import type { Image } from '../../engine/image/image.js';
import { decryptAeimgFile, outputBytes, type DecryptedImage } from '../../engine/jobs/decrypt.js';
import { encryptImageFile, type ReducedQuality } from '../../engine/jobs/encrypt.js';
import { describeAttributes, describeImage } from '../../engine/jobs/view.js';
import type { CodecPool } from '../../engine/jobs/pool.js';
import { APP_VERSION } from '../../engine/jobs/version.js';
import { exportKey, importKey, passphraseWeakness } from '../../engine/keys/export.js';
import { KeyStore } from '../../engine/keys/keystore.js';
import { formatContactCard } from '../../engine/keys/x25519.js';
import type { Recipient } from '../../engine/keys/recipients.js';
import { DEFAULT_MODEL, listModels, ModelCache } from '../../engine/model/autoencoder.js';
import { initBackend } from '../../engine/model/tf.js';
import { parseDeidentify } from '../../engine/dicom/deidentify.js';
import { expandInputs, IMAGE_INPUT } from '../../engine/jobs/files.js';
import { DEFAULT_QUALITY, QUALITY_LEVELS } from '../../../src-shared/quality.js';
import { fidelityHeadline } from '../../../src-shared/fidelity.js';
import { checkParts, encryptStudy, estimateStudy, studyOf } from '../../engine/jobs/study.js';

/** What the environment provides: dialogs, the file manager, and events to the window. */
export interface Shell {
  chooseInputs(): Promise<string[]>;
  chooseFolder(): Promise<string | null>;
  chooseSavePath(defaultName: string, format: string): Promise<string | null>;
  reveal(path: string): Promise<void>;
  emit<C extends keyof EventChannels>(channel: C, payload: EventChannels[C]): void;
}

interface OpenedState {
  file: OpenedFile;
  images: DecryptedImage[];
  denoised: Map<number, Image>;
}

const DEFAULT_SETTINGS: Settings = { quality: DEFAULT_QUALITY, deidentify: 'basic' };

/**
 * Settings saved by aeimg ≤ 0.2: 'max' was the default then (the network alone, no per-pixel guarantee), and lossless
 * was a separate switch. Such files move to today's default unless the user had chosen lossless.
 */
function migrateSettings(saved: Partial<Settings> & { lossless?: boolean; version?: number }): Partial<Settings> {
  if ((saved.version ?? 1) >= 2) return saved;
  const { lossless, ...rest } = saved;
  return { ...rest, quality: lossless ? 'lossless' : saved.quality === 'max' || !saved.quality ? DEFAULT_QUALITY : saved.quality };
}

/** Turns engine failures into results with the engine's plain-words message. */
async function attempt<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const e = err as AeimgError;
    return { ok: false, code: e.code ?? ErrorCode.BadInput, message: e.message ?? String(err) };
  }
}

function inputKind(path: string): InputFile['kind'] {
  if (/\.aeimg$/i.test(path)) return 'aeimg';
  if (isDicomPath(path)) return 'dicom';
  if (IMAGE_INPUT.test(path)) return 'image';
  return 'other';
}

export class AppService {
  private readonly store: KeyStore;
  private readonly models = new ModelCache();
  private readonly opened = new Map<string, OpenedState>();
  private readonly cancelled = new Set<string>();
  private readonly pickedFolders = new Set<string>();
  /** Reduced-quality files waiting for the sender's answer, by job and index. */
  private readonly confirmations = new Map<string, (write: boolean) => void>();
  private settingsCache: Settings | undefined;

  constructor(
    private readonly shell: Shell,
    private readonly pool: CodecPool,
    private readonly configDir: string,
    store?: KeyStore,
  ) {
    this.store = store ?? new KeyStore(undefined, join(configDir, 'keys.json'));
  }

  async info(): Promise<AppInfo> {
    const backend = await initBackend();
    return {
      version: APP_VERSION, backend: backend.name, platform: process.platform,
      models: (await listModels()).map((m) => m.manifest.name),
    };
  }

  // ---- files ----

  expand(paths: string[]): Promise<Result<InputFile[]>> {
    return attempt(async () => {
      const files = await expandInputs(paths, /\.(png|jpe?g|tiff?|webp|dcm|dicom|aeimg)$/i);
      return Promise.all(files.map(async (path) => ({
        path, name: basename(path), bytes: await stat(path).then((s) => s.size, () => 0), kind: inputKind(path),
      })));
    });
  }

  chooseInputs(): Promise<string[]> { return this.shell.chooseInputs(); }
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
  reveal(path: string): Promise<void> { return this.shell.reveal(path); }

  private async recipient(ref: EncryptRequest['recipient']): Promise<Recipient> {
    if (ref.kind === 'contact') return this.store.contact(ref.name);
    return this.store.sharedKey(await this.store.find(ref.name));
  }

  /** Starts an encryption job; progress arrives as 'files:progress' events, one per file and status change. */
  encrypt(req: EncryptRequest): Promise<Result<{ jobId: string }>> {
    return attempt(async () => {
      await this.checkOutDir(req.outDir);
      const recipient = await this.recipient(req.recipient);
      const model = await this.models.byName(DEFAULT_MODEL);
      const deidentify = parseDeidentify(req.deidentify);
      const jobId = randomUUID();
      const uidSalt = randomBytes(32).toString('hex');
      const emit = (p: Omit<JobProgress, 'jobId'>) => this.shell.emit('files:progress', { jobId, ...p });
      req.paths.forEach((path, index) => emit({ index, path, status: 'queued' }));
      let cursor = 0;
      const lane = async () => {
        while (cursor < req.paths.length) {
          const index = cursor++;
          const path = req.paths[index]!;
          if (this.cancelled.has(jobId)) {
            emit({ index, path, status: 'cancelled' });
            continue;
          }
          emit({ index, path, status: 'working' });
          const t = performance.now();
          try {
            const r = await encryptImageFile(path, {
              model, recipients: [recipient], outDir: req.outDir, coding: { quality: req.quality },
              deidentify, uidSalt, encode: (task) => this.pool.encode(DEFAULT_MODEL, task),
              confirm: (facts) => this.askToWrite(jobId, index, facts, emit),
            });
            emit({
              index, path, status: 'done',
              result: {
                output: r.output, inputBytes: r.inputBytes, outputBytes: r.outputBytes, images: r.images, width: r.width,
                height: r.height, bitDepth: r.bitDepth, fidelity: r.fidelity, quality: r.coding.quality,
                fidelityText: fidelityHeadline(r.fidelity, r.coding), reduced: r.reduced, ms: performance.now() - t, warnings: r.warnings,
              },
            });
          } catch (err) {
            const declined = (err as AeimgError).code === ErrorCode.Declined;
            emit({ index, path, status: declined ? 'cancelled' : 'failed', error: (err as Error).message });
          }
        }
      };
      void Promise.all(Array.from({ length: this.pool.size }, lane)).finally(() => this.cancelled.delete(jobId));
      return { jobId };
    });
  }

  estimateStudy(req: StudyRequest): Promise<Result<StudyEstimate>> {
    return attempt(async () => {
      const files = await expandInputs(req.paths, IMAGE_INPUT);
      const model = await this.models.byName(DEFAULT_MODEL);
      const e = await estimateStudy(files, {
        model, coding: { quality: req.quality }, maxPartBytes: req.maxBytes,
        deidentify: parseDeidentify(req.deidentify), encode: (task) => this.pool.encode(DEFAULT_MODEL, task),
      });
      return { files: files.length, ...e };
    });
  }

  /** One study in parts; progress per slice, then a final event (index −1) with the parts. */
  encryptStudy(req: StudyRequest): Promise<Result<{ jobId: string }>> {
    return attempt(async () => {
      await this.checkOutDir(req.outDir);
      const files = await expandInputs(req.paths, IMAGE_INPUT);
      const recipient = await this.recipient(req.recipient);
      const model = await this.models.byName(DEFAULT_MODEL);
      const deidentify = parseDeidentify(req.deidentify);
      const jobId = randomUUID();
      const emit = (p: Omit<JobProgress, 'jobId'>) => this.shell.emit('files:progress', { jobId, ...p });
      const outDir = req.outDir ?? dirname(files[0]!);
      void encryptStudy(files, {
        model, recipients: [recipient], name: req.name, outDir, maxPartBytes: req.maxBytes, coding: { quality: req.quality },
        deidentify, encode: (task) => this.pool.encode(DEFAULT_MODEL, task), lookahead: this.pool.size * 2,
        onSlice: (index, path) => emit({ index, path, status: 'done' }),
        confirm: (facts) => this.askToWrite(jobId, facts.index, facts, emit),
      }).then(
        (r) => emit({ index: -1, path: outDir, status: 'done', study: { parts: r.parts, images: r.images, inputBytes: r.inputBytes, meanSsim: r.meanSsim, reduced: r.reduced } }),
        (err: AeimgError) => emit({ index: -1, path: outDir, status: err.code === ErrorCode.Declined ? 'cancelled' : 'failed', error: err.message }),
      );
      return { jobId };
    });
  }

  /** Shows the sender a reduced-quality file's figures ('confirm' event) and waits for files.confirm. */
  private askToWrite(jobId: string, index: number, facts: ReducedQuality, emit: (p: Omit<JobProgress, 'jobId'>) => void): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (this.cancelled.has(jobId)) return resolve(false);
      this.confirmations.set(`${jobId}:${index}`, resolve);
      emit({
        index, path: facts.input, status: 'confirm',
        confirm: { fidelity: facts.fidelity, fidelityText: fidelityHeadline(facts.fidelity, facts.coding), quality: facts.coding.quality },
      });
    });
  }

  /** Files not yet started are cancelled; a file in progress finishes (its output is complete or absent). */
  async cancel(jobId: string): Promise<void> {
    this.cancelled.add(jobId);
    for (const [key, answer] of this.confirmations) {
      if (key.startsWith(`${jobId}:`)) {
        this.confirmations.delete(key);
        answer(false);
      }
    }
  }

  /** The sender's answer for a reduced-quality file: write it, or leave it unwritten. */
  async confirm(jobId: string, index: number, write: boolean): Promise<void> {
    const key = `${jobId}:${index}`;
    const answer = this.confirmations.get(key);
    this.confirmations.delete(key);
    answer?.(write);
  }

  /** Opens an .aeimg; a part of a study opens the whole study from the parts beside it (all must be there). */
  open(path: string): Promise<Result<OpenedFile>> {
    return attempt(async () => {
      let usedKey = '';
      const keys = await this.store.list();
      const contacts = await this.store.contacts();
      const identities = async (stanzas: Parameters<KeyStore['identitiesFor']>[0]) => {
        const ids = await this.store.identitiesFor(stanzas);
        const ours = new Set(stanzas.map((s) => (s.type === 'key' ? s.keyId : s.type === 'x25519' ? s.recipient : '')));
        const key = keys.find((k) => ours.has(k.id));
        usedKey = key ? `${key.name} (${key.fingerprint})` : contacts.length ? 'your contact identity' : '';
        return ids;
      };
      const study = await studyOf(path, identities).catch(() => null);
      let files = [path];
      if (study) {
        const dir = dirname(path);
        const prefix = `${study.name}.part`;
        const siblings = (await readdir(dir)).filter((n) => n.startsWith(prefix) && /\.aeimg$/i.test(n)).map((n) => join(dir, n));
        files = (await checkParts(siblings, identities)).map((i) => i.path);
      }
      const decrypted: DecryptedImage[] = [];
      for (const f of files) {
        const dec = await decryptAeimgFile(f, { models: this.models, write: false, identities, decode: (...a) => this.pool.decode(...a) });
        decrypted.push(...dec.images);
      }
      const openId = randomUUID();
      const images: OpenedImageInfo[] = decrypted.map(({ record, image }, index) => describeImage(record, image, index));
      const name = study ? `${study.name} (${files.length} part${files.length > 1 ? 's' : ''})` : basename(path);
      const file: OpenedFile = { openId, path, name, key: usedKey, images };
      this.opened.set(openId, { file, images: decrypted, denoised: new Map() });
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
      const item = s.images[index];
      if (!item) throw new AeimgError(ErrorCode.BadInput, `there is no image ${index + 1} in ${s.file.name}.`);
      let image = item.image;
      if (denoised) {
        let d = s.denoised.get(index);
        if (!d) {
          d = await this.denoise(image);
          s.denoised.set(index, d);
        }
        image = d;
      }
      return { width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth, pixels: image.pixels };
    });
  }

  /** The DICOM attributes image `index` carried inside the encryption, for the information panel. */
  attributes(openId: string, index: number): Promise<Result<ImageAttributes | null>> {
    return attempt(async () => {
      const s = this.state(openId);
      const item = s.images[index];
      if (!item) throw new AeimgError(ErrorCode.BadInput, `there is no image ${index + 1} in ${s.file.name}.`);
      return describeAttributes(item.record);
    });
  }

  /** One more pass through the denoising autoencoder, on a worker; the pixels travel in memory, never to disk. */
  private denoise(image: Image): Promise<Image> {
    return this.pool.reconstruct(DEFAULT_MODEL, image, QUALITY_LEVELS.max.bits);
  }

  /** Saves where the user says in the save dialog (opened here, in main): the renderer never names a path to write. */
  save(openId: string, index: number, format: OutputFormat): Promise<Result<{ path: string } | null>> {
    return attempt(async () => {
      const s = this.state(openId);
      const item = s.images[index];
      if (!item) throw new AeimgError(ErrorCode.BadInput, `there is no image ${index + 1} in ${s.file.name}.`);
      const stem = basename(item.record.name, extname(item.record.name)).replace(/#(\d+)$/, '-$1');
      const target = await this.shell.chooseSavePath(`${stem}.${format}`, format);
      if (!target) return null;
      const data = await outputBytes(item.image, item.record, format, index + 1);
      await writeFileAtomic(target, data, { force: true }); // the save dialog already asked about replacing
      return { path: target };
    });
  }

  // ---- keys ----

  listKeys(): Promise<Result<KeyList>> {
    return attempt(async () => {
      const keys = (await this.store.list()).map(({ name, fingerprint, created }) => ({ name, fingerprint, created }));
      const contacts = (await this.store.contacts()).map(({ name, fingerprint, added }) => ({ name, fingerprint, added }));
      let keychain: KeyList['keychain'] = { available: true };
      try {
        await this.store.identity(false);
      } catch (err) {
        keychain = { available: false, reason: (err as Error).message };
      }
      return { keys, contacts, keychain };
    });
  }

  createKey(name: string): Promise<Result<KeyInfo>> {
    return attempt(async () => {
      const k = await this.store.create(name);
      return { name: k.name, fingerprint: k.fingerprint, created: k.created };
    });
  }

  removeKey(name: string): Promise<Result<KeyInfo>> {
    return attempt(async () => {
      const k = await this.store.delete(name);
      return { name: k.name, fingerprint: k.fingerprint, created: k.created };
    });
  }

  /** Exports where the user says in the save dialog (opened here, in main). */
  exportKey(name: string, passphrase: string): Promise<Result<{ path: string } | null>> {
    return attempt(async () => {
      const weak = passphraseWeakness(passphrase);
      if (weak) throw new AeimgError(ErrorCode.Usage, `the passphrase is too weak: ${weak}`);
      const info = await this.store.find(name);
      const target = await this.shell.chooseSavePath(`${info.name}.aeimg-key`, 'aeimg-key');
      if (!target) return null;
      const text = await exportKey(await this.store.sharedKey(info), { name: info.name, created: info.created }, passphrase);
      await writeFileAtomic(target, Buffer.from(text), { force: true, mode: 0o600 });
      return { path: target };
    });
  }

  importKey(path: string, passphrase: string, name?: string): Promise<Result<KeyInfo>> {
    return attempt(async () => {
      const { key, ...meta } = await importKey(await readFile(path, 'utf8'), passphrase);
      const k = await this.store.add(key, name || meta.name, meta.created);
      return { name: k.name, fingerprint: k.fingerprint, created: k.created };
    });
  }

  addContact(path: string, name?: string): Promise<Result<ContactInfo>> {
    return attempt(async () => {
      const c = await this.store.addContact(await readFile(path, 'utf8'), name);
      return { name: c.name, fingerprint: c.fingerprint, added: c.added };
    });
  }

  myCard(): Promise<Result<{ card: string; fingerprint: string }>> {
    return attempt(async () => {
      const id = (await this.store.identity(true))!;
      return { card: formatContactCard('me', id.publicKey), fingerprint: id.recipient.fingerprint };
    });
  }

  // ---- settings ----

  private get settingsPath(): string {
    return join(this.configDir, 'settings.json');
  }

  async getSettings(): Promise<Settings> {
    if (!this.settingsCache) {
      const saved = await readFile(this.settingsPath, 'utf8').then((t) => JSON.parse(t) as Partial<Settings>, () => ({ version: 2 }));
      this.settingsCache = { ...DEFAULT_SETTINGS, ...migrateSettings(saved) };
    }
    return this.settingsCache;
  }

  async setSettings(patch: Partial<Settings>): Promise<Settings> {
    if (patch.outDir !== undefined) await this.checkOutDir(patch.outDir);
    const next = { ...(await this.getSettings()), ...patch };
    await writeFileAtomic(this.settingsPath, Buffer.from(JSON.stringify({ ...next, version: 2 }, null, 2)), { force: true });
    this.settingsCache = next;
    return next;
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.models.dispose();
  }
}
