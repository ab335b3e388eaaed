/**
 * What a study exported whole from a PACS brings the receiver's viewer beside its images, sent with the full header:
 * a radiologist's presentation states (annotations, window, turn, inversion, displayed area, shutter; one at a time)
 * and key object selections (the images flagged, a rejected one marked). Files are encrypted by the CLI with the
 * bridge's keychain; the states are built with dcmjs (tests/presentation-state-dicom.ts), not aeimg's code.
 */
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { AppPage, ROOT } from './app-page.js';
import { SHUTTER_SIZE, shutterDicom } from '../shutter-dicom.js';
import { CT_SMALL_SOP, presentationStateDicom } from '../presentation-state-dicom.js';
import { OVERLAY_SIZE, OVERLAY_SOP, overlayDicom } from '../overlay-dicom.js';
import { keyObjectDicom, withInstance } from '../key-object-dicom.js';

const DICOM = join(ROOT, 'tests', 'fixtures', 'dicom');
const KEY = 'Reading room';

test.describe.configure({ mode: 'serial' });

let page: Page;
let app: AppPage;
let outDir: string;

test.beforeAll(async ({ browser, baseURL }) => {
  app = await AppPage.open(browser, baseURL!);
  page = app.page;
  outDir = await mkdtemp(join(tmpdir(), 'aeimg-e2e-study-objects-'));
  await app.cli(['keys', 'create', KEY]);
});

test.afterAll(async () => {
  // Leave the keychain as the other specs expect it (they share the bridge).
  await page.evaluate((name) => window.aeimg.keys.remove(name), KEY);
  await page.close();
});

