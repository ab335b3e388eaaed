/**
 * The patient directions at the edges of an image, as a PACS labels them (L/R, A/P, H/F): which way is the patient's
 * left is not something a reader should have to guess. From Image Orientation (Patient) (0020,0037: the directions of
 * a row and of a column in DICOM's patient coordinates, +x left, +y posterior, +z head) or, for projection images,
 * Patient Orientation (0020,0020: the row and column directions as letters). Environment-free.
 */

export interface EdgeLabels {
  left: string;
  right: string;
  top: string;
  bottom: string;
}

const OPPOSITE: Record<string, string> = { L: 'R', R: 'L', A: 'P', P: 'A', H: 'F', F: 'H' };

/**
 * The letters of a direction, its strongest component first: each component of at least a quarter of the vector
 * ("L" for an axial row, "LP" for a row turned 30° towards the back). Undefined if it is not a direction.
 */
export function directionLetters(v: readonly number[]): string | undefined {
  if (v.length !== 3 || !v.every(Number.isFinite)) return undefined;
  const length = Math.hypot(v[0]!, v[1]!, v[2]!);
  if (!(length > 1e-6)) return undefined;
  const parts = ([[v[0]!, 'L', 'R'], [v[1]!, 'P', 'A'], [v[2]!, 'H', 'F']] as const)
    .filter(([c]) => Math.abs(c) / length >= 0.25)
    .sort((a, b) => Math.abs(b[0]) - Math.abs(a[0]));
  return parts.map(([c, plus, minus]) => (c > 0 ? plus : minus)).join('');
}

const opposite = (letters: string) => [...letters].map((c) => OPPOSITE[c]!).join('');

/**
 * What each edge of the image shows of the patient: the row direction points to the right edge, the column direction
 * to the bottom one. Image Orientation (Patient) first (six numbers), else Patient Orientation (two values of the
 * letters L, R, A, P, H, F); undefined where neither says it (or says it malformed, as "0").
 */
export function edgeLabels(imageOrientation: readonly unknown[] | undefined, patientOrientation: readonly unknown[] | undefined): EdgeLabels | undefined {
  const iop = (imageOrientation ?? []).map(Number);
  if (iop.length === 6) {
    const right = directionLetters(iop.slice(0, 3));
    const bottom = directionLetters(iop.slice(3));
    if (right && bottom) return { right, left: opposite(right), bottom, top: opposite(bottom) };
  }
  const po = (patientOrientation ?? []).map((v) => String(v).trim().toUpperCase());
  if (po.length === 2 && po.every((v) => /^[LRAPHF]{1,3}$/.test(v))) {
    return { right: po[0]!, left: opposite(po[0]!), bottom: po[1]!, top: opposite(po[1]!) };
  }
  return undefined;
}

/**
 * A quarter turn given with a left–right flip, in the other order: a presentation state's file turns first and flips
 * after (PS3.3 C.10.6), the viewer flips first and turns after; flipped, a turn one way before the flip is the other way
 * after it. Its own inverse, so it converts either way.
 */
export const viewerRotation = (rotation: number, flip: boolean): number => (flip ? (360 - rotation) % 360 : rotation);
