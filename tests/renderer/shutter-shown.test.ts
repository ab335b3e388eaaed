/** Which display shutter the viewer covers the image with: a presentation state's replaces the image's while it is shown. */
import { describe, expect, it } from 'vitest';
import type { DisplayShutter, OpenedImageInfo } from '../../src-shared/api';
import { shutterShown } from '../../src-renderer/src/viewer/display';

const own: DisplayShutter = { circle: { row: 64, column: 64, radius: 40 }, colour: [0, 0, 0], name: 'circular' };
const states: DisplayShutter = { rectangle: { left: 20, right: 100, top: 10, bottom: 110 }, colour: [255, 255, 255], name: 'rectangular' };
const dicom = (withStates: { shutter?: DisplayShutter }[]) =>
  ({ shutter: own, presentationStates: withStates.map((s, i) => ({ label: `S${i}`, graphics: [], texts: [], layers: [], ...s })) }) as unknown as OpenedImageInfo['dicom'];

describe('the shutter shown (PS3.4 N.2.3.1: a shutter in the referenced image is not applied with a presentation state)', () => {
  it('the image\'s own without states, or with them hidden', () => {
    expect(shutterShown(dicom([]), [])).toBe(own);
    expect(shutterShown(dicom([{ shutter: states }]), undefined)).toBe(own);
  });
  it('the first shown state\'s that has one; none where the states shown have none', () => {
    const d = dicom([{}, { shutter: states }]);
    expect(shutterShown(d, d!.presentationStates)).toBe(states);
    expect(shutterShown(d, d!.presentationStates!.slice(0, 1))).toBeUndefined();
  });
});
