/**
 * What the viewer shows is one thing: the file's name, the slice's details, the denoised banner and the pixels change
 * together, when the pixels arrive. Before, the name and banner changed at once and the last pixels stayed under them
 * while the new ones were decoded: another patient's image under this file's name, or the denoised view with the
 * banner already gone.
 */
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ImagePixels, OpenedFile, OpenedImageInfo } from '../../src-shared/api';
import { useViewer } from '../../src-renderer/src/stores/viewer';

/** A file of `n` 2x2 8-bit images. */
function opened(openId: string, n: number): OpenedFile {
  const images = Array.from({ length: n }, (_, index) => ({
    index, name: `${openId}#${index + 1}`, width: 2, height: 2, channels: 1, bitDepth: 8, lossless: true, reduced: false, fidelityText: 'bit-exact',
    window: { center: 128, width: 256 },
  }) as unknown as OpenedImageInfo);
  return { openId, path: `/x/${openId}.aeimg`, name: `${openId}.aeimg`, key: 'k', images } as unknown as OpenedFile;
}

/** The pixels main answers for image `i` of `openId`: their first value says which they are. */
const pixelsOf = (openId: string, i: number, denoised: boolean): ImagePixels =>
  ({ width: 2, height: 2, channels: 1, bitDepth: 8, pixels: Uint8Array.of(openId.charCodeAt(0), i, denoised ? 1 : 0, 0) }) as ImagePixels;

