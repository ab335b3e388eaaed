/**
 * The receiver's viewer as a physician uses it (issue 15): fit to the viewport, window/level in HU with the CT
 * presets rendering DICOM's linear VOI function, the value probe, ruler and ROI against the decoded pixels, slices
 * by wheel and keyboard with the series strip, the corner overlays and the information panel, all by keyboard.
 * Files are encrypted and decrypted by the CLI with the bridge's keychain; the decrypted PNG is the oracle.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import sharp from 'sharp';
import dcmjs from 'dcmjs';
import { CT_PRESETS, sampleToReal, windowToByte, type ValueMapping } from '../../src-shared/windows.js';
import { AppPage, ROOT, SCREENSHOTS } from './app-page.js';
import { overlayDicom } from '../overlay-dicom.js';
import { tiffOf } from '../../scripts/fuzz/tiff.js';
import { coveredByDefault, SHUTTER_SIZE, shutterDicom } from '../shutter-dicom.js';

const DICOM = join(ROOT, 'tests', 'fixtures', 'dicom');
const SLICES = join(ROOT, 'tests', 'fixtures', 'slices');

test.describe.configure({ mode: 'serial' });

let page: Page;
let app: AppPage;
let outDir: string;
/** ct_small's samples as the CLI decodes them (stored + 32768), row-major 128 × 128. */
let ctSamples: Uint16Array;
/** ct_small: 16-bit signed (offset 32768), Rescale Intercept −1024, slope 1 (tests/fixtures/dicom/fixtures.json). */
let ctMapping: ValueMapping;
/** ct_small's Pixel Spacing (0028,0030), row and column, in mm. */
let ctSpacing: number;


