/**
 * The sender's look before sending (issue 15): a queued file as the receiver will see it, original and decoded side
 * by side with one window/level, zoom and pan, the error map |original − decoded| in stored units with its legend, and
 * the receiver's figures; a multi-frame file frame by frame; nothing written. Also: a single key is chosen for the
 * sender. The oracle for the original is the CLI's bit-exact round trip of the same file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import sharp from 'sharp';
import type { ImagePixels, SenderPreview } from '../../src-shared/api.js';
import { sampleToReal, windowToByte, type ValueMapping } from '../../src-shared/windows.js';
import { errorColour } from '../../src-renderer/src/viewer/errormap.js';
import { AppPage, ROOT, SCREENSHOTS } from './app-page.js';
import { OVERLAY_SOP, overlayDicom } from '../overlay-dicom.js';
import { coveredByDefault, SHUTTER_SIZE, shutterDicom } from '../shutter-dicom.js';
import { keyObjectDicom, withInstance } from '../key-object-dicom.js';
import { presentationStateDicom } from '../presentation-state-dicom.js';
import { readDicomFile } from '../../src-main/engine/dicom/import.js';

const DICOM = join(ROOT, 'tests', 'fixtures', 'dicom');
const CT = 'ct_small_explicit_le.dcm';
const MR3 = 'enhanced_mr_3frame_functional_groups.dcm';

test.describe.configure({ mode: 'serial' });

let page: Page;
let app: AppPage;
let ctSamples: Uint16Array;
let ctMapping: ValueMapping;
let keyCreated = false;


test.beforeAll(async ({ browser, baseURL }) => {
  app = await AppPage.open(browser, baseURL!);
  page = app.page;
  await mkdir(SCREENSHOTS, { recursive: true });
  // The original's samples: ct_small encrypted bit-exactly by the CLI and decrypted (stored + 32768).
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-preview-'));
  await app.cli(['keys', 'create', 'Preview oracle']);
  await app.cli(['encrypt', join(DICOM, CT), '--key', 'Preview oracle', '--quality', 'lossless', '-o', dir]);
  await app.cli(['decrypt', join(dir, 'ct_small_explicit_le.aeimg'), '-o', dir]);
  await app.cli(['keys', 'delete', 'Preview oracle', '--yes']);
  const png = await sharp(join(dir, 'ct_small_explicit_le.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  ctSamples = new Uint16Array(png.buffer, png.byteOffset, png.length / 2);
  const fixture = (JSON.parse(await readFile(join(DICOM, 'fixtures.json'), 'utf8')) as { file: string; bits_stored: number }[]).find((f) => f.file === CT)!;
  ctMapping = { offset: 32768, inverted: false, signed: true, bitsStored: fixture.bits_stored, slope: 1, intercept: -1024 };
});

test.afterAll(async () => {
  // Leave the keychain and settings as the other specs expect them (they share the bridge).
  await page.evaluate(() => window.aeimg.settings.set({ quality: 'auto' }));
  if (keyCreated) await page.evaluate(() => window.aeimg.keys.remove('Sender'));
  await page.close();
});

const preview = () => page.getByTestId('sender-preview');
const inPreview = (testid: string): Locator => preview().getByTestId(testid);

/** Every canvas pixel's RGB of a preview pane. */
async function rgbOf(pane: 'original' | 'decoded' | 'error'): Promise<number[]> {
  return inPreview(`preview-${pane}-canvas`).evaluate((c: HTMLCanvasElement) =>
    Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 !== 3)));
}

/** What the panel shows, straight from the bridge: the same request for the queued (dropped) copy of `name`. */
type Plain<T> = Omit<T, 'original' | 'decoded'> & { original: Omit<ImagePixels, 'pixels'> & { pixels: number[] }; decoded: Omit<ImagePixels, 'pixels'> & { pixels: number[] } };
async function droppedPath(name: string): Promise<string> {
  const { work } = await app.env();
  const dropped = (await readdir(join(work, 'dropped'), { recursive: true })).map(String).filter((n) => n.endsWith(name));
  expect(dropped).toHaveLength(1);
  return join(work, 'dropped', dropped[0]!);
}
async function previewOf(name: string, quality: string, frame = 0): Promise<Plain<SenderPreview>> {
  const path = await droppedPath(name);
  return page.evaluate(async (req) => {
    const r = await window.aeimg.files.preview(req);
    if (!r.ok) throw new Error(r.message);
    const plain = (px: typeof r.value.original) => ({ ...px, pixels: Array.from(px.pixels) });
    return { ...r.value, original: plain(r.value.original), decoded: plain(r.value.decoded) };
  }, { path, quality: quality as 'auto', deidentify: 'basic' as const, frame });
}

