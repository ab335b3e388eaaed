/**
 * The renderer in Chromium against the real engine (test bridge): keys, encrypting dropped images, refusing a
 * tampered file, and the viewer showing the decoded pixels. Screenshots of the main screens go to docs/screenshots.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import dcmjs from 'dcmjs';
import { AppPage, ROOT, SCREENSHOTS } from './app-page.js';
import { overlayDicom } from '../overlay-dicom.js';
import { presentationStateDicom } from '../presentation-state-dicom.js';
import { textPdf } from '../report-dicom.js';
import { tiffOf } from '../../scripts/fuzz/tiff.js';

const SLICES = join(ROOT, 'tests', 'fixtures', 'slices');

test.describe.configure({ mode: 'serial' });

let page: Page;
let app: AppPage;
let outDir: string;

test.beforeAll(async ({ browser, baseURL }) => {
  app = await AppPage.open(browser, baseURL!);
  page = app.page;
  outDir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-out-'));
  await mkdir(SCREENSHOTS, { recursive: true });
});

test.afterAll(async () => page.close());

test('key manager: create, export with a passphrase, delete, import back with the same fingerprint', async () => {
  await app.tab('keys');
  await expect(page.getByText('No keys yet')).toBeVisible();
  const fingerprint = await app.createKey('Radiology A');
  expect(fingerprint).toMatch(/^[0-9A-F]{4}(-[0-9A-F]{4}){5}$/);
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'keys.png') });

  const exported = join(outDir, 'radiology-a.aeimg-key');
  await page.getByTestId('export-Radiology A').click();
  await page.getByTestId('export-passphrase').fill('short');
  await page.getByTestId('export-confirm').click();
  await expect(page.getByTestId('error-message').first()).toContainText('too weak');
  await app.answerDialog({ save: exported });
  await page.getByTestId('export-passphrase').fill('correct horse battery staple');
  await page.getByTestId('export-confirm').click();
  await expect(page.getByTestId('keys-notice')).toContainText('exported');
  expect((await readFile(exported, 'utf8')).startsWith('AEIMG-KEY-EXPORT-1')).toBe(true);

  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('key-Radiology A').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('key-Radiology A')).toHaveCount(0);

  await app.answerDialog({ inputs: [exported] });
  await page.getByRole('button', { name: 'Choose key file…' }).click();
  await page.getByTestId('import-passphrase').fill('correct horse battery staple');
  await page.getByTestId('import-key').click();
  await expect(page.getByTestId('key-Radiology A').locator('.fp')).toHaveText(fingerprint);

  // Contacts: my public card, added on the other side as a contact (here: to myself).
  await page.getByTestId('my-card').click();
  await expect(page.getByTestId('my-card-text')).toContainText('AEIMG-CONTACT-1');
  const card = join(outDir, 'me.aeimg-contact');
  await writeFile(card, (await page.getByTestId('my-card-text').textContent())!);
  await app.answerDialog({ inputs: [card] });
  await page.getByTestId('add-contact').click();
  await expect(page.getByTestId('keys-notice')).toContainText(/Contact '.+' added/);
});

test('drop two images: two .aeimg files appear, with sizes and fidelity, and the CLI decrypts them', async () => {
  await app.tab('encrypt');
  await app.answerDialog({ folder: outDir });
  await page.getByRole('button', { name: 'Output folder…' }).click();
  await expect(page.getByTestId('out-dir')).toHaveText(outDir);
  await app.drop('encrypt-drop', [join(SLICES, 'mr-colin27-axial-020.png'), join(SLICES, 'ct-cranium-coronal-220.png')]);
  await expect(page.getByTestId('queue').locator('tbody tr')).toHaveCount(2);
  await page.getByTestId('recipient').selectOption({ label: (await page.getByTestId('recipient').locator('option').nth(1).textContent())! });
  await expect(page.getByTestId('recipient-banner')).toContainText('Radiology A');
  await page.getByTestId('encrypt-start').click();
  for (const name of ['mr-colin27-axial-020.png', 'ct-cranium-coronal-220.png']) {
    await expect(page.getByTestId(`row-${name}`)).toHaveAttribute('data-status', 'done');
    // The default level for 8-bit images: a per-pixel guarantee, with the reader's figure.
    await expect(page.getByTestId(`row-${name}`)).toContainText(/every pixel within ±1 of the original; worst window full range: SSIM 0\.9\d{3}/);
  }
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'encrypt.png') });
  for (const stem of ['mr-colin27-axial-020', 'ct-cranium-coronal-220']) expect(existsSync(join(outDir, `${stem}.aeimg`))).toBe(true);
  const decrypted = join(outDir, 'cli');
  const log = await app.cli(['decrypt', join(outDir, 'mr-colin27-axial-020.aeimg'), join(outDir, 'ct-cranium-coronal-220.aeimg'), '-o', decrypted]);
  expect(log).toContain('Decrypted 2 of 2');
  const png = await sharp(join(decrypted, 'mr-colin27-axial-020.png')).metadata();
  expect([png.width, png.height]).toEqual([256, 256]);
});

test('a tampered .aeimg gives a clear error and opens nothing', async () => {
  const bytes = await readFile(join(outDir, 'ct-cranium-coronal-220.aeimg'));
  bytes[bytes.length - 40]! ^= 0x01;
  const tampered = join(outDir, 'tampered.aeimg');
  await writeFile(tampered, bytes);
  await app.tab('open');
  await app.drop('open-drop', [tampered]);
  await expect(page.getByTestId('error-message').first()).toContainText(/tampered\.aeimg: .*(altered|damaged)/);
  await expect(page.getByTestId('viewer')).toHaveCount(0);
});

test('sent with a passphrase for someone without a key (0.51): typed twice, checked, forgotten once sent; it opens with it alone, in the app and the CLI', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-pass-out-'));
  await app.tab('encrypt');
  await app.answerDialog({ folder: dir });
  await page.getByRole('button', { name: 'Output folder…' }).click();
  await expect(page.getByTestId('out-dir')).toHaveText(dir);
  await copyFile(join(SLICES, 'ct-cranium-axial-021-bone.png'), join(dir, 'one-off.png')); // a name no other test queues
  await app.drop('encrypt-drop', [join(dir, 'one-off.png')]);
  await page.getByTestId('recipient').selectOption({ label: 'A passphrase (for someone without a key)' });
  await expect(page.getByTestId('passphrase-fields')).toContainText('Tell it by phone or in person, never in the e-mail');
  await page.getByTestId('send-passphrase').fill('correct horse battery staple');
  await page.getByTestId('send-passphrase-repeat').fill('correct horse battery stapel');
  await expect(page.getByTestId('passphrase-differ')).toHaveText('The two differ.');
  await page.getByTestId('encrypt-start').click();
  await expect(page.getByTestId('error-message').first()).toHaveText(/The two passphrases differ/);
  await page.getByTestId('send-passphrase').fill('short');
  await page.getByTestId('send-passphrase-repeat').fill('short');
  await page.getByTestId('encrypt-start').click();
  await expect(page.getByTestId('error-message').first()).toContainText('the passphrase is too weak: it is shorter than 12 characters');
  expect(existsSync(join(dir, 'one-off.aeimg'))).toBe(false);
  await page.getByTestId('send-passphrase').fill('correct horse battery staple');
  await page.getByTestId('send-passphrase-repeat').fill('correct horse battery staple');
  await page.getByTestId('encrypt-start').click();
  await expect(page.getByTestId('row-one-off.png')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('send-passphrase')).toHaveValue(''); // forgotten once the job has it
  await app.clearErrors();
  const file = join(dir, 'one-off.aeimg');
  await writeFile(join(dir, 'pw'), 'correct horse battery staple\n');
  expect(await app.cli(['decrypt', file, '--passphrase-file', join(dir, 'pw'), '-o', join(dir, 'cli')])).toContain('Decrypted 1 of 1');
  await app.requestOpen(file);
  await page.getByTestId('open-passphrase').fill('correct horse battery staple');
  await page.getByTestId('open-with-passphrase').click();
  await expect(page.getByTestId('viewer-name')).toHaveText('one-off.aeimg');
  await expect(page.getByTestId('viewer')).toContainText('opened with the passphrase');
  // The next tests write into the spec's output folder, for the key chosen before.
  await app.tab('encrypt');
  await page.getByTestId('recipient').selectOption({ index: 1 });
  await expect(page.getByTestId('recipient-banner')).toContainText('Radiology A');
  await app.answerDialog({ folder: outDir });
  await page.getByRole('button', { name: 'Output folder…' }).click();
  await expect(page.getByTestId('out-dir')).toHaveText(outDir);
});

test('the viewer shows the decoded pixels through the window it reports', async () => {
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'mr-colin27-axial-020.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toHaveText('mr-colin27-axial-020.aeimg'); // not the file before it
  const canvas = page.getByTestId('viewer-canvas');
  await expect(canvas).toBeVisible();
  await expect(page.getByTestId('viewer-fidelity')).toContainText(/SSIM 0\.9\d{3}/);
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer.png') });
  const shown = await canvas.evaluate((c: HTMLCanvasElement) => ({
    w: c.width, h: c.height, center: Number(c.dataset.windowCenter), width: Number(c.dataset.windowWidth),
    data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0)),
  }));
  // What the receiver's CLI decodes from the same file, through the same window.
  const decoded = await sharp(join(outDir, 'cli', 'mr-colin27-axial-020.png')).extractChannel(0).raw().toBuffer();
  const lo = shown.center - shown.width / 2;
  const expected = Array.from(decoded, (v) => Math.max(0, Math.min(255, Math.round((v - lo) * (255 / shown.width)))));
  expect([shown.w, shown.h, shown.data.length, decoded.length]).toEqual([256, 256, 65536, 65536]);
  expect(Number.isFinite(shown.center) && shown.width > 0).toBe(true);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i]! - shown.data[i]!));
  expect(worst).toBeLessThanOrEqual(1);
  // It opens in its full range (0.36), as an image viewer shows it and the one window the sender measured an 8-bit image
  // in (a choice since 0.35): the corner gives its figure.
  expect([shown.center, shown.width]).toEqual([128, 256]);
  const [, headlineSsim] = (await page.getByTestId('viewer-fidelity').textContent())!.match(/SSIM (0\.\d{4})/)!;
  await expect(page.getByTestId('overlay-br')).toContainText(`W 256 L 128 (full range)Sender's SSIM in this window ${headlineSsim}`);
  await page.getByTestId('window-width').fill('200');
  await expect(page.getByTestId('overlay-br')).not.toContainText('Sender\'s SSIM');
  // A window of the reader's own: the corner says the sender did not measure it, and what ±1 can do in it (0.42).
  await expect(page.getByTestId('overlay-br')).toContainText('W 200 L 128Not a window the sender measured: every pixel within ±1 of the original, up to 2 grey levels in it');
  await page.getByTestId('window-preset').selectOption({ label: '1 · full range 128/256' });
  await expect(page.getByTestId('overlay-br')).toContainText(`W 256 L 128 (full range)Sender's SSIM in this window ${headlineSsim}`);
  // Window/level changes what is drawn.
  await page.getByTestId('window-width').fill('40');
  await expect.poll(() => canvas.getAttribute('data-window-width')).toBe('40');

  const saved = join(outDir, 'saved.png');
  await app.answerDialog({ save: saved });
  await page.getByTestId('save-png').click();
  await expect.poll(() => existsSync(saved)).toBe(true);
});

test('a near-lossless level: the receiver is told every pixel is within ±2, and it is', async () => {
  await app.tab('encrypt');
  await page.getByTestId('quality').selectOption('within-2');
  await app.drop('encrypt-drop', [join(SLICES, 'ct-cranium-axial-021-bone.png')]);
  await page.getByTestId('encrypt-start').click();
  await expect(page.getByTestId('row-ct-cranium-axial-021-bone.png')).toHaveAttribute('data-status', 'done');
  await page.getByTestId('quality').selectOption('auto'); // the later tests use the default
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct-cranium-axial-021-bone.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toHaveText('ct-cranium-axial-021-bone.aeimg'); // not the file before it
  await expect(page.getByTestId('viewer-fidelity')).toContainText('every pixel within ±2 of the original');
  const back = join(outDir, 'cli-within-2');
  await app.cli(['decrypt', join(outDir, 'ct-cranium-axial-021-bone.aeimg'), '-o', back]);
  const [orig, got] = await Promise.all([join(SLICES, 'ct-cranium-axial-021-bone.png'), join(back, 'ct-cranium-axial-021-bone.png')]
    .map((f) => sharp(f).extractChannel(0).raw().toBuffer()));
  expect(orig!.reduce((m, v, i) => Math.max(m, Math.abs(v - got![i]!)), 0)).toBeLessThanOrEqual(2);
});

test('a CT exported as a 16-bit PNG, declared CT (0.36): preview, row and viewer in HU and the CT windows, DICOM output a CT in HU', async () => {
  const name = 'ct-cranium-axial-022-hu.png';
  const slice = await sharp(join(SLICES, name)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  const stored = new Uint16Array(slice.buffer, slice.byteOffset, slice.length / 2);
  await app.tab('encrypt');
  await page.getByTestId('quality').selectOption('within-2');
  await app.drop('encrypt-drop', [join(SLICES, name)]);
  await page.getByTestId(`preview-${name}`).click();
  const preview = page.getByTestId('sender-preview');
  // Undeclared: its figures are of a percentile window, in plain values.
  await expect(preview.getByTestId('preview-fidelity')).toContainText('worst window 1st–99th percentile');
  await expect(preview.getByTestId('preview-unitless')).toContainText('If it is a CT, tick "16-bit image files are CT"');
  await page.getByTestId('ct-values').check();
  await expect(page.getByTestId('ct-intercept')).toHaveValue('-1024');
  await expect(preview.getByTestId('preview-fidelity')).toContainText(/every pixel within ±2 HU; worst window (brain|subdural|stroke|soft tissue|lung|bone) /);
  await expect(preview.getByTestId('preview-figures')).toContainText('brain 40/80');
  await expect(preview.getByTestId('window-units')).toHaveText('HU');
  await expect(preview.getByTestId('preview-unitless')).toBeHidden();
  await preview.getByTestId('preview-close').click();
  // A value that is not a whole number sends nothing and says why.
  await page.getByTestId('ct-intercept').fill('-1024.5');
  await page.getByTestId('encrypt-start').click();
  await expect(page.getByTestId('errors')).toContainText('Give the CT intercept as a whole number of HU');
  await expect(page.getByTestId(`row-${name}`)).toHaveAttribute('data-status', 'queued');
  await app.clearErrors();
  await page.getByTestId('ct-intercept').fill('-1024');
  await page.getByTestId('encrypt-start').click();
  await expect(page.getByTestId(`row-${name}`)).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId(`row-${name}`).getByTestId('row-fidelity')).toContainText('every pixel within ±2 HU');
  await expect(page.getByTestId(`row-${name}`)).not.toContainText('without units');
  await page.getByTestId('ct-values').uncheck(); // not for the later tests' files
  await expect(page.getByTestId('ct-intercept')).toBeHidden();
  await page.getByTestId('quality').selectOption('auto');

  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct-cranium-axial-022-hu.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toHaveText('ct-cranium-axial-022-hu.aeimg'); // not the file before it
  await expect(page.getByTestId('viewer-fidelity')).toContainText('every pixel within ±2 HU');
  await expect(page.getByTestId('viewer-declared')).toHaveText(' · CT: its HU are as its sender declared them (HU = value − 1024), an image file, not DICOM');
  await expect(page.getByTestId('window-units')).toHaveText('HU');
  await page.getByTestId('window-preset').selectOption({ label: '1 · brain 40/80' });
  await expect(page.getByTestId('overlay-br')).toContainText('W 80 L 40 HU');
  // The probe gives the PNG's value and its HU (within the ±2 of the original, which the CLI's copy shows exactly).
  const back = join(outDir, 'cli-ct-hu');
  await app.cli(['decrypt', join(outDir, 'ct-cranium-axial-022-hu.aeimg'), '-o', back]);
  const got = await sharp(join(back, name)).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  const received = new Uint16Array(got.buffer, got.byteOffset, got.length / 2);
  expect(received.reduce((m, v, i) => Math.max(m, Math.abs(v - stored[i]!)), 0)).toBeLessThanOrEqual(2);
  const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * (128.5 / 256), box.y + box.height * (100.5 / 256));
  const v = received[100 * 256 + 128]!;
  await expect(page.getByTestId('probe')).toHaveText(`(128, 100) value ${v} → ${v - 1024} HU`);
  // Saved as DICOM: a CT whose rescale gives its HU.
  const dcm = join(outDir, 'ct-hu.dcm');
  await app.answerDialog({ save: dcm });
  await page.getByTestId('save-dcm').click();
  await expect.poll(() => existsSync(dcm)).toBe(true);
  const ds = dcmjs.data.DicomMessage.readFile((await readFile(dcm)).buffer as ArrayBuffer).dict;
  expect([ds['00080060']?.Value?.[0], Number(ds['00281052']?.Value?.[0]), ds['00281054']?.Value?.[0]]).toEqual(['CT', -1024, 'HU']);
});

test('"16-bit image files are CT" ticked: a queued file that cannot go as one says so in its row before anything starts (0.37)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-ct-queue-'));
  await copyFile(join(SLICES, 'ct-cranium-axial-022-hu.png'), join(dir, 'head.png'));
  await copyFile(join(SLICES, 'ct-cranium-coronal-220.png'), join(dir, 'window.png')); // 8-bit: a window's grey levels
  await app.tab('encrypt');
  // Chosen in the file dialog, so that the queue holds the files' own paths, as the app's drops do (a test's drop uploads copies).
  const choose = async (names: string[]) => {
    await app.answerDialog({ inputs: names.map((n) => join(dir, n)) });
    await page.getByTestId('encrypt-drop').focus();
    await page.keyboard.press('Enter');
  };
  await choose(['head.png', 'window.png']);
  const [head, window] = [page.getByTestId('row-head.png'), page.getByTestId('row-window.png')];
  await expect(window).toHaveAttribute('data-status', 'queued');
  await expect(window.getByTestId('row-ct-refusal')).toBeHidden();
  await page.getByTestId('ct-values').check();
  await expect(window.getByTestId('row-ct-refusal')).toHaveText(/^Will fail as a CT: window\.png is an 8-bit image, the grey levels of a window, not a CT's values in HU, so it cannot go as a CT/);
  await expect(head.getByTestId('row-ct-refusal')).toBeHidden();
  // Removed, exported again in 16 bits and dropped again, it is asked about again (with an 8-bit file in the same ask).
  await page.getByTestId('remove-window.png').click();
  await copyFile(join(SLICES, 'ct-cranium-axial-022-hu.png'), join(dir, 'window.png'));
  await copyFile(join(SLICES, 'ct-cranium-coronal-220.png'), join(dir, 'other.png'));
  await choose(['window.png', 'other.png']);
  await expect(page.getByTestId('row-other.png').getByTestId('row-ct-refusal')).toContainText('other.png is an 8-bit image');
  await expect(window.getByTestId('row-ct-refusal')).toBeHidden();
  await page.getByTestId('ct-values').uncheck();
  await expect(page.getByTestId('row-other.png').getByTestId('row-ct-refusal')).toBeHidden();
  for (const row of ['head.png', 'window.png', 'other.png']) await page.getByTestId(`remove-${row}`).click();
});

test('"16-bit image files are CT" ticked: each row says how its file goes, and one said not to be a CT goes without HU (0.38)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-not-ct-'));
  await copyFile(join(SLICES, 'ct-cranium-axial-022-hu.png'), join(dir, 'head.png'));
  // An MR exported as the CT was: 16-bit grey, its background at 0 where a CT's air is.
  const mr = await sharp(join(SLICES, 'mr-colin27-axial-020.png')).greyscale().raw().toBuffer({ resolveWithObject: true });
  const twelve = Uint16Array.from(mr.data, (v, i) => v * 16 + ((i * 7) % 13)); // 12-bit, its noise in the low bits
  await writeFile(join(dir, 'mr.tif'), tiffOf([twelve], mr.info.width, mr.info.height));
  await copyFile(join(SLICES, 'ct-cranium-coronal-220.png'), join(dir, 'window.png')); // 8-bit: a window's grey levels
  await app.tab('encrypt');
  await page.getByTestId('quality').selectOption('within-2');
  await app.drop('encrypt-drop', ['head.png', 'mr.tif', 'window.png'].map((n) => join(dir, n)));
  const [head, mrRow, window] = [page.getByTestId('row-head.png'), page.getByTestId('row-mr.tif'), page.getByTestId('row-window.png')];
  await expect(mrRow).toHaveAttribute('data-status', 'queued');
  await expect(mrRow.getByTestId('row-ct')).toBeHidden();
  await page.getByTestId('ct-values').check();
  // Both 16-bit files are named as going in HU: nothing in the MR's pixels tells it from a CT.
  await expect(head.getByTestId('row-ct')).toHaveText('Goes as a CT: HU = value − 1024.');
  await expect(mrRow.getByTestId('row-ct')).toHaveText('Goes as a CT: HU = value − 1024.');
  await expect(window.getByTestId('row-ct-refusal')).toContainText('window.png is an 8-bit image');
  await mrRow.getByTestId('row-not-ct-button').click();
  await expect(mrRow.getByTestId('row-not-ct')).toContainText('Goes without HU, not as a CT, as you said.');
  await expect(mrRow.getByTestId('row-ct')).toBeHidden();
  // The 8-bit window export can go too, as the picture it is.
  await window.getByTestId('row-not-ct-button').click();
  await expect(window.getByTestId('row-ct-refusal')).toBeHidden();
  // The preview of each is as it would go: the MR's figures in its own values, the CT's in HU.
  await page.getByTestId('preview-mr.tif').click();
  const preview = page.getByTestId('sender-preview');
  await expect(preview.getByTestId('preview-fidelity')).toContainText('every pixel within ±2 of the original');
  await expect(preview.getByTestId('preview-unitless')).toBeVisible();
  await page.getByTestId('preview-head.png').click();
  await expect(preview.getByTestId('preview-fidelity')).toContainText('every pixel within ±2 HU');
  await preview.getByTestId('preview-close').click();
  await page.getByTestId('encrypt-start').click();
  for (const row of [head, mrRow, window]) await expect(row).toHaveAttribute('data-status', 'done');
  await expect(head.getByTestId('row-fidelity')).toContainText('every pixel within ±2 HU');
  await expect(mrRow.getByTestId('row-fidelity')).toContainText('every pixel within ±2 of the original');
  await expect(window.getByTestId('row-fidelity')).toContainText('every pixel within ±2 of the original');
  // "Send as a CT" undoes it, for a file not yet sent.
  await app.drop('encrypt-drop', [join(dir, 'mr.tif')]);
  const again = page.locator('[data-testid="row-mr.tif"][data-status="queued"]');
  await again.getByTestId('row-not-ct-button').click();
  await again.getByRole('button', { name: 'Send mr.tif as a CT' }).click();
  await expect(again.getByTestId('row-ct')).toHaveText('Goes as a CT: HU = value − 1024.');
  await page.getByTestId('ct-values').uncheck();
  await expect(again.getByTestId('row-ct')).toBeHidden();
  await page.getByTestId('quality').selectOption('auto');
  await again.getByRole('button', { name: /^Remove / }).click();
  await page.getByRole('button', { name: 'Clear finished' }).click();
});

test('an ImageJ TIFF of a CT goes with its own calibration, named so ticked or not, and its reader is told whose HU they are; one of an MR is named (0.39)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-imagej-'));
  for (const name of ['ct_small_signed.tif', 'mr_small_signed.tif']) await copyFile(join(ROOT, 'tests', 'fixtures', 'imagej', name), join(dir, name));
  await app.tab('encrypt');
  await page.getByTestId('quality').selectOption('within-2');
  await app.drop('encrypt-drop', ['ct_small_signed.tif', 'mr_small_signed.tif'].map((n) => join(dir, n)));
  const [ct, mr] = [page.getByTestId('row-ct_small_signed.tif'), page.getByTestId('row-mr_small_signed.tif')];
  await expect(ct).toHaveAttribute('data-status', 'queued');
  // Unticked, the CT goes in HU already, as its DICOM file would: its row and its preview say so; the MR's row nothing.
  const own = 'Goes as a CT: HU = value − 1024, as its ImageJ calibration says (its own, as a DICOM file\'s rescale is).';
  await expect(ct.getByTestId('row-ct')).toHaveText(own);
  await expect(mr.getByTestId('row-ct')).toHaveCount(0);
  await page.getByTestId('preview-ct_small_signed.tif').click();
  const preview = page.getByTestId('sender-preview');
  await expect(preview.getByTestId('preview-fidelity')).toContainText('every pixel within ±2 HU');
  await preview.getByTestId('preview-close').click();
  await page.getByTestId('ct-values').check();
  // Its row says how, from its file, and offers no "not a CT": its own header says it is one.
  await page.getByTestId('ct-intercept').fill('0'); // given as values in HU: it goes with its own all the same
  await expect(ct.getByTestId('row-ct')).toHaveText(own);
  await expect(ct.getByTestId('row-not-ct-button')).toBeHidden();
  // The MR's row names its modality, whatever its pixels; its button sends it without HU.
  await expect(mr.getByTestId('row-ct-warning')).toContainText('mr_small_signed.tif is an ImageJ TIFF of a DICOM file whose Modality is MR, not CT');
  await mr.getByTestId('row-not-ct-button').click();
  await expect(mr.getByTestId('row-not-ct')).toContainText('Goes without HU, not as a CT, as you said.');
  await page.getByTestId('encrypt-start').click();
  for (const row of [ct, mr]) await expect(row).toHaveAttribute('data-status', 'done');
  await expect(ct.getByTestId('row-fidelity')).toContainText('every pixel within ±2 HU');
  await expect(mr.getByTestId('row-fidelity')).toContainText('every pixel within ±2 of the original');
  await page.getByTestId('ct-intercept').fill('-1024');
  await page.getByTestId('ct-values').uncheck();
  await page.getByTestId('quality').selectOption('auto');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  // Its reader is told its HU are its ImageJ calibration's, not its sender's word.
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct_small_signed.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toHaveText('ct_small_signed.aeimg'); // not the file before it
  await expect(page.getByTestId('viewer-fidelity')).toContainText('every pixel within ±2 HU');
  await expect(page.getByTestId('viewer-declared'))
    .toHaveText(' · CT: its HU are as its ImageJ calibration gives them (HU = value − 1024, the rescale of the DICOM file ImageJ opened), an image file, not DICOM');
  // Its reader measures in mm, by its ImageJ calibration (its DICOM file's Pixel Spacing), and is told whose they are.
  await expect(page.getByTestId('overlay-br')).toContainText('0.661 mm/pixel (its ImageJ calibration)');
  // The MR opens in its DICOM file's window (600/1600), which ImageJ kept and its sender measured in.
  await app.drop('open-drop', [join(outDir, 'mr_small_signed.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toHaveText('mr_small_signed.aeimg'); // not the file before it
  await expect(page.getByTestId('overlay-br')).toContainText(/W 1600 L 600 \(file window 1\)Sender's SSIM in this window 0\.\d{4}/);
});

test('an ImageJ TIFF saved through an inverted LUT (WhiteIsZero, as ImageJ saves a MONOCHROME1 file) opens to its image in its window, its values the file\'s (0.40)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-inverted-'));
  await copyFile(join(ROOT, 'tests', 'fixtures', 'imagej', 'mr_small_inverted_lut.tif'), join(dir, 'inverted.tif'));
  await app.tab('encrypt');
  await page.getByTestId('quality').selectOption('lossless');
  await app.drop('encrypt-drop', [join(dir, 'inverted.tif')]);
  const row = page.getByTestId('row-inverted.tif');
  await expect(row).toHaveAttribute('data-status', 'queued');
  await page.getByTestId('encrypt-start').click();
  await expect(row).toHaveAttribute('data-status', 'done');
  await page.getByTestId('quality').selectOption('auto');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'inverted.aeimg')]);
  // The MR before it opened in the same window: what follows is of this file only once it is shown.
  await expect(page.getByTestId('viewer-name')).toHaveText('inverted.aeimg');
  // Opened in its DICOM file's window, over the image's values: a picture, not a black square (as before 0.40).
  await expect(page.getByTestId('overlay-br')).toContainText('W 1600 L 600 (file window 1)');
  const canvas = page.getByTestId('viewer-canvas');
  const greys = await canvas.evaluate((c: HTMLCanvasElement) =>
    new Set(Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 === 0))).size);
  expect(greys).toBeGreaterThan(100);
  // The probe reads the DICOM file's own value there (signed, its stored value), not 65535 less ImageJ's sample.
  const b = await readFile(join(ROOT, 'tests', 'fixtures', 'dicom', 'mr_small_explicit_le.dcm'));
  const pixels = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer).dict['7FE00010']!.Value![0] as ArrayBuffer;
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width * (32.5 / 64), box.y + box.height * (20.5 / 64));
  await expect(page.getByTestId('probe')).toHaveText(`(32, 20) value ${new Int16Array(pixels)[20 * 64 + 32]}`);
});

test('a study an 8-bit file stops as a CT: its failed row sends it without HU, and the study goes (0.38)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-not-ct-study-'));
  await copyFile(join(SLICES, 'ct-cranium-axial-022-hu.png'), join(dir, 'head.png'));
  await copyFile(join(SLICES, 'ct-cranium-coronal-220.png'), join(dir, 'scout.png')); // 8-bit: a window's grey levels
  await app.tab('encrypt');
  await app.drop('encrypt-drop', [join(dir, 'head.png'), join(dir, 'scout.png')]);
  const scout = page.getByTestId('row-scout.png');
  await page.getByTestId('ct-values').check();
  await page.getByTestId('as-study').check();
  // The study's estimate codes both: the 8-bit file fails as a CT, and its row offers the way out.
  await expect(scout).toHaveAttribute('data-status', 'failed');
  await expect(scout).toContainText('is an 8-bit image, the grey levels of a window');
  await scout.getByTestId('row-not-ct-button').click();
  await expect(page.getByTestId('row-scout.png')).toHaveAttribute('data-status', 'queued');
  await expect(page.getByTestId('row-scout.png').getByTestId('row-not-ct')).toContainText('Goes without HU, not as a CT, as you said.');
  await expect(page.getByTestId('study-estimate')).toContainText('Estimate: 2 images');
  await page.getByTestId('study-start').click();
  await expect(page.getByTestId('study-result')).toContainText('Done: 2 images');
  await page.getByTestId('as-study').uncheck();
  await page.getByTestId('ct-values').uncheck();
  await page.getByRole('button', { name: 'Clear finished' }).click();
});

test('a signed TIFF in HU: the preview says to declare it with 0, and an intercept 1024 off is said before sending (0.37)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-ct-signed-'));
  const hu = Int16Array.from({ length: 64 * 64 }, (_, i) => (i % 64) * 30 - 1000 + Math.floor(i / 64)); // −1000..953
  await writeFile(join(dir, 'hu.tif'), tiffOf([hu], 64, 64));
  await app.tab('encrypt');
  await page.getByTestId('quality').selectOption('within-2');
  await app.drop('encrypt-drop', [join(dir, 'hu.tif')]);
  await page.getByTestId('preview-hu.tif').click();
  const preview = page.getByTestId('sender-preview');
  await expect(preview.getByTestId('preview-unitless')).toContainText('If it is a CT in HU, tick "16-bit image files are CT" and give HU = value + 0');
  // Ticked with the default −1024: its air read 1024 HU too low, and said.
  await page.getByTestId('ct-values').check();
  await expect(preview.getByTestId('preview-warnings')).toContainText('hu.tif was declared a CT with HU = value − 1024, which puts its darkest part');
  await expect(preview.getByTestId('preview-warnings')).toContainText('give HU = value + 0');
  await preview.getByTestId('preview-close').click();
  // The queue's row says it too, before anything is sent, and it goes with the intercept typed right.
  const row = page.getByTestId('row-hu.tif');
  await expect(row.getByTestId('row-ct-warning')).toContainText('Check before sending: hu.tif was declared a CT with HU = value − 1024');
  await page.getByTestId('ct-intercept').fill('0');
  await expect(row.getByTestId('row-ct-warning')).toBeHidden();
  await page.getByTestId('preview-hu.tif').click();
  await expect(preview.getByTestId('preview-fidelity')).toContainText('every pixel within ±2 HU');
  await expect(preview.getByText(/was declared a CT/)).toHaveCount(0);
  // What a signed TIFF is always told stays: its samples go as its values + 32768.
  await expect(preview.getByTestId('preview-warnings')).toContainText('hu.tif has signed 16-bit samples');
  await preview.getByTestId('preview-close').click();
  await page.getByTestId('ct-values').uncheck();
  await page.getByTestId('quality').selectOption('auto');
  await page.getByTestId('remove-hu.tif').click();
});

test('a DICOM CD given whole: every series, extensionless files as DICOM, bit-exact, each in its series folder', async () => {
  const cd = await mkdtemp(join(tmpdir(), 'aeimg-cd-'));
  const series = [join(cd, 'DICOM', 'ST000000', 'SE000000'), join(cd, 'DICOM', 'ST000000', 'SE000001')];
  for (const s of series) await mkdir(s, { recursive: true });
  const dicom = join(ROOT, 'tests', 'fixtures', 'dicom');
  await copyFile(join(dicom, 'ct_small_explicit_le.dcm'), join(series[0]!, 'IM000001'));
  await copyFile(join(dicom, 'mr_small_explicit_le.dcm'), join(series[0]!, 'IM000002'));
  await copyFile(join(dicom, 'mr_small_explicit_le.dcm'), join(series[1]!, 'IM000001'));
  await copyFile(join(dicom, 'ct_small_explicit_le.dcm'), join(cd, 'DICOMDIR'));
  await mkdir(join(cd, 'sent'));
  for (const n of ['a', 'b']) await writeFile(join(cd, 'sent', `${n}.aeimg`), 'an earlier run\'s output');
  await app.tab('encrypt');
  await app.clearErrors();
  // Folders come through the file chooser here (the harness drops file contents, not folders).
  await app.answerDialog({ inputs: [cd] });
  await page.getByTestId('encrypt-drop').click();
  // What the folder holds besides images is said once, not once per file.
  await expect(page.getByTestId('error-message')).toHaveCount(1);
  await expect(page.getByTestId('error-message')).toContainText('a.aeimg, b.aeimg are not images aeimg can encrypt');
  await app.clearErrors();
  const rows = ['SE000000/IM000001', 'SE000000/IM000002', 'SE000001/IM000001'].map((r) => `DICOM/ST000000/${r}`);
  for (const row of rows) await expect(page.getByTestId(`row-${row}`)).toHaveAttribute('data-status', 'queued');
  await expect(page.getByTestId(`row-${rows[2]}`)).toContainText(`${rows[2]}`); // the sender sees which series
  // One file the sender does not mean to send comes off the list before anything starts.
  await page.getByRole('button', { name: `Remove ${rows[1]} from the list` }).click();
  await expect(page.getByTestId(`row-${rows[1]}`)).toHaveCount(0);
  rows.splice(1, 1);
  await page.getByTestId('encrypt-start').click();
  for (const row of rows) {
    await expect(page.getByTestId(`row-${row}`)).toHaveAttribute('data-status', 'done');
    await expect(page.getByTestId(`row-${row}`)).toContainText('bit-exact');
    expect(existsSync(join(outDir, `${row}.aeimg`))).toBe(true); // two IM000001, each in its series' folder
  }
  expect(existsSync(join(outDir, 'DICOMDIR.aeimg'))).toBe(false);
  expect(existsSync(join(outDir, 'DICOM', 'ST000000', 'SE000000', 'IM000002.aeimg'))).toBe(false);
  // Bit-exact: nothing differs in any window, so the viewer lists no figures.
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, `${rows[0]}.aeimg`)]);
  await expect(page.getByTestId('viewer-name')).toHaveText('IM000001.aeimg'); // not the file before it
  await expect(page.getByTestId('viewer-fidelity')).toContainText('bit-exact');
  await expect(page.getByTestId('viewer-figures-details')).toHaveCount(0);
});

test('a reduced-quality level asks before writing, and the receiver sees a banner', async () => {
  const ct = join(ROOT, 'tests', 'fixtures', 'dicom', 'ct_head_512_j2k_lossless.dcm');
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  // `low`: the network alone, below the 0.98 line in a window of this CT head (at `max` it is above it since 0.7.2).
  await page.getByTestId('quality').selectOption('low');
  await app.drop('encrypt-drop', [ct]);
  await page.getByTestId('encrypt-start').click();
  const ask = page.getByTestId('confirm-reduced');
  await expect(ask).toBeVisible();
  await expect(page.getByTestId('confirm-figure')).toContainText(/worst window [\w ]+ -?\d+\/\d+: SSIM 0\.\d{4}, largest error \d+ HU/);
  await expect(page.getByTestId('confirm-advice')).toHaveText('The default level has a per-pixel guarantee: bit-exact for DICOM and images over 8 bits, within ±1 for 8-bit images. Nothing has been written yet.');
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'confirm-reduced.png') });
  await page.getByTestId('confirm-skip').click();
  await expect(page.getByTestId('row-ct_head_512_j2k_lossless.dcm')).toHaveAttribute('data-status', 'cancelled');
  expect(existsSync(join(outDir, 'ct_head_512_j2k_lossless.aeimg'))).toBe(false); // declined: nothing written

  await app.drop('encrypt-drop', [ct]);
  await page.getByTestId('encrypt-start').click();
  await page.getByTestId('confirm-write').click();
  const row = page.getByTestId('row-ct_head_512_j2k_lossless.dcm').and(page.locator('[data-status="done"]'));
  await expect(row).toContainText('Reduced quality: worst window');
  await page.getByTestId('quality').selectOption('auto');
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct_head_512_j2k_lossless.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toHaveText('ct_head_512_j2k_lossless.aeimg'); // not the file before it
  await expect(page.getByTestId('reduced-banner')).toContainText(/Reduced quality — not for primary diagnosis \(worst window .*: SSIM 0\.\d{4}, largest error \d+ HU\)/);
  // The reader gets the sender's table too (0.35), not the worst window alone: every CT preset and the file's own
  // window, worst first, its first row the banner's window and figure.
  const [, worst, worstSsim] = (await page.getByTestId('reduced-banner').textContent())!.match(/worst window (.*?): SSIM (0\.\d{4})/)!;
  await expect(page.getByTestId('viewer-figures')).toBeHidden();
  await page.getByTestId('viewer-figures-details').locator('summary').click();
  const figureRows = page.getByTestId('viewer-figures').locator('tbody tr');
  await expect(figureRows.first().locator('td').first()).toHaveText(worst!);
  await expect(figureRows.first().locator('td').nth(1)).toHaveText(worstSsim!);
  const labels = await figureRows.locator('td:first-child').allTextContents();
  expect(labels).toEqual(expect.arrayContaining(['brain 40/80', 'lung -600/1500', 'bone 500/2000', expect.stringMatching(/^file window 1 /)]));
  // The table says what its figures are over (0.42): what each window shows, not the air black in it in both.
  await expect(page.getByTestId('viewer-figures').locator('th').nth(1)).toHaveAttribute('title', /^Over what the window shows: .*CT's air in the brain window/);
  const ssims = (await figureRows.locator('td:nth-child(2)').allTextContents()).map(Number);
  expect(ssims).toEqual([...ssims].sort((a, b) => a - b));
  await expect(page.getByTestId('viewer-errors')).toContainText(/^Largest error \d+ HU, RMSE [\d.]+ HU; each reader window as the sender measured/);
  // The window on screen says the sender's figure in it where the sender measured it: the lung preset, then none once
  // the reader drags a window of their own.
  const lungSsim = await figureRows.filter({ hasText: 'lung -600/1500' }).locator('td').nth(1).textContent();
  await page.getByTestId('window-preset').selectOption({ label: '5 · lung -600/1500' });
  await expect(page.getByTestId('overlay-br')).toContainText(`W 1500 L -600 HU (lung)Sender's SSIM in this window ${lungSsim}Zoom`);
  await page.getByTestId('window-width').fill('1234');
  await expect(page.getByTestId('overlay-br')).toContainText('W 1234 L -600 HUNot a window the sender measured: no per-pixel bound');
  await expect(page.getByTestId('overlay-br')).not.toContainText('Sender\'s SSIM');
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('r');
  await page.getByTestId('viewer-figures-details').locator('summary').click();
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-reduced.png') });

  // Any copy of the picture carries the warning, overlays or not: a red band across the top of the saved view.
  await page.getByTestId('copy-overlays').uncheck();
  const view = join(outDir, 'reduced.view.png');
  await app.answerDialog({ save: view });
  await page.getByTestId('save-view').click();
  await expect(page.getByRole('status').filter({ hasText: `Saved the view as ${view}` })).toBeVisible();
  const { data, info } = await sharp(view).raw().toBuffer({ resolveWithObject: true });
  let red = 0;
  for (let x = 0; x < info.width; x++) {
    const o = (3 * info.width + x) * info.channels; // row 3: above any text in the band
    if (data[o]! > 150 && data[o + 1]! < 60 && data[o + 2]! < 60) red++;
  }
  expect(red).toBe(info.width);
  // Above the view, not over it (0.51; before, over its top 22 rows): the picture is the stage's size plus the band.
  const stage = (await page.getByTestId('viewer-stage').boundingBox())!;
  expect([info.width, info.height]).toEqual([Math.round(stage.width), Math.round(stage.height) + 22]);
  // The denoised view of it keeps that band, its own amber one below (0.50; before, the amber band alone).
  await page.getByTestId('denoised').scrollIntoViewIfNeeded();
  await page.getByTestId('denoised').check();
  await expect(page.getByTestId('overlay-tr')).toContainText('REDUCED QUALITY');
  await expect(page.getByTestId('overlay-tr')).toContainText('DENOISED VIEW');
  const both = join(outDir, 'reduced-denoised.view.png');
  await app.answerDialog({ save: both });
  await page.getByTestId('save-view').click();
  await expect(page.getByRole('status').filter({ hasText: `Saved the view as ${both}` })).toBeVisible();
  const bands = await sharp(both).raw().toBuffer({ resolveWithObject: true });
  const rowOf = (y: number, is: (r: number, g: number, b: number) => boolean) => {
    let n = 0;
    for (let x = 0; x < bands.info.width; x++) {
      const o = (y * bands.info.width + x) * bands.info.channels;
      if (is(bands.data[o]!, bands.data[o + 1]!, bands.data[o + 2]!)) n++;
    }
    return n;
  };
  expect(rowOf(3, (r, g, b) => r > 150 && g < 60 && b < 60)).toBe(bands.info.width); // red: reduced quality
  expect(rowOf(22 + 3, (r, g, b) => r > 150 && g > 60 && g < 110 && b < 40)).toBe(bands.info.width); // amber: the denoised view
  expect(bands.info.height).toBe(Math.round(stage.height) + 44);
  await page.getByTestId('denoised').uncheck();
  await page.getByTestId('copy-overlays').check();
});

test('a file reduced at a guaranteed level is told to take a tighter one, not the default it may already be', async () => {
  const mr = join(ROOT, 'tests', 'fixtures', 'dicom', 'mr_philips_512_implicit_le_nometa.dcm');
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await page.getByTestId('quality').selectOption('within-4'); // ±4 stored units are ±38 in this MR's values: 0.97 in its window
  await app.drop('encrypt-drop', [mr]);
  await page.getByTestId('encrypt-start').click();
  await expect(page.getByTestId('confirm-advice')).toHaveText(
    "Each pixel is within the ±4 promised, and a reader's window still shows the difference: choose Near-lossless ±1 or Lossless (bit-exact) to keep more. Nothing has been written yet.");
  await page.getByTestId('confirm-skip').click();
  await expect(page.getByTestId('row-mr_philips_512_implicit_le_nometa.dcm')).toHaveAttribute('data-status', 'cancelled');
  await page.getByTestId('quality').selectOption('auto');
});

test('a folder encrypted as one study: predicted size and parts, then a series viewer steps through the slices', async () => {
  const studyDir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-study-'));
  const sources = ['mr-colin27-axial-020.png', 'ct-cranium-coronal-220.png', 'ct-cranium-axial-021-bone.png'];
  const slices: string[] = [];
  for (let i = 0; i < 12; i++) {
    const p = join(studyDir, `slice-${String(i + 1).padStart(2, '0')}.png`);
    await sharp(join(SLICES, sources[i % 3]!)).rotate(90 * Math.floor(i / 3)).png().toFile(p);
    slices.push(p);
  }
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.drop('encrypt-drop', slices);
  await expect(page.getByTestId('queue').locator('tbody tr')).toHaveCount(12);
  await page.getByTestId('as-study').check();
  await page.getByTestId('study-name').fill('head-ct');
  await page.getByTestId('study-max').fill('0.1'); // 12 slices at the default (within-1) need about 360 KB
  await page.getByTestId('study-max').dispatchEvent('change');
  await expect(page.getByTestId('study-estimate')).toContainText(/12 images → about .* in [2-9] parts/);
  await page.getByTestId('study-start').click();
  await expect(page.getByTestId('study-result')).toContainText(/12 images in [2-9] parts/);
  // What its slices give, as the CLI says it: the worst slice's window with the largest error of any slice.
  await expect(page.getByTestId('study-worst')).toHaveText(/^; worst of its slices: every pixel within ±1 of the original; worst window full range: SSIM 0\.9\d{3}, largest error 1$/);
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'study.png') });
  const parts = (await readdir(outDir)).filter((n) => n.startsWith('head-ct.part'));
  expect(parts.length).toBeGreaterThanOrEqual(2);
  for (const p of parts) expect((await stat(join(outDir, p))).size).toBeLessThanOrEqual(100_000);

  await app.tab('open');
  // Chosen in the open dialog (keyboard): a drop in this bridge uploads a copy, away from the other parts.
  await app.answerDialog({ inputs: [join(outDir, parts.find((n) => n.startsWith('head-ct.part1of'))!)] });
  await page.getByTestId('open-drop').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 12');
  await expect(page.getByTestId('viewer-name')).toContainText(`head-ct (${parts.length} parts)`);
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('slice-label')).toContainText('Image 2 of 12 — slice-02.png');
  await page.getByTestId('viewer-canvas').hover();
  await page.mouse.wheel(0, 120);
  await expect(page.getByTestId('slice-label')).toContainText('Image 3 of 12');
  await page.getByTestId('next-slice').click();
  await expect(page.getByTestId('slice-label')).toContainText('Image 4 of 12 — slice-04.png');
  await expect(page.getByTestId('viewer-fidelity')).toContainText(/every pixel within ±1 of the original; worst window .*SSIM 0\.9\d{3}/);
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'series-viewer.png') });
});

test('a PDF report dropped with PNG images goes with them as one study: the reader gets the PDF beside the images', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-pdf-'));
  const names = ['pdf-slice-1.png', 'pdf-slice-2.png'];
  for (const n of names) await copyFile(join(SLICES, 'ct-cranium-coronal-220.png'), join(dir, n));
  const report = textPdf(['Radiology report', 'Impression: no acute intracranial findings.']);
  await writeFile(join(dir, 'Discharge report.pdf'), report);
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.drop('encrypt-drop', [...names.map((n) => join(dir, n)), join(dir, 'Discharge report.pdf')]);
  await expect(page.getByTestId('queue').locator('tbody tr')).toHaveCount(3); // taken, not refused as "not an image"
  await expect(page.getByTestId('row-Discharge report.pdf').getByTestId('row-document-note')).toHaveText('A report: it goes with the images when they are sent as one study.');
  await expect(page.getByTestId('preview-Discharge report.pdf')).toHaveCount(0); // nothing to preview as an image
  await page.getByTestId('as-study').check();
  await page.getByTestId('study-name').fill('with-report');
  const estimate = page.getByTestId('study-estimate');
  await expect(estimate).toContainText(/^\s*Estimate: 2 images →/);
  // Another level gives another figure at once (it stayed the previous level's before 0.23).
  const before = (await estimate.textContent())!;
  await page.getByTestId('quality').selectOption('lossless');
  await expect(estimate).not.toHaveText(before);
  await page.getByTestId('quality').selectOption('auto');
  await expect(estimate).toHaveText(before);
  await page.getByTestId('study-start').click();
  await expect(page.getByTestId('study-result')).toContainText(/2 images in 1 part/);
  const row = page.getByTestId('row-Discharge report.pdf');
  await expect(row).toHaveAttribute('data-status', 'done');
  await expect(row.getByTestId('row-note')).toContainText('its PDF document "Discharge report" went with the study: the reader gets it as a file beside the images');
  await page.getByTestId('as-study').uncheck();

  await app.tab('open');
  await app.answerDialog({ inputs: [join(outDir, 'with-report.part1of1.aeimg')] });
  await page.getByTestId('open-drop').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 2');
  await expect(page.getByTestId('viewer-reports')).toHaveText('The study came with a report: "Discharge report" (Reports).');
  await page.getByTestId('toggle-reports').click();
  // Its page shown in the panel (0.23), drawn by PDF.js: text on white, nothing written to disk.
  await page.getByTestId('show-report-0').click();
  const pageCanvas = page.getByTestId('report-pdf').locator('canvas[data-page="1"]');
  await expect(pageCanvas).toHaveAttribute('aria-label', 'Page 1 of 1');
  await expect.poll(() => pageCanvas.evaluate((c: HTMLCanvasElement) => {
    const { data } = c.getContext('2d')!.getImageData(0, 0, c.width, Math.floor(c.height / 8)); // the top eighth: its two lines
    let dark = 0, white = 0;
    for (let i = 0; i < data.length; i += 4) { if (data[i]! < 100) dark++; else if (data[i]! > 240) white++; }
    return dark > 200 && white > data.length / 8;
  })).toBe(true);
  await expect(page.getByTestId('report-pdf-note')).toHaveCount(0);
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-report-pdf.png') });
  await page.getByTestId('show-report-0').click(); // Hide
  await expect(page.getByTestId('report-pdf')).toHaveCount(0);
  const saved = join(dir, 'saved.pdf');
  await app.answerDialog({ save: saved });
  await page.getByTestId('save-report-0').click();
  await expect(page.getByRole('status').filter({ hasText: `Saved ${saved}` })).toBeVisible();
  expect(await readFile(saved)).toEqual(report); // the sender's PDF, byte for byte
  await page.getByTestId('toggle-reports').click();
});

test('a study whose reduced quality is declined is written not at all, and none of its slices shows as done', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-declined-'));
  const names = ['declined-1.png', 'declined-2.png', 'declined-3.png'];
  for (const n of names) await copyFile(join(SLICES, 'ct-cranium-coronal-220.png'), join(dir, n));
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await page.getByTestId('quality').selectOption('low');
  await app.drop('encrypt-drop', names.map((n) => join(dir, n)));
  await page.getByTestId('as-study').check();
  await page.getByTestId('study-name').fill('declined');
  await page.getByTestId('study-start').click();
  await expect(page.getByTestId('confirm-reduced')).toBeVisible();
  await page.getByTestId('confirm-skip').click();
  for (const n of names) await expect(page.getByTestId(`row-${n}`)).toHaveAttribute('data-status', 'cancelled');
  expect((await readdir(outDir)).filter((n) => n.startsWith('declined.'))).toEqual([]);
  await app.clearErrors();
  await page.getByTestId('quality').selectOption('auto');
  await page.getByTestId('as-study').uncheck();
});

/** A copy of a DICOM fixture with other attributes (tag → VR and value), as a second slice or series. */
async function dicomVariant(fixture: string, path: string, attrs: Record<string, [string, string | number]>): Promise<void> {
  const b = await readFile(join(ROOT, 'tests', 'fixtures', 'dicom', fixture));
  const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  for (const [tag, [vr, value]] of Object.entries(attrs)) dicom.dict[tag] = { vr, Value: [value] };
  if (attrs['00080018']) dicom.meta['00020003'] = { vr: 'UI', Value: [attrs['00080018'][1]] };
  await writeFile(path, Buffer.from(dicom.write()));
}