test.beforeAll(async ({ browser, baseURL }) => {
  app = await AppPage.open(browser, baseURL!);
  page = app.page;
  outDir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-viewer-'));
  await mkdir(SCREENSHOTS, { recursive: true });
  await app.cli(['keys', 'create', 'Viewer']);
  await app.cli(['encrypt', join(DICOM, 'ct_small_explicit_le.dcm'), '--key', 'Viewer', '-o', outDir]);
  await app.cli(['decrypt', join(outDir, 'ct_small_explicit_le.aeimg'), '-o', join(outDir, 'cli')]);
  const png = await sharp(join(outDir, 'cli', 'ct_small_explicit_le.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  ctSamples = new Uint16Array(png.buffer, png.byteOffset, png.length / 2);
  const fixture = (JSON.parse(await readFile(join(DICOM, 'fixtures.json'), 'utf8')) as { file: string; rescale_intercept: string; rescale_slope: string; bits_stored: number }[])
    .find((f) => f.file === 'ct_small_explicit_le.dcm')!;
  ctMapping = { offset: 32768, inverted: false, signed: true, bitsStored: fixture.bits_stored, slope: Number(fixture.rescale_slope), intercept: Number(fixture.rescale_intercept) };
  ctSpacing = 0.661468;
});

test.afterAll(async () => page.close());

async function openCt() {
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct_small_explicit_le.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('ct_small_explicit_le.aeimg');
  await expect(page.getByTestId('viewer-canvas')).toBeVisible();
}

/**
 * The CT open, as the tests before leave it (measurements, tool and view kept); opened where a test runs alone
 * (`npx playwright test tests/e2e/viewer.spec.ts:LINE`).
 */
async function ensureCt() {
  const name = page.getByTestId('viewer-name');
  if ((await name.count()) && (await name.textContent())!.includes('ct_small_explicit_le.aeimg')) return;
  await openCt();
}

/** The screen point of image coordinates (x, y) (continuous: pixel i's centre is i + 0.5). */
async function screenOf(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
  return { x: box.x + (x / 128) * box.width, y: box.y + (y / 128) * box.height };
}

async function dragImage(from: [number, number], to: [number, number]) {
  const a = await screenOf(...from), b = await screenOf(...to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
}

const numberIn = async (testid: string) => Number(await page.getByTestId(testid).inputValue());

test('fit on open: the image fills the viewport keeping its aspect, follows resizes, and double-click fits again', async () => {
  await openCt();
  const fitted = async () => {
    const stage = (await page.getByTestId('viewer-stage').boundingBox())!;
    const img = (await page.getByTestId('viewer-canvas').boundingBox())!;
    const side = Math.min(stage.width, stage.height);
    return Math.abs(img.width - side) <= 1 && Math.abs(img.height - side) <= 1 &&
      Math.abs(img.x + img.width / 2 - (stage.x + stage.width / 2)) <= 1 && Math.abs(img.y + img.height / 2 - (stage.y + stage.height / 2)) <= 1;
  };
  await expect.poll(fitted).toBe(true);
  expect((await page.getByTestId('viewer-canvas').boundingBox())!.width).toBeGreaterThan(300); // 128² shown large, not 1:1
  // Dark for reading (the rest of the app stays light).
  expect(await page.getByTestId('viewer').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(11, 15, 20)');

  await page.setViewportSize({ width: 1000, height: 760 });
  await expect.poll(fitted).toBe(true);
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('+');
  await expect.poll(fitted).toBe(false);
  await page.getByTestId('viewer-stage').dblclick();
  await expect.poll(fitted).toBe(true);
  await page.setViewportSize({ width: 1200, height: 900 });
  await expect.poll(fitted).toBe(true);
});

test('Ctrl+wheel zooms at the pointer (the pixel under it stays), Shift-drag pans', async () => {
  await ensureCt();
  const at = await screenOf(30.5, 90.5);
  await page.mouse.move(at.x, at.y);
  const probe = page.getByTestId('probe');
  await expect(probe).toHaveAttribute('data-x', '30');
  const zoom = Number(await page.getByTestId('viewer-canvas').getAttribute('data-zoom'));
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -120);
  await page.keyboard.up('Control');
  await expect.poll(async () => Number(await page.getByTestId('viewer-canvas').getAttribute('data-zoom'))).toBeCloseTo(zoom * 1.25, 6);
  await page.mouse.move(at.x + 1, at.y);
  await page.mouse.move(at.x, at.y);
  await expect(probe).toHaveAttribute('data-x', '30');
  await expect(probe).toHaveAttribute('data-y', '90');
  const before = (await page.getByTestId('viewer-canvas').boundingBox())!;
  await page.keyboard.down('Shift');
  await page.mouse.down();
  await page.mouse.move(at.x + 50, at.y - 30, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  const after = (await page.getByTestId('viewer-canvas').boundingBox())!;
  expect([Math.round(after.x - before.x), Math.round(after.y - before.y)]).toEqual([50, -30]);
  await page.getByTestId('fit').click();
});

test('window/level in HU: left-drag changes the numbers and the pixels, which follow the VOI formula', async () => {
  await ensureCt();
  await expect(page.getByTestId('window-units')).toHaveText('HU');
  const before = { c: await numberIn('window-center'), w: await numberIn('window-width'), grey: await app.canvasGrey() };
  const mid = await screenOf(64, 64);
  await page.mouse.move(mid.x, mid.y);
  await page.mouse.down();
  await page.mouse.move(mid.x - 120, mid.y + 40, { steps: 8 }); // narrower (left), higher level (down)
  await page.mouse.up();
  await expect.poll(() => numberIn('window-width')).toBeLessThan(before.w);
  const c = await numberIn('window-center'), w = await numberIn('window-width');
  expect(c).toBeGreaterThan(before.c);
  await expect(page.getByTestId('overlay-br')).toContainText(`W ${w} L ${c} HU`);
  // Bit-exact: no window needs the sender's measuring, so the corner does not say it was not measured.
  await expect(page.getByTestId('overlay-br')).not.toContainText('Not a window the sender measured');
  // The canvas reports the window in sample units (slope 1: same width, centre shifted by offset and intercept).
  const canvas = page.getByTestId('viewer-canvas');
  await expect.poll(async () => Number(await canvas.getAttribute('data-window-width'))).toBeCloseTo(w, 6);
  expect(Number(await canvas.getAttribute('data-window-center'))).toBeCloseTo(c + 1024 + 32768, 6);
  const grey = await app.canvasGrey();
  expect(grey).not.toEqual(before.grey);
  expect(grey.every((g, i) => g === windowToByte(sampleToReal(ctSamples[i]!, ctMapping), c, w))).toBe(true);
  // Typed numbers are taken as they are.
  await page.getByTestId('window-center').fill('100');
  await page.getByTestId('window-width').fill('300');
  await expect.poll(async () => Number(await canvas.getAttribute('data-window-width'))).toBe(300);
  expect((await app.canvasGrey()).every((g, i) => g === windowToByte(sampleToReal(ctSamples[i]!, ctMapping), 100, 300))).toBe(true);
});

test('each CT preset (keys 1..6) gives the canvas DICOM\'s linear VOI of the decoded HU', async () => {
  await ensureCt();
  await page.getByTestId('viewer').focus();
  for (const [i, preset] of CT_PRESETS.entries()) {
    await page.keyboard.press(String(i + 1));
    await expect.poll(() => numberIn('window-width')).toBe(preset.width);
    expect(await numberIn('window-center')).toBe(preset.center);
    const grey = await app.canvasGrey();
    let mismatches = 0;
    for (let k = 0; k < grey.length; k++) if (grey[k] !== windowToByte(sampleToReal(ctSamples[k]!, ctMapping), preset.center, preset.width)) mismatches++;
    expect(mismatches, `preset ${preset.name}`).toBe(0);
    expect(new Set(grey).size, `preset ${preset.name} shows more than one grey`).toBeGreaterThan(1);
  }
  // Also from the list, with its name in the overlay; I inverts, R resets.
  await page.getByTestId('window-preset').selectOption({ label: '1 · brain 40/80' });
  await expect(page.getByTestId('overlay-br')).toContainText('W 80 L 40 HU (brain)');
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('i');
  await expect(page.getByTestId('invert')).toHaveAttribute('aria-pressed', 'true');
  const inverted = await app.canvasGrey();
  expect(inverted.every((g, i) => g === 255 - windowToByte(sampleToReal(ctSamples[i]!, ctMapping), 40, 80))).toBe(true);
  await page.keyboard.press('i');
  await page.keyboard.press('4'); // soft tissue, for the screenshot
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-ct-preset.png') });
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('r');
  await expect(page.getByTestId('invert')).toHaveAttribute('aria-pressed', 'false');
  // As it opened: a CT without a window of its own in soft tissue 40/400, a preset its sender measured (0.50; before,
  // its range, no preset).
  await expect(page.getByTestId('window-preset')).toHaveValue(String(CT_PRESETS.findIndex((p) => p.name === 'soft tissue')));
});

test('the probe shows the stored value and HU of the pixel under the pointer', async () => {
  await ensureCt();
  for (const [x, y] of [[64, 40], [10, 100], [90, 70]] as const) {
    const at = await screenOf(x + 0.5, y + 0.5);
    await page.mouse.move(at.x, at.y);
    const probe = page.getByTestId('probe');
    await expect(probe).toHaveAttribute('data-x', String(x));
    await expect(probe).toHaveAttribute('data-y', String(y));
    const sample = ctSamples[y * 128 + x]!;
    const hu = (sample - 32768) * 1 - 1024;
    await expect(probe).toHaveText(`(${x}, ${y}) stored ${sample - 32768} → ${hu} HU`);
  }
});

test('the ruler measures in mm from Pixel Spacing, within 1%', async () => {
  await ensureCt();
  await page.getByTestId('tool-ruler').click();
  await dragImage([20.5, 20.5], [100.5, 80.5]);
  const row = page.getByTestId('measurement-0');
  await expect(row).toContainText(/Ruler: [\d.]+ mm/);
  const mm = Number((await row.textContent())!.match(/Ruler: ([\d.]+) mm/)![1]);
  const expected = Math.hypot(80 * ctSpacing, 60 * ctSpacing);
  expect(Math.abs(mm - expected) / expected).toBeLessThan(0.01);
  await expect(page.getByTestId('overlay-br')).toContainText('0.661 mm/pixel');
});

/** Mean, SD (population), min, max and count of HU inside an ellipse or rectangle spanned by a and b. */
function roiOracle(kind: string, a: number[], b: number[]) {
  const [x0, x1] = [Math.min(a[0]!, b[0]!), Math.max(a[0]!, b[0]!)];
  const [y0, y1] = [Math.min(a[1]!, b[1]!), Math.max(a[1]!, b[1]!)];
  const values: number[] = [];
  for (let j = 0; j < 128; j++) {
    for (let i = 0; i < 128; i++) {
      const x = i + 0.5, y = j + 0.5;
      const ok = kind === 'rectangle'
        ? x >= x0 && x <= x1 && y >= y0 && y <= y1
        : ((x - (x0 + x1) / 2) / ((x1 - x0) / 2)) ** 2 + ((y - (y0 + y1) / 2) / ((y1 - y0) / 2)) ** 2 <= 1;
      if (ok) values.push(ctSamples[j * 128 + i]! - 32768 - 1024);
    }
  }
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
  return { n: values.length, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

test('ellipse and rectangle ROIs: mean, SD, min, max and area match the decoded pixels', async () => {
  await ensureCt();
  for (const kind of ['ellipse', 'rectangle'] as const) {
    await page.getByTestId(`tool-${kind}`).click();
    await dragImage([30, 35], [95, 90]);
    const row = page.locator(`[data-testid^="measurement-"][data-kind="${kind}"]`); // after the ruler test's ruler, or alone
    await expect(row).toHaveCount(1);
    const a = (await row.getAttribute('data-a'))!.split(',').map(Number), b = (await row.getAttribute('data-b'))!.split(',').map(Number);
    const want = roiOracle(kind, a, b);
    const text = (await row.textContent())!;
    const [, mean, sd, min, max, area, n] = text.match(/mean (-?[\d.]+) HU, SD ([\d.]+), min (-?\d+), max (-?\d+), area ([\d.]+) mm², (\d+) pixels/)!;
    expect(Number(n)).toBe(want.n);
    expect(Math.abs(Number(mean) - want.mean)).toBeLessThanOrEqual(0.051);
    expect(Math.abs(Number(sd) - want.sd)).toBeLessThanOrEqual(0.051);
    expect([Number(min), Number(max)]).toEqual([want.min, want.max]);
    const w = Math.abs(b[0]! - a[0]!) * ctSpacing, h = Math.abs(b[1]! - a[1]!) * ctSpacing;
    expect(Number(area)).toBeCloseTo(kind === 'ellipse' ? (Math.PI * w * h) / 4 : w * h, 0);
  }
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-measurements.png') });
  await page.getByTestId('clear-measurements').click();
  await expect(page.locator('[data-testid^="measurement-"]')).toHaveCount(0);
  await page.getByTestId('tool-window').click();
});

test('overlays name the fidelity and the key, and can be hidden; the information panel lists the de-identified attributes', async () => {
  await ensureCt();
  await expect(page.getByTestId('overlay-tr')).toContainText('bit-exact');
  await expect(page.getByTestId('overlay-tr')).toContainText('Key: Viewer (');
  await expect(page.getByTestId('overlay-bl')).toContainText('Image 1/1');
  // The patient's directions at the edges (an axial CT: its left on the reader's right, anterior at the top).
  for (const [edge, letter] of [['left', 'R'], ['right', 'L'], ['top', 'A'], ['bottom', 'P']]) await expect(page.getByTestId(`edge-${edge}`)).toHaveText(letter!);
  const box = (await page.getByTestId('viewer-stage').boundingBox())!;
  const right = (await page.getByTestId('edge-right').boundingBox())!;
  expect(right.x).toBeGreaterThan(box.x + box.width * 0.8); // at the right edge
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('o');
  await expect(page.getByTestId('overlays')).toHaveCount(0);
  await page.getByTestId('toggle-overlays').click();
  await expect(page.getByTestId('overlays')).toBeVisible();

  await page.getByTestId('toggle-info').click();
  await expect(page.getByTestId('deid-record')).toContainText('De-identified by the sender');
  await expect(page.getByTestId('deid-record')).toContainText('Basic Application Confidentiality Profile');
  await expect(page.getByTestId('attr-Modality')).toContainText('CT');
  await expect(page.getByTestId('attr-PixelSpacing')).toContainText('0.661468');
  await page.getByTestId('info-search').fill('spacing');
  await expect(page.getByTestId('attr-Modality')).toHaveCount(0);
  await expect(page.getByTestId('attr-PixelSpacing')).toBeVisible();
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-info.png') });
  await page.getByTestId('info-search').fill('');
  await page.getByTestId('toggle-info').click();
  await expect(page.getByTestId('info-panel')).toHaveCount(0);
});

test('Rotate and Flip turn the view: the pixel drawn under the pointer is the one the probe names, the patient directions go round; R resets', async () => {
  await ensureCt();
  const canvas = page.getByTestId('viewer-canvas');
  const grey = await app.canvasGrey(); // the canvas's own (unturned) pixels
  /** Under a screen point: the grey the screen shows there, and the pixel the probe names. */
  const under = async (at: { x: number; y: number }) => {
    await page.mouse.move(at.x + 1, at.y);
    await page.mouse.move(at.x, at.y);
    const shot = await sharp(await page.screenshot({ clip: { x: Math.floor(at.x), y: Math.floor(at.y), width: 1, height: 1 } })).raw().toBuffer();
    const probe = page.getByTestId('probe');
    const [x, y] = [Number(await probe.getAttribute('data-x')), Number(await probe.getAttribute('data-y'))];
    return { shown: shot[0]!, x, y, drawn: grey[y * 128 + x]! };
  };
  const stage = (await page.getByTestId('viewer-stage').boundingBox())!;
  const centre = { x: stage.x + stage.width / 2, y: stage.y + stage.height / 2 };
  const edges = async () => Promise.all(['top', 'right', 'bottom', 'left'].map((e) => page.getByTestId(`edge-${e}`).textContent()));
  expect(await edges()).toEqual(['A', 'L', 'P', 'R']);

  await page.getByTestId('rotate').click();
  await expect(canvas).toHaveAttribute('data-rotation', '90');
  // A quarter turn clockwise: the patient's right (the image's left edge) at the top, anterior on the right.
  expect(await edges()).toEqual(['R', 'A', 'L', 'P']);
  await expect(page.getByTestId('overlay-br')).toContainText('Rotated 90°');
  const zoom = Number(await canvas.getAttribute('data-zoom'));
  // Image pixel (90, 20) turned a quarter clockwise about the centre (64, 64) lands at screen offset (44, 26) × zoom.
  let u = await under({ x: centre.x + (64 - 20.5) * zoom, y: centre.y + (90.5 - 64) * zoom });
  expect([u.x, u.y]).toEqual([90, 20]);
  expect(Math.abs(u.shown - u.drawn)).toBeLessThanOrEqual(1);

  await page.getByTestId('flip').click(); // flips what is on screen: the image flipped, then turned 270°
  await expect(canvas).toHaveAttribute('data-flip', 'yes');
  await expect(canvas).toHaveAttribute('data-rotation', '270');
  expect(await edges()).toEqual(['R', 'P', 'L', 'A']);
  u = await under({ x: centre.x - (64 - 20.5) * zoom, y: centre.y + (90.5 - 64) * zoom });
  expect([u.x, u.y]).toEqual([90, 20]);
  expect(Math.abs(u.shown - u.drawn)).toBeLessThanOrEqual(1);
  await expect(page.getByTestId('overlay-br')).toContainText('Rotated 90°, then flipped left–right'); // in the order pressed, as a PACS says it
  // "Save view" draws the view as turned: each image pixel where the screen shows it (overlays left out of the picture).
  await page.getByTestId('copy-overlays').uncheck();
  const { data, info } = await app.savedView(join(outDir, 'turned.view.png'));
  for (const [x, y] of [[90, 20], [30, 100], [64, 40], [10, 70]] as const) {
    const at = { x: Math.floor(info.width / 2 - (64 - (y + 0.5)) * zoom), y: Math.floor(info.height / 2 + (x + 0.5 - 64) * zoom) };
    expect(Math.abs(data[(at.y * info.width + at.x) * info.channels]! - grey[y * 128 + x]!), `(${x}, ${y})`).toBeLessThanOrEqual(1);
  }
  await page.getByTestId('copy-overlays').check();

  await page.getByTestId('viewer').focus();
  await page.keyboard.press('r');
  await expect(canvas).toHaveAttribute('data-rotation', '0');
  await expect(canvas).toHaveAttribute('data-flip', 'no');
  expect(await edges()).toEqual(['A', 'L', 'P', 'R']);
  await expect(page.getByTestId('overlay-br')).not.toContainText('Rotated');
});

test('a reduced-quality image says what its pixels keep, and opens in the percentile window its sender measured, with its figure (0.50)', async () => {
  const dir = await mkdtemp(join(outDir, 'reduced-'));
  await app.cli(['encrypt', join(DICOM, 'ct_head_512_j2k_lossless.dcm'), '--key', 'Viewer', '--quality', 'within-2', '-o', dir]);
  const sent = await app.cli(['encrypt', join(SLICES, 'ct-cranium-axial-022-hu.png'), '--key', 'Viewer', '--quality', 'max', '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'ct_head_512_j2k_lossless.aeimg')]);
  // Below the line in a CT window, within ±2 HU: the line under the banner says the bound (before: "no per-pixel guarantee").
  await expect(page.getByTestId('reduced-banner')).toContainText('every pixel within ±2 HU');
  await expect(page.getByTestId('viewer-fidelity')).toContainText('every pixel within ±2 HU');
  await expect(page.getByTestId('viewer-fidelity')).not.toContainText('no per-pixel guarantee');
  // The network alone, on a 16-bit image without units: its figures are of the original's 1st–99th percentile window.
  const [, c, w, ssim] = /1st–99th percentile ([\d.]+)\/([\d.]+): SSIM ([\d.]+)/.exec(sent)!;
  await app.drop('open-drop', [join(dir, 'ct-cranium-axial-022-hu.aeimg')]);
  await expect(page.getByTestId('viewer-fidelity')).toContainText('no per-pixel guarantee');
  await expect.poll(async () => [await numberIn('window-center'), await numberIn('window-width')]).toEqual([Number(c), Number(w)]);
  await expect(page.getByTestId('overlay-br')).toContainText(`Sender's SSIM in this window ${ssim}`);
  // The received image's own percentiles are not a window the sender measured.
  await page.getByTestId('window-center').fill(String(Number(c) + 7));
  await page.getByTestId('window-center').press('Enter');
  await expect(page.getByTestId('overlay-br')).toContainText('Not a window the sender measured');
});

test('the denoised view says everywhere it is shown that it is not the image as sent, and goes back to the image as sent', async () => {
  await ensureCt();
  await expect(page.getByTestId('denoised-banner')).toBeHidden();
  // Scrolled to the checkbox first: its click would scroll the page (and so the canvas on screen) where it is below the fold.
  await page.getByTestId('denoised').scrollIntoViewIfNeeded();
  const before = await page.getByTestId('viewer-canvas').boundingBox();
  await page.getByTestId('denoised').check();
  await expect(page.getByTestId('denoised-banner')).toBeVisible();
  await expect(page.getByTestId('denoised-banner')).toContainText('not the image as sent');
  // Switching the view does not move the image under the reader's eye.
  expect(await page.getByTestId('viewer-canvas').boundingBox()).toEqual(before);
  // The corner overlay (also in "Copy view") no longer claims the file's guarantee for these pixels.
  await expect(page.getByTestId('overlay-tr')).toContainText('DENOISED VIEW: not the image as sent');
  await expect(page.getByTestId('overlay-tr')).not.toContainText('bit-exact');
  await expect(page.getByTestId('viewer')).toHaveClass(/denoised/);
  const at = await screenOf(64.5, 40.5);
  await page.mouse.move(at.x, at.y);
  await expect(page.getByTestId('probe')).toContainText('(denoised view)');
  await page.getByTestId('denoised').uncheck();
  await expect(page.getByTestId('denoised-banner')).toBeHidden();
  await expect(page.getByTestId('overlay-tr')).toContainText('bit-exact');
  await page.mouse.move(at.x + 1, at.y);
  await page.mouse.move(at.x, at.y);
  const sample = ctSamples[40 * 128 + 64]!;
  await expect(page.getByTestId('probe')).toHaveText(`(64, 40) stored ${sample - 32768} → ${sample - 32768 - 1024} HU`);
});

test('keyboard only: Tab reaches every control, each with a name', async () => {
  await ensureCt();
  await page.getByTestId('viewer').focus();
  const reached = new Map<string, string>();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    const el = await page.evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      if (!a || !a.closest('[data-testid="viewer"]')) return null;
      const label = a.getAttribute('aria-label') ?? (a.closest('label')?.textContent ?? a.textContent ?? '').trim();
      return { id: a.dataset.testid ?? a.tagName, label };
    });
    if (!el) break;
    reached.set(el.id, el.label);
  }
  for (const id of ['tool-window', 'tool-pan', 'tool-ruler', 'tool-ellipse', 'tool-rectangle', 'window-preset', 'window-center', 'window-width',
    'invert', 'reset-view', 'zoom-out', 'zoom-in', 'fit', 'toggle-overlays', 'toggle-info', 'denoised', 'save-png', 'copy-view', 'save-view']) {
    expect(reached.has(id), `${id} reachable by Tab`).toBe(true);
  }
  for (const [id, label] of reached) expect(label, `${id} has a name`).not.toBe('');
});

test('MONOCHROME1 with a rescale: the file\'s window in its Rescale Type (OD), shown inverted (low values white)', async () => {
  await app.cli(['encrypt', join(DICOM, 'cr_16x16_monochrome1.dcm'), '--key', 'Viewer', '-o', outDir]);
  await app.cli(['decrypt', join(outDir, 'cr_16x16_monochrome1.aeimg'), '-o', join(outDir, 'cli')]);
  const png = await sharp(join(outDir, 'cli', 'cr_16x16_monochrome1.png')).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  const samples = new Uint16Array(png.buffer, png.byteOffset, png.length / 2);
  // fixtures.json: 12 bits stored, unsigned, slope 0.684, intercept 200 (Rescale Type OD), window 1600/2800;
  // the engine keeps MONOCHROME1 samples inverted: sample = 4095 − stored.
  const m: ValueMapping = { offset: 0, inverted: true, signed: false, bitsStored: 12, slope: 0.684, intercept: 200 };
  await app.drop('open-drop', [join(outDir, 'cr_16x16_monochrome1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('cr_16x16_monochrome1.aeimg');
  await expect.poll(() => numberIn('window-center')).toBe(1600);
  expect(await numberIn('window-width')).toBe(2800);
  await expect(page.getByTestId('window-units')).toHaveText('OD'); // the file's Rescale Type (optical density)
  const grey = await app.canvasGrey();
  expect(grey.length).toBe(256);
  expect(grey.every((g, i) => g === 255 - windowToByte(sampleToReal(samples[i]!, m), 1600, 2800))).toBe(true);
  // Calibrated by Imager Pixel Spacing only: the mm are at the detector, and the viewer says so.
  await expect(page.getByTestId('overlay-br')).toContainText('mm/pixel (at the detector)');
  // Its view, in the corner a PACS says it in: View Position LL (left lateral).
  await expect(page.getByTestId('overlays').locator('.tl > div').first()).toHaveText('CR LL');
});

test('a 12-slice study: wheel and keys scroll, the strip shows thumbnails, measurements stay with their slice, cine plays', async () => {
  const studyDir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-vstudy-'));
  const sources = ['mr-colin27-axial-020.png', 'ct-cranium-coronal-220.png', 'ct-cranium-axial-021-bone.png'];
  for (let i = 0; i < 12; i++) {
    await sharp(join(SLICES, sources[i % 3]!)).resize(96, 96).rotate(90 * Math.floor(i / 3)).png().toFile(join(studyDir, `slice-${String(i + 1).padStart(2, '0')}.png`));
  }
  await app.cli(['encrypt', studyDir, '--bundle', 'vstudy', '--key', 'Viewer', '-o', outDir]);
  const part = (await readdir(outDir)).find((n) => n.startsWith('vstudy.part1of'))!;
  await app.tab('open');
  await app.answerDialog({ inputs: [join(outDir, part)] });
  await page.getByTestId('open-drop').focus();
  await page.keyboard.press('Enter');
  const label = page.getByTestId('slice-label');
  await expect(label).toContainText('Image 1 of 12');

  // The probe follows the slices under a still pointer (0.41; before, it went blank at each step until the pointer moved).
  await app.cli(['decrypt', join(outDir, part), '-o', join(outDir, 'vstudy-cli')]);
  // The slices went as RGB PNGs (R = G = B): the probe names a pixel's three values.
  const valueAt = async (slice: number, x: number, y: number) => {
    const { data, info } = await sharp(join(outDir, 'vstudy-cli', `slice-${String(slice).padStart(2, '0')}.png`)).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    return `RGB ${Array.from(data.subarray((y * 96 + x) * 3, (y * 96 + x) * 3 + 3)).join(', ')}`;
  };
  const box96 = (await page.getByTestId('viewer-canvas').boundingBox())!;
  await page.mouse.move(box96.x + box96.width * (40.5 / 96), box96.y + box96.height * (60.5 / 96));
  const probe = page.getByTestId('probe');
  // It names the pixel under the pointer (which the view's fit may move as the strip below fills) and that slice's value there.
  const probeReads = (slice: number) => expect.poll(async () => {
    const [x, y, text] = [await probe.getAttribute('data-x'), await probe.getAttribute('data-y'), await probe.textContent()];
    return x === null || y === null ? `blank: ${text}` : text === `(${x}, ${y}) ${await valueAt(slice, Number(x), Number(y))}` ? 'slice value' : text;
  }).toBe('slice value');
  await probeReads(1);
  for (let i = 0; i < 11; i++) await page.mouse.wheel(0, 120);
  await expect(label).toContainText('Image 12 of 12 — slice-12.png');
  await probeReads(12);
  await page.mouse.wheel(0, 120);
  await page.mouse.wheel(0, -120);
  await page.mouse.wheel(0, -120);
  await expect(label).toContainText('Image 10 of 12');
  await probeReads(10);
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('Home');
  await expect(label).toContainText('Image 1 of 12');
  await page.keyboard.press('End');
  await expect(label).toContainText('Image 12 of 12');
  await page.keyboard.press('PageUp');
  await expect(label).toContainText('Image 2 of 12');

  await expect(page.getByTestId('thumb-0').locator('img')).toHaveAttribute('src', /^data:image\/png/);
  await page.getByTestId('thumb-4').click();
  await expect(label).toContainText('Image 5 of 12 — slice-05.png');

  await page.getByTestId('tool-ruler').click();
  const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * 0.5, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('measurement-0')).toContainText('px (uncalibrated)');
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('ArrowDown');
  await expect(label).toContainText('Image 6 of 12');
  await expect(page.getByTestId('measurement-0')).toHaveCount(0);
  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('measurement-0')).toBeVisible();
  await app.clearErrors();
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-study.png') });

  await page.getByTestId('cine-fps').fill('20');
  await page.getByTestId('viewer').focus();
  await page.keyboard.press(' ');
  await expect(page.getByTestId('cine')).toHaveAttribute('aria-pressed', 'true');
  await expect(label).not.toContainText('Image 5 of 12');
  await page.keyboard.press(' ');
  await expect(page.getByTestId('cine')).toHaveAttribute('aria-pressed', 'false');
  await page.getByTestId('tool-window').click();
});

test('a non-square pixel (rows 1.0 mm apart, columns 0.5 mm) is shown at its physical proportions, as a PACS shows it', async () => {
  test.skip(!existsSync('/usr/bin/dcmodify'), 'dcmtk (dcmodify) makes the fixture');
  const input = join(outDir, 'ct_tall_pixels.dcm');
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), input);
  execFileSync('/usr/bin/dcmodify', ['-nb', '-m', '(0028,0030)=1.0\\0.5', input], { stdio: 'ignore' });
  await app.cli(['encrypt', input, '--key', 'Viewer', '-o', outDir]);
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct_tall_pixels.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('ct_tall_pixels.aeimg');
  const canvas = page.getByTestId('viewer-canvas');
  await expect(canvas).toHaveAttribute('data-aspect', '2');
  const box = (await canvas.boundingBox())!;
  expect(box.height / box.width).toBeCloseTo(2, 2); // 128 × 128 samples, 64 × 128 mm
  await expect(page.getByTestId('overlay-br')).toContainText('1.000 × 0.500 mm/pixel');
  // Equal lengths on the screen are equal lengths in the patient, across and down.
  await page.getByTestId('tool-ruler').click();
  const len = box.width * 0.6;
  const drag = async (x0: number, y0: number, x1: number, y1: number) => {
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    await page.mouse.move(x1, y1, { steps: 5 });
    await page.mouse.up();
  };
  await drag(box.x + box.width * 0.2, box.y + box.height * 0.5, box.x + box.width * 0.2 + len, box.y + box.height * 0.5);
  await drag(box.x + box.width * 0.5, box.y + box.height * 0.2, box.x + box.width * 0.5, box.y + box.height * 0.2 + len);
  const mm = async (i: number) => Number((await page.getByTestId(`measurement-${i}`).textContent())!.match(/Ruler: ([\d.]+) mm/)![1]);
  const [across, down] = [await mm(0), await mm(1)];
  expect(Math.abs(across - 0.6 * 128 * 0.5) / across).toBeLessThan(0.02); // 0.6 of the width: 38.4 mm
  expect(Math.abs(down - across) / across).toBeLessThan(0.02);
  await page.getByTestId('clear-measurements').click();
  await page.getByTestId('tool-window').click();
});

test('a PET slice: the probe and an ROI say SUVbw and SUL, from the factors the sender computed (its weight, height, dose and times were not sent)', async () => {
  test.skip(!existsSync('/usr/bin/dcmodify'), 'dcmtk (dcmodify) makes the fixture');
  const input = join(outDir, 'pet_slice.dcm');
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), input);
  execFileSync('/usr/bin/dcmodify', ['-nb', ...['(0008,0060)=PT', '(0054,1001)=BQML', '(0054,1102)=START', '(0010,1030)=70', '(0008,0021)=20260101',
    '(0008,0031)=110000', '(0008,0022)=20260101', '(0008,0032)=110500', '(0054,0016)[0].(0018,1074)=370000000', '(0054,0016)[0].(0018,1075)=6586.2',
    '(0054,0016)[0].(0018,1072)=100000', '(0028,1052)=0', '(0028,1053)=2.5', '(0010,1020)=1.75', '(0010,0040)=M'].flatMap((e) => ['-i', e]), input], { stdio: 'ignore' });
  await app.cli(['encrypt', input, '--key', 'Viewer', '-o', outDir]);
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'pet_slice.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('pet_slice.aeimg');
  const factor = 70_000 / (370e6 * 2 ** (-3600 / 6586.2)); // g per Bq: injected 10:00, series 11:00
  const sul = factor * 9270 / (6680 + 216 * (70 / 1.75 ** 2)); // lean body mass over weight (Janmahasatian, a man of 1.75 m)
  const [x, y] = [64, 40];
  const at = await screenOf(x + 0.5, y + 0.5);
  await page.mouse.move(at.x, at.y);
  const probe = page.getByTestId('probe');
  await expect(probe).toHaveAttribute('data-x', String(x));
  const bqml = Number(await probe.getAttribute('data-value'));
  expect(bqml).toBe((ctSamples[y * 128 + x]! - 32768) * 2.5);
  await expect(probe).toContainText(` Bq/ml · SUVbw ${(bqml * factor).toFixed(2)} · SUL ${(bqml * sul).toFixed(2)}`);
  await page.getByTestId('tool-rectangle').click();
  await dragImage([40.5, 30.5], [80.5, 60.5]);
  await expect(page.getByTestId('measurement-0')).toContainText(/; SUVbw mean [\d.]+, max [\d.]+/);
  const text = (await page.getByTestId('measurement-0').textContent())!;
  const max = Number(text.match(/, max ([\d.]+);/)![1]); // in Bq/ml, then the same in SUVbw
  expect(text).toMatch(new RegExp(`; SUVbw mean [\\d.]+, max ${(max * factor).toFixed(2)}; SUL mean [\\d.]+, max ${(max * sul).toFixed(2)},`));
  await page.getByTestId('clear-measurements').click();
  await page.getByTestId('tool-window').click();
});

test('DICOM overlays sent with the full header (a reader\'s circle, a target mark, a line in bit 15) are drawn over the image; the reader can hide them', async () => {
  const input = join(outDir, 'overlay_mr.dcm');
  const { drawn } = await overlayDicom(input);
  await app.cli(['encrypt', input, '--key', 'Viewer', '--deidentify', 'none', '-o', outDir]);
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'overlay_mr.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('overlay_mr.aeimg');
  const canvas = page.getByTestId('viewer-canvas');
  await expect(canvas).toHaveAttribute('data-graphics', '3');
  // The image's own values stay below white in its window (1500/3000): white is the overlays alone.
  const white = () => canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: c.width * c.height }, (_, i) => i).filter((i) => d[i * 4] === 255 && d[i * 4 + 1] === 255 && d[i * 4 + 2] === 255);
  });
  expect(await white()).toEqual([...drawn].sort((a, b) => a - b));
  const toggle = page.getByTestId('toggle-graphics');
  await expect(toggle).toHaveAttribute('title', /overlay 6000 \("Siemens MedCom Object Graphics"\), overlay 6002 \("First target mark"\), overlay 6004/);
  await toggle.click();
  await expect(canvas).toHaveAttribute('data-graphics', '0');
  expect(await white()).toEqual([]);
  await toggle.click();
  await expect(canvas).toHaveAttribute('data-graphics', '3');
});

