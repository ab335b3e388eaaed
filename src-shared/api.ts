/**
 * The typed bridge between renderer and main, and every IPC channel; environment-free (no Node, DOM or Vue).
 * The preload implements AeimgBridge over Electron IPC; the browser tests implement it over HTTP against the same
 * main-side handlers (src-main/app/handlers.ts). Keys never cross this bridge: only names and fingerprints.
 */

/**
 * A call's outcome: expected failures come back as values with a message for the user, never as thrown errors; a
 * failure about one of several files (a study's file that stops it) names it in `file`.
 */
/**
 * A call's outcome. A failure says what happened in the app's words (`message`, its remedy included); `remedy` names
 * that remedy where the window acts on it (GivePassphrase: the viewer asks for the passphrase), `file` the file a
 * study must leave out.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; code: string; message: string; file?: string; remedy?: Remedy };

import type { Remedy } from './errors.js';
import type { Quality } from './quality.js';
import type { Fidelity, WindowFigures } from './fidelity.js';
import type { DisplayWindow } from './windows.js';
import type { Annotations, DisplayShutter, OverlayGraphic } from './graphics.js';
import type { ImageAttributes, ImagePixels, OpenedFile, OpenedImageInfo, ReportInfo } from './opened.js';

export type { Quality };
export type { Annotations, DisplayShutter, OverlayGraphic };
/**
 * DICOM metadata: the PS3.15 basic profile; the same with its Clean Graphics option (a study's presentation states go
 * without their text, aeimg 0.21); or the full header (still only inside the encryption).
 */
export type Deidentify = 'basic' | 'basic,clean-graphics' | 'none';
/** The app's words for 'basic,clean-graphics', which the sender is pointed to. */
export const CLEAN_GRAPHICS_CHOICE = 'De-identify, keep the radiologist\'s marks';
export type OutputFormat = 'png' | 'dcm';

export type { Fidelity, WindowFigures };
export type { ImageAttributes, ImagePixels, OpenedFile, OpenedImageInfo, ReportInfo };

export interface AppInfo {
  version: string;
  backend: string;
  platform: string;
  models: string[];
}

export interface KeyInfo {
  name: string;
  fingerprint: string;
  created: string;
}

export interface ContactInfo {
  name: string;
  fingerprint: string;
  added: string;
}

export interface KeyList {
  keys: KeyInfo[];
  contacts: ContactInfo[];
  /** The OS keychain may be missing (no Secret Service): then keys cannot be stored, and the UI says why. */
  keychain: { available: boolean; reason?: string };
}

/** A key in the keychain or a contact's card, by name: what Settings remembers. */
export interface NamedRecipient {
  kind: 'key' | 'contact';
  name: string;
}

/**
 * A passphrase the sender types (aeimg 0.51): the file opens with it alone (scrypt, as `encrypt --passphrase-file`),
 * and the sender tells it to the receiver by phone or in person. Checked for strength in main (12+ characters, several
 * words or mixed classes); never remembered.
 */
export interface PassphraseRecipient {
  kind: 'passphrase';
  passphrase: string;
}

/** Whom a request encrypts for. */
export type RecipientRef = NamedRecipient | PassphraseRecipient;

/**
 * The longest passphrase the app takes, in UTF-16 units as a text field counts them (aeimg 0.51); `encrypt` and key
 * exports refuse a longer one too, so that every file written with a passphrase opens in the app.
 */
export const MAX_PASSPHRASE_LENGTH = 4096;

/** A dropped or chosen input, after folders are expanded. */
export interface InputFile {
  path: string;
  name: string;
  bytes: number;
  /** `document`: a PDF report, which goes with a study's images (0.23). */
  kind: 'image' | 'dicom' | 'document' | 'aeimg' | 'other';
  /** The subfolder it is in below the folder dropped ('a/b'), when not that folder itself; outputs keep it. */
  subfolder?: string;
  /** A DICOM image aeimg would refuse, from its header (a 32-bit dose grid): why, so its row says so at once (0.25). */
  refusal?: string;
}

/** What was dropped on the Open tab, after folders are expanded: the .aeimg files to open (a study's parts as one). */
export interface ReceivedFiles {
  files: { path: string; name: string }[];
  /** The archives left out, named with what to do. */
  note?: string;
}

