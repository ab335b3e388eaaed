/** The renderer's settings: a later choice is never undone by an earlier choice's answer arriving after it. */
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../src-shared/api';
import { useErrors } from '../../src-renderer/src/stores/errors';
import { useSettings } from '../../src-renderer/src/stores/settings';

describe('settings store', () => {
  it('answers that cross: the level shown is the last one chosen', async () => {
    const pending: ((s: Settings) => void)[] = [];
    const saved = { quality: 'within-2', deidentify: 'basic' } as Settings;
    (globalThis as { window?: unknown }).window = {
      aeimg: { settings: { set: (patch: Partial<Settings>) => new Promise<Settings>((resolve) => pending.push(() => resolve({ ...saved, ...patch }))), get: async () => saved } },
    };
    setActivePinia(createPinia());
    const store = useSettings();
    const first = store.update({ quality: 'lossless' });
    const second = store.update({ quality: 'max' });
    expect(store.settings.quality).toBe('max'); // shown at once
    pending[1]!(saved); // main answers the later choice first …
    await second;
    pending[0]!(saved); // … and the earlier one after it
    await first;
    expect(store.settings.quality).toBe('max');
  });

  it('a level chosen while the saved settings are on their way is kept (0.38)', async () => {
    let answer: (s: Settings) => void = () => undefined;
    const saved = { quality: 'auto', deidentify: 'basic', outDir: '/out' } as Settings;
    (globalThis as { window?: unknown }).window = {
      aeimg: {
        settings: { get: () => new Promise<Settings>((resolve) => { answer = resolve; }), set: async (patch: Partial<Settings>) => ({ ...saved, ...patch }) },
        app: { info: async () => ({}) },
      },
    };
    setActivePinia(createPinia());
    const store = useSettings();
    const loading = store.load();
    await store.update({ quality: 'within-2' });
    answer(saved); // the saved settings arrive after the choice
    await loading;
    expect(store.settings).toEqual({ ...saved, quality: 'within-2' });
  });

  it('a choice main cannot save goes back to the saved one, and the window says why (0.38: it went back without a word)', async () => {
    const saved = { quality: 'auto', deidentify: 'basic' } as Settings;
    (globalThis as { window?: unknown }).window = {
      aeimg: { settings: { get: async () => saved, set: async () => { throw new Error('settings.json: the disk is full.'); } } },
    };
    setActivePinia(createPinia());
    const store = useSettings();
    await store.update({ quality: 'within-2' });
    expect(store.settings.quality).toBe('auto');
    expect(useErrors().messages.map((m) => m.text)).toEqual(['Your choice was not saved, so it stays as it was: settings.json: the disk is full.']);
  });
});