test('a study\'s presentation state sent with the full header: its annotations drawn over the image it marks, in its layers\' colours, opened in its window; hidden on request', async () => {
  const dir = await mkdtemp(join(outDir, 'pstate-'));
  await presentationStateDicom(join(dir, 'gsps.dcm'));
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
  await app.cli(['encrypt', join(dir, 'gsps.dcm'), join(dir, 'ct.dcm'), '--bundle', 'reading', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'reading.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('reading (1 part)'); // not the file before it
  await expect(page.getByTestId('viewer-canvas')).toBeVisible();
  const layer = page.getByTestId('pstate');
  await expect(layer).toHaveAttribute('data-shapes', '5');
  // The circle round the lesion (centre 64, 64, radius 10 image pixels), red as its layer recommends; the note in its box.
  const circle = layer.locator('ellipse').first();
  expect(await circle.evaluate((e) => [e.getAttribute('cx'), e.getAttribute('cy'), e.getAttribute('rx'), getComputedStyle(e).stroke])).toEqual(['64', '64', '10', 'rgb(255, 0, 0)']);
  await expect(layer.locator('text')).toHaveText(['Nodule 8 mm', 'segment 6', 'R']);
  // It opens in the state's window, the one its radiologist read in.
  await expect(page.getByTestId('overlay-br')).toContainText('W 80 L 40 HU (presentation state "LESION")');
  // The preset list names it as the corner does (0.50; before, "file window “BRAIN”", its explanation).
  await expect(page.getByTestId('window-preset').locator('option:checked')).toHaveText(/^\d · presentation state "LESION" 40\/80$/);
  const toggle = page.getByTestId('toggle-pstate');
  await expect(toggle).toHaveAttribute('title', /presentation state “LESION” by Smith Anna/);
  // "Save view" has them drawn in, as on screen.
  const red = (file: string) => app.pixelsOf(file, (r, g, b) => r > 200 && g < 60 && b < 60);
  expect(await red(join(dir, 'with.png'))).toBeGreaterThan(50);
  await toggle.click();
  await expect(layer).toHaveCount(0);
  expect(await red(join(dir, 'without.png'))).toBe(0);
  await toggle.click();
  await expect(layer).toHaveAttribute('data-shapes', '5');
});

test('annotations with colours, fills and lines of their own (as Weasis saves them) are drawn so, not in their layer\'s', async () => {
  const dir = await mkdtemp(join(outDir, 'pstate-styled-'));
  await presentationStateDicom(join(dir, 'gsps.dcm'), { styled: true });
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
  await app.cli(['encrypt', join(dir, 'gsps.dcm'), join(dir, 'ct.dcm'), '--bundle', 'styled', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'styled.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('styled (1 part)'); // not the file before, whose state has as many shapes
  const layer = page.getByTestId('pstate');
  await expect(layer).toHaveAttribute('data-shapes', '5');
  // The circle green (its Line Style), the triangle red (its layer, MARKS); the note yellow (its Text Style), the R white (NOTES).
  const stroke = (e: Element) => getComputedStyle(e).stroke;
  expect(await layer.locator('ellipse').first().evaluate(stroke)).toBe('rgb(0, 255, 0)');
  expect(await layer.locator('polygon').first().evaluate(stroke)).toBe('rgb(255, 0, 0)');
  // The circle's line 3 screen pixels thick and dashed, as its Line Style says; the triangle's the viewer's 1.5, solid.
  const zoom = Number(await page.getByTestId('viewer-canvas').getAttribute('data-zoom'));
  const line = (e: Element) => [parseFloat(getComputedStyle(e).strokeWidth), getComputedStyle(e).strokeDasharray];
  const [circleWidth, circleDashes] = await layer.locator('ellipse').first().evaluate(line);
  const [triangleWidth, triangleDashes] = await layer.locator('polygon').first().evaluate(line);
  expect([Number(circleWidth) * zoom, Number(triangleWidth) * zoom].map((w) => Math.round(w * 100) / 100)).toEqual([3, 1.5]);
  expect([circleDashes === 'none', triangleDashes]).toEqual([false, 'none']);
  // The filled triangle a quarter opaque, as its Fill Style says: the anatomy under it shows through.
  expect(await layer.locator('polygon').first().evaluate((e) => getComputedStyle(e).fillOpacity)).toBe('0.25');
  const fills = await layer.locator('text').evaluateAll((ts) => ts.map((t) => [t.textContent, getComputedStyle(t).fill]));
  expect(fills).toEqual([['Nodule 8 mm', 'rgb(255, 255, 0)'], ['segment 6', 'rgb(255, 255, 0)'], ['R', 'rgb(255, 255, 255)']]);
  // The note centred in its box, as its justification says.
  expect(await layer.locator('text').first().getAttribute('text-anchor')).toBe('middle');
  // "Save view" draws them so too.
  expect(await app.pixelsOf(join(dir, 'styled.png'), (r, g, b) => r < 60 && g > 200 && b < 60)).toBeGreaterThan(30);
});

test('a presentation state that turned the image: the viewer opens it turned so, says by which state, and keeps its notes upright', async () => {
  const dir = await mkdtemp(join(outDir, 'pstate-turned-'));
  await presentationStateDicom(join(dir, 'gsps.dcm'), { rotation: 90, flip: true });
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
  await app.cli(['encrypt', join(dir, 'gsps.dcm'), join(dir, 'ct.dcm'), '--bundle', 'turned', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'turned.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('turned (1 part)'); // not the file before it
  const canvas = page.getByTestId('viewer-canvas');
  // Turned a quarter, then flipped, as the file says and dcmtk shows it: the canvas flips, then turns three quarters.
  await expect(canvas).toHaveAttribute('data-rotation', '270');
  await expect(canvas).toHaveAttribute('data-flip', 'yes');
  await expect(page.getByTestId('overlay-br')).toContainText('Rotated 90°, then flipped left–right (presentation state "LESION")');
  // Its note reads left to right on screen: wider than high, not turned with the image.
  const note = (await page.getByTestId('pstate').locator('text').first().boundingBox())!;
  expect(note.width).toBeGreaterThan(note.height * 2);
  // The reader's own turn is the reader's: the corner no longer names the state; R goes back to the state's.
  await page.getByTestId('rotate').click();
  await expect(canvas).toHaveAttribute('data-rotation', '0');
  await expect(page.getByTestId('overlay-br')).toContainText('Flipped left–right');
  await expect(page.getByTestId('overlay-br')).not.toContainText('left–right (presentation state');
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('r');
  await expect(canvas).toHaveAttribute('data-rotation', '270');
  await expect(page.getByTestId('overlay-br')).toContainText('then flipped left–right (presentation state "LESION")');
});

test('a presentation state that showed the image black for white (its Presentation LUT Shape INVERSE): the viewer opens it so and says by which state', async () => {
  const dir = await mkdtemp(join(outDir, 'pstate-inverse-'));
  await presentationStateDicom(join(dir, 'gsps.dcm'), { shape: 'INVERSE' });
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
  await app.cli(['encrypt', join(dir, 'gsps.dcm'), join(dir, 'ct.dcm'), '--bundle', 'inverse', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'inverse.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('inverse (1 part)'); // not the file before it
  await expect(page.getByTestId('viewer-canvas')).toBeVisible();
  await expect(page.getByTestId('invert')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('overlay-br')).toContainText('Inverted, black for white (presentation state "LESION")');
  const opened = await app.canvasGrey();
  // The reader's own I: the image as it is, each grey the other way round; the corner no longer names the state.
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('i');
  await expect(page.getByTestId('invert')).toHaveAttribute('aria-pressed', 'false');
  await expect(page.getByTestId('overlay-br')).not.toContainText('Inverted');
  const plain = await app.canvasGrey();
  expect(new Set(plain).size).toBeGreaterThan(10);
  expect(opened.every((g, i) => g === 255 - plain[i]!)).toBe(true);
  // R goes back to the state's view.
  await page.keyboard.press('r');
  await expect(page.getByTestId('invert')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('overlay-br')).toContainText('Inverted, black for white (presentation state "LESION")');
});

test('a presentation state zoomed to part of the image: the viewer opens on that part, says so, and Fit shows the whole image', async () => {
  const dir = await mkdtemp(join(outDir, 'pstate-area-'));
  // The lesion's quarter: columns 33–96, rows 33–96 of the 128 × 128 slice, its circle (centre 64, 64) in the middle.
  await presentationStateDicom(join(dir, 'gsps.dcm'), { area: { tl: [33, 33], br: [96, 96] } });
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
  await app.cli(['encrypt', join(dir, 'gsps.dcm'), join(dir, 'ct.dcm'), '--bundle', 'area', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'area.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('area (1 part)'); // not the file before it
  const canvas = page.getByTestId('viewer-canvas');
  await expect(page.getByTestId('overlay-br')).toContainText('(the area of presentation state "LESION")');
  const stage = (await page.getByTestId('viewer-stage').boundingBox())!;
  const side = Math.min(stage.width, stage.height);
  // 64 image pixels fill the viewport: twice the whole image's fit, and the circle's centre at the viewport's.
  await expect.poll(async () => Number(await canvas.getAttribute('data-zoom'))).toBeCloseTo(side / 64, 1);
  const circle = (await page.getByTestId('pstate').locator('ellipse').first().boundingBox())!;
  expect(Math.abs(circle.x + circle.width / 2 - (stage.x + stage.width / 2))).toBeLessThan(2);
  expect(Math.abs(circle.y + circle.height / 2 - (stage.y + stage.height / 2))).toBeLessThan(2);
  await page.getByTestId('fit').click();
  await expect.poll(async () => Number(await canvas.getAttribute('data-zoom'))).toBeCloseTo(side / 128, 1);
  await expect(page.getByTestId('overlay-br')).toContainText('(fit)');
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('r');
  await expect(page.getByTestId('overlay-br')).toContainText('(the area of presentation state "LESION")');
});

test('a presentation state\'s display shutter covers the image while the state is shown, in place of the file\'s own', async () => {
  const dir = await mkdtemp(join(outDir, 'pstate-shutter-'));
  // The file's own: the default circle and rectangle, mid grey. The state's: columns 20–100, rows 10–110, white.
  await shutterDicom(join(dir, 'xa.dcm'));
  await presentationStateDicom(join(dir, 'gsps.dcm'), { shutter: {
    '00181600': { vr: 'CS', Value: ['RECTANGULAR'] }, '00181602': { vr: 'IS', Value: [20] }, '00181604': { vr: 'IS', Value: [100] },
    '00181606': { vr: 'IS', Value: [10] }, '00181608': { vr: 'IS', Value: [110] }, '00181622': { vr: 'US', Value: [65535] },
  } });
  await app.cli(['encrypt', join(dir, 'gsps.dcm'), join(dir, 'xa.dcm'), '--bundle', 'shut', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'shut.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('shut (1 part)'); // not the file before it
  const canvas = page.getByTestId('viewer-canvas');
  await expect(canvas).toHaveAttribute('data-shutter', 'rectangular');
  await expect(page.getByTestId('toggle-shutter')).toHaveAttribute('title', /presentation state "LESION" \(rectangular\), in place of the file's/);
  // Column 10 of row 64 (outside the state's rectangle) is the state's white; with the state hidden, the file's own shutter.
  const at = async (x: number, y: number) => (await app.canvasGrey())[y * SHUTTER_SIZE + x];
  expect(await at(10, 64)).toBe(255);
  await page.getByTestId('toggle-pstate').click();
  await expect(canvas).toHaveAttribute('data-shutter', 'rectangular, circular');
  expect(await at(10, 64)).toBe(128);
  await page.getByTestId('toggle-pstate').click();
});

test('an image with two presentation states shows one at a time, as a PACS applies them: the reader picks which', async () => {
  const dir = await mkdtemp(join(outDir, 'pstate-two-'));
  await presentationStateDicom(join(dir, 'gsps.dcm'));
  await presentationStateDicom(join(dir, 'curve.dcm'), { lutOnly: true, label: 'CURVE' }); // a VOI LUT, no annotations
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
  await app.cli(['encrypt', join(dir, 'gsps.dcm'), join(dir, 'curve.dcm'), join(dir, 'ct.dcm'), '--bundle', 'two', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'two.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('two (1 part)'); // not the file before it
  const choice = page.getByTestId('pstate-choice');
  const canvas = page.getByTestId('viewer-canvas');
  const showing = async (label: string) => {
    await choice.selectOption(label);
    await expect(page.getByTestId('overlay-br')).toContainText(`(presentation state "${label}")`);
  };
  await showing('CURVE');
  await expect(canvas).toHaveAttribute('data-voi-lut', 'yes');
  // Its window is a table: said as one, by its explanation and span (0.51; before, "W 256 L 28 HU", a linear window
  // nobody chose), in the corner and the preset list.
  await expect(page.getByTestId('overlay-br')).toContainText('table “SOFT CURVE” over -100…155 HU (presentation state "CURVE")');
  await expect(page.getByTestId('window-preset').locator('option', { hasText: 'presentation state "CURVE"' })).toHaveText(/presentation state "CURVE" \(table “SOFT CURVE” over -100…155\)$/);
  await expect(page.getByTestId('pstate')).toHaveCount(0); // its own annotations: none; not the other state's
  // R goes back to the state shown, not to the other.
  await page.getByTestId('viewer').focus();
  await page.keyboard.press('r');
  await expect(canvas).toHaveAttribute('data-voi-lut', 'yes');
  await showing('LESION');
  await expect(canvas).toHaveAttribute('data-voi-lut', 'no');
  await expect(page.getByTestId('pstate')).toHaveAttribute('data-shapes', '5');
  await expect(page.getByTestId('toggle-pstate')).toHaveAttribute('title', /“LESION” by Smith Anna, drawn/);
});

test('a presentation state with its own Modality LUT: the corner names its tables over the values they span, not a window of their span (0.51)', async () => {
  const dir = await mkdtemp(join(outDir, 'pstate-mod-'));
  await presentationStateDicom(join(dir, 'mod.dcm'), { modalityLut: 'scrambled', label: 'MOD' });
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
  await app.cli(['encrypt', join(dir, 'mod.dcm'), join(dir, 'ct.dcm'), '--bundle', 'mod', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'mod.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('mod (1 part)');
  // Stored 0…4095 (its table's inputs) are −1024…3071 HU in the image; before, "W 4096 L 1024 HU".
  await expect(page.getByTestId('overlay-br')).toContainText('table “SCRAMBLED, BRAIN” over -1024…3071 HU (presentation state "MOD")');
  await expect(page.getByTestId('overlay-br')).not.toContainText('W 4096');
});

test('a presentation state shows only the image overlays it activates and its own, in its layer\'s colour, as its PACS does; hiding the state shows the image\'s all', async () => {
  const dir = await mkdtemp(join(outDir, 'overlays-'));
  await overlayDicom(join(dir, 'mr.dcm'));
  await presentationStateDicom(join(dir, 'ovl.dcm'), { references: [OVERLAY_SOP], overlays: ['6000'], ownOverlay: true });
  await app.cli(['encrypt', join(dir, 'ovl.dcm'), join(dir, 'mr.dcm'), '--bundle', 'overlays', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'overlays.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('overlays (1 part)');
  const canvas = page.getByTestId('viewer-canvas');
  const toggle = page.getByTestId('toggle-graphics');
  await expect(canvas).toHaveAttribute('data-graphics', '2');
  await expect(toggle).toHaveText('DICOM overlays (1 of 3)');
  await expect(toggle).toHaveAttribute('title', /Not shown while presentation state "LESION" is, as its PACS does not show them: overlay 6002 \("First target mark"\), overlay 6004.*draws its own: overlay 6006/);
  // Overlay 6000 (the ring of radius 12 about row 28, column 32) and the state's own 6006 (an 8 x 8 square at the top
  // left) in the layer's green; grey pixels are never green.
  const ring = Array.from({ length: OVERLAY_SIZE ** 2 }, (_, i) => i)
    .filter((i) => Math.abs(Math.hypot(Math.floor(i / OVERLAY_SIZE) - 28, (i % OVERLAY_SIZE) - 32) - 12) < 0.7 || (i % OVERLAY_SIZE < 8 && i < 8 * OVERLAY_SIZE));
  const green = () => canvas.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    return Array.from({ length: c.width * c.height }, (_, i) => i).filter((i) => d[i * 4]! < 10 && d[i * 4 + 1]! > 245 && d[i * 4 + 2]! < 10);
  });
  expect(await green()).toEqual(ring);
  await page.getByTestId('toggle-pstate').click();
  await expect(canvas).toHaveAttribute('data-graphics', '3');
  await expect(toggle).toHaveText('DICOM overlays');
  expect(await green()).toEqual([]); // white again, as without a state
  await page.getByTestId('toggle-pstate').click();
  await expect(canvas).toHaveAttribute('data-graphics', '2');
});

test('a study\'s key object selections sent with the full header: the images they flag are marked in the corner and the strip, a rejected one as rejected', async () => {
  const dir = await mkdtemp(join(outDir, 'keys-'));
  await copyFile(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct1.dcm'));
  await withInstance(join(DICOM, 'ct_small_explicit_le.dcm'), join(dir, 'ct2.dcm'), '2.25.778', 2);
  await keyObjectDicom(join(dir, 'kos.dcm'), [CT_SMALL_SOP], { title: 'For Referring Provider', code: '113002', description: 'Lesion best seen here' });
  await keyObjectDicom(join(dir, 'bad.dcm'), ['2.25.778'], { code: '113001', title: 'Rejected for Quality Reasons' });
  const inputs = ['kos.dcm', 'bad.dcm', 'ct1.dcm', 'ct2.dcm'].map((f) => join(dir, f));
  await app.cli(['encrypt', ...inputs, '--bundle', 'keys', '--deidentify', 'none', '--key', KEY, '-o', dir]);
  await app.tab('open');
  await app.drop('open-drop', [join(dir, 'keys.part1of1.aeimg')]);
  await expect(page.getByTestId('viewer-name')).toContainText('keys (1 part)'); // not the file before it
  await expect(page.getByTestId('thumb-0')).toHaveAttribute('data-mark', 'key');
  await expect(page.getByTestId('thumb-1')).toHaveAttribute('data-mark', 'rejected');
  await expect(page.getByTestId('thumb-1')).toHaveAttribute('aria-label', /rejected: Rejected for Quality Reasons/);
  await page.getByTestId('thumb-0').click();
  await expect(page.getByTestId('overlay-tr')).toContainText('Key image: For Referring Provider (Lesion best seen here)');
  await page.getByTestId('thumb-1').click();
  await expect(page.getByTestId('overlay-tr')).toContainText('REJECTED: Rejected for Quality Reasons');
});
