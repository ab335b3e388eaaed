import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CT_PRESETS, sampleToReal } from '../../../src-shared/windows.js';
import type { ImageRecord } from '../../../src-main/engine/codec/record.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { UidMapper } from '../../../src-main/engine/dicom/deidentify.js';
import { describeAttributes, describeImage } from '../../../src-main/engine/jobs/view.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { defaultModel, FIXTURES, models, MR_SLICE, tempDir } from '../../helpers.js';

const DICOM = join(FIXTURES, 'dicom');

/** A decrypted record as the viewer gets it: the image's facts and the DICOM metadata that travelled with it. */
async function opened(file: string, deidentify = true) {
  const [frame] = await readDicomFile(join(DICOM, file), { maxPixels: 1 << 24, deidentify: deidentify ? {} : null, uids: new UidMapper() });
  const { image, dicom } = frame!;
  const record = {
    kind: 'image', name: file, width: image.width, height: image.height, channels: image.channels, bitDepth: image.bitDepth,
    metadata: { dicom }, refinement: { maxError: 0 },
  } as unknown as ImageRecord;
  return { record, image };
}

describe('what the viewer is told about an image', () => {
  it('a CT: value mapping to HU, pixel spacing, the CT presets as choices', async () => {
    const { record, image } = await opened('ct_small_explicit_le.dcm');
    const info = describeImage(record, image, 0);
    expect(info.units).toBe('HU');
    expect(info.mapping).toMatchObject({ offset: 32768, signed: true, slope: 1, intercept: -1024, inverted: false });
    expect(info.dicom?.pixelSpacing).toEqual({ row: 0.661468, column: 0.661468, source: 'PixelSpacing' });
    expect(info.dicom?.photometric).toBe('MONOCHROME2');
    expect(info.windows?.filter((w) => w.source === 'preset')).toEqual([...CT_PRESETS]);
    expect(info.windows?.some((w) => w.source === 'percentile')).toBe(false);
    // Without a window of its own it opens in a preset its sender measured (0.50; before, over its range, −896..1167
    // HU): soft tissue, or brain for a head (its Body Part Examined).
    const inHu = (w: { center: number; width: number }) => [sampleToReal(w.center, info.mapping), w.width];
    expect(info.window.name).toBe('soft tissue');
    expect(inHu(info.window)).toEqual([40, 400]);
    const dataset = (record.metadata as { dicom: { dataset: Record<string, unknown> } }).dicom.dataset;
    const head = { ...record, metadata: { dicom: { ...(record.metadata as { dicom: object }).dicom, dataset: { ...dataset, '00180015': { vr: 'CS', Value: ['HEAD'] } } } } } as ImageRecord;
    const headInfo = describeImage(head, image, 0);
    expect([headInfo.window.name, ...inHu(headInfo.window)]).toEqual(['brain', 40, 80]);
  });

  it('a non-square pixel: the viewer is told its height over its width, from the spacing or the Pixel Aspect Ratio', async () => {
    const { record, image } = await opened('ct_small_explicit_le.dcm');
    const dicom = (record.metadata as { dicom: { dataset: Record<string, unknown> } }).dicom;
    const withAttributes = (attrs: Record<string, unknown>) => ({ ...record, metadata: { dicom: { ...dicom, dataset: { ...dicom.dataset, ...attrs } } } }) as ImageRecord;
    expect(describeImage(record, image, 0).dicom?.pixelAspect).toBeUndefined(); // 0.661468 both ways: square
    const tall = describeImage(withAttributes({ '00280030': { vr: 'DS', Value: [1, 0.5] } }), image, 0).dicom;
    expect([tall?.pixelAspect, tall?.pixelSpacing?.row, tall?.pixelSpacing?.column]).toEqual([2, 1, 0.5]); // rows 1 mm apart, columns 0.5
    const noSpacing = { ...dicom.dataset };
    delete noSpacing['00280030'];
    const ratio = { ...record, metadata: { dicom: { ...dicom, dataset: { ...noSpacing, '00280034': { vr: 'IS', Value: [4, 3] } } } } } as ImageRecord;
    expect(describeImage(ratio, image, 0).dicom?.pixelAspect).toBeCloseTo(4 / 3, 6);
    expect(describeImage(withAttributes({ '00280030': { vr: 'DS', Value: [1, 0] } }), image, 0).dicom?.pixelAspect).toBeUndefined(); // not a spacing
  });

  it('a projection image: its side and view, as a PACS\'s corner text says them, kept through de-identification', async () => {
    const { record, image } = await opened('cr_16x16_monochrome1.dcm'); // View Position LL, no laterality
    expect(describeImage(record, image, 0).dicom?.sideAndView).toBe('LL');
    const dicom = (record.metadata as { dicom: { dataset: Record<string, unknown> } }).dicom;
    const withAttributes = (attrs: Record<string, unknown>) => ({ ...record, metadata: { dicom: { ...dicom, dataset: { ...dicom.dataset, ...attrs } } } }) as ImageRecord;
    const mammogram = { '00200062': { vr: 'CS', Value: ['R'] }, '00185101': { vr: 'CS', Value: ['MLO'] } };
    expect(describeImage(withAttributes(mammogram), image, 0).dicom?.sideAndView).toBe('R MLO');
    // The series' Laterality where the image says none; "U" (unpaired) and a view that is not a term say nothing.
    const series = { '00200060': { vr: 'CS', Value: ['L'] }, '00185101': { vr: 'CS', Value: [''] } };
    expect(describeImage(withAttributes(series), image, 0).dicom?.sideAndView).toBe('L');
    const neither = { '00200062': { vr: 'CS', Value: ['U'] }, '00185101': { vr: 'CS', Value: ['not a view'] } };
    expect(describeImage(withAttributes(neither), image, 0).dicom?.sideAndView).toBeUndefined();
    const { record: ct, image: ctImage } = await opened('ct_small_explicit_le.dcm');
    expect(describeImage(ct, ctImage, 0).dicom?.sideAndView).toBeUndefined();
  });

  it('an MR: the 1st–99th percentile and the file\'s own window, in stored units', async () => {
    const { record, image } = await opened('mr_small_explicit_le.dcm');
    const info = describeImage(record, image, 0);
    expect(info.units).toBe('');
    expect(info.windows?.map((w) => w.source)).toEqual(['percentile', 'file']);
    expect(info.windows?.[1]).toMatchObject({ center: 600, width: 1600 });
  });

  it('a PET: its values in the units its Units attribute names (Bq/ml), and no CT presets', async () => {
    const { record, image } = await opened('ct_small_explicit_le.dcm');
    const dicom = (record.metadata as { dicom: { dataset: Record<string, unknown> } }).dicom;
    dicom.dataset = { ...dicom.dataset, '00080060': { vr: 'CS', Value: ['PT'] }, '00541001': { vr: 'CS', Value: ['BQML'] } };
    const info = describeImage(record, image, 0);
    expect(info.units).toBe('Bq/ml');
    expect(info.windows?.some((w) => w.source === 'preset')).toBe(false);
    dicom.dataset = { ...dicom.dataset, '00541001': { vr: 'CS', Value: ['GML'] } }; // SUV body weight
    expect(describeImage(record, image, 0).units).toBe('g/ml');
  });

  it('MONOCHROME1 is said, so the viewer shows it inverted', async () => {
    const { record, image } = await opened('cr_16x16_monochrome1.dcm');
    const info = describeImage(record, image, 0);
    expect(info.dicom?.monochrome1).toBe(true);
    expect(info.mapping?.inverted).toBe(true);
  });

  it('the information panel: keywords, values and the de-identification record', async () => {
    const { record } = await opened('ct_small_explicit_le.dcm');
    const a = describeAttributes(record)!;
    const byKeyword = new Map(a.attributes.map((x) => [x.keyword, x]));
    expect(byKeyword.get('Modality')).toMatchObject({ tag: '(0008,0060)', vr: 'CS', value: 'CT' });
    expect(byKeyword.get('PixelSpacing')?.value).toBe('0.661468\\0.661468');
    expect(byKeyword.get('PatientName')?.value ?? '').toBe('');
    expect(a.deidentification).toMatchObject({ deidentified: true, options: ['Basic Application Confidentiality Profile'], longitudinalTemporal: 'REMOVED' });
    expect(a.deidentification.method).toContain('PS3.15 Annex E');
    const plain = await opened('ct_small_explicit_le.dcm', false);
    expect(describeAttributes(plain.record)!.deidentification.deidentified).toBe(false);
    expect(describeAttributes({ ...plain.record, metadata: {} } as ImageRecord)).toBeNull();
  });
});

