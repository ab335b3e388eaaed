/**
 * The window a sender chose to send images in (aeimg 0.43; src-shared/windows.ts SENDER_WINDOW): one for every image
 * of a run (`aeimg encrypt --window`), or each file's own (the app's "Send in this window" in the preview).
 */
import { resolve } from 'node:path';
import type { ShownWindow } from '../../../src-shared/api.js';
import { senderDisplayWindow, type DisplayModel } from '../../../src-shared/windows.js';
import { colourChannels, type Image } from '../image/image.js';
import type { StudyOrder } from '../dicom/order.js';

export interface SenderWindows {
  /** Every image's (`--window`). */
  senderWindow?: ShownWindow;
  /** Each input's own, by path, before `senderWindow`. */
  senderWindows?: Readonly<Record<string, ShownWindow>>;
}

/** The window each input goes in (undefined: none), paths compared resolved. */
export function senderWindowOf({ senderWindow, senderWindows }: SenderWindows): (input: string) => ShownWindow | undefined {
  if (!senderWindows) return () => senderWindow;
  const byPath = new Map(Object.entries(senderWindows).map(([p, w]) => [resolve(p), w]));
  return (input) => byPath.get(resolve(input)) ?? senderWindow;
}

/**
 * The sender's window an image goes with: none for a colour image, as no window shows its colours (its sender is told).
 */
export function greyWindow(image: Pick<Image, 'channels'>, w: ShownWindow | undefined): ShownWindow | undefined {
  return colourChannels(image) === 1 ? w : undefined;
}

/**
 * A display with the sender's window first of its windows: the one its reader opens in, before the file's own and a
 * presentation state's. The encoder's and the receiver's (jobs/view.ts recordDisplay) alike.
 */
export function withSenderWindow(display: DisplayModel, w: ShownWindow | undefined): DisplayModel {
  return w ? { ...display, windows: [senderDisplayWindow(w), ...display.windows] } : display;
}

/** What the record keeps of it (its metadata's `senderWindow`: codec/record.ts senderWindowOf reads it). */
export function senderWindowMetadata(w: ShownWindow): ShownWindow {
  return { center: w.center, width: w.width, ...(w.fn ? { fn: w.fn } : {}) };
}

/**
 * A window given for one of a study's images (the app's "Send it in this window" on one slice) goes with every image of
 * its series that has none of its own (0.43): a series is read in one window, and a reader scrolling it would otherwise
 * leave the sender's window and its figures at the next slice. A series: its Series Instance UID; image files, their folder.
 */
export function seriesWindows(order: Pick<StudyOrder, 'ordered' | 'series'>, opts: SenderWindows): SenderWindows {
  if (!opts.senderWindows) return opts;
  const own = senderWindowOf({ senderWindows: opts.senderWindows });
  const bySeries = new Map<string | undefined, ShownWindow>();
  for (const p of order.ordered) {
    const w = own(p);
    if (w && !bySeries.has(order.series.get(p))) bySeries.set(order.series.get(p), w);
  }
  const senderWindows = Object.fromEntries(order.ordered.flatMap((p) => {
    const w = own(p) ?? bySeries.get(order.series.get(p));
    return w ? [[p, w]] : [];
  }));
  return { ...opts, senderWindows };
}
