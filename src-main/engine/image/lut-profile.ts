/**
 * An RGB ICC profile given by a lookup table (its A2B0 tag: lut8 `mft1`, lut16 `mft2` or lutAtoB `mAB `; ICC.1 10.8,
 * 10.9, 10.10), applied by aeimg (0.33) to a 16-bit colour image. sharp takes such an image through the profile to
 * Display P3 (its 16-bit working space) and io.ts took that on to sRGB in the same colour engine (0.32), which samples
 * the whole transform on a grid (up to 4.8 levels of 255 from the formula inside sRGB's gamut) and clips colours outside
 * P3's gamut before sRGB's (up to 25 levels where a viewer clips them once). Here each pixel goes through the profile's
 * own stages (its curves, its table by tetrahedral interpolation, as lcms interpolates, its matrix), to the connection
 * space (XYZ or CIELab, D50), to sRGB's linear light, clipped once, sRGB-encoded. 8-bit images stay with the library's
 * conversion (within 1 level of Chromium).
 */
import type { Image } from './image.js';
import { srgbEncoded, XYZ_D50_TO_SRGB } from './png-colour.js';
import { iccColourSpace, toneCurve, type ToneCurve } from './shaper-profile.js';

/** A profile's A2B0 as stages from device RGB (0..1) to its connection space's values (normalized 0..1). */
export interface LutProfile {
  /** mft: the input tables; mAB: the A curves (identity where it has none). */
  input: ToneCurve[];
  clut?: { grid: number[]; data: Float64Array };
  /** mAB: the M curves and the matrix (3x3 then 3 offsets), after the table. */
  m?: { curves: ToneCurve[]; matrix: number[] };
  /** mft: the output tables; mAB: the B curves. */
  output: ToneCurve[];
  /**
   * How the normalized output reads: XYZ (u1Fixed15: a normalized 1 is 65535/32768), CIELab as a lut16 holds it (the
   * legacy encoding: L 100 at 0xFF00), or CIELab as lut8 and lutAtoB hold it (L 100 at 1, a and b 0 at 128/255).
   */
  pcs: 'xyz' | 'lab-legacy' | 'lab';
}

/** The largest table taken: 65 points a side (lcms' finest own grid is 33). */
const MAX_GRID = 65;

/**
 * The A2B0 of an RGB profile (XYZ or Lab connection space) as aeimg applies it; undefined where it has none, it has
 * another shape (not three channels in and out), or anything in it is damaged or out of bounds.
 */
export function lutProfile(icc: Uint8Array): LutProfile | undefined {
  if (icc.length < 132 || iccColourSpace(icc) !== 'RGB ') return undefined;
  const pcs = String.fromCharCode(...icc.subarray(20, 24));
  if (pcs !== 'XYZ ' && pcs !== 'Lab ') return undefined;
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  let tag: DataView | undefined;
  for (let i = 0; i < view.getUint32(128) && 132 + 12 * (i + 1) <= icc.length; i++) {
    const entry = 132 + 12 * i;
    if (String.fromCharCode(...icc.subarray(entry, entry + 4)) !== 'A2B0') continue;
    const at = view.getUint32(entry + 4), size = view.getUint32(entry + 8);
    if (size >= 32 && at + size <= icc.length) tag = new DataView(icc.buffer, icc.byteOffset + at, size);
    break;
  }
  if (!tag) return undefined;
  const type = String.fromCharCode(tag.getUint8(0), tag.getUint8(1), tag.getUint8(2), tag.getUint8(3));
  if (tag.getUint8(8) !== 3 || tag.getUint8(9) !== 3) return undefined;
  try {
    if (type === 'mft1' || type === 'mft2') return mftProfile(tag, type === 'mft2', pcs);
    if (type === 'mAB ') return mabProfile(tag, pcs);
  } catch {
    return undefined; // a read past the tag (DataView throws RangeError)
  }
  return undefined;
}

const identity: ToneCurve = (x) => x;

