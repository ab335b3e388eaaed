/**
 * Every invoke channel's argument schema and handler. Arguments arrive as `unknown` and are validated here before
 * the service sees them; the Electron IPC layer and the browser-test bridge both dispatch through this table.
 */
import { z } from 'zod';
import { MAX_PASSPHRASE_LENGTH, type InvokeChannel, type InvokeChannels } from '../../../src-shared/api.js';
import { MAX_APP_FILES, MAX_VIEW_PNG_BYTES } from '../../../src-shared/files.js';
import { QUALITIES, type Quality } from '../../../src-shared/quality.js';
import { MAX_CT_INTERCEPT } from '../../../src-shared/windows.js';
import type { AppService } from './app-service.js';

const name = z.string().trim().min(1).max(200);
const path = z.string().min(1).max(4096);
const id = z.string().uuid();
const quality = z.enum(QUALITIES as [Quality, ...Quality[]]);
const deidentify = z.enum(['basic', 'basic,clean-graphics', 'none']);
const ctIntercept = z.number().int().min(-MAX_CT_INTERCEPT).max(MAX_CT_INTERCEPT);
const passphrase = z.string().min(1).max(MAX_PASSPHRASE_LENGTH);
const namedRecipient = z.object({ kind: z.enum(['key', 'contact']), name }).strict();
/** A key, a contact, or a passphrase (0.51): never a passphrase in the settings, which are written to disk. */
const recipient = z.union([namedRecipient, z.object({ kind: z.literal('passphrase'), passphrase }).strict()]);
const settingsPatch = z.object({
  outDir: path.optional(), quality: quality.optional(), deidentify: deidentify.optional(),
  recipient: namedRecipient.optional(), recode: z.boolean().optional(),
}).strict();

/** A subfolder below an output folder: relative, in plain segments (no '..', '.', empty or drive segment). */
const subfolder = z.string().max(4096).refine(
  (s) => s === '' || s.split(/[\\/]/).every((seg) => seg !== '' && seg !== '.' && seg !== '..' && !/[\0:]/.test(seg)),
  'a subfolder is a relative path of plain folder names',
);
/** A window in real-world values: linear, or a file's SIGMOID or LINEAR_EXACT. */
const shownWindow = z.object({
  center: z.number().finite().min(-1e9).max(1e9), width: z.number().finite().positive().max(1e9), fn: z.enum(['SIGMOID', 'LINEAR_EXACT']).optional(),
}).strict();
/** Windows of the sender's by file (EncryptRequest.senderWindows). */
const senderWindows = z.record(path, shownWindow).optional();
const encryptFields = z.object({
  paths: z.array(path).min(1).max(MAX_APP_FILES), subfolders: z.array(subfolder).max(MAX_APP_FILES).optional(),
  recipient, outDir: path.optional(), quality, deidentify, recode: z.boolean().optional(), ctIntercept: ctIntercept.optional(),
  notCt: z.array(path).max(MAX_APP_FILES).optional(),
  senderWindows,
});
/**
 * Files said not to be CT are files of the request, which is declared CT: one outside it, or a list without a
 * declaration, would do nothing, where the sender's row said it would go without HU (the renderer's fault, refused).
 */
const notCtOfRequest = ({ paths, notCt, ctIntercept: declared }: { paths: string[]; notCt?: string[]; ctIntercept?: number }) => {
  if (notCt === undefined) return true;
  const given = new Set(paths);
  return declared !== undefined && notCt.every((p) => given.has(p));
};
const NOT_CT_OF_REQUEST = 'notCt names files of paths, with ctIntercept';
/** A window for a file not in the request would go nowhere, where the sender's row said it would go in it. */
const windowsOfRequest = ({ paths, senderWindows }: { paths: string[]; senderWindows?: Record<string, unknown> }) =>
  senderWindows === undefined || Object.keys(senderWindows).every((p) => paths.includes(p));
const WINDOWS_OF_REQUEST = 'senderWindows names files of paths';
const encryptRequest = encryptFields.strict()
  .refine((r) => r.subfolders === undefined || r.subfolders.length === r.paths.length, 'one subfolder per path')
  .refine(notCtOfRequest, NOT_CT_OF_REQUEST).refine(windowsOfRequest, WINDOWS_OF_REQUEST);
const previewRequest = z.object({
  path, quality, deidentify, recode: z.boolean().optional(), ctIntercept: ctIntercept.optional(), frame: z.number().int().min(0).max(100_000), study: z.array(path).max(MAX_APP_FILES).optional(),
  senderWindows,
}).strict();
const studyRequest = encryptFields.extend({
  name: z.string().regex(/^[\w.-]{1,100}$/, 'a study name uses letters, digits, dot, dash and underscore'),
  maxBytes: z.number().int().min(10_000).max(10_000_000_000),
}).strict().refine(notCtOfRequest, NOT_CT_OF_REQUEST).refine(windowsOfRequest, WINDOWS_OF_REQUEST);

