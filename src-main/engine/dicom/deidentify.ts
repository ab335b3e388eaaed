/**
 * De-identification after DICOM PS3.15 Annex E, Basic Application Level Confidentiality Profile, with the
 * options Retain Longitudinal Temporal Information with Full Dates, Retain UIDs, Retain Device Identity and
 * Retain Institution Identity. Applies to the plain attributes aeimg carries (dataset.ts): private attributes,
 * sequences and overlays/curves are never carried, which the profile requires to be removed anyway.
 * Burned-in annotations are not detected in pixels; a file that says BurnedInAnnotation YES is flagged.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { firstString, type DicomJson, type JsonAttribute } from './dataset.js';

export interface DeidentifyOptions {
  retainDates?: boolean;
  retainUids?: boolean;
  retainDevice?: boolean;
  retainInstitution?: boolean;
  /**
   * PS3.15 E.3.3 Clean Graphics Option (aeimg 0.21): a study's presentation states go cleaned, their graphics, window,
   * turn, zoom, shutter and lookup tables without their text, labels and creator (dicom/presentation-state.ts
   * cleanedState), and its key object selections as their title codes (cleanedKeyObject), where the basic profile
   * removes both; the images' overlays are still removed (removal cleans them).
   */
  cleanGraphics?: boolean;
}

/** What to do with an attribute: X remove, Z empty, D dummy value, U new UID. */
type Action = 'X' | 'Z' | 'D' | 'U';
type Option = 'dates' | 'uids' | 'device' | 'institution';