/** Zeros over the start of a JPEG 2000 file's codestream (its SIZ marker): its decoder then fails, its lengths whole. */
async function damageCodestream(path: string): Promise<void> {
  const b = await readFile(path);
  const at = b.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
  expect(at).toBeGreaterThan(0);
  b.fill(0, at, at + 16);
  await writeFile(path, b);
}

test('a 32-bit dose grid and a copy cut short dropped with a CT slice: listed failed at once, saying why (their headers), and left out of the study, which goes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-rt-'));
  const names = ['ct_small_explicit_le.dcm', 'rtdose_32bit.dcm'];
  for (const n of names) await copyFile(join(ROOT, 'tests', 'fixtures', 'dicom', n), join(dir, n));
  const whole = await readFile(join(dir, 'ct_small_explicit_le.dcm'));
  await writeFile(join(dir, 'cut.dcm'), whole.subarray(0, whole.length - 4000)); // a CD read that failed part-way
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.drop('encrypt-drop', [...names, 'cut.dcm'].map((n) => join(dir, n)));
  // Before anything starts, from their headers: why they cannot go.
  const dose = page.getByTestId('row-rtdose_32bit.dcm');
  await expect(dose).toHaveAttribute('data-status', 'failed');
  await expect(dose).toContainText('rtdose_32bit.dcm: has 32-bit samples (Bits Allocated 32), which aeimg does not carry');
  const cut = page.getByTestId('row-cut.dcm');
  await expect(cut).toHaveAttribute('data-status', 'failed');
  await expect(cut).toContainText('cut.dcm: is truncated: its Pixel Data holds 28906 bytes but 1 frame(s) of 128x128 need 32768. This copy is incomplete: copy it again from the CD or PACS export.');
  await expect(page.getByTestId('row-ct_small_explicit_le.dcm')).toHaveAttribute('data-status', 'queued');
  await page.getByTestId('as-study').check();
  await page.getByTestId('study-name').fill('rt-plan');
  await expect(page.getByTestId('study-estimate')).toContainText('1 image');
  await page.getByTestId('study-start').click();
  await expect(page.getByTestId('row-ct_small_explicit_le.dcm')).toHaveAttribute('data-status', 'done');
  expect((await readdir(outDir)).filter((n) => n.startsWith('rt-plan.'))).toEqual(['rt-plan.part1of1.aeimg']);
  for (const row of ['rtdose_32bit.dcm', 'cut.dcm']) await page.getByTestId(`remove-${row}`).click();
  await expect(dose).toHaveCount(0);
  await expect(cut).toHaveCount(0);
  await page.getByTestId('as-study').uncheck();
});

