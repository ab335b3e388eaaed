/**
 * What format 2's binary entries (entries.ts, entries-fidelity.ts) share: the check that an object has only the keys a
 * binary form carries, the canonical JSON a written entry is compared with after decoding it, and the bounds.
 */
export type Obj = Record<string, unknown>;

/** Bounds on a text field of a record (the app name, a window's name or explanation). */
export const MAX_TEXT = 4096;

/** The entry has something its binary form cannot carry exactly: it is written as JSON instead. */
export class NotBinary extends Error {}

/** `o` as an object, if it has no key outside `keys` (keys set to undefined aside); else NotBinary. */
export function only(o: unknown, keys: readonly string[]): Obj {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new NotBinary();
  for (const k of Object.keys(o)) if ((o as Obj)[k] !== undefined && !keys.includes(k)) throw new NotBinary();
  return o as Obj;
}

/** JSON with keys sorted: how an entry and its decoding are compared. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Obj).filter(([, y]) => y !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)))
    : x));
}

export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 2 ** 48;
