/**
 * A DICOM file → one Image per frame (stored-image.ts: precision kept, MONOCHROME1 inverted, palette and YBR colour
 * made RGB), plus the metadata that travels inside the encryption, which lets the receiver restore the exact stored
 * values and write DICOM again.
 */
import { identifyingParts, maskedFileName } from './file-name.js';
import { readRegularFile } from '../fs/read.js';
import { basename } from 'node:path';
import type { DataSet } from 'dicom-parser';
import { inFile } from '../errors.js';
import type { Image } from '../image/image.js';
import { validPalette } from '../codec/record.js';
import { datasetToJson, wellFormed, type DicomJson, stringValue } from './dataset.js';
import { deidentify, type DeidentifyOptions, UidMapper } from './deidentify.js';
import { isStoredLut, MAX_LUT_ITEMS, readPaletteTables, type StoredLut } from './lut.js';
import { realWorldUnitsOf, validRealWorldUnits, type RealWorldUnits } from './real-world.js';
import { storedToImage, type FrameLayout, type Palette } from './stored-image.js';
import { readOverlays, validOverlays, type OverlayFacts, type OverlayPlane } from './overlay.js';
import { readStoredFrame, type DicomPixelInfo } from './parse.js';
import { dicomLossySource, type DicomLossy, type LossyCoding } from './lossy-coding.js';
import { LOSSLESS_JPEG_SYNTAXES } from './codecs.js';
import { nativePixelBytes, unusedPixelBytes } from './pixel-module.js';
import { parseDicomFile } from './header.js';
import { applies, LIMITS as PRESENTATION_STATE_LIMITS, type PresentationStateFile } from './presentation-state.js';
import { presentationStateFor, validPresentationStates, type CarriedPresentationState } from './carried-presentation-state.js';
import { KEY_OBJECTS_PER_FRAME, keyObjectFor, validKeyObjects, type CarriedKeyObject, type KeyObjectFile } from './key-objects.js';
import { validDocuments, type CarriedDocument } from './documents.js';
import { sulFactor, suvBwFactor } from './suv.js';
import { validUsRegions, type UsRegion } from './us-regions.js';
import { iccProfileOf, validIccProfile } from './icc-profile.js';
import { assembleTiles, slideMatrix } from './slide-tiles.js';
import { voiFunctionOf, type DisplayWindow } from '../../../src-shared/windows.js';

