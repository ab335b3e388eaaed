/**
 * Large studies and export in the receiver's viewer (issue 15): a 1,024-slice study made by the CLI opens and scrolls
 * end to end with the renderer's heap under a stated bound (decoded slices stay in bounded caches in main and the
 * renderer, never the whole study); the whole study is saved as PNG or DICOM into a folder chosen in main's dialog;
 * "Copy view" puts the rendered view, with or without its overlays, on the clipboard.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import sharp from 'sharp';
import { AppPage, ROOT, SCREENSHOTS } from './app-page.js';
import { circleOutline, outlinesReport, PDF, pdfDicom, regions3dReport, valuesOf } from '../report-dicom.js';

const DICOM = join(ROOT, 'tests', 'fixtures', 'dicom');
const SLICES = 1024;
/**
 * The renderer's JS heap plus ArrayBuffer backing stores (CDP Runtime.getHeapUsage, after a garbage collection) while
 * scrolling the 1,024-slice study: stated in docs/app.md. The app itself takes about 10 MB.
 */
const HEAP_BOUND_MB = 96;

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let page: Page;
let app: AppPage;
let work: string;

/** Slice k of the synthetic study: a gradient with a disc that moves through the series. */
function slice(k: number): Buffer {
  const px = Buffer.alloc(64 * 64);
  const cx = 16 + (k % 32), cy = 16 + (Math.floor(k / 32) % 32);
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) px[y * 64 + x] = (x - cx) ** 2 + (y - cy) ** 2 < 64 ? 230 : (x * 2 + y + k) % 160;
  return px;
}

async function makeStudy(name: string, count: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `aeimg-e2e-${name}-`));
  const src = join(dir, 'slices');
  await mkdir(src);
  for (let k = 0; k < count; k++) {
    await sharp(slice(k), { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(join(src, `slice-${String(k + 1).padStart(4, '0')}.png`));
  }
  await app.cli(['encrypt', src, '--bundle', name, '--key', 'Study', '-o', dir]);
  return join(dir, (await readdir(dir)).find((n) => n.startsWith(`${name}.part1of`))!);
}

async function openByDialog(path: string) {
  await app.tab('open');
  await app.answerDialog({ inputs: [path] });
  await page.getByTestId('open-drop').focus();
  await page.keyboard.press('Enter');
}

test.beforeAll(async ({ browser, baseURL }) => {
  context = await browser.newContext({ baseURL, permissions: ['clipboard-read', 'clipboard-write'] });
  app = await AppPage.open(context, baseURL!);
  page = app.page;
  work = await mkdtemp(join(tmpdir(), 'aeimg-e2e-study-viewer-'));
  await app.cli(['keys', 'create', 'Study']);
});

test.afterAll(async () => {
  await app.cli(['keys', 'delete', 'Study', '--yes']); // the shared keychain as the other specs expect it
  await context.close();
});

test(`a ${SLICES}-slice study opens and scrolls end to end with the renderer's heap below ${HEAP_BOUND_MB} MB`, async () => {
  test.setTimeout(900_000);
  const part = await makeStudy('big', SLICES);
  await openByDialog(part);
  const label = page.getByTestId('slice-label');
  await expect(label).toContainText(`Image 1 of ${SLICES}`, { timeout: 300_000 });

  const cdp = await context.newCDPSession(page);
  const heapMB = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const h = await cdp.send('Runtime.getHeapUsage') as { usedSize: number; backingStorageSize?: number };
    return (h.usedSize + (h.backingStorageSize ?? 0)) / (1 << 20);
  };
  const heaps = [await heapMB()];
  await page.getByTestId('viewer-canvas').hover();
  for (let k = 1; k < SLICES; k++) {
    await page.mouse.wheel(0, 120);
    if (k % 256 === 0) {
      await expect(label).toContainText(`Image ${k + 1} of ${SLICES}`);
      heaps.push(await heapMB());
    }
  }
  await expect(label).toContainText(`Image ${SLICES} of ${SLICES} — slice-${SLICES}.png`);
  heaps.push(await heapMB());
  // Back to the start by keyboard, and the slices are still shown (decoded again where the caches let them go).
  await page.getByTestId('viewer').focus();
  for (let k = 0; k < 12; k++) await page.keyboard.press('PageUp');
  await expect(label).toContainText(`Image ${SLICES - 120} of ${SLICES}`);
  await page.keyboard.press('Home');
  await expect(label).toContainText(`Image 1 of ${SLICES} — slice-0001.png`);
  heaps.push(await heapMB());
  console.log(`renderer heap while scrolling ${SLICES} slices (MB): ${heaps.map((h) => h.toFixed(1)).join(', ')}`);
  for (const h of heaps) expect(h).toBeLessThan(HEAP_BOUND_MB);
});