test('one key and no contact: the Encrypt view has chosen it', async () => {
  const before = await page.evaluate(() => window.aeimg.keys.list());
  expect(before.ok).toBe(true);
  await app.createKey('Sender');
  keyCreated = true;
  await app.tab('encrypt');
  const list = await page.evaluate(() => window.aeimg.keys.list());
  if (!list.ok) throw new Error(list.message);
  if (list.value.keys.length === 1 && list.value.contacts.length === 0) {
    await expect(page.getByTestId('recipient')).toHaveValue('key:Sender');
    await expect(page.getByTestId('recipient-banner')).toContainText('Key Sender');
  } else {
    // Another spec left keys or contacts in the shared keychain: then the sender still chooses.
    await expect(page.getByTestId('recipient')).toHaveValue('');
  }
});

test('a 16-bit CT within ±2: original, received and error map agree with the pixels, window and zoom shared, nothing written', async () => {
  // What the dropped files' folder holds before (other specs drop .aeimg files to open there).
  const { work } = await app.env();
  const aeimgs = async () => (await readdir(join(work, 'dropped'), { recursive: true }).catch(() => [])).map(String).filter((n) => n.endsWith('.aeimg'));
  const before = await aeimgs();
  await page.getByTestId('quality').selectOption('within-2');
  await app.drop('encrypt-drop', [join(DICOM, CT)]);
  await page.getByTestId(`preview-${CT}`).click();
  await expect(inPreview('preview-fidelity')).toContainText('every pixel within ±2 HU; worst window');
  await expect(inPreview('preview-level')).toHaveAttribute('data-quality', 'within-2');
  await expect(inPreview('preview-figures')).toContainText('brain 40/80');

  const p = await previewOf(CT, 'within-2');
  expect([p.original.width, p.original.height, p.decoded.bitDepth]).toEqual([128, 128, 16]);
  expect(p.original.pixels).toEqual(Array.from(ctSamples));
  const errors = Array.from(ctSamples, (o, i) => Math.abs(o - p.decoded.pixels[i]!));
  const max = Math.max(...errors);
  expect(max).toBeLessThanOrEqual(2);
  expect(p.info.fidelity?.stored?.maxAbs).toBe(max);
  await expect(inPreview('preview-legend')).toHaveAttribute('data-max', String(max));

  // Both images through the same window, as DICOM's linear VOI of their HU.
  await inPreview('window-preset').selectOption({ label: '1 · brain 40/80' });
  await expect.poll(async () => Number(await inPreview('window-width').inputValue())).toBe(80);
  const voi = (s: number) => windowToByte(sampleToReal(s, ctMapping), 40, 80);
  const grey = (rgb: number[]) => rgb.filter((_, i) => i % 3 === 0);
  expect(grey(await rgbOf('original')).every((g, i) => g === voi(ctSamples[i]!))).toBe(true);
  expect(grey(await rgbOf('decoded')).every((g, i) => g === voi(p.decoded.pixels[i]!))).toBe(true);
  // The error map: |original − decoded| in stored units through the legend's colour scale.
  const map = await rgbOf('error');
  let wrong = 0;
  errors.forEach((e, i) => {
    const [r, g, b] = errorColour(e, max);
    if (map[i * 3] !== r || map[i * 3 + 1] !== g || map[i * 3 + 2] !== b) wrong++;
  });
  expect(wrong).toBe(0);

  // Zoom on one pane zooms all three; W/L dragged on the received image windows the original too.
  const canvases = ['original', 'decoded', 'error'].map((id) => inPreview(`preview-${id}-canvas`));
  const zoomOf = async (c: Locator) => Number(await c.getAttribute('data-zoom'));
  const z0 = await zoomOf(canvases[0]!);
  await inPreview('preview-probe').scrollIntoViewIfNeeded(); // the panes above it on screen
  const box = (await canvases[0]!.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -120);
  await page.keyboard.up('Control');
  for (const c of canvases) await expect.poll(() => zoomOf(c)).toBeCloseTo(z0 * 1.25, 6);
  await inPreview('preview-fit').click();
  const mid = (await canvases[1]!.boundingBox())!;
  await page.mouse.move(mid.x + mid.width / 2, mid.y + mid.height / 2);
  await page.mouse.down();
  await page.mouse.move(mid.x + mid.width / 2 + 90, mid.y + mid.height / 2 - 30, { steps: 6 });
  await page.mouse.up();
  await expect.poll(async () => Number(await inPreview('window-width').inputValue())).toBeGreaterThan(80);
  const w = await canvases[1]!.getAttribute('data-window-width');
  expect(await canvases[0]!.getAttribute('data-window-width')).toBe(w);

  // A window of the sender's own (0.43): measured as the reader windows are, by main, with what the reader's viewer says
  // in it, where a reader window is named with its figure.
  const here = inPreview('preview-window-here');
  await inPreview('window-center').fill('30');
  await inPreview('window-width').fill('60');
  await expect(here).toHaveAttribute('data-measured', 'no');
  // Asked of the bridge once the line has its figure: main measures only the latest window asked for (0.43).
  await expect(here).toHaveAttribute('data-ssim', /^0\.\d+$/);
  const mine = await page.evaluate(async (req) => {
    const r = await window.aeimg.files.previewWindow(req, { center: 30, width: 60 });
    if (!r.ok) throw new Error(r.message);
    return r.value;
  }, { path: await droppedPath(CT), quality: 'within-2' as const, deidentify: 'basic' as const, frame: 0 });
  expect(mine.ssim).toBeLessThan(1);
  expect(mine.ssim).not.toBe(p.info.fidelity!.windows!.find((x) => x.name === 'brain')!.ssim);
  await expect(here).toHaveAttribute('data-ssim', String(mine.ssim));
  await expect(here).toContainText(`The window on screen (W 60 L 30 HU) is none of those: measured here as they are, SSIM ${mine.ssim.toFixed(4)}, PSNR ${mine.psnr!.toFixed(2)} dB.`);
  // ±2 HU in a 60 HU window: 255 · 2 / 59 = 8.6, so up to 9 grey levels.
  await expect(here).toContainText('the reader\'s viewer says in this window “Not a window the sender measured: every pixel within ±2 HU, up to 9 grey levels in it”');
  await inPreview('window-preset').selectOption({ label: '1 · brain 40/80' });
  await expect(here).toHaveAttribute('data-measured', 'yes');
  const brainSsim = p.info.fidelity!.windows!.find((x) => x.name === 'brain')!.ssim.toFixed(4);
  await expect(here).toHaveText(`In the window on screen (brain 40/80), SSIM ${brainSsim}, as above; the reader's viewer gives that figure there.`);

  // The probe over the error map names both values and their difference.
  const worst = errors.indexOf(max);
  const [x, y] = [worst % 128, Math.floor(worst / 128)];
  const eb = (await canvases[2]!.boundingBox())!;
  await page.mouse.move(eb.x + ((x + 0.5) / 128) * eb.width, eb.y + ((y + 0.5) / 128) * eb.height);
  const probe = inPreview('preview-probe');
  await expect(probe).toHaveAttribute('data-x', String(x));
  await expect(probe).toHaveAttribute('data-error', String(max));
  await expect(probe).toHaveAttribute('data-original', String(ctSamples[worst]! - 32768));

  // Nothing was written anywhere the dropped file lives.
  expect(await aeimgs()).toEqual(before);
  await inPreview('preview-fit').click();
  await inPreview('window-preset').selectOption({ label: '4 · soft tissue 40/400' });
  await app.clearErrors();
  await preview().scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'sender-preview.png'), fullPage: true });
});