/** What a receiver needs to restore stored values and write DICOM again (record.metadata.dicom). */
export interface DicomFrameMeta {
  dataset: DicomJson;
  frame: number;
  frames: number;
  sopClassUid: string;
  pixel: {
    photometric: string;
    bitsStored: number;
    signed: boolean;
    /** Image sample = stored value + offset (32768 for signed data, else 0). */
    offset: number;
    /** MONOCHROME1 samples were inverted to MONOCHROME2: sample = maxStored − stored (before the offset). */
    inverted: boolean;
    rescaleSlope: number;
    rescaleIntercept: number;
    /** Its window; an enhanced frame's own VOI LUT Function with it (aeimg 0.12), where its functional groups name one. */
    window?: { center: number; width: number; fn?: DisplayWindow['fn'] };
    syntax: string;
    /** Modality LUT Sequence (0028,3000), when the file maps stored values with a table instead of a rescale. */
    modalityLut?: StoredLut;
    /** The first VOI LUT Sequence (0028,3010) item. */
    voiLut?: StoredLut;
    /** Its other items (aeimg 0.17): a mammogram's HARDER and SOFTER, windows its reader may pick. */
    otherVoiLuts?: StoredLut[];
    /** Image Position (Patient) of this frame, from an enhanced multi-frame file's functional groups. */
    planePosition?: number[];
    /** Its Image Orientation (Patient), from there too (aeimg 0.12): the viewer labels the edges with it. */
    planeOrientation?: number[];
    /** Its Pixel Spacing (row, column; mm), from there too (aeimg 0.11): the viewer measures with it. */
    pixelSpacing?: [number, number];
    /**
     * Its Slice Thickness (mm), from there too (aeimg 0.24): a structured report's 3D regions are drawn on it within half
     * of it (dicom/image-planes.ts), and a Secondary Capture written of it says it.
     */
    sliceThickness?: number;
    /** Ultrasound: its 2D regions calibrated in cm (aeimg 0.11; dicom/us-regions.ts). */
    usRegions?: UsRegion[];
    /**
     * The units its Real World Value Mapping names for the rescaled values, where it maps them as the rescale does
     * (dicom/real-world.ts; aeimg 0.17): a CT perfusion map's ml/100ml/s.
     */
    realWorldUnits?: RealWorldUnits;
    /**
     * A grey image's Supplemental Palette Color LUT (aeimg 0.17): the stored values it covers are shown in colour
     * through it (a CT perfusion map), the rest in grey. Red, green, blue as 8-bit tables.
     */
    colourPalette?: Palette;
    /**
     * A colour image's ICC Profile (0028,2000), base64 (aeimg 0.32; dicom/icc-profile.ts): the viewer shows its colours
     * through it, DICOM output writes it back, a PNG output holds it. Its stored values are not changed by it.
     */
    iccProfile?: string;
  };
  deidentified: boolean;
  burnedInAnnotation: boolean;
  /** The file said YES or NO (aeimg 0.12; earlier records do not say, so NO is then unknown). */
  burnedInStated?: boolean;
  /**
   * PET: SUVbw (g/ml) per Bq/ml, computed by the sender from the weight, dose and times that de-identification
   * removes (dicom/suv.ts; aeimg 0.12). Only this factor travels.
   */
  suvBw?: number;
  /** PET: SUL (SUV by lean body mass, g/ml) per Bq/ml, likewise (weight, height and sex stay behind; aeimg 0.13). */
  sul?: number;
  /**
   * The overlay planes over this frame (dicom/overlay.ts; aeimg 0.17), carried only with the full header: the profile
   * removes Overlay Data. The viewer draws them and DICOM output writes them back.
   */
  overlays?: OverlayPlane[];
  /**
   * The presentation states of its study over this frame (aeimg 0.18): a radiologist's annotations and window, carried
   * with the full header only. The viewer draws them and offers the window; the sender's figures measure in it.
   */
  presentationStates?: CarriedPresentationState[];
  /** The key object selections of its study that flag this frame (aeimg 0.18; full header only): the viewer marks it. */
  keyObjects?: CarriedKeyObject[];
  /**
   * Reports of its study that travel in this record (its file's first frame; aeimg 0.22; full header only:
   * dicom/documents.ts): the receiver gets each as a file.
   */
  documents?: CarriedDocument[];
}