test('export: every slice as PNG into a folder chosen in main\'s dialog, all of them or none; cancelled writes nothing', async () => {
  const part = await makeStudy('five', 5);
  await openByDialog(part);
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 5');
  await expect(page.getByTestId('export-dcm')).toHaveCount(0); // plain images: PNG only

  await app.answerDialog({ folder: null }); // cancelled: nothing happens
  await page.getByTestId('export-png').click();

  const out = await mkdtemp(join(work, 'png-'));
  await app.answerDialog({ folder: out });
  await page.getByTestId('export-png').click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved 5 files' })).toContainText(out);
  const names = (await readdir(out)).sort();
  expect(names).toEqual([1, 2, 3, 4, 5].map((k) => `slice-000${k}.png`));
  // The default level for 8-bit images: every pixel within ±1 of the original.
  const third = await sharp(join(out, 'slice-0003.png')).toColourspace('b-w').raw().toBuffer();
  expect(third.length).toBe(64 * 64);
  const original = slice(2);
  expect(Math.max(...Array.from(third, (v, i) => Math.abs(v - original[i]!)))).toBeLessThanOrEqual(1);
  // Again into the same folder: nothing is replaced, and the reader is told.
  await app.answerDialog({ folder: out });
  await page.getByTestId('export-png').click();
  await expect(page.getByTestId('error-message').first()).toContainText('already exists');
  expect((await readdir(out)).sort()).toEqual(names);
  await app.clearErrors();
});

test('a study of several series (a CD sent whole): the series picker names each and jumps to its first image', async () => {
  const cd = await mkdtemp(join(work, 'cd-'));
  for (const [folder, file] of [['SE1', 'ct_small_explicit_le.dcm'], ['SE2', 'mr_small_explicit_le.dcm'], ['SE3', 'ct_ankle_512_implicit_le.dcm']]) {
    await mkdir(join(cd, folder!));
    await copyFile(join(DICOM, file!), join(cd, folder!, 'IM000001'));
  }
  const out = await mkdtemp(join(work, 'cd-out-'));
  await app.cli(['encrypt', cd, '--bundle', 'cd', '--key', 'Study', '-o', out]);
  await openByDialog(join(out, 'cd.part1of1.aeimg'));
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 3');
  const options = page.getByTestId('series').locator('option');
  await expect(options).toHaveCount(3);
  await expect(options.nth(2)).toHaveText('Series 365 — CT, 1 image'); // the ankle CT, last by series number
  await page.getByTestId('series').selectOption({ label: 'Series 365 — CT, 1 image' });
  await expect(page.getByTestId('slice-label')).toContainText('Image 3 of 3');
  await page.getByTestId('prev-slice').click();
  await expect(page.getByTestId('series')).toHaveValue('1'); // the picker follows the image shown
  // Exported as DICOM: a folder per series, each image under its CD name, and the reader is told.
  const exported = await mkdtemp(join(work, 'cd-dcm-'));
  await app.answerDialog({ folder: exported });
  await page.getByTestId('export-dcm').click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved 3 files' })).toContainText('a folder for each of its 3 series');
  const folders = (await readdir(exported)).sort();
  expect(folders).toHaveLength(3);
  expect(folders.every((f) => /^series-\d+-(CT|MR)$/.test(f))).toBe(true);
  for (const f of folders) expect(await readdir(join(exported, f))).toEqual(['IM000001.dcm']);
});