test('a display shutter (a circle and a rectangle, mid grey) covers what a PACS covers; the reader can turn it off to see the whole image', async () => {
  const input = join(outDir, 'xa_shutter.dcm');
  await shutterDicom(input);
  await app.cli(['encrypt', input, '--key', 'Viewer', '-o', outDir]);
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'xa_shutter.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('xa_shutter.aeimg');
  const canvas = page.getByTestId('viewer-canvas');
  await expect(canvas).toHaveAttribute('data-shutter', 'rectangular, circular');
  const n = SHUTTER_SIZE;
  const covered = new Set(Array.from({ length: n * n }, (_, i) => i).filter((i) => coveredByDefault(Math.floor(i / n), i % n)));
  const rgb = () => canvas.evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 !== 3)));
  const on = await rgb();
  const toggle = page.getByTestId('toggle-shutter');
  await expect(toggle).toHaveAttribute('title', /display shutter \(rectangular, circular\)/);
  await toggle.click();
  await expect(canvas).toHaveAttribute('data-shutter', 'none');
  const off = await rgb();
  for (let i = 0; i < n * n; i++) {
    if (covered.has(i)) expect(on.slice(3 * i, 3 * i + 3)).toEqual([128, 128, 128]);
    else expect(on.slice(3 * i, 3 * i + 3)).toEqual(off.slice(3 * i, 3 * i + 3));
  }
  // Under the shutter is the image itself (a CT's air and body), not the shutter's grey.
  expect([...covered].filter((i) => off[3 * i] !== 128).length).toBeGreaterThan(covered.size / 2);
  // "Save view" shows it as the screen does: its grey where it covers, not where it is off.
  const greys = (file: string) => app.pixelsOf(file, (r, g, b) => r === 128 && g === 128 && b === 128);
  const unshuttered = await greys(join(outDir, 'xa_without_shutter.png'));
  await toggle.click();
  await expect(canvas).toHaveAttribute('data-shutter', 'rectangular, circular');
  expect(await greys(join(outDir, 'xa_with_shutter.png'))).toBeGreaterThan(unshuttered + 1000);
});