/** [tag, basic-profile action, the option that retains it]. A subset of Table E.1-1: its non-sequence attributes. */
const TABLE: [string, Action, Option?][] = [
  // Patient
  ['00100010', 'Z'], ['00100020', 'Z'], ['00100021', 'X'], ['00100030', 'Z'], ['00100032', 'X'], ['00100040', 'Z'],
  ['00101000', 'X'], ['00101001', 'X'], ['00101002', 'X'], ['00101005', 'X'], ['00101010', 'X'], ['00101020', 'X'],
  ['00101030', 'X'], ['00101040', 'X'], ['00101050', 'X'], ['00101060', 'X'], ['00101080', 'X'], ['00101081', 'X'],
  ['00101090', 'X'], ['00102000', 'X'], ['00102110', 'X'], ['00102150', 'X'], ['00102152', 'X'], ['00102154', 'X'],
  ['00102160', 'X'], ['00102180', 'X'], ['001021A0', 'X'], ['001021B0', 'X'], ['001021C0', 'X'], ['001021D0', 'X'],
  ['001021F0', 'X'], ['00102203', 'X'], ['00102297', 'X'], ['00102299', 'X'], ['00104000', 'X'], ['00380010', 'X'],
  ['00380300', 'X'], ['00380400', 'X'], ['00380500', 'X'], ['00384000', 'X'], ['00400610', 'X'],
  // Study, visit, request
  ['00080050', 'Z'], ['00200010', 'Z'], ['00080090', 'Z'], ['00080092', 'X'], ['00080094', 'X'], ['00081030', 'X'],
  ['0008103E', 'X'], ['00081048', 'X'], ['00081050', 'X'], ['00081060', 'X'], ['00081070', 'X'], ['00081080', 'X'],
  ['00082111', 'X'], ['00181030', 'X'], ['00181400', 'X'], ['00204000', 'X'], ['00321032', 'X'], ['00321033', 'X'],
  ['00321060', 'X'], ['00324000', 'X'], ['00401001', 'X'], ['00401400', 'X'], ['00402016', 'X'], ['00402017', 'X'],
  ['00402400', 'X'], ['00400254', 'X'], ['00400253', 'X'], ['00400280', 'X'], ['00400006', 'X'], ['00400007', 'X'],
  ['00400011', 'X'], ['00400241', 'X'], ['00400242', 'X'], ['00400243', 'X'], ['00080201', 'X'], ['00189424', 'X'],
  ['00400555', 'X'], ['00404036', 'X'], ['00404037', 'X'], ['00200027', 'X'], ['00184000', 'X'], ['00189185', 'X'],
  ['00080080', 'X', 'institution'], ['00080081', 'X', 'institution'], ['00081040', 'X', 'institution'],
  ['00081010', 'X', 'device'], ['00181000', 'X', 'device'], ['00181002', 'U', 'device'], ['0018700A', 'X', 'device'],
  ['00181004', 'X', 'device'], ['00181005', 'X', 'device'], ['00181007', 'X', 'device'], ['00181008', 'X', 'device'],
  ['00181009', 'X', 'device'], ['00181010', 'X', 'device'], ['00181012', 'X', 'dates'], ['00181014', 'X', 'dates'],
  // Dates and times
  ['00080020', 'Z', 'dates'], ['00080030', 'Z', 'dates'], ['00080021', 'X', 'dates'], ['00080031', 'X', 'dates'],
  ['00080022', 'X', 'dates'], ['00080032', 'X', 'dates'], ['0008002A', 'X', 'dates'], ['00080023', 'Z', 'dates'],
  ['00080033', 'Z', 'dates'], ['00080012', 'X', 'dates'], ['00080013', 'X', 'dates'], ['00080015', 'X', 'dates'],
  ['00080014', 'U', 'uids'], ['00080024', 'X', 'dates'], ['00080034', 'X', 'dates'], ['00080025', 'X', 'dates'],
  ['00080035', 'X', 'dates'], ['00080201', 'X', 'dates'], ['00181200', 'X', 'dates'], ['00181201', 'X', 'dates'],
  ['00321000', 'X', 'dates'], ['00321001', 'X', 'dates'], ['00321010', 'X', 'dates'], ['00321011', 'X', 'dates'],
  ['00321040', 'X', 'dates'], ['00321041', 'X', 'dates'], ['00321050', 'X', 'dates'], ['00321051', 'X', 'dates'],
  ['00400244', 'X', 'dates'], ['00400245', 'X', 'dates'], ['00400250', 'X', 'dates'], ['00400251', 'X', 'dates'],
  ['00380020', 'X', 'dates'], ['00380021', 'X', 'dates'], ['00380030', 'X', 'dates'], ['00380032', 'X', 'dates'],
  // UIDs
  ['00080018', 'U', 'uids'], ['0020000D', 'U', 'uids'], ['0020000E', 'U', 'uids'], ['00200052', 'U', 'uids'],
  ['00200200', 'U', 'uids'], ['00081155', 'U', 'uids'], ['00209161', 'U', 'uids'], ['00209164', 'U', 'uids'],
  ['00083010', 'U', 'uids'], ['0040A124', 'U', 'uids'], ['00880140', 'U', 'uids'], ['30060024', 'U', 'uids'],
  ['300600C2', 'U', 'uids'], ['0040DB0C', 'U', 'uids'], ['0040DB0D', 'U', 'uids'], ['00041511', 'U', 'uids'],
  // Free text that may name people
  ['00204000', 'X'], ['00400280', 'X'], ['0040A730', 'X'], ['00324000', 'X'], ['00102180', 'X'],
];

const RULES = new Map(TABLE.map(([tag, action, option]) => [tag, { action, option }]));

/** Value representations whose free text may identify someone: removed unless the table or a safe list keeps them. */
const NAME_VRS = new Set(['PN']);

function dummy(attr: JsonAttribute): JsonAttribute {
  const v = attr.vr === 'DA' ? '19000101' : attr.vr === 'TM' ? '000000' : attr.vr === 'PN' ? { Alphabetic: 'ANONYMOUS' } : 'ANONYMIZED';
  return { vr: attr.vr, Value: [v] };
}

/** Maps UIDs consistently within one run (a study keeps its structure) and unlinkably across runs. */
export class UidMapper {
  /** One salt per job: the same input UID maps to the same output UID within it. */
  constructor(private readonly salt: Buffer = randomBytes(32)) {}

