/**
 * What a reader is told of an .aeimg changed on its way, or of another file given as one (0.47): each named for what
 * it is, with what to do. Before, all but the first were "is not an aeimg file", "update aeimg", or a key "not in the
 * keychain" whose fingerprint was the keychain's own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AeimgReader } from '../../../src-main/engine/container/aeimg-file.js';
import { MAGIC } from '../../../src-main/engine/container/header.js';
import { AeimgError } from '../../../src-main/engine/errors.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { aeimgNamedRefusal } from '../../../src-main/engine/jobs/files.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { CT_SLICE, defaultModel, FIXTURES, tempDir } from '../../helpers.js';

const key = generateSharedKey('k1');
let sealed: Buffer;
beforeAll(async () => {
  const dir = await tempDir();
  await copyFile(CT_SLICE, join(dir, 'ct.png'));
  const enc = await encryptImageFile(join(dir, 'ct.png'), { model: await defaultModel(), recipients: [key], measure: false });
  sealed = await readFile(enc.output);
});

/** What opening `data`, saved as `name`, says. */
async function said(data: Buffer, name = 'x.aeimg'): Promise<string> {
  const dir = await tempDir();
  await writeFile(join(dir, name), data);
  return AeimgReader.open(join(dir, name), [key]).then(async (r) => { await r.close(); return 'opened'; }, (e: AeimgError) => e.message);
}

describe('an .aeimg changed on its way is named for what happened to it', () => {
  it('saved as base64 text, its line ends converted, something put in front of it', async () => {
    expect(await said(sealed)).toBe('opened');
    const save = 'Save the attachment itself again from the e-mail (its "Save attachment"), or ask the sender to send the file again.';
    const base64 = Buffer.from(`Content-Transfer-Encoding: base64\r\n\r\n${sealed.toString('base64').replace(/.{76}/g, '$&\r\n')}`);
    expect(await said(base64)).toBe(`x.aeimg: is an .aeimg file as base64 text (how an e-mail carries an attachment, as its source shows it), not the file itself. ${save}`);
    const lf = Buffer.from(sealed.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    expect(await said(lf)).toMatch(/^x\.aeimg: is an \.aeimg file whose line ends were converted, as to text/);
    const crlf = Buffer.from(sealed.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    expect(await said(crlf)).toMatch(/^x\.aeimg: is an \.aeimg file whose line ends were converted/);
    expect(await said(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), sealed]))).toBe(`x.aeimg: is an .aeimg file with a text editor's byte-order mark put in front of it, which it does not read past. ${save}`);
    expect(await said(Buffer.concat([Buffer.alloc(100, 0x20), sealed]))).toMatch(/^x\.aeimg: is an \.aeimg file with 100 bytes of something else put in front of it/);
    // Anything else is no .aeimg, with what to do (0.46 said which bytes, not what to do).
    expect(await said(Buffer.from('Dear colleague, the images follow.'))).toBe('x.aeimg: is not an aeimg file (its first bytes are not the aeimg signature). ' +
      'If it came as an e-mail attachment, save the attachment itself again; otherwise ask the sender for the .aeimg file aeimg wrote.');
  });

  it('a changed byte in its key entry or its version: damaged, not another key, not only "update aeimg"', async () => {
    const id = Buffer.from(key.keyId, 'hex');
    const at = sealed.indexOf(id) >= 0 ? sealed.indexOf(id) + 15 : sealed.indexOf(Buffer.from(key.keyId, 'latin1')) + 31;
    expect(at).toBeGreaterThan(15); // the key id is in the header, as bytes or as hex
    const flipped = Buffer.from(sealed);
    flipped[at] = flipped[at]! ^ (sealed.indexOf(id) >= 0 ? 1 : 3); // past the fingerprint's 24 hex digits; hex stays hex (0 ↔ 3, 1 ↔ 2…)
    expect(await said(flipped)).toBe(`x.aeimg: names ${key.description} in its header, but that key does not open it: the file was altered or damaged in transit. Ask the sender for a new copy.`);
    const version = Buffer.from(sealed);
    version[MAGIC.length] = 9;
    expect(await said(version)).toMatch(/was written by a newer aeimg \(format version 9; .*\), or its header was damaged in transit\. Update aeimg to open it; if the sender's aeimg is no newer than yours, ask the sender for a new copy\.$/);
  });

  it.skipIf(!existsSync('/usr/bin/dcmodify'))('a DICOM file whose preamble holds a TIFF header is named a DICOM file, opened or encrypted as .aeimg', async () => {
    const dcm = Buffer.from(await readFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm')));
    Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]).copy(dcm, 0); // II*\0: a TIFF header in the 128-byte preamble
    expect(await said(dcm, 'ct.aeimg')).toBe('ct.aeimg: is a DICOM file, not an .aeimg file: it is not encrypted, and opens in a DICOM viewer. ' +
      'If an .aeimg file was expected, ask its sender for the file aeimg wrote.'); // 0.46: "is a TIFF image"
    const dir = await tempDir();
    await writeFile(join(dir, 'ct.aeimg'), dcm);
    expect((await aeimgNamedRefusal(join(dir, 'ct.aeimg'))).message).toBe('is named .aeimg but is a DICOM file, not an encrypted file: give it its own extension (.dcm) to encrypt it.');
    execFileSync('/usr/bin/dcmodify', ['--version'], { stdio: 'ignore' }); // dcmtk present: the fixture is DICOM as it reads it
  });
});