export interface EncryptRequest {
  paths: string[];
  /**
   * Each path's InputFile.subfolder ('' for none), in order: with an output folder, a file goes into the same subfolder
   * of it (a CD's series keep their folders and their IM000001 names). Relative, never leaving the output folder.
   */
  subfolders?: string[];
  recipient: RecipientRef;
  /** Absent: beside each input. */
  outDir?: string;
  quality: Quality;
  deidentify: Deidentify;
  /** Every image coded by aeimg, never as its file's own compressed data (for receivers before aeimg 0.9). */
  recode?: boolean;
  /**
   * The image files are CT whose HU are their values + this ("16-bit image files are CT", aeimg 0.36; the engine's
   * EncryptFileOptions.ctIntercept): an 8-bit or colour image file fails, a DICOM file keeps its own rescale.
   */
  ctIntercept?: number;
  /**
   * Of `paths`, those its sender said are not CT (the queue row's "Send without HU", aeimg 0.38: an MR exported the
   * same way in the same queue): sent without `ctIntercept`, as image files without units.
   */
  notCt?: string[];
  /**
   * Of `paths`, those its sender chose to send in a window of their own (the preview's "Send in this window", aeimg
   * 0.43; the engine's EncryptFileOptions.senderWindow), by path: measured with the reader windows and carried, and the
   * window its reader's viewer opens it in.
   */
  senderWindows?: Record<string, ShownWindow>;
}

/** Several inputs as one study: parts of at most maxBytes, named NAME.partKofN.aeimg. */
export interface StudyRequest extends EncryptRequest {
  name: string;
  maxBytes: number;
}

export interface StudyEstimate {
  /** The files that go into the study: its images (objects without one, a presentation state or report, are set aside). */
  files: number;
  bytes: number;
  parts: number;
}

export interface StudySummary {
  parts: { path: string; bytes: number; images: number }[];
  images: number;
  inputBytes: number;
  meanSsim?: number;
  /**
   * The slices' worst, in the CLI's words (fidelityHeadline of the engine's StudyResult.worst: the worst slice's
   * windows with the largest error of any slice, where the slices are in one unit).
   */
  worstText?: string;
  /** Images of reduced quality (src-shared/fidelity.ts). */
  reduced: number;
  /** What the slices' files gave the sender to know (BurnedInAnnotation YES, …). */
  warnings: string[];
}

export interface EncryptSummary {
  output: string;
  inputBytes: number;
  outputBytes: number;
  images: number;
  width: number;
  height: number;
  bitDepth: number;
  fidelity?: Fidelity;
  /** The level used (`auto` resolved for this file) and the headline of what the receiver gets. */
  quality: Quality;
  fidelityText: string;
  reduced: boolean;
  ms: number;
  warnings: string[];
}

/** 'confirm': the file is reduced quality and waits for files.confirm (nothing written yet). */
export type FileStatus = 'queued' | 'working' | 'confirm' | 'done' | 'failed' | 'cancelled';

export interface JobProgress {
  jobId: string;
  /** The file's place in the job; in a study, −1 for its final event, −2 for an object it went without. */
  index: number;
  path: string;
  status: FileStatus;
  result?: EncryptSummary;
  error?: string;
  /** Status 'confirm': what the sender must accept before the file is written. */
  confirm?: { fidelity?: Fidelity; fidelityText: string; quality: Quality };
  /** A study's object that went with it (index −2, done): what the reader gets of it (0.22), in the CLI's words. */
  note?: string;
  /** Study jobs: set on the final event (index −1) when the parts are written. */
  study?: StudySummary;
}

/**
 * What an image file declared a CT would meet (AeimgBridge files.ctChecks): `fails`, refused (`message` says why);
 * else it goes as a CT, with a warning (`message`) where the intercept puts it far from air (aeimg 0.38: an answer for
 * every image file that would go as a CT, so that its row names it).
 */
export type CtCheck =
  /** A refusal's words start with what the file is ("is an 8-bit image, …"). */
  | { fails: true; message: string }
  /**
   * A warning's words start with the file's name. `ownIntercept`: the file says its own HU (an ImageJ TIFF of a CT,
   * aeimg 0.39), and goes with them whatever the queue declares, as a DICOM file goes with its rescale.
   */
  | { fails: false; message?: string; ownIntercept?: number };

/** The sender's look before sending: which queued file, at which level, which image of it. */
export interface PreviewRequest {
  path: string;
  quality: Quality;
  deidentify: Deidentify;
  recode?: boolean;
  /** EncryptRequest.ctIntercept. */
  ctIntercept?: number;
  /** Image (frame of a multi-frame DICOM) of the file, from 0. */
  frame: number;
  /**
   * The queued files it goes with as one study ("Encrypt as one study"), itself among them: with DICOM metadata "Keep
   * all", the study's presentation states and key object selections that reference it are drawn and measured as the
   * reader will get them.
   */
  study?: string[];
  /**
   * EncryptRequest.senderWindows, the queue's: the window it would go in (measured, carried); in a study, a window given
   * for another image of its series goes with it too.
   */
  senderWindows?: Record<string, ShownWindow>;
}

