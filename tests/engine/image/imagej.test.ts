/**
 * An ImageJ TIFF's calibration and the modality of the DICOM file it came from (image/imagej.ts), read from files
 * ImageJ 1.53t wrote itself (tests/fixtures/imagej, scripts/fixtures/ImagejTiffs.java).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imagejCalibration, imagejCtIntercept, imagejValues, imagejWindows } from '../../../src-main/engine/image/imagej.js';
import { MAX_CT_INTERCEPT } from '../../../src-shared/windows.js';
import { FIXTURES, tiffOf } from '../../helpers.js';

const fixture = (name: string) => readFile(join(FIXTURES, 'imagej', name));

/**
 * A big-endian TIFF as ImageJ writes one on a Mac of old: one 2x2 16-bit page, its description and Info given, and
 * its resolution (pixels per its unit, as millionths) where given.
 */
function bigEndianImagejTiff(description: string, info: string, resolution?: [number, number]): Buffer {
  const text = Buffer.from(`${description}\0`, 'latin1');
  const infoBytes = Buffer.from(info, 'utf16le').swap16(); // UTF-16, big-endian as the rest
  const meta = Buffer.concat([Buffer.from('IJIJinfo\0\0\0\x01', 'latin1'), infoBytes]);
  const tags: [number, number, number, number][] = [ // tag, type, count, value (offsets filled below)
    [256, 3, 1, 2], [257, 3, 1, 2], [258, 3, 1, 16], [259, 3, 1, 1], [262, 3, 1, 1], [270, 2, text.length, 0], [273, 4, 1, 0],
    [277, 3, 1, 1], [278, 3, 1, 2], [279, 4, 1, 8], ...(resolution ? [[282, 5, 1, 0], [283, 5, 1, 0]] as [number, number, number, number][] : []),
    [50838, 4, 2, 0], [50839, 1, meta.length, 0],
  ];
  const ifdAt = 8, ifdBytes = 2 + tags.length * 12 + 4;
  const textAt = ifdAt + ifdBytes, countsAt = textAt + text.length, metaAt = countsAt + 8, resolutionAt = metaAt + meta.length;
  const pixelsAt = resolutionAt + 16;
  const out = Buffer.alloc(pixelsAt + 8);
  out.write('MM', 0, 'latin1');
  out.writeUInt16BE(42, 2);
  out.writeUInt32BE(ifdAt, 4);
  out.writeUInt16BE(tags.length, ifdAt);
  tags.forEach(([tag, type, count, value], i) => {
    const at = ifdAt + 2 + i * 12;
    out.writeUInt16BE(tag, at);
    out.writeUInt16BE(type, at + 2);
    out.writeUInt32BE(count, at + 4);
    const v = { 270: textAt, 273: pixelsAt, 282: resolutionAt, 283: resolutionAt + 8, 50838: countsAt, 50839: metaAt }[tag] ?? value;
    if (type === 3) out.writeUInt16BE(v, at + 8);
    else out.writeUInt32BE(v, at + 8);
  });
  text.copy(out, textAt);
  out.writeUInt32BE(12, countsAt);
  out.writeUInt32BE(infoBytes.length, countsAt + 4);
  meta.copy(out, metaAt);
  resolution?.forEach((perUnit, i) => {
    out.writeUInt32BE(Math.round(perUnit * 1e6), resolutionAt + i * 8);
    out.writeUInt32BE(1e6, resolutionAt + i * 8 + 4);
  });
  return out;
}

