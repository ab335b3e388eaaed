/**
 * The evaluation sets of every benchmark and report, per source, from the data's manifests (../shared/data):
 *  - `mri-ct-slices/<source>`: the 8-bit val slices;
 *  - `slices16/<source>`: the 16-bit val slices, with the rescale and windows their DICOM would carry (CT: HU and the
 *    CT presets; MR: its file window and the 1st–99th percentile window);
 *  - `unseen/<source>`: slices16/optional, a fourth scan that no model was trained on (its licence is not stated per
 *    file, so it is used for evaluation only), every slice of it: how the figures hold on a source the models never saw.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CT_PRESETS, type DisplayModel } from '../../src-shared/windows.js';

/** One slice: its file, its source, its precision (bits stored) and, over 8 bits, how a reader sees it. */
export interface Item { file: string; source: string; precision: number; display?: DisplayModel; ct: boolean }

/** A CSV file's rows by column name (RFC 4180 quoting: the licence column holds commas). */
export function csv(path: string): Record<string, string>[] {
  const fields = (line: string) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1)
    .map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"'));
  const [head, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = fields(head!);
  return rows.map((r) => Object.fromEntries(fields(r).map((v, i) => [cols[i]!, v])));
}

/** About n of a source's slices, spread over it (every k-th). */
export function spread<T>(all: T[], n: number): T[] {
  const step = Math.max(1, Math.floor(all.length / n));
  return all.filter((_, i) => i % step === 0).slice(0, n);
}

/** A 16-bit slice as its DICOM would be read: rescale from the manifest, CT in HU with the CT presets. */
function sixteenBit(dir: string, r: Record<string, string>, source: string): Item {
  const ct = r.modality === 'CT';
  const display: DisplayModel = {
    mapping: { offset: 0, inverted: false, signed: false, bitsStored: 16, slope: Number(r.rescale_slope), intercept: Number(r.rescale_intercept) },
    units: ct ? 'HU' : '', monochrome1: false, percentile: !ct,
    windows: ct ? [...CT_PRESETS] : [{ name: 'file window', center: Number(r.window_center), width: Number(r.window_width), source: 'file' }],
  };
  return { file: join(dir, r.file!), source, precision: Number(r.bits_stored) || 16, display, ct };
}

/** Every evaluation source and its slices, in this order: 8-bit val, 16-bit val, then the unseen ones if present. */
export function evaluationSources(data: string): Map<string, Item[]> {
  const m = new Map<string, Item[]>();
  const add = (it: Item) => m.set(it.source, [...(m.get(it.source) ?? []), it]);
  const eight = join(data, 'mri-ct-slices');
  for (const r of csv(join(eight, 'manifest.csv')).filter((x) => x.split === 'val')) {
    add({ file: join(eight, r.file!), source: `mri-ct-slices/${r.source}`, precision: 8, ct: false });
  }
  const sixteen = join(data, 'slices16');
  for (const r of csv(join(sixteen, 'manifest.csv')).filter((x) => x.split === 'val')) add(sixteenBit(sixteen, r, `slices16/${r.source}`));
  const optional = join(sixteen, 'optional', 'manifest.csv');
  // Its file column already starts with "optional/".
  if (existsSync(optional)) for (const r of csv(optional)) add(sixteenBit(sixteen, r, `unseen/${r.source}`));
  return m;
}

/** Whether a source is one no model was trained on. */
export const isUnseen = (source: string) => source.startsWith('unseen/');
