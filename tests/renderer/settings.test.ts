/** The renderer's settings: a later choice is never undone by an earlier choice's answer arriving after it. */
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../src-shared/api';
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
});