test('a file\'s VOI LUT is drawn through its table, as dcmtk shows it and as the sender\'s figures measure it; the reader\'s own numbers are linear', async () => {
  const input = join(DICOM, 'lut_modality_voi_overlay.dcm'); // 4 x 4: a Modality LUT, then a square-root VOI LUT
  const dir = await mkdtemp(join(outDir, 'voi-lut-'));
  await app.cli(['encrypt', input, '--quality', 'lossless', '--key', 'Viewer', '-o', dir]);
  await app.tab('open');
  const [sent] = (await readdir(dir)).filter((f) => f.endsWith('.aeimg')); // named as de-identification names it
  await app.drop('open-drop', [join(dir, sent!)]);
  const canvas = page.getByTestId('viewer-canvas');
  await expect(canvas).toHaveAttribute('data-voi-lut', 'yes');
  await expect(page.getByTestId('overlay-br')).toContainText('(file VOI LUT');
  const pgm = join(dir, 'dcmtk.pgm');
  execFileSync('/usr/bin/dcm2pnm', ['--no-overlays', '--write-raw-pnm', '+Wl', '1', input, pgm], { stdio: 'ignore' });
  const dcmtk = Array.from((await readFile(pgm)).subarray(-16));
  await expect.poll(() => app.canvasGrey()).toEqual(dcmtk);
  // Dragged, the window is the reader's own linear one (as a PACS does); choosing the table again draws through it.
  const box = (await page.getByTestId('viewer-stage').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 30, box.y + box.height / 2, { steps: 3 });
  await page.mouse.up();
  await expect(canvas).toHaveAttribute('data-voi-lut', 'no');
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('r');
  await expect(canvas).toHaveAttribute('data-voi-lut', 'yes');
  await expect.poll(() => app.canvasGrey()).toEqual(dcmtk);
});

