/**
 * The patient directions at the image's edges, as a PACS labels them: the viewer says which side is the patient's
 * left, from Image Orientation (Patient) or a projection image's Patient Orientation.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directionLetters, edgeLabels } from '../../../src-shared/orientation.js';
import type { ImageRecord } from '../../../src-main/engine/codec/record.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { FIXTURES } from '../../helpers.js';

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
});
