/**
 * Writes decoded images back as a DICOM Part 10 file (Explicit VR Little Endian) with dcmjs: the original SOP
 * class for single-frame CT/MR/CR/DX/MG images, Secondary Capture otherwise; the frames of a cine (ultrasound,
 * angiography) as one multi-frame file (write-cine.ts). The reconstruction is a new, derived instance: new SOP
 * Instance UID, ImageType DERIVED, Lossy Image Compression 01 with its ratio and method unless bit-exact, and a
 * Derivation Description that says what the reader gets (the same words as the viewer).
 */
import { LOSSY_SOURCE_METHOD, type LossySource } from '../image/source.js';
import dcmjs from 'dcmjs';
import { AeimgError, ErrorCode } from '../errors.js';
import { withoutAlpha, type Image } from '../image/image.js';
import { attribute, isOverlayOrCurve, type DicomJson, type JsonAttribute } from './dataset.js';
import { storedSamples, writeSampleValues } from './write-samples.js';
import { writeColourPalette, writeRealWorldMapping, writeValueMapping } from './write-value-mapping.js';
import type { DicomFrameMeta } from './import.js';
import type { FrameLayout } from './stored-image.js';
import { usRegionsJson } from './us-regions.js';
import { writeOverlays, type OverlayPlane } from './overlay.js';
import { writeShutter } from './shutter.js';
import { iccBytes } from './icc-profile.js';
import { decimal, fitValues } from './fit-values.js';
import { edgeLabels } from '../../../src-shared/orientation.js';
import { ctDeclaration, SENDER_WINDOW, type DisplayWindow } from '../../../src-shared/windows.js';
import { clipClass, multiFrameClass, writeClipTiming, writeMultiFrame, writeScMultiFrameGrey } from './write-cine.js';
import { dicomLossySource, lossyWords } from './lossy-coding.js';
import { syntaxTitle } from './codecs.js';

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const SINGLE_FRAME_CLASSES = new Set([
  '1.2.840.10008.5.1.4.1.1.2', // CT
  '1.2.840.10008.5.1.4.1.1.4', // MR
  '1.2.840.10008.5.1.4.1.1.1', // CR
  '1.2.840.10008.5.1.4.1.1.1.1', // DX for presentation
  '1.2.840.10008.5.1.4.1.1.1.2', // MG for presentation
]);
/** Ultrasound keeps its class in grey and in colour (RGB is one of its photometric interpretations). */
const ULTRASOUND = '1.2.840.10008.5.1.4.1.1.6.1';
/** Body Part Examined terms (PS3.16 Annex L) of structures that are not paired: no laterality. */
const UNPAIRED_BODY_PARTS = new Set(['HEAD', 'BRAIN', 'SKULL', 'FACE', 'NECK', 'CSPINE', 'TSPINE', 'LSPINE', 'SSPINE', 'SPINE',
  'WHOLESPINE', 'CTSPINE', 'TLSPINE', 'LSSPINE', 'SACRUM', 'COCCYX', 'CHEST', 'THORAX', 'STERNUM', 'HEART', 'ABDOMEN', 'PELVIS',
  'CHESTABDOMEN', 'CHESTABDPELVIS', 'ABDOMENPELVIS', 'WHOLEBODY', 'LIVER', 'PANCREAS', 'SPLEEN', 'STOMACH', 'BLADDER',
  'PROSTATE', 'UTERUS', 'COLON', 'ESOPHAGUS', 'TRACHEA', 'AORTA', 'THYROID', 'LARYNX', 'PHARYNX', 'MOUTH', 'JAW', 'NOSE']);

/** aeimg's implementation class UID (a UUID-derived 2.25 UID, fixed). */
export const IMPLEMENTATION_UID = '2.25.221544312386095725836329436402591584781';

/** A new UID (2.25, from a random UUID). */
export const newUid = () => dcmjs.data.DicomMetaDictionary.uid() as string;

