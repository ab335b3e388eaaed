import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { KeyList } from '../../../src-shared/api';
import { bridge, unwrap } from '../bridge';
import { useErrors } from './errors';

export const useKeys = defineStore('keys', () => {
  const list = ref<KeyList>({ keys: [], contacts: [], keychain: { available: true } });
  const notice = ref('');
  const errors = useErrors();
  const empty = computed(() => list.value.keys.length === 0 && list.value.contacts.length === 0);

  /** Runs an action; a failure is shown in plain words. True when it succeeded. */
  async function guarded(fn: () => Promise<void>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      errors.report(err);
      return false;
    }
  }
  const refresh = async () => { await guarded(async () => { list.value = await unwrap(bridge().keys.list()); }); };
  const create = (name: string) => guarded(async () => {
    const k = await unwrap(bridge().keys.create(name));
    notice.value = `Key '${k.name}' created. Fingerprint ${k.fingerprint}.`;
    await refresh();
  });
  const remove = (name: string) => guarded(async () => {
    await unwrap(bridge().keys.remove(name));
    notice.value = `Key '${name}' deleted.`;
    await refresh();
  });
  const exportKey = (name: string, passphrase: string) => guarded(async () => {
    const r = await unwrap(bridge().keys.exportKey(name, passphrase));
    if (r) notice.value = `Key '${name}' exported to ${r.path}. Give it to the other side with the passphrase told separately.`;
  });
  const importKey = (path: string, passphrase: string, name?: string) => guarded(async () => {
    const k = await unwrap(bridge().keys.importKey(path, passphrase, name));
    notice.value = `Key '${k.name}' imported. Compare its fingerprint ${k.fingerprint} with the sender by phone.`;
    await refresh();
  });
  const addContact = (path: string, name?: string) => guarded(async () => {
    const c = await unwrap(bridge().keys.addContact(path, name));
    notice.value = `Contact '${c.name}' added. Fingerprint ${c.fingerprint}.`;
    await refresh();
  });
  return { list, notice, empty, refresh, create, remove, exportKey, importKey, addContact };
});
