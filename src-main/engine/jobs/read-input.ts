/**
 * What the encoder reads of one input file (encrypt.ts encodes it): an image file's pages, or a DICOM file's frames with
 * their metadata, and what the sender must be told of them.
 */
import { basename } from 'node:path';
import { jpegFileFrame, type FrameData } from '../codec/kept-frame.js';
import type { OverlayFacts } from '../dicom/overlay.js';
import { readDicomFile, type DicomImage } from '../dicom/import.js';
import { isDicomdirName, isDicomFile } from '../dicom/header.js';
import { DICOMDIR_MESSAGE } from '../dicom/pixel-module.js';
import { UidMapper } from '../dicom/deidentify.js';
import { isPdfFile } from '../dicom/documents.js';
import { AeimgError, ErrorCode } from '../errors.js';
import type { Image } from '../image/image.js';
import { asSent, readImageData, type ImageFile } from '../image/io.js';
import { imagejCalibration, imagejValues, type ImagejCalibration } from '../image/imagej.js';
import { isModality } from '../codec/record.js';
import { animationOf, pageDelays } from '../image/animation.js';
import { lossySourceOf, type ConvertedSource } from '../image/source.js';
import type { EncodeTask } from './encrypt.js';

export interface InputImage {
  image: Image;
  name: string;
  metadata?: Record<string, unknown>;
  /** A DICOM frame's compressed data as the file holds it (dicom/import.ts DicomImage.frame), or a JPEG file's. */
  frame?: FrameData;
  /** `name` is the file's name without what identified the patient (dicom/file-name.ts). */
  masked?: true;
  /** DicomImage.lossyUnsaid: the frame's coding is lossy and its file did not say so. */
  lossyUnsaid?: DicomImage['lossyUnsaid'];
  /** DicomImage.burnedInUnstated: nobody said whether the pixels name the patient, and this kind of image often does. */
  burnedInUnstated?: true;
  /**
   * An image file's values went converted to be shown as viewers show them (image/io.ts asSent): a CMYK file's colours
   * to RGB, or what its colour profile or declared gamma moved by more than a level (`shift`, from the file's own).
   * What its metadata's `converted` tells the reader, and the sender is warned of (sender-warnings.ts).
   */
  converted?: ConvertedSource;
  /**
   * A grey image file of 1 bit a sample (a mask, read as 0 and 255): its samples are labels, as a 1-bit DICOM
   * segmentation's (DisplayModel.labels), so that any pixel changed is reduced quality (0.46).
   */
  bilevel?: true;
  /**
   * A grey image file of 2 or 4 bits a sample, which is read as viewers show it, at 8 bits (each value × 85 or × 17):
   * what goes and what its figures compare with, told to the sender (0.47).
   */
  fewBits?: 2 | 4;
  /**
   * ImageFile.wholeValues: the file's samples were of this type, whole numbers that go as 16-bit samples, with their
   * range (in the file's values) and whether some went up by an offset (values below 0).
   */
  wholeValues?: { type: string; range: [number, number]; offset: boolean };
  /** This image's samples are its values + this (ImageFile.valueOffsets): the record says so (`valueOffset`). */
  valueOffset?: number;
  /**
   * ImageFile.inverted: its grey is WhiteIsZero (shown inverted, as MONOCHROME1), its samples its values inverted (after
   * `valueOffset`): the record's metadata says so (`monochrome1`).
   */
  inverted?: true;
  /** DicomImage.overlayFacts: the file's overlays, which the reader may not see (overlayWarnings). */
  overlayFacts?: OverlayFacts[];
  /** DicomImage.unreadPalette: a supplemental palette that could not be read, which the reader will not see. */
  unreadPalette?: DicomImage['unreadPalette'];
  /** DicomImage.slideTiles: why a whole-slide image's tiles go as separate images. */
  slideTiles?: string;
  /** DicomImage.unreadIccProfile: why a colour image's ICC profile is not carried. */
  unreadIccProfile?: string;
  /** DicomImage.maskSubtraction: a DSA run's masks, which the reader's viewer does not apply. */
  maskSubtraction?: DicomImage['maskSubtraction'];
  /** DicomImage.unusedPixelData: Pixel Data past the frames its header gives, which does not go. */
  unusedPixelData?: DicomImage['unusedPixelData'];
  /** DicomImage.stateWindowsLeftOut: presentation states whose window does not go with this image. */
  stateWindowsLeftOut?: string[];
  /**
   * An ImageJ TIFF's calibration and its DICOM file's modality (image/imagej.ts): what it says its values are. Its
   * samples less `valueOffset` are the values ImageJ calibrated (a signed image's went up by 32,768 in ImageJ).
   */
  imagej?: ImagejCalibration;
  /**
   * A JPEG file stored turned or mirrored (its EXIF orientation, 2..8), read upright as viewers show it: its own JPEG data
   * holds it as stored and cannot go as it is (the receiver's file has no orientation tag), so aeimg codes it (0.49).
   */
  turned?: number;
  /**
   * The page of its file this image is (from 1), where the file sends more than one (a TIFF stack, an animation): what
   * a refusal of one page names (declared-ct.ts checkCtImage; 0.54), as `name` ends in `#page`.
   */
  page?: number;
  /** ImageFile.leftOut (the first image's only): a TIFF's pages left out, copies or masks of another (sender-warnings.ts). */
  leftOut?: NonNullable<ImageFile['leftOut']>['pages'];
}