test("a study's reports: named when it opens, a structured report read in the viewer, a PDF saved where main's dialog says", async () => {
  const src = await mkdtemp(join(work, 'reports-'));
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(src, 'ct.dcm'));
  await copyFile(join(DICOM, 'sr_measurement_report.dcm'), join(src, 'sr.dcm'));
  await pdfDicom(join(src, 'report.dcm'), PDF);
  const out = await mkdtemp(join(work, 'reports-out-'));
  await app.cli(['encrypt', src, '--bundle', 'reports', '--deidentify', 'none', '--key', 'Study', '-o', out]);
  await openByDialog(join(out, 'reports.part1of1.aeimg'));
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 1');
  await expect(page.getByTestId('viewer-reports')).toHaveText('The study came with 2 reports: "Radiology report", "Imaging Measurement Report" (Reports).');
  // Where the measurement report measured: its circle (centre 58, 52, radius 11 image pixels) and its area, in the report's cyan.
  const marks = page.getByTestId('pstate');
  const circle = marks.locator('ellipse').first();
  expect(await circle.evaluate((e) => [e.getAttribute('cx'), e.getAttribute('cy'), e.getAttribute('rx'), getComputedStyle(e).stroke])).toEqual(['58', '52', '11', 'rgb(0, 200, 255)']);
  await expect(marks).toContainText('Area of defined region: 1.7 cm2');
  await page.getByTestId('toggle-report-marks').click(); // hidden at the reader's wish
  await expect(page.getByTestId('pstate')).toHaveCount(0);
  await page.getByTestId('toggle-report-marks').click();
  await expect(page.getByTestId('pstate')).toHaveCount(1);
  await expect(page.getByTestId('reports-panel')).toHaveCount(0);
  await page.getByTestId('toggle-reports').click();
  await expect(page.getByTestId('report-1').getByTestId('report-text')).toContainText('Area of defined region: 1.7 cm2');
  await expect(page.getByTestId('report-1').getByTestId('report-text')).toContainText('Source Image: (image 1 of 1, ct.dcm)'); // the image it measured, as the viewer names it
  await expect(page.getByTestId('report-0')).toContainText('Show it here, or save it to read it in a PDF reader.');
  // This PDF has no page (a catalogue only): shown, it says so, and Save still writes it.
  await page.getByTestId('show-report-0').click();
  await expect(page.getByTestId('report-pdf-note')).toContainText('"Radiology report" could not be shown (');
  await expect(page.getByTestId('report-pdf-note')).toContainText('): save it to read it in a PDF reader.');
  await page.getByTestId('show-report-0').click();
  await page.screenshot({ path: join(SCREENSHOTS, 'viewer-reports.png') });
  const saved = join(out, 'saved.pdf');
  await app.answerDialog({ save: saved });
  await page.getByTestId('save-report-0').click();
  await expect(page.getByRole('status').filter({ hasText: `Saved ${saved}` })).toBeVisible();
  expect(await readFile(saved)).toEqual(PDF);
});

test("a report's regions beyond what one image holds: the reader is told how many are not drawn, on the viewer's button", async () => {
  const src = await mkdtemp(join(work, 'contours-'));
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(src, 'ct.dcm'));
  const sop = String((await valuesOf(join(src, 'ct.dcm'), '00080018'))[0]);
  // Three contours of 1,500 points: 9,000 coordinates on one image, more than the 8,192 a state may draw there.
  await writeFile(join(src, 'contours.dcm'), outlinesReport([20, 30, 40].map((r) => ({ sop, points: circleOutline(1500, 60, 60, r) }))));
  const out = await mkdtemp(join(work, 'contours-out-'));
  await app.cli(['encrypt', src, '--bundle', 'contours', '--deidentify', 'none', '--key', 'Study', '-o', out]);
  await openByDialog(join(out, 'contours.part1of1.aeimg'));
  await expect(page.getByTestId('toggle-report-marks')).toHaveText('Report marks (1 not drawn)');
  await expect(page.getByTestId('toggle-report-marks')).toHaveAttribute('title', /1 of the regions the report measured on this image is not drawn/);
  await expect(page.getByTestId('pstate').locator('polyline, path, polygon')).toHaveCount(2);
});