describe('an ImageJ TIFF', () => {
  it('says the calibration ImageJ gave its values and the modality of the DICOM file it was opened from', async () => {
    // A signed CT (intercept −1024) goes up by 32768 in ImageJ, its calibration with it; a signed MR, by 32768 alone.
    // Its spatial calibration is the DICOM file's Pixel Spacing (0.661468 mm; the MR's 0.3125), to ImageJ's precision.
    expect(imagejCalibration(await fixture('ct_small_signed.tif'))).toEqual({
      intercept: -33792, slope: 1, unit: 'Gray Value', modality: 'CT', pixelSpacing: { row: 0.661468, column: 0.661468 },
      displayRange: { low: -896, high: 1167 }, // its DICOM file had no window: ImageJ showed its least to its greatest value
    });
    // The MR's DICOM file had a window (600/1600), which ImageJ keeps in its Info, as the DICOM file's reader gets it,
    // and showed it in.
    expect(imagejCalibration(await fixture('mr_small_signed.tif'))).toEqual({
      intercept: -32768, slope: 1, unit: 'Gray Value', modality: 'MR', windows: [{ name: 'file window 1', center: 600, width: 1600, source: 'file' }],
      pixelSpacing: { row: 0.3125, column: 0.3125 }, displayRange: { low: -200, high: 1400 },
    });
    expect(imagejCalibration(await fixture('ct_cranium_unsigned.tif'))).toEqual({
      intercept: -1024, slope: 1, unit: 'Gray Value', modality: 'CT', displayRange: { low: 0, high: 80 }, // shown in 40/80 HU
    });
    expect(imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\ncf=0\nc0=-1000.0\nc1=1.0\nvunit=HU\n', '0008,0060  Modality: CT\n0028,1052  Rescale Intercept: -1000\n')))
      .toEqual({ intercept: -1000, slope: 1, unit: 'HU', modality: 'CT' });
  });

  it('gives back a signed image\'s values (less 32768), and HU only where it says it is a CT, calibrated as a CT is (slope 1, a whole intercept)', async () => {
    expect(imagejValues({ intercept: -33792, slope: 1 })).toEqual({ offset: 32768, intercept: -1024 });
    expect(imagejValues({ intercept: -32768, slope: 1 })).toEqual({ offset: 32768, intercept: 0 });
    expect(imagejValues({ intercept: -1024, slope: 1 })).toEqual({ offset: 0, intercept: -1024 });
    expect(imagejValues({ intercept: -1024, slope: 2 })).toBeUndefined();
    expect(imagejCtIntercept(imagejCalibration(await fixture('ct_small_signed.tif')), MAX_CT_INTERCEPT)).toBe(-1024);
    expect(imagejCtIntercept(imagejCalibration(await fixture('ct_cranium_unsigned.tif')), MAX_CT_INTERCEPT)).toBe(-1024);
    expect(imagejCtIntercept(imagejCalibration(await fixture('mr_small_signed.tif')), MAX_CT_INTERCEPT)).toBeUndefined();
    // Without the DICOM header, a unit ImageJ was told is HU says so; "Gray Value" alone does not.
    expect(imagejCtIntercept({ intercept: -1024, slope: 1, unit: 'HU' }, MAX_CT_INTERCEPT)).toBe(-1024);
    expect(imagejCtIntercept({ intercept: -1024, slope: 1, unit: 'Gray Value' }, MAX_CT_INTERCEPT)).toBeUndefined();
    expect(imagejCtIntercept({ intercept: -1024, slope: 0.5, modality: 'CT' }, MAX_CT_INTERCEPT)).toBeUndefined();
    expect(imagejCtIntercept({ intercept: -1024.5, slope: 1, modality: 'CT' }, MAX_CT_INTERCEPT)).toBeUndefined();
    expect(imagejCtIntercept({ intercept: 70000, slope: 1, modality: 'CT' }, MAX_CT_INTERCEPT)).toBeUndefined();
  });

  it('gives its DICOM file\'s windows where its values are that file\'s rescaled values, and its reader\'s are those', () => {
    const info = (rescale: string) => `0008,0060  Modality: CT\n0028,1050  Window Center: 40\\-600\n0028,1051  Window Width: 80\\1500\n${rescale}` +
      '0028,1053  Rescale Slope: 1\n0028,1055  Window Center & Width Explanation: BRAIN\\LUNG\n';
    const brainLung = [
      { name: 'file window BRAIN', center: 40, width: 80, source: 'file', explanation: 'BRAIN' },
      { name: 'file window LUNG', center: -600, width: 1500, source: 'file', explanation: 'LUNG' },
    ];
    const signed = imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\ncf=0\nc0=-33792.0\nc1=1.0\n', info('0028,1052  Rescale Intercept: -1024\n')));
    expect(signed?.windows).toEqual(brainLung);
    // Its reader's values are in HU where it goes with its own intercept; declared otherwise (not possible for a CT
    // that says its own, but for an MR declared a CT), its windows would be in other values, and do not go.
    expect(imagejWindows(signed, -1024)).toEqual(brainLung);
    expect(imagejWindows(signed, 0)).toEqual([]);
    expect(imagejWindows({ intercept: -32768, slope: 1, modality: 'MR', windows: brainLung as never }, undefined)).toEqual(brainLung);
    expect(imagejWindows({ intercept: -32768, slope: 1, modality: 'MR', windows: brainLung as never }, -1024)).toEqual([]);
    // Its calibration taken off, or not the rescale its Info says, its values are not the windows' values: none.
    expect(imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\n', info('0028,1052  Rescale Intercept: -1024\n')))?.windows).toBeUndefined();
    expect(imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\ncf=0\nc0=-1000.0\nc1=1.0\n', info('0028,1052  Rescale Intercept: -1024\n')))?.windows).toBeUndefined();
  });

  it('gives first the display range it was saved in, where that leaves out some of its values: the window its sender looked at', async () => {
    const values: [number, number] = [-1024, 1500]; // its least and greatest HU
    const brainLung = [
      { name: 'file window BRAIN', center: 40, width: 80, source: 'file', explanation: 'BRAIN' },
      { name: 'file window LUNG', center: -600, width: 1500, source: 'file', explanation: 'LUNG' },
    ] as const;
    const shownIn = (low: number, high: number, windows = brainLung) =>
      imagejWindows({ intercept: -33792, slope: 1, modality: 'CT', windows: [...windows], displayRange: { low, high } }, -1024, values);
    // Set by its user (a subdural window, 50/130): first, then its DICOM file's, in HU as they are.
    expect(shownIn(-15, 115)).toEqual([
      { name: 'ImageJ display range', center: 50, width: 130, source: 'file', explanation: 'ImageJ display range' }, ...brainLung,
    ]);
    // One of its DICOM file's windows (ImageJ opens a DICOM file in its first; its user chose the second): that one, first.
    expect(shownIn(0, 80)).toEqual(brainLung);
    expect(shownIn(-1350, 150)).toEqual([brainLung[1], brainLung[0]]);
    // Its whole range (ImageJ's default where its DICOM file has no window), or wider: no window anyone chose.
    expect(shownIn(-1024, 1500)).toEqual(brainLung);
    expect(shownIn(-2000, 3000, [] as never)).toEqual([]);
    expect(shownIn(-1023, 1500, [] as never)).toHaveLength(1);
    // In other values than its reader's (an MR declared a CT), it does not go either.
    expect(imagejWindows({ intercept: -32768, slope: 1, modality: 'MR', displayRange: { low: 0, high: 80 } }, -1024, values)).toEqual([]);
    // The fixtures: the CT shown in 0..80 HU goes with that window; the signed CT, shown over its whole range, with none.
    const cranium = imagejCalibration(await fixture('ct_cranium_unsigned.tif'));
    expect(imagejWindows(cranium, -1024, [-1024, 1400])).toEqual([expect.objectContaining({ name: 'ImageJ display range', center: 40, width: 80 })]);
    expect(imagejWindows(imagejCalibration(await fixture('ct_small_signed.tif')), -1024, [-896, 1167])).toEqual([]);
    // A multichannel image's range is one channel's: not read.
    expect(imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\nchannels=2\nmin=0\nmax=80\n', ''))?.displayRange).toBeUndefined();
    expect(imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\nmin=80\nmax=80\n', ''))?.displayRange).toBeUndefined();
  });

  it('gives its spatial calibration in mm where ImageJ\'s unit is a length, rows and columns apart; none in pixels', () => {
    const spacing = (unit: string, resolution: [number, number]) =>
      imagejCalibration(bigEndianImagejTiff(`ImageJ=1.54f\nunit=${unit}\ncf=0\nc0=-1024.0\nc1=1.0\n`, '', resolution))?.pixelSpacing;
    expect(spacing('mm', [2, 0.5])).toEqual({ row: 2, column: 0.5 }); // 2 pixels a mm across, half a pixel a mm down
    expect(spacing('cm', [20, 20])).toEqual({ row: 0.5, column: 0.5 });
    expect(spacing('micron', [4, 4])).toEqual({ row: 0.00025, column: 0.00025 });
    // Inches are a print resolution ImageJ took from another TIFF (a 300 dpi one, checked with ImageJ 1.53t): not a size in the body.
    expect(spacing('inch', [300, 300])).toBeUndefined();
    expect(spacing('pixel', [1, 1])).toBeUndefined();
    expect(imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\nunit=mm\ncf=0\nc0=-1024.0\nc1=1.0\n', ''))?.pixelSpacing).toBeUndefined(); // no resolution
  });

  it('says nothing for other TIFFs or a calibration that is not a straight line, and only what is there of a file cut or damaged anywhere', async () => {
    expect(imagejCalibration(tiffOf([new Uint16Array(4)], 2, 2))).toBeUndefined();
    // Without a calibration its values are its samples (ImageJ writes cf only for a function), and it says no HU.
    const uncalibrated = imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\nmin=0\nmax=4095\n', '0008,0060  Modality: CT\n'));
    expect(uncalibrated).toEqual({ intercept: 0, slope: 1, uncalibrated: true, modality: 'CT', displayRange: { low: 0, high: 4095 } });
    expect(imagejCtIntercept(uncalibrated, MAX_CT_INTERCEPT)).toBeUndefined();
    expect(imagejCalibration(bigEndianImagejTiff('ImageJ=1.54f\ncf=1\nc0=1\nc1=2\nc2=3\nvunit=OD\n', ''))).toBeUndefined(); // a 2nd-degree polynomial
    expect(imagejCalibration(bigEndianImagejTiff('Made by a scanner\ncf=0\nc0=-1024\nc1=1\n', ''))).toBeUndefined(); // not ImageJ's
    const whole = await fixture('ct_small_signed.tif');
    // Cut before its Info ends, the calibration stands and the modality is not guessed; cut earlier, neither is read.
    const infoAt = whole.indexOf('JIJIofni', 0, 'latin1');
    expect(imagejCalibration(whole.subarray(0, infoAt + 40))).toEqual({
      intercept: -33792, slope: 1, unit: 'Gray Value', pixelSpacing: { row: 0.661468, column: 0.661468 }, displayRange: { low: -896, high: 1167 },
    });
    for (let cut = 0; cut < infoAt + 100; cut += 7) expect(() => imagejCalibration(whole.subarray(0, cut))).not.toThrow();
    for (let at = 0; at < 400; at++) {
      const damaged = Buffer.from(whole);
      damaged[at] = 0xff;
      expect(() => imagejCalibration(damaged)).not.toThrow();
    }
  });
});