/** One image of a queued file as the receiver will see it, before anything is written. */
/** The window a view shows, in real-world units (HU for CT): linear, or the file's SIGMOID or LINEAR_EXACT. */
export type ShownWindow = Pick<DisplayWindow, 'center' | 'width' | 'fn'>;

export interface SenderPreview {
  name: string;
  frame: number;
  frames: number;
  /** The level used for this image (`auto` resolved). */
  quality: Quality;
  /** A DICOM frame that goes as its file held it (smaller than the level's coding, bit-exact): its transfer syntax. */
  kept?: string;
  /** What the receiver's viewer will be told: window, value mapping, presets, fidelity statement and figures, reduced. */
  info: OpenedImageInfo;
  /**
   * The file is a 16-bit grey image file without units that does not go bit-exact: its figures are of a percentile
   * window, where a CT's error of tens of HU hardly shows. The engine's verdict (EncodedFile.unitless), which its
   * warning after encryption gives too; 'signed' where its values go below 0, as a CT's HU do (a signed TIFF), whose
   * CT declaration is HU = value + 0, not the default − 1024.
   */
  unitless?: 'unsigned' | 'signed';
  /**
   * What the sender will be told of the file when it is encrypted, said before (0.37): its reading's warnings (patient
   * details that may be in its pixels, overlays that de-identification removes, colours converted, a subtraction run
   * not applied…), the engine's words. The "no units" one is `unitless`, said in the app's own words.
   */
  warnings: string[];
  original: ImagePixels;
  /** As the receiver's decoder will rebuild it. */
  decoded: ImagePixels;
}

/** A whole opened file or study written as one file per image (as DICOM, a cine's frames one file) into a folder chosen in main's dialog. */
export interface ExportSummary {
  folder: string;
  files: number;
  /** The series' folders it made below `folder` (a study of several series; none otherwise). */
  seriesFolders: string[];
}

export interface Settings {
  outDir?: string;
  quality: Quality;
  deidentify: Deidentify;
  /** EncryptRequest.recode, remembered. */
  recode?: boolean;
  recipient?: NamedRecipient;
}

