/**
 * What a viewer needs to show a decrypted image faithfully: its default window in sample units, its value mapping
 * (HU for CT), the DICOM facts a reader looks at, and what the file says about fidelity (the guarantee, the sender's
 * figures, reduced quality). The app's service passes this on as it is; it knows nothing of DICOM or windows.
 */
import { convertedWordsOf, lossySourceOfRecord } from '../image/source.js';
import { animationTiming } from '../image/animation.js';
import type { ImageAttributes, OpenedImageInfo } from '../../../src-shared/api.js';
import type { SeriesFacts } from '../../../src-shared/series.js';
import { fidelityHeadline, reducedQualityText, senderWindowFigure, suvScales, type ReaderUnits, type WindowFidelity } from '../../../src-shared/fidelity.js';
import { realToSample, type DisplayModel, type DisplayWindow, type ValueMapping } from '../../../src-shared/windows.js';
import { ctCalibrationOf, fileInvertedOf, fileSpacingOf, fileWindowsOf, imageChannels, receivedFidelity, senderWindowOf, type ImageRecord } from '../codec/record.js';
import { firstString, keywordOf, type DicomJson } from '../dicom/dataset.js';
import { cineFrameRate, cineFrameTiming, dicomDisplay } from '../dicom/display.js';
import { edgeLabels } from '../../../src-shared/orientation.js';
import { displayShutter, graphicsAndShutter } from '../dicom/shutter.js';
import { overlayGraphics } from '../dicom/overlay.js';
import { dicomMetaOf, type DicomFrameMeta } from '../dicom/import.js';
import { usCalibration } from '../dicom/us-regions.js';
import { dicomLossySource, lossyWords } from '../dicom/lossy-coding.js';
import { colourChannels, type Image } from '../image/image.js';
import { throughIccProfile } from '../image/icc-png.js';
import { iccBytes, iccDescription } from '../dicom/icc-profile.js';
import { percentileWindow, plainDisplay, readerWindows, shownPerStored } from '../metrics/fidelity.js';
import { withSenderWindow } from './sender-window.js';

/** A colour image's ICC profile, where its record carries one (dicom/icc-profile.ts; aeimg 0.32). */
export function iccProfileFor(record: ImageRecord, image: Image): Uint8Array | undefined {
  const icc = image.channels >= 3 ? dicomMetaOf(record)?.pixel.iccProfile : undefined;
  return icc ? iccBytes(icc) : undefined;
}

/**
 * `image` as the viewer and the sender's preview show it: a DICOM colour image through its ICC profile, as a
 * colour-managed DICOM viewer shows it (its stored values, what is sent and measured, are not changed); else as it is.
 */
export async function shownImage(image: Image, record: ImageRecord): Promise<Image> {
  const icc = iccProfileFor(record, image);
  return icc ? throughIccProfile(image, icc) : image;
}

/**
 * The window to open with, in sample units: the file's first VOI window (through its VOI function) in its display
 * model; else, of a colour image, its full range, as any image viewer shows it; else the window the sender measured
 * an image without one of its own in, among `choices` (an 8-bit grey image's full range, 0..255 or a mask's 0..1; a
 * deeper one's 1st–99th percentile window), named, so that the corner gives the sender's figure for it; else the
 * image's min..max. (0.36: before, any image without a file window opened over its min..max, which stretched an 8-bit
 * export's contrast, put a colour image's channels through its red channel's range, their colours off, and showed a
 * 12-bit MR with a few bright pixels dark.)
 */
