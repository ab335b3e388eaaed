/**
 * File and folder names that must all fit into one folder: a decrypted study's images, its series' folders, and the
 * presentation states, key-image notes and reports written beside them. Names are compared as macOS and Windows
 * compare them (without case, Unicode composed), so two names that differ only in case never land on one file there:
 * the second would fail as "already exists" in a folder that held nothing, or, forced, replace the first.
 */

/** How a name is compared: without case, composed (a macOS name spells "ü" as u + a combining mark). */
const nameKey = (name: string) => name.normalize('NFC').toLowerCase();

export class UniqueNames {
  private readonly taken = new Set<string>();

  /** `taken`: names already in the folder (placed before these), which no new name may take. */
  constructor(taken: Iterable<string> = []) {
    for (const name of taken) this.taken.add(nameKey(name));
  }

  /** The first of `candidate(1)`, `candidate(2)`, … that is not taken (`numbered`: name.ext, name-2.ext, …), now taken. */
  claim(candidate: (k: number) => string): string {
    let name = candidate(1);
    for (let k = 2; this.taken.has(nameKey(name)); k++) name = candidate(k);
    this.taken.add(nameKey(name));
    return name;
  }
}

/** `stem + ext`, then `stem-2 + ext`, `stem-3 + ext`, … */
export const numbered = (stem: string, ext = '') => (k: number) => (k === 1 ? `${stem}${ext}` : `${stem}-${k}${ext}`);
