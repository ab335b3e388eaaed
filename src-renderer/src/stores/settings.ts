import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo, Settings } from '../../../src-shared/api';
import { bridge } from '../bridge';
import { DEFAULT_QUALITY } from '../../../src-shared/quality';
import { useErrors } from './errors';

export const useSettings = defineStore('settings', () => {
  const settings = ref<Settings>({ quality: DEFAULT_QUALITY, deidentify: 'basic' });
  const info = ref<AppInfo | null>(null);
  const errors = useErrors();
  let latest = 0;
  /**
   * The saved settings, as the window opens; a choice made while they were on their way stays (its own answer brings
   * the rest): before 0.38 they replaced it, and a level picked at once went back to the saved one.
   */
  async function load() {
    const before = latest;
    const saved = await bridge().settings.get();
    if (before === latest) settings.value = saved;
    info.value = await bridge().app.info();
  }
  /** Shown at once; main's answer replaces it only if no later choice was made meanwhile (answers can cross). */
  async function update(patch: Partial<Settings>) {
    const mine = ++latest;
    settings.value = { ...settings.value, ...patch };
    try {
      const saved = await bridge().settings.set(patch);
      if (mine === latest) settings.value = saved;
    } catch (err) {
      // Refused (an output folder that is not one) or not written: as saved, and said (before 0.38 only the console
      // heard it, and the choice went back without a word).
      if (mine === latest) settings.value = await bridge().settings.get();
      errors.report(new Error(`Your choice was not saved, so it stays as it was: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
  return { settings, info, load, update };
});