export interface AeimgBridge {
  app: {
    info(): Promise<AppInfo>;
  };
  files: {
    /** Paths of files dropped on the window (Electron: webUtils; tests: uploaded copies). */
    pathsOf(files: File[]): Promise<string[]>;
    /** Expands folders and says what each input is. */
    expand(paths: string[]): Promise<Result<InputFile[]>>;
    chooseInputs(): Promise<string[]>;
    chooseFolder(): Promise<string | null>;
    encrypt(req: EncryptRequest): Promise<Result<{ jobId: string }>>;
    /** Predicts a study's size and number of parts from a few slices, before encrypting it. */
    estimateStudy(req: StudyRequest): Promise<Result<StudyEstimate>>;
    /**
     * What these files would meet declared a CT with `ctIntercept` ("16-bit image files are CT"), said before
     * encrypting: path → a refusal (an 8-bit, colour or grey-with-transparency image file) or a warning (an intercept
     * that puts its darkest part far from air). Files that go without a word, DICOM files and files that cannot be read
     * are not in it. Without `ctIntercept` (undeclared), only the files that go as a CT by their own calibration (an
     * ImageJ TIFF of a CT, aeimg 0.39: `ownIntercept`).
     */
    ctChecks(paths: string[], ctIntercept?: number): Promise<Result<Record<string, CtCheck>>>;
    encryptStudy(req: StudyRequest): Promise<Result<{ jobId: string }>>;
    cancel(jobId: string): Promise<void>;
    /** Answers a 'confirm' event: write the reduced-quality file (true) or leave it unwritten (false). */
    confirm(jobId: string, index: number, write: boolean): Promise<void>;
    onProgress(listener: (p: JobProgress) => void): () => void;
    /** Expands what was dropped to be opened: its .aeimg files, a study once (0.27). */
    received(paths: string[]): Promise<Result<ReceivedFiles>>;
    /**
     * Opens an .aeimg (a study from any of its parts) with the keychain's keys, or with `passphrase` for a file
     * encrypted with one (aeimg 0.51): that passphrase alone, used for this call and not kept. A passphrase-only file
     * opened without one fails with remedy GivePassphrase; a wrong one with WRONG_KEY.
     */
    open(path: string, passphrase?: string): Promise<Result<OpenedFile>>;
    image(openId: string, index: number, denoised: boolean): Promise<Result<ImagePixels>>;
    /** The DICOM attributes of image `index` (null for a plain image). */
    attributes(openId: string, index: number): Promise<Result<ImageAttributes | null>>;
    /** Saves image `index` of an opened file where the user says in main's save dialog (null: cancelled). */
    save(openId: string, index: number, format: OutputFormat): Promise<Result<{ path: string } | null>>;
    /**
     * Saves the view as the reader sees it (the renderer's PNG of the viewport: window, zoom, pan, stretch, and the
     * overlays when asked) where the user says in main's save dialog, as NAME.view.png (null: cancelled).
     */
    saveView(openId: string, index: number, png: Uint8Array): Promise<Result<{ path: string } | null>>;
    /** Saves report `n` of an opened study (OpenedFile.reports) where the user says in main's save dialog (null: cancelled). */
    saveReport(openId: string, n: number): Promise<Result<{ path: string } | null>>;
    /** The PDF of report `n` of an opened study (a PDF report), which the viewer shows (aeimg 0.23): nothing is written. */
    reportPdf(openId: string, n: number): Promise<Result<Uint8Array>>;
    /** Saves every image of an opened file or study into a folder the user picks in main's dialog (null: cancelled). */
    exportAll(openId: string, format: OutputFormat): Promise<Result<ExportSummary | null>>;
    /** Encodes a queued file at `quality` and decodes it as the receiver will, writing nothing: pixels and figures. */
    preview(req: PreviewRequest): Promise<Result<SenderPreview>>;
    /**
     * The previewed image's figures in a window the sender looks in that is none of its reader windows (0.43), measured
     * as those are: the record does not carry them, so the sender is told what the reader's viewer gives there instead.
     */
    previewWindow(req: PreviewRequest, window: ShownWindow): Promise<Result<WindowFigures>>;
    reveal(path: string): Promise<void>;
    /** .aeimg files the OS asked the app to open (double-click, argv, macOS open-file). */
    onOpenRequest(listener: (path: string) => void): () => void;
  };
  keys: {
    list(): Promise<Result<KeyList>>;
    create(name: string): Promise<Result<KeyInfo>>;
    remove(name: string): Promise<Result<KeyInfo>>;
    /** Writes a passphrase-protected export where the user says in main's save dialog (null: cancelled). */
    exportKey(name: string, passphrase: string): Promise<Result<{ path: string } | null>>;
    importKey(path: string, passphrase: string, name?: string): Promise<Result<KeyInfo>>;
    addContact(path: string, name?: string): Promise<Result<ContactInfo>>;
    myCard(): Promise<Result<{ card: string; fingerprint: string }>>;
  };
  settings: {
    get(): Promise<Settings>;
    set(patch: Partial<Settings>): Promise<Settings>;
  };
}

/** Request channels (renderer → main, invoke/handle) and their argument tuples. */
export interface InvokeChannels {
  'app:info': [];
  'files:expand': [paths: string[]];
  'files:choose-inputs': [];
  'files:choose-folder': [];
  'files:encrypt': [req: EncryptRequest];
  'files:estimate-study': [req: StudyRequest];
  'files:ct-checks': [paths: string[], ctIntercept?: number];
  'files:encrypt-study': [req: StudyRequest];
  'files:cancel': [jobId: string];
  'files:confirm': [jobId: string, index: number, write: boolean];
  'files:received': [paths: string[]];
  'files:open': [path: string, passphrase?: string];
  'files:image': [openId: string, index: number, denoised: boolean];
  'files:attributes': [openId: string, index: number];
  'files:save': [openId: string, index: number, format: OutputFormat];
  'files:save-view': [openId: string, index: number, png: Uint8Array];
  'files:save-report': [openId: string, n: number];
  'files:report-pdf': [openId: string, n: number];
  'files:export-all': [openId: string, format: OutputFormat];
  'files:preview': [req: PreviewRequest];
  'files:preview-window': [req: PreviewRequest, window: ShownWindow];
  'files:reveal': [path: string];
  'keys:list': [];
  'keys:create': [name: string];
  'keys:remove': [name: string];
  'keys:export': [name: string, passphrase: string];
  'keys:import': [path: string, passphrase: string, name?: string];
  'keys:add-contact': [path: string, name?: string];
  'keys:my-card': [];
  'settings:get': [];
  'settings:set': [patch: Partial<Settings>];
}
export type InvokeChannel = keyof InvokeChannels;

/** Event channels (main → renderer). */
export interface EventChannels {
  'files:progress': JobProgress;
  'files:open-request': string;
}
export type EventChannel = keyof EventChannels;
