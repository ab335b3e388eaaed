/** The viewer's measurements with an ultrasound region's calibration: in mm inside the region only. */
import { describe, expect, it } from 'vitest';
import { distance, roiStats } from '../../src-renderer/src/viewer/measure';

const region = { row: 0.25, column: 0.125, region: { x0: 5, y0: 6, x1: 70, y1: 50 } };

describe('measurements on a calibrated ultrasound region', () => {
  it('a ruler inside the region is in mm; one that leaves it is in pixels, never in the region\'s mm', () => {
    expect(distance({ x: 10, y: 10 }, { x: 50, y: 40 }, region)).toEqual({ value: Math.hypot(40 * 0.125, 30 * 0.25), unit: 'mm' });
    expect(distance({ x: 10, y: 10 }, { x: 71.5, y: 40 }, region)).toEqual({ value: Math.hypot(61.5, 30), unit: 'px' });
    expect(distance({ x: 4.9, y: 10 }, { x: 50, y: 40 }, region).unit).toBe('px');
    expect(distance({ x: 70.9, y: 50.9 }, { x: 5, y: 6 }, region).unit).toBe('mm'); // the last pixel's far edge is inside
  });

  it('an ROI\'s area likewise', () => {
    const image = { width: 80, height: 60, channels: 1, pixels: new Uint8Array(80 * 60) } as never;
    expect(roiStats(image, 'rectangle', { x: 10, y: 10 }, { x: 20, y: 30 }, undefined, region)).toMatchObject({ area: 10 * 0.125 * 20 * 0.25, areaUnit: 'mm²' });
    expect(roiStats(image, 'rectangle', { x: 0, y: 0 }, { x: 20, y: 30 }, undefined, region)).toMatchObject({ area: 600, areaUnit: 'px²' });
  });
});
