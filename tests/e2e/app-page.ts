/** Page object for the renderer under the test bridge: navigation, drops, dialogs answered by the test. */
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import sharp from 'sharp';

export const ROOT = join(import.meta.dirname, '../..');
/** docs/screenshots with `npm run screenshots`; otherwise test-results, so `npm test` leaves the tree clean. */
export const SCREENSHOTS = process.env.AEIMG_UPDATE_SCREENSHOTS === '1'
  ? join(ROOT, 'docs', 'screenshots')
  : join(ROOT, 'test-results', 'screenshots');

export class AppPage {
  constructor(readonly page: Page, readonly baseURL: string) {}

  /** The app in a new page of `browser` (or a context), its page errors logged, on its first screen. */
  static async open(browser: Browser | BrowserContext, baseURL: string): Promise<AppPage> {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.log(`page error: ${err.message}`));
    const app = new AppPage(page, baseURL);
    await app.goto();
    return app;
  }

  async goto(): Promise<void> {
    await this.page.addInitScript({ path: join(import.meta.dirname, 'bridge-client.js') });
    await this.page.goto('/');
    await expect(this.page.getByTestId('backend')).toContainText('wasm');
  }

  async tab(name: 'encrypt' | 'open' | 'keys'): Promise<void> {
    await this.page.getByTestId(`tab-${name}`).click();
  }

  /** Queues the answer of the next native dialog (open files, folder, or save path). */
  /** The file manager asks the app to open `paths` (several selected and opened with aeimg: one request each, in a burst). */
  async requestOpen(...paths: string[]): Promise<void> {
    for (const path of paths) {
      const r = await fetch(`${this.baseURL}/test/open-request`, { method: 'POST', body: JSON.stringify({ path }) });
      if (!r.ok) throw new Error(`open request: ${r.status}`);
    }
  }

  async answerDialog(answer: { inputs?: string[]; folder?: string | null; save?: string | null }): Promise<void> {
    const r = await fetch(`${this.baseURL}/test/dialog`, { method: 'POST', body: JSON.stringify(answer) });
    expect(r.ok).toBe(true);
  }

  /** Runs the aeimg CLI with the bridge's keychain and key catalog. */
  async cli(args: string[]): Promise<string> {
    const env = await this.env();
    return execFileSync(process.execPath, [join(ROOT, 'bin', 'aeimg.js'), ...args], {
      encoding: 'utf8', env: { ...process.env, AEIMG_CONFIG_DIR: env.config, AEIMG_KEYCHAIN_SERVICE: env.keychain }, maxBuffer: 64 << 20,
    });
  }

  async env(): Promise<{ work: string; config: string; keychain: string; revealed: string[] }> {
    return (await fetch(`${this.baseURL}/test/env`)).json();
  }

  /** Drops files from disk onto the element with `testid`, as a user dragging them from the file manager. */
  async drop(testid: string, paths: string[]): Promise<void> {
    const files = await Promise.all(paths.map(async (p) => ({ name: basename(p), b64: (await readFile(p)).toString('base64') })));
    await this.page.getByTestId(testid).evaluate((el, list) => {
      const dt = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
        dt.items.add(new File([bytes], f.name));
      }
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, files);
  }

  /** Dismisses shown errors (after a test has checked them), so screenshots show the screen itself. */
  async clearErrors(): Promise<void> {
    const buttons = this.page.getByTestId('error-message').getByRole('button', { name: 'Dismiss' });
    while (await buttons.count()) await buttons.first().click();
  }

  async createKey(name: string): Promise<string> {
    await this.tab('keys');
    await this.page.getByTestId('new-key-name').fill(name);
    await this.page.getByTestId('create-key').click();
    const row = this.page.getByTestId(`key-${name}`);
    await expect(row).toBeVisible();
    return (await row.locator('.fp').textContent())!.trim();
  }

  /** The red channel of every pixel of the canvas `testid` (the viewer's by default). */
  async canvasGrey(testid = 'viewer-canvas'): Promise<number[]> {
    return this.page.getByTestId(testid).evaluate((c: HTMLCanvasElement) =>
      Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0)));
  }

  /** The viewer's "Save view" into `file` (answering main's save dialog): the picture's pixels as the PNG holds them. */
  async savedView(file: string) {
    await this.answerDialog({ save: file });
    await this.page.getByTestId('save-view').click();
    await expect(this.page.getByRole('status').filter({ hasText: `as ${file}` })).toBeVisible();
    return sharp(file).raw().toBuffer({ resolveWithObject: true });
  }

  /** How many pixels of a saved view are as `is` says (given their red, green and blue). */
  async pixelsOf(file: string, is: (r: number, g: number, b: number) => boolean): Promise<number> {
    const { data, info } = await this.savedView(file);
    let n = 0;
    for (let i = 0; i < data.length; i += info.channels) if (is(data[i]!, data[i + 1]!, data[i + 2]!)) n++;
    return n;
  }
}