test('the preview follows the chosen level: lossless shows no error at all', async () => {
  await page.getByTestId('quality').selectOption('lossless');
  await expect(inPreview('preview-level')).toHaveAttribute('data-quality', 'lossless');
  await expect(inPreview('preview-fidelity')).toHaveText('bit-exact');
  await expect(inPreview('preview-legend')).toHaveAttribute('data-max', '0');
  await expect(inPreview('preview-legend')).toContainText('No pixel differs');
  await expect(inPreview('preview-window-here')).toHaveCount(0); // bit-exact: every window the same
  expect((await rgbOf('error')).every((v) => v === 0)).toBe(true);
  await page.getByTestId('quality').selectOption('within-2');
});

test('a lossy JPEG 2000 DICOM goes as its own data, even at max; "for receivers before 0.9" codes it with aeimg', async () => {
  const LOSSY = 'ct_head_512_j2k_lossy.dcm';
  await page.getByTestId('quality').selectOption('max');
  await app.drop('encrypt-drop', [join(DICOM, LOSSY)]);
  await page.getByTestId(`preview-${LOSSY}`).click();
  await expect(inPreview('preview-level')).toHaveAttribute('data-quality', 'lossless');
  await expect(inPreview('preview-level')).toContainText('the file\'s own JPEG 2000 data');
  await expect(inPreview('preview-fidelity')).toContainText('bit-exact');
  await page.getByTestId('recode').check();
  await expect(inPreview('preview-level')).toHaveAttribute('data-quality', 'max');
  await expect(inPreview('preview-level')).not.toContainText('own JPEG 2000 data');
  await page.getByTestId('recode').uncheck();
  await expect(inPreview('preview-level')).toHaveAttribute('data-quality', 'lossless');
  await inPreview('preview-close').click();
  await page.getByTestId('quality').selectOption('within-2');
});

