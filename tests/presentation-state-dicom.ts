/**
 * A Grayscale Softcopy Presentation State over the small CT fixture, as a PACS saves a radiologist's reading, built
 * with dcmjs (not aeimg's code), for the engine's tests and the viewer's: a red "MARKS" layer with a circle round a
 * lesion, a closed triangle and an ellipse given in DISPLAY units, a grey "NOTES" layer with "Nodule 8 mm" in a box
 * whose anchor line points at the circle and an "R" at a DISPLAY anchor; the brain window (40/80 HU) it was read in.
 */
import { writeFile } from 'node:fs/promises';
import dcmjs from 'dcmjs';

/** The small CT fixture's SOP Instance UID, which the state references. */
export const CT_SMALL_SOP = '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322';
export const GSPS_CLASS = '1.2.840.10008.5.1.4.1.1.11.1';
/** sRGB red as CIELab (PCS, D50), scaled as DICOM writes it. */
export const RED_LAB = [Math.round(54.29 * 655.35), Math.round(((80.81 + 128) * 65535) / 255), Math.round(((69.89 + 128) * 65535) / 255)];
/** sRGB green (0, 255, 0) and yellow (255, 255, 0) likewise (D50 PCS values of the sRGB primaries' mixes). */
export const GREEN_LAB = [Math.round(87.82 * 655.35), Math.round(((-79.29 + 128) * 65535) / 255), Math.round(((80.99 + 128) * 65535) / 255)];
export const YELLOW_LAB = [Math.round(97.61 * 655.35), Math.round(((-15.75 + 128) * 65535) / 255), Math.round(((93.39 + 128) * 65535) / 255)];

const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
const ref = (sop: string) => v('SQ', { '00081150': v('UI', '1.2.840.10008.5.1.4.1.1.2'), '00081155': v('UI', sop) });

/** The `modalityLut: 'scrambled'` state's table: stored value i to a value 0..255 that neighbours do not predict. */
export const SCRAMBLED = (i: number) => (i * 37) % 256;

/** The `presentationLut` state's Presentation LUT (instead of a shape): its VOI output i to P-value P_SCRAMBLED(i). */
export const P_SCRAMBLED = (i: number) => (i * 73 + 11) % 256;

/** The `lutOnly` state's VOI LUT: −100 HU and below black, 155 HU and above white, a squared ramp between (8-bit). */
export const LUT_CURVE = Array.from({ length: 256 }, (_, i) => Math.round((i * i) / 255));

/** What the state says, in image pixel coordinates (0 at the top-left corner of the top-left pixel), to check against. */
export const EXPECTED = {
  circle: { cx: 64, cy: 64, r: 10 },
  triangle: [10, 10, 30, 10, 30, 30, 10, 10],
  // DISPLAY (0.25, 0.5)–(0.75, 0.5) and (0.5, 0.4)–(0.5, 0.6) over the whole 128 x 128 image.
  ellipse: [32, 64, 96, 64, 64, 51.2, 64, 76.8],
  box: [80, 10, 120, 30],
  anchor: [64, 54],
  r: [12.8, 115.2],
};

/**
 * Writes the state to `path`. `references`: the SOP Instance UIDs it marks (default the CT fixture); `label`; `rotation`
 * and `flip`: its spatial transformation, which its DISPLAY coordinates are after; `lutOnly`: no annotations, and its
 * window a VOI lookup table (LUT_CURVE: 256 entries from −100 HU, or from 0 after a modality table); `modalityLut`: its own Modality LUT instead of a rescale
 * (as weasis' prLUTs.dcm, a combined-LUT test state): 'scrambled', 4096 entries from stored value 0, SCRAMBLED(i) (0..255,
 * in which its window is), or 'too large', 32,768 entries (more than a record carries); `presentationLut`: a Presentation
 * LUT Sequence (P_SCRAMBLED, 256 entries; 'falling': 255 down to 0, black for white) instead of a shape; `area`: its displayed area (1-based corners; default the whole image, fitted: DISPLAY
 * coordinates are relative to it); `shutter`: Display Shutter attributes (DICOM JSON) it holds; `compound`: an arrow as one object (PS3.3 C.10.5.1.3), with
 * the polyline that draws it for viewers without compound graphics (C.10.5.1.3.1: 'drawn') or, as the standard does
 * not allow, without ('alone'); `shape`: its Presentation LUT Shape (default IDENTITY; INVERSE shows the image black for white);
 * `styled`: objects with styles of their own, as Weasis writes them: the circle green, 3 pixels thick and dashed (its Line Style Sequence), the
 * filled triangle a quarter opaque (its Fill Style Sequence), the note yellow (its Text Style Sequence) and centred in
 * its box, over their red and grey layers. `overlays`: the image overlays it shows (Overlay Activation Layer), by group
 * ('6000'), in its layer "OVERLAYS" (green); `ownOverlay`: an overlay of its own in group 6006 (an 8 x 8 square), shown
 * in that layer.
 */