  map(uid: string): string {
    const h = createHmac('sha256', this.salt).update(uid).digest();
    // 2.25.<128-bit integer>: a UUID-derived UID (PS3.5 B.2), no root needed.
    return `2.25.${BigInt(`0x${h.subarray(0, 16).toString('hex')}`).toString()}`;
  }
}

const OPTION_CODES: Record<Option, [string, string]> = {
  dates: ['113106', 'Retain Longitudinal Temporal Information Full Dates Option'],
  uids: ['113110', 'Retain UIDs Option'],
  device: ['113109', 'Retain Device Identity Option'],
  institution: ['113112', 'Retain Institution Identity Option'],
};

const CLEAN_GRAPHICS: [string, string] = ['113103', 'Clean Graphics Option'];

/** Applies the profile; returns a new dataset recording what was done (0012,0062/0063/0064, 0028,0303). */
export function deidentify(json: DicomJson, opts: DeidentifyOptions, uids: UidMapper): DicomJson {
  const retained = new Set<Option>();
  if (opts.retainDates) retained.add('dates');
  if (opts.retainUids) retained.add('uids');
  if (opts.retainDevice) retained.add('device');
  if (opts.retainInstitution) retained.add('institution');
  const out: DicomJson = {};
  for (const [tag, attr] of Object.entries(json)) {
    const rule = RULES.get(tag);
    if (!rule) {
      if (!NAME_VRS.has(attr.vr)) out[tag] = attr;
      continue;
    }
    if (rule.option && retained.has(rule.option)) {
      out[tag] = attr;
      continue;
    }
    switch (rule.action) {
      case 'X': break;
      case 'Z': out[tag] = { vr: attr.vr }; break;
      case 'D': out[tag] = dummy(attr); break;
      case 'U': out[tag] = { vr: attr.vr, Value: (attr.Value ?? []).map((u) => uids.map(String(u))) }; break;
    }
  }
  const options = [...[...retained].sort().map((o) => OPTION_CODES[o]), ...(opts.cleanGraphics ? [CLEAN_GRAPHICS] : [])];
  out['00120062'] = { vr: 'CS', Value: ['YES'] };
  out['00120063'] = { vr: 'LO', Value: [`aeimg: PS3.15 Annex E Basic Profile${options.map((o) => `, ${o[1]}`).join('')}`.slice(0, 64)] };
  out['00120064'] = {
    vr: 'SQ',
    Value: [['113100', 'Basic Application Confidentiality Profile'], ...options].map(([code, meaning]) => ({
      '00080100': { vr: 'SH', Value: [code] }, '00080102': { vr: 'SH', Value: ['DCM'] }, '00080104': { vr: 'LO', Value: [meaning] },
    })) as never,
  };
  out['00280303'] = { vr: 'CS', Value: [retained.has('dates') ? 'UNMODIFIED' : 'REMOVED'] };
  return out;
}

/** Parses a de-identification choice: none, or basic with comma-separated retain options. */
export function parseDeidentify(value: string): DeidentifyOptions | null {
  const [profile, ...rest] = value.split(',').map((s) => s.trim().toLowerCase());
  if (profile === 'none') return null;
  if (profile !== 'basic') throw new Error(`unknown de-identification profile "${profile}" (use basic or none)`);
  const opts: DeidentifyOptions = {};
  for (const o of rest) {
    if (o === 'retain-dates') opts.retainDates = true;
    else if (o === 'retain-uids') opts.retainUids = true;
    else if (o === 'retain-device') opts.retainDevice = true;
    else if (o === 'retain-institution') opts.retainInstitution = true;
    else if (o === 'clean-graphics') opts.cleanGraphics = true;
    else throw new Error(`unknown de-identification option "${o}" (retain-dates, retain-uids, retain-device, retain-institution, clean-graphics)`);
  }
  return opts;
}

export function isDeidentified(json: DicomJson): boolean {
  return firstString(json, '00120062') === 'YES';
}
