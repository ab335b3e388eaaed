/**
 * The browser-test bridge's server: serves the built renderer and answers the same typed API as the preload,
 * through the same validated dispatch table and AppService as the Electron main process. Only Electron's
 * transport is replaced (HTTP + server-sent events), and dialogs answer what the test queued.
 * Run: tsx tests/e2e/bridge-server.ts PORT (inside scripts/with-keyring.sh for a real Secret Service).
 */
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import type { EventChannels } from '../../src-shared/api.js';
import { CodecPool } from '../../src-main/engine/jobs/pool.js';
import { AppService, type Shell } from '../../src-main/app/service/app-service.js';
import { dispatch, InvalidArguments } from '../../src-main/app/service/handlers.js';
import { decodeWire, encodeWire } from './wire.js';

const port = Number(process.argv[2] ?? 4817);
const root = resolve(import.meta.dirname, '../../out/renderer');
const work = mkdtempSync(join(tmpdir(), 'aeimg-e2e-'));
process.env.AEIMG_CONFIG_DIR ??= join(work, 'config');
process.env.AEIMG_KEYCHAIN_SERVICE ??= `aeimg-e2e-${process.pid}`;

const clients = new Set<ServerResponse>();
const dialogs: { inputs: string[][]; folder: (string | null)[]; save: (string | null)[] } = { inputs: [], folder: [], save: [] };
const revealed: string[] = [];

const shell: Shell = {
  chooseInputs: async () => dialogs.inputs.shift() ?? [],
  chooseFolder: async () => dialogs.folder.shift() ?? null,
  chooseSavePath: async () => dialogs.save.shift() ?? null,
  reveal: async (p) => { revealed.push(p); },
  emit<C extends keyof EventChannels>(channel: C, payload: EventChannels[C]) {
    const data = `data: ${JSON.stringify({ channel, payload })}\n\n`;
    for (const c of clients) c.write(data);
  },
};
const service = new AppService(shell, CodecPool.create(2), process.env.AEIMG_CONFIG_DIR);

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

async function body(req: import('node:http').IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
}

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(encodeWire(value)));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://localhost:${port}`);
  try {
    if (req.method === 'POST' && url.pathname === '/api/invoke') {
      const { channel, args } = await body(req) as { channel: string; args: unknown };
      try {
        json(res, 200, { value: await dispatch(service, channel, decodeWire(args)) });
      } catch (err) {
        json(res, err instanceof InvalidArguments ? 400 : 500, { error: (err as Error).message });
      }
    } else if (req.method === 'GET' && url.pathname === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': connected\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
    } else if (req.method === 'POST' && url.pathname === '/api/upload') {
      // Stands in for webUtils.getPathForFile: a dropped browser File becomes a file on disk.
      const { name, data } = await body(req) as { name: string; data: string };
      const dir = join(work, 'dropped', `${Date.now()}-${Math.random().toString(36).slice(2)}`);
      await mkdir(dir, { recursive: true });
      const path = join(dir, basename(name));
      await writeFile(path, Buffer.from(data, 'base64'));
      json(res, 200, { path });
    } else if (req.method === 'POST' && url.pathname === '/test/dialog') {
      const d = await body(req) as { inputs?: string[]; folder?: string | null; save?: string | null };
      if (d.inputs) dialogs.inputs.push(d.inputs);
      if (d.folder !== undefined) dialogs.folder.push(d.folder);
      if (d.save !== undefined) dialogs.save.push(d.save);
      json(res, 200, { ok: true });
    } else if (req.method === 'POST' && url.pathname === '/test/open-request') {
      const { path } = await body(req) as { path: string };
      shell.emit('files:open-request', path);
      json(res, 200, { ok: true });
    } else if (req.method === 'GET' && url.pathname === '/test/env') {
      json(res, 200, { work, config: process.env.AEIMG_CONFIG_DIR, keychain: process.env.AEIMG_KEYCHAIN_SERVICE, revealed });
    } else if (req.method === 'GET') {
      const file = resolve(root, `.${url.pathname === '/' ? '/index.html' : url.pathname}`);
      if (!file.startsWith(root)) throw new Error('outside the renderer');
      const data = await readFile(file).catch(() => null);
      if (!data) {
        json(res, 404, { error: 'not found' });
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    } else {
      json(res, 404, { error: 'not found' });
    }
  } catch (err) {
    if (!res.headersSent) json(res, 500, { error: (err as Error).message });
  }
});
// Idle connections are closed by the client first (undici after 4 s): with Node's default of 5 s here, a request sent
// on a connection the server was closing at that moment failed with "other side closed".
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(port, '127.0.0.1', () => console.log(`aeimg test bridge on http://127.0.0.1:${port} (work ${work})`));
