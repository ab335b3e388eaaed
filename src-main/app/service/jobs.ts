/**
 * The app's encryption jobs: the engine's batch and study runs (engine/jobs), their events forwarded to the window as
 * 'files:progress', cancelled through an AbortSignal (which also stops the file in progress), and the sender's answer
 * for a reduced-quality file.
 */
import { randomUUID } from 'node:crypto';
import type { EncryptSummary, JobProgress, ShownWindow } from '../../../src-shared/api.js';
import { fidelityHeadline } from '../../../src-shared/fidelity.js';
import type { CodingChoice } from '../../../src-shared/quality.js';
import type { DeidentifyOptions } from '../../engine/dicom/deidentify.js';
import { ErrorCode, Remedy, type AeimgError } from '../../engine/errors.js';
import { encryptFiles, type BatchEvent } from '../../engine/jobs/batch.js';
import type { EncryptResult, ReducedQuality } from '../../engine/jobs/encrypt.js';
import { AEIMG_EXT, batchOutputs, type FoundFile } from '../../engine/jobs/files.js';
import type { CodecPool } from '../../engine/jobs/pool.js';
import { encryptStudy } from '../../engine/jobs/study.js';
import { carriedWords, notImageWords } from '../../engine/dicom/study-objects.js';
import type { Recipient } from '../../engine/keys/recipients.js';
import { DEFAULT_MODEL, type ModelRef } from '../../engine/model/autoencoder.js';
import { appMessage } from './remedy.js';

export interface JobSettings {
  /** By reference: main writes headers, the workers run the network (no weights are loaded in main). */
  model: ModelRef;
  recipient: Recipient;
  coding: CodingChoice;
  deidentify: DeidentifyOptions | null;
  outDir?: string;
  /** The UID salt the outputs were named with (files.ts withSendingNames); a new one when absent. */
  uidSalt?: string;
  /** EncryptRequest.ctIntercept. */
  ctIntercept?: number;
  /** EncryptRequest.notCt. */
  notCt?: readonly string[];
  /** EncryptRequest.senderWindows. */
  senderWindows?: Record<string, ShownWindow>;
}

type Progress = Omit<JobProgress, 'jobId'>;