test('a multi-frame DICOM, frame by frame', async () => {
  await app.drop('encrypt-drop', [join(DICOM, MR3)]);
  await page.getByTestId(`preview-${MR3}`).click();
  await expect(inPreview('preview-frame')).toHaveText('Image 1 of 3');
  // The name as the receiver gets it: the fixture's Patient's Name is Synthetic^Enhanced (dicom/file-name.ts).
  await expect(preview().getByRole('heading')).toContainText('anon_mr_3frame_functional_groups.dcm#1');
  const numbers = async () => [Number(await inPreview('window-center').inputValue()), Number(await inPreview('window-width').inputValue())];
  await expect.poll(numbers).toEqual([200, 400]);
  await inPreview('preview-next').click();
  await expect(inPreview('preview-frame')).toHaveText('Image 2 of 3');
  await expect(preview().getByRole('heading')).toContainText('anon_mr_3frame_functional_groups.dcm#2');
  await expect.poll(numbers).toEqual([210, 420]); // its own file window (0.50; before, frame 1's kept)
  await preview().focus();
  await page.keyboard.press('PageDown');
  await expect(inPreview('preview-frame')).toHaveText('Image 3 of 3');
  await expect(inPreview('preview-fidelity')).toContainText('within ±2');
  const p = await previewOf(MR3, 'within-2', 2);
  expect(p.frames).toBe(3);
  await expect(inPreview('preview-legend')).toHaveAttribute('data-max', String(Math.max(...p.original.pixels.map((o, i) => Math.abs(o - p.decoded.pixels[i]!)))));
  await inPreview('preview-close').click();
  await expect(preview()).toHaveCount(0);
});

test('an animated GIF (an ultrasound clip as a viewer exports it) is previewed frame by frame, each as sent; a BMP export as its grey plane', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-gif-'));
  await copyFile(join(DICOM, '..', 'gif', 'cine.gif'), join(dir, 'clip.gif'));
  await copyFile(join(DICOM, '..', 'bmp', 'grey8.bmp'), join(dir, 'export.bmp'));
  await app.drop('encrypt-drop', [join(dir, 'clip.gif'), join(dir, 'export.bmp')]);
  await page.getByTestId('quality').selectOption('auto');
  await page.getByTestId('preview-clip.gif').click();
  await expect(inPreview('preview-frame')).toHaveText('Image 1 of 3');
  await inPreview('preview-next').click();
  await expect(inPreview('preview-frame')).toHaveText('Image 2 of 3');
  const clip = await previewOf('clip.gif', 'auto', 1);
  const negative = await sharp(join(DICOM, '..', 'gif', 'cine-1.png')).toColourspace('b-w').raw().toBuffer();
  expect([clip.frames, clip.original.channels, clip.original.pixels.every((v, i) => v === negative[i])]).toEqual([3, 1, true]);
  expect(Math.max(...clip.original.pixels.map((o, i) => Math.abs(o - clip.decoded.pixels[i]!)))).toBeLessThanOrEqual(1);
  await inPreview('preview-close').click();
  await page.getByTestId('preview-export.bmp').click();
  await expect(inPreview('preview-fidelity')).toContainText('within ±1');
  const exported = await previewOf('export.bmp', 'auto');
  expect([exported.original.width, exported.original.height, exported.original.channels]).toEqual([61, 47, 1]);
  await inPreview('preview-close').click();
  for (const name of ['clip.gif', 'export.bmp']) await page.getByTestId(`remove-${name}`).click();
});

