/**
 * The typed bridge between renderer and main, and every IPC channel; environment-free (no Node, DOM or Vue).
 * The preload implements AeimgBridge over Electron IPC; the browser tests implement it over HTTP against the same
 * main-side handlers (src-main/app/handlers.ts). Keys never cross this bridge: only names and fingerprints.
 */

/**
 * A call's outcome: expected failures come back as values with a message for the user, never as thrown errors; a
 * failure about one of several files (a study's file that stops it) names it in `file`.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; code: string; message: string; file?: string };

import type { Quality } from './quality.js';
import type { Fidelity } from './fidelity.js';
import type { EdgeLabels } from './orientation.js';
import type { DisplayWindow, TableLut, ValueMapping } from './windows.js';
import type { Annotations, ColourPalette, DisplayShutter, OverlayActivation, OverlayGraphic } from './graphics.js';

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

export type { Fidelity };

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

export interface RecipientRef {
  kind: 'key' | 'contact';
  name: string;
}

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

export interface OpenedImageInfo {
  index: number;
  name: string;
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  fidelity?: Fidelity;
  lossless: boolean;
  /** Near-lossless files: every sample is within ±maxError of the original. */
  maxError?: number;
  /** No per-pixel guarantee and below the line in some reader's window (or not measured): the viewer's banner. */
  reduced: boolean;
  /** What to tell the reader: "bit-exact", the bound and worst window, or the reduced-quality banner's text. */
  fidelityText: string;
  /**
   * Default window in sample units (from the DICOM VOI, through its VOI LUT Function, or the image's range), with its
   * name where it is one of `windows` (a presentation state's, the file's own: aeimg 0.18); a VOI LUT's table where it
   * is one (`lut`, its input in real-world values: 0.19; before, the viewer drew a table's span as a linear window).
   */
  window: { center: number; width: number; fn?: DisplayWindow['fn']; name?: string; lut?: TableLut };
  /**
   * An animated image file's page (a GIF or WebP clip, aeimg 0.24): the clip's frames a second as its file times it,
   * and where its pages are not evenly timed this page's time over the mean; a DICOM cine's are in `dicom`.
   */
  animation?: { frameRate: number; frameTimeRatio?: number };
  /** For DICOM: stored = sample − offset; value = stored × slope + intercept (shown as HU for CT). */
  dicom?: {
    modality?: string; offset: number; slope: number; intercept: number; units: string; deidentified: boolean; position?: string;
    /** Photometric Interpretation of the source; MONOCHROME1 is shown inverted (its samples already are). */
    photometric?: string;
    monochrome1?: boolean;
    /** Sample → stored → real-world value (src-shared/windows.ts); the viewer windows and probes through it. */
    mapping?: ValueMapping;
    /**
     * mm per pixel between rows and between columns: Pixel Spacing, else Imager Pixel Spacing, else an ultrasound
     * region's calibration, which holds only inside `region` (its first and last pixel columns and rows).
     */
    pixelSpacing?: { row: number; column: number; source: 'PixelSpacing' | 'ImagerPixelSpacing' | 'UltrasoundRegion'; region?: { x0: number; y0: number; x1: number; y1: number } };
    studyDescription?: string;
    seriesDescription?: string;
    seriesNumber?: string;
    instanceNumber?: string;
    /** Series Instance UID as it travelled (a de-identified file's replacement): which images are one series. */
    seriesUid?: string;
    /** A cine's frames per second as its file says to play it (dicom/display.ts cineFrameRate): the cine starts there. */
    frameRate?: number;
    /**
     * A cine timed frame by frame (a Frame Time Vector that is not uniform): the time from this frame to the next over
     * the clip's mean (dicom/display.ts cineFrameTiming); the cine holds the frame that much longer or shorter.
     */
    frameTimeRatio?: number;
    /** A pixel's height over its width where not 1 (row over column spacing, or Pixel Aspect Ratio): shown stretched by it, as a PACS does. */
    pixelAspect?: number;
    /** PET: SUVbw (g/ml) per unit of the real-world value (Bq/ml), from the sender (its inputs do not travel). */
    suvBw?: number;
    /** PET: SUL (SUV by lean body mass, Janmahasatian; g/ml) per Bq/ml, likewise, where the sender had height and sex. */
    sul?: number;
    /** The patient directions at the image's edges (src-shared/orientation.ts), where the file says its orientation. */
    orientation?: EdgeLabels;
    /**
     * The side and view a projection image shows, as a PACS's corner text says them ("L CC", "R MLO", "L"): Image
     * Laterality (else the series' Laterality) and View Position (aeimg 0.17).
     */
    sideAndView?: string;
    /**
     * Its Supplemental Palette Color LUT (aeimg 0.17): the stored values it covers shown in colour (red, green, blue:
     * stored value `first` → `table[0]`, 8-bit), the rest through the window in grey, as its reader's workstation shows it.
     */
    colourPalette?: ColourPalette;
    /**
     * Its DICOM overlays (a reader's marks, the scanner's labels), where its full header travelled (aeimg 0.17): drawn
     * over the image in white, as DICOM viewers draw graphics.
     */
    graphics?: OverlayGraphic[];
    /**
     * Its Display Shutter (aeimg 0.18): the parts of the image its reader's PACS covers (outside the collimation), in
     * the shutter's grey or colour. The viewer covers them too, unless the reader turns the shutter off.
     */
    shutter?: DisplayShutter;
    /**
     * The presentation states of its study over it (aeimg 0.18; sent with the full header): a radiologist's
     * annotations, drawn over the image in image pixel coordinates, and (in `windows`) the window they read in; since
     * 0.19 how they turned it (clockwise, after a left–right flip: a state's file turns first, and the engine converts),
     * which the viewer opens it with; since 0.21 which of its overlays (`graphics`) each shows (`overlays`).
     */
    presentationStates?: (Annotations & OverlayActivation & {
      label: string; description?: string; creator?: string; rotation?: 90 | 180 | 270; flip?: true;
      /** The part of the image it zoomed to, in image pixels (0.19), fitted to the viewport or at `magnify` screen pixels per image pixel. */
      area?: { x0: number; y0: number; x1: number; y1: number; magnify?: number };
      /** Its Display Shutter (0.19), shown instead of the image's own while the state is (PS3.4 N.2.3.1). */
      shutter?: DisplayShutter;
      /** It shows the image black for white (0.20: its Presentation LUT Shape), as the viewer then opens it. */
      invert?: true;
      /** The overlays it holds itself (0.24), drawn while it is shown in place of the image's of their group (`overlays` activates them). */
      ownGraphics?: OverlayGraphic[];
    })[];
    /**
     * The key object selections of its study that flag it (aeimg 0.18; sent with the full header): their titles ("Of
     * Interest", "For Referring Provider"; `rejected` for "Rejected for Quality Reasons" and the other rejections).
     */
    keyObjects?: { title: string; description?: string; rejected: boolean }[];
    /**
     * The regions the study's structured reports measured on it (aeimg 0.22; the reports came with the full header):
     * their spatial coordinates in image pixels, labelled with the measurements beside them, and the reports' titles;
     * `notDrawn`: how many of its regions are not drawn (more shapes or coordinates than one image holds, 0.23).
     */
    reportMarks?: Annotations & { reports: string[]; notDrawn?: number };
  };
  /**
   * The windows a reader can pick, in real-world units: 'auto (1st–99th percentile)' for images of more than 8 bits
   * without modality presets, the file's own VOI windows, and for CT the presets of src-shared/windows.ts.
   */
  windows?: DisplayWindow[];
}

