/**
 * The patient directions at the image's edges, as a PACS labels them: the viewer says which side is the patient's
 * left, from Image Orientation (Patient) or a projection image's Patient Orientation.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directionLetters, edgeLabels } from '../../../src-shared/orientation.js';
import type { ImageRecord } from '../../../src-main/engine/codec/record.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { writeDicom } from '../../../src-main/engine/dicom/write.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { DCIODVFY, dciodvfyReport, dicomDataset, FIXTURES, tempDir } from '../../helpers.js';

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

  it('a Secondary Capture written from one frame says where it lies (its own position and plane) and its orientation as letters', async () => {
    const [frame] = await readDicomFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), { maxPixels: 1e8, deidentify: {} });
    const top = frame!.dicom.dataset;
    // Frame 2 of an enhanced sagittal series: a Secondary Capture, with the position and plane its functional groups gave.
    const meta = { ...frame!.dicom, frames: 3, frame: 1, pixel: { ...frame!.dicom.pixel, planeOrientation: [0, 1, 0, 0, 0, -1], planePosition: [12.5, -100, 80.25] } };
    const bytes = writeDicom([{ image: frame!.image }], meta, { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1 });
    const ds = dicomDataset(bytes);
    expect([ds['00080016']?.Value?.[0], ds['00200020']?.Value]).toEqual(['1.2.840.10008.5.1.4.1.1.7', ['P', 'F']]);
    expect([ds['00200032']?.Value?.map(Number), ds['00200037']?.Value?.map(Number)]).toEqual([[12.5, -100, 80.25], [0, 1, 0, 0, 0, -1]]);
    expect([ds['00180050']?.Value?.map(Number), ds['00200052']?.Value]).toEqual([top['00180050']!.Value!.map(Number), top['00200052']!.Value]); // thickness, frame of reference
    expect(ds['00204000']).toBeUndefined(); // bit-exact: no reduced-quality comment
    // An enhanced file's frame says its Slice Thickness in its Pixel Measures (0.24; before, an enhanced file's frame
    // was written without one): read from there and written so.
    const [enhanced] = await readDicomFile(join(FIXTURES, 'dicom', 'enhanced_mr_3frame_functional_groups.dcm'), { maxPixels: 1e8, deidentify: {} });
    expect([enhanced!.dicom.dataset['00180050'], enhanced!.dicom.pixel.sliceThickness]).toEqual([undefined, 5]);
    const placed = { ...enhanced!.dicom, pixel: { ...enhanced!.dicom.pixel, planeOrientation: [1, 0, 0, 0, 1, 0] } }; // the fixture's frames say no plane
    const thick = dicomDataset(writeDicom([{ image: enhanced!.image }], placed, { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1 }));
    expect([thick['00200032']?.Value?.map(Number), thick['00180050']?.Value?.map(Number)]).toEqual([[-10, -20, 30], [5]]);
    if (DCIODVFY) {
      const path = join(await tempDir(), 'sc.dcm');
      await writeFile(path, bytes);
      const said = dciodvfyReport(path);
      expect(said.filter((l) => l.startsWith('Error'))).toEqual([]);
      expect(said.some((l) => /this is a Standard Extended SOP Class/.test(l))).toBe(true); // a warning PS3.4 allows
    }
    // A plane without a position, or a position without a plane, locates nothing: neither is written.
    for (const pixel of [{ ...meta.pixel, planePosition: undefined }, { ...meta.pixel, planeOrientation: [0, 0, 0, 0, 0, 0] }]) {
      const dataset = { ...top };
      delete dataset['00200032'];
      delete dataset['00200037'];
      const b = writeDicom([{ image: frame!.image }], { ...meta, dataset, pixel }, { exact: true, reduced: false, fidelityText: 'bit-exact', ratio: 1 });
      const d = dicomDataset(b);
      expect([d['00200032'], d['00200037']]).toEqual([undefined, undefined]);
    }
  });
});