test('a JPEG 2000 and a JPEG-LS file (frames a PACS exported as files) are listed and previewed as sent, 16-bit bit-exact (0.28)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-codestream-'));
  for (const [name, fixture] of [['ct.j2k', 'ct_head_512_j2k_lossless.dcm'], ['rgb.jls', 'jls_rgb_ilv1.dcm']]) {
    const [frame] = await readDicomFile(join(DICOM, fixture!), { maxPixels: 1e7, deidentify: null });
    await writeFile(join(dir, name!), frame!.frame!.data);
  }
  await app.drop('encrypt-drop', [join(dir, 'ct.j2k'), join(dir, 'rgb.jls')]);
  await page.getByTestId('quality').selectOption('auto');
  await page.getByTestId('preview-ct.j2k').click();
  await expect(inPreview('preview-fidelity')).toContainText('bit-exact');
  const ct = await previewOf('ct.j2k', 'auto');
  expect([ct.original.width, ct.original.height, ct.original.channels]).toEqual([512, 512, 1]);
  expect(ct.decoded.pixels.every((v, i) => v === ct.original.pixels[i])).toBe(true);
  await inPreview('preview-close').click();
  await page.getByTestId('preview-rgb.jls').click();
  await expect(inPreview('preview-fidelity')).toBeVisible();
  const rgb = await previewOf('rgb.jls', 'auto');
  expect(rgb.original.channels).toBe(3);
  expect(Math.max(...rgb.original.pixels.map((o, i) => Math.abs(o - rgb.decoded.pixels[i]!)))).toBeLessThanOrEqual(1);
  // A window of the sender's on a colour image is measured, but cannot go with it (no window shows its colours, 0.43).
  await inPreview('window-width').fill('200');
  await expect(inPreview('preview-window-here')).toHaveAttribute('data-ssim', /^(0\.\d+|1)$/);
  await expect(inPreview('preview-window-send')).toHaveCount(0);
  await inPreview('preview-close').click();
  for (const name of ['ct.j2k', 'rgb.jls']) await page.getByTestId(`remove-${name}`).click();
});

test('a non-square pixel (rows 1.0 mm apart, columns 0.5 mm) is previewed as the receiver will see it, stretched', async () => {
  test.skip(!existsSync('/usr/bin/dcmodify'), 'dcmtk (dcmodify) makes the fixture');
  const input = join(await mkdtemp(join(tmpdir(), 'aeimg-e2e-tall-')), 'ct_tall_pixels.dcm');
  await copyFile(join(DICOM, CT), input);
  execFileSync('/usr/bin/dcmodify', ['-nb', '-m', '(0028,0030)=1.0\\0.5', input], { stdio: 'ignore' });
  await app.drop('encrypt-drop', [input]);
  await page.getByTestId('preview-ct_tall_pixels.dcm').click();
  for (const id of ['preview-original-canvas', 'preview-decoded-canvas']) {
    await expect(inPreview(id)).toHaveAttribute('data-aspect', '2');
    const box = (await inPreview(id).boundingBox())!;
    expect(box.height / box.width, id).toBeCloseTo(2, 2);
  }
  await inPreview('preview-close').click();
});

