/**
 * Run by no-plaintext-on-disk.test.ts under strace: the app's open → denoised view → save journey through the real
 * AppService and codec worker pool, with a key given directly (no keychain) and a save dialog that answers OUT.
 * Usage: node --import tsx tests/app/journey.script.ts FILE.aeimg KEYFILE OUT CONFIG
 */
import { join } from 'node:path';
import { AppService, type Shell } from '../../src-main/app/service/app-service.js';
import { CodecPool } from '../../src-main/engine/jobs/pool.js';
import { readKeyFile } from '../../src-main/engine/keys/keyfile.js';
import type { KeyStore } from '../../src-main/engine/keys/keystore.js';

const [file, keyFile, out, config] = process.argv.slice(2) as [string, string, string, string];
const key = await readKeyFile(keyFile);
const store = { list: async () => [], contacts: async () => [], identitiesFor: async () => [key] } as unknown as KeyStore;
const shell: Shell = {
  chooseInputs: async () => [],
  chooseFolder: async () => out,
  chooseSavePath: async (name) => join(out, name),
  reveal: async () => undefined,
  emit: () => undefined,
};
const service = new AppService(shell, CodecPool.create(2), config, store);
const opened = await service.open(file);
if (!opened.ok) throw new Error(opened.message);
for (const denoised of [false, true]) {
  const img = await service.image(opened.value.openId, 0, denoised);
  if (!img.ok) throw new Error(img.message);
}
const saved = await service.save(opened.value.openId, 0, 'png');
if (!saved.ok || !saved.value) throw new Error(saved.ok ? 'not saved' : saved.message);
await service.close();
process.stdout.write(`saved ${saved.value.path}\n`);
