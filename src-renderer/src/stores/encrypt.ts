import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { CtCheck, EncryptSummary, FileStatus, InputFile, JobProgress, KeyList, NamedRecipient, RecipientRef, Result, ShownWindow, StudyEstimate, StudySummary } from '../../../src-shared/api';
import { bridge, CallError, unwrap } from '../bridge';
import { formatWords, someNames } from '../../../src-shared/files';
import { MAX_CT_INTERCEPT } from '../../../src-shared/windows';
import { useErrors } from './errors';
import { useSettings } from './settings';

export interface QueueItem {
  path: string;
  name: string;
  bytes: number;
  kind: InputFile['kind'];
  /** Below the folder dropped, when in a subfolder of it (InputFile.subfolder). */
  subfolder?: string;
  /** 'coded': a study's slice coded into a part not yet written (done only when the whole study is). */
  status: FileStatus | 'coded';
  result?: EncryptSummary;
  error?: string;
  /** Status 'confirm': the reduced-quality figures the sender must accept before the file is written. */
  confirm?: JobProgress['confirm'];
  /** The job's index for the answer (a study's slice order differs from the queue's). */
  jobIndex?: number;
  /** A study's object that went with it: what the reader gets of it (JobProgress.note). */
  note?: string;
  /**
   * Its sender said it is not a CT (its row's "Send without HU", aeimg 0.38): "16-bit image files are CT" does not
   * apply to it (an MR exported the same way, in the same queue; an 8-bit window export a CT's declaration refuses).
   */
  notCt?: boolean;
  /**
   * The window its sender chose in the preview to send it in ("Send in this window", aeimg 0.43), with its words for
   * the row ("W 60 L 30 HU"): measured with the reader windows and carried; its reader's viewer opens in it.
   */
  senderWindow?: { window: ShownWindow; text: string };
}

