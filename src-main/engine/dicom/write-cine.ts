/**
 * A cine's frames as one DICOM file: the multi-frame class they go back in (an ultrasound clip keeps its class, others
 * become a multi-frame Secondary Capture) and its Multi-frame, Cine and SC Multi-frame modules; an animated image
 * file's pages timed as a cine's (write.ts writes the rest of the file).
 */
import type { Image } from '../image/image.js';
import { attribute, type DicomJson } from './dataset.js';
import type { DicomFrameMeta } from './import.js';

/** The multi-frame Secondary Capture classes (PS3.3 A.8.3–A.8.5): 8-bit grey, 9–16-bit grey, 8-bit colour. */
const MULTI_FRAME_SC = {
  byte: '1.2.840.10008.5.1.4.1.1.7.2',
  word: '1.2.840.10008.5.1.4.1.1.7.3',
  trueColor: '1.2.840.10008.5.1.4.1.1.7.4',
} as const;
/** Ultrasound Multi-frame keeps its class (its IOD has the cine and the region calibration). */
const ULTRASOUND_MULTI_FRAME = '1.2.840.10008.5.1.4.1.1.3.1';
/** Frame Time (0018,1063) and Frame Time Vector (0018,1065), as Frame Increment Pointer values. */
const FRAME_TIME = 0x00181063;
const FRAME_TIME_VECTOR = 0x00181065;

/** How a source's frames are timed, if it is a cine: one Frame Time, or a Frame Time Vector of one value per frame. */
function cineTiming(meta: DicomFrameMeta): number | undefined {
  const time = meta.dataset['00181063']?.Value ?? [];
  if (time.length === 1 && Number(time[0]) > 0) return FRAME_TIME;
  return (meta.dataset['00181065']?.Value ?? []).length === meta.frames ? FRAME_TIME_VECTOR : undefined;
}

/**
 * The SOP class a multi-frame source's frames go back in as one file, or undefined where they go as a file each: a
 * cine (its frames timed) described alike frame by frame, in a class that can hold its pixels as the file had them.
 * Ultrasound Multi-frame keeps its class; the rest becomes a multi-frame Secondary Capture, which has no Modality
 * LUT Sequence, MONOCHROME1, signed values, (8-bit grey) rescale or 16-bit colour: those, and timeless multi-frame
 * files (NM, segmentations, an enhanced file's slices), stay a file per frame. A PACS plays a multi-frame cine; as files it
 * shows stills.
 */
export function multiFrameClass(meta: DicomFrameMeta, image: Pick<Image, 'channels' | 'bitDepth'>): string | undefined {
  if (meta.frames < 2 || cineTiming(meta) === undefined) return undefined;
  if (meta.sopClassUid === ULTRASOUND_MULTI_FRAME) return ULTRASOUND_MULTI_FRAME;
  const px = meta.pixel;
  if (px.inverted || px.modalityLut) return undefined;
  if (image.channels >= 3) return image.bitDepth === 8 ? MULTI_FRAME_SC.trueColor : undefined;
  if (px.signed) return undefined; // both grey classes store unsigned values
  if (image.bitDepth === 16) return px.bitsStored > 8 ? MULTI_FRAME_SC.word : undefined;
  return px.rescaleSlope === 1 && px.rescaleIntercept === 0 && px.bitsStored === 8 ? MULTI_FRAME_SC.byte : undefined;
}

/** The multi-frame Secondary Capture class of an animated image file's pages (8-bit, as GIF and WebP are), if any. */
export function clipClass(image: Pick<Image, 'channels' | 'bitDepth'>): string | undefined {
  if (image.bitDepth !== 8) return undefined;
  return image.channels >= 3 ? MULTI_FRAME_SC.trueColor : MULTI_FRAME_SC.byte;
}

/**
 * An animated image file's timing as a cine's (aeimg 0.25; before, its pages went as separate images a PACS listed as
 * unrelated instances): one Frame Time where its pages are shown alike, else a Frame Time Vector of the time from
 * each frame to the next (the first 0, PS3.3 C.7.6.5.1.2), which has no place for the last page's own time.
 */
export function writeClipTiming(ds: DicomJson, delays: readonly number[] | undefined, frames: number): void {
  if (delays?.length !== frames) throw new Error('an animation is written with one delay per frame');
  ds['00280008'] = attribute('IS', frames);
  const even = delays.every((d) => d === delays[0]);
  if (even) ds['00181063'] = attribute('DS', delays[0]!);
  else ds['00181065'] = attribute('DS', 0, ...delays.slice(0, -1));
  ds['00280009'] = { vr: 'AT', Value: [even ? FRAME_TIME : FRAME_TIME_VECTOR] };
}

/**
 * The Multi-frame and Cine modules: Number of Frames, Frame Increment Pointer to the source's timing (a Frame Time
 * Vector cut to the frames written, from the source's index of the first).
 */
export function writeMultiFrame(ds: DicomJson, meta: DicomFrameMeta, frames: number): void {
  const timing = cineTiming(meta)!;
  ds['00280008'] = attribute('IS', frames);
  ds['00280009'] = { vr: 'AT', Value: [timing] };
  if (timing === FRAME_TIME_VECTOR) {
    const vector = (ds['00181065']!.Value ?? []).slice(meta.frame, meta.frame + frames);
    ds['00181065'] = attribute('DS', 0, ...(vector.slice(1) as number[]));
  }
}

/**
 * What the SC Multi-frame Image module requires of grey frames (PS3.3 C.8.6.3): a rescale (identity and Rescale Type
 * US where the file had none) and Presentation LUT Shape IDENTITY (MONOCHROME2).
 */
export function writeScMultiFrameGrey(ds: DicomJson): void {
  if (!ds['00281053']) {
    ds['00281052'] = attribute('DS', 0);
    ds['00281053'] = attribute('DS', 1);
  }
  if (!ds['00281054']?.Value?.length) ds['00281054'] = attribute('LO', 'US');
  ds['20500020'] = attribute('CS', 'IDENTITY');
}