test('DICOM overlays are previewed as the receiver will see them: drawn when the full header goes, absent when de-identified', async () => {
  const input = join(await mkdtemp(join(tmpdir(), 'aeimg-e2e-marks-')), 'mr_marks.dcm');
  await overlayDicom(input);
  await app.drop('encrypt-drop', [input]);
  await page.getByTestId('preview-mr_marks.dcm').click();
  const panes = ['preview-original-canvas', 'preview-decoded-canvas'];
  for (const id of panes) await expect(inPreview(id)).toHaveAttribute('data-graphics', '0');
  // The sender is told why before sending, in the words encryption will use (0.37; before, only in the row afterwards).
  await expect(inPreview('preview-warnings')).toContainText('mr_marks.dcm has 3 overlays, overlay 6000 ("Siemens MedCom Object Graphics")');
  await expect(inPreview('preview-warnings')).toContainText('which de-identification removes');
  await page.getByLabel('DICOM metadata').selectOption('none');
  for (const id of panes) await expect(inPreview(id)).toHaveAttribute('data-graphics', '3');
  await expect(page.getByTestId('sender-preview').getByText(/which de-identification removes/)).toHaveCount(0);
  // Sent as a study with a presentation state that shows only overlay 6000 (its PACS does not show the others while it is):
  // previewed so, and the sender is told which do not show.
  const state = join(dirname(input), 'ovl_state.dcm');
  await presentationStateDicom(state, { references: [OVERLAY_SOP], overlays: ['6000'], ownOverlay: true });
  await app.drop('encrypt-drop', [state]);
  await page.getByTestId('as-study').check();
  await expect(inPreview('preview-pstate')).toContainText('"LESION" does not show its overlay 6002 ("First target mark"), overlay 6004, as its PACS does not, and as here; ' +
    '"LESION" draws its own overlay 6006, as here');
  for (const id of panes) await expect(inPreview(id)).toHaveAttribute('data-graphics', '2'); // 6000, and the state's own 6006
  await page.getByTestId('as-study').uncheck();
  await page.getByTestId('remove-ovl_state.dcm').click();
  await page.getByLabel('DICOM metadata').selectOption('basic');
  for (const id of panes) await expect(inPreview(id)).toHaveAttribute('data-graphics', '0');
  await inPreview('preview-close').click();
});

test('a display shutter is previewed as the receiver\'s viewer and PACS show it: what it covers in its grey, in both panes', async () => {
  const input = join(await mkdtemp(join(tmpdir(), 'aeimg-e2e-shutter-')), 'xa_shutter.dcm');
  await shutterDicom(input);
  await app.drop('encrypt-drop', [input]);
  await page.getByTestId('preview-xa_shutter.dcm').click();
  const n = SHUTTER_SIZE;
  for (const pane of ['original', 'decoded'] as const) {
    await expect(inPreview(`preview-${pane}-canvas`)).toHaveAttribute('data-shutter', 'rectangular, circular');
    const rgb = await rgbOf(pane);
    const covered = Array.from({ length: n * n }, (_, i) => i).filter((i) => coveredByDefault(Math.floor(i / n), i % n));
    expect(covered.every((i) => rgb[3 * i] === 128 && rgb[3 * i + 1] === 128 && rgb[3 * i + 2] === 128), pane).toBe(true);
  }
  await inPreview('preview-close').click();
});

test("a study sent with its full header is previewed with its measurement report's regions, as its reader's viewer draws them", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-report-'));
  await copyFile(join(DICOM, CT), join(dir, 'ct_reported.dcm')); // the image highdicom's report measured
  await copyFile(join(DICOM, 'sr_measurement_report.dcm'), join(dir, 'measured_sr.dcm'));
  await app.drop('encrypt-drop', ['ct_reported.dcm', 'measured_sr.dcm'].map((f) => join(dir, f)));
  await page.getByLabel('DICOM metadata').selectOption('none');
  await page.getByTestId('preview-ct_reported.dcm').click();
  await expect(inPreview('preview-level')).toBeVisible();
  await expect(inPreview('preview-report-marks')).toHaveCount(0); // alone, the image goes without its report
  await page.getByTestId('as-study').check();
  await expect(inPreview('preview-report-marks')).toHaveText('The study\'s report “Imaging Measurement Report” measured on this image: the reader\'s viewer ' +
    'draws the regions it measured, with their measurements, as here.');
  await expect(inPreview('pstate')).toHaveCount(2); // the original and as received
  for (const layer of await inPreview('pstate').all()) await expect(layer).toContainText('Area of defined region: 1.7 cm2');
  // De-identified, the report does not go: nor do its marks.
  await page.getByLabel('DICOM metadata').selectOption('basic');
  await expect(inPreview('preview-report-marks')).toHaveCount(0);
  await expect(inPreview('pstate')).toHaveCount(0);
  await page.getByTestId('as-study').uncheck();
  await inPreview('preview-close').click();
  for (const f of ['ct_reported.dcm', 'measured_sr.dcm']) await page.getByTestId(`remove-${f}`).click();
});

