/**
 * What aeimg reads of DICOM WG04's compression test set, against its uncompressed references (the set's own ground
 * truth, not another toolkit's reading): every compressed file in DIR/<SET>/<NAME>_<SET> beside DIR/REF/<NAME>_UNC,
 * read by aeimg both, compared sample for sample. A lossless set (J2KR, JLSL, JPLL, RLE) must read equal; a
 * near-lossless JPEG-LS file (JLSN) within its NEAR; lossy ones (J2KI, JPLY) are listed with their largest difference
 * (JPLY holds 12-bit data where the references of some are signed 16-bit: compare those with `audit:files --gdcm`).
 *   npx tsx scripts/wg04-reference.ts DIR        (DIR: robyoung/dicom-test-files' data/WG04, .zst files unpacked)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomFile } from '../src-main/engine/dicom/import.js';

const LOSSLESS = new Set(['J2KR', 'JLSL', 'JPLL', 'RLE']);
const root = process.argv[2];
if (!root || !existsSync(join(root, 'REF'))) {
  process.stderr.write('usage: npx tsx scripts/wg04-reference.ts DIR (the WG04 folder, holding REF/)\n');
  process.exit(2);
}
const read = async (p: string) => (await readDicomFile(p, { maxPixels: 1e9, deidentify: null })).map((f) => f.image);
/** A JPEG-LS codestream's NEAR (its first scan header's), 0 where there is none. */
const nearOf = (p: string) => {
  const b = readFileSync(p);
  const sos = b.indexOf(Buffer.from([0xff, 0xda]));
  return sos < 0 ? 0 : b[sos + 5 + 2 * b[sos + 4]!] ?? 0;
};
let failures = 0;
for (const set of readdirSync(root).filter((s) => s !== 'REF').sort()) {
  for (const name of readdirSync(join(root, set)).sort()) {
    const ref = join(root, 'REF', name.replace(/_[A-Z0-9]+$/, '_UNC'));
    if (!existsSync(ref)) { process.stdout.write(`${set}/${name}: no reference\n`); continue; }
    try {
      const [got, want] = [await read(join(root, set, name)), await read(ref)];
      let max = 0;
      const shape = got.length !== want.length ? `${got.length} frames, the reference ${want.length}`
        : got.find((g, k) => g.width !== want[k]!.width || g.height !== want[k]!.height || g.channels !== want[k]!.channels) ? 'another shape' : '';
      if (!shape) got.forEach((g, k) => g.pixels.forEach((v, i) => { max = Math.max(max, Math.abs(v - want[k]!.pixels[i]!)); }));
      const bound = LOSSLESS.has(set) ? 0 : set === 'JLSN' ? nearOf(join(root, set, name)) : undefined;
      const ok = !shape && (bound === undefined || max <= bound);
      if (!ok) failures++;
      process.stdout.write(`${set}/${name}: ${shape || `largest difference ${max}`}${bound === undefined ? ' (lossy)' : `, bound ±${bound}`}${ok ? '' : ' FAILED'}\n`);
    } catch (err) {
      failures++;
      process.stdout.write(`${set}/${name}: could not be read: ${(err as Error).message}\n`);
    }
  }
}
process.stdout.write(`${failures} failures\n`);
process.exit(failures ? 1 : 0);
