/** The viewer's probe and CT line: the words a reader checks a value by, for each kind of image. */
import { describe, expect, it } from 'vitest';
import { declaredCtText, probeReading } from '../../src-renderer/src/viewer/probe';
import { imageFileMapping, offsetMapping } from '../../src-shared/windows';
import { greyLut } from '../../src-renderer/src/viewer/display';

const grey16 = (...v: number[]) => ({ width: v.length, height: 1, channels: 1, bitDepth: 16, pixels: Uint16Array.from(v) });
const plain = { units: '', dicom: false, denoised: false };

describe('the viewer\'s probe', () => {
  it('reads a CT its sender declared in its values and HU, a signed TIFF in its values, a plain image in its samples', () => {
    const ct = { ...plain, mapping: imageFileMapping(16, { ctIntercept: -1024 }), units: 'HU' };
    expect(probeReading(grey16(1064, 0), 0, 0, ct)!.text).toBe('(0, 0) value 1064 → 40 HU');
    expect(probeReading(grey16(1064, 0), 1, 0, ct)!.value).toBe('-1024');
    // A signed TIFF in HU declared with intercept 0: its value is its HU, said once.
    const signedCt = { ...plain, mapping: imageFileMapping(16, { valueOffset: 32768, ctIntercept: 0 }), units: 'HU' };
    expect(probeReading(grey16(32768 - 1000), 0, 0, signedCt)!.text).toBe('(0, 0) value -1000 HU');
    expect(probeReading(grey16(32768 - 1000), 0, 0, { ...plain, mapping: offsetMapping(32768) })!.text).toBe('(0, 0) value -1000');
    expect(probeReading(grey16(700), 0, 0, { ...plain, mapping: undefined })!.text).toBe('(0, 0) value 700');
  });

  it('reads a DICOM image\'s stored value and real-world value, PET\'s SUV, a colour image\'s RGB; says the denoised view; nothing outside', () => {
    const rescaled = { offset: 0, inverted: false, signed: false, bitsStored: 12, slope: 1, intercept: -1024 };
    const dicom = { ...plain, dicom: true, mapping: rescaled };
    expect(probeReading(grey16(1064), 0, 0, { ...dicom, units: 'HU' })!.text).toBe('(0, 0) stored 1064 → 40 HU');
    expect(probeReading(grey16(1064), 0, 0, dicom)!.text).toBe('(0, 0) stored 1064 → 40 (rescaled)');
    const pet = { ...dicom, units: 'Bq/ml', mapping: { ...rescaled, slope: 2, intercept: 0 }, suvBw: 0.001 };
    expect(probeReading(grey16(1500), 0, 0, pet)!.text).toBe('(0, 0) stored 1500 → 3000 Bq/ml · SUVbw 3.00');
    expect(probeReading(grey16(1064), 0, 0, { ...dicom, units: 'HU', denoised: true })!.text).toBe('(0, 0) stored 1064 → 40 HU (denoised view)');
    const rgb = { width: 1, height: 1, channels: 3, bitDepth: 8, pixels: Uint8Array.of(10, 20, 30) };
    expect(probeReading(rgb, 0, 0, { ...plain, mapping: undefined })!.text).toBe('(0, 0) RGB 10, 20, 30');
    // The denoised view said of every image's values: a colour image's, an 8-bit or unitless image's (0.50).
    expect(probeReading(rgb, 0, 0, { ...plain, mapping: undefined, denoised: true })!.text).toBe('(0, 0) RGB 10, 20, 30 (denoised view)');
    expect(probeReading(grey16(700), 0, 0, { ...plain, mapping: undefined, denoised: true })!.text).toBe('(0, 0) value 700 (denoised view)');
    expect(probeReading(grey16(1), 1, 0, dicom)).toBeNull();
    expect(probeReading(grey16(1), 0, -1, dicom)).toBeNull();
  });
});

describe('the viewer\'s line for a CT its sender declared', () => {
  it('says how its values give HU, and says nothing for a DICOM CT or an image without HU', () => {
    expect(declaredCtText({ mapping: imageFileMapping(16, { ctIntercept: -1024 }), units: 'HU', dicom: false }))
      .toBe('CT: its HU are as its sender declared them (HU = value − 1024), an image file, not DICOM');
    expect(declaredCtText({ mapping: imageFileMapping(16, { valueOffset: 32768, ctIntercept: 0 }), units: 'HU', dicom: false })).toMatch(/\(HU = value\)/);
    // One whose HU its own calibration gives (an ImageJ TIFF of a CT, 0.39) is not said to be its sender's word.
    expect(declaredCtText({ mapping: imageFileMapping(16, { valueOffset: 32768, ctIntercept: -1024 }), units: 'HU', dicom: false, calibration: 'imagej' }))
      .toBe('CT: its HU are as its ImageJ calibration gives them (HU = value − 1024, the rescale of the DICOM file ImageJ opened), an image file, not DICOM');
    expect(declaredCtText({ mapping: imageFileMapping(16, { ctIntercept: -1024 }), units: 'HU', dicom: true })).toBe('');
    expect(declaredCtText({ mapping: offsetMapping(32768), units: '', dicom: false })).toBe('');
  });
});

describe('the viewer, for an image file whose grey is WhiteIsZero (a TIFF saved through ImageJ\'s inverted LUT, 0.40)', () => {
  it('reads the file\'s values from its inverted samples and shows the highest value darkest, in its window', () => {
    // The signed MR's value 905 is ImageJ's 33673, which libvips reads as 65535 − 33673 = 31862; 1400 and −200 likewise.
    const signed = imageFileMapping(16, { valueOffset: 32768, inverted: true });
    expect(probeReading(grey16(31862), 0, 0, { ...plain, mapping: signed })!.text).toBe('(0, 0) value 905');
    const sample = (v: number) => 65535 - (v + 32768);
    const lut = greyLut(16, { center: 600, width: 1600 }, signed, false);
    expect([lut[sample(1400)], lut[sample(-200)], lut[sample(600)]]).toEqual([0, 255, expect.any(Number)]);
    expect(lut[sample(600)]).toBeGreaterThan(100);
    expect(lut[sample(600)]).toBeLessThan(155);
    // An unsigned one (a CR's stored 1994 as 65535 − 1994), and an 8-bit one.
    expect(probeReading(grey16(65535 - 1994), 0, 0, { ...plain, mapping: imageFileMapping(16, { inverted: true }) })!.text).toBe('(0, 0) value 1994');
    const grey8 = { width: 1, height: 1, channels: 1, bitDepth: 8, pixels: Uint8Array.of(255 - 30) };
    expect(probeReading(grey8, 0, 0, { ...plain, mapping: imageFileMapping(8, { inverted: true }) })!.text).toBe('(0, 0) value 30');
  });
});
