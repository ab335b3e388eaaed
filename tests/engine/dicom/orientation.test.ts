/**
 * The patient directions at the image's edges, as a PACS labels them: the viewer says which side is the patient's
 * left, from Image Orientation (Patient) or a projection image's Patient Orientation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { describe, expect, it } from 'vitest';
import { directionLetters, edgeLabels } from '../../../src-shared/orientation.js';
import type { ImageRecord } from '../../../src-main/engine/codec/record.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { writeDicom } from '../../../src-main/engine/dicom/write.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { FIXTURES, tempDir } from '../../helpers.js';

const c30 = Math.cos(Math.PI / 6), s30 = Math.sin(Math.PI / 6);

describe('edge labels', () => {
  it.each([
    ['axial', [1, 0, 0, 0, 1, 0], { left: 'R', right: 'L', top: 'A', bottom: 'P' }],
    ['sagittal', [0, 1, 0, 0, 0, -1], { left: 'A', right: 'P', top: 'H', bottom: 'F' }],
    ['coronal', [1, 0, 0, 0, 0, -1], { left: 'R', right: 'L', top: 'H', bottom: 'F' }],
    ['axial turned 30° (the row towards the back)', [c30, s30, 0, -s30, c30, 0], { left: 'RA', right: 'LP', top: 'AL', bottom: 'PR' }],
    ['axial turned 10° (a quarter is the least a letter takes)', [Math.cos(0.1745), Math.sin(0.1745), 0, -Math.sin(0.1745), Math.cos(0.1745), 0], { left: 'R', right: 'L', top: 'A', bottom: 'P' }],
  ])('%s', (_, iop, labels) => {
    expect(edgeLabels(iop, undefined)).toEqual(labels);
  });

  it('a projection image\'s Patient Orientation, and what says nothing', () => {
    expect(edgeLabels(undefined, ['A', 'F'])).toEqual({ left: 'P', right: 'A', top: 'H', bottom: 'F' }); // a lateral chest
    expect(edgeLabels(undefined, ['L', 'FP'])).toEqual({ left: 'R', right: 'L', top: 'HA', bottom: 'FP' });
    expect(edgeLabels([1, 0, 0, 0, 1, 0], ['A', 'F'])).toMatchObject({ right: 'L' }); // the orientation wins
    for (const [iop, po] of [[undefined, ['0']], [[1, 0, 0], undefined], [[0, 0, 0, 0, 0, 0], undefined], [['x', 0, 0, 0, 1, 0], ['Q', 'F']]] as const) {
      expect(edgeLabels(iop as unknown[] | undefined, po as unknown[] | undefined)).toBeUndefined();
    }
    expect(directionLetters([0, 0, 2])).toBe('H'); // not of unit length: its direction
  });

  it('the viewer is told them for a CT from its Image Orientation (Patient)', async () => {
    const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), { maxPixels: 1e8, deidentify: {} });
    const record = { kind: 'image', name: 'ct.dcm', width: 128, height: 128, channels: 1, bitDepth: 16, refinement: { maxError: 0 }, metadata: { dicom: frame!.dicom } } as unknown as ImageRecord;
    expect(describeImage(record, frame!.image, 0).dicom?.orientation).toEqual({ left: 'R', right: 'L', top: 'A', bottom: 'P' });
    // An enhanced file's frame: its Plane Orientation (functional groups) wins over the top level.
    const sagittal = { ...record, metadata: { dicom: { ...frame!.dicom, pixel: { ...frame!.dicom.pixel, planeOrientation: [0, 1, 0, 0, 0, -1] } } } } as unknown as ImageRecord;
    expect(describeImage(sagittal, frame!.image, 0).dicom?.orientation).toMatchObject({ right: 'P', bottom: 'F' });
  });

  it('a Secondary Capture written from an image with an orientation says it as Patient Orientation, so a PACS labels it too', async () => {
    const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), { maxPixels: 1e8, deidentify: {} });
    // Frame 2 of an enhanced sagittal series: a Secondary Capture, without the Image Orientation it was read from.
    const meta = { ...frame!.dicom, frames: 3, frame: 1, pixel: { ...frame!.dicom.pixel, planeOrientation: [0, 1, 0, 0, 0, -1] } };
    const bytes = writeDicom([{ image: frame!.image }], meta, { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1 });
    const ds = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer).dict as Record<string, { Value?: unknown[] }>;
    expect([ds['00080016']?.Value?.[0], ds['00200020']?.Value, ds['00200037']]).toEqual(['1.2.840.10008.5.1.4.1.1.7', ['P', 'F'], undefined]);
    const dciodvfy = ['/usr/bin/dciodvfy'].find(existsSync);
    if (dciodvfy) {
      const path = join(await tempDir(), 'sc.dcm');
      await writeFile(path, bytes);
      const run = spawnSync(dciodvfy, [path], { encoding: 'utf8' });
      expect(`${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    }
  });
});
