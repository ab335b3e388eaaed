/**
 * The small CT fixture with a Display Shutter (PS3.3 C.7.6.11) added with dcmjs (not aeimg's writer), for the engine's
 * tests and the viewer's: by default a circle of radius 40 about row 64, column 60 and a rectangle of columns 20–110,
 * rows 30–100, in mid grey (Shutter Presentation Value 32768). `attributes` replaces or adds any (DICOM JSON).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dcmjs from 'dcmjs';

/** The small CT fixture (not through tests/helpers.ts, which imports vitest: Playwright's specs use this too). */
const CT_SMALL = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'dicom', 'ct_small_explicit_le.dcm');

export const SHUTTER_SIZE = 128;

export const DEFAULT_SHUTTER: Record<string, { vr: string; Value: unknown[] }> = {
  '00181600': { vr: 'CS', Value: ['CIRCULAR', 'RECTANGULAR'] },
  '00181610': { vr: 'IS', Value: [64, 60] },
  '00181612': { vr: 'IS', Value: [40] },
  '00181602': { vr: 'IS', Value: [20] },
  '00181604': { vr: 'IS', Value: [110] },
  '00181606': { vr: 'IS', Value: [30] },
  '00181608': { vr: 'IS', Value: [100] },
  '00181622': { vr: 'US', Value: [32768] },
};

/** Whether the default shutter covers image pixel (y, x), 0-based, worked out from the standard's words. */
export function coveredByDefault(y: number, x: number): boolean {
  const [row, column] = [y + 1, x + 1];
  const inCircle = (row - 64) ** 2 + (column - 60) ** 2 <= 40 ** 2;
  const inRectangle = column >= 20 && column <= 110 && row >= 30 && row <= 100;
  return !(inCircle && inRectangle);
}

/** Writes the shuttered CT to `path` (from `source`, default the small CT fixture). */
export async function shutterDicom(path: string, attributes = DEFAULT_SHUTTER, source = CT_SMALL): Promise<void> {
  const b = await readFile(source);
  const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  Object.assign(dicom.dict, attributes);
  await writeFile(path, Buffer.from(dicom.write()));
}