export interface DicomImage {
  image: Image;
  dicom: DicomFrameMeta;
  /**
   * The file does not say whether patient details are burned into its pixels (no Burned In Annotation) and it is of
   * a kind that often has them (ultrasound, screen captures, photographs): the sender is told to look. Not carried.
   */
  burnedInUnstated?: true;
  /**
   * A compressed frame's data as the file holds it, with what turns its stored values into `image`: the sender may
   * carry it as it is (dicom/codestream.ts, codec/kept-frame.ts).
   */
  frame?: { layout: FrameLayout; data: Uint8Array; otherwiseBefore015?: true };
  /**
   * De-identified files only: the file's name with what identifies its patient replaced (dicom/file-name.ts), when
   * the name holds any. Never carried itself: the encoder names the record with it.
   */
  maskedName?: string;
  /**
   * The frame's own coding is lossy (dicom/lossy-coding.ts) and its file did not say so (aeimg 0.47), or its syntax
   * allows a lossy coding its file does not say it had (certain false): in words, as its reader is told it ("JPEG
   * 2000"). The sender is told that its reader will be. Not carried (its dataset says it, or its syntax).
   */
  lossyUnsaid?: DicomLossy;
  /** The file's overlays, carried or not (dicom/overlay.ts): the sender is told of those the reader will not see. Not carried. */
  overlayFacts?: OverlayFacts[];
  /**
   * A grey image's Supplemental Palette Color LUT that could not be read (supplementalPalette): the stored values it
   * would show in colour, and why. Not carried: the sender is told the reader will see the map in grey.
   */
  unreadPalette?: { first: number; last: number; why: string };
  /** Why a whole-slide image's tiles go as separate images, not as the slide (dicom/slide-tiles.ts): the sender is told. Not carried. */
  slideTiles?: string;
  /** A colour image's ICC Profile that is not carried, and why (dicom/icc-profile.ts): the sender is told. Not carried. */
  unreadIccProfile?: string;
  /**
   * A subtraction run's masks (Mask Subtraction Sequence, 0028,6100: an angiography run's DSA), in words ("AVG_SUB of
   * mask frame 1"), and whether it recommends showing them (Recommended Viewing Mode SUB). Neither the viewer nor DICOM
   * output applies or writes them: the sender is told. Not carried.
   */
  maskSubtraction?: { masks: string; recommended: boolean };
  /**
   * Uncompressed Pixel Data past what the header's rows, columns and frames take (pixel-module.ts unusedPixelBytes),
   * in bytes and in frames of that size: nothing reads it, so it does not go, and the sender is told. Not carried.
   */
  unusedPixelData?: { bytes: number; frameBytes: number };
  /**
   * The labels of the presentation states over the frame whose window is not carried with it: a lookup table (a VOI
   * table, or a window after the state's own Modality LUT) that cannot apply to the image's values (a rescale of another
   * slope, a Modality LUT of its own). The sender is told the reader's viewer opens the image in its own windows.
   */
  stateWindowsLeftOut?: string[];
}

export interface DicomImportOptions {
  maxPixels: number;
  /** null keeps every plain attribute (the file stays identifying, inside the encryption). */
  deidentify: DeidentifyOptions | null;
  /** Shared across the files of one job, so a study keeps consistent replacement UIDs. */
  uids?: UidMapper;
  /**
   * The presentation states of its study that reference it (dicom/presentation-state.ts), carried with each frame they
   * reference: with the full header only (deidentify null), since the profile removes their annotations.
   */
  presentationStates?: PresentationStateFile[];
  /** The key object selections of its study that flag it (dicom/key-objects.ts), likewise with the full header only. */
  keyObjects?: KeyObjectFile[];
  /** Reports of its study to carry in its first frame's record (dicom/documents.ts), with the full header only. */
  documents?: CarriedDocument[];
}

/** The file's palette with 8-bit entries (16-bit table entries keep their high byte). */
function paletteOf(ds: DataSet, info: DicomPixelInfo): Palette {
  return readPaletteTables(ds, info.signed).map(({ first, bits, values }) => ({
    first, table: Array.from(values, (v) => (bits <= 8 ? v & 0xff : v >> 8)),
  }));
}

/**
 * A grey image's Supplemental Palette Color LUT (PS3.3 C.7.6.19; Pixel Presentation COLOR or MIXED): its reader's
 * workstation shows the stored values it covers in colour (a CT perfusion map's rCBF) and the rest in grey. Carried
 * since 0.17 (before, the map went grey without a word); one whose tables cannot be read is named to the sender.
 */
function supplementalPalette(ds: DataSet, info: DicomPixelInfo): { palette: Palette } | { unread: DicomImage['unreadPalette'] } | undefined {
  if (info.samplesPerPixel !== 1 || info.photometric === 'PALETTE COLOR' || !ds.elements.x00281101) return undefined;
  try {
    return { palette: paletteOf(ds, info) };
  } catch (err) {
    const entries = ds.uint16('x00281101', 0) || 65536;
    const first = (info.signed ? ds.int16('x00281101', 1) : ds.uint16('x00281101', 1)) ?? 0;
    return { unread: { first, last: first + entries - 1, why: (err as Error).message.replace(/^is PALETTE COLOR but /, '').replace(/\.$/, '') } };
  }
}

/**
 * The frame's rescale and window: an enhanced file's functional groups win over the top-level attributes. `mapping`:
 * the top-level Real World Value Mapping items, for a frame without its own.
 */