test('a supplemental colour palette (a perfusion map): the values it covers in its colours, the others grey through the window', async () => {
  const input = join(outDir, 'ct_palette.dcm');
  const b = await readFile(join(DICOM, 'ct_small_explicit_le.dcm'));
  const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  // Stored values 1024–1123 (0–99 "HU" here) in colour: red rising, green fixed, blue falling.
  const tables = [(i: number) => 2 * i, () => 200, (i: number) => 255 - 2 * i].map((f) => Uint16Array.from({ length: 100 }, (_, i) => f(i) * 257));
  tables.forEach((t, c) => {
    dicom.dict[`0028110${c + 1}`] = { vr: 'US', Value: [100, 1024, 16] };
    dicom.dict[`0028120${c + 1}`] = { vr: 'OW', Value: [t.buffer] };
  });
  await writeFile(input, Buffer.from(dicom.write()));
  await app.cli(['encrypt', input, '--key', 'Viewer', '-o', outDir]);
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct_palette.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('ct_palette.aeimg');
  await expect(page.getByTestId('viewer-canvas')).toHaveAttribute('data-palette', 'yes');
  const rgb = await page.getByTestId('viewer-canvas').evaluate((c: HTMLCanvasElement) =>
    Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 !== 3)));
  const stored = Array.from(ctSamples, (v) => v - 32768);
  const inRange = stored.flatMap((s, i) => (s >= 1024 && s <= 1123 ? [i] : []));
  expect(inRange.length).toBeGreaterThan(100);
  for (const i of inRange) expect(rgb.slice(3 * i, 3 * i + 3)).toEqual([2 * (stored[i]! - 1024), 200, 255 - 2 * (stored[i]! - 1024)]);
  const outside = stored.flatMap((s, i) => (s < 1024 || s > 1123 ? [i] : []));
  expect(outside.every((i) => rgb[3 * i] === rgb[3 * i + 1] && rgb[3 * i + 1] === rgb[3 * i + 2])).toBe(true);
});

