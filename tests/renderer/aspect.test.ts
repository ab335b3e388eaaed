/** "Copy view" draws a non-square pixel as the screen shows it: stretched vertically by its aspect about the centre. */
import { describe, expect, it } from 'vitest';
import { imageOrigin } from '../../src-renderer/src/viewer/snapshot';
import type { ImagePixels } from '../../src-shared/api';

describe('the view of a non-square pixel', () => {
  it('is centred with its stretched height: the image\'s top is where the screen puts it', () => {
    const image = { width: 100, height: 100 } as ImagePixels;
    const view = { image, viewport: { width: 400, height: 400 }, zoom: 2, pan: { x: 10, y: -20 } };
    expect(imageOrigin(view)).toEqual({ x: 110, y: 80 }); // square: 200 × 200 about the centre, then the pan
    expect(imageOrigin({ ...view, aspect: 1.5 })).toEqual({ x: 110, y: 30 }); // 200 wide, 300 high
  });
});
