/**
 * PET's standardised uptake value by body weight (SUVbw), as a PET reader reads it: activity concentration (Bq/ml)
 * × patient weight (g) / injected dose decay-corrected to the scan's start (Bq), after the vendor-neutral recipe of
 * QIBA's SUV technical subcommittee. Its inputs (weight, dose, injection and scan times) are what de-identification
 * removes, so the sender computes the one factor from the file as it is, and only the factor travels: the receiver
 * shows SUVbw without ever getting the weight or the times. Likewise SUL, the SUV by lean body mass that PERCIST reads
 * (0.13), whose lean body mass takes the height and sex too.
 */
import type { DataSet } from 'dicom-parser';

/** Seconds since an arbitrary epoch of a DICOM date (YYYYMMDD) and time (HHMMSS.FFFFFF); undefined if malformed. */
function seconds(date: string | undefined, time: string | undefined): number | undefined {
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec((date ?? '').trim());
  const t = /^(\d{2})(\d{2})?(\d{2})?(\.\d+)?$/.exec((time ?? '').trim().replace(/:/g, ''));
  if (!d || !t) return undefined;
  const day = Date.UTC(Number(d[1]), Number(d[2]) - 1, Number(d[3])) / 1000;
  return day + Number(t[1]) * 3600 + Number(t[2] ?? 0) * 60 + Number(t[3] ?? 0) + Number(t[4] ?? 0);
}

/** A DateTime (YYYYMMDDHHMMSS.FFFFFF, offset ignored) in seconds. */
function dateTimeSeconds(dt: string | undefined): number | undefined {
  const m = /^(\d{8})(\d{2,6}(?:\.\d+)?)/.exec((dt ?? '').trim());
  return m ? seconds(m[1], m[2]) : undefined;
}

const text = (ds: DataSet, tag: string) => ds.string(tag)?.trim() || undefined;
const positive = (ds: DataSet, tag: string) => {
  const v = Number(text(ds, tag));
  return Number.isFinite(v) && v > 0 ? v : undefined;
};

const PHILIPS_PET = 'Philips PET Private Group';

/**
 * Philips PET in counts (Units CNTS, which QIBA's recipe cannot turn into SUV): the scanner's own SUV Scale Factor,
 * private (7053,xx00) of the block reserved by "Philips PET Private Group", which turns the rescaled counts into SUVbw
 * (QIBA's vendor-neutral pseudo-code takes it so). Read only where that creator reserved the block, as a decimal string
 * (its VR, DS) or a double; undefined where absent, zero or not a finite positive number.
 */
function philipsSuvScale(ds: DataSet): number | undefined {
  for (let block = 0x10; block <= 0xff; block++) {
    const hex = block.toString(16).padStart(2, '0');
    if (text(ds, `x705300${hex}`) !== PHILIPS_PET) continue;
    const tag = `x7053${hex}00`;
    const el = ds.elements[tag];
    const v = el?.vr === 'FD' && el.length === 8 ? ds.double(tag) : Number(text(ds, tag));
    return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
  }
  return undefined;
}

/**
 * The factor that turns a PET frame's Bq/ml into SUVbw (g/ml), or undefined where the file does not have what it
 * takes: Modality PT in Units BQML, decay-corrected to the scan's start (Decay Correction START) or to the
 * injection (ADMIN), the patient's weight, and the first Radiopharmaceutical Information item's total dose, half-life
 * and start (its DateTime, else its Time on the series' date); the scan's start is the Series Date/Time, or the
 * Acquisition Time of the same date where that is earlier (a scanner that writes the series time after the
 * acquisition's, as some do, does not shorten the decay), and the decay between them must be between 0 and 24 hours.
 * Philips PET in counts (CNTS): its private SUV Scale Factor, which turns the counts into SUVbw (`philipsSuvScale`).
 */
export function suvBwFactor(ds: DataSet): number | undefined {
  if (text(ds, 'x00080060') !== 'PT') return undefined;
  if (text(ds, 'x00541001') === 'CNTS') return philipsSuvScale(ds);
  if (text(ds, 'x00541001') !== 'BQML') return undefined;
  const correction = text(ds, 'x00541102');
  const weight = positive(ds, 'x00101030');
  const item = ds.elements.x00540016?.items?.[0]?.dataSet;
  if (!weight || !item || (correction !== 'START' && correction !== 'ADMIN')) return undefined;
  const dose = positive(item, 'x00181074');
  const halfLife = positive(item, 'x00181075');
  if (!dose || !halfLife) return undefined;
  if (correction === 'ADMIN') return (weight * 1000) / dose;
  const seriesDate = text(ds, 'x00080021');
  const injected = dateTimeSeconds(text(item, 'x00181078')) ?? seconds(seriesDate, text(item, 'x00181072'));
  const series = seconds(seriesDate, text(ds, 'x00080031'));
  const acquisitionDate = text(ds, 'x00080022');
  const acquisition = !acquisitionDate || acquisitionDate === seriesDate ? seconds(seriesDate, text(ds, 'x00080032')) : undefined;
  if (injected === undefined || series === undefined) return undefined;
  const decay = Math.min(series, acquisition ?? series) - injected;
  if (!(decay >= 0 && decay <= 24 * 3600)) return undefined;
  return (weight * 1000) / (dose * 2 ** (-decay / halfLife));
}

/**
 * The factor that turns a PET frame's Bq/ml into SUL (SUV by lean body mass, g/ml), from its SUVbw factor: lean body
 * mass over weight, by Janmahasatian's formula as PERCIST 1.0 specifies (male 9270·W / (6680 + 216·BMI), female
 * 9270·W / (8780 + 244·BMI); W in kg, BMI = W / H², H in m). Undefined without Patient's Sex M or F, or without a
 * Patient's Size between 0.5 and 2.5 m: a height written in centimetres (175) is not taken for metres.
 */
export function sulFactor(ds: DataSet, suvBw: number | undefined): number | undefined {
  const weight = positive(ds, 'x00101030');
  const height = positive(ds, 'x00101020');
  const sex = text(ds, 'x00100040');
  if (!suvBw || !weight || !height || height < 0.5 || height > 2.5 || (sex !== 'M' && sex !== 'F')) return undefined;
  const bmi = weight / (height * height);
  const leanOverWeight = sex === 'M' ? 9270 / (6680 + 216 * bmi) : 9270 / (8780 + 244 * bmi);
  return suvBw * leanOverWeight;
}
