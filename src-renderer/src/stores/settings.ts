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
  async function update(patch: Partial<Settings>) {
    settings.value = await bridge().settings.set(patch);
  }
  return { settings, info, load, update };
});
