/**
 * An angiography run's mask subtraction (DSA: Mask Subtraction Sequence, 0028,6100): aeimg carries the native frames,
 * which its viewer shows unsubtracted, so the sender is told (aeimg 0.32; before, nothing was said).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import { defaultModel, FIXTURES, tempDir } from '../../helpers.js';

const DCMODIFY = ['/usr/bin/dcmodify'].find(existsSync);
const key = generateSharedKey('Angio');

describe.skipIf(!DCMODIFY)('a subtraction run (DSA)', () => {
  it('is named to the sender with its masks, as its viewer will show the native frames; a run without masks is not', { timeout: 60_000 }, async () => {
    const dir = await tempDir();
    const xa = join(FIXTURES, 'dicom', 'xa_4frame_jpeg_lossless.dcm');
    const dsa = join(dir, 'dsa.dcm'), masksOnly = join(dir, 'masks.dcm');
    await copyFile(xa, dsa);
    execFileSync(DCMODIFY!, ['-nb', '-i', '(0028,6100)[0].(0028,6101)=AVG_SUB', '-i', '(0028,6100)[0].(0028,6110)=1', '-i', '(0028,6100)[0].(0028,6102)=2\\4',
      '-i', '(0028,1090)=SUB', dsa], { stdio: 'ignore' });
    await copyFile(xa, masksOnly);
    execFileSync(DCMODIFY!, ['-nb', '-i', '(0028,6100)[0].(0028,6101)=TID', masksOnly], { stdio: 'ignore' });
    const model = await defaultModel();
    const said = async (input: string) => (await encryptImageFile(input, { model, recipients: [key], outDir: dir })).warnings.filter((w) => w.includes('0028,6100'));
    const rest = 'which a viewer that subtracts shows in place of the native frames. aeimg carries the native frames: the reader\'s viewer shows them ' +
      'without the subtraction, and DICOM output writes them without the masks. If the reader needs the subtracted run, export it subtracted at the ' +
      'workstation and send that too.';
    expect(await said(dsa)).toEqual([`dsa.dcm is a subtraction run (DSA): its Mask Subtraction Sequence (0028,6100) gives AVG_SUB of mask frame 1, and its ` +
      `Recommended Viewing Mode is SUB, ${rest}`]);
    expect(await said(masksOnly)).toEqual([`masks.dcm is a subtraction run (DSA): its Mask Subtraction Sequence (0028,6100) gives TID, ${rest}`]);
    expect(await said(xa)).toEqual([]);
  });
});
