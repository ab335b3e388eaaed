/**
 * What the receiver's viewer is given of an opened file (src-shared/api.ts carries it across the bridge): each image's
 * size, fidelity statement, windows and marks as its reader will see them, the study's reports, and the pixels.
 */
import type { Fidelity } from './fidelity.js';
import type { EdgeLabels } from './orientation.js';
import type { DisplayWindow, TableLut, ValueMapping } from './windows.js';
import type { Annotations, ColourPalette, DisplayShutter, OverlayActivation, OverlayGraphic } from './graphics.js';

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
  /**
   * Sample → stored → real-world value (src-shared/windows.ts), where they differ: a DICOM image's, or an image file's
   * whose values went up by an offset (a signed TIFF, aeimg 0.35) or which its sender declared a CT (0.36). The viewer
   * windows and probes through it. (0.35 had a DICOM image's as `dicom.mapping`.)
   */
  mapping?: ValueMapping;
  /** Units of the real-world values: 'HU' for a CT (a DICOM file's, or an image file declared one), its Rescale Type, or ''. */
  units: string;
  /**
   * An image file whose HU its own calibration gives (an ImageJ TIFF of a CT, aeimg 0.39: ImageRecord.ctCalibration),
   * not its sender's declaration: its reader is told so.
   */
  ctCalibration?: 'imagej';
  /**
   * An image file's mm per pixel, between rows and between columns, where it says them (an ImageJ TIFF's spatial
   * calibration, aeimg 0.39: its DICOM file's Pixel Spacing); a DICOM image's are in `dicom.pixelSpacing`.
   */
  pixelSpacing?: { row: number; column: number; source: 'ImageJ' };
  /** For DICOM: stored = sample − offset; value = stored × slope + intercept (shown as HU for CT). */
  dicom?: {
    modality?: string; offset: number; slope: number; intercept: number; deidentified: boolean; position?: string;
    /** Photometric Interpretation of the source; MONOCHROME1 is shown inverted (its samples already are). */
    photometric?: string;
    monochrome1?: boolean;
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