function summary(r: EncryptResult, ms: number): EncryptSummary {
  return {
    output: r.output, inputBytes: r.inputBytes, outputBytes: r.outputBytes, images: r.images, width: r.width, height: r.height,
    bitDepth: r.bitDepth, fidelity: r.fidelity, quality: r.coding.quality,
    fidelityText: `${fidelityHeadline(r.fidelity, { ...r.coding, ...r.units })}${r.coding.kept ? ` (the file's own ${r.coding.kept} data)` : ''}`,
    reduced: r.reduced, ms, warnings: r.warnings,
  };
}

function progressOf(e: BatchEvent<EncryptResult>): Progress {
  const base = { index: e.index, path: e.input };
  if (e.status === 'done') return { ...base, status: 'done', result: summary(e.result, e.ms) };
  // A cancelled file needs no words (its status says it); a declined one says what was not written.
  if (e.status === 'cancelled' && e.error.code === ErrorCode.Cancelled) return { ...base, status: 'cancelled' };
  if (e.status === 'failed' || e.status === 'cancelled') return { ...base, status: e.status, error: appMessage(e.error) };
  return { ...base, status: e.status };
}

export class AppJobs {
  private readonly running = new Map<string, AbortController>();
  /** Reduced-quality files waiting for the sender's answer, by job and index. */
  private readonly confirmations = new Map<string, (write: boolean) => void>();

  constructor(
    private readonly emit: (p: JobProgress) => void,
    private readonly pool: CodecPool,
  ) {}

  private start(): { jobId: string; signal: AbortSignal; send: (p: Progress) => void; done: () => void } {
    const jobId = randomUUID();
    const controller = new AbortController();
    this.running.set(jobId, controller);
    return { jobId, signal: controller.signal, send: (p) => this.emit({ jobId, ...p }), done: () => this.running.delete(jobId) };
  }

  /** One .aeimg per input (in its subfolder of the output folder); progress arrives as events, one per file and status change. */
  encrypt(files: FoundFile[], s: JobSettings): string {
    const { jobId, signal, send, done } = this.start();
    void encryptFiles(files.map((f) => f.path), {
      model: s.model, recipients: [s.recipient], outDir: s.outDir, outputs: batchOutputs(files, AEIMG_EXT, s.outDir), uidSalt: s.uidSalt,
      coding: s.coding, deidentify: s.deidentify, ctIntercept: s.ctIntercept, notCt: s.notCt, senderWindows: s.senderWindows,
      encode: (task) => this.pool.encode(DEFAULT_MODEL, task),
      confirm: (facts, index) => this.ask(jobId, index, facts, signal, send),
    }, { concurrency: this.pool.size, signal, onEvent: (e) => send(progressOf(e)) }).finally(done);
    return jobId;
  }

  /** One study in parts; progress per slice, then a final event (index −1) with the parts. */
  encryptStudy(paths: string[], s: JobSettings & { name: string; maxBytes: number; outDir: string }): string {
    const { jobId, signal, send, done } = this.start();
    void encryptStudy(paths, {
      model: s.model, recipients: [s.recipient], name: s.name, outDir: s.outDir, maxPartBytes: s.maxBytes,
      coding: s.coding, deidentify: s.deidentify, encode: (task) => this.pool.encode(DEFAULT_MODEL, task),
      ctIntercept: s.ctIntercept, notCt: s.notCt, senderWindows: s.senderWindows, lookahead: this.pool.size * 2, signal,
      onSlice: (index, path) => send({ index, path, status: 'done' }),
      confirm: (facts) => this.ask(jobId, facts.index, facts, signal, send),
    }).then(
      (r) => {
        // The objects it went without (a presentation state, a report): their rows say so, not "done"; a presentation
        // state that went with the images it marks (full header) is done.
        for (const n of r.notImages) send({ index: -2, path: n.path, status: 'failed', error: notImageWords(n, 'went') });
        for (const c of r.carriedObjects) send({ index: -2, path: c.path, status: 'done', note: carriedWords(c, 'went') });
        send({ index: -1, path: s.outDir, status: 'done', study: {
        parts: r.parts, images: r.images, inputBytes: r.inputBytes, meanSsim: r.meanSsim, reduced: r.reduced, warnings: r.warnings,
        ...(r.worst ? { worstText: fidelityHeadline(r.worst, r.worstUnits) } : {}),
        } });
      },
      (err: AeimgError) => {
        // The file that stopped it (a dose grid aeimg does not carry, a damaged slice): its row says why.
        if (err.remedy === Remedy.LeaveOutOfStudy && err.facts?.file) send({ index: -2, path: err.facts.file, status: 'failed', error: appMessage(err) });
        send({
          index: -1, path: s.outDir, status: err.code === ErrorCode.Declined || err.code === ErrorCode.Cancelled ? 'cancelled' : 'failed', error: appMessage(err),
        });
      },
    ).finally(done);
    return jobId;
  }

  /** Shows the sender a reduced-quality file's figures ('confirm' event) and waits for their answer. */
  private ask(jobId: string, index: number, facts: ReducedQuality, signal: AbortSignal, send: (p: Progress) => void): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      if (signal.aborted) return resolve(false);
      this.confirmations.set(`${jobId}:${index}`, resolve);
      send({
        index, path: facts.input, status: 'confirm',
        confirm: { fidelity: facts.fidelity, fidelityText: fidelityHeadline(facts.fidelity, { ...facts.coding, ...facts.units }), quality: facts.coding.quality },
      });
    });
  }

  /** Files not yet started are cancelled, and so is the one in progress: its output never appears. */
  cancel(jobId: string): void {
    this.running.get(jobId)?.abort();
    for (const [key, answer] of this.confirmations) {
      if (key.startsWith(`${jobId}:`)) {
        this.confirmations.delete(key);
        answer(false);
      }
    }
  }

  /** The sender's answer for a reduced-quality file: write it, or leave it unwritten. */
  confirm(jobId: string, index: number, write: boolean): void {
    const key = `${jobId}:${index}`;
    const answer = this.confirmations.get(key);
    this.confirmations.delete(key);
    answer?.(write);
  }

  cancelAll(): void {
    for (const jobId of [...this.running.keys()]) this.cancel(jobId);
  }
}