test("a report's 3D region (an outline in the patient, mm) is drawn on the slice whose slab holds it", async () => {
  const src = await mkdtemp(join(work, 'scoord3d-'));
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(src, 'ct.dcm'));
  const [frame, origin, spacing] = await Promise.all(['00200052', '00200032', '00280030'].map((t) => valuesOf(join(src, 'ct.dcm'), t)));
  const [x0, y0, z0] = origin!.map(Number), dx = Number(spacing![1]), dy = Number(spacing![0]); // an axial slice: rows along +x, columns along +y
  // A square with corners at pixels (30, 40) and (60, 70), 1 mm off the slice's plane (inside its 5 mm slab).
  const square = [[30, 40], [60, 40], [60, 70], [30, 70]].flatMap(([x, y]) => [x0! + (x! - 0.5) * dx, y0! + (y! - 0.5) * dy, z0! + 1]);
  await writeFile(join(src, 'nodule.dcm'), regions3dReport(String(frame![0]), [{ type: 'POLYGON', points: square }]));
  const out = await mkdtemp(join(work, 'scoord3d-out-'));
  await app.cli(['encrypt', src, '--bundle', 'nodule', '--deidentify', 'none', '--key', 'Study', '-o', out]);
  await openByDialog(join(out, 'nodule.part1of1.aeimg'));
  await expect(page.getByTestId('toggle-report-marks')).toHaveText('Report marks');
  const outline = page.getByTestId('pstate').locator('polygon, polyline').first();
  const points = (await outline.getAttribute('points'))!.trim().split(/[\s,]+/).map((v) => Math.round(Number(v)));
  expect(points.slice(0, 8)).toEqual([30, 40, 60, 40, 60, 70, 30, 70]);
});

test('export: a multi-frame DICOM as one DICOM file per frame', async () => {
  const dir = await mkdtemp(join(work, 'mr3-'));
  await app.cli(['encrypt', join(DICOM, 'enhanced_mr_3frame_functional_groups.dcm'), '--key', 'Study', '-o', dir]);
  // Sent as anon_…: the fixture's Patient's Name is Synthetic^Enhanced, a word of its file name (dicom/file-name.ts).
  await openByDialog(join(dir, 'anon_mr_3frame_functional_groups.aeimg'));
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 3');
  const out = await mkdtemp(join(work, 'dcm-'));
  await app.answerDialog({ folder: out });
  await page.getByTestId('export-dcm').click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved 3 files' })).toBeVisible();
  const names = (await readdir(out)).sort();
  expect(names).toEqual([1, 2, 3].map((k) => `anon_mr_3frame_functional_groups-${k}.dcm`));
  for (const n of names) expect((await readFile(join(out, n))).subarray(128, 132).toString('latin1')).toBe('DICM');
});

/** The clipboard's image: its size, the pixel at (x, y), and how many pixels are the measurement yellow. */
async function clipboardImage(x: number, y: number): Promise<{ width: number; height: number; at: number[]; yellow: number }> {
  return page.evaluate(async ({ px, py }) => {
    const [item] = await navigator.clipboard.read();
    const bitmap = await createImageBitmap(await item!.getType('image/png'));
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let yellow = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i]! > 200 && data[i + 1]! > 160 && data[i + 2]! < 80) yellow++;
    const o = (py * c.width + px) * 4;
    return { width: c.width, height: c.height, at: [data[o]!, data[o + 1]!, data[o + 2]!], yellow };
  }, { px: x, py: y });
}