export interface DicomWriteOptions {
  /** The pixels are exactly the original's (lossless mode). */
  exact: boolean;
  /** Every sample is within ±maxError of the original (near-lossless refinement). */
  maxError?: number;
  /** Reduced quality: no per-pixel guarantee and below the line in a reader's window (or not measured). */
  reduced: boolean;
  /** What the reader gets, in the viewer's words (src-shared/fidelity.ts fidelityHeadline). */
  fidelityText: string;
  /** Original samples' bytes over the coded bytes that carried them. */
  ratio: number;
  /**
   * Every frame went as its DICOM file held it (codec/kept-frame.ts): this transfer syntax's data, decoded by the
   * receiver as the sender's aeimg read it. Its Derivation Description says so rather than "lossless predictive coding".
   */
  carriedSyntax?: string;
  /** Instance number when the source had none (e.g. frame index). */
  instanceNumber?: number;
  /** An image file (no DICOM metadata) that was itself lossy-compressed (image/source.ts): its history comes first. */
  lossySource?: LossySource;
  /**
   * An image file (no DICOM metadata) whose values were converted to be shown as viewers show them (image/source.ts
   * ConvertedSource), in the reader's words: a bit-exact file's Derivation Description says what it is exact to (0.48).
   */
  converted?: string;
  /** An image file (no DICOM metadata) whose values went up by this to be samples (ImageRecord.valueOffset): written signed. */
  valueOffset?: number;
  /** An image file (no DICOM metadata) whose grey is WhiteIsZero (codec/record.ts fileInvertedOf): written MONOCHROME1, its values inverted back. */
  monochrome1?: boolean;
  /** An image file (no DICOM metadata) its sender declared a CT (ImageRecord.ctIntercept): written as a CT's values are, in HU. */
  ctIntercept?: number;
  /** ImageRecord.ctCalibration: its HU are its own calibration's (an ImageJ TIFF of a CT), not its sender's word. */
  ctCalibration?: 'imagej';
  /** An image file's own windows (codec/record.ts fileWindowsOf: an ImageJ TIFF's), in its values: written as its VOI windows. */
  windows?: readonly DisplayWindow[];
  /**
   * The window its sender chose (codec/record.ts senderWindowOf, aeimg 0.43), in its values: written first of its VOI
   * windows (writeSenderWindow), so that a PACS opens it there, as aeimg's viewer does.
   */
  senderWindow?: DisplayWindow;
  /** An image file's own mm per pixel (codec/record.ts fileSpacingOf: an ImageJ TIFF's): written as its Pixel Spacing. */
  pixelSpacing?: { row: number; column: number };
  /** An image file's own modality other than CT (codec/record.ts fileModalityOf: an ImageJ TIFF's DICOM file's): its Modality. */
  modality?: string;
  /** Its SOP Instance UID, where the caller must know it (a presentation state written back references it); else a new one. */
  sopInstance?: string;
  /**
   * An animated image file's pages (no DICOM metadata: a GIF or WebP clip, jobs/dicom-files.ts), how long each is shown
   * (ms): written as one multi-frame cine (writeClipTiming).
   */
  frameDelays?: readonly number[];
}

/** One frame to write: its decoded image and, for a frame that went as its file held it, that data. */
export interface DicomFrame {
  image: Image;
  /** Written as this data, in its transfer syntax (the image is its decoding). */
  kept?: { layout: FrameLayout; data: Uint8Array };
  /** The overlay planes over it, where its file's full header travelled (dicom/overlay.ts). */
  overlays?: OverlayPlane[];
}

/**
 * Burned In Annotation as the file said it. Where it is required (multi-frame Secondary Capture) and the file did not
 * say, or said before aeimg 0.12 carried a NO, YES: a PACS that trusts a NO shows a name in the pixels as anonymous.
 */