function framePixelMeta(info: DicomPixelInfo, frame: number, offset: number, inverted: boolean, mapping: readonly (DataSet | undefined)[]): DicomFrameMeta['pixel'] {
  const own = info.perFrame?.[frame] ?? {};
  const rescaleSlope = own.rescaleSlope ?? info.rescaleSlope;
  const rescaleIntercept = own.rescaleIntercept ?? info.rescaleIntercept;
  const realWorldUnits = realWorldUnitsOf(own.realWorldItems ?? mapping, { slope: rescaleSlope, intercept: rescaleIntercept });
  return {
    photometric: info.photometric, bitsStored: info.bitsStored, signed: info.signed, offset, inverted,
    rescaleSlope, rescaleIntercept,
    window: own.window ?? info.window, syntax: info.syntax,
    ...(info.modalityLut ? { modalityLut: info.modalityLut } : {}),
    ...(info.voiLut ? { voiLut: info.voiLut } : {}),
    ...(info.otherVoiLuts ? { otherVoiLuts: info.otherVoiLuts } : {}),
    ...(own.position ? { planePosition: own.position } : {}),
    ...(own.orientation ? { planeOrientation: own.orientation } : {}),
    ...(own.pixelSpacing ? { pixelSpacing: own.pixelSpacing } : {}),
    ...(own.sliceThickness ? { sliceThickness: own.sliceThickness } : {}),
    ...(info.usRegions.length ? { usRegions: info.usRegions } : {}),
    ...(realWorldUnits ? { realWorldUnits } : {}),
  };
}

/**
 * The frame's attributes: the file's, with an enhanced frame's Rescale Type where the top level has none (a CT
 * perfusion map's US, which says its values are not HU: the receiver's units and DICOM output follow it), and its
 * Frame Display Shutter (aeimg 0.19; before, not read: the viewer showed what the reader's PACS covers).
 */
function frameDataset(json: DicomJson, info: DicomPixelInfo, frame: number): DicomJson {
  const own = info.perFrame?.[frame];
  const type = own?.rescaleType;
  const typed = type && !json['00281054']?.Value?.length ? { ...json, '00281054': { vr: 'LO', Value: [type] } } : json;
  // Its Frame Display Shutter as the top-level Display Shutter a classic image has (which the profile keeps too): the
  // viewer covers what it says, and DICOM output, a file per frame, writes it for that frame.
  return own?.shutter && !json['00181600'] ? { ...typed, ...own.shutter } : typed;
}

/**
 * A frame whose own data is lossy (dicom/lossy-coding.ts) says so in the dataset it travels with where its file did not
 * (aeimg 0.47): Lossy Image Compression 01, the ratio of its stored samples' bytes to that data, and the method. The
 * receiver is then told that "bit-exact" is to that file (jobs/view.ts), and DICOM written from it says so (write.ts).
 * Before, a JPEG 2000 file of the irreversible wavelet without the flag went to its reader as "bit-exact" and came
 * out as Lossy Image Compression 00, "reconstructed bit-exactly".
 */
function lossyCodingMarked(ds: DicomJson, lossy: LossyCoding | undefined): DicomJson {
  if (!lossy || String(ds['00282110']?.Value?.[0] ?? '').trim() === '01') return ds;
  return {
    ...ds, '00282110': { vr: 'CS', Value: ['01'] }, '00282112': { vr: 'DS', Value: [Number(lossy.ratio.toFixed(2))] },
    '00282114': { vr: 'CS', Value: [lossy.method] },
  };
}

/**
 * The Mask Subtraction Sequence's operations in words (PS3.3 C.7.6.10: each item's Mask Operation, AVG_SUB or TID, with
 * its Mask Frame Numbers) and whether Recommended Viewing Mode (0028,1090) is SUB; undefined without items.
 */
function maskSubtractionOf(ds: DataSet): DicomImage['maskSubtraction'] {
  const items = ds.elements.x00286100?.items ?? [];
  if (!items.length) return undefined;
  const masks = items.slice(0, 4).map(({ dataSet: item }) => {
    const op = stringValue(item!, 'x00286101') || 'a subtraction';
    const el = item!.elements.x00286110;
    const frames = el ? Array.from({ length: Math.min(8, el.length / 2) }, (_, i) => item!.uint16('x00286110', i)) : [];
    return frames.length ? `${op} of mask frame${frames.length > 1 ? 's' : ''} ${frames.join(', ')}` : op;
  }).join('; ');
  return { masks, recommended: stringValue(ds, 'x00281090').toUpperCase() === 'SUB' };
}

