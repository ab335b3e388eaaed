/**
 * An MR slice with DICOM overlays as scanners and workstations write them, built with dcmjs (not aeimg's writer), for
 * the engine's tests and the viewer's: a reader's circle round a lesion in Overlay Data (60xx,3000), a target mark
 * partly outside the image (a negative origin), and, as older files have it, a line in the Pixel Data's unused bit 15.
 */
import { writeFile } from 'node:fs/promises';
import dcmjs from 'dcmjs';

export const OVERLAY_SIZE = 64;
/** The slice's SOP Instance UID, which a presentation state over it references. */
export const OVERLAY_SOP = '1.2.826.0.1.3680043.2.1125.78.3';

export interface OverlayDicom {
  /** Image pixels (y × 64 + x) any overlay sets, by construction. */
  drawn: Set<number>;
  /** The image's stored values (12-bit, bit 15 clear). */
  stored: Uint16Array;
}

/** Packs bits (1 per entry) least significant first, to an even number of bytes (OW). */
function pack(bits: number[]): ArrayBuffer {
  const out = new Uint8Array(Math.ceil(bits.length / 16) * 2);
  bits.forEach((b, i) => { if (b) out[i >> 3]! |= 1 << (i & 7); });
  return out.buffer;
}

/**
 * Writes the slice to `path`. `short`: a fourth overlay whose data is two bytes shorter than its size needs (as fo-dicom's
 * GH1728.dcm has), which nobody can draw.
 */
export async function overlayDicom(path: string, opts: { short?: boolean } = {}): Promise<OverlayDicom> {
  const n = OVERLAY_SIZE;
  const drawn = new Set<number>();
  const mark = (y: number, x: number) => { if (y >= 0 && y < n && x >= 0 && x < n) drawn.add(y * n + x); };
  // 6000: a ring of radius 12 about (row 28, column 32), over the whole image.
  const ring = Array.from({ length: n * n }, (_, i) => {
    const [y, x] = [Math.floor(i / n), i % n];
    const on = Math.abs(Math.hypot(y - 28, x - 32) - 12) < 0.7;
    if (on) mark(y, x);
    return on ? 1 : 0;
  });
  // 6002: a 20x20 square's outline whose top-left is image row −4, column 50 (origin −3\51): partly outside.
  const square = Array.from({ length: 400 }, (_, i) => {
    const [r, c] = [Math.floor(i / 20), i % 20];
    const on = r === 0 || r === 19 || c === 0 || c === 19;
    if (on) mark(r - 4, c + 50);
    return on ? 1 : 0;
  });
  // 6004: bit 15 of the Pixel Data, a line along row 60 from column 4 to 40.
  const stored = new Uint16Array(n * n);
  const words = new Uint16Array(n * n);
  for (let i = 0; i < n * n; i++) {
    const [y, x] = [Math.floor(i / n), i % n];
    stored[i] = (Math.round(1500 + 1200 * Math.sin(x / 9) * Math.cos(y / 11)) + 7 * ((x * 13 + y * 7) % 5)) & 0x0fff;
    const line = y === 60 && x >= 4 && x <= 40;
    if (line) mark(y, x);
    words[i] = stored[i]! | (line ? 0x8000 : 0);
  }
  const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
  const uid = (k: number) => `1.2.826.0.1.3680043.2.1125.78.${k}`;
  const overlay = (group: string, rows: number, columns: number, origin: [number, number], extra: Record<string, { vr: string; Value: unknown[] }>) => ({
    [`${group}0010`]: v('US', rows), [`${group}0011`]: v('US', columns), [`${group}0040`]: v('CS', 'G'), [`${group}0050`]: v('SS', ...origin), ...extra,
  });
  const mr = '1.2.840.10008.5.1.4.1.1.4';
  const dataset = {
    '00080016': v('UI', mr), '00080018': v('UI', OVERLAY_SOP), '00080060': v('CS', 'MR'),
    '00100010': v('PN', { Alphabetic: 'OVERLAY^TEST' }), '00100020': v('LO', 'OVL-1'), '0020000D': v('UI', uid(1)), '0020000E': v('UI', uid(2)),
    '00200011': v('IS', 1), '00200013': v('IS', 1), '00280002': v('US', 1), '00280004': v('CS', 'MONOCHROME2'),
    '00280010': v('US', n), '00280011': v('US', n), '00280100': v('US', 16), '00280101': v('US', 12), '00280102': v('US', 11),
    '00280103': v('US', 0), '00280301': v('CS', 'NO'), '00281050': v('DS', 1500), '00281051': v('DS', 3000),
    ...overlay('6000', n, n, [1, 1], {
      '60000022': v('LO', 'Siemens MedCom Object Graphics'), '60000100': v('US', 1), '60000102': v('US', 0), '60003000': v('OW', pack(ring)),
    }),
    ...overlay('6002', 20, 20, [-3, 51], {
      '60020022': v('LO', 'First target mark'), '60020100': v('US', 1), '60020102': v('US', 0), '60023000': v('OW', pack(square)),
    }),
    ...overlay('6004', n, n, [1, 1], { '60040100': v('US', 16), '60040102': v('US', 15) }),
    ...(opts.short ? overlay('6006', n, n, [1, 1], {
      '60060022': v('LO', 'NMS'), '60060100': v('US', 1), '60060102': v('US', 0), '60063000': v('OW', pack(ring).slice(0, 510)),
    }) : {}),
    '7FE00010': v('OW', words.buffer),
  };
  const meta = { '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', mr), '00020003': v('UI', OVERLAY_SOP), '00020010': v('UI', '1.2.840.10008.1.2.1') };
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = dataset;
  await writeFile(path, Buffer.from(dict.write()));
  return { drawn, stored };
}