/** Draws a ruler across the image at `y` (a fraction of its height), then goes back to the window tool. */
async function drawRuler(y: number) {
  await page.getByTestId('tool-ruler').click();
  const box = (await page.getByTestId('viewer-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.8, box.y + box.height * y, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('measurement-0')).toBeVisible();
  await page.getByTestId('tool-window').click();
}

/**
 * The image's middle pixel: its grey on screen, and where a copy of the viewport shows it (zoom about the viewport's
 * centre; fitted, so no pan).
 */
async function imageMiddle(): Promise<{ grey: number; x: number; y: number }> {
  const stage = (await page.getByTestId('viewer-stage').boundingBox())!;
  const canvas = page.getByTestId('viewer-canvas');
  const { iw, ih, grey } = await canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data;
    return { iw: c.width, ih: c.height, grey: d[0]! };
  });
  const zoom = Number(await canvas.getAttribute('data-zoom'));
  const at = (w: number, i: number) => Math.floor(w / 2 - (zoom * i) / 2 + (Math.floor(i / 2) + 0.5) * zoom);
  return { grey, x: at(stage.width, iw), y: at(stage.height, ih) };
}

test('copy view: the rendered view on the clipboard, with its measurements and overlays or without', async () => {
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 3'); // the multi-frame MR is still open
  const stage = (await page.getByTestId('viewer-stage').boundingBox())!;
  await drawRuler(0.3);

  await page.getByTestId('copy-view').click();
  const status = page.getByRole('status').filter({ hasText: 'View copied' });
  const refused = page.getByTestId('error-message').filter({ hasText: 'could not be copied' });
  await expect(status.or(refused)).toBeVisible();
  if (await refused.count()) test.skip(true, `this headless Chromium refused the clipboard: ${await refused.first().textContent()}`);
  await expect(status).toContainText('with its overlays');

  const { grey, x, y } = await imageMiddle();
  const withMarks = await clipboardImage(x, y);
  expect([withMarks.width, withMarks.height]).toEqual([Math.round(stage.width), Math.round(stage.height)]);
  expect(withMarks.at).toEqual([grey, grey, grey]);
  expect(withMarks.yellow).toBeGreaterThan(20); // the ruler and its label

  await page.getByTestId('copy-overlays').uncheck();
  await page.getByTestId('copy-view').click();
  await expect(page.getByRole('status').filter({ hasText: /^View copied to the clipboard$/ })).toBeVisible();
  const plain = await clipboardImage(x, y);
  expect(plain.at).toEqual([grey, grey, grey]);
  expect(plain.yellow).toBe(0);
  await page.getByTestId('copy-overlays').check();
  await page.getByTestId('clear-measurements').click();
});

test('save view as PNG: the image as the reader sees it, 8-bit, with its overlays, where the dialog says; the 16-bit save says it saves values', async () => {
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 3'); // the 16-bit multi-frame MR
  await expect(page.getByTestId('save-png')).toHaveText('Save values as 16-bit PNG');
  const stage = (await page.getByTestId('viewer-stage').boundingBox())!;
  await drawRuler(0.7);

  const saved = join(work, 'mr.view.png');
  await app.answerDialog({ save: saved });
  await page.getByTestId('save-view').click();
  await expect(page.getByRole('status').filter({ hasText: `Saved the view with its overlays as ${saved}` })).toBeVisible();
  const { data, info } = await sharp(saved).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([Math.round(stage.width), Math.round(stage.height)]);
  expect((await sharp(saved).metadata()).depth).toBe('uchar');
  // The image's middle pixel, where the view shows it, is the grey the screen shows; the ruler is drawn in.
  const { grey, x, y } = await imageMiddle();
  const o = (y * info.width + x) * info.channels;
  expect([data[o], data[o + 1], data[o + 2]]).toEqual([grey, grey, grey]);
  let yellow = 0;
  for (let i = 0; i < data.length; i += info.channels) if (data[i]! > 200 && data[i + 1]! > 160 && data[i + 2]! < 80) yellow++;
  expect(yellow).toBeGreaterThan(20);
  // A bit-exact image carries no warning band (a reduced-quality one does: renderer.spec.ts).
  const row3 = Array.from({ length: info.width }, (_, x) => (3 * info.width + x) * info.channels);
  expect(row3.filter((p) => data[p]! > 150 && data[p + 1]! < 60 && data[p + 2]! < 60)).toEqual([]);
  await page.getByTestId('clear-measurements').click();
});