test('several files dropped to be opened: each listed, the first opened, the others one click away (before 0.27 only the first, without a word)', async () => {
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct_palette.aeimg'), join(outDir, 'ct_small_explicit_le.aeimg')]);
  const list = page.getByTestId('received-list');
  await expect(list).toContainText('2 files dropped');
  await expect(page.getByTestId('viewer-name')).toHaveText('ct_palette.aeimg');
  await expect(page.getByTestId('received-ct_palette.aeimg')).toHaveAttribute('aria-current', 'true');
  await page.getByTestId('received-ct_small_explicit_le.aeimg').click();
  await expect(page.getByTestId('viewer-name')).toHaveText('ct_small_explicit_le.aeimg');
  await expect(page.getByTestId('received-ct_small_explicit_le.aeimg')).toHaveAttribute('aria-current', 'true');
  await expect(page.getByTestId('viewer-canvas')).toHaveAttribute('data-palette', 'no');
  // Several opened from the file manager at once: listed the same way; one alone opens without a list.
  await app.tab('encrypt');
  await app.requestOpen(join(outDir, 'ct_small_explicit_le.aeimg'), join(outDir, 'ct_palette.aeimg'));
  await expect(page.getByTestId('viewer-name')).toHaveText('ct_small_explicit_le.aeimg');
  await expect(page.getByTestId('received-ct_palette.aeimg')).toBeVisible();
  await app.requestOpen(join(outDir, 'cr_16x16_monochrome1.aeimg'));
  await expect(page.getByTestId('viewer-name')).toHaveText('cr_16x16_monochrome1.aeimg');
  await expect(page.getByTestId('received-list')).toBeHidden();
  // Chosen together in the Open dialog: the same.
  await app.answerDialog({ inputs: [join(outDir, 'ct_palette.aeimg'), join(outDir, 'cr_16x16_monochrome1.aeimg')] });
  await page.getByTestId('open-drop').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('viewer-name')).toHaveText('ct_palette.aeimg');
  await expect(page.getByTestId('received-cr_16x16_monochrome1.aeimg')).toBeVisible();
});