/** Modalities whose images often carry the patient's name in their pixels: ultrasound, screen captures, photographs. */
const BURN_IN_MODALITIES = new Set(['US', 'IVUS', 'SC', 'OT', 'XC', 'ES', 'GM', 'SM']);
const SECONDARY_CAPTURE_CLASSES = '1.2.840.10008.5.1.4.1.1.7';

function mayBurnIn(modality: string | undefined, sopClassUid: string): boolean {
  return BURN_IN_MODALITIES.has((modality ?? '').trim().toUpperCase()) || sopClassUid.startsWith(SECONDARY_CAPTURE_CLASSES);
}

/** Reads every frame of a DICOM file as images with their (optionally de-identified) metadata. */
export async function readDicomFile(path: string, opts: DicomImportOptions): Promise<DicomImage[]> {
  try {
    const parsed = await parseDicomFile(new Uint8Array(await readRegularFile(path)), opts.maxPixels);
    const { dataset, info } = parsed;
    const plain = datasetToJson(dataset);
    const uids = opts.uids ?? new UidMapper();
    const json = opts.deidentify ? deidentify(plain, opts.deidentify, uids) : plain;
    // The file's own name too (dicom/file-name.ts): it names the record, and so the receiver's files.
    const maskedName = opts.deidentify
      ? maskedFileName(basename(path), identifyingParts(plain, opts.deidentify.retainUids ? undefined : uids))
      : undefined;
    const sopClassUid = (dataset.string('x00080016') ?? '').trim();
    const suvBw = suvBwFactor(dataset);
    const sul = sulFactor(dataset, suvBw);
    const overlays = readOverlays(dataset, info);
    const supplemental = supplementalPalette(dataset, info);
    const colourPalette = supplemental && 'palette' in supplemental ? supplemental.palette : undefined;
    const icc = iccProfileOf(dataset, info.photometric === 'PALETTE COLOR' || info.samplesPerPixel === 3 ? 3 : 1);
    const masks = maskSubtractionOf(dataset);
    const unused = unusedPixelBytes(dataset, info);
    const mapping = dataset.elements.x00409096?.items?.map((i) => i.dataSet) ?? [];
    const images: DicomImage[] = [];
    const layout: FrameLayout = {
      syntax: info.syntax, photometric: info.photometric, samplesPerPixel: info.samplesPerPixel, bitsAllocated: info.bitsAllocated,
      bitsStored: info.bitsStored, signed: info.signed, planarConfiguration: info.planarConfiguration,
      ...(info.photometric === 'PALETTE COLOR' ? { palette: paletteOf(dataset, info) } : {}),
    };
    const sop = stringValue(dataset, 'x00080018');
    for (let f = 0; f < info.frames; f++) {
      const { samples, data, otherwiseBefore015, lossy } = await readStoredFrame(parsed, f);
      const { image, offset, inverted } = storedToImage(layout, info.columns, info.rows, samples);
      const pixel = {
        ...framePixelMeta(info, f, offset, inverted, mapping), ...(colourPalette ? { colourPalette } : {}),
        ...(icc && 'profile' in icc ? { iccProfile: icc.profile } : {}),
      };
      // De-identified, only key object selections and states cleaned by the Clean Graphics option (cleanedKeyObject,
      // cleanedState) go, and the image's overlays do not.
      const fullHeader = opts.deidentify === null;
      const goes = (o: { cleaned?: true }) => fullHeader || (opts.deidentify?.cleanGraphics === true && o.cleaned === true);
      const keys = (opts.keyObjects ?? []).filter(goes).flatMap((k) => keyObjectFor(k, sop, f + 1) ?? []).slice(0, KEY_OBJECTS_PER_FRAME);
      const given = (opts.presentationStates ?? []).filter(goes)
        .map((s) => ({ s, carried: presentationStateFor(s, sop, f + 1, info.columns, info.rows, { slope: pixel.rescaleSlope, intercept: pixel.rescaleIntercept }, {
          photometric: info.photometric, overlays: fullHeader ? overlays.perFrame[f]!.map((p) => p.group) : [], signed: info.signed, ownModalityLut: !!pixel.modalityLut,
        }) }));
      const states = given.flatMap((g) => g.carried ?? []).slice(0, PRESENTATION_STATE_LIMITS.states);
      const windowsLeftOut = given.filter(({ s, carried }) => !carried?.window && applies(s.images, sop, f + 1) && s.windows.some((w) => applies(w.refs, sop, f + 1)))
        .map(({ s }) => s.label);
      const own = frameDataset(json, info, f);
      const carried = lossyCodingMarked(own, lossy);
      // The sender knows why: a point transform is said as one (the receiver reads "JPEG", which a DCT history says too).
      const source = dicomLossySource(carried, info.syntax);
      const unsaid: DicomImage['lossyUnsaid'] = carried !== own && source
        ? { words: LOSSLESS_JPEG_SYNTAXES.has(info.syntax) ? 'lossless JPEG with a point transform, its low bits dropped' : source.words, certain: true }
        : source && !source.certain ? source : undefined;
      images.push({
        ...(data ? { frame: { layout, data, ...(otherwiseBefore015 ? { otherwiseBefore015 } : {}) } } : {}),
        ...(unsaid ? { lossyUnsaid: unsaid } : {}),
        ...(maskedName ? { maskedName } : {}),
        ...(!info.burnedInStated && mayBurnIn(dataset.string('x00080060'), sopClassUid) ? { burnedInUnstated: true as const } : {}),
        ...(overlays.facts.length ? { overlayFacts: overlays.facts } : {}),
        ...(supplemental && 'unread' in supplemental ? { unreadPalette: supplemental.unread } : {}),
        ...(icc && 'unread' in icc ? { unreadIccProfile: icc.unread } : {}),
        ...(masks ? { maskSubtraction: masks } : {}),
        ...(unused ? { unusedPixelData: { bytes: unused, frameBytes: nativePixelBytes({ ...info, frames: 1 }) } } : {}),
        ...(windowsLeftOut.length ? { stateWindowsLeftOut: windowsLeftOut } : {}),
        image,
        dicom: {
          dataset: carried, frame: f, frames: info.frames, sopClassUid,
          pixel,
          deidentified: opts.deidentify !== null,
          burnedInAnnotation: info.burnedInAnnotation, burnedInStated: info.burnedInStated,
          ...(suvBw ? { suvBw } : {}),
          ...(sul ? { sul } : {}),
          // The profile removes Overlay Data (it may name the patient): only the full header carries them.
          ...(opts.deidentify === null && overlays.perFrame[f]!.length ? { overlays: overlays.perFrame[f] } : {}),
          ...(states.length ? { presentationStates: states } : {}),
          ...(keys.length ? { keyObjects: keys } : {}),
          // A report's text names the patient: only the full header carries it (dicom/study-objects.ts sets it aside otherwise).
          ...(fullHeader && f === 0 && opts.documents?.length ? { documents: opts.documents } : {}),
        },
      });
    }
    const slide = slideMatrix(dataset, sopClassUid, info.frames, info.columns, info.rows, opts.maxPixels);
    if (slide && 'matrix' in slide) {
      // The slide's level as one image: the first tile's facts (its frame's data cannot go as it is), one frame.
      const { frame: _tile, ...first } = images[0]!;
      return [{ ...first, image: assembleTiles(images.map((i) => i.image), slide.matrix), dicom: { ...first.dicom, frames: 1 } }];
    }
    if (slide) for (const i of images) i.slideTiles = slide.why;
    return images;
  } catch (err) {
    throw inFile(basename(path), err);
  }
}