describe('the sender\'s full range of an 8-bit image, a window the reader can pick (0.35)', () => {
  it('is among the choices, with the numbers the sender measured it at, so the viewer\'s corner gives its figure', async () => {
    const dir = await tempDir();
    const key = generateSharedKey('Full range');
    const sent = await encryptImageFile(MR_SLICE, { model: await defaultModel(), recipients: [key], outDir: dir, coding: { quality: 'max' } });
    const { record, image } = (await decryptAeimgFile(sent.output, { identities: [key], models: models(), write: false })).images[0]!;
    const info = describeImage(record, image, 0);
    const full = info.windows?.find((w) => w.source === 'full');
    expect(full).toMatchObject({ name: 'full range', center: 128, width: 256 });
    const measured = record.fidelity!.windows!;
    expect(measured.map(({ name, center, width, source }) => ({ name, center, width, source }))).toEqual([full]); // the viewer's corner matches it
    // A 1-bit segmentation's full range is 0..1, as the sender measured it, not 0..255.
    const { record: mask, image: maskImage } = await opened('seg_liver_1bit_3frame_deflated.dcm');
    expect(describeImage(mask, maskImage, 0).windows?.find((w) => w.source === 'full')).toMatchObject({ center: 1, width: 2 });
  });

  it('is the window an 8-bit grey image, and a colour one, open in (0.36): as any image viewer shows them, not stretched to their range', async () => {
    // Before, the image's min..max: an 8-bit export's contrast stretched, a colour image's three channels put through
    // its red channel's range (here 60..199: its green and blue clipped).
    const plain = (channels: 1 | 3, at: (i: number, c: number) => number) => {
      const image = { width: 16, height: 16, channels, bitDepth: 8 as const, pixels: Uint8Array.from({ length: 256 * channels }, (_, k) => at(Math.floor(k / channels), k % channels)) };
      return { image, record: { kind: 'image', name: 'x.png', width: 16, height: 16, channels, bitDepth: 8, refinement: { maxError: 1 } } as unknown as ImageRecord };
    };
    const grey = plain(1, (i) => 60 + (i % 140));
    expect(describeImage(grey.record, grey.image, 0).window).toEqual({ center: 128, width: 256, name: 'full range' });
    const colour = plain(3, (i, c) => (c === 0 ? 60 + (i % 140) : c === 1 ? i : 255 - i));
    expect(describeImage(colour.record, colour.image, 0).window).toEqual({ center: 128, width: 256 });
    // A 16-bit colour image: its whole 16-bit range, as an image viewer scales it to 8 bits.
    const deep = { ...colour, image: { ...colour.image, bitDepth: 16 as const, pixels: Uint16Array.from(colour.image.pixels, (v) => v * 257) } };
    expect(describeImage({ ...deep.record, bitDepth: 16 }, deep.image, 0).window).toEqual({ center: 32768, width: 65536 });
    // A 16-bit grey image without a window of its own opens in its 1st–99th percentile window, where its figures are:
    // a few bright pixels (here 1% at 4095 over 0..1000) no longer leave the rest dark.
    const mr = { width: 20, height: 20, channels: 1 as const, bitDepth: 16 as const, pixels: Uint16Array.from({ length: 400 }, (_, i) => (i < 4 ? 4095 : (i * 5) % 1001)) };
    const deepGrey = describeImage({ kind: 'image', name: 'mr.png', width: 20, height: 20, channels: 1, bitDepth: 16, refinement: { maxError: 0 } } as unknown as ImageRecord, mr, 0);
    expect(deepGrey.window).toMatchObject({ name: 'auto (1st–99th percentile)' });
    expect(deepGrey.window.center + deepGrey.window.width / 2).toBeLessThanOrEqual(1000);
    // Sent lossy, it opens in the percentile window its sender measured (the original's), where its figure is, not in the
    // received image's (0.50).
    const measuredIn = { name: '1st–99th percentile', center: 388.5, width: 769, source: 'percentile' as const, ssim: 0.9628, psnr: 30 };
    const lossy = describeImage({ kind: 'image', name: 'mr.png', width: 20, height: 20, channels: 1, bitDepth: 16, latent: {},
      fidelity: { ssim: 0.99, psnr: 40, mse: 1, windows: [measuredIn] } } as unknown as ImageRecord, mr, 0);
    expect(lossy.windows?.find((w) => w.source === 'percentile')).toEqual({ name: 'auto (1st–99th percentile)', center: 388.5, width: 769, source: 'percentile' });
    expect(lossy.window).toMatchObject({ center: 388.5, width: 769, name: 'auto (1st–99th percentile)' });
    // A 1-bit segmentation opens in its full range, 0..1 (its mask white).
    const { record: mask, image: maskImage } = await opened('seg_liver_1bit_3frame_deflated.dcm');
    const m = describeImage(mask, maskImage, 0);
    expect(m.window).toMatchObject({ name: 'full range' });
    expect([sampleToReal(m.window.center, m.mapping), m.window.width]).toEqual([1, 2]); // DICOM's linear VOI: 0 black, 1 white
  });
});