test('a file encrypted with a passphrase asks for it (0.51; before, the app could not open it): a wrong one is said wrong, the right one opens it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-pass-'));
  await writeFile(join(dir, 'pw'), 'correct horse battery staple\n');
  await app.cli(['encrypt', join(SLICES, 'mr-colin27-axial-020.png'), '--passphrase-file', join(dir, 'pw'), '-o', dir]);
  await app.tab('encrypt');
  await app.requestOpen(join(dir, 'mr-colin27-axial-020.aeimg'));
  const form = page.getByTestId('passphrase-form');
  await expect(page.getByTestId('passphrase-message')).toHaveText('mr-colin27-axial-020.aeimg: was encrypted with a passphrase, not for a key. ' +
    'Enter the passphrase the sender told you (by phone or in person, not in the e-mail that brought the file).');
  await expect(page.getByTestId('open-passphrase')).toBeFocused();
  await expect(page.getByTestId('open-with-passphrase')).toBeDisabled();
  await expect(page.getByTestId('error-message').filter({ hasText: 'passphrase' })).toHaveCount(0);
  await page.keyboard.type('correct horse battery stapler');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('passphrase-message')).toHaveText('mr-colin27-axial-020.aeimg: the passphrase is wrong (or the file was altered). Check the passphrase with the sender.');
  await expect(page.getByTestId('passphrase-message')).toHaveAttribute('role', 'alert');
  // The field is emptied as the passphrase goes, and takes the focus again for the next try.
  await expect(page.getByTestId('open-passphrase')).toHaveValue('');
  await expect(page.getByTestId('open-passphrase')).toBeFocused();
  await expect(page.getByTestId('viewer-name').filter({ hasText: 'mr-colin27-axial-020' })).toHaveCount(0);
  await page.getByTestId('open-passphrase').fill('correct horse battery staple');
  await page.getByTestId('open-with-passphrase').click();
  await expect(page.getByTestId('viewer-name')).toHaveText('mr-colin27-axial-020.aeimg');
  await expect(page.getByTestId('viewer')).toContainText('opened with the passphrase');
  await expect(form).toBeHidden();
  // Asked again when opened again (the passphrase is kept nowhere); Cancel, or Escape, leaves the file shown as it was,
  // with the focus on it (0.51: a screen reader is told which file asks, the field described by the question).
  await app.requestOpen(join(dir, 'mr-colin27-axial-020.aeimg'));
  await expect(form).toBeVisible();
  await expect(page.getByTestId('open-passphrase')).toHaveAttribute('aria-describedby', 'passphrase-message');
  await page.getByTestId('passphrase-cancel').click();
  await expect(form).toBeHidden();
  await expect(page.getByTestId('viewer-name')).toHaveText('mr-colin27-axial-020.aeimg');
  await expect(page.getByTestId('viewer')).toBeFocused();
  await app.requestOpen(join(dir, 'mr-colin27-axial-020.aeimg'));
  await expect(page.getByTestId('open-passphrase')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(form).toBeHidden();
  await expect(page.getByTestId('viewer')).toBeFocused();
});