/** A table of samples (0..1) as a curve, linearly interpolated. */
function tableCurve(values: Float64Array): ToneCurve {
  const n = values.length;
  if (n < 2) return identity;
  return (x) => {
    const at = Math.min(1, Math.max(0, x)) * (n - 1), i = Math.min(n - 2, Math.floor(at));
    return values[i]! + (values[i + 1]! - values[i]!) * (at - i);
  };
}

function mftProfile(tag: DataView, sixteen: boolean, pcs: string): LutProfile | undefined {
  const grid = tag.getUint8(10);
  if (grid < 2 || grid > MAX_GRID) return undefined;
  const n = sixteen ? tag.getUint16(48) : 256, m = sixteen ? tag.getUint16(50) : 256;
  if (n < 2 || m < 2) return undefined;
  const bytes = sixteen ? 2 : 1, scale = sixteen ? 65535 : 255;
  let at = sixteen ? 52 : 48;
  const read = (count: number) => {
    if (at + count * bytes > tag.byteLength) throw new RangeError('past the tag');
    const out = Float64Array.from({ length: count }, (_, i) => (sixteen ? tag.getUint16(at + 2 * i) : tag.getUint8(at + i)) / scale);
    at += count * bytes;
    return out;
  };
  const input = [0, 1, 2].map(() => tableCurve(read(n)));
  const data = read(grid ** 3 * 3);
  const output = [0, 1, 2].map(() => tableCurve(read(m)));
  return { input, clut: { grid: [grid, grid, grid], data }, output, pcs: pcs === 'XYZ ' ? 'xyz' : sixteen ? 'lab-legacy' : 'lab' };
}

/** The curves (`curv`, `para`) one after another from `offset`, each padded to 4 bytes. */
function curvesAt(tag: DataView, offset: number, count: number): ToneCurve[] | undefined {
  const curves: ToneCurve[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 12 > tag.byteLength) return undefined;
    const type = String.fromCharCode(tag.getUint8(at), tag.getUint8(at + 1), tag.getUint8(at + 2), tag.getUint8(at + 3));
    const size = type === 'curv' ? 12 + 2 * tag.getUint32(at + 8) : type === 'para' ? 12 + 4 * ([1, 3, 4, 5, 7][tag.getUint16(at + 8)] ?? 0) : 0;
    if (size === 0 || at + size > tag.byteLength) return undefined;
    const curve = toneCurve(new DataView(tag.buffer, tag.byteOffset + at, size), type);
    if (!curve) return undefined;
    curves.push(curve);
    at += (size + 3) & ~3;
  }
  return curves;
}

function mabProfile(tag: DataView, pcs: string): LutProfile | undefined {
  const [bAt, matrixAt, mAt, clutAt, aAt] = [12, 16, 20, 24, 28].map((o) => tag.getUint32(o)) as [number, number, number, number, number];
  const output = bAt ? curvesAt(tag, bAt, 3) : undefined;
  if (!output) return undefined; // B curves are required
  let input: ToneCurve[] = [identity, identity, identity];
  let clut: LutProfile['clut'];
  if (clutAt) {
    const a = aAt ? curvesAt(tag, aAt, 3) : undefined;
    if (!a) return undefined; // with a table, A curves are required
    input = a;
    const grid = [0, 1, 2].map((i) => tag.getUint8(clutAt + i));
    const precision = tag.getUint8(clutAt + 16);
    if (grid.some((g) => g < 2 || g > MAX_GRID) || (precision !== 1 && precision !== 2)) return undefined;
    const count = grid[0]! * grid[1]! * grid[2]! * 3, start = clutAt + 20;
    if (start + count * precision > tag.byteLength) return undefined;
    const data = Float64Array.from({ length: count }, (_, i) => (precision === 2 ? tag.getUint16(start + 2 * i) / 65535 : tag.getUint8(start + i) / 255));
    clut = { grid, data };
  } else if (aAt) {
    return undefined; // A curves without a table: not a shape the specification allows
  }
  let m: LutProfile['m'];
  if (mAt || matrixAt) {
    const curves = mAt ? curvesAt(tag, mAt, 3) : undefined;
    if (!curves || !matrixAt || matrixAt + 48 > tag.byteLength) return undefined; // M curves and matrix go together
    m = { curves, matrix: Array.from({ length: 12 }, (_, i) => tag.getInt32(matrixAt + 4 * i) / 65536) };
  }
  return { input, ...(clut ? { clut } : {}), ...(m ? { m } : {}), output, pcs: pcs === 'XYZ ' ? 'xyz' : 'lab' };
}