test('a damaged slice the study\'s size estimate meets: its row says why and how at once, and once removed the others go', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-est-'));
  // Three MR slices, the first's JPEG 2000 codestream damaged (its header and lengths whole): the estimate samples it.
  const slices = [1, 2, 3].map((k) => `est${k}.dcm`);
  for (const [k, n] of slices.entries()) await dicomVariant('mr_small_j2k_lossless.dcm', join(dir, n), { '00080018': ['UI', `2.25.${9200 + k}`], '00200013': ['IS', k + 1] });
  await damageCodestream(join(dir, 'est1.dcm'));
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.drop('encrypt-drop', slices.map((n) => join(dir, n)));
  await expect(page.getByTestId('row-est1.dcm')).toHaveAttribute('data-status', 'queued'); // its header says nothing wrong
  await page.getByTestId('as-study').check();
  await page.getByTestId('study-name').fill('est');
  const cut = page.getByTestId('row-est1.dcm');
  await expect(cut).toHaveAttribute('data-status', 'failed');
  await expect(cut).toContainText('A study is written whole or not at all: to send its other files without this one, remove it from the list ("Remove") and encrypt the study.');
  // The estimate runs again without it.
  await expect(page.getByTestId('study-estimate')).toContainText('2 images');
  await app.clearErrors();
  await page.getByTestId('remove-est1.dcm').click();
  await page.getByTestId('study-start').click();
  for (const n of slices.slice(1)) await expect(page.getByTestId(`row-${n}`)).toHaveAttribute('data-status', 'done');
  expect((await readdir(outDir)).filter((n) => n.startsWith('est.'))).toEqual(['est.part1of1.aeimg']);
  await page.getByTestId('as-study').uncheck();
});

