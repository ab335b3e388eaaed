/**
 * The encrypt queue: a job's events can reach the renderer before main's answer naming the job (they travel apart),
 * and a small file is often done by then. Its row must still end "done", not stay "queued".
 */
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { JobProgress, StudySummary } from '../../src-shared/api';
import { useEncrypt } from '../../src-renderer/src/stores/encrypt';
import { useErrors } from '../../src-renderer/src/stores/errors';

const FILES = ['/in/a.png', '/in/b.png'];
const ok = <T>(value: T) => ({ ok: true as const, value });

/** A bridge whose jobs report every event before their start is answered. */
function bridgeAnsweringLate(events: (jobId: string) => Omit<JobProgress, 'jobId'>[]) {
  const store = () => useEncrypt();
  const run = async (jobId: string) => {
    for (const e of events(jobId)) store().onProgress({ jobId, ...e });
    store().onProgress({ jobId: 'another-job', index: 0, path: FILES[0]!, status: 'failed', error: 'not this job' });
    return ok({ jobId });
  };
  (globalThis as { window?: unknown }).window = {
    aeimg: {
      files: {
        expand: async (paths: string[]) => ok(paths.map((path) => ({ path, name: path.slice(4), bytes: 10, kind: 'image' }))),
        encrypt: () => run('job-1'),
        encryptStudy: () => run('job-2'),
      },
      settings: { get: async () => ({ quality: 'auto', deidentify: 'basic' }) },
    },
  };
}

