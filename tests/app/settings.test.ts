/** Settings saved in the order they were chosen, whatever order their writes finish in. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsFile } from '../../src-main/app/service/settings.js';
import { tempDir } from '../helpers.js';

describe('the settings file', () => {
  it('two changes asked at once both land, the later last (concurrent writes lost the first)', async () => {
    const dir = await tempDir();
    const file = new SettingsFile(dir);
    await file.get();
    const [a, b, c] = await Promise.all([file.set({ quality: 'within-2' }), file.set({ deidentify: 'none' }), file.set({ quality: 'max' })]);
    expect([a.quality, b.quality, b.deidentify, c.quality, c.deidentify]).toEqual(['within-2', 'within-2', 'none', 'max', 'none']);
    expect(await file.get()).toMatchObject({ quality: 'max', deidentify: 'none' });
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toMatchObject({ quality: 'max', deidentify: 'none' });
  });

  it('a first choice saves where the config folder is not made yet (no key created; a new AEIMG_CONFIG_DIR), private to its user', async () => {
    const dir = join(await tempDir(), 'config', 'aeimg');
    const file = new SettingsFile(dir);
    expect((await file.get()).quality).toBe('auto');
    expect((await file.set({ quality: 'within-2' })).quality).toBe('within-2');
    expect(await new SettingsFile(dir).get()).toMatchObject({ quality: 'within-2' }); // as the app finds it when opened again
    if (process.platform !== 'win32') expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });
});