test('a study stopped while encrypting by a damaged slice the estimate did not sample: nothing written, its row says why, the others wait; removed, they go', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-cut-'));
  // Four MR slices, the last's codestream damaged (its header and lengths whole): the estimate samples the first three.
  const slices = [1, 2, 3, 4].map((k) => `mr${k}.dcm`);
  for (const [k, n] of slices.entries()) await dicomVariant('mr_small_j2k_lossless.dcm', join(dir, n), { '00080018': ['UI', `2.25.${9100 + k}`], '00200013': ['IS', k + 1] });
  await damageCodestream(join(dir, 'mr4.dcm'));
  const whole = slices.slice(0, 3);
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.drop('encrypt-drop', slices.map((n) => join(dir, n)));
  await page.getByTestId('as-study').check();
  await page.getByTestId('study-name').fill('cut');
  await expect(page.getByTestId('study-estimate')).toBeVisible();
  await page.getByTestId('study-start').click();
  const cut = page.getByTestId('row-mr4.dcm');
  await expect(cut).toHaveAttribute('data-status', 'failed');
  await expect(cut).toContainText('A study is written whole or not at all: to send its other files without this one, remove it from the list ("Remove") and encrypt the study.');
  // Nothing of the study was sent: its other slices wait, queued again, not "failed".
  for (const n of whole) await expect(page.getByTestId(`row-${n}`)).toHaveAttribute('data-status', 'queued');
  expect((await readdir(outDir)).filter((n) => n.startsWith('cut.'))).toEqual([]);
  await app.clearErrors();
  await page.getByTestId('remove-mr4.dcm').click();
  await page.getByTestId('study-start').click();
  for (const n of whole) await expect(page.getByTestId(`row-${n}`)).toHaveAttribute('data-status', 'done');
  expect((await readdir(outDir)).filter((n) => n.startsWith('cut.'))).toEqual(['cut.part1of1.aeimg']);
  await page.getByTestId('as-study').uncheck();
});