/** `n` finite numbers, else undefined. */
const finiteNumbers = (v: unknown, n: number): number[] | undefined =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? v as number[] : undefined;

/** A record's optional pixel fields, each kept only if well-formed. */
function wellFormedPixel(p: DicomFrameMeta['pixel']): DicomFrameMeta['pixel'] {
  const { modalityLut, voiLut, otherVoiLuts, pixelSpacing, sliceThickness, planePosition, planeOrientation, window, usRegions, realWorldUnits, colourPalette, iccProfile, ...rest } = p;
  const others = Array.isArray(otherVoiLuts) ? otherVoiLuts.slice(0, MAX_LUT_ITEMS - 1).filter(isStoredLut) : [];
  const spacing = finiteNumbers(pixelSpacing, 2);
  const regions = validUsRegions(usRegions);
  const fn = voiFunctionOf(window?.fn);
  return {
    ...rest,
    ...(isStoredLut(modalityLut) ? { modalityLut } : {}),
    ...(isStoredLut(voiLut) ? { voiLut, ...(others.length ? { otherVoiLuts: others } : {}) } : {}),
    ...(spacing && spacing[0]! > 0 && spacing[1]! > 0 ? { pixelSpacing: spacing as [number, number] } : {}),
    ...(finiteNumbers(planePosition, 3) ? { planePosition } : {}),
    ...(finiteNumbers(planeOrientation, 6) ? { planeOrientation } : {}),
    ...(typeof sliceThickness === 'number' && sliceThickness > 0 && Number.isFinite(sliceThickness) ? { sliceThickness } : {}),
    ...(window && Number.isFinite(window.center) && Number.isFinite(window.width) && window.width > 0
      ? { window: { center: window.center, width: window.width, ...(fn ? { fn } : {}) } } : {}),
    ...(regions.length ? { usRegions: regions } : {}),
    ...(validRealWorldUnits(realWorldUnits) ? { realWorldUnits } : {}),
    ...(validPalette(colourPalette) ? { colourPalette } : {}),
    ...(validIccProfile(iccProfile) ? { iccProfile } : {}),
  };
}