function defaultWindow(image: Image, display: DisplayModel | undefined, choices: readonly DisplayWindow[], head = false): OpenedImageInfo['window'] {
  const voi = display?.windows.find((w) => w.source === 'file');
  if (voi && image.channels === 1) return { ...inSamples(voi, display!.mapping), ...(voi.fn ? { fn: voi.fn } : {}), ...(voi.lut ? { lut: voi.lut } : {}), name: voi.name };
  if (colourChannels(image) > 1) return { center: 2 ** (image.bitDepth - 1), width: 2 ** image.bitDepth };
  // A CT without a window of its own opens in a preset its sender measured (0.50; before, over its range, where a
  // head's grey and white matter are one flat grey): brain 40/80 for a head (its Body Part Examined), else soft tissue.
  const preset = display?.units === 'HU' ? choices.find((w) => w.source === 'preset' && w.name === (head ? 'brain' : 'soft tissue')) : undefined;
  const measured = preset ?? choices.find((w) => w.source === 'full' || w.source === 'percentile');
  if (measured && image.channels === 1) return { ...inSamples(measured, display?.mapping), name: measured.name };
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    const v = image.pixels[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { center: (lo + hi) / 2, width: Math.max(1, hi - lo) };
}

/** A window in real-world units as the viewer holds it, in sample units (MONOCHROME1 samples are already inverted). */
function inSamples(w: DisplayWindow, m: ValueMapping | undefined): { center: number; width: number } {
  const ends = [w.center - w.width / 2, w.center + w.width / 2].map((v) => realToSample(v, m)).sort((a, b) => a - b) as [number, number];
  return { center: (ends[0] + ends[1]) / 2, width: Math.max(1, ends[1] - ends[0]) };
}

/**
 * The frame's Pixel Spacing (an enhanced file's Pixel Measures), else Pixel Spacing (0028,0030), else Imager Pixel
 * Spacing (0018,1164), else an ultrasound region's calibration: [row, column] spacing in mm.
 */
function pixelSpacingOf(meta: DicomFrameMeta): NonNullable<NonNullable<OpenedImageInfo['dicom']>['pixelSpacing']> | undefined {
  const own = meta.pixel.pixelSpacing;
  if (own) return { row: own[0], column: own[1], source: 'PixelSpacing' };
  const ds = meta.dataset;
  for (const [tag, source] of [['00280030', 'PixelSpacing'], ['00181164', 'ImagerPixelSpacing']] as const) {
    const [row, column] = (ds[tag]?.Value ?? []).map(Number);
    if (row !== undefined && column !== undefined && row > 0 && column > 0 && Number.isFinite(row) && Number.isFinite(column)) return { row, column, source };
  }
  const us = usCalibration(meta.pixel.usRegions); // ultrasound: only inside its calibrated region
  return us ? { ...us, source: 'UltrasoundRegion' } : undefined;
}

/**
 * The spacing a PNG of the record says (jobs/decrypt.ts outputBytes, 0.47), [row, column] mm: its DICOM file's (not an
 * ultrasound region's calibration, which holds inside the region alone), else an ImageJ TIFF's; undefined where none.
 */
export function pngSpacingOf(record: ImageRecord): { row: number; column: number } | undefined {
  const meta = dicomMetaOf(record);
  const spacing = meta && pixelSpacingOf(meta);
  if (spacing) return spacing.source === 'UltrasoundRegion' ? undefined : { row: spacing.row, column: spacing.column };
  return fileSpacingOf(record);
}

/**
 * A pixel's displayed height over its width where it is not square: its row spacing over its column spacing (Pixel
 * Spacing or Imager Pixel Spacing), else the file's Pixel Aspect Ratio (0028,0034: vertical\horizontal). A PACS
 * stretches such an image to its physical proportions; shown square, anatomy is distorted (a 1.0\0.5 mm pixel: a
 * round structure as an oval twice as wide as high). An ultrasound region's calibration holds only inside it: not used.
 */
function pixelAspectOf(meta: DicomFrameMeta, spacing: ReturnType<typeof pixelSpacingOf>): number | undefined {
  const [v, h] = spacing && spacing.source !== 'UltrasoundRegion' ? [spacing.row, spacing.column] : (meta.dataset['00280034']?.Value ?? []).map(Number);
  const aspect = v !== undefined && h !== undefined && v > 0 && h > 0 ? v / h : 1;
  return Number.isFinite(aspect) && Math.abs(aspect - 1) > 1e-3 && aspect >= 0.1 && aspect <= 10 ? aspect : undefined;
}

/**
 * What a reader sees of a record's image: its DICOM file's display model, else an image file's where its values are
 * not its samples (a signed TIFF's offset, a CT its sender declared: plainDisplay) or it has windows of its own (an
 * ImageJ TIFF's); undefined for other image files.
 */
export function recordDisplay(record: ImageRecord, meta = dicomMetaOf(record)): DisplayModel | undefined {
  // The window its sender chose (0.43), first: the reader's viewer opens in it, as the sender's figures measured it.
  const sender = senderWindowOf(record);
  if (meta) return withSenderWindow(dicomDisplay(meta), sender);
  const windows = fileWindowsOf(record);
  const inverted = fileInvertedOf(record);
  return record.valueOffset || record.ctIntercept !== undefined || windows.length || inverted || sender
    ? withSenderWindow(plainDisplay(record, { valueOffset: record.valueOffset, ctIntercept: record.ctIntercept, fileWindows: windows, inverted }), sender) : undefined;
}

/**
 * How a record's values are named for its reader (src-shared/fidelity.ts ReaderUnits): a DICOM image's units and real
 * units per stored unit, and PET's SUVbw factor where its values are in Bq/ml (or Philips' counts). The sender's words and the receiver's
 * both come from it.
 */
export function readerUnits(record: ImageRecord): ReaderUnits {
  const meta = dicomMetaOf(record);
  return unitsOf(meta, recordDisplay(record, meta));
}

/** readerUnits of a record whose DICOM metadata and display model are already at hand. */
function unitsOf(meta: DicomFrameMeta | undefined, display: DisplayModel | undefined): ReaderUnits {
  const perStored = display && shownPerStored(display);
  if (!display || perStored === undefined) return {};
  return { units: display.units, perStored, ...(meta?.suvBw && suvScales(display.units) ? { suvBw: meta.suvBw } : {}) };
}

/**
 * What a decrypted record tells its reader, in words: "bit-exact", the bound (in real units for DICOM with a
 * rescale) with the worst window, or the reduced-quality warning. One phrasing for the viewer, the CLI and DICOM.
 * `meta` and `display`: the record's, where the caller has them already.
 */
export function receivedSummary(record: ImageRecord, meta = dicomMetaOf(record), display = recordDisplay(record, meta)):
  ReturnType<typeof receivedFidelity> & { text: string; units: ReaderUnits } {
  const received = { ...receivedFidelity(record), units: unitsOf(meta, display) };
  const { units } = received;
  // The window its sender sent it in, with its figure, where another is the worst (0.44).
  const text = (received.reduced ? reducedQualityText(received.fidelity, units) : fidelityHeadline(received.fidelity, { maxError: received.maxError, ...units })) +
    senderWindowFigure(received.fidelity);
  const lossy = meta ? dicomLossySource(meta.dataset as Record<string, { Value?: unknown[] }>, meta.pixel.syntax) : undefined;
  if (lossy) return { ...received, text: `${text}; ${lossyWords(lossy)}` };
  const file = lossySourceOfRecord(record);
  const converted = convertedWordsOf(record);
  return { ...received, text: text + (file ? `; the sender's file was itself lossy-compressed (${file.format} image)` : '') +
    (converted ? `; ${converted}` : '') };
}

/** One text value of a DICOM attribute as it travelled (a person's name as its Alphabetic form); undefined if empty. */
function textOf(ds: Record<string, { Value?: unknown[] }> | undefined, tag: string): string | undefined {
  const v = ds?.[tag]?.Value?.[0];
  if (v === undefined || v === null) return undefined;
  return String(typeof v === 'object' ? (v as { Alphabetic?: unknown }).Alphabetic ?? '' : v).trim() || undefined;
}

/** The series of a DICOM dataset, as it says. */
function seriesFacts(ds: Record<string, { Value?: unknown[] }>): SeriesFacts {
  return { modality: textOf(ds, '00080060'), seriesDescription: textOf(ds, '0008103E'), seriesNumber: textOf(ds, '00200011'), seriesUid: textOf(ds, '0020000E') };
}

/** The series a DICOM record belongs to, as its header says (undefined for a plain image). */
export function seriesFactsOf(record: ImageRecord): SeriesFacts | undefined {
  const ds = dicomMetaOf(record)?.dataset as Record<string, { Value?: unknown[] }> | undefined;
  return ds && seriesFacts(ds);
}

/** Laterality terms that name a side (PS3.3 C.7.3.1, Laterality; C.7.6.2, Image Laterality): right, left, both (U, unpaired, names none). */
const SIDES = new Set(['R', 'L', 'B']);
/** A view as its reader names it: a View Position term (CC, MLO, PA, AP, LL …), letters only, a few of them. */
const VIEW = /^[A-Z]{1,8}$/;

/** "L CC", "R MLO", "L", "PA": Image Laterality (else Laterality) and View Position, where they say one. */
function sideAndView(ds: Record<string, { Value?: unknown[] }>): string | undefined {
  const word = (tag: string) => String(ds[tag]?.Value?.[0] ?? '').trim().toUpperCase();
  const side = [word('00200062'), word('00200060')].find((s) => SIDES.has(s));
  const view = word('00185101');
  const said = [side, VIEW.test(view) ? view : undefined].filter(Boolean).join(' ');
  return said || undefined;
}

/** A window the sender measured, as a window to choose (its figures left with the sender's table). */
function sentWindow({ name, center, width, source, fn, explanation }: WindowFidelity): DisplayWindow {
  return { name, center, width, source, ...(fn ? { fn } : {}), ...(explanation ? { explanation } : {}) };
}

/** Body Part Examined (0018,0015) values of a head (PS3.16 CID 4031 and what scanners write). */
const HEAD = /^\s*(HEAD|BRAIN|SKULL|HEADNECK)\s*$/i;

/** The viewer's description of image `index` of an opened file. */
export function describeImage(record: ImageRecord, image: Image, index: number): OpenedImageInfo {
  const meta = dicomMetaOf(record);
  const ds = meta?.dataset as Record<string, { Value?: unknown[] }> | undefined;
  const pos = meta?.pixel.planePosition ?? ds?.['00200032']?.Value; // an enhanced file's frame has its own
  // An image file's values gone up by an offset (a signed TIFF, aeimg 0.35), or in HU (a CT its sender declared, 0.36):
  // the viewer shows them as a DICOM image's, through its mapping.
  const display = recordDisplay(record, meta);
  const received = receivedSummary(record, meta, display);
  // An image file's HU from its own calibration, and its own pixel spacing (an ImageJ TIFF's: codec/record.ts).
  const calibration = ctCalibrationOf(record);
  const fileSpacing = meta ? undefined : fileSpacingOf(record);
  const f = received.fidelity;
  const gray = image.channels === 1;
  // The 1st–99th percentile window the sender measured (the original's), where it did (0.50): the reader opens in the
  // window its figure is of. Before, the received image's, a few units off on a lossy image (a 12-bit MR at `max`:
  // 382/745 on screen under the figure of 388.5/769). Else the received image's.
  const sentPercentile = f?.windows?.find((w) => w.source === 'percentile');
  const percentile = sentPercentile ? sentWindow(sentPercentile) : percentileWindow(image, display?.mapping);
  const windows = [
    ...(gray && (display ? display.percentile : image.bitDepth > 8) ? [{ ...percentile, name: 'auto (1st–99th percentile)' }] : []),
    ...(display?.windows ?? []),
    // An 8-bit grey image's full range, as the sender measured it (readerWindows): a choice (0.35), and since 0.36 the
    // one it opens in, so that the reader sees it as measured, with the sender's figure for it.
    ...(gray && image.bitDepth === 8 ? readerWindows(image, display ?? plainDisplay(image)).filter((w) => w.source === 'full') : []),
  ];
  const spacing = meta ? pixelSpacingOf(meta) : undefined;
  const frameRate = meta ? cineFrameRate(meta) : undefined;
  const frameTimeRatio = meta ? cineFrameTiming(meta) : undefined;
  const animation = animationTiming(record); // an animated GIF or WebP page's (0.24)
  const pixelAspect = meta ? pixelAspectOf(meta, spacing) : undefined;
  const orientation = ds ? edgeLabels(meta?.pixel.planeOrientation ?? ds['00200037']?.Value, ds['00200020']?.Value) : undefined;
  const side = ds && sideAndView(ds);
  const { graphics = [], shutter } = meta ? graphicsAndShutter(meta, image.channels) : {};
  return {
    index, name: record.name, width: record.width, height: record.height, channels: imageChannels(record), bitDepth: record.bitDepth,
    fidelity: f ? { ...f, psnr: f.psnr ?? null } : undefined,
    lossless: received.maxError === 0, maxError: received.maxError, reduced: received.reduced,
    fidelityText: received.text,
    window: defaultWindow(image, display, windows, HEAD.test(meta ? firstString(meta.dataset, '00180015') ?? '' : '')),
    ...(!meta && animation ? { animation } : {}),
    units: display?.units ?? '', ...(display?.mapping ? { mapping: display.mapping } : {}), ...(calibration ? { ctCalibration: calibration } : {}),
    ...(fileSpacing ? { pixelSpacing: { ...fileSpacing, source: 'ImageJ' as const } } : {}),
    dicom: meta ? {
      ...seriesFacts(ds!), offset: meta.pixel.offset,
      slope: meta.pixel.rescaleSlope, intercept: meta.pixel.rescaleIntercept, deidentified: meta.deidentified,
      position: pos ? pos.map((v) => Number(v).toFixed(1)).join(', ') : undefined,
      photometric: meta.pixel.photometric, monochrome1: display?.monochrome1 ?? false,
      ...(spacing ? { pixelSpacing: spacing } : {}),
      ...(frameRate ? { frameRate } : {}),
      ...(frameTimeRatio ? { frameTimeRatio } : {}),
      ...(pixelAspect ? { pixelAspect } : {}),
      ...(orientation ? { orientation } : {}),
      ...(side ? { sideAndView: side } : {}),
      ...(meta.pixel.colourPalette && gray && !meta.pixel.inverted ? { colourPalette: meta.pixel.colourPalette } : {}),
      ...(graphics.length ? { graphics } : {}),
      ...(shutter ? { shutter } : {}),
      ...(meta.keyObjects?.length ? { keyObjects: meta.keyObjects.map(({ code: _code, ...k }) => k) } : {}),
      ...(meta.presentationStates?.length ? {
        // The creator's name as a reader reads it ("Smith Anna", not DICOM's "Smith^Anna").
        presentationStates: meta.presentationStates.map(({ window: _window, creator, shutter: stateShutter, shutterPlane, ownOverlays = [], ...annotations }) => {
          const covers = stateShutter && displayShutter(stateShutter, image.channels, overlayGraphics(shutterPlane && [shutterPlane]));
          // Its own overlays: drawn while it is shown, each activated in its layer (src-shared/graphics.ts overlaysShown).
          const own = ownOverlays.length ? {
            ownGraphics: [...overlayGraphics(ownOverlays.map((o) => o.plane)).values()],
            overlays: [...(annotations.overlays ?? []), ...ownOverlays.map((o) => ({ group: o.plane.group, layer: o.layer }))],
          } : {};
          return { ...annotations, ...own, ...(creator ? { creator: creator.replace(/\^+/g, ' ').trim() } : {}), ...(covers ? { shutter: covers } : {}) };
        }),
      } : {}),
      ...(received.units.suvBw ? { suvBw: received.units.suvBw, ...(meta.sul ? { sul: meta.sul } : {}) } : {}),
      studyDescription: textOf(ds, '00081030'), instanceNumber: textOf(ds, '00200013'),
    } : undefined,
    windows,
  };
}

/** One attribute as the information panel lists it. */
function attributeValue(attr: DicomJson[string]): string {
  return (attr.Value ?? []).map((v) => {
    if (v && typeof v === 'object') return 'Alphabetic' in v ? v.Alphabetic : '(sequence item)';
    return String(v);
  }).join('\\');
}

/**
 * The DICOM attributes that travelled inside the encryption (already de-identified by the sender when it chose to),
 * with their keywords, and the de-identification record (0012,0062/0063/0064, 0028,0303). Null for a plain image.
 */
export function describeAttributes(record: ImageRecord): ImageAttributes | null {
  const meta = dicomMetaOf(record);
  if (!meta) return null;
  const ds = meta.dataset;
  const attributes = Object.keys(ds).sort().map((tag) => ({
    tag: `(${tag.slice(0, 4)},${tag.slice(4)})`, keyword: keywordOf(tag), vr: ds[tag]!.vr, value: attributeValue(ds[tag]!).slice(0, 1024),
  }));
  // A colour image's ICC profile travels beside the attributes (dicom/icc-profile.ts): listed by its name and size.
  if (meta.pixel.iccProfile) {
    const icc = iccBytes(meta.pixel.iccProfile), name = iccDescription(icc);
    attributes.push({ tag: '(0028,2000)', keyword: 'ICCProfile', vr: 'OB', value: `${name ? `"${name}", ` : ''}${icc.length} bytes: the viewer shows the colours through it` });
    attributes.sort((a, b) => a.tag.localeCompare(b.tag));
  }
  const codes = (ds['00120064']?.Value ?? []) as unknown as Record<string, { Value?: unknown[] } | undefined>[];
  const first = (tag: string) => ds[tag]?.Value?.[0];
  return {
    attributes,
    deidentification: {
      deidentified: meta.deidentified,
      method: first('00120063') !== undefined ? String(first('00120063')) : undefined,
      options: codes.map((c) => String(c['00080104']?.Value?.[0] ?? c['00080100']?.Value?.[0] ?? '')).filter(Boolean),
      longitudinalTemporal: first('00280303') !== undefined ? String(first('00280303')) : undefined,
    },
  };
}