test('a colour image opens with its colours as its file holds them, each channel in its full range (0.36; before, through its red channel\'s range)', async () => {
  const w = 64, h = 48;
  const px = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) px.set([60 + (i % 140), (i * 7) % 256, 255 - (i % 256)], 3 * i); // red 60..199, green and blue 0..255
  const png = join(outDir, 'colour.png');
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).png().toFile(png);
  await app.cli(['encrypt', png, '--key', 'Viewer', '--quality', 'lossless', '-o', outDir]);
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'colour.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toHaveText('colour.aeimg');
  // Bit-exact is checked as the image decodes, no figure of the sender's (0.51; before, "(measured by the sender)").
  await expect(page.getByTestId('viewer-fidelity')).toContainText("bit-exact (every pixel checked against the sender's on decoding)");
  const rgb = await page.getByTestId('viewer-canvas').evaluate((c: HTMLCanvasElement) =>
    Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 4 !== 3)));
  expect(rgb).toEqual(Array.from(px));
});

test('a CT exported as a signed 16-bit TIFF (0.35): its window, probe and a PNG saved are in its values, those below 0 included', async () => {
  const hu = Int16Array.from({ length: 128 * 128 }, (_, i) => (i % 128) * 20 - 1024 + Math.floor(i / 128)); // −1024..1667
  const tif = join(outDir, 'ct-hu.tif');
  await writeFile(tif, tiffOf([hu], 128, 128));
  await app.cli(['encrypt', tif, '--key', 'Viewer', '-o', outDir]);
  await app.tab('open');
  await app.drop('open-drop', [join(outDir, 'ct-hu.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toHaveText('ct-hu.aeimg');
  await expect(page.getByTestId('viewer-fidelity')).toContainText('bit-exact');
  // It opens in its 1st–99th percentile window (0.36; before, its min..max) in its values, not in the samples
  // 31,744..34,435 that carry them: the window its sender's figures are of.
  await expect.poll(async () => (await numberIn('window-center')) - (await numberIn('window-width')) / 2).toBeLessThan(-900);
  await expect(page.getByTestId('overlay-br')).toContainText('(auto (1st–99th percentile))');
  for (const [x, y] of [[0, 0], [100, 50]] as const) {
    const at = await screenOf(x + 0.5, y + 0.5);
    await page.mouse.move(at.x, at.y);
    await expect(page.getByTestId('probe')).toHaveText(`(${x}, ${y}) value ${hu[y * 128 + x]}`);
  }
  const saved = join(outDir, 'ct-hu.png');
  await app.answerDialog({ save: saved });
  await page.getByTestId('save-png').click();
  await expect(page.getByRole('status').filter({ hasText: `Saved ${saved}` })).toContainText('it holds the image\'s values + 32768 (a value v in it is v − 32768)');
  const png = await sharp(saved).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer();
  expect(Array.from(new Uint16Array(png.buffer, png.byteOffset, png.length / 2))).toEqual(Array.from(hu, (v) => v + 32768));
});