function writeBurnedIn(ds: DicomJson, meta: DicomFrameMeta | undefined, required: boolean): void {
  if (meta?.burnedInAnnotation === true) ds['00280301'] = attribute('CS', 'YES');
  else if (meta?.burnedInStated === true) ds['00280301'] = attribute('CS', 'NO');
  else if (required) ds['00280301'] = attribute('CS', 'YES');
}

/**
 * An image file declared a CT: its values + the intercept are HU, as a CT's Modality LUT module says it (Rescale
 * Intercept, Slope 1, Type HU), so that a PACS shows and measures HU.
 */
function writeCtRescale(ds: DicomJson, intercept: number): void {
  ds['00281052'] = attribute('DS', intercept);
  ds['00281053'] = attribute('DS', 1);
  ds['00281054'] = attribute('LO', 'HU');
}

/**
 * An image file's own windows (an ImageJ TIFF keeps its DICOM file's) as a VOI LUT module's: Window Center and Width,
 * their explanations where any has one, and a VOI LUT Function other than LINEAR (one file's, so one for all).
 */
/**
 * The window its sender chose, first of the VOI windows the file already has (Window Center, Width and Explanation, its
 * explanation "sender's window"): a PACS opens a file in its first window. Not where the file's VOI LUT Function is
 * another than the window's, as one function applies to all of a file's windows: the file keeps its own then.
 * Returns whether it was written.
 */
export function writeSenderWindow(ds: DicomJson, w: DisplayWindow): boolean {
  const fn = ds['00281056']?.Value?.[0];
  if ((fn ?? 'LINEAR') !== (w.fn ?? 'LINEAR')) return false;
  const values = (tag: string) => (ds[tag]?.Value ?? []) as (string | number)[];
  const n = Math.min(values('00281050').length, values('00281051').length);
  const explanations = values('00281055');
  ds['00281050'] = attribute('DS', decimal(w.center), ...values('00281050').slice(0, n));
  ds['00281051'] = attribute('DS', decimal(w.width), ...values('00281051').slice(0, n));
  ds['00281055'] = attribute('LO', SENDER_WINDOW, ...Array.from({ length: n }, (_, i) => explanations[i] ?? ''));
  return true;
}

function writeFileWindows(ds: DicomJson, windows: readonly DisplayWindow[]): void {
  ds['00281050'] = attribute('DS', ...windows.map((w) => decimal(w.center)));
  ds['00281051'] = attribute('DS', ...windows.map((w) => decimal(w.width)));
  if (windows.some((w) => w.explanation)) ds['00281055'] = attribute('LO', ...windows.map((w) => w.explanation ?? ''));
  if (windows[0]!.fn) ds['00281056'] = attribute('CS', windows[0]!.fn);
}

/** DICOM's default character repertoire is ASCII: ±, dashes and the minus sign spelled out. */
const ascii = (s: string) => s.replace(/±/g, '+/-').replace(/[–—−]/g, '-').replace(/[^\x20-\x7e]/g, '?');

/** Lossy Image Compression Method (0028,2114): our own terms, as the standard allows beside its defined ones. */
export const LOSSY_METHOD = { network: 'AEIMG_AE', nearLossless: 'AEIMG_NEAR' } as const;