export async function presentationStateDicom(path: string,
  opts: { references?: string[]; label?: string; rotation?: number; flip?: boolean; lutOnly?: boolean; modalityLut?: 'scrambled' | 'too large'; compound?: 'drawn' | 'alone'; shape?: 'IDENTITY' | 'INVERSE'; styled?: boolean;
    area?: { tl: [number, number]; br: [number, number]; magnify?: number }; shutter?: Record<string, { vr: string; Value: unknown[] }>;
    overlays?: string[]; ownOverlay?: boolean; presentationLut?: boolean | 'falling' } = {}): Promise<void> {
  const refs = opts.references ?? [CT_SMALL_SOP];
  const meta = {
    '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', GSPS_CLASS), '00020003': v('UI', '2.25.4242'),
    '00020010': v('UI', '1.2.840.10008.1.2.1'),
  };
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = {
    '00080016': v('UI', GSPS_CLASS), '00080018': v('UI', '2.25.4242'), '00080060': v('CS', 'PR'), '0020000D': v('UI', '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322'),
    '0020000E': v('UI', '2.25.4243'), '00200013': v('IS', '1'), '00700082': v('DA', '20261129'), '00700083': v('TM', '120000'), '00100010': v('PN', { Alphabetic: 'Doe^Jane' }),
    '00081115': v('SQ', { '0020000E': v('UI', '1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322'), '00081140': v('SQ', ...refs.map((sop) => ({
      '00081150': v('UI', '1.2.840.10008.5.1.4.1.1.2'), '00081155': v('UI', sop),
    }))) }),
    ...(opts.modalityLut
      ? { '00283000': v('SQ', opts.modalityLut === 'scrambled'
        ? { '00283002': v('US', 4096, 0, 16), '00283003': v('LO', 'SCRAMBLED'), '00283004': v('LO', 'US'), '00283006': v('US', ...Array.from({ length: 4096 }, (_, i) => SCRAMBLED(i))) }
        : { '00283002': v('US', 32768, 0, 16), '00283004': v('LO', 'US'), '00283006': v('US', ...Array.from({ length: 32768 }, (_, i) => i)) }) }
      : { '00281052': v('DS', '-1024'), '00281053': v('DS', '1'), '00281054': v('LO', 'HU') }),
    '00283110': v('SQ', opts.lutOnly
      // After a modality table, in its unsigned output from 0 (as dcmtk reads a VOI table's first value there).
      ? { '00283010': v('SQ', { '00283002': opts.modalityLut ? v('US', 256, 0, 8) : v('SS', 256, -100, 8), '00283003': v('LO', 'SOFT CURVE'), '00283006': v('US', ...LUT_CURVE) }) }
      : { '00281050': v('DS', '40'), '00281051': v('DS', '80'), '00281055': v('LO', 'BRAIN') }),
    '0070005A': v('SQ', {
      '00700052': v('SL', ...(opts.area?.tl ?? [1, 1])), '00700053': v('SL', ...(opts.area?.br ?? [128, 128])),
      ...(opts.area?.magnify ? { '00700100': v('CS', 'MAGNIFY'), '00700103': v('FL', opts.area.magnify) } : { '00700100': v('CS', 'SCALE TO FIT'), '00700102': v('IS', 1, 1) }),
    }),
    ...(opts.presentationLut
      ? { '20500010': v('SQ', { '00283002': v('US', 256, 0, 8), '00283003': v('LO', 'P SCRAMBLED'), '00283006': v('US', ...Array.from({ length: 256 }, (_, i) => (opts.presentationLut === 'falling' ? 255 - i : P_SCRAMBLED(i)))) }) }
      : { '20500020': v('CS', opts.shape ?? 'IDENTITY') }), '00700041': v('CS', opts.flip ? 'Y' : 'N'), '00700042': v('US', opts.rotation ?? 0), ...(opts.shutter ?? {}),
    '00700060': v('SQ',
      { '00700002': v('CS', 'NOTES'), '00700062': v('IS', '2'), '00700066': v('US', 65535) },
      { '00700002': v('CS', 'MARKS'), '00700062': v('IS', '1'), '00700401': v('US', ...RED_LAB) },
      ...(opts.overlays || opts.ownOverlay ? [{ '00700002': v('CS', 'OVERLAYS'), '00700062': v('IS', '3'), '00700401': v('US', ...GREEN_LAB) }] : [])),
    ...Object.fromEntries((opts.overlays ?? []).map((g) => [`${g}1001`, v('CS', 'OVERLAYS')])),
    ...(opts.ownOverlay ? {
      '60060010': v('US', 8), '60060011': v('US', 8), '60060040': v('CS', 'G'), '60060050': v('SS', 1, 1), '60060100': v('US', 1), '60060102': v('US', 0),
      '60063000': v('OW', new Uint8Array(8).fill(255).buffer), '60061001': v('CS', 'OVERLAYS'),
    } : {}),
    ...(opts.lutOnly ? {} : { '00700001': v('SQ',
      {
        '00081140': ref(refs[0]!), '00700002': v('CS', 'MARKS'),
        ...(opts.compound ? { '00700209': v('SQ', {
          '00700005': v('CS', 'PIXEL'), '00700022': v('FL', 20, 100, 40, 80), '00700294': v('CS', 'ARROW'), '00700226': v('UL', 1),
        }) } : {}),
        '00700009': v('SQ',
          ...(opts.compound === 'drawn' ? [{ // its shaft and head, as the standard asks
            '00700005': v('CS', 'PIXEL'), '00700020': v('US', 2), '00700021': v('US', 5), '00700022': v('FL', 20, 100, 40, 80, 33, 81, 40, 80, 39, 87),
            '00700023': v('CS', 'POLYLINE'), '00700024': v('CS', 'N'), '00700226': v('UL', 1),
          }] : []),
          { '00700005': v('CS', 'PIXEL'), '00700020': v('US', 2), '00700021': v('US', 2), '00700022': v('FL', 64, 64, 74, 64), '00700023': v('CS', 'CIRCLE'), '00700024': v('CS', 'N'),
            ...(opts.styled ? { '00700232': v('SQ', { '00700251': v('US', ...GREEN_LAB), '00700253': v('FL', 3), '00700254': v('CS', 'DASHED'), '00700244': v('CS', 'OFF'), '00700284': v('FL', 1), '00700285': v('FL', 0) }) } : {}) },
          { '00700005': v('CS', 'PIXEL'), '00700020': v('US', 2), '00700021': v('US', 4), '00700022': v('FL', ...EXPECTED.triangle), '00700023': v('CS', 'POLYLINE'), '00700024': v('CS', 'Y'),
            ...(opts.styled ? { '00700233': v('SQ', { '00700251': v('US', ...RED_LAB), '00700257': v('CS', 'SOLID'), '00700284': v('FL', 0.25), '00700285': v('FL', 0) }) } : {}) },
          { '00700005': v('CS', 'DISPLAY'), '00700020': v('US', 2), '00700021': v('US', 4), '00700022': v('FL', 0.25, 0.5, 0.75, 0.5, 0.5, 0.4, 0.5, 0.6), '00700023': v('CS', 'ELLIPSE') }),
      },
      {
        '00700002': v('CS', 'NOTES'), // no Referenced Image Sequence: over every image the state marks
        '00700008': v('SQ',
          {
            '00700003': v('CS', 'PIXEL'), '00700004': v('CS', 'PIXEL'), '00700006': v('ST', 'Nodule 8 mm\r\nsegment 6'),
            '00700010': v('FL', 80, 10), '00700011': v('FL', 120, 30), '00700014': v('FL', 64, 54), '00700015': v('CS', 'Y'), '00700012': v('CS', opts.styled ? 'CENTER' : 'LEFT'),
            ...(opts.styled ? { '00700231': v('SQ', { '00700229': v('LO', 'serif'), '00700241': v('US', ...YELLOW_LAB), '00700242': v('CS', 'LEFT'), '00700243': v('CS', 'TOP'),
              '00700244': v('CS', 'OFF'), '00700248': v('CS', 'N'), '00700249': v('CS', 'N'), '00700250': v('CS', 'N') }) } : {}),
          },
          { '00700004': v('CS', 'DISPLAY'), '00700006': v('ST', 'R'), '00700014': v('FL', 0.1, 0.9), '00700015': v('CS', 'N') }),
      }) }),
    '00700080': v('CS', opts.label ?? 'LESION'), '00700081': v('LO', 'Reading of the left lobe'), '00700084': v('PN', { Alphabetic: 'Smith^Anna' }),
  };
  await writeFile(path, Buffer.from(dict.write()));
}
