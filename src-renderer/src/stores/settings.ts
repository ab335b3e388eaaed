import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo, Settings } from '../../../src-shared/api';
import { bridge } from '../bridge';
import { DEFAULT_QUALITY } from '../../../src-shared/quality';

export const useSettings = defineStore('settings', () => {
  const settings = ref<Settings>({ quality: DEFAULT_QUALITY, deidentify: 'basic' });
  const info = ref<AppInfo | null>(null);
  async function load() {
    settings.value = await bridge().settings.get();
    info.value = await bridge().app.info();
  }
  let latest = 0;
  /** Shown at once; main's answer replaces it only if no later choice was made meanwhile (answers can cross). */
  async function update(patch: Partial<Settings>) {
    const mine = ++latest;
    settings.value = { ...settings.value, ...patch };
    try {
      const saved = await bridge().settings.set(patch);
      if (mine === latest) settings.value = saved;
    } catch (err) {
      if (mine === latest) settings.value = await bridge().settings.get(); // refused (an output folder that is not one): as saved
      throw err;
    }
  }
  return { settings, info, load, update };
});