function derivation(opts: DicomWriteOptions, meta: DicomFrameMeta | undefined): string {
  // An image file declared a CT (0.36): its modality and HU come from its sender's word, which a PACS reader should know;
  // or from its own calibration (an ImageJ TIFF of a CT, 0.39), said so.
  const ct = opts.ctIntercept === undefined ? ''
    : opts.ctCalibration === 'imagej' ? `. From an ImageJ TIFF of a CT (${ctDeclaration(opts.ctIntercept)}, its ImageJ calibration)`
      : `. From an image file its sender declared a CT (${ctDeclaration(opts.ctIntercept)})`;
  if (opts.exact) {
    // A file that was itself lossy (0.47): bit-exact to it, said so, as the reader's viewer says it.
    const source = meta && dicomLossySource(meta.dataset, meta.pixel.syntax);
    const how = opts.carriedSyntax ? `its sender's file's own ${syntaxTitle(opts.carriedSyntax)} data, carried as it was` : 'lossless predictive coding';
    return ascii(`Reconstructed bit-exactly by aeimg (${how})${source ? `; ${lossyWords(source)}` : ''}${opts.converted ? `; ${opts.converted}` : ''}${ct}`).slice(0, 1024);
  }
  const how = opts.maxError !== undefined ? 'near-lossless predictive coding' : 'autoencoder latent alone, no per-pixel guarantee';
  const text = `${opts.reduced ? 'REDUCED QUALITY - NOT FOR PRIMARY DIAGNOSIS. ' : ''}Reconstructed by aeimg (${how}): ${opts.fidelityText}${ct}`;
  return ascii(text).slice(0, 1024);
}

/**
 * A reduced-quality image says so in Image Comments (0020,4000) too, before any comments of its own: many PACS show
 * the comments on the image, and few show the Derivation Description.
 */
function markReduced(ds: DicomJson): void {
  const own = String(ds['00204000']?.Value?.[0] ?? '').trim();
  ds['00204000'] = attribute('LT', `REDUCED QUALITY - NOT FOR PRIMARY DIAGNOSIS (aeimg)${own ? `. ${own}` : ''}`.slice(0, 10240));
}

/**
 * Appends our lossy step to the source's history (a lossy source keeps its own ratio and method first). A DICOM source
 * lossy by its syntax whose file did not say so (dicom/lossy-coding.ts dicomLossySource; a record from a sender before
 * 0.47) says so here, without a ratio or method it does not know: before, such a file came out as Lossy Image Compression 00.
 */
function markLossy(ds: DicomJson, opts: DicomWriteOptions, meta: DicomFrameMeta | undefined): void {
  if (opts.lossySource) {
    ds['00282110'] = attribute('CS', '01');
    ds['00282112'] = attribute('DS', opts.lossySource.ratio);
    ds['00282114'] = attribute('CS', LOSSY_SOURCE_METHOD[opts.lossySource.format]);
  }
  if (meta && ds['00282110']?.Value?.[0] !== '01' && dicomLossySource(ds, meta.pixel.syntax)) {
    // Its ratio is not known, and Ratio and Method pair value by value: neither says the source's step, the flag does.
    ds['00282110'] = attribute('CS', '01');
    delete ds['00282112'];
    delete ds['00282114'];
  }
  const wasLossy = ds['00282110']?.Value?.[0] === '01';
  if (opts.exact) {
    ds['00282110'] = attribute('CS', wasLossy ? '01' : '00');
    return;
  }
  const previous = (tag: string) => (wasLossy ? (ds[tag]?.Value ?? []) as (string | number)[] : []);
  ds['00282110'] = attribute('CS', '01');
  ds['00282112'] = attribute('DS', ...previous('00282112'), Number(opts.ratio.toFixed(2)));
  ds['00282114'] = attribute('CS', ...previous('00282114'), opts.maxError !== undefined ? LOSSY_METHOD.nearLossless : LOSSY_METHOD.network);
}

/** Finite numbers of the length given, else undefined. */
function finite(values: unknown[] | undefined, length: number): number[] | undefined {
  const v = (values ?? []).map(Number);
  return v.length === length && v.every(Number.isFinite) ? v : undefined;
}

/**
 * A Secondary Capture's geometry. Pixel Spacing (the SC Image module's Basic Pixel Spacing Calibration macro), so that
 * a PACS measures on it; the orientation as Patient Orientation too (the row and column directions as letters, "L\P"),
 * so that a PACS labels the patient's left, where the file had none of its own. A single image also keeps where it lies
 * (0.13): Image Position and Orientation (Patient) and Slice Thickness, an enhanced file's frame its own from its
 * functional groups, beside the Frame of Reference it kept, so that a PACS stacks a PET series or an enhanced file's
 * slices in space (fusion, MPR, reference lines) instead of as pictures. They are outside the SC IOD: such a file is a
 * Standard Extended SOP Class, which PS3.4 allows and dciodvfy warns of, not an error. A multi-frame Secondary Capture
 * cannot say each frame's place: its frames go without.
 */