test('an animated GIF (an ultrasound loop as a viewer exports it) plays at the pace its frames\' delays give, each frame held as timed', async () => {
  const dir = await mkdtemp(join(work, 'gif-'));
  await copyFile(join(ROOT, 'tests', 'fixtures', 'gif', 'uneven.gif'), join(dir, 'loop.gif')); // 50, 100, 150 ms
  await app.cli(['encrypt', join(dir, 'loop.gif'), '--key', 'Study', '-o', dir]);
  await openByDialog(join(dir, 'loop.aeimg'));
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 3');
  await expect(page.getByTestId('cine-fps')).toHaveValue('10');
  await expect(page.getByTestId('cine-acquired')).toContainText("the file's: 10 a second on average, each frame held as timed");
});

test('a cine: it plays at the rate its file says, and "Export all as DICOM" writes it as one multi-frame file', async () => {
  const dir = await mkdtemp(join(work, 'xa-'));
  await app.cli(['encrypt', join(DICOM, 'xa_4frame_jpeg_lossless.dcm'), '--key', 'Study', '-o', dir]);
  await openByDialog(join(dir, 'xa_4frame_jpeg_lossless.aeimg'));
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 4');
  await expect(page.getByTestId('cine-fps')).toHaveValue('12'); // Frame Time 83 ms, not the default 10
  await expect(page.getByTestId('cine-acquired')).toContainText("the file's: 12 a second");
  const out = await mkdtemp(join(work, 'xa-dcm-'));
  await app.answerDialog({ folder: out });
  await page.getByTestId('export-dcm').click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved 1 file in' })).toBeVisible();
  expect(await readdir(out)).toEqual(['xa_4frame_jpeg_lossless.dcm']);
  const written = await readFile(join(out, 'xa_4frame_jpeg_lossless.dcm'));
  expect(written.length).toBeGreaterThan(4 * 512 * 512); // its four frames, in one file
});

test('a multi-frame file: each frame in its own window until the reader chooses one, never under another window\'s name (0.50)', async () => {
  const dir = await mkdtemp(join(work, 'mr3w-'));
  await app.cli(['encrypt', join(DICOM, 'enhanced_mr_3frame_functional_groups.dcm'), '--key', 'Study', '-o', dir]);
  await openByDialog(join(dir, 'anon_mr_3frame_functional_groups.aeimg'));
  await expect(page.getByTestId('slice-label')).toContainText('Image 1 of 3');
  const numbers = async () => [Number(await page.getByTestId('window-center').inputValue()), Number(await page.getByTestId('window-width').inputValue())];
  // The fixture's frames have their own VOI windows: 200/400, 210/420, 220/440 (its frame 2 its own rescale too).
  await expect.poll(numbers).toEqual([200, 400]);
  await page.getByTestId('next-slice').click();
  await expect(page.getByTestId('slice-label')).toContainText('Image 2 of 3');
  await expect.poll(numbers).toEqual([210, 420]); // before: 200/400 drawn, named "file window 1" (210/420 on this frame)
  await expect(page.getByTestId('overlay-br')).toContainText('W 420 L 210');
  // The reader's own numbers stay from frame to frame, unnamed.
  await page.getByTestId('window-center').fill('150');
  await page.getByTestId('window-center').press('Enter');
  await page.getByTestId('next-slice').click();
  await expect(page.getByTestId('slice-label')).toContainText('Image 3 of 3');
  await expect.poll(numbers).toEqual([150, 420]);
  await expect(page.getByTestId('overlay-br')).not.toContainText('file window');
});
