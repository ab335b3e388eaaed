/**
 * Names and text in the character sets a DICOM file declares, as the reader is shown them: Japanese and Korean sites
 * switch sets inside a value (ISO 2022 code extensions). The byte strings are PS3.5's own examples (Annex H and I).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { charsetDecoder } from '../../../src-main/engine/dicom/charset.js';
import { readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { decryptAeimgFile } from '../../../src-main/engine/jobs/decrypt.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { defaultModel, dicomDataset, FIXTURES, models, tempDir } from '../../helpers.js';

const ESC = '\x1b';
const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : p)));

/** PS3.5 H.3.1: JIS X 0208 (ideographs, hiragana) by escape sequences after ASCII. */
const H31 = bytes(`Yamada^Tarou=${ESC}$B;3ED${ESC}(B^${ESC}$BB@O:${ESC}(B=${ESC}$B$d$^$@${ESC}(B^${ESC}$B$?$m$&${ESC}(B`);
/** PS3.5 H.3.2: JIS X 0201 half-width katakana first (GR bytes), then JIS X 0208. */
const H32 = bytes([0xd4, 0xcf, 0xc0, 0xde], '^', [0xc0, 0xdb, 0xb3], `=${ESC}$B;3ED${ESC}(J^${ESC}$BB@O:${ESC}(J=${ESC}$B$d$^$@${ESC}(J^${ESC}$B$?$m$&${ESC}(J`);
/** PS3.5 I.2: KS X 1001 (Hanja, Hangul) in GR after its designation. */
const I2 = bytes(`Hong^Gildong=${ESC}$)C`, [0xfb, 0xf3], `^${ESC}$)C`, [0xd1, 0xce, 0xd4, 0xd7], `=${ESC}$)C`, [0xc8, 0xab], `^${ESC}$)C`, [0xb1, 0xe6, 0xb5, 0xbf]);

describe('text in the character sets a file declares', () => {
  it('code extensions switch sets inside a value, and a delimiter returns to the first value\'s set', () => {
    expect(charsetDecoder('\\ISO 2022 IR 87')(H31, 'PN')).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
    expect(charsetDecoder('ISO 2022 IR 13\\ISO 2022 IR 87')(H32, 'PN')).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう');
    expect(charsetDecoder('\\ISO 2022 IR 149')(I2, 'PN')).toBe('Hong^Gildong=洪^吉洞=홍^길동');
    // Single sets decode whole; an unknown term keeps every byte (Latin-1).
    expect(charsetDecoder('ISO_IR 126')(Uint8Array.of(0xc4, 0xe9, 0xef, 0xed, 0xf5, 0xf3, 0xe9, 0xef, 0xf2), 'PN')).toBe('Διονυσιος');
    expect(charsetDecoder('ISO_IR 192')(new TextEncoder().encode('Wang^XiaoDong=王^小東'), 'PN')).toBe('Wang^XiaoDong=王^小東');
    expect(charsetDecoder('NOT A SET')(Uint8Array.of(0x4a, 0xe9), 'LO')).toBe('Jé');
  });
});

const dcmodify = ['/usr/bin/dcmodify'].find(existsSync);

describe.skipIf(!dcmodify)('a name in a Korean file, sent with its header', () => {
  let model: Autoencoder;
  beforeAll(async () => { model = await defaultModel(); });

  it('reaches the reader as the file says it, in UTF-8 DICOM', async () => {
    const dir = await tempDir();
    const input = join(dir, 'kr.dcm');
    await copyFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), input);
    execFileSync(dcmodify!, ['-nb', '-i', '(0008,0005)=\\ISO 2022 IR 149', '-i', '(0010,0010)=PLACEHOLDER', input], { stdio: 'ignore' });
    // The name's bytes put in place of the placeholder (explicit VR: its 16-bit length just before it), padded to even.
    const file = readFileSync(input);
    const at = file.indexOf('PLACEHOLDER');
    const value = Buffer.concat([Buffer.from(I2), Buffer.from(I2.length % 2 ? ' ' : '')]);
    const length = Buffer.alloc(2);
    length.writeUInt16LE(value.length);
    await writeFile(input, Buffer.concat([file.subarray(0, at - 2), length, value, file.subarray(at + file.readUInt16LE(at - 2))]));
    const [frame] = await readDicomFile(input, { maxPixels: 1e8, deidentify: null });
    expect(frame!.dicom.dataset['00100010']?.Value).toEqual([{ Alphabetic: 'Hong^Gildong=洪^吉洞=홍^길동' }]);
    const key = generateSharedKey('Seoul');
    const enc = await encryptImageFile(input, { model, recipients: [key], deidentify: null, measure: false });
    const out = join(dir, 'out');
    await mkdir(out);
    const dec = await decryptAeimgFile(enc.output, { identities: [key], models: models(), outDir: out, format: 'dcm' });
    const ds = dicomDataset<Record<string, { Value?: unknown[] }>>(dec.images[0]!.output!);
    expect(ds['00080005']?.Value).toEqual(['ISO_IR 192']);
    expect(ds['00100010']?.Value).toEqual([{ Alphabetic: 'Hong^Gildong', Ideographic: '洪^吉洞', Phonetic: '홍^길동' }]); // dcmjs's reading
  });
});