describe('encrypt queue', () => {
  beforeEach(() => setActivePinia(createPinia()));

  /** The queue with FILES in it and a recipient chosen. */
  async function queued() {
    const queue = useEncrypt();
    queue.recipient = { kind: 'key', name: 'A' };
    await queue.add(FILES);
    return queue;
  }

  it('files done before the job is named end done, and the queue is free again', async () => {
    bridgeAnsweringLate(() => FILES.flatMap((path, index) => [
      { index, path, status: 'working' as const }, { index, path, status: 'done' as const },
    ]));
    const queue = await queued();
    await queue.start();
    expect(queue.items.map((i) => i.status)).toEqual(['done', 'done']);
    expect(queue.running).toBe(false);
    expect(queue.jobId).toBe(null);
  });

  it('a study done before the job is named shows its parts', async () => {
    const study = { parts: [], images: 2 } as unknown as StudySummary;
    bridgeAnsweringLate(() => [
      ...FILES.map((path, index) => ({ index, path, status: 'done' as const })),
      { index: -1, path: '/out', status: 'done' as const, study },
    ]);
    const queue = await queued();
    await queue.startStudy();
    expect(queue.items.map((i) => i.status)).toEqual(['done', 'done']);
    expect(queue.studyResult).toEqual(study);
    expect(queue.running).toBe(false);
  });

  it('a study\'s slices are "coded" as they are coded, and done only when the whole study is written; if it then fails, none is', async () => {
    (globalThis as { window?: unknown }).window = {
      aeimg: { files: {
        expand: async (paths: string[]) => ok(paths.map((path) => ({ path, name: path.slice(4), bytes: 10, kind: 'image' }))),
        encryptStudy: async () => ok({ jobId: 'job-3' }), estimateStudy: async () => ok(null),
      }, settings: { get: async () => ({ quality: 'auto', deidentify: 'basic' }) } },
    };
    for (const ending of ['done', 'failed'] as const) {
      setActivePinia(createPinia());
      const queue = await queued();
      queue.study.enabled = true;
      await queue.startStudy();
      const send = (e: Omit<JobProgress, 'jobId'>) => queue.onProgress({ jobId: 'job-3', ...e });
      FILES.forEach((path, index) => send({ index, path, status: 'done' }));
      // Both coded, nothing written yet: not done, and the job still runs.
      expect([queue.items.map((i) => i.status), queue.running]).toEqual([['coded', 'coded'], true]);
      send({ index: -1, path: '/out', status: ending, ...(ending === 'done' ? { study: { parts: [], images: 2 } as unknown as StudySummary } : { error: 'the disk is full' }) });
      expect([queue.items.map((i) => i.status), queue.running]).toEqual([ending === 'done' ? ['done', 'done'] : ['queued', 'queued'], false]);
    }
  });

  it('an archive dropped is named as one, with what to do; other files that are no image are named together', async () => {
    const listed = [
      { path: '/in/study.zip', name: 'study.zip', bytes: 10, kind: 'other', refusal: 'is a ZIP archive, not an image: extract it first.' },
      { path: '/in/notes.txt', name: 'notes.txt', bytes: 10, kind: 'other' },
      { path: '/in/a.png', name: 'a.png', bytes: 10, kind: 'image' },
    ];
    (globalThis as { window?: unknown }).window = { aeimg: { files: { expand: async () => ok(listed) } } };
    const queue = useEncrypt();
    await queue.add(listed.map((f) => f.path));
    expect(queue.items.map((i) => i.name)).toEqual(['a.png']);
    expect(useErrors().messages.map((m) => m.text).sort()).toEqual([
      'notes.txt is not an image aeimg can encrypt (PNG, JPEG, TIFF, WebP, BMP, GIF, JPEG 2000, JPEG-LS or DICOM).',
      'study.zip: is a ZIP archive, not an image: extract it first.',
    ]);
  });

  it('a passphrase goes with the request only when typed the same twice, and is forgotten once the job has it; a study\'s estimate never carries it (0.51)', async () => {
    const requests: { recipient: unknown }[] = [];
    let answer: { ok: false; code: string; message: string } | null = { ok: false, code: 'USAGE', message: 'the passphrase is too weak: it is shorter than 12 characters. Use 12 or more characters' };
    const reply = (req: { recipient: unknown }, jobId: string) => {
      requests.push(req);
      return Promise.resolve(answer ?? ok({ jobId }));
    };
    (globalThis as { window?: unknown }).window = {
      aeimg: { files: {
        expand: async (paths: string[]) => ok(paths.map((path) => ({ path, name: path.slice(4), bytes: 10, kind: 'image' }))),
        encrypt: (req: { recipient: unknown }) => reply(req, 'job-p'), encryptStudy: (req: { recipient: unknown }) => reply(req, 'job-s'),
        estimateStudy: async (req: { recipient: unknown }) => { requests.push(req); return ok(null); },
      }, settings: { get: async () => ({ quality: 'auto', deidentify: 'basic' }) } },
    };
    const queue = useEncrypt();
    const errors = useErrors();
    queue.recipient = { kind: 'passphrase' };
    await queue.add(FILES);
    await queue.start();
    expect(errors.messages[0]?.text).toBe('Type the passphrase the receiver will open the files with, twice.');
    queue.passphrase = { text: 'correct horse battery staple', repeat: 'correct horse battery stapel' };
    await queue.start();
    expect(errors.messages[0]?.text).toBe('The two passphrases differ: type the same passphrase in both fields.');
    expect(requests).toEqual([]);
    // Refused by main (too weak): the fields stay for the sender to change.
    queue.passphrase = { text: 'short', repeat: 'short' };
    await queue.start();
    expect(requests.map((r) => r.recipient)).toEqual([{ kind: 'passphrase', passphrase: 'short' }]);
    expect(queue.passphrase).toEqual({ text: 'short', repeat: 'short' });
    answer = null;
    queue.passphrase = { text: 'correct horse battery staple', repeat: 'correct horse battery staple' };
    await queue.start();
    expect(requests.at(-1)!.recipient).toEqual({ kind: 'passphrase', passphrase: 'correct horse battery staple' });
    expect(queue.passphrase).toEqual({ text: '', repeat: '' });

    setActivePinia(createPinia());
    requests.length = 0;
    const study = useEncrypt();
    study.recipient = { kind: 'passphrase' };
    study.passphrase = { text: 'correct horse battery staple', repeat: 'correct horse battery staple' };
    await study.add(FILES);
    study.study.enabled = true;
    await study.estimateStudy();
    await study.startStudy();
    expect(requests.map((r) => r.recipient)).toEqual([{ kind: 'key', name: '-' }, { kind: 'passphrase', passphrase: 'correct horse battery staple' }]);
    expect(study.passphrase).toEqual({ text: '', repeat: '' });
  });
});