test('a study sent with its full header is previewed with its presentation state and key image note, as its reader will get them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-pstate-'));
  const sop = '2.25.91919';
  await withInstance(join(DICOM, CT), join(dir, 'ct_marked.dcm'), sop, 7);
  await presentationStateDicom(join(dir, 'gsps.dcm'), { references: [sop], area: { tl: [33, 33], br: [96, 96] } }); // zoomed to the lesion's quarter
  await keyObjectDicom(join(dir, 'kos.dcm'), [sop], { code: '113001', title: 'Rejected for Quality Reasons' });
  await presentationStateDicom(join(dir, 'curve.dcm'), { references: [sop], lutOnly: true, label: 'CURVE', rotation: 90, shape: 'INVERSE' }); // a second state: a VOI LUT, turned, inverted
  await app.drop('encrypt-drop', ['ct_marked.dcm', 'gsps.dcm', 'kos.dcm', 'curve.dcm'].map((f) => join(dir, f)));
  await page.getByLabel('DICOM metadata').selectOption('none');
  await page.getByTestId('preview-ct_marked.dcm').click();
  // Not sent as one study, the image goes alone: nothing of them.
  await expect(inPreview('preview-level')).toBeVisible();
  await expect(inPreview('pstate')).toHaveCount(0);
  await expect(inPreview('preview-pstate')).toHaveCount(0);
  await page.getByTestId('as-study').check();
  // Both panes draw the state's five shapes; it opens in its window, which the figures measure; the note is named.
  await expect(inPreview('pstate')).toHaveCount(2);
  for (const layer of await inPreview('pstate').all()) await expect(layer).toHaveAttribute('data-shapes', '5');
  await expect(inPreview('preview-pstate')).toContainText('presentation states “LESION” by Smith Anna, “CURVE” by Smith Anna go with this image');
  await expect(inPreview('preview-pstate')).toContainText('shows one at a time (the first when it opens)');
  await expect(inPreview('preview-pstate')).toContainText('opens in its window');
  await expect.poll(async () => Number(await inPreview('window-width').inputValue())).toBe(80);
  await expect(inPreview('preview-figures')).toContainText('presentation state "LESION"');
  await expect(inPreview('preview-key-object')).toHaveText('REJECTED: Rejected for Quality Reasons (the reader\'s viewer marks the image so)');
  await inPreview('preview-toggle-pstate').click();
  await expect(inPreview('pstate')).toHaveCount(0);
  await inPreview('preview-toggle-pstate').click();
  await expect(inPreview('pstate')).toHaveCount(2);
  // The other state, as the reader's viewer shows it when picked: its table, no annotations of its own.
  // Fitted to the state's area (64 of 128 pixels), as the reader's viewer opens it; the other state shows the whole image.
  const zoomOf = async () => Number(await inPreview('preview-decoded-canvas').getAttribute('data-zoom'));
  const onArea = await zoomOf();
  await inPreview('preview-pstate-choice').selectOption('CURVE');
  await expect.poll(zoomOf).toBeCloseTo(onArea / 2, 3);
  await expect(inPreview('pstate')).toHaveCount(0);
  for (const pane of ['original', 'decoded']) {
    await expect(inPreview(`preview-${pane}-canvas`)).toHaveAttribute('data-voi-lut', 'yes');
    await expect(inPreview(`preview-${pane}-canvas`)).toHaveAttribute('data-rotation', '90'); // turned as the reader's viewer opens it
  }
  await expect(inPreview('preview-error-canvas')).toHaveAttribute('data-rotation', '90');
  await expect(inPreview('preview-pstate')).toContainText('"CURVE" opens the image rotated 90°, as here; "CURVE" shows it inverted (black for white), as here');
  await expect(inPreview('invert')).toHaveAttribute('aria-pressed', 'true');
  await inPreview('preview-pstate-choice').selectOption('LESION');
  await expect(inPreview('pstate')).toHaveCount(2);
  await expect(inPreview('invert')).toHaveAttribute('aria-pressed', 'false');
  await expect(inPreview('preview-decoded-canvas')).toHaveAttribute('data-rotation', '0');
  await expect.poll(zoomOf).toBeCloseTo(onArea, 3);
  await inPreview('preview-fit').click(); // the sender's fit: the whole image
  await expect.poll(zoomOf).toBeCloseTo(onArea / 2, 3);
  // De-identified, the study goes without them: so does the preview.
  await page.getByLabel('DICOM metadata').selectOption('basic');
  await expect(inPreview('pstate')).toHaveCount(0);
  await expect(inPreview('preview-key-object')).toHaveCount(0);
  // With the Clean Graphics option the states go cleaned: the marks (circle, triangle, ellipse) without the notes, under new names.
  await page.getByLabel('DICOM metadata').selectOption('basic,clean-graphics');
  await expect(inPreview('preview-pstate')).toContainText('presentation states “STATE 1”, “STATE 2” go with this image');
  await inPreview('preview-pstate-choice').selectOption('STATE 1');
  await expect(inPreview('pstate')).toHaveCount(2);
  for (const layer of await inPreview('pstate').all()) await expect(layer).toHaveAttribute('data-shapes', '3');
  await expect(inPreview('pstate').first().locator('text')).toHaveCount(0);
  // The rejection note goes as its flag (its code's title), as the reader's viewer marks the image.
  await expect(inPreview('preview-key-object')).toHaveText('REJECTED: Rejected for Quality Reasons (the reader\'s viewer marks the image so)');
  await page.getByLabel('DICOM metadata').selectOption('basic');
  await page.getByTestId('as-study').uncheck();
  await inPreview('preview-close').click();
});

