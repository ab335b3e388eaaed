/** The app's saved settings (settings.json in the config folder), migrated from older versions when read. */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Settings } from '../../../src-shared/api.js';
import { DEFAULT_QUALITY } from '../../../src-shared/quality.js';
import { writeFileAtomic } from '../../engine/fs/atomic.js';

const DEFAULT_SETTINGS: Settings = { quality: DEFAULT_QUALITY, deidentify: 'basic' };
const VERSION = 2;

/**
 * Settings saved by aeimg ≤ 0.2: 'max' was the default then (the network alone, no per-pixel guarantee), and lossless
 * was a separate switch. Such files move to today's default unless the user had chosen lossless.
 */
export function migrateSettings(saved: Partial<Settings> & { lossless?: boolean; version?: number }): Partial<Settings> {
  if ((saved.version ?? 1) >= VERSION) return saved;
  const { lossless, ...rest } = saved;
  return { ...rest, quality: lossless ? 'lossless' : saved.quality === 'max' || !saved.quality ? DEFAULT_QUALITY : saved.quality };
}

export class SettingsFile {
  private cache: Settings | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly path: string;

  constructor(private readonly configDir: string) {
    this.path = join(configDir, 'settings.json');
  }

  async get(): Promise<Settings> {
    if (!this.cache) {
      const saved = await readFile(this.path, 'utf8').then((t) => JSON.parse(t) as Partial<Settings>, () => ({ version: VERSION }));
      this.cache = { ...DEFAULT_SETTINGS, ...migrateSettings(saved) };
    }
    return this.cache;
  }

  /**
   * One change after another, in the order asked: two quick choices (a level, then another) must end on the second,
   * where concurrent writes could finish in either order and leave the first.
   */
  set(patch: Partial<Settings>): Promise<Settings> {
    const run = this.queue.then(async () => {
      const next = { ...(await this.get()), ...patch };
      // A first choice made before any key (a level, an output folder), or a config folder given by AEIMG_CONFIG_DIR
      // that is new: made as the key catalog makes it, where before 0.38 the choice failed to save.
      await mkdir(this.configDir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.path, Buffer.from(JSON.stringify({ ...next, version: VERSION }, null, 2)), { force: true });
      this.cache = next;
      return next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
