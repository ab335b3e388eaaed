/**
 * Ultrasound calibration: the Sequence of Ultrasound Regions (0018,6011; PS3.3 C.8.5.5) says, per region of the
 * image, what a pixel measures. An ultrasound image has no Pixel Spacing; without its regions a reader's viewer (or
 * PACS) cannot measure a nodule in mm. Only 2D regions calibrated in cm along both axes are kept: those are the ones a
 * distance can be measured in (Doppler spectra and M-mode are in seconds or cm/s along one axis).
 */
import type { DataSet } from 'dicom-parser';
import type { DicomJson } from './dataset.js';

/** One 2D spatial region, as its file describes it (cm per pixel along x and y). */
export interface UsRegion {
  /** Region Location Min/Max (0018,6018 … 601E): the first and last pixel columns and rows it covers. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Physical Delta X/Y (0018,602C / 602E) in cm per pixel (Physical Units 3 = cm on both axes). */
  deltaX: number;
  deltaY: number;
  /** Region Data Type (0018,6014; 1 tissue, 2 colour flow …) and Region Flags (0018,6016): written back as they were. */
  dataType: number;
  flags: number;
}

/** At most this many regions are read (a file claiming more is not a scanner's). */
const MAX_REGIONS = 16;
const CM = 3;
const SPATIAL_2D = 1;

/** The 2D regions calibrated in cm, inside the image; [] when the file has none. */
export function readUsRegions(ds: DataSet, rows: number, columns: number): UsRegion[] {
  const items = ds.elements.x00186011?.items ?? [];
  const out: UsRegion[] = [];
  for (const item of items.slice(0, MAX_REGIONS)) {
    const r = item.dataSet;
    if (!r || r.uint16('x00186012') !== SPATIAL_2D || r.uint16('x00186024') !== CM || r.uint16('x00186026') !== CM) continue;
    const region: UsRegion = {
      x0: r.uint32('x00186018') ?? -1, y0: r.uint32('x0018601a') ?? -1, x1: r.uint32('x0018601c') ?? -1, y1: r.uint32('x0018601e') ?? -1,
      deltaX: Math.abs(r.double('x0018602c') ?? NaN), deltaY: Math.abs(r.double('x0018602e') ?? NaN),
      dataType: r.uint16('x00186014') ?? 0, flags: r.uint32('x00186016') ?? 0,
    };
    const inImage = region.x0 >= 0 && region.y0 >= 0 && region.x0 <= region.x1 && region.y0 <= region.y1 && region.x1 < columns && region.y1 < rows;
    const calibrated = Number.isFinite(region.deltaX) && Number.isFinite(region.deltaY) && region.deltaX > 0 && region.deltaY > 0;
    if (inImage && calibrated) out.push(region);
  }
  return out;
}

/** The regions of a decrypted record: whatever its sender's program wrote, so every field is checked before use. */
export function validUsRegions(regions: unknown): UsRegion[] {
  return (Array.isArray(regions) ? regions.slice(0, MAX_REGIONS) : []).filter((r: Partial<UsRegion> | null): r is UsRegion =>
    typeof r === 'object' && r !== null && [r.x0, r.y0, r.x1, r.y1, r.deltaX, r.deltaY, r.dataType, r.flags].every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) &&
    r.deltaX! > 0 && r.deltaY! > 0 && r.x0! <= r.x1! && r.y0! <= r.y1!);
}

/** The regions back as a Sequence of Ultrasound Regions (DICOM JSON), for DICOM output. */
export function usRegionsJson(regions: readonly UsRegion[]): DicomJson[string] {
  return {
    vr: 'SQ',
    Value: regions.map((r) => ({
      '00186012': { vr: 'US', Value: [SPATIAL_2D] }, '00186014': { vr: 'US', Value: [r.dataType] }, '00186016': { vr: 'UL', Value: [r.flags] },
      '00186018': { vr: 'UL', Value: [r.x0] }, '0018601A': { vr: 'UL', Value: [r.y0] }, '0018601C': { vr: 'UL', Value: [r.x1] }, '0018601E': { vr: 'UL', Value: [r.y1] },
      '00186024': { vr: 'US', Value: [CM] }, '00186026': { vr: 'US', Value: [CM] },
      '0018602C': { vr: 'FD', Value: [r.deltaX] }, '0018602E': { vr: 'FD', Value: [r.deltaY] },
    })) as never,
  };
}

/**
 * The calibration a viewer measures with: the largest region's, in mm per pixel, with the pixels it covers (a
 * measurement outside it is not calibrated). Undefined without regions.
 */
export function usCalibration(regions: readonly UsRegion[] | undefined): { row: number; column: number; region: { x0: number; y0: number; x1: number; y1: number } } | undefined {
  if (!regions?.length) return undefined;
  const area = (r: UsRegion) => (r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1);
  const r = regions.reduce((a, b) => (area(b) > area(a) ? b : a));
  return { row: r.deltaY * 10, column: r.deltaX * 10, region: { x0: r.x0, y0: r.y0, x1: r.x1, y1: r.y1 } };
}
