import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { UniqueNames } from '../../../src-shared/unique-names.js';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dicomMetaOf, readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { studyObjectFiles } from '../../../src-main/engine/dicom/write-study-objects.js';
import { parseDicomHeader } from '../../../src-main/engine/dicom/read-dataset.js';
import { cleanedState, readPresentationState, stateInverts, stateWindowIn } from '../../../src-main/engine/dicom/presentation-state.js';
import { presentationStateFor, validPresentationStates } from '../../../src-main/engine/dicom/carried-presentation-state.js';
import { carriedWords } from '../../../src-main/engine/dicom/study-objects.js';
import { decodeImage } from '../../../src-main/engine/image/io.js';
import { decryptStudy, encryptStudy } from '../../../src-main/engine/jobs/study.js';
import { openAeimg } from '../../../src-main/engine/jobs/open.js';
import { readCodedSlices, SliceCache } from '../../../src-main/engine/jobs/slices.js';
import { localDecode } from '../../../src-main/engine/jobs/decrypt.js';
import { exportSlices } from '../../../src-main/engine/jobs/export.js';
import { describeImage } from '../../../src-main/engine/jobs/view.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { annotationShapes, drawGraphics, overlaysHidden, overlaysShown } from '../../../src-shared/graphics.js';
import { OVERLAY_SOP, overlayDicom } from '../../overlay-dicom.js';
import { DCIODVFY, defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { CT_SMALL_SOP, EXPECTED, LUT_CURVE, P_SCRAMBLED, presentationStateDicom, SCRAMBLED } from '../../presentation-state-dicom.js';
import { renderToByte, sampleToReal, voiToByte } from '../../../src-shared/windows.js';

const key = generateSharedKey('Reading room');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

const CT = join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm');
const HU = { slope: 1, intercept: -1024 };

async function stateFile(opts: Parameters<typeof presentationStateDicom>[1] = {}) {
  const path = join(await tempDir(), 'gsps.dcm');
  await presentationStateDicom(path, opts);
  return readPresentationState(parseDicomHeader(new Uint8Array(await readFile(path))));
}

/**
 * A study of the CT fixture and a state marking it (written by presentationStateDicom with `opts`, as `name`), encrypted
 * with the full header into a new folder: the folder and what encryptStudy said.
 */
async function sendWithState(opts: Parameters<typeof presentationStateDicom>[1], extra: Partial<Parameters<typeof encryptStudy>[1]> = {}, name = 'gsps.dcm') {
  const dir = await tempDir();
  await presentationStateDicom(join(dir, name), opts);
  await copyFile(CT, join(dir, 'ct.dcm'));
  const out = join(dir, 'parts');
  await mkdir(out);
  const enc = await encryptStudy([join(dir, name), join(dir, 'ct.dcm')], { model, recipients: [key], name: 's', outDir: out, deidentify: null, measure: false, ...extra });
  return { dir, enc };
}

/** dcmtk's rendering (dcmp2pgm) of a 128 × 128 image through a presentation state: its grey levels, row by row. */
function dcmtkShown(dir: string, state: string, image: string): number[] {
  const pgm = join(dir, 'dcmtk.pgm');
  execFileSync('/usr/bin/dcmp2pgm', ['-p', state, image, pgm], { stdio: 'ignore' });
  return Array.from(readFileSync(pgm).subarray(-128 * 128));
}

/** The study as its reader gets it: its parts decrypted as `format` into dir/format. */
async function receive(dir: string, enc: { parts: { path: string }[] }, format: 'png' | 'dcm') {
  await mkdir(join(dir, format));
  return decryptStudy(enc.parts.map((p) => p.path), { identities: [key], models: models(), outDir: join(dir, format), format });
}

const close = (a: number[] | undefined, b: number[]) => expect(a?.map((v, i) => Math.abs(v - b[i]!) < 1e-4)).toEqual(b.map(() => true));

describe('a presentation state: a radiologist\'s annotations and window over the images it references', () => {
  it('is read as dcmtk reads it: its graphics and text in image pixels (DISPLAY units through its displayed area), its layers\' colours, its window', async () => {
    const s = await stateFile();
    expect([s.label, s.description, s.creator]).toEqual(['LESION', 'Reading of the left lobe', 'Smith^Anna']);
    const c = presentationStateFor(s, CT_SMALL_SOP, 1, 128, 128, HU)!;
    expect(c.graphics.map((g) => [g.layer, g.type, g.filled])).toEqual([['MARKS', 'CIRCLE', false], ['MARKS', 'POLYLINE', true], ['MARKS', 'ELLIPSE', false]]);
    close(c.graphics[0]!.points, [64, 64, 74, 64]);
    close(c.graphics[1]!.points, EXPECTED.triangle);
    close(c.graphics[2]!.points, EXPECTED.ellipse);
    expect(c.texts.map((t) => [t.layer, t.text, t.anchorShown])).toEqual([['NOTES', 'Nodule 8 mm\r\nsegment 6', true], ['NOTES', 'R', false]]);
    close(c.texts[0]!.box, EXPECTED.box);
    close(c.texts[0]!.anchor, EXPECTED.anchor);
    close(c.texts[1]!.anchor, EXPECTED.r);
    expect(c.window).toEqual({ center: 40, width: 80, explanation: 'BRAIN' });
    const red = c.layers.find((l) => l.name === 'MARKS')!.colour!;
    expect(red.map((v, i) => Math.abs(v - [255, 0, 0][i]!) <= 2)).toEqual([true, true, true]);
    expect(c.layers.find((l) => l.name === 'NOTES')!.colour).toEqual([255, 255, 255]);
    // What the sender carries is what a receiver keeps (nothing of it is dropped as malformed on arrival).
    expect(validPresentationStates(JSON.parse(JSON.stringify([c])))).toEqual([c]);
    // Not over another image, nor over a frame it does not name.
    expect(presentationStateFor(s, '1.2.3', 1, 128, 128, HU)).toBeUndefined();
    const second = { ...s, images: [{ sop: CT_SMALL_SOP, frames: [2] }] };
    expect(presentationStateFor(second, CT_SMALL_SOP, 1, 128, 128, HU)).toBeUndefined();
    expect(presentationStateFor(second, CT_SMALL_SOP, 2, 128, 128, HU)?.graphics).toHaveLength(3);
  });

  it('DISPLAY coordinates are after the state\'s flip and rotation: undone to land on the image where the radiologist put them', async () => {
    // The "R" anchor is DISPLAY (0.1, 0.9). Rotated 90° clockwise, display (u, v) is image (v, 1 − u); rotated and then
    // flipped (the file's order, PS3.3 C.10.6), the flip is undone first: image (v, u).
    const turned = await stateFile({ rotation: 90 });
    // The turn itself goes too (0.19): the viewer opens the image as the radiologist turned it.
    expect(turned.notCarried).toEqual([]);
    // A compound graphic comes with the simple objects that draw it (C.10.5.1.3.1): they go, so the reader sees it; one without them is named.
    const drawn = await stateFile({ compound: 'drawn' });
    expect(drawn.notCarried).toEqual([]);
    expect(presentationStateFor(drawn, CT_SMALL_SOP, 1, 128, 128, HU)!.graphics[0]).toEqual({ layer: 'MARKS', type: 'POLYLINE', points: [20, 100, 40, 80, 33, 81, 40, 80, 39, 87], filled: false });
    expect((await stateFile({ compound: 'alone' })).notCarried).toEqual(['its compound graphic ARROW, which it gives without the simple lines and text the standard asks to draw it with (the reader will not see it)']);
    const rotated = presentationStateFor(turned, CT_SMALL_SOP, 1, 128, 128, HU)!;
    close(rotated.texts[1]!.anchor, [0.9 * 128, 0.9 * 128]);
    expect([rotated.rotation, rotated.flip]).toEqual([90, undefined]);
    const both = presentationStateFor(await stateFile({ rotation: 90, flip: true }), CT_SMALL_SOP, 1, 128, 128, HU)!;
    close(both.texts[1]!.anchor, [0.9 * 128, 0.1 * 128]);
    // The viewer flips, then turns: the same view is a flip, then three quarters clockwise (before 0.20, 90: turned the wrong way).
    expect([both.rotation, both.flip]).toEqual([270, true]);
    // A record's turn is kept only as one of the quarter turns the standard allows.
    expect(validPresentationStates([{ ...both, rotation: 45, flip: 'Y' }])[0]).not.toHaveProperty('rotation');
    expect(validPresentationStates([{ ...both, rotation: 45, flip: 'Y' }])[0]).not.toHaveProperty('flip');
    expect(validPresentationStates([both])[0]).toMatchObject({ rotation: 270, flip: true });
    const half = presentationStateFor(await stateFile({ rotation: 180 }), CT_SMALL_SOP, 1, 128, 128, HU)!;
    close(half.texts[1]!.anchor, [0.9 * 128, 0.1 * 128]);
    // PIXEL coordinates are the image's whatever the rotation.
    close(half.graphics[0]!.points, [64, 64, 74, 64]);
  });

  it('its displayed area (the part the radiologist zoomed to) goes where it is not the whole image, and is written back', async () => {
    expect(presentationStateFor(await stateFile(), CT_SMALL_SOP, 1, 128, 128, HU)!.area).toBeUndefined(); // the whole image
    const zoomed = presentationStateFor(await stateFile({ area: { tl: [33, 17], br: [96, 80] } }), CT_SMALL_SOP, 1, 128, 128, HU)!;
    expect(zoomed.area).toEqual({ x0: 32, y0: 16, x1: 96, y1: 80 });
    const magnified = presentationStateFor(await stateFile({ area: { tl: [1, 1], br: [128, 128], magnify: 2 } }), CT_SMALL_SOP, 1, 128, 128, HU)!;
    expect(magnified.area).toEqual({ x0: 0, y0: 0, x1: 128, y1: 128, magnify: 2 });
    // A record's is kept only well-formed.
    expect(validPresentationStates([zoomed])[0]!.area).toEqual(zoomed.area);
    expect(validPresentationStates([{ ...zoomed, area: { x0: 5, y0: 0, x1: 4, y1: 9 } }])[0]).not.toHaveProperty('area');
    expect(validPresentationStates([{ ...zoomed, area: { x0: 0, y0: 0, x1: 9, y1: 9, magnify: -1 } }])[0]!.area).toEqual({ x0: 0, y0: 0, x1: 9, y1: 9 });
    // Written back with it.
    const [frame] = await readDicomFile(CT, { maxPixels: 1 << 24, deidentify: null });
    const files = studyObjectFiles([{ sopClass: '1.2.840.10008.5.1.4.1.1.2', sopInstance: '2.25.1', frames: [
      { meta: { ...frame!.dicom, presentationStates: [zoomed] }, width: 128, height: 128, channels: 1 }] }]);
    const back = readPresentationState(parseDicomHeader(new Uint8Array(files[0]!.bytes)));
    expect(presentationStateFor(back, '2.25.1', 1, 128, 128, HU)!.area).toEqual(zoomed.area);
  });

  it('its display shutter goes and covers the image in place of the image\'s own while the state is shown; written back', async () => {
    const covering = { '00181600': { vr: 'CS', Value: ['RECTANGULAR'] }, '00181602': { vr: 'IS', Value: [20] }, '00181604': { vr: 'IS', Value: [100] },
      '00181606': { vr: 'IS', Value: [10] }, '00181608': { vr: 'IS', Value: [110] }, '00181622': { vr: 'US', Value: [65535] } };
    const state = await stateFile({ shutter: covering });
    expect(state.notCarried).toEqual([]);
    expect(presentationStateFor(state, CT_SMALL_SOP, 1, 128, 128, HU)!.shutter).toEqual(covering);
    // A bitmap shutter (an overlay of the state) is not carried, and named.
    const bitmap = await stateFile({ shutter: { '00181600': { vr: 'CS', Value: ['BITMAP'] }, '00181623': { vr: 'US', Value: [0x6000] } } });
    expect(bitmap.notCarried).toEqual(['its shutter (a bitmap one without its overlay plane, or one whose shape is not given)']);
    // Through a study: the viewer gets it drawn as the image's own would be.
    const { dir, enc } = await sendWithState({ shutter: covering });
    expect(carriedWords(enc.carriedObjects[0]!)).toContain('draws its annotations, offers its window and covers what its shutter covers');
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const info = describeImage(items[0]!.record, await (async () => (await localDecode(models())(items[0]!.modelId, items[0]!.record, items[0]!.blobs, false)).image)(), 0);
    expect(info.dicom?.shutter).toBeUndefined(); // the image has none of its own
    expect(info.dicom?.presentationStates?.[0]?.shutter).toEqual({ rectangle: { left: 20, right: 100, top: 10, bottom: 110 }, colour: [255, 255, 255], name: 'rectangular' });
    // DICOM output writes it into the state: dcmtk reads it there.
    const back = await receive(dir, enc, 'dcm');
    const written = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(back.studyObjects[0]!.path))));
    expect(written.shutter).toEqual(covering);
    if (existsSync('/usr/bin/dcmp2pgm')) {
      const listed = spawnSync('/usr/bin/dcmp2pgm', ['-v', '-p', back.studyObjects[0]!.path, back.outputs[0]!], { encoding: 'utf8' });
      expect(`${listed.stdout}${listed.stderr}`).toMatch(/Rectangular shutter: LV=20 RV=100 UH=10 LH=110/);
    }
  });

  it('a bitmap shutter whose plane the state holds (0.24) goes: it covers the image where the plane\'s bits are set, and is written back', async () => {
    // Group 6008, 128 x 128: set outside a disc of radius 40 about the centre, which is what shows.
    const covered = (r: number, c: number) => Math.hypot(r - 63.5, c - 63.5) > 40;
    const bits = new Uint8Array(128 * 128 / 8);
    for (let i = 0; i < 128 * 128; i++) if (covered(Math.floor(i / 128), i % 128)) bits[i >> 3]! |= 1 << (i & 7);
    const shutter = {
      '00181600': { vr: 'CS', Value: ['BITMAP'] }, '00181623': { vr: 'US', Value: [0x6008] }, '00181622': { vr: 'US', Value: [0] },
      '60080010': { vr: 'US', Value: [128] }, '60080011': { vr: 'US', Value: [128] }, '60080040': { vr: 'CS', Value: ['G'] }, '60080050': { vr: 'SS', Value: [1, 1] },
      '60080100': { vr: 'US', Value: [1] }, '60080102': { vr: 'US', Value: [0] }, '60083000': { vr: 'OW', Value: [bits.buffer] },
    };
    const state = await stateFile({ shutter });
    expect(state.notCarried).toEqual([]);
    expect(state.ownOverlays).toEqual([]); // its shutter's plane is no graphics
    expect(presentationStateFor(state, CT_SMALL_SOP, 1, 128, 128, HU)!.shutterPlane!.group).toBe(0x6008);
    // De-identified (Clean Graphics): without its plane, so without the shutter, and the sender is told.
    expect(cleanedState(state, 1).shutter).toBeUndefined();
    expect(cleanedState(state, 1).notCarried).toContain('its bitmap shutter (its overlay 6008), which de-identification removes with the overlays: the reader sees the image whole there');
    // Through a study: the viewer covers what the plane covers.
    const { dir, enc } = await sendWithState({ shutter });
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const info = describeImage(items[0]!.record, (await localDecode(models())(items[0]!.modelId, items[0]!.record, items[0]!.blobs, false)).image, 0);
    const shown = info.dicom!.presentationStates![0]!.shutter!;
    expect(shown.name).toBe('bitmap');
    expect(Buffer.from(shown.bitmap!.bits, 'base64')).toEqual(Buffer.from(bits));
    expect(info.dicom!.graphics).toBeUndefined(); // not drawn as an overlay
    // The record says the bitmap by its plane alone: a reader before 0.24 (which keeps a state's shutter attributes with
    // a shape) shows and writes none, rather than a bitmap shutter without its plane. A crafted record's bitmap shape
    // without a plane is left out.
    const carried = dicomMetaOf(items[0]!.record)!.presentationStates![0]!;
    expect(carried.shutter!['00181600']?.Value).toEqual(['BITMAP']);
    const recorded = JSON.parse(Buffer.from(JSON.stringify(items[0]!.record.metadata)).toString()).dicom.presentationStates[0];
    expect(recorded.shutter['00181600']).toBeUndefined();
    expect(recorded.shutterPlane.group).toBe(0x6008);
    expect(validPresentationStates([{ ...carried, shutterPlane: undefined }])[0]).not.toHaveProperty('shutter');
    // DICOM output writes it into the state, its plane with it; dcmtk reads a bitmap shutter there.
    const back = await receive(dir, enc, 'dcm');
    const written = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(back.studyObjects[0]!.path))));
    expect(written.shutterPlane).toEqual(state.shutterPlane);
    expect(written.shutter?.['00181600']?.Value).toEqual(['BITMAP']);
    if (existsSync('/usr/bin/dcmp2pgm')) {
      const listed = spawnSync('/usr/bin/dcmp2pgm', ['-v', '-p', back.studyObjects[0]!.path, back.outputs[0]!], { encoding: 'utf8' });
      expect(`${listed.stdout}${listed.stderr}`).toMatch(/Bitmap shutter: present/);
    }
  });

  it('a window given in the state\'s own rescale is said in the image\'s', async () => {
    const s = { ...(await stateFile()), rescale: { slope: 2, intercept: -2048 } }; // its values twice the image's stored steps
    expect(presentationStateFor(s, CT_SMALL_SOP, 1, 128, 128, HU)!.window).toMatchObject({ center: (40 + 2048) / 2 - 1024, width: 40 });
  });

  it('is drawn as a PACS draws it: a circle by its radius, an ellipse by its axes, a closed polyline filled, text in its box with a line from its anchor', async () => {
    const c = presentationStateFor(await stateFile(), CT_SMALL_SOP, 1, 128, 128, HU)!;
    const shapes = annotationShapes(c);
    expect(shapes.map((s) => s.kind)).toEqual(['ellipse', 'path', 'ellipse', 'text', 'text']); // MARKS (order 1) under NOTES (order 2)
    expect(shapes[0]).toMatchObject({ cx: 64, cy: 64, rx: 10, ry: 10, filled: false });
    expect(shapes[1]).toMatchObject({ closed: true, filled: true });
    const ellipse = shapes[2] as Extract<typeof shapes[number], { kind: 'ellipse' }>;
    close([ellipse.cx, ellipse.cy, ellipse.rx, ellipse.ry, ellipse.angle], [64, 64, 32, 12.8, 0]);
    expect(shapes[0]!.colour).toMatch(/^rgb\((25[3-5]), ([0-2]), ([0-2])\)$/);
    expect(shapes[3]).toMatchObject({ kind: 'text', lines: ['Nodule 8 mm', 'segment 6'], x: 80, y: 10, colour: 'rgb(255, 255, 255)' });
    // The anchor (64, 54) is left of and below the box's top: the line ends on its left edge at the anchor's height.
    close((shapes[3] as { leader: number[] }).leader, [64, 54, 80, 30]);
  });

  it('written back: layers whose names make the same Code String stay apart, each state a file named after its label (apart without case), colour images not referenced', async () => {
    const [frame] = await readDicomFile(CT, { maxPixels: 1 << 24, deidentify: null });
    const state = (label: string) => ({
      label, graphics: [{ layer: 'a-b', type: 'POINT' as const, points: [1, 2], filled: false }, { layer: 'A_B', type: 'POINT' as const, points: [3, 4], filled: false }],
      texts: [], layers: [{ name: 'a-b', order: 1 }, { name: 'A_B', order: 2, colour: [0, 255, 0] as [number, number, number] }],
    });
    const meta = { ...frame!.dicom, presentationStates: [state('Lesion / 1'), state('Other'), state('OTHER')] };
    const written = [
      { sopClass: '1.2.840.10008.5.1.4.1.1.2', sopInstance: '2.25.1', frames: [{ meta, width: 128, height: 128, channels: 1 }] },
      { sopClass: '1.2.840.10008.5.1.4.1.1.7', sopInstance: '2.25.2', frames: [{ meta, width: 128, height: 128, channels: 3 }] },
    ];
    const files = studyObjectFiles(written);
    // "Other" and "OTHER" would be one file on a disk that ignores case (Windows, macOS): the second would replace the first.
    expect(files.map((f) => f.name)).toEqual(['presentation-state-Lesion_1.dcm', 'presentation-state-Other.dcm', 'presentation-state-OTHER-2.dcm']);
    // Named apart from the folder's other files too (an image the sender had named so).
    expect(studyObjectFiles(written, new UniqueNames(['Presentation-State-Lesion_1.dcm']))[0]!.name).toBe('presentation-state-Lesion_1-2.dcm');
    const back = readPresentationState(parseDicomHeader(new Uint8Array(files[0]!.bytes)));
    expect(back.label).toBe('LESION _ 1');
    expect(back.layers.map((l) => l.name)).toEqual(['A_B', 'A_B_2']);
    expect(back.images).toEqual([{ sop: '2.25.1' }]);
    const green = back.layers[1]!.colour!;
    expect(green.map((c, i) => Math.abs(c - [0, 255, 0][i]!) <= 1)).toEqual([true, true, true]);
    expect([back.rotation, back.flip]).toEqual([0, false]);
    // A state that turned the image is written back turning it so.
    const turned = studyObjectFiles([{ sopClass: '1.2.840.10008.5.1.4.1.1.2', sopInstance: '2.25.1', frames: [{
      meta: { ...meta, presentationStates: [{ ...state('Turned'), rotation: 270 as const, flip: true as const }] }, width: 128, height: 128, channels: 1,
    }] }]);
    const again = readPresentationState(parseDicomHeader(new Uint8Array(turned[0]!.bytes)));
    expect([again.rotation, again.flip]).toEqual([270, true]);
  });

  it('a crafted record\'s malformed states are left out, not drawn', () => {
    const good = { label: 'A', graphics: [{ layer: 'L', type: 'POINT', points: [1, 2], filled: false }], texts: [], layers: [] };
    expect(validPresentationStates([good])).toHaveLength(1);
    expect(validPresentationStates([{ ...good, label: 7 }, { ...good, graphics: 'x' }, null, 'state'])).toEqual([]);
    const [kept] = validPresentationStates([{
      ...good, graphics: [...good.graphics, { layer: 'L', type: 'SPLINE', points: [1, 2], filled: false }, { layer: 'L', type: 'POINT', points: [1, Number.NaN], filled: false }],
      texts: [{ layer: 'L', text: 'no place', anchorShown: false }, { layer: 'L', text: 'ok', anchor: [1, 2], anchorShown: true }],
      layers: [{ name: 'L', order: 1, colour: [300, 0, 0] }], window: { center: 1, width: -5 },
    }]);
    // A colour that is not one is left out (the layer kept: its objects drawn white).
    expect(kept).toEqual({ label: 'A', graphics: good.graphics, texts: [{ layer: 'L', text: 'ok', anchor: [1, 2], anchorShown: true }], layers: [{ name: 'L', order: 1 }] });
  });

  it('a study sent with its full header carries it with the image it marks: the viewer draws it and opens in its window, which the sender\'s figures measure', async () => {
    const dir = await tempDir();
    await presentationStateDicom(join(dir, 'gsps.dcm'));
    await copyFile(CT, join(dir, 'ct.dcm'));
    const out = join(dir, 'parts');
    await mkdir(out);
    const enc = await encryptStudy([join(dir, 'gsps.dcm'), join(dir, 'ct.dcm')], { model, recipients: [key], name: 'read', outDir: out, deidentify: null });
    expect(enc.images).toBe(1);
    expect(enc.warnings).toEqual([]);
    expect(enc.notImages).toEqual([]);
    const carried = { path: join(dir, 'gsps.dcm'), kind: 'presentation state' as const, label: 'LESION', images: 1, notCarried: [], holds: { annotations: true, window: true } };
    expect(enc.carriedObjects).toEqual([carried]);
    expect(carriedWords(carried, 'went')).toBe('its presentation state "LESION" went with the image it marks: the reader\'s viewer draws its annotations and ' +
      'offers its window, and DICOM output writes it back beside the images.');
    // A state of a window only (as dcmtk's dcmpsmk makes one from an image) is not said to bring annotations.
    expect(carriedWords({ ...carried, holds: { annotations: false, window: true } })).toContain('the reader\'s viewer offers its window, and DICOM output');
    expect(carriedWords({ ...carried, holds: { annotations: true, window: true, turn: true } }))
      .toContain('the reader\'s viewer draws its annotations, offers its window and turns the image as it does, and DICOM output');
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const { record } = items[0]!;
    expect(record.fidelity?.windows?.map((w) => w.name)).toContain('presentation state "LESION"');
    const dec = await receive(dir, enc, 'png');
    const image = await decodeImage(await readFile(dec.outputs[0]!));
    const info = describeImage(record, image, 0);
    expect(info.windows?.[0]).toMatchObject({ name: 'presentation state "LESION"', center: 40, width: 80 });
    // It opens in that window: 40/80 HU is stored 1064/80, sample 33832 (signed, offset 32768).
    expect(info.window).toEqual({ center: 40 + 1024 + 32768, width: 80, name: 'presentation state "LESION"' });
    expect(info.dicom?.presentationStates?.map((s) => [s.label, s.creator, s.graphics.length, s.texts.length])).toEqual([['LESION', 'Smith Anna', 3, 2]]);
    expect(dicomMetaOf(record)?.presentationStates?.[0]?.window).toEqual({ center: 40, width: 80, explanation: 'BRAIN' });

    // DICOM output writes it back beside the image, referencing the image as written: read again, the same state.
    const back = await receive(dir, enc, 'dcm');
    expect(back.studyObjects).toEqual([{ kind: 'presentation state', path: join(dir, 'dcm', 'presentation-state-LESION.dcm') }]);
    const written = parseDicomHeader(new Uint8Array(await readFile(back.outputs[0]!)));
    const gsps = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(back.studyObjects[0]!.path))));
    const again = presentationStateFor(gsps, written.string('x00080018')!, 1, 128, 128, HU)!;
    const sent = dicomMetaOf(record)!.presentationStates![0]!;
    expect({ ...again, layers: [] }).toEqual({ ...sent, layers: [] });
    again.layers.forEach((l, i) => expect(l.colour!.map((c, k) => Math.abs(c - sent.layers[i]!.colour![k]!) <= 1)).toEqual([true, true, true]));
    if (existsSync('/usr/bin/dcmpschk')) { // dcmtk's presentation state checker
      const check = spawnSync('/usr/bin/dcmpschk', [back.studyObjects[0]!.path], { encoding: 'utf8' });
      expect(`${check.stdout}${check.stderr}`).toContain('Test passed');
    }
    if (DCIODVFY) { // dicom3tools' validator: what it says of the Grayscale Softcopy Presentation State IOD
      const report = spawnSync(DCIODVFY, [back.studyObjects[0]!.path], { encoding: 'utf8' });
      expect(`${report.stdout}${report.stderr}`).toContain('GrayscaleSoftcopyPresentationState');
      expect(`${report.stdout}${report.stderr}`.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    }
    // The viewer's "Export all as DICOM" writes it too, after the images.
    const cache = new SliceCache(items, async (...a) => (await localDecode(models())(...a, false)).image);
    const exported = await tempDir();
    const files = await exportSlices(cache, exported, 'dcm');
    expect(files.map((f) => f.slice(exported.length + 1))).toEqual(['ct.dcm', 'presentation-state-LESION.dcm']);
    const exportedState = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(files[1]!))));
    const exportedImage = parseDicomHeader(new Uint8Array(await readFile(files[0]!))).string('x00080018')!;
    expect({ ...presentationStateFor(exportedState, exportedImage, 1, 128, 128, HU)!, layers: [] }).toEqual({ ...sent, layers: [] });
  });

  it('its VOI LUT (a table, not a window) goes too: the image opens through it, rendered as dcmtk renders the state, and it is written back', async () => {
    const dir = await tempDir();
    await presentationStateDicom(join(dir, 'lut.dcm'), { lutOnly: true });
    await copyFile(CT, join(dir, 'ct.dcm'));
    const state = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(join(dir, 'lut.dcm')))));
    expect(state.notCarried).toEqual([]);
    expect(state.windows[0]!.value.lut).toEqual({ first: -100, bits: 8, data: LUT_CURVE, explanation: 'SOFT CURVE' });
    const out = join(dir, 'parts');
    await mkdir(out);
    const enc = await encryptStudy([join(dir, 'lut.dcm'), join(dir, 'ct.dcm')], { model, recipients: [key], name: 'lut', outDir: out, deidentify: null, coding: { quality: 'lossless' } });
    expect(enc.carriedObjects.map((c) => [c.label, c.holds])).toEqual([['LESION', { annotations: false, window: true }]]);
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const { record } = items[0]!;
    // Measured for the sender through the table (its table stays out of the record's figures).
    expect(record.fidelity?.windows?.find((w) => w.name === 'presentation state "LESION"')).toMatchObject({ table: true });
    const dec = await receive(dir, enc, 'png');
    const image = await decodeImage(await readFile(dec.outputs[0]!));
    const info = describeImage(record, image, 0);
    expect(info.window).toMatchObject({ name: 'presentation state "LESION"', lut: { first: -100, bits: 8, data: LUT_CURVE } });
    const shown = Array.from(image.pixels, (sample) => renderToByte(sampleToReal(sample, info.mapping), info.windows![0]!));
    const dcmtk = (state: string, img: string) => dcmtkShown(dir, state, img);
    if (existsSync('/usr/bin/dcmp2pgm')) expect(shown).toEqual(dcmtk(join(dir, 'lut.dcm'), join(dir, 'ct.dcm')));
    // DICOM output writes the table back: dcmtk shows the written image through the written state as it showed the original.
    const back = await receive(dir, enc, 'dcm');
    const gsps = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(back.studyObjects[0]!.path))));
    // In 16 bits (each entry × 257, the same greys): dicom3tools reads an 8-bit table a word an entry as an error.
    expect(gsps.windows[0]!.value.lut).toMatchObject({ first: -100, bits: 16, data: LUT_CURVE.map((v) => v * 257) });
    if (existsSync('/usr/bin/dcmp2pgm')) expect(dcmtk(back.studyObjects[0]!.path, back.outputs[0]!)).toEqual(shown);
    if (DCIODVFY) {
      const report = spawnSync(DCIODVFY, [back.studyObjects[0]!.path], { encoding: 'utf8' });
      expect(`${report.stdout}${report.stderr}`.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    }
    // A damaged table (more than 16 bits an entry) is not measured for the sender, since no reader keeps it: it is named.
    const b = await readFile(join(dir, 'lut.dcm'));
    const damaged = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
    const voi = (damaged.dict['00283110'] as { Value: Record<string, { Value: Record<string, { Value: number[] }>[] }>[] }).Value[0]!['00283010']!.Value[0]!;
    voi['00283002']!.Value[2] = 40;
    const read = readPresentationState(parseDicomHeader(new Uint8Array(damaged.write())));
    expect([read.windows, read.notCarried]).toEqual([[], ['its VOI lookup table (damaged, or of more than 16384 entries)']]);
    // A table cannot be stretched: in a rescale of another slope it is left out, not drawn wrong.
    expect(stateWindowIn(state.windows[0]!.value, HU, { slope: 2, intercept: -1024 })).toBeUndefined();
    expect(stateWindowIn(state.windows[0]!.value, HU, { slope: 1, intercept: -1000 })?.lut?.first).toBe(-76);
  });

  it('its own Modality LUT table and Presentation LUT (a combined-LUT state): the image opens through the tables and its window, as dcmtk renders them; written back so', async () => {
    // A linear window after the table; a VOI table after it; both tables and a Presentation LUT after them (as the combined-LUT test state).
    for (const [lutOnly, presentationLut] of [[false, false], [true, false], [true, true]]) {
      const dir = await tempDir();
      await presentationStateDicom(join(dir, 'combined.dcm'), { modalityLut: 'scrambled', lutOnly, presentationLut });
      await copyFile(CT, join(dir, 'ct.dcm'));
      const state = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(join(dir, 'combined.dcm')))));
      expect([state.notCarried, state.modalityLut?.data.length, state.windows.length]).toEqual([[], 4096, 1]);
      const out = join(dir, 'parts');
      await mkdir(out);
      const enc = await encryptStudy([join(dir, 'combined.dcm'), join(dir, 'ct.dcm')], { model, recipients: [key], name: 'c', outDir: out, deidentify: null, coding: { quality: 'lossless' } });
      expect(enc.carriedObjects.map((c) => c.holds?.window)).toEqual([true]);
      const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
      const { record } = items[0]!;
      const image = await decodeImage(await readFile((await receive(dir, enc, 'png')).outputs[0]!));
      const info = describeImage(record, image, 0);
      expect([info.window?.name, info.window?.lut?.data.length]).toEqual(['presentation state "LESION"', 4096]); // one table: the pair composed
      // The sender's figures measure the image through it, as through any state's table.
      expect(record.fidelity?.windows?.find((w) => w.name === 'presentation state "LESION"')).toMatchObject({ table: true });
      const shown = Array.from(image.pixels, (sample) => renderToByte(sampleToReal(sample, info.mapping), info.windows![0]!));
      // Each pixel through the scrambled table and the brain window (40/80) by hand: neighbours' greys do not follow each other.
      const stored = Array.from(image.pixels, (sample) => SCRAMBLED(Math.min(4095, Math.max(0, sampleToReal(sample, info.mapping) + 1024))));
      expect(shown).toEqual(stored.map((m) => (!lutOnly ? voiToByte(m, 40, 80) : presentationLut ? P_SCRAMBLED(LUT_CURVE[m]!) : LUT_CURVE[m]!)));
      // dcmtk: through a VOI table, the same greys; through a linear window after a modality table it truncates where the
      // viewer rounds (as it does for every window, and as dcmtk itself does without a modality table): within a grey level.
      const within = (a: number[], b: number[]) => Math.max(...a.map((v, k) => Math.abs(v - b[k]!)));
      if (existsSync('/usr/bin/dcmp2pgm')) expect(within(shown, dcmtkShown(dir, join(dir, 'combined.dcm'), join(dir, 'ct.dcm')))).toBe(lutOnly ? 0 : 1);
      // Written back as one VOI table over the image's rescale: dcmtk shows the written image through it as the viewer does.
      const back = await receive(dir, enc, 'dcm');
      if (existsSync('/usr/bin/dcmp2pgm')) expect(dcmtkShown(dir, back.studyObjects[0]!.path, back.outputs[0]!)).toEqual(shown);
      if (DCIODVFY) {
        const report = spawnSync(DCIODVFY, [back.studyObjects[0]!.path], { encoding: 'utf8' });
        expect(`${report.stdout}${report.stderr}`.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
      }
    }
    // Over an image whose values are not whole steps of its stored values, or that has a table of its own, it is left out.
    const state = await stateFile({ modalityLut: 'scrambled' });
    expect(presentationStateFor(state, CT_SMALL_SOP, 1, 128, 128, HU)?.window?.lut?.data.length).toBe(4096);
    expect(presentationStateFor(state, CT_SMALL_SOP, 1, 128, 128, { slope: 0.5, intercept: -1024 })?.window).toBeUndefined();
    expect(presentationStateFor(state, CT_SMALL_SOP, 1, 128, 128, HU, { ownModalityLut: true })?.window).toBeUndefined();
    // Through a study: over the CR (rescaled by 0.684 to optical density) the state goes without its window, and the sender is told.
    const cr = join(FIXTURES, 'dicom', 'cr_16x16_monochrome1.dcm');
    const dir = await tempDir();
    await copyFile(cr, join(dir, 'cr.dcm'));
    await presentationStateDicom(join(dir, 'od.dcm'), { modalityLut: 'scrambled', references: [parseDicomHeader(new Uint8Array(await readFile(cr))).string('x00080018')!.replace(/\0/g, '').trim()] });
    const enc = await encryptStudy([join(dir, 'od.dcm'), join(dir, 'cr.dcm')], { model, recipients: [key], name: 'od', outDir: dir, deidentify: null, measure: false });
    expect(enc.warnings).toContain('cr.dcm: the window of presentation state "LESION" does not go with it: its lookup table cannot apply to this image\'s values ' +
      '(a rescale of another slope, or a Modality LUT of the image\'s own), so the reader\'s viewer opens it in its own windows.');
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    expect(dicomMetaOf(items[0]!.record)?.presentationStates?.[0]?.window).toBeUndefined();
    // A Presentation LUT after a linear window of the image's values is named, not carried (it would need the window as a table).
    // Its direction is: the image shows black for white where the table falls, as its reader's PACS shows it.
    const linear = await stateFile({ presentationLut: true });
    expect([linear.presentationLut, linear.shape, linear.notCarried]).toEqual([undefined, 'IDENTITY', ['its presentation lookup table\'s curve (it follows a ' +
      'linear window: only one after a lookup table is carried; the image shows dark for low values or light as the table runs, not through its curve)']]);
    expect((await stateFile({ presentationLut: 'falling' })).shape).toBe('INVERSE');
    if (existsSync('/usr/bin/dcmp2pgm')) { // dcmtk shows the CT through the falling table black for white, as the shape INVERSE does
      const dir = await tempDir();
      await copyFile(CT, join(dir, 'ct.dcm'));
      await presentationStateDicom(join(dir, 'falling.dcm'), { presentationLut: 'falling' });
      await presentationStateDicom(join(dir, 'inverse.dcm'), { shape: 'INVERSE' });
      const [falling, inverse] = [dcmtkShown(dir, join(dir, 'falling.dcm'), join(dir, 'ct.dcm')), dcmtkShown(dir, join(dir, 'inverse.dcm'), join(dir, 'ct.dcm'))];
      expect(Math.max(...falling.map((v, i) => Math.abs(v - inverse[i]!)))).toBeLessThanOrEqual(1);
    }
  });

  it('de-identified, or marking none of the study\'s images, it does not go, and the sender is told why and how to carry it', async () => {
    const dir = await tempDir();
    await presentationStateDicom(join(dir, 'gsps.dcm'));
    await presentationStateDicom(join(dir, 'other.dcm'), { references: ['1.2.3.4.5'], label: 'ELSEWHERE' });
    await presentationStateDicom(join(dir, 'lut.dcm'), { lutOnly: true, modalityLut: 'too large' });
    await copyFile(CT, join(dir, 'ct.dcm'));
    const out = join(dir, 'parts');
    await mkdir(out);
    const basic = await encryptStudy([join(dir, 'gsps.dcm'), join(dir, 'ct.dcm')], { model, recipients: [key], name: 'basic', outDir: out, measure: false });
    expect(basic.carriedObjects).toEqual([]);
    expect(basic.warnings).toEqual(['gsps.dcm: is a presentation state, the annotations, measurements and display settings a viewer saved for images of its ' +
      'study: de-identification removes presentation states (their annotations may name the patient), so the study goes without it and the reader will not see its annotations or window. ' +
      'To carry its marks, window and turn without its text, de-identify with the Clean Graphics option (aeimg encrypt --deidentify basic,clean-graphics; ' +
      'in the app, DICOM metadata "De-identify, keep the radiologist\'s marks"). To carry it, send the study with its full header (aeimg encrypt --deidentify none; ' +
      'in the app, DICOM metadata "Keep all").']);
    const { items } = await openAeimg(basic.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    expect(dicomMetaOf(items[0]!.record)?.presentationStates).toBeUndefined();
    const full = await encryptStudy([join(dir, 'other.dcm'), join(dir, 'lut.dcm'), join(dir, 'ct.dcm')], {
      model, recipients: [key], name: 'full', outDir: out, measure: false, deidentify: null,
    });
    expect(full.carriedObjects).toEqual([]);
    expect(full.warnings).toEqual([
      expect.stringMatching(/^other\.dcm: is a presentation state, .*: it marks none of the study's images \(they are not among the files given\), so the study goes without it\.$/),
      expect.stringMatching(/^lut\.dcm: is a presentation state, .*: it holds no annotation, window, turn or inversion aeimg carries \(not carried: its modality lookup table \(damaged, or of more than 16384 entries; and so its window\)\), so the study goes without it\.$/),
    ]);
  });

  it('de-identified with the Clean Graphics option (PS3.15 E.3.3): its graphics, window, turn and zoom go, not its text, label or creator; written back de-identified', async () => {
    const { dir, enc } = await sendWithState({ rotation: 90, area: { tl: [33, 33], br: [96, 96] } }, { deidentify: { cleanGraphics: true }, measure: true });
    // The sender knows it by its own label, and is told what does not go.
    expect(enc.carriedObjects.map((c) => [c.label, c.holds])).toEqual([['LESION', { annotations: true, window: true, turn: true }]]);
    expect(carriedWords(enc.carriedObjects[0]!)).toContain('It goes without its text (notes, labels), its name and its creator\'s, which de-identification removes');
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const meta = dicomMetaOf(items[0]!.record)!;
    const [state] = meta.presentationStates!;
    // Its three graphics in their places and colours (layers renamed), its brain window, turn and zoom; no text, no name.
    expect(state).toMatchObject({ label: 'STATE 1', rotation: 90, window: { center: 40, width: 80 }, area: { x0: 32, y0: 32, x1: 96, y1: 96 } });
    expect([state!.texts, state!.description, state!.creator, state!.window?.explanation]).toEqual([[], undefined, undefined, undefined]);
    expect(state!.graphics.map((g) => g.type)).toEqual(['CIRCLE', 'POLYLINE', 'ELLIPSE']);
    expect(state!.layers.map((l) => [l.name, !!l.colour])).toEqual([['LAYER2', true]]); // MARKS, red
    expect(JSON.stringify(meta)).not.toMatch(/Smith|Nodule|LESION|Doe/);
    // The image says which options cleaned it, and the state written back says so too.
    const codes = (ds: { '00120064'?: { Value?: unknown[] } }) => (ds['00120064']?.Value ?? []).map((i) => (i as Record<string, { Value: string[] }>)['00080100']!.Value[0]);
    expect(codes(meta.dataset)).toEqual(['113100', '113103']);
    const back = await receive(dir, enc, 'dcm');
    const written = parseDicomHeader(new Uint8Array(await readFile(back.studyObjects[0]!.path)));
    expect([written.string('x00120062'), written.string('x00100010') ?? '', written.string('x00700084') ?? '']).toEqual(['YES', '', '']);
    expect(readPresentationState(written)).toMatchObject({ label: 'STATE 1', rotation: 90 });
    if (DCIODVFY) {
      const report = spawnSync(DCIODVFY, [back.studyObjects[0]!.path], { encoding: 'utf8' });
      expect(`${report.stdout}${report.stderr}`.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    }
    // Without the option, de-identified, a state given to the reader's engine is not carried (only cleaned ones are).
    const [frame] = await readDicomFile(CT, { maxPixels: 1 << 24, deidentify: {}, presentationStates: [await stateFile()] });
    expect(frame!.dicom.presentationStates).toBeUndefined();
  });

  it('its Presentation LUT Shape: a state that shows the image black for white opens it so, as dcmtk renders it, and is written back so', async () => {
    expect((await stateFile()).shape).toBe('IDENTITY');
    expect((await stateFile({ shape: 'INVERSE' })).shape).toBe('INVERSE');
    // The shape replaces the image's photometric reading: INVERSE inverts a MONOCHROME2 image, IDENTITY a MONOCHROME1 one.
    expect([['INVERSE', 'MONOCHROME2'], ['IDENTITY', 'MONOCHROME2'], ['INVERSE', 'MONOCHROME1'], ['IDENTITY', 'MONOCHROME1'], ['INVERSE', 'RGB'], [undefined, 'MONOCHROME2']]
      .map(([shape, photometric]) => stateInverts({ shape: shape as 'INVERSE' | 'IDENTITY' | undefined }, photometric!))).toEqual([true, false, false, true, false, false]);
    const { dir, enc } = await sendWithState({ lutOnly: true, shape: 'INVERSE' }, { coding: { quality: 'lossless' }, measure: true }, 'inv.dcm');
    expect(enc.carriedObjects.map((c) => c.holds)).toEqual([{ annotations: false, window: true, invert: true }]);
    expect(carriedWords(enc.carriedObjects[0]!)).toContain('the reader\'s viewer offers its window and shows it inverted (black for white) as it does');
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const { record } = items[0]!;
    const dec = await receive(dir, enc, 'png');
    const image = await decodeImage(await readFile(dec.outputs[0]!));
    const info = describeImage(record, image, 0);
    expect(info.dicom?.presentationStates?.[0]?.invert).toBe(true);
    // The viewer inverts what the window gives (viewer/display.ts greyLut): dcmtk shows the image through the state so.
    const shown = Array.from(image.pixels, (sample) => 255 - renderToByte(sampleToReal(sample, info.mapping), info.windows![0]!));
    const dcmtk = (state: string, img: string) => dcmtkShown(dir, state, img);
    // Within a grey level (dcmtk's inversion rounds its table's output otherwise, by one level, where its P-value steps
    // fall between two), where the view not inverted is far off.
    const within = (a: number[], b: number[]) => Math.max(...a.map((v, k) => Math.abs(v - b[k]!)));
    if (existsSync('/usr/bin/dcmp2pgm')) {
      const reference = dcmtk(join(dir, 'inv.dcm'), join(dir, 'ct.dcm'));
      expect(within(shown, reference)).toBeLessThanOrEqual(1);
      expect(within(shown.map((g) => 255 - g), reference)).toBeGreaterThan(200);
    }
    const back = await receive(dir, enc, 'dcm');
    expect(readPresentationState(parseDicomHeader(new Uint8Array(await readFile(back.studyObjects[0]!.path)))).shape).toBe('INVERSE');
    // Written back, dcmtk shows the written image through it as the viewer does.
    if (existsSync('/usr/bin/dcmp2pgm')) expect(within(dcmtk(back.studyObjects[0]!.path, back.outputs[0]!), shown)).toBeLessThanOrEqual(1);
    // An old record's state (no `invert`) and a crafted one's other values show the image as it is.
    expect(validPresentationStates([{ label: 'A', graphics: [], texts: [], layers: [], invert: 'yes' }])[0]).not.toHaveProperty('invert');
  });

  it('over a MONOCHROME1 image the shape is read against it: IDENTITY shows it black for white, INVERSE as the image shows; a state that only inverts or turns goes', async () => {
    const cr = join(FIXTURES, 'dicom', 'cr_16x16_monochrome1.dcm');
    const sop = parseDicomHeader(new Uint8Array(await readFile(cr))).string('x00080018')!.replace(/\0/g, '').trim();
    const dir = await tempDir();
    await copyFile(cr, join(dir, 'cr.dcm'));
    const carried = async (shape: 'IDENTITY' | 'INVERSE', opts: { rotation?: number } = {}) => {
      await presentationStateDicom(join(dir, 'state.dcm'), { lutOnly: true, modalityLut: 'too large', shape, references: [sop], ...opts }); // a window aeimg does not carry
      const out = await tempDir();
      const enc = await encryptStudy([join(dir, 'state.dcm'), join(dir, 'cr.dcm')], { model, recipients: [key], name: 'cr', outDir: out, deidentify: null, measure: false });
      const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
      return { holds: enc.carriedObjects[0]?.holds, state: dicomMetaOf(items[0]!.record)?.presentationStates?.[0], warnings: enc.warnings };
    };
    const identity = await carried('IDENTITY');
    expect(identity.holds).toEqual({ annotations: false, window: false, invert: true });
    expect(identity.state).toMatchObject({ label: 'LESION', invert: true });
    const inverse = await carried('INVERSE');
    expect(inverse.state).toBeUndefined(); // as the image shows: the state brings it nothing
    expect(inverse.warnings).toEqual([expect.stringContaining('it holds no annotation, window, turn or inversion aeimg carries')]);
    // A state that only turns the image goes too (before 0.20, set aside as holding "no annotation or window").
    const turned = await carried('INVERSE', { rotation: 90 });
    expect([turned.holds, turned.state?.rotation, turned.state?.invert]).toEqual([{ annotations: false, window: false, turn: true }, 90, undefined]);
  });

  it('an object\'s own colour and line (its Line or Text Style, as Weasis writes it) are drawn instead of its layer\'s, and written back so', async () => {
    const s = await stateFile({ styled: true });
    const c = presentationStateFor(s, CT_SMALL_SOP, 1, 128, 128, HU)!;
    expect(c.graphics.map((g) => [g.type, g.colour, g.fillOpacity])).toEqual([['CIRCLE', [0, 255, 0], undefined], ['POLYLINE', [255, 0, 0], 0.25], ['ELLIPSE', undefined, undefined]]);
    expect(c.texts.map((t) => [t.text.split('\r\n')[0], t.colour])).toEqual([['Nodule 8 mm', [255, 255, 0]], ['R', undefined]]);
    // Drawn: the circle green and the note yellow, the others in their layers' colours (MARKS red, NOTES white).
    const shapes = annotationShapes(c);
    expect(shapes.filter((x) => x.colour === 'rgb(255, 0, 0)').map((x) => x.kind)).toEqual(['path', 'ellipse']); // the triangle, the ellipse
    // The triangle filled a quarter opaque (the anatomy under it shows), the rest opaque.
    expect(shapes.flatMap((x) => (x.kind === 'path' || x.kind === 'ellipse' ? [[x.kind, x.fillOpacity]] : []))).toEqual([['ellipse', 1], ['path', 0.25], ['ellipse', 1]]);
    expect(shapes.filter((x) => x.colour === 'rgb(0, 255, 0)').map((x) => x.kind)).toEqual(['ellipse']);
    // The circle's line as its Line Style says: 3 screen pixels, dashed; the others at the viewer's 1.5, solid.
    expect(c.graphics.map((g) => [g.thickness, g.dashed])).toEqual([[3, true], [undefined, undefined], [undefined, undefined]]);
    const strokes = (list: typeof shapes) => list.flatMap((x) => (x.kind === 'ellipse' || x.kind === 'path' ? [`${x.kind} ${x.width} ${x.dashed}`] : [])).sort();
    expect(strokes(shapes)).toEqual(['ellipse 1.5 false', 'ellipse 3 true', 'path 1.5 false']);
    expect(shapes.filter((x) => x.colour === 'rgb(255, 255, 0)').map((x) => x.kind === 'text' && x.lines[0])).toEqual(['Nodule 8 mm']);
    // The note centred in its box (80..120), as its justification says; a text at an anchor alone starts there.
    expect(shapes.flatMap((x) => (x.kind === 'text' ? [[x.lines[0], x.x, x.align]] : []))).toEqual([['Nodule 8 mm', 100, 'middle'], ['R', Math.fround(12.8), 'start']]);
    // A crafted record's colour that is not one is left out (the layer's is drawn), the object kept.
    const crafted = validPresentationStates([{ ...c, graphics: [{ ...c.graphics[0]!, colour: ['url(x)', 0, 0], fillOpacity: 7 }] }])[0]!;
    expect([crafted.graphics.length, crafted.graphics[0]!.colour, crafted.graphics[0]!.fillOpacity]).toEqual([1, undefined, undefined]);
    const thick = validPresentationStates([{ ...c, graphics: [{ ...c.graphics[0]!, thickness: 1e6, dashed: 'yes' }] }])[0]!;
    expect([thick.graphics[0]!.thickness, thick.graphics[0]!.dashed]).toEqual([undefined, undefined]);
    // Through a study and DICOM output: the written state gives the same colours, and dcmtk and dicom3tools accept it.
    const { dir, enc } = await sendWithState({ styled: true });
    const back = await receive(dir, enc, 'dcm');
    const written = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(back.studyObjects[0]!.path))));
    // The circle's Line Style goes back; the note, whose GSPS text object has no style, in a layer of its colour: drawn the same.
    const image = parseDicomHeader(new Uint8Array(await readFile(back.outputs[0]!))).string('x00080018')!;
    const drawn = annotationShapes(presentationStateFor(written, image, 1, 128, 128, HU)!);
    const rgb = (colour: string) => colour.match(/\d+/g)!.map(Number);
    const near = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) <= 1);
    // Each shape (a text by its words, a graphic by its place) in the colour it was sent in.
    const id = (x: (typeof shapes)[number]) => (x.kind === 'text' ? `${x.lines[0]} ${x.x} ${x.align}` : JSON.stringify(Object.values(x).filter((v) => typeof v === 'number').map(Math.round)));
    expect(drawn.map(id).sort()).toEqual(shapes.map(id).sort());
    expect(strokes(drawn)).toEqual(strokes(shapes)); // the thickness and dashes go back in its Line Style
    for (const d of drawn) expect([id(d), near(rgb(d.colour), rgb(shapes.find((x) => id(x) === id(d))!.colour))]).toEqual([id(d), true]);
    if (existsSync('/usr/bin/dcmpschk')) {
      const check = spawnSync('/usr/bin/dcmpschk', [back.studyObjects[0]!.path], { encoding: 'utf8' });
      expect(`${check.stdout}${check.stderr}`).toContain('Test passed');
    }
    if (DCIODVFY) {
      const report = spawnSync(DCIODVFY, [back.studyObjects[0]!.path], { encoding: 'utf8' });
      expect(`${report.stdout}${report.stderr}`.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    }
  });

  it('turned as dcmtk turns it (rotated, then flipped): the viewer\'s view map shows every pixel where dcmp2pgm does; written back consistent', async () => {
    // A conformant file gives the displayed area's corners as shown once turned: rotated 90°, the pixel at the top left
    // is the image's bottom-left one. Read as the box between them, whichever way round.
    const zoomed = presentationStateFor(await stateFile({ rotation: 90, area: { tl: [33, 96], br: [96, 33] } }), CT_SMALL_SOP, 1, 128, 128, HU)!;
    expect(zoomed.area).toEqual({ x0: 32, y0: 32, x1: 96, y1: 96 });
    const { dir, enc } = await sendWithState({ lutOnly: true, rotation: 90, flip: true }, { coding: { quality: 'lossless' } });
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const dec = await receive(dir, enc, 'png');
    const image = await decodeImage(await readFile(dec.outputs[0]!));
    const info = describeImage(items[0]!.record, image, 0);
    const state = info.dicom!.presentationStates![0]!;
    // The screen as the record says the viewer shows it (flipped left to right, then turned clockwise): each screen
    // pixel (X, Y) shows the image pixel found by undoing the turn, then the flip.
    const grey = (x: number, y: number) => renderToByte(sampleToReal(image.pixels[y * 128 + x]!, info.mapping), info.windows![0]!);
    const screen = Array.from({ length: 128 * 128 }, (_, k) => {
      const [X, Y] = [k % 128, Math.floor(k / 128)];
      const [x, y] = state.rotation === 90 ? [Y, 127 - X] : state.rotation === 180 ? [127 - X, 127 - Y] : state.rotation === 270 ? [127 - Y, X] : [X, Y];
      return grey(state.flip ? 127 - x! : x!, y!);
    });
    const dcmtk = (state: string, img: string) => dcmtkShown(dir, state, img);
    if (existsSync('/usr/bin/dcmp2pgm')) expect(screen).toEqual(dcmtk(join(dir, 'gsps.dcm'), join(dir, 'ct.dcm')));
    // Written back: the file's rotation before its flip again, its displayed area's corners as shown; dcmtk turns it the same.
    const back = await receive(dir, enc, 'dcm');
    const written = parseDicomHeader(new Uint8Array(await readFile(back.studyObjects[0]!.path)));
    expect([written.uint16('x00700042'), written.string('x00700041')]).toEqual([90, 'Y']);
    if (existsSync('/usr/bin/dcmp2pgm')) expect(dcmtk(back.studyObjects[0]!.path, back.outputs[0]!)).toEqual(screen);
    // A state turned a quarter with a zoomed area, written back: dicom3tools finds its corners consistent with the turn.
    const turned = await sendWithState({ rotation: 90, area: { tl: [33, 96], br: [96, 33] } });
    const out = await receive(turned.dir, turned.enc, 'dcm');
    const areaItem = parseDicomHeader(new Uint8Array(await readFile(out.studyObjects[0]!.path))).elements.x0070005a!.items![0]!.dataSet!;
    expect([0, 1].map((i) => areaItem.int32('x00700052', i))).toEqual([33, 96]);
    if (DCIODVFY) {
      const report = spawnSync(DCIODVFY, [out.studyObjects[0]!.path], { encoding: 'utf8' });
      expect(`${report.stdout}${report.stderr}`.split('\n').filter((l) => l.startsWith('Error'))).toEqual([]);
    }
  });

  it('shows the image overlays it activates, in its layer\'s colour, and not the others, as dcmtk does; written back so', async () => {
    const dir = await tempDir();
    await overlayDicom(join(dir, 'mr.dcm'));
    await presentationStateDicom(join(dir, 'ovl.dcm'), { references: [OVERLAY_SOP], overlays: ['6000'], ownOverlay: true });
    /** The overlay groups dcmtk shows over the image through a state (dcmp2pgm -v lists them by layer). */
    const dcmtkShows = (state: string, image: string) => {
      const out = spawnSync('/usr/bin/dcmp2pgm', ['-v', '-p', state, image, join(dir, 'shown.pgm')], { encoding: 'utf8', cwd: dir });
      return [...`${out.stdout}${out.stderr}`.matchAll(/overlay \d+: group=0x([0-9a-f]{4})/gi)].map((m) => m[1]!.toUpperCase());
    };
    const file = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(join(dir, 'ovl.dcm')))));
    // The image's 6000 in layer OVERLAYS, and its own 6006 (an 8 x 8 square at the top left), which goes with it (0.24;
    // before, the sender was told it did not).
    expect(file.overlays).toEqual([{ group: 0x6000, layer: 'OVERLAYS' }]);
    expect(file.ownOverlays.map(({ layer, plane }) => [layer, plane.group, plane.rows, plane.columns, plane.origin])).toEqual([['OVERLAYS', 0x6006, 8, 8, [1, 1]]]);
    expect(file.notCarried.join()).not.toMatch(/own overlay/);
    // De-identified, it goes without them (their bits may spell a name), and the sender is told.
    expect(cleanedState(file, 1).ownOverlays).toEqual([]);
    expect(cleanedState(file, 1).notCarried).toContain('its own overlay 6006, which de-identification removes with the image\'s overlays');
    if (existsSync('/usr/bin/dcmp2pgm')) expect(dcmtkShows(join(dir, 'ovl.dcm'), join(dir, 'mr.dcm'))).toEqual(['6000', '6006']);

    await mkdir(join(dir, 'parts'));
    const enc = await encryptStudy([join(dir, 'ovl.dcm'), join(dir, 'mr.dcm')], { model, recipients: [key], name: 's', outDir: join(dir, 'parts'), deidentify: null, measure: false });
    const { items } = await openAeimg(enc.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    const { record } = items[0]!;
    // A crafted record's own overlay whose bits do not fill its size is left out, not drawn.
    const carried = dicomMetaOf(record)!.presentationStates![0]!;
    expect(validPresentationStates([carried])[0]!.ownOverlays).toEqual(carried.ownOverlays);
    expect(validPresentationStates([{ ...carried, ownOverlays: [{ layer: 'X', plane: { ...carried.ownOverlays![0]!.plane, rows: 9 } }] }])[0]).not.toHaveProperty('ownOverlays');
    // Two of one group: the first, as DICOM output writes it, so the viewer draws what is written.
    const twice = validPresentationStates([{ ...carried, ownOverlays: [carried.ownOverlays![0]!, { ...carried.ownOverlays![0]!, layer: 'OTHER' }] }])[0]!;
    expect(twice.ownOverlays!.map((o) => o.layer)).toEqual(['OVERLAYS']);
    const image = await decodeImage(await readFile((await receive(dir, enc, 'png')).outputs[0]!));
    const { dicom } = describeImage(record, image, 0);
    const state = dicom!.presentationStates![0]!;
    expect(dicom!.graphics!.map((g) => g.group)).toEqual([0x6000, 0x6002, 0x6004]);
    expect(state.overlays).toEqual([{ group: 0x6000, layer: 'OVERLAYS' }, { group: 0x6006, layer: 'OVERLAYS' }]);
    // Under the state: 6000 and its own 6006, green (their layer's colour); the others are said to be hidden. Without it: the image's, white.
    const shown = overlaysShown(dicom!.graphics, state)!;
    expect(shown.map((g) => [g.group, g.colour!.map((c, i) => Math.abs(c - [0, 255, 0][i]!) <= 1)])).toEqual([[0x6000, [true, true, true]], [0x6006, [true, true, true]]]);
    expect(overlaysHidden(dicom!.graphics, state)).toEqual(['overlay 6002 ("First target mark")', 'overlay 6004']);
    // A state's own overlay in the image's group is drawn in its place: the image's is then said to be hidden.
    const own6000 = { ...dicom!.graphics![0]!, name: 'overlay 6000 ("STATE")', bits: state.ownGraphics![0]!.bits, rows: 8, columns: 8 };
    const replacing = { ...state, ownGraphics: [own6000], overlays: [{ group: 0x6000, layer: 'OVERLAYS' }] };
    expect(overlaysShown(dicom!.graphics, replacing)!.map((g) => g.name)).toEqual(['overlay 6000 ("STATE")']);
    expect(overlaysHidden(dicom!.graphics, replacing)).toEqual(['overlay 6000 ("Siemens MedCom Object Graphics")', 'overlay 6002 ("First target mark")', 'overlay 6004']);
    expect(overlaysShown(dicom!.graphics, undefined)!.map((g) => [g.group, g.colour])).toEqual([[0x6000, undefined], [0x6002, undefined], [0x6004, undefined]]);
    const drawn = new Uint8ClampedArray(64 * 64 * 4);
    drawGraphics(shown, 64, 64, drawn);
    const { drawn: ring } = await overlayDicom(join(dir, 'again.dcm'));
    const square = (i: number) => i % 64 < 8 && i < 8 * 64;
    const lit = Array.from({ length: 64 * 64 }, (_, i) => i).filter((i) => drawn[i * 4 + 3]);
    expect(lit.length).toBeGreaterThan(0);
    expect(lit.every((i) => (ring.has(i) || square(i)) && drawn[i * 4]! < 10 && drawn[i * 4 + 1]! > 245)).toBe(true);
    expect(lit.filter(square)).toHaveLength(64);

    // Written back: dcmtk shows through it what the viewer showed.
    const back = await receive(dir, enc, 'dcm');
    const written = back.studyObjects[0]!.path;
    const again = readPresentationState(parseDicomHeader(new Uint8Array(await readFile(written))));
    expect(again.overlays).toEqual([{ group: 0x6000, layer: 'OVERLAYS' }]);
    expect(again.ownOverlays.map(({ layer, plane }) => [layer, plane])).toEqual(file.ownOverlays.map(({ layer, plane }) => [layer, plane]));
    if (existsSync('/usr/bin/dcmp2pgm')) expect(dcmtkShows(written, back.outputs[0]!)).toEqual(['6000', '6006']);
    // A record from a sender before 0.21 says nothing of them: every overlay shows, and is written back shown.
    const [old] = validPresentationStates([{ ...state, overlays: undefined }]);
    expect(old).not.toHaveProperty('overlays');
    expect(overlaysShown(dicom!.graphics, old)).toHaveLength(3);
    const [frame] = await readDicomFile(join(dir, 'mr.dcm'), { maxPixels: 1 << 24, deidentify: null });
    const [oldFile] = studyObjectFiles([{ sopClass: '1.2.840.10008.5.1.4.1.1.4', sopInstance: OVERLAY_SOP,
      frames: [{ meta: { ...frame!.dicom, presentationStates: [old!] }, width: 64, height: 64, channels: 1 }] }]);
    expect(readPresentationState(parseDicomHeader(new Uint8Array(oldFile!.bytes))).overlays.map((o) => o.group)).toEqual([0x6000, 0x6002, 0x6004]);
    // A crafted record's groups that are not overlay groups are left out.
    expect(validPresentationStates([{ ...state, overlays: [{ group: 0x6001, layer: 'A' }, { group: 0x6002, layer: 'B' }, { group: '6004', layer: 'C' }] }])[0]!.overlays)
      .toEqual([{ group: 0x6002, layer: 'B' }]);
  });
});