function writeScGeometry(ds: DicomJson, px: DicomFrameMeta['pixel'] | undefined, single: boolean): void {
  const orientation = finite(px?.planeOrientation ?? ds['00200037']?.Value, 6);
  const position = finite(px?.planePosition ?? ds['00200032']?.Value, 3);
  const thickness = finite(px?.sliceThickness !== undefined ? [px.sliceThickness] : ds['00180050']?.Value, 1)?.filter((v) => v > 0);
  const edges = edgeLabels(orientation, undefined);
  if (edges && !edgeLabels(undefined, ds['00200020']?.Value)) ds['00200020'] = attribute('CS', edges.right, edges.bottom);
  const spacing = px?.pixelSpacing ?? (ds['00280030']?.Value ?? []).map(Number);
  for (const t of ['00200032', '00200037', '00280030', '00180050']) delete ds[t];
  if (spacing.length === 2 && spacing.every((v) => Number.isFinite(v) && v > 0)) ds['00280030'] = attribute('DS', ...spacing.map(decimal));
  if (!single || !position || !edges) return; // a place needs both: a position without its plane locates nothing
  ds['00200032'] = attribute('DS', ...position.map(decimal));
  ds['00200037'] = attribute('DS', ...orientation!.map(decimal));
  if (thickness?.length) ds['00180050'] = attribute('DS', decimal(thickness[0]!));
}

/** Native Pixel Data's length is 32 bits, and all ones means undefined length. */
const MAX_NATIVE_PIXEL_BYTES = 0xfffffffe;

/** The DICOM file of `writeDicomParts` in one buffer. */
export function writeDicom(frames: readonly DicomFrame[], meta: DicomFrameMeta | undefined, opts: DicomWriteOptions): Buffer {
  return Buffer.concat([...writeDicomParts(frames, meta, opts)]);
}

/**
 * Builds the DICOM file for decoded images: one, or the frames of one multi-frame source that multiFrameClass gives
 * a class (each frame's meta alike; `meta` is the first's). `meta` is absent for images that came from PNG/JPEG. A
 * record's meta comes through dicomMetaOf, which leaves out what is not well-formed.
 * Native samples come as parts: the dataset up to the Pixel Data element's header, then each frame's stored samples
 * made as they are read (0.14; dcmjs was given every frame in one buffer and copied it, so a 105 MB echo clip took
 * 940 MB to write). An error of the header is thrown here, before any part is taken.
 */
/**
 * The SOP class a DICOM file of these frames is written in (writeDicomParts): a multi-frame source's cine class, the
 * source's own for single-frame CT/MR/CR/DX/MG and ultrasound, else Secondary Capture.
 */
export function dicomFileClass(frames: readonly Pick<DicomFrame, 'image'>[], meta: DicomFrameMeta | undefined): string {
  const { channels: withAlpha, bitDepth } = frames[0]!.image;
  const channels = withAlpha === 2 || withAlpha === 4 ? withAlpha - 1 : withAlpha; // as written: withoutAlpha
  const grey = channels === 1;
  // Several frames without DICOM metadata are an animated image file's pages (jobs/dicom-files.ts groups them so).
  const multiClass = frames.length > 1 ? (meta ? multiFrameClass(meta, { channels: channels as 1 | 3, bitDepth }) : clipClass({ channels: channels as 1 | 3, bitDepth })) : undefined;
  if (frames.length > 1 && !multiClass) throw new Error('these frames do not go into one DICOM file'); // callers ask multiFrameClass
  const keepClass = meta && meta.frames === 1 && ((SINGLE_FRAME_CLASSES.has(meta.sopClassUid) && grey) || meta.sopClassUid === ULTRASOUND);
  return multiClass ?? (keepClass ? meta.sopClassUid : SECONDARY_CAPTURE);
}