test("a window of the sender's own goes with the file: measured as the preview said, and the reader's viewer opens in it with that figure (0.43)", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-window-'));
  await copyFile(join(DICOM, CT), join(dir, 'windowed.dcm'));
  await app.tab('encrypt');
  await page.getByTestId('quality').selectOption('within-2');
  await app.drop('encrypt-drop', [join(dir, 'windowed.dcm')]);
  await page.getByTestId('preview-windowed.dcm').click();
  await expect(inPreview('preview-level')).toHaveAttribute('data-quality', 'within-2');
  await inPreview('window-center').fill('30');
  await inPreview('window-width').fill('60');
  const here = inPreview('preview-window-here');
  await expect(here).toHaveAttribute('data-ssim', /^0\.\d+$/);
  const measured = Number(await here.getAttribute('data-ssim')).toFixed(4);
  await inPreview('preview-window-send').click();
  // Encoded again with it: among the figures (the same one), the window on screen is it, and the row says it goes so.
  await expect(inPreview('preview-figures')).toContainText(`sender's window 30/60${measured}`);
  await expect(here).toHaveAttribute('data-measured', 'yes');
  await expect(inPreview('window-preset').locator('option:checked')).toHaveText(/^\d · sender's window 30\/60$/);
  await expect(here).toContainText(`In the window on screen (sender's window 30/60), SSIM ${measured}, as above; the file goes in it: the reader's viewer opens in it, with that figure.`);
  const row = page.getByTestId('row-windowed.dcm');
  await expect(row.getByTestId('row-sender-window')).toContainText('Goes in your window W 60 L 30 HU: measured with the reader windows, and the reader\'s viewer opens in it.');
  await app.clearErrors();
  await preview().scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SCREENSHOTS, 'sender-window.png'), fullPage: true });
  await inPreview('preview-close').click();
  const recipient = page.getByTestId('recipient');
  if (!(await recipient.inputValue())) await recipient.selectOption('key:Sender');
  await page.getByTestId('encrypt-start').click();
  await expect(row).toHaveAttribute('data-status', 'done');
  // The receiver: the viewer opens in it, and its corner gives the figure the sender saw.
  await app.tab('open');
  // Written into the output folder another spec may have chosen (kept in the settings), else beside the file dropped.
  const { outDir } = await page.evaluate(() => window.aeimg.settings.get());
  await app.drop('open-drop', [join(outDir ?? dirname(await droppedPath('windowed.dcm')), 'windowed.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('windowed.aeimg');
  await expect(page.getByTestId('overlay-br')).toContainText(`W 60 L 30 HU (sender's window)Sender's SSIM in this window ${measured}`);
  await app.tab('encrypt');
  await page.getByRole('button', { name: 'Clear finished' }).click();
});
