/**
 * Who may call main, without importing Electron (so it is tested as is): the page the app itself loaded, in its own
 * window. Anything else, including another file:// page, is dropped before the handler table sees it.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InvokeChannel } from '../../src-shared/api.js';
import type { AppService } from './service/app-service.js';
import { dispatch, InvalidArguments } from './service/handlers.js';

/** The renderer's entry page: the bundled index.html, or the dev server in development builds only. */
export interface RendererEntry {
  kind: 'file' | 'url';
  /** file: the path to load; url: the URL to load. */
  target: string;
  /** The URL the entry page has once loaded (what senderFrame.url starts with). */
  url: string;
}

export function rendererEntry({ packaged, appDir, devUrl }: { packaged: boolean; appDir: string; devUrl?: string }): RendererEntry {
  // ELECTRON_RENDERER_URL (electron-vite dev) is honoured only in a development build: a packaged app never loads a
  // page from wherever an environment variable points.
  if (!packaged && devUrl) return { kind: 'url', target: devUrl, url: new URL(devUrl).href };
  const file = join(appDir, '../renderer/index.html');
  return { kind: 'file', target: file, url: pathToFileURL(file).href };
}

/** Whether a frame shows our entry page (any in-page route after '#'); query strings and other paths are not ours. */
export function isOwnRenderer(frameUrl: string, entry: RendererEntry): boolean {
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  url.hash = '';
  if (entry.kind === 'file') return url.href === entry.url;
  const base = new URL(entry.url);
  return url.origin === base.origin && url.search === '';
}

/** What an invoke event carries that the check needs (Electron's IpcMainInvokeEvent has these). */
export interface InvokeEventLike {
  sender: unknown;
  senderFrame?: { url: string } | null;
}

/** The handler for one channel: drops untrusted senders, then validates and dispatches. */
export function guardedHandler<E extends InvokeEventLike>(service: AppService, channel: InvokeChannel, trusted: (event: E) => boolean) {
  return async (event: E, ...args: unknown[]): Promise<unknown> => {
    if (!trusted(event)) {
      console.warn(`aeimg: dropped ${channel} from an untrusted sender`);
      throw new Error('untrusted sender');
    }
    try {
      return await dispatch(service, channel, args);
    } catch (err) {
      if (err instanceof InvalidArguments) console.warn(`aeimg: dropped ${channel}: ${err.message}`);
      throw err;
    }
  };
}