/** The encrypt queue: inputs dropped or chosen, and each file's progress. */
export const useEncrypt = defineStore('encrypt', () => {
  const items = ref<QueueItem[]>([]);
  const jobId = ref<string | null>(null);
  /** Whom the files are for: a key, a contact, or a passphrase typed below (0.51), whose text is `passphrase`'s. */
  const recipient = ref<NamedRecipient | { kind: 'passphrase' } | null>(null);
  /**
   * The passphrase the sender types, twice: it goes with the request that starts a job and is then cleared (kept for
   * no later run, never in the settings). Main checks its strength.
   */
  const passphrase = ref({ text: '', repeat: '' });
  const errors = useErrors();
  const settings = useSettings();
  const running = computed(() => items.value.some((i) => i.status === 'working' || i.status === 'coded' || i.status === 'confirm' || (jobId.value !== null && i.status === 'queued')));
  const pending = computed(() => items.value.filter((i) => i.status === 'queued' && jobId.value === null));
  let offset = 0;
  /** "Encrypt as one study": name, part size limit, the prediction and the result. */
  const study = ref({ enabled: false, name: 'study', maxMB: 18 });
  /**
   * "16-bit image files are CT" (aeimg 0.36): their HU are their values + `intercept` (−1024 for an export of stored
   * values). For this queue only, never remembered: an MR exported the same way, sent later as a CT, would be shown in HU.
   */
  const ct = ref({ enabled: false, intercept: -1024 });
  /** The declaration as a request carries it; null where it is on but not a whole number in range (nothing goes). */
  const ctRequest = computed<{ ctIntercept?: number } | null>(() => {
    if (!ct.value.enabled) return {};
    const n = ct.value.intercept;
    return typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= MAX_CT_INTERCEPT ? { ctIntercept: n } : null;
  });
  /** The declaration file `path` goes with: none where its row says it is not a CT (the preview's request). */
  function ctRequestOf(path: string): { ctIntercept?: number } | null {
    return items.value.some((i) => i.path === path && i.notCt) ? {} : ctRequest.value;
  }
  /** EncryptRequest.notCt for the files `queued`: those said not CT, where the others are declared. */
  const notCtOf = (queued: readonly QueueItem[]) => {
    const not = ctRequest.value?.ctIntercept === undefined ? [] : queued.filter((i) => i.notCt).map((i) => i.path);
    return not.length ? { notCt: not } : {};
  };
  /** A file that failed as a CT (a study it stopped, or its estimate), which "Send without HU" queues again, not as one. */
  function failedAsCt(item: QueueItem): boolean {
    return item.status === 'failed' && jobId.value === null && ctCheckOf(item.path)?.fails === true;
  }
  /** Its row's "Send without HU" (true) and "Send as a CT" (false). */
  function setNotCt(item: QueueItem, notCt: boolean) {
    if (notCt && failedAsCt(item)) Object.assign(item, { status: 'queued', error: undefined });
    if (item.status !== 'queued') return;
    item.notCt = notCt;
    if (study.value.enabled) void estimateStudy();
  }
  /** EncryptRequest.senderWindows for the files `queued`: each one's own window, where it has one. */
  const senderWindowsOf = (queued: readonly QueueItem[]) => {
    const own = queued.filter((i) => i.senderWindow);
    return own.length ? { senderWindows: Object.fromEntries(own.map((i) => [i.path, i.senderWindow!.window])) } : {};
  };
  /** The queued files' windows, as the preview asks with them (main gives the file shown its own, or its series'). */
  const senderWindowsRequest = computed(() => senderWindowsOf(items.value.filter((i) => i.status === 'queued')));
  /** The preview's "Send in this window" (a window), and its row's "Send without it" (undefined): for a file still queued. */
  function setSenderWindow(path: string, w: QueueItem['senderWindow']) {
    const item = items.value.find((i) => i.path === path && i.status === 'queued');
    if (!item) return;
    item.senderWindow = w;
    if (study.value.enabled) void estimateStudy();
  }
  const ctInvalid = () => new Error(`Give the CT intercept as a whole number of HU from −${MAX_CT_INTERCEPT} to ${MAX_CT_INTERCEPT} (HU = value + it; −1024 for an export of stored values, 0 for values in HU), or untick "16-bit image files are CT".`);
  const estimate = ref<StudyEstimate | null>(null);
  const studyResult = ref<StudySummary | null>(null);
  let studyJob = false;
  /** The queue's items in the running study. */
  let studyItems: QueueItem[] = [];
  /**
   * Events that arrive while a job is being started, before main's answer names it: the answer and the events travel
   * apart (the test bridge's events come over their own connection), and a small file can be done before the answer
   * arrives. They are replayed once the job is known; without this its row stayed "queued" for good.
   */
  let early: JobProgress[] | null = null;

  function onProgress(p: JobProgress) {
    if (p.jobId !== jobId.value) {
      early?.push(p);
      return;
    }
    if (studyJob) {
      if (p.index === -1) {
        jobId.value = null;
        studyResult.value = p.study ?? null;
        // A study is written whole or not at all: when it fails, is cancelled or its reduced quality is declined, no
        // slice of it was sent, including those already reported as added to a part. When it failed, its files are
        // queued again but the one that stopped it (its row says why): once that is removed, the others can go.
        for (const i of studyItems) {
          if (p.status === 'failed') i.status = i.status === 'failed' ? 'failed' : 'queued';
          else if (p.status !== 'done' || i.status === 'working' || i.status === 'coded') i.status = p.status;
        }
        studyItems = [];
        if (p.error) errors.report(new Error(p.error));
        return;
      }
      const hit = items.value.find((i) => i.path === p.path && i.status === 'working');
      if (hit && p.status === 'confirm') Object.assign(hit, { status: 'confirm', confirm: p.confirm, jobIndex: p.index });
      else if (hit && p.status === 'failed') Object.assign(hit, { status: 'failed', error: p.error }); // an object the study went without
      // A slice coded is not yet sent: its part is written when the whole study is (index −1 says so); an object
      // that went with the written study (index −2) is done.
      else if (hit) Object.assign(hit, { status: p.index === -2 ? 'done' : 'coded', ...(p.note ? { note: p.note } : {}) });
      return;
    }
    const item = items.value[offset + p.index];
    if (!item) return;
    item.status = p.status;
    item.result = p.result;
    item.error = p.error;
    item.confirm = p.confirm;
    item.jobIndex = p.index;
    if (!items.value.slice(offset).some((i) => i.status === 'queued' || i.status === 'working' || i.status === 'confirm')) jobId.value = null;
  }

  async function add(paths: string[]) {
    try {
      const files = await unwrap(bridge().files.expand(paths));
      // One message for what was left out (a folder dropped whole may hold many .aeimg files already).
      const left = files.filter((f) => f.kind === 'aeimg' || f.kind === 'other');
      // An archive (a PACS's ZIP download), a video or a research volume is named as what it is, with what to do
      // (main's words): one message for the files told the same.
      const plain = left.filter((f) => !f.refusal);
      const namesOf = (some: typeof files) => someNames(some.map((f) => f.name));
      for (const refusal of new Set(left.flatMap((f) => f.refusal ?? []))) {
        const told = left.filter((f) => f.refusal === refusal);
        errors.report(new Error(`${namesOf(told)}: ${told.length === 1 ? '' : 'each '}${refusal}`));
      }
      if (plain.length > 0) {
        const names = namesOf(plain);
        errors.report(new Error(plain.length === 1
          ? `${names} is not an image aeimg can encrypt (${formatWords('DICOM')}).`
          : `${names} are not images aeimg can encrypt (${formatWords('DICOM')}); left out.`));
      }
      for (const f of files) {
        if (left.includes(f)) continue;
        // A DICOM image aeimg refuses from its header (a 32-bit dose grid) is listed failed, with why, and is not sent.
        const error = f.refusal && `${f.name}: ${f.refusal}`;
        if (items.value.some((i) => i.path === f.path && (i.status === 'queued' || (error && i.error === error)))) continue;
        items.value.push(error ? { ...f, status: 'failed', error } : { ...f, status: 'queued' });
      }
      // The study's figure is of the files now queued (before 0.23 it stayed that of the last study's until a setting changed).
      if (study.value.enabled) void estimateStudy();
    } catch (err) {
      errors.report(err);
    }
  }

  /**
   * The request's recipient, or why there is none yet: nobody chosen, or a passphrase not typed or typed differently
   * the second time.
   */
  function requestRecipient(what: 'files' | 'study'): RecipientRef | null {
    const to = recipient.value;
    const fail = (text: string) => { errors.report(new Error(text)); return null; };
    if (!to) return fail(`Choose who the ${what === 'files' ? 'files are' : 'study is'} for (a key, a contact or a passphrase) first.`);
    if (to.kind !== 'passphrase') return to;
    const { text, repeat } = passphrase.value;
    if (!text) return fail('Type the passphrase the receiver will open the files with, twice.');
    if (text !== repeat) return fail('The two passphrases differ: type the same passphrase in both fields.');
    return { kind: 'passphrase', passphrase: text };
  }

  /** Once a job has its passphrase, the fields are emptied: the next run asks for it again. */
  const forgetPassphrase = () => { passphrase.value = { text: '', repeat: '' }; };

  async function start() {
    const to = requestRecipient('files');
    if (!to) return;
    const queued = items.value.filter((i) => i.status === 'queued');
    if (queued.length === 0) return;
    const ctOf = ctRequest.value;
    if (!ctOf) {
      errors.report(ctInvalid());
      return;
    }
    studyJob = false;
    // Queued items go to the end, in order, so the job's indices map onto them.
    items.value = [...items.value.filter((i) => i.status !== 'queued'), ...queued];
    offset = items.value.length - queued.length;
    const s = settings.settings;
    await begin(() => bridge().files.encrypt({
      paths: queued.map((i) => i.path), recipient: to, quality: s.quality,
      ...(queued.some((i) => i.subfolder) ? { subfolders: queued.map((i) => i.subfolder ?? '') } : {}),
      deidentify: s.deidentify, ...(s.outDir ? { outDir: s.outDir } : {}), ...(s.recode ? { recode: true } : {}), ...ctOf, ...notCtOf(queued),
      ...senderWindowsOf(queued),
    }), forgetPassphrase);
  }

  /** Starts a job: `ready` runs once main has answered, before the events that came ahead of the answer are replayed. */
  async function begin(request: () => Promise<Result<{ jobId: string }>>, ready?: () => void) {
    early = [];
    try {
      const r = await unwrap(request());
      ready?.();
      jobId.value = r.jobId;
      const held = (early ?? []).filter((e) => e.jobId === r.jobId);
      early = null;
      for (const e of held) onProgress(e);
    } catch (err) {
      errors.report(err);
    } finally {
      early = null;
    }
  }

  /** The files "Encrypt as one study" would put in the study. */
  const queuedPaths = computed(() => items.value.flatMap((i) => (i.status === 'queued' ? [i.path] : [])));

  /**
   * What queued image files would meet as a CT (main's words, files.ctChecks): a refusal (an 8-bit, colour or
   * grey-with-transparency file) or a warning (the intercept puts its darkest part far from air), asked once a file and
   * intercept while "16-bit image files are CT" is ticked, so that the row says it before the sender starts (0.37).
   * Keyed by intercept and path: an answer for an intercept since changed is not shown.
   */
  const ctChecks = ref<Record<string, CtCheck>>({});
  const ctAsked = new Set<string>();
  const ctKey = (intercept: number | undefined, path: string) => `${intercept ?? 'own'}|${path}`;
  async function checkCt() {
    // Unticked, main names the files that go as a CT by their own calibration (an ImageJ TIFF of a CT, 0.39).
    if (ctRequest.value === null) return;
    const intercept = ctRequest.value.ctIntercept;
    // A failed one too: a study's estimate may have failed it as a CT before it was asked (its row offers the way out).
    const paths = items.value.flatMap((i) => (i.kind === 'image' && (i.status === 'queued' || i.status === 'failed') && !ctAsked.has(ctKey(intercept, i.path)) ? [i.path] : []));
    if (paths.length === 0) return;
    for (const p of paths) ctAsked.add(ctKey(intercept, p));
    try {
      const checks = await unwrap(bridge().files.ctChecks(paths, intercept));
      for (const [p, c] of Object.entries(checks)) ctChecks.value[ctKey(intercept, p)] = c;
    } catch (err) {
      for (const p of paths) ctAsked.delete(ctKey(intercept, p));
      errors.report(err);
    }
  }
  /**
   * What the row of queued file `path` says of it as a CT, for the intercept given now (unticked: whether it goes as
   * one by its own calibration); undefined where nothing.
   */
  function ctCheckOf(path: string): CtCheck | undefined {
    return ctRequest.value === null ? undefined : ctChecks.value[ctKey(ctRequest.value.ctIntercept, path)];
  }
  /** Whether queued file `path` goes as a CT by its own calibration (an ImageJ TIFF of a CT, 0.39), ticked or not. */
  function goesAsOwnCt(path: string): boolean {
    const check = ctCheckOf(path);
    return check?.fails === false && check.ownIntercept !== undefined;
  }
  // Typing an intercept asks once it rests, not for every keystroke ("-", "-1", "-10", …: each a whole number).
  let ctTimer: ReturnType<typeof setTimeout> | undefined;
  watch(() => [ctRequest.value?.ctIntercept, queuedPaths.value.length], () => {
    clearTimeout(ctTimer);
    ctTimer = setTimeout(() => void checkCt(), 300);
  });

  /** The study's request; its recipient is a stand-in (an estimate reads none) until startStudy puts the real one. */
  function studyRequest() {
    const s = settings.settings;
    const queued = items.value.filter((i) => i.status === 'queued');
    return {
      paths: queuedPaths.value, recipient: { kind: 'key', name: '-' } as RecipientRef, quality: s.quality,
      ...(queued.some((i) => i.subfolder) ? { subfolders: queued.map((i) => i.subfolder ?? '') } : {}),
      deidentify: s.deidentify, ...(s.outDir ? { outDir: s.outDir } : {}), ...(s.recode ? { recode: true } : {}), ...ctRequest.value, ...notCtOf(queued),
      ...senderWindowsOf(queued), name: study.value.name, maxBytes: Math.round(study.value.maxMB * 1e6),
    };
  }

  let estimateSeq = 0;
  /** Predicts size and parts; only the latest request's answer is shown. */
  async function estimateStudy() {
    const seq = ++estimateSeq;
    // The previous figure stays until the new one arrives: the layout must not jump under the user's pointer.
    if (!study.value.enabled || !items.value.some((i) => i.status === 'queued') || !ctRequest.value) {
      estimate.value = null;
      return;
    }
    try {
      const e = await unwrap(bridge().files.estimateStudy(studyRequest()));
      if (seq === estimateSeq) estimate.value = e;
    } catch (err) {
      if (seq !== estimateSeq) return;
      errors.report(err);
      // A file the study cannot go with (a 32-bit dose grid): its row says why, and it can be removed.
      const file = err instanceof CallError ? err.file : undefined;
      const stopping = file ? items.value.find((i) => i.path === file && i.status === 'queued') : undefined;
      if (stopping) {
        Object.assign(stopping, { status: 'failed', error: (err as CallError).message });
        void estimateStudy(); // the study the others make (a failed row is not part of it)
      }
    }
  }

  async function startStudy() {
    const to = requestRecipient('study');
    if (!to) return;
    if (!ctRequest.value) {
      errors.report(ctInvalid());
      return;
    }
    studyResult.value = null;
    await begin(() => bridge().files.encryptStudy({ ...studyRequest(), recipient: to }), () => {
      forgetPassphrase();
      studyItems = items.value.filter((i) => i.status === 'queued');
      for (const i of studyItems) i.status = 'working';
      studyJob = true;
    });
  }

  /** The sender's answer to a reduced-quality confirmation. */
  async function confirm(item: QueueItem, write: boolean) {
    if (!jobId.value || item.status !== 'confirm') return;
    item.status = 'working';
    await bridge().files.confirm(jobId.value, item.jobIndex ?? items.value.indexOf(item) - offset, write);
  }

  async function cancel() {
    if (jobId.value) await bridge().files.cancel(jobId.value);
  }

  /** Keeps the recipient among the keys and contacts; with exactly one key and no contact, that key is chosen. */
  function chooseOnlyKey(list: KeyList) {
    const r = recipient.value;
    if (r && r.kind !== 'passphrase' && !(r.kind === 'key' ? list.keys : list.contacts).some((k) => k.name === r.name)) recipient.value = null; // deleted meanwhile
    const [only] = list.keys;
    if (!recipient.value && only && list.keys.length === 1 && list.contacts.length === 0) recipient.value = { kind: 'key', name: only.name };
  }

  /**
   * Takes a file not yet started, or one that failed, off the queue (a folder dropped whole may bring one the sender does
   * not mean to send, or one that stopped a study).
   */
  function remove(item: QueueItem) {
    if ((item.status !== 'queued' && item.status !== 'failed') || jobId.value !== null) return;
    items.value = items.value.filter((i) => i !== item);
    // Dropped again later (a file exported again in 16 bits), it is asked about again.
    for (const key of [...ctAsked].filter((k) => k.endsWith(`|${item.path}`))) {
      ctAsked.delete(key);
      delete ctChecks.value[key];
    }
    if (study.value.enabled) void estimateStudy();
  }

  // What goes and how large it is depend on the level, the DICOM metadata kept (reports go with the full header only)
  // and recoding: a change of any makes the figure again (before 0.23 it stayed the previous setting's).
  watch(() => [settings.settings.quality, settings.settings.deidentify, settings.settings.recode, ctRequest.value?.ctIntercept], () => {
    if (study.value.enabled) void estimateStudy();
  });

  function clearFinished() {
    items.value = items.value.filter((i) => i.status === 'queued' || i.status === 'working' || i.status === 'coded');
    if (study.value.enabled) void estimateStudy();
  }

  return {
    items, queuedPaths, jobId, recipient, passphrase, running, pending, study, ct, ctRequest, ctRequestOf, setNotCt, senderWindowsRequest, setSenderWindow, failedAsCt, ctCheckOf, goesAsOwnCt, estimate, studyResult, onProgress, add, start, estimateStudy, startStudy, confirm, cancel, clearFinished,
    remove,
    chooseOnlyKey,
  };
});
