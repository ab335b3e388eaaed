/**
 * The same flows in the real Electron app, with a temporary userData. They need the Electron binary, which cannot
 * be downloaded on the build machines (no npm or Debian package ships it): there they are reported as skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { ROOT } from './app-page.js';

/** node_modules/electron/path.txt names the binary inside dist/ once it has been downloaded. */
function electronBinary(): string | null {
  const dir = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const binary = electronBinary();
if (!binary) console.log('electron.spec.ts: skipped: the Electron binary is not present (node_modules/electron/dist); it cannot be downloaded on this machine.');
test.skip(!binary, 'Electron binary not present (node_modules/electron/dist): it cannot be downloaded on this machine');

test('the packaged main process opens one secure window with the app, keys and drop zone', async () => {
  const userData = await mkdtemp(join(tmpdir(), 'aeimg-electron-'));
  const app = await electron.launch({
    executablePath: binary!, args: [ROOT, `--user-data-dir=${userData}`],
    env: { ...process.env, AEIMG_CONFIG_DIR: join(userData, 'config') },
  });
  try {
    const win = await app.firstWindow();
    await expect(win.getByTestId('backend')).toContainText('v');
    // Sandboxed, isolated, no Node in the page: only the named bridge methods are there.
    expect(await win.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await win.evaluate(() => Object.keys((window as unknown as { aeimg: object }).aeimg).sort())).toEqual(['app', 'files', 'keys', 'settings']);
    await win.getByTestId('tab-keys').click();
    await win.getByTestId('new-key-name').fill('Radiology A');
    await win.getByTestId('create-key').click();
    await expect(win.getByTestId('key-Radiology A')).toBeVisible();
    await win.getByTestId('tab-encrypt').click();
    await expect(win.getByTestId('encrypt-drop')).toBeVisible();
  } finally {
    await app.close();
  }
});