/** The DICOM metadata of a decrypted record, if it has well-formed metadata (the record came from a sender). */
export function dicomMetaOf(record: { metadata?: Record<string, unknown> }): DicomFrameMeta | undefined {
  const d = record.metadata?.dicom as Partial<DicomFrameMeta> | undefined;
  return d && typeof d === 'object' ? checkMeta(d) : undefined;
}

/**
 * The metadata if it has what a receiver needs; from a crafted record, attributes that are not attributes and malformed
 * optional fields (tables a viewer looks values up in, spacing, position, window, ultrasound regions) are left out
 * rather than read, so that what uses them can trust them.
 */
function checkMeta(d: Partial<DicomFrameMeta>): DicomFrameMeta | undefined {
  if (typeof d.dataset !== 'object' || d.dataset === null || !d.pixel || typeof d.pixel !== 'object') return undefined;
  const p = d.pixel;
  const ok = typeof d.frame === 'number' && typeof d.frames === 'number' && typeof d.sopClassUid === 'string' &&
    typeof p.offset === 'number' && typeof p.bitsStored === 'number' && p.bitsStored >= 1 && p.bitsStored <= 16 &&
    typeof p.inverted === 'boolean' && typeof p.signed === 'boolean' && Number.isFinite(p.rescaleSlope) && Number.isFinite(p.rescaleIntercept);
  if (!ok) return undefined;
  const { suvBw, sul, overlays, presentationStates, keyObjects, documents, ...rest } = d;
  const factor = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  const suv = factor(suvBw) ? { suvBw, ...(factor(sul) ? { sul } : {}) } : {};
  const planes = validOverlays(overlays);
  const states = validPresentationStates(presentationStates);
  const keys = validKeyObjects(keyObjects);
  const docs = validDocuments(documents);
  return {
    ...rest, ...suv, ...(planes.length ? { overlays: planes } : {}), ...(states.length ? { presentationStates: states } : {}),
    ...(keys.length ? { keyObjects: keys } : {}), ...(docs.length ? { documents: docs } : {}),
    dataset: wellFormed(d.dataset), pixel: wellFormedPixel(p),
  } as DicomFrameMeta;
}
