/**
 * The window a sender chose to send images in (aeimg 0.43; src-shared/windows.ts SENDER_WINDOW): one for every image
 * of a run (`aeimg encrypt --window`), or each file's own (the app's "Send in this window" in the preview).
 */
import { resolve } from 'node:path';
import type { ShownWindow } from '../../../src-shared/api.js';
import { senderDisplayWindow, type DisplayModel } from '../../../src-shared/windows.js';
import { colourChannels, type Image } from '../image/image.js';
import { isDicomFile, readDicomHeader } from '../dicom/header.js';
import type { StudyOrder } from '../dicom/order.js';
import { saysOwnCt } from './declared-ct.js';

/**
 * A window for every image of a run (`aeimg encrypt --window`); `units`: the values it is in where the run holds images
 * in more than one kind (a CT beside an MR: 'HU'), so that it goes only with the images shown in them (0.44).
 */
export interface SenderWindow extends ShownWindow {
  units?: string;
}

export interface SenderWindows {
  /** Every image's (`--window`). */
  senderWindow?: SenderWindow;
  /** Each input's own, by path, before `senderWindow`. */
  senderWindows?: Readonly<Record<string, ShownWindow>>;
}

/** The window each input goes in (undefined: none), paths compared resolved. */
export function senderWindowOf({ senderWindow, senderWindows }: SenderWindows): (input: string) => SenderWindow | undefined {
  if (!senderWindows) return () => senderWindow;
  const byPath = new Map(Object.entries(senderWindows).map(([p, w]) => [resolve(p), w]));
  return (input) => byPath.get(resolve(input)) ?? senderWindow;
}

/** Why an image goes without the window given: a colour image (no window shows its colours), or values not in its units. */
export type WithoutWindow = 'colour' | 'units';

/**
 * The sender's window an image goes with (`display`: the image's own, before it), or why none: a colour image, as no
 * window shows its colours; a grey image whose values are not in the window's units (an MR in a run whose window is in
 * HU for its CT: 40/80 shows an MR's values as white, and a PACS would open it there). Its sender is told (encrypt.ts).
 */
export function senderWindowFor(image: Pick<Image, 'channels'>, display: Pick<DisplayModel, 'units'>, w: SenderWindow | undefined): { window?: ShownWindow; without?: WithoutWindow } {
  if (!w) return {};
  if (colourChannels(image) !== 1) return { without: 'colour' };
  if (w.units !== undefined && display.units !== w.units) return { without: 'units' };
  const { units: _units, ...window } = w;
  return { window };
}

/**
 * The units a run's window is in (`aeimg encrypt --window`, 0.44): HU where the run holds a CT (an image file declared
 * one, `isCt`; one that says its own HU, an ImageJ TIFF of a CT, 0.45; a DICOM file whose header says CT or HU), so
 * that it goes with the CT images only; undefined where it holds none, so that it goes with every grey image. Headers
 * are read until the first CT; a header that cannot be read counts for nothing (its file is refused when it is read).
 */
export async function windowUnits(inputs: readonly string[], isCt: (input: string) => boolean): Promise<'HU' | undefined> {
  for (const input of inputs) {
    if (!await isDicomFile(input)) {
      if (isCt(input) || await saysOwnCt(input)) return 'HU';
      continue;
    }
    const ds = await readDicomHeader(input, true).then((h) => h?.dataset, () => undefined);
    const type = ds?.string('x00281054')?.trim().toUpperCase();
    if (type === 'HU' || (!type && ds?.string('x00080060')?.trim() === 'CT')) return 'HU';
  }
  return undefined;
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
