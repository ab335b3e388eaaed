/**
 * The series of an opened study, for the viewer's series picker: a study sent from a CD holds several (a scout, the
 * axial series, reformats), in viewing order (dicom/order.ts), so each series is one run of images.
 */
import type { OpenedImageInfo } from '../../../src-shared/api';
import { seriesKey, seriesLabel } from '../../../src-shared/series';

export interface SeriesRun {
  /** "Series 3 AX T2 — MR, 24 images". */
  label: string;
  /** Index of its first image, and how many it has. */
  first: number;
  count: number;
}

/** Runs of images of one series (by its UID, else its number and description); none for a single series. */
export function seriesRuns(images: readonly Pick<OpenedImageInfo, 'dicom'>[]): SeriesRun[] {
  const key = (i: Pick<OpenedImageInfo, 'dicom'>) => seriesKey(i.dicom);
  const runs: SeriesRun[] = [];
  images.forEach((image, index) => {
    const last = runs[runs.length - 1];
    if (last && key(images[last.first]!) === key(image)) last.count++;
    else runs.push({ label: '', first: index, count: 1 });
  });
  if (runs.length < 2) return [];
  for (const run of runs) run.label = `${seriesLabel(images[run.first]!.dicom)}, ${run.count} image${run.count === 1 ? '' : 's'}`;
  return runs;
}

/** The run that holds image `index`. */
export function runOf(runs: readonly SeriesRun[], index: number): number {
  return runs.findIndex((r) => index >= r.first && index < r.first + r.count);
}