/**
 * The images of a file as the encoder reads them: an image file's pages, a DICOM file's frames with their metadata.
 * The study's reports that travel with it go in its first image's record: a DICOM report in its DICOM metadata (full
 * header only), a plain PDF in the record's own `metadata.documents` (aeimg 0.23: any image's, a PNG's too).
 */
export async function readInput(task: Pick<EncodeTask, 'input' | 'maxPixels' | 'deidentify' | 'uidSalt' | 'presentationStates' | 'keyObjects' | 'documents'>): Promise<InputImage[]> {
  if (isDicomdirName(task.input)) throw new AeimgError(ErrorCode.BadInput, DICOMDIR_MESSAGE); // its images not found by findInputs
  const plain = (task.documents ?? []).filter((d) => d.plain).map(({ kind, title, file }) => ({ kind, title, file }));
  const dicomDocuments = (task.documents ?? []).filter((d) => !d.plain);
  const withPlain = (metadata: Record<string, unknown> | undefined, first: boolean) =>
    (first && plain.length ? { metadata: { ...metadata, documents: plain } } : metadata ? { metadata } : {});
  if (!(await isDicomFile(task.input))) {
    if (await isPdfFile(task.input)) {
      throw new AeimgError(ErrorCode.BadInput, `${basename(task.input)} is a PDF document, not an image: a PDF report goes with the images of a ` +
        'study. Send them as one study (aeimg encrypt --bundle NAME; in the app, "Encrypt as one study").');
    }
    // Read once: its bytes are what a JPEG keeps, what says it was lossy, and what its profile moved.
    const file = await readImageData(task.input, task.maxPixels);
    // Its values as viewers show them where its colour profile or gamma moves them by more than a level, else its own.
    const { pages, shift } = await asSent(file);
    // A JPEG file's data, or a JPEG 2000 or JPEG-LS file's codestream, may be carried as it is (codec/kept-frame.ts);
    // not a JPEG stored turned (an EXIF orientation), which goes upright, as viewers show it, and its sender is told why.
    const own = pages.length === 1 ? file.codestream?.frame ?? jpegFileFrame(file.data, pages[0]!) : undefined;
    const turned = own?.label === 'JPEG' && (file.metas[0]?.orientation ?? 1) > 1 ? file.metas[0]!.orientation : undefined;
    const frame = turned ? undefined : own;
    // A lossy JPEG, JPEG 2000, JPEG-LS or WebP export had lost information before aeimg saw it: the receiver is told (image/source.ts).
    const source = lossySourceOf(file.data, pages, file.codestream);
    // Values converted to be shown as viewers show them: the reader is told what the figures are of, as the sender is (0.48).
    const converted: ConvertedSource | undefined = file.cmyk ? { from: 'CMYK' }
      : shift ? { from: file.declaredColour?.said ?? 'a colour profile', shift } : undefined;
    // An animation's timing, so that the reader's viewer plays it as its file says (image/animation.ts; 0.24).
    const delays = pageDelays(file);
    const offsets = file.valueOffsets ?? pages.map(() => 0);
    const wholeValues = file.wholeValues && { ...file.wholeValues, offset: file.valueOffsets !== undefined };
    // An ImageJ TIFF says its values (a signed image's went up by 32,768 in ImageJ, which they go back down by, as a
    // signed TIFF's do) and their calibration; not one whose samples are signed already (ImageJ writes none).
    const imagej = !file.valueOffsets && file.metas[0]?.format === 'tiff' ? imagejCalibration(file.data) : undefined;
    const imagejOffset = (imagej && imagejValues(imagej)?.offset) || 0;
    const offsetOf = (page: Image, i: number) => offsets[i] || (page.bitDepth === 16 && page.channels === 1 ? imagejOffset : 0);
    return pages.map((image, i) => {
      const page = pages.length > 1 ? (file.leftOut?.filePages[i] ?? i) + 1 : undefined;
      // An ImageJ TIFF's spatial calibration (its DICOM file's Pixel Spacing, as ImageJ keeps it): its reader measures in mm.
      const spacing = imagej?.pixelSpacing;
      // Its DICOM file's modality other than CT (a CT's goes with its HU, codec/record.ts fileModalityOf), for DICOM output.
      const modality = imagej?.modality;
      const metadata = {
        ...(source ? { source } : {}), ...(converted ? { converted } : {}), ...(delays ? { animation: animationOf(delays, i) } : {}),
        ...(spacing ? { pixelSpacing: [spacing.row, spacing.column] } : {}), ...(isModality(modality) && modality !== 'CT' ? { modality } : {}),
      };
      return {
        image, name: page ? `${basename(task.input)}#${page}` : basename(task.input), ...(page ? { page } : {}), ...(frame ? { frame } : {}),
        ...withPlain(Object.keys(metadata).length ? metadata : undefined, i === 0), ...(converted ? { converted } : {}),
        ...(wholeValues ? { wholeValues } : {}), ...(offsetOf(image, i) ? { valueOffset: offsetOf(image, i) } : {}), ...(turned ? { turned } : {}),
        ...(file.inverted?.[i] ? { inverted: true as const } : {}),
        ...(file.metas[i]?.bitsPerSample === 1 && image.channels === 1 ? { bilevel: true as const } : {}),
        ...(image.channels === 1 && (file.metas[i]?.bitsPerSample === 2 || file.metas[i]?.bitsPerSample === 4) ? { fewBits: file.metas[i]!.bitsPerSample as 2 | 4 } : {}),
        ...(imagej ? { imagej } : {}), ...(i === 0 && file.leftOut ? { leftOut: file.leftOut.pages } : {}),
      };
    });
  }
  const frames: DicomImage[] = await readDicomFile(task.input, {
    maxPixels: task.maxPixels, deidentify: task.deidentify === undefined ? {} : task.deidentify,
    uids: task.uidSalt ? new UidMapper(Buffer.from(task.uidSalt, 'hex')) : undefined,
    ...(task.presentationStates?.length ? { presentationStates: task.presentationStates } : {}),
    ...(task.keyObjects?.length ? { keyObjects: task.keyObjects } : {}),
    ...(dicomDocuments.length ? { documents: dicomDocuments } : {}),
  });
  return frames.map((f, i) => ({
    image: f.image,
    name: frames.length > 1 ? `${f.maskedName ?? basename(task.input)}#${f.dicom.frame + 1}` : f.maskedName ?? basename(task.input),
    ...(f.maskedName ? { masked: true as const } : {}),
    ...(f.burnedInUnstated ? { burnedInUnstated: true as const } : {}),
    ...(f.lossyUnsaid ? { lossyUnsaid: f.lossyUnsaid } : {}),
    ...(f.overlayFacts ? { overlayFacts: f.overlayFacts } : {}),
    ...(f.unreadPalette ? { unreadPalette: f.unreadPalette } : {}),
    ...(f.unreadIccProfile ? { unreadIccProfile: f.unreadIccProfile } : {}),
    ...(f.slideTiles ? { slideTiles: f.slideTiles } : {}),
    ...(f.maskSubtraction ? { maskSubtraction: f.maskSubtraction } : {}),
    ...(f.unusedPixelData ? { unusedPixelData: f.unusedPixelData } : {}),
    ...(f.stateWindowsLeftOut ? { stateWindowsLeftOut: f.stateWindowsLeftOut } : {}),
    ...withPlain({ dicom: f.dicom }, i === 0),
    ...(f.frame ? { frame: f.frame } : {}),
  }));
}
