import { defineConfig } from '@playwright/test';

const PORT = 4817;

/**
 * Renderer tests in Debian's Chromium against the real engine through the test bridge (tests/e2e/bridge-server.ts),
 * plus `_electron.launch` specs that run where the Electron binary exists. Run inside scripts/with-keyring.sh.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '*.spec.ts',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: { executablePath: process.env.AEIMG_CHROMIUM ?? '/usr/bin/chromium' },
    viewport: { width: 1200, height: 900 },
  },
  webServer: {
    command: `npx tsx tests/e2e/bridge-server.ts ${PORT}`,
    url: `http://127.0.0.1:${PORT}/`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
  },
});
