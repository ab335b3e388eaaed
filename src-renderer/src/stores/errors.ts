import { defineStore } from 'pinia';
import { ref } from 'vue';

/** Messages for the user, in plain words; the newest first. */
export const useErrors = defineStore('errors', () => {
  const messages = ref<{ id: number; text: string }[]>([]);
  let next = 1;
  function report(err: unknown) {
    const text = err instanceof Error ? err.message : String(err);
    messages.value.unshift({ id: next++, text });
  }
  function dismiss(id: number) {
    messages.value = messages.value.filter((m) => m.id !== id);
  }
  return { messages, report, dismiss };
});