/** The information panel: the DICOM attributes that travelled inside the encryption and the de-identification. */
export interface ImageAttributes {
  attributes: { tag: string; keyword: string; vr: string; value: string }[];
  deidentification: { deidentified: boolean; method?: string; options: string[]; longitudinalTemporal?: string };
}

/** A report that came with a study (aeimg 0.22): a structured report, a PDF or a CDA document, sent with the full header. */
export interface ReportInfo {
  kind: 'structured report' | 'PDF' | 'CDA document';
  title: string;
  /** A structured report as text: its title, patient, dates, state and content tree. */
  text?: string;
  /** The file "Save report" offers to write ("report-Dose_Report.pdf"). */
  fileName: string;
}

export interface OpenedFile {
  openId: string;
  path: string;
  name: string;
  /** Which key opened it: its name and fingerprint. */
  key: string;
  images: OpenedImageInfo[];
  /** The study's reports, where it came with any. */
  reports?: ReportInfo[];
}

export interface ImagePixels {
  width: number;
  height: number;
  channels: number;
  bitDepth: number;
  /** Interleaved samples; Uint16Array for 16-bit. */
  pixels: Uint8Array | Uint16Array;
}

/** The sender's look before sending: which queued file, at which level, which image of it. */
export interface PreviewRequest {
  path: string;
  quality: Quality;
  deidentify: Deidentify;
  recode?: boolean;
  /** Image (frame of a multi-frame DICOM) of the file, from 0. */
  frame: number;
  /**
   * The queued files it goes with as one study ("Encrypt as one study"), itself among them: with DICOM metadata "Keep
   * all", the study's presentation states and key object selections that reference it are drawn and measured as the
   * reader will get them.
   */
  study?: string[];
}

/** One image of a queued file as the receiver will see it, before anything is written. */
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
  recipient?: RecipientRef;
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
    encryptStudy(req: StudyRequest): Promise<Result<{ jobId: string }>>;
    cancel(jobId: string): Promise<void>;
    /** Answers a 'confirm' event: write the reduced-quality file (true) or leave it unwritten (false). */
    confirm(jobId: string, index: number, write: boolean): Promise<void>;
    onProgress(listener: (p: JobProgress) => void): () => void;
    open(path: string): Promise<Result<OpenedFile>>;
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
  'files:encrypt-study': [req: StudyRequest];
  'files:cancel': [jobId: string];
  'files:confirm': [jobId: string, index: number, write: boolean];
  'files:open': [path: string];
  'files:image': [openId: string, index: number, denoised: boolean];
  'files:attributes': [openId: string, index: number];
  'files:save': [openId: string, index: number, format: OutputFormat];
  'files:save-view': [openId: string, index: number, png: Uint8Array];
  'files:save-report': [openId: string, n: number];
  'files:report-pdf': [openId: string, n: number];
  'files:export-all': [openId: string, format: OutputFormat];
  'files:preview': [req: PreviewRequest];
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
