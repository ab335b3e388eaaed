/**
 * An `encode` step for encryptImageFile that gives a PNG slice the display model a DICOM file would carry (its rescale
 * to HU or other units, and its windows): slices16's manifest knows them, the PNG does not. So a 16-bit CT PNG is
 * companded in HU (codec/transfer.ts) and measured in the CT presets, as the same slice sent as DICOM would be.
 * Used by `npm run bench` and `npm run fidelity`.
 */
import { basename } from 'node:path';
import { encodeImage } from '../../src-main/engine/codec/image-codec.js';
import { readImageFile } from '../../src-main/engine/image/io.js';
import type { EncodedFile, EncodeTask } from '../../src-main/engine/jobs/encrypt.js';
import type { Autoencoder } from '../../src-main/engine/model/autoencoder.js';
import { resolveCoding } from '../../src-shared/quality.js';
import type { DisplayModel } from '../../src-shared/windows.js';

export function encodeWithDisplay(model: Autoencoder, display: DisplayModel) {
  return async (task: EncodeTask): Promise<EncodedFile> => {
    const image = await readImageFile(task.input);
    const coding = resolveCoding(task.coding, { bitDepth: image.bitDepth, dicom: false });
    const e = await encodeImage(model, image, basename(task.input), { bits: coding.bits, maxError: coding.maxError, measure: task.measure, display });
    return { images: [{ record: e.record, blobs: e.blobs, coding }], rawBytes: image.pixels.byteLength, timings: e.timings, warnings: [] };
  };
}