const SCHEMAS: { [C in InvokeChannel]: z.ZodType<InvokeChannels[C]> } = {
  'app:info': z.tuple([]),
  'files:expand': z.tuple([z.array(path).max(MAX_APP_FILES)]),
  'files:choose-inputs': z.tuple([]),
  'files:choose-folder': z.tuple([]),
  'files:encrypt': z.tuple([encryptRequest]),
  'files:estimate-study': z.tuple([studyRequest]),
  'files:ct-checks': z.tuple([z.array(path).max(MAX_APP_FILES), ctIntercept.optional()]),
  'files:encrypt-study': z.tuple([studyRequest]),
  'files:cancel': z.tuple([id]),
  'files:confirm': z.tuple([id, z.number().int().min(0).max(100_000), z.boolean()]),
  'files:received': z.tuple([z.array(path).max(MAX_APP_FILES)]),
  'files:open': z.tuple([path, passphrase.optional()]),
  'files:image': z.tuple([id, z.number().int().min(0).max(100_000), z.boolean()]),
  'files:attributes': z.tuple([id, z.number().int().min(0).max(100_000)]),
  // No path: main asks where with its own save dialog, so the renderer never chooses where main writes.
  'files:save': z.tuple([id, z.number().int().min(0).max(100_000), z.enum(['png', 'dcm'])]),
  // The view's PNG as the renderer drew it (main checks it is one before writing it where its dialog says).
  'files:save-view': z.tuple([id, z.number().int().min(0).max(100_000), z.instanceof(Uint8Array).refine((b) => b.length <= MAX_VIEW_PNG_BYTES, 'a view of at most 64 MB')]),
  'files:save-report': z.tuple([id, z.number().int().min(0).max(1_000)]),
  'files:report-pdf': z.tuple([id, z.number().int().min(0).max(1_000)]),
  // No folder: main asks where with its own folder dialog.
  'files:export-all': z.tuple([id, z.enum(['png', 'dcm'])]),
  'files:preview': z.tuple([previewRequest]),
  'files:preview-window': z.tuple([previewRequest, shownWindow]),
  'files:reveal': z.tuple([path]),
  'keys:list': z.tuple([]),
  'keys:create': z.tuple([name]),
  'keys:remove': z.tuple([name]),
  'keys:export': z.tuple([name, passphrase]),
  'keys:import': z.union([z.tuple([path, passphrase]), z.tuple([path, passphrase, name])]) as z.ZodType<InvokeChannels['keys:import']>,
  'keys:add-contact': z.union([z.tuple([path]), z.tuple([path, name])]) as z.ZodType<InvokeChannels['keys:add-contact']>,
  'keys:my-card': z.tuple([]),
  'settings:get': z.tuple([]),
  'settings:set': z.tuple([settingsPatch]) as z.ZodType<InvokeChannels['settings:set']>,
};

type Handler<C extends InvokeChannel> = (s: AppService, ...args: InvokeChannels[C]) => Promise<unknown>;
const HANDLERS: { [C in InvokeChannel]: Handler<C> } = {
  'app:info': (s) => s.info(),
  'files:expand': (s, paths) => s.expand(paths),
  'files:choose-inputs': (s) => s.chooseInputs(),
  'files:choose-folder': (s) => s.chooseFolder(),
  'files:encrypt': (s, req) => s.encrypt(req),
  'files:estimate-study': (s, req) => s.estimateStudy(req),
  'files:ct-checks': (s, paths, ctIntercept) => s.ctChecks(paths, ctIntercept),
  'files:encrypt-study': (s, req) => s.encryptStudy(req),
  'files:cancel': (s, jobId) => s.cancel(jobId),
  'files:confirm': (s, jobId, index, write) => s.confirm(jobId, index, write),
  'files:received': (s, paths) => s.received(paths),
  'files:open': (s, p, pass) => s.open(p, pass),
  'files:image': (s, openId, index, denoised) => s.image(openId, index, denoised),
  'files:attributes': (s, openId, index) => s.attributes(openId, index),
  'files:save': (s, openId, index, format) => s.save(openId, index, format),
  'files:save-view': (s, openId, index, png) => s.saveView(openId, index, png),
  'files:save-report': (s, openId, n) => s.saveReport(openId, n),
  'files:report-pdf': (s, openId, n) => s.reportPdf(openId, n),
  'files:export-all': (s, openId, format) => s.exportAll(openId, format),
  'files:preview': (s, req) => s.preview(req),
  'files:preview-window': (s, req, window) => s.previewWindow(req, window),
  'files:reveal': (s, p) => s.reveal(p),
  'keys:list': (s) => s.listKeys(),
  'keys:create': (s, n) => s.createKey(n),
  'keys:remove': (s, n) => s.removeKey(n),
  'keys:export': (s, n, pass) => s.exportKey(n, pass),
  'keys:import': (s, p, pass, n) => s.importKey(p, pass, n),
  'keys:add-contact': (s, p, n) => s.addContact(p, n),
  'keys:my-card': (s) => s.myCard(),
  'settings:get': (s) => s.getSettings(),
  'settings:set': (s, patch) => s.setSettings(patch),
};

export const INVOKE_CHANNELS = Object.keys(SCHEMAS) as InvokeChannel[];

export class InvalidArguments extends Error {}

/** Validates `args` for `channel` and calls the service; throws InvalidArguments for anything malformed. */
export async function dispatch(service: AppService, channel: string, args: unknown): Promise<unknown> {
  if (!Object.hasOwn(SCHEMAS, channel)) throw new InvalidArguments(`unknown channel ${channel.slice(0, 40)}`);
  const c = channel as InvokeChannel;
  const parsed = SCHEMAS[c].safeParse(args);
  // The issue's kind and where, never its message, which can quote what was sent (an unknown key's name).
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  if (!parsed.success) throw new InvalidArguments(`invalid arguments for ${c}: ${issue?.code ?? 'malformed'} at argument ${String(issue?.path[0] ?? '?')}`);
  return (HANDLERS[c] as (s: AppService, ...a: unknown[]) => Promise<unknown>)(service, ...(parsed.data as unknown[]));
}