/** A bridge whose image and attribute answers wait until the test lets them go (`release`), as a slow decode does. */
function slowBridge(files: Record<string, OpenedFile>) {
  const waiting: { key: string; go: () => void }[] = [];
  (globalThis as { window?: unknown }).window = {
    aeimg: { files: {
      open: async (path: string) => ({ ok: true, value: files[path]! }),
      received: async (paths: string[]) => ({ ok: true, value: { files: paths.map((path) => ({ path, name: `${path}.aeimg` })) } }),
      attributes: (openId: string, i: number) => new Promise((resolve) => {
        const value = { attributes: [{ keyword: `${openId}#${i + 1}` }], deidentification: { deidentified: true, options: [] } };
        waiting.push({ key: `attributes:${openId}:${i}`, go: () => resolve({ ok: true, value }) });
      }),
      image: (openId: string, i: number, denoised: boolean) => new Promise((resolve) => {
        waiting.push({ key: `${openId}:${i}:${denoised}`, go: () => resolve({ ok: true, value: pixelsOf(openId, i, denoised) }) });
      }),
    } },
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return {
    /** Lets the answer `key` arrive: an image's (openId:index:denoised) or a slice's attributes (attributes:openId:index). */
    async release(key: string) {
      await settle();
      const at = waiting.findIndex((w) => w.key === key);
      expect(at, `asked for ${key}`).toBeGreaterThanOrEqual(0);
      waiting.splice(at, 1)[0]!.go();
      await settle();
    },
  };
}

/** What the reader sees: the file's name, the slice's number, the banner, and whose pixels are drawn. */
function seen(viewer: ReturnType<typeof useViewer>) {
  const px = viewer.pixels?.pixels;
  return { name: viewer.file?.name, slice: viewer.index, denoised: viewer.denoised, pixels: px ? [String.fromCharCode(px[0]!), px[1], px[2] === 1] : null };
}

/** A viewer with file `a` of `n` images open, its first image arrived, over the slow bridge. */
async function viewerOpenOn(n: number) {
  const bridge = slowBridge({ a: opened('a', n) });
  const viewer = useViewer();
  const opening = viewer.open('a');
  await bridge.release('a:0:false');
  await opening;
  return { bridge, viewer };
}

describe('the viewer shows a file, a slice and a view only with their own pixels', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('a second file opened over the first replaces it whole when its image arrives', async () => {
    const bridge = slowBridge({ a: opened('a', 1), b: opened('b', 1) });
    const viewer = useViewer();
    const first = viewer.open('a');
    await bridge.release('a:0:false');
    await first;
    expect(seen(viewer)).toEqual({ name: 'a.aeimg', slice: 0, denoised: false, pixels: ['a', 0, false] });
    const second = viewer.open('b');
    await new Promise((r) => setTimeout(r, 0));
    // Decrypting b: a is shown as it was, its own name over its own pixels.
    expect(seen(viewer)).toEqual({ name: 'a.aeimg', slice: 0, denoised: false, pixels: ['a', 0, false] });
    expect(viewer.busy).toBe(true);
    await bridge.release('b:0:false');
    await second;
    expect(seen(viewer)).toEqual({ name: 'b.aeimg', slice: 0, denoised: false, pixels: ['b', 0, false] });
  });

  it('the denoised banner comes and goes with the denoised pixels, and the checkbox says what was asked meanwhile', async () => {
    const { bridge, viewer } = await viewerOpenOn(1);
    const on = viewer.setDenoised(true);
    expect(viewer.wanted.denoised).toBe(true);
    expect(seen(viewer)).toEqual({ name: 'a.aeimg', slice: 0, denoised: false, pixels: ['a', 0, false] });
    await bridge.release('a:0:true');
    await on;
    expect(seen(viewer)).toEqual({ name: 'a.aeimg', slice: 0, denoised: true, pixels: ['a', 0, true] });
    // Back to the image as sent (cached): the banner goes only with the denoised pixels.
    await viewer.setDenoised(false);
    expect(seen(viewer)).toEqual({ name: 'a.aeimg', slice: 0, denoised: false, pixels: ['a', 0, false] });
  });

  it('a slice\'s details come with its pixels; keys pressed faster than slices arrive all count, and the last one asked wins', async () => {
    const { bridge, viewer } = await viewerOpenOn(5);
    const steps = [viewer.step(1), viewer.step(1), viewer.step(1)];
    expect(viewer.wanted.index).toBe(3);
    expect(seen(viewer)).toEqual({ name: 'a.aeimg', slice: 0, denoised: false, pixels: ['a', 0, false] });
    // Slice 2 (asked before 3) arriving after 3 is not shown over it.
    await bridge.release('a:3:false');
    await bridge.release('a:2:false');
    await bridge.release('a:1:false');
    await Promise.all(steps);
    expect(seen(viewer)).toEqual({ name: 'a.aeimg', slice: 3, denoised: false, pixels: ['a', 3, false] });
  });

  it('the information panel lists the shown slice\'s attributes, never the next one\'s beside this one\'s pixels', async () => {
    const { bridge, viewer } = await viewerOpenOn(3);
    const info = viewer.toggleInfo();
    await bridge.release('attributes:a:0');
    await info;
    const listed = () => viewer.attributes?.attributes.map((a) => a.keyword);
    expect(listed()).toEqual(['a#1']);
    const next = viewer.step(1);
    await new Promise((r) => setTimeout(r, 0));
    expect([viewer.index, listed()]).toEqual([0, ['a#1']]);
    // Its pixels are here, its attributes not yet: slice 1 waits for them.
    await bridge.release('a:1:false');
    expect([viewer.index, listed()]).toEqual([0, ['a#1']]);
    await bridge.release('attributes:a:1');
    await next;
    expect([viewer.index, listed()]).toEqual([1, ['a#2']]);
  });

  it('files dropped together are listed to open in turn, the first opened; a file opened otherwise ends the list', async () => {
    const bridge = slowBridge({ a: opened('a', 1), b: opened('b', 1), c: opened('c', 1) });
    const viewer = useViewer();
    const dropped = viewer.openReceived(['a', 'b']);
    await bridge.release('a:0:false');
    await dropped;
    expect([viewer.received.map((f) => f.name), viewer.file?.name]).toEqual([['a.aeimg', 'b.aeimg'], 'a.aeimg']);
    const second = viewer.open('b');
    await bridge.release('b:0:false');
    await second;
    expect([viewer.received.length, viewer.file?.name]).toEqual([2, 'b.aeimg']);
    const other = viewer.open('c'); // double-clicked in the file manager
    await bridge.release('c:0:false');
    await other;
    expect([viewer.received.length, viewer.file?.name]).toEqual([0, 'c.aeimg']);
  });
});