export function writeDicomParts(frames: readonly DicomFrame[], meta: DicomFrameMeta | undefined, opts: DicomWriteOptions): Iterable<Uint8Array> {
  const images = frames.map((f) => withoutAlpha(f.image)); // DICOM has no alpha: dropped (the PNG output keeps it)
  const image = images[0]!;
  const grey = image.channels === 1;
  const sopClass = dicomFileClass(frames, meta);
  const multiClass = frames.length > 1 ? sopClass : undefined;
  const sopInstance = opts.sopInstance ?? newUid();
  const ds: DicomJson = { ...(meta?.dataset ?? {}) }; // well-formed: dicomMetaOf
  // An image file's own pixel spacing (an ImageJ TIFF's), written as a Secondary Capture's is (writeScGeometry).
  if (!meta && opts.pixelSpacing) ds['00280030'] = attribute('DS', decimal(opts.pixelSpacing.row), decimal(opts.pixelSpacing.column));
  for (const tag of Object.keys(ds)) if (isOverlayOrCurve(tag)) delete ds[tag]; // carried by files before 0.11, without their data
  // A slide's Specimen module (its Container Identifier and Description) needs its sequences (issuer, container type,
  // specimen description), which are not carried (no sequence is): alone, they would make the module incomplete
  // (dciodvfy: missing type 1 and 2 attributes of the Specimen macro).
  for (const t of ['00400512', '0040051A']) delete ds[t];
  fitValues(ds);
  const setDefault = (tag: string, attr: JsonAttribute) => { if (!ds[tag]?.Value?.length) ds[tag] = attr; };
  // Type 2 attributes of the patient, study, series and equipment modules: present, empty if unknown.
  for (const [tag, vr] of [['00100010', 'PN'], ['00100020', 'LO'], ['00100030', 'DA'], ['00100040', 'CS'], ['00080020', 'DA'],
    ['00080030', 'TM'], ['00080090', 'PN'], ['00200010', 'SH'], ['00080050', 'SH'], ['00080070', 'LO'], ['00200020', 'CS']] as const) {
    setDefault(tag, { vr });
  }
  setDefault('0020000D', attribute('UI', newUid()));
  setDefault('0020000E', attribute('UI', newUid()));
  setDefault('00080060', attribute('CS', opts.ctIntercept !== undefined ? 'CT' : opts.modality ?? 'OT'));
  setDefault('00200011', attribute('IS', 1));
  if (!ds['00200013']?.Value?.length || (meta?.frames !== 1 && !multiClass)) ds['00200013'] = attribute('IS', opts.instanceNumber ?? (meta ? meta.frame + 1 : 1));
  ds['00080005'] = attribute('CS', 'ISO_IR 192'); // dcmjs writes text as UTF-8; the JSON model holds Unicode
  ds['00080016'] = attribute('UI', sopClass);
  ds['00080018'] = attribute('UI', sopInstance);
  // Value 3 of Image Type is required by some classes (CT: AXIAL/LOCALIZER): keep the original's.
  ds['00080008'] = attribute('CS', 'DERIVED', 'SECONDARY', ...((ds['00080008']?.Value ?? []).slice(2) as string[]));
  if (sopClass.startsWith(SECONDARY_CAPTURE)) {
    ds['00080064'] = attribute('CS', 'WSD');
    writeScGeometry(ds, meta?.pixel, !multiClass);
  }
  if (multiClass && meta) writeMultiFrame(ds, meta, frames.length);
  else if (multiClass) writeClipTiming(ds, opts.frameDelays, frames.length);
  writeBurnedIn(ds, meta, multiClass?.startsWith(SECONDARY_CAPTURE) === true);
  ds['00082111'] = attribute('ST', derivation(opts, meta));
  if (opts.reduced) markReduced(ds);
  markLossy(ds, opts, meta);
  const stored = storedSamples(image, meta, opts.valueOffset, opts.monochrome1);
  ds['00280002'] = attribute('US', grey ? 1 : 3);
  // MONOCHROME1 sources get their original stored values and photometric back (the window still applies).
  ds['00280004'] = attribute('CS', !grey ? 'RGB' : meta?.pixel.inverted || (!meta && opts.monochrome1) ? 'MONOCHROME1' : 'MONOCHROME2');
  if (!grey) ds['00280006'] = attribute('US', 0);
  ds['00280010'] = attribute('US', image.height);
  ds['00280011'] = attribute('US', image.width);
  ds['00280100'] = attribute('US', image.bitDepth);
  ds['00280101'] = attribute('US', stored.bits);
  ds['00280102'] = attribute('US', stored.bits - 1);
  ds['00280103'] = attribute('US', stored.signed ? 1 : 0);
  writeSampleValues(ds, stored, image, images.length, opts.exact);
  if (!grey) for (const t of ['00281050', '00281051']) delete ds[t]; // a window over palette indices means nothing in RGB
  else if (meta) writeValueMapping(ds, meta.pixel);
  else if (opts.ctIntercept !== undefined) writeCtRescale(ds, opts.ctIntercept);
  if (grey && !meta && opts.windows?.length) writeFileWindows(ds, opts.windows);
  if (grey && opts.senderWindow) writeSenderWindow(ds, opts.senderWindow);
  if (grey && meta && !meta.pixel.modalityLut) writeRealWorldMapping(ds, meta, stored);
  if (grey && multiClass?.startsWith(SECONDARY_CAPTURE)) writeScMultiFrameGrey(ds);
  const regions = meta?.pixel.usRegions; // ultrasound calibration, so a PACS measures as aeimg's viewer does
  if (regions?.length) ds['00186011'] = usRegionsJson(regions);
  writeOverlays(ds, frames.map((f) => f.overlays)); // after the dataset's own 60xx groups were taken out (above)
  writeShutter(ds); // a bitmap shutter only with its plane
  // A colour image's ICC Profile, as the file had it (dicom/icc-profile.ts): a PACS shows the colours as the sender's did.
  const icc = !grey && meta?.pixel.iccProfile ? iccBytes(meta.pixel.iccProfile) : undefined;
  if (icc) ds['00282000'] = { vr: 'OB', Value: [icc.buffer.slice(icc.byteOffset, icc.byteOffset + icc.byteLength) as never] };
  if (grey && meta?.pixel.colourPalette && !meta.pixel.inverted) writeColourPalette(ds, meta.pixel.colourPalette);
  else delete ds['00089205']; // Pixel Presentation COLOR without its palette would say what the file does not hold
  // General Series Laterality is type 2C (paired body parts); present and empty unless the image says its laterality.
  // An unpaired body part has no laterality: there it must be absent, not empty (dciodvfy: "present when condition
  // unsatisfied"), also where the source wrote it empty.
  const unpaired = UNPAIRED_BODY_PARTS.has(String(ds['00180015']?.Value?.[0] ?? '').trim().toUpperCase());
  if (unpaired && !ds['00200060']?.Value?.length) delete ds['00200060'];
  else if (!ds['00200060'] && !ds['00200062']) ds['00200060'] = { vr: 'CS' };
  for (const [tag, attr] of Object.entries(ds)) {
    if (tag.startsWith('0028') && !attr.Value?.length) delete ds[tag]; // empty image attributes are conditional: absent
  }
  // Nothing after Pixel Data (a Digital Signature no longer signs this data; trailing padding means nothing here).
  for (const tag of Object.keys(ds)) if (tag.toUpperCase() > '7FE00010') delete ds[tag];
  // Native samples follow the header (below): here an empty value, whose length is written once the frames' is known.
  ds['7FE00010'] = { vr: image.bitDepth === 8 ? 'OB' : 'OW', Value: [new ArrayBuffer(0) as never] };
  // Frames that went as their file held them go back as that data, one fragment each, if all did alike.
  const kept = frames[0]!.kept;
  const allKept = kept && frames.every((f) => f.kept?.layout.syntax === kept.layout.syntax);
  if (kept && allKept) {
    // The frame's own data: its layout's photometric, sample bits and planar configuration describe it, not the image's.
    const l = kept.layout;
    ds['00280004'] = attribute('CS', l.photometric);
    ds['00280100'] = attribute('US', l.bitsAllocated);
    ds['00280101'] = attribute('US', l.bitsStored);
    ds['00280102'] = attribute('US', l.bitsStored - 1);
    ds['00280103'] = attribute('US', l.signed ? 1 : 0);
    if (!grey) ds['00280006'] = attribute('US', l.planarConfiguration);
    const data = frames.map(({ kept: k }) => k!.data.buffer.slice(k!.data.byteOffset, k!.data.byteOffset + k!.data.byteLength));
    ds['7FE00010'] = { vr: 'OB', Value: data as never[] };
  }
  const fileMeta: DicomJson = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer as never] },
    '00020002': attribute('UI', sopClass),
    '00020003': attribute('UI', sopInstance),
    '00020010': attribute('UI', allKept ? kept.layout.syntax : '1.2.840.10008.1.2.1'),
    '00020012': attribute('UI', IMPLEMENTATION_UID),
    '00020013': attribute('SH', 'AEIMG_1'),
  };
  // dcmjs wants a Value array on every attribute, empty for zero-length ones.
  for (const attr of Object.values(ds)) attr.Value ??= [];
  const dict = new dcmjs.data.DicomDict(fileMeta);
  dict.dict = ds;
  // One fragment per frame (dcmjs would cut a kept frame into 20 KB fragments); its typings omit the options.
  const write = dict.write.bind(dict) as (options: { allowInvalidVRLength: boolean; fragmentMultiframe: boolean }) => ArrayBuffer;
  let header: Buffer;
  try {
    header = Buffer.from(write({ allowInvalidVRLength: false, fragmentMultiframe: false }));
  } catch (err) {
    throw new AeimgError(ErrorCode.Malformed, `holds DICOM attributes that cannot be written as DICOM (${(err as Error).message}); save it as PNG instead.`);
  }
  if (allKept) return [header];
  const pixelBytes = images.reduce((n, im) => n + im.pixels.length * (im.bitDepth === 8 ? 1 : 2), 0);
  if (pixelBytes > MAX_NATIVE_PIXEL_BYTES) {
    throw new AeimgError(ErrorCode.TooLarge, `has ${images.length} frames of ${(pixelBytes / 1e9).toFixed(1)} GB of samples in all, more than one DICOM file holds; save them as PNG instead.`);
  }
  // The last element written is Pixel Data's header (tag, VR, 2 reserved bytes, 32-bit length), its length 0 so far.
  const at = header.length - 12;
  if (at < 0 || header.readUInt16LE(at) !== 0x7fe0 || header.readUInt16LE(at + 2) !== 0x0010 || header.readUInt32LE(at + 8) !== 0) {
    throw new Error('the DICOM writer did not end the dataset with an empty Pixel Data element');
  }
  const pad = pixelBytes % 2; // OB of odd length ends with a zero byte
  header.writeUInt32LE(pixelBytes + pad, at + 8);
  return (function* () {
    yield header;
    for (const [k, im] of images.entries()) yield new Uint8Array(k === 0 ? stored.data : storedSamples(im, meta, opts.valueOffset, opts.monochrome1).data);
    if (pad) yield new Uint8Array(1);
  })();
}