/** A curve of 0..1 tabulated at 4,097 points, for linear interpolation in the loop. */
const TABLE = 4096;
const tabulated = (curve: ToneCurve) => Float64Array.from({ length: TABLE + 1 }, (_, i) => curve(i / TABLE));
function lerp(table: Float64Array, x: number): number {
  const at = (x <= 0 ? 0 : x >= 1 ? 1 : x) * TABLE, i = Math.min(TABLE - 1, Math.floor(at));
  return table[i]! + (table[i + 1]! - table[i]!) * (at - i);
}

/**
 * An RGB `image` (alpha kept) as a viewer shows it through `profile`: each pixel through its stages (the table by
 * tetrahedral interpolation, as lcms interpolates) to XYZ, to sRGB's linear light, clipped to its gamut, sRGB-encoded at
 * the image's depth. Written without allocation in the loop: 12 megapixels at 16 bits in about 2 s here.
 */
export function throughLut(image: Image, profile: LutProfile): Image {
  const max = image.bitDepth === 16 ? 65535 : 255;
  const [i0, i1, i2] = profile.input.map((curve) => Float64Array.from({ length: max + 1 }, (_, v) => curve(v / max))) as [Float64Array, Float64Array, Float64Array];
  const [o0, o1, o2] = profile.output.map(tabulated) as [Float64Array, Float64Array, Float64Array];
  const mCurves = profile.m?.curves.map(tabulated), matrix = profile.m?.matrix;
  const steps = 1 << 20;
  const encoded = Uint16Array.from({ length: steps + 1 }, (_, i) => Math.round(max * srgbEncoded(i / steps)));
  const [s0, s1, s2] = XYZ_D50_TO_SRGB as [number[], number[], number[]];
  const clut = profile.clut;
  const [gx, gy, gz] = (clut?.grid ?? [2, 2, 2]) as [number, number, number];
  const data = clut?.data ?? new Float64Array(0);
  const sx = gy * gz * 3, sy = gz * 3, sz = 3; // the first input varies slowest (ICC: the last channel's points adjacent)
  const scale = profile.pcs === 'lab-legacy' ? 65535 / 65280 : 1;
  const pixels = image.pixels.slice();
  for (let i = 0; i < pixels.length; i += image.channels) {
    let a = i0[pixels[i]!]!, b = i1[pixels[i + 1]!]!, c = i2[pixels[i + 2]!]!;
    if (clut) {
      const fx = (a <= 0 ? 0 : a >= 1 ? 1 : a) * (gx - 1), fy = (b <= 0 ? 0 : b >= 1 ? 1 : b) * (gy - 1), fz = (c <= 0 ? 0 : c >= 1 ? 1 : c) * (gz - 1);
      const x0 = Math.min(gx - 2, Math.floor(fx)), y0 = Math.min(gy - 2, Math.floor(fy)), z0 = Math.min(gz - 2, Math.floor(fz));
      const rx = fx - x0, ry = fy - y0, rz = fz - z0;
      const p000 = x0 * sx + y0 * sy + z0 * sz;
      // lcms' six tetrahedra: the corners passed through from (0,0,0) to (1,1,1) in the order of the fractions.
      let p1: number, p2: number, p3: number, w1: number, w2: number, w3: number;
      if (rx >= ry && ry >= rz) { p1 = p000 + sx; p2 = p1 + sy; p3 = p2 + sz; w1 = rx; w2 = ry; w3 = rz; }
      else if (rx >= rz && rz >= ry) { p1 = p000 + sx; p2 = p1 + sz; p3 = p2 + sy; w1 = rx; w2 = rz; w3 = ry; }
      else if (rz >= rx && rx >= ry) { p1 = p000 + sz; p2 = p1 + sx; p3 = p2 + sy; w1 = rz; w2 = rx; w3 = ry; }
      else if (ry >= rx && rx >= rz) { p1 = p000 + sy; p2 = p1 + sx; p3 = p2 + sz; w1 = ry; w2 = rx; w3 = rz; }
      else if (ry >= rz && rz >= rx) { p1 = p000 + sy; p2 = p1 + sz; p3 = p2 + sx; w1 = ry; w2 = rz; w3 = rx; }
      else { p1 = p000 + sz; p2 = p1 + sy; p3 = p2 + sx; w1 = rz; w2 = ry; w3 = rx; }
      // v = c000 + (c1 - c000)·w1 + (c2 - c1)·w2 + (c3 - c2)·w3, with w1 ≥ w2 ≥ w3.
      const e0 = 1 - w1, e1 = w1 - w2, e2 = w2 - w3;
      a = data[p000]! * e0 + data[p1]! * e1 + data[p2]! * e2 + data[p3]! * w3;
      b = data[p000 + 1]! * e0 + data[p1 + 1]! * e1 + data[p2 + 1]! * e2 + data[p3 + 1]! * w3;
      c = data[p000 + 2]! * e0 + data[p1 + 2]! * e1 + data[p2 + 2]! * e2 + data[p3 + 2]! * w3;
    }
    if (mCurves && matrix) {
      const ma = lerp(mCurves[0]!, a), mb = lerp(mCurves[1]!, b), mc = lerp(mCurves[2]!, c);
      a = matrix[0]! * ma + matrix[1]! * mb + matrix[2]! * mc + matrix[9]!;
      b = matrix[3]! * ma + matrix[4]! * mb + matrix[5]! * mc + matrix[10]!;
      c = matrix[6]! * ma + matrix[7]! * mb + matrix[8]! * mc + matrix[11]!;
    }
    a = lerp(o0, a); b = lerp(o1, b); c = lerp(o2, c);
    let x: number, y: number, z: number;
    if (profile.pcs === 'xyz') {
      x = a * 65535 / 32768; y = b * 65535 / 32768; z = c * 65535 / 32768;
    } else {
      // CIELab (D50) to XYZ (D50)
      const l = a * scale * 100, fy = (l + 16) / 116, fx = fy + (b * scale * 255 - 128) / 500, fz = fy - (c * scale * 255 - 128) / 200;
      x = 0.9642 * (fx > 6 / 29 ? fx * fx * fx : 3 * (6 / 29) ** 2 * (fx - 4 / 29));
      y = fy > 6 / 29 ? fy * fy * fy : 3 * (6 / 29) ** 2 * (fy - 4 / 29);
      z = 0.8249 * (fz > 6 / 29 ? fz * fz * fz : 3 * (6 / 29) ** 2 * (fz - 4 / 29));
    }
    const r = s0[0]! * x + s0[1]! * y + s0[2]! * z, g = s1[0]! * x + s1[1]! * y + s1[2]! * z, bl = s2[0]! * x + s2[1]! * y + s2[2]! * z;
    pixels[i] = encoded[Math.round((r > 0 ? (r < 1 ? r : 1) : 0) * steps)]!;
    pixels[i + 1] = encoded[Math.round((g > 0 ? (g < 1 ? g : 1) : 0) * steps)]!;
    pixels[i + 2] = encoded[Math.round((bl > 0 ? (bl < 1 ? bl : 1) : 0) * steps)]!;
  }
  return { ...image, pixels };
}