test('a de-identified DICOM file with overlays: its row tells the sender which overlays the reader will not see', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-marks-'));
  await overlayDicom(join(dir, 'mr_marks.dcm'));
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.drop('encrypt-drop', [join(dir, 'mr_marks.dcm')]);
  await page.getByTestId('encrypt-start').click();
  const row = page.getByTestId('row-mr_marks.dcm');
  await expect(row).toHaveAttribute('data-status', 'done');
  await expect(row.locator('.warn')).toContainText('has 3 overlays, overlay 6000 ("Siemens MedCom Object Graphics"), overlay 6002 ("First target mark") ' +
    'and overlay 6004: graphics a viewer draws over the image');
  await expect(row.locator('.warn')).toContainText('so the reader will not see them. If the reader needs them, send the file with its full header');
  await app.clearErrors();
});

test('a study exported whole: its presentation state is set aside, its row says why, the study holds the image', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-whole-'));
  const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
  const gsps = '1.2.840.10008.5.1.4.1.1.11.1';
  const dict = new dcmjs.data.DicomDict({
    '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', gsps), '00020003': v('UI', '1.2.3.4'), '00020010': v('UI', '1.2.840.10008.1.2.1'),
  });
  dict.dict = { '00080016': v('UI', gsps), '00080018': v('UI', '1.2.3.4'), '00080060': v('CS', 'PR') };
  await writeFile(join(dir, 'annotations.dcm'), Buffer.from(dict.write()));
  await copyFile(join(ROOT, 'tests', 'fixtures', 'dicom', 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.drop('encrypt-drop', [join(dir, 'annotations.dcm'), join(dir, 'ct.dcm')]);
  await page.getByTestId('as-study').check();
  await page.getByTestId('study-name').fill('whole');
  await expect(page.getByTestId('study-estimate')).toContainText(/^\s*Estimate: 1 images →/);
  await page.getByTestId('study-start').click();
  await expect(page.getByTestId('study-result')).toContainText(/1 images in 1 part/);
  await expect(page.getByTestId('study-warning')).toContainText('annotations.dcm: is a presentation state');
  const row = page.getByTestId('row-annotations.dcm');
  await expect(row).toHaveAttribute('data-status', 'failed');
  await expect(row).toContainText('de-identification removes presentation states (their annotations may name the patient), so the study went without it');
  await expect(page.getByTestId('row-ct.dcm')).toHaveAttribute('data-status', 'done');
  await app.clearErrors();
  // Sent with its full header, a presentation state that marks the study's image goes with it (0.18): its row is done.
  await presentationStateDicom(join(dir, 'reading.dcm'));
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await app.drop('encrypt-drop', [join(dir, 'reading.dcm'), join(dir, 'ct.dcm')]);
  await page.getByLabel('DICOM metadata').selectOption('none');
  await page.getByTestId('study-name').fill('kept');
  await page.getByTestId('study-start').click();
  await expect(page.getByTestId('study-result')).toContainText(/1 images in 1 part/);
  await expect(page.getByTestId('row-reading.dcm')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('row-reading.dcm').getByTestId('row-note')).toContainText('its presentation state "LESION" went with the image it marks'); // what the reader gets of it
  await expect(page.getByTestId('study-warning')).toHaveCount(0);
  await page.getByLabel('DICOM metadata').selectOption('basic');
  await page.getByTestId('as-study').uncheck();
});

test('an error no handler caught is said in the window, not only in the console (0.38)', async () => {
  // A promise refused where no call catches it (before 0.38: the console alone heard it, and the click seemed to do nothing).
  await page.evaluate(() => { void Promise.reject(new Error('the engine went away')); });
  await expect(page.getByTestId('error-message').first()).toContainText('the engine went away (an unexpected error: what you were doing may not have finished; try it again)');
  await app.clearErrors();
  await expect(page.getByTestId('errors')).toBeHidden();
});
