import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodePng, readImageFile } from '../../src-main/engine/image/io.js';
import { MR_SLICE, CT_SLICE, CT_HU_SLICE, FIXTURES, phantom, ROOT, tempDir, tiffOf, twoSeriesCd } from '../helpers.js';
import { overlayDicom } from '../overlay-dicom.js';
import { DEFAULT_SHUTTER, shutterDicom } from '../shutter-dicom.js';
import { CT_SMALL_SOP, presentationStateDicom } from '../presentation-state-dicom.js';
import { keyObjectDicom } from '../key-object-dicom.js';
import dcmjs from 'dcmjs';
import sharp from 'sharp';

const run = promisify(execFile);

async function aeimg(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin/aeimg.js'), ...args], { cwd, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the aeimg command line', () => {
  it('train, its output in a log file, writes a progress line at each checkpoint, not a bar redrawn each step (0.50)', async () => {
    const dir = await tempDir();
    const r = await aeimg(['train', '--data', join(FIXTURES, 'slices'), '--out', join(dir, 'tiny'), '--epochs', '1', '--steps-per-epoch', '50',
      '--patch', '32', '--batch', '2', '--workers', '1']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('\r');
    const lines = r.stderr.split('\n').filter((l) => l.includes('epoch 1'));
    expect(lines.map((l) => l.replace(/loss [\d.]+.*$/, 'loss'))).toEqual(['  epoch 1 step 25/50 loss', '  epoch 1 step 50/50 loss', '  epoch 1: loss']);
    expect(r.stdout).toMatch(/^Trained 50 steps in \d+ s; model in /);
  });

  it('demo runs the whole path on the bundled slice and prints sizes, fidelity and stage times', async () => {
    const r = await aeimg(['demo']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/inference backend (wasm|cpu|tensorflow)/);
    const sizes = r.stdout.match(/raw ([\d.]+) KB \| PNG ([\d.]+) KB \| \.aeimg ([\d.]+) KB/);
    expect(sizes).not.toBeNull();
    const [raw, png, ae] = sizes!.slice(1).map(Number) as [number, number, number];
    expect(raw).toBe(64);
    expect(ae).toBeLessThan(png);
    const ssim = Number(r.stdout.match(/SSIM ([\d.]+)/)![1]);
    expect(ssim).toBeGreaterThanOrEqual(0.95);
    // The decoded PNG measured again reads what the sender was told (the file's figure).
    const told = r.stdout.match(/fidelity .*worst window full range: SSIM ([\d.]+), largest error (\d+)/);
    const check = r.stdout.match(/check .*largest error (\d+), worst window full range: SSIM ([\d.]+), PSNR [\d.]+ dB/);
    expect(told, r.stdout).not.toBeNull();
    expect(check, r.stdout).not.toBeNull();
    expect([check![2], check![1]]).toEqual([told![1], told![2]]);
    expect(r.stdout).toMatch(/quality +auto → within-1 \(coded directly, no latent, every pixel within ±1/);
    expect(r.stdout).toMatch(/encrypt +read \d+ ms, pixel coder \d+ ms, reader's figures \d+ ms, AES-GCM\+write \d+ ms/);
    expect(r.stdout).toMatch(/decode \+ PNG encode \d+ ms/);
  });

  it('demo -o keeps the folder\'s files: never the sample (its decrypted copy has its name), others only with --force', async () => {
    const dir = await tempDir();
    await copyFile(CT_SLICE, join(dir, 'ct.png'));
    const sample = await readFile(join(dir, 'ct.png'));
    for (const extra of [[], ['--force']]) {
      const r = await aeimg(['demo', '--sample', 'ct.png', '-o', '.', ...extra], dir);
      expect(r.code, r.stdout).not.toBe(0);
      expect(r.stderr).toMatch(/ct\.png would overwrite an input file/);
      expect((await readFile(join(dir, 'ct.png'))).equals(sample)).toBe(true);
      expect(existsSync(join(dir, 'ct.aeimg'))).toBe(false);
    }
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', 'ct.aeimg'), 'kept');
    const kept = await aeimg(['demo', '--sample', 'ct.png', '-o', 'out'], dir);
    expect(kept.code).not.toBe(0);
    expect(kept.stderr).toMatch(/ct\.aeimg already exists/);
    expect(await readFile(join(dir, 'out', 'ct.aeimg'), 'utf8')).toBe('kept');
    expect((await aeimg(['demo', '--sample', 'ct.png', '-o', 'out', '--force'], dir)).code).toBe(0);
    expect(existsSync(join(dir, 'out', 'ct.png'))).toBe(true);
  });

  it('encrypts a batch past a bad file, reports it at the end and exits 1', async () => {
    const dir = await tempDir();
    await copyFile(MR_SLICE, join(dir, 'a.png'));
    await copyFile(CT_SLICE, join(dir, 'b.png'));
    await writeFile(join(dir, 'notes.png'), 'not an image');
    expect((await aeimg(['keygen', '-o', 'dept.key'], dir)).code).toBe(0);
    const r = await aeimg(['encrypt', 'a.png', 'notes.png', 'b.png', 'missing.png', '--key-file', 'dept.key'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/a\.png → .*a\.aeimg/);
    expect(r.stdout).toMatch(/b\.png → .*b\.aeimg/);
    expect(r.stderr).toMatch(/Encrypted 2 of 4; 2 failed/);
    expect(r.stderr).toMatch(/notes\.png: is not an image/);
    expect(r.stderr).toMatch(/missing\.png: file not found/);
    expect((await readdir(dir)).sort()).toEqual(['a.aeimg', 'a.png', 'b.aeimg', 'b.png', 'dept.key', 'notes.png']);

    const inspect = await aeimg(['inspect', 'a.aeimg'], dir);
    expect(inspect.code).toBe(0);
    const fingerprint = (await readFile(join(dir, 'dept.key'), 'utf8')).match(/fingerprint (\S+)/)![1]!;
    expect(inspect.stdout).toContain(fingerprint);
    expect(inspect.stdout).not.toContain('a.png');

    const dec = await aeimg(['decrypt', 'a.aeimg', 'b.aeimg', '--key-file', 'dept.key', '-o', '.', '--force'], dir);
    expect(dec.code).toBe(0);
    expect(dec.stdout).toMatch(/Decrypted 2 of 2 files/);

    // A second keygen must not replace the key.
    const again = await aeimg(['keygen', '-o', 'dept.key'], dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/dept\.key already exists/);
  });

  it('takes folders: every image in them and their subfolders, in natural order, outputs in the same subfolders; decrypt likewise', async () => {
    const dir = await tempDir();
    const study = join(dir, 'study');
    await mkdir(join(study, 'series2'), { recursive: true });
    await copyFile(MR_SLICE, join(study, 'img10.png'));
    await copyFile(CT_SLICE, join(study, 'img9.png'));
    await copyFile(CT_SLICE, join(study, 'series2', 'img9.png'));
    await writeFile(join(study, 'readme.txt'), 'not an image');
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    const ok = await aeimg(['encrypt', 'study', '--key-file', 'k.key', '-o', 'out', '--jobs', '1'], dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout.indexOf('img9.png')).toBeLessThan(ok.stdout.indexOf('img10.png'));
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['img10.aeimg', 'img9.aeimg', 'series2']); // -o made the folder
    expect(await readdir(join(dir, 'out', 'series2'))).toEqual(['img9.aeimg']); // not "img9 (2).aeimg" beside the other
    // A rerun that skips what exists finds each output where it was written.
    const again = await aeimg(['encrypt', 'study', '--key-file', 'k.key', '-o', 'out', '--skip-existing'], dir);
    expect(again.stdout).toMatch(/Encrypted 0 of 3 files; 3 skipped/);
    // A study's parts in a subfolder of the folder given go the same way.
    expect((await aeimg(['encrypt', join('study', 'series2'), '--bundle', 'two', '--key-file', 'k.key', '-o', join('out', 'studies')], dir)).code).toBe(0);
    const dec = await aeimg(['decrypt', 'out', '--key-file', 'k.key', '-o', 'back'], dir);
    expect(dec.code).toBe(0);
    expect(dec.stdout).toMatch(/Decrypted 3 of 3 files/);
    expect(await readdir(join(dir, 'back', 'studies'))).toEqual(['img9.png']);
    const [back, orig] = [(await readImageFile(join(dir, 'back', 'series2', 'img9.png'))).pixels, (await readImageFile(CT_SLICE)).pixels];
    expect(back.length).toBe(orig.length);
    expect(back.every((v, i) => Math.abs(v - orig[i]!) <= 1)).toBe(true); // the default level for a PNG: within ±1
  });

  it('--dry-run lists what would go where, needs no key and writes nothing; a study\'s parts go to the folder given', async () => {
    const dir = await tempDir();
    for (const s of ['series1', 'series2']) await mkdir(join(dir, 'study', s), { recursive: true });
    await copyFile(MR_SLICE, join(dir, 'study', 'series1', 'a.png'));
    await copyFile(CT_SLICE, join(dir, 'study', 'series2', 'b.png'));
    const dry = await aeimg(['encrypt', 'study', '-o', 'out', '--dry-run'], dir);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`${join('study', 'series1', 'a.png')} → ${join('out', 'series1', 'a.aeimg')}\n` +
      `${join('study', 'series2', 'b.png')} → ${join('out', 'series2', 'b.aeimg')}\n`);
    expect(dry.stdout).toContain('Would encrypt 2 of 2 files; nothing written.');
    const odd = await aeimg(['encrypt', join('study', 'series1', 'a.png'), 'missing.png', '--dry-run'], dir);
    expect(odd.stdout).toContain(`missing.png → missing.aeimg  (not found: would fail)\nWould encrypt 1 of 2 files (1 would fail, as marked); nothing written.`);
    expect(await readdir(dir)).toEqual(['study']); // no output folder made
    const study = await aeimg(['encrypt', 'study', '--bundle', 'head', '--dry-run'], dir);
    expect(study.stdout).toContain(`Would encrypt the study 'head': 2 files into ${join(dir, 'study', 'head.partKofN.aeimg')}`);
    // A PDF report: alone it would fail as the real run does (0.23; before, "report.pdf → report.pdf.aeimg"); with the study it goes.
    await writeFile(join(dir, 'study', 'report.pdf'), '%PDF-1.4\n%%EOF\n');
    const pdf = await aeimg(['encrypt', join('study', 'series1', 'a.png'), join('study', 'report.pdf'), '--dry-run'], dir);
    expect(pdf.stdout).toContain(`${join('study', 'report.pdf')} → ${join('study', 'report.pdf.aeimg')}  (a PDF report, which goes with the images of a study (--bundle NAME): would fail)`);
    const withPdf = await aeimg(['encrypt', 'study', '--bundle', 'head', '--dry-run'], dir);
    expect(withPdf.stdout).toContain(`   ${join('study', 'report.pdf')}: its PDF document "report" would go with the study: the reader gets it as a file beside the images (the PDF itself, with PNG and DICOM output).`);
    // A plain batch of the folder leaves it behind, and says so (before 0.23, without a word).
    expect((await aeimg(['keygen', '-o', 'k0.key'], dir)).code).toBe(0);
    const batch = await aeimg(['encrypt', 'study', '--key-file', 'k0.key', '-o', 'batch'], dir);
    expect(batch.code).toBe(0);
    expect(batch.stderr).toContain('note: report.pdf is not sent: a presentation state, key-image note or report goes only with its images as one study ' +
      '(--bundle NAME; with --dry-run it says what of them would go, and how).');
    await rm(join(dir, 'study', 'report.pdf'));
    await rm(join(dir, 'batch'), { recursive: true });
    await rm(join(dir, 'k0.key'));
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    expect((await aeimg(['encrypt', 'study', '--bundle', 'head', '--key-file', 'k.key'], dir)).code).toBe(0);
    expect(await readdir(join(dir, 'study'))).toContain('head.part1of1.aeimg'); // not beside the first image, in series1
  });

  it('a folder\'s archive (a series still zipped) is named as left out, in the dry run and the run, and a folder of archives only says to extract them; so does decrypt', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'study', 'series1'), { recursive: true });
    await copyFile(MR_SLICE, join(dir, 'study', 'series1', 'a.png'));
    await writeFile(join(dir, 'study', 'series2.zip'), Buffer.concat([Buffer.from('PK\x05\x06'), Buffer.alloc(18)])); // an empty ZIP
    const note = 'note: series2.zip is an archive or compressed file, whose images are not read inside it, so it is left out: to send what it holds, extract it first.';
    const dry = await aeimg(['encrypt', 'study', '--bundle', 'head', '--dry-run'], dir);
    expect(dry.stderr).toContain(note);
    expect(dry.stdout).toContain('Would encrypt the study \'head\': 1 files');
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    const run = await aeimg(['encrypt', 'study', '--key-file', 'k.key', '-o', 'out'], dir);
    expect([run.code, run.stderr.includes(note)]).toEqual([0, true]);
    await rm(join(dir, 'study', 'series1'), { recursive: true });
    const none = await aeimg(['encrypt', 'study', '--key-file', 'k.key'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('hold no PNG, JPEG, TIFF, WebP, BMP, GIF, JPEG 2000, JPEG-LS or DICOM image, nor do their subfolders, only an archive (series2.zip): extract it first, then give aeimg what it holds.');
    // Given by name, it is refused by name, as the run would.
    const named = await aeimg(['encrypt', join('study', 'series2.zip'), '--dry-run'], dir);
    expect(named.stdout).toContain('(is a ZIP archive, not an image: extract it first (in Windows Explorer: right-click it, Extract All), then give aeimg the folder it makes: would fail)');
    // Received: a folder without an .aeimg says so and fails (before 0.27: nothing decrypted, no word, exit 0); attachments zipped on the way are named.
    await mkdir(join(dir, 'inbox'));
    const empty = await aeimg(['decrypt', 'inbox', '--key-file', 'k.key'], dir);
    expect([empty.code, empty.stderr.includes('the folder inbox holds no .aeimg file, nor do its subfolders: give the .aeimg files received, or the folder they were saved in.')]).toEqual([2, true]);
    // A folder named as an .aeimg is named (0.47: "the folders given").
    await mkdir(join(dir, 'scan.aeimg'));
    expect((await aeimg(['decrypt', 'scan.aeimg', '--key-file', 'k.key'], dir)).stderr).toContain('the folder scan.aeimg holds no .aeimg file, nor do its subfolders');
    await copyFile(join(dir, 'study', 'series2.zip'), join(dir, 'inbox', 'attachments.zip'));
    const zipped = await aeimg(['decrypt', 'inbox', '--key-file', 'k.key'], dir);
    expect([zipped.code, zipped.stderr.includes('only an archive (attachments.zip): extract it first, then open the .aeimg files it holds.')]).toEqual([2, true]);
    const byName = await aeimg(['decrypt', join('inbox', 'attachments.zip'), '--key-file', 'k.key'], dir);
    expect(byName.stdout + byName.stderr).toContain('attachments.zip: is a ZIP archive, not an .aeimg file: extract it first (in Windows Explorer: right-click it, Extract All), then open the .aeimg files it holds.');
  });

  it('--version is the package\'s version (the header of every file it writes names it)', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect((await aeimg(['--version'])).stdout.trim()).toBe(version); // package.json's bump alone had left it at 0.9.0
  });

  it('says what is wrong with the arguments and exits 2', async () => {
    const r = await aeimg(['encrypt', 'x.png']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no key given/);
    expect((await aeimg(['frobnicate'])).code).toBe(2);
    const help = await aeimg(['encrypt', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--quality LEVEL/);
    expect((await aeimg(['encrypt', '--bits', '12', 'x.png', '--key-file', 'k'])).stderr).toMatch(/--bits must be/);
    const q = await aeimg(['encrypt', '--quality', 'ultra', 'x.png', '--key-file', 'k']);
    expect(q.code).toBe(2);
    expect(q.stderr).toMatch(/--quality must be one of auto, lossless, within-1, within-2, within-4, max, high, medium, low/);
    const both = await aeimg(['encrypt', '--quality', 'max', '--lossless', 'x.png', '--key-file', 'k']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--lossless and --quality max contradict each other/);
  });

  it('an empty --passphrase-file, or one holding only a newline, is refused by name (encrypt said "no key given", decrypt went to the keychain)', async () => {
    const dir = await tempDir();
    await copyFile(CT_SLICE, join(dir, 'ct.png'));
    await writeFile(join(dir, 'empty.txt'), '');
    await writeFile(join(dir, 'newline.txt'), '\n');
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    expect((await aeimg(['encrypt', 'ct.png', '--key-file', 'k.key'], dir)).code).toBe(0);
    for (const file of ['empty.txt', 'newline.txt']) {
      for (const args of [['encrypt', 'ct.png', '--force'], ['decrypt', 'ct.aeimg']]) {
        const r = await aeimg([...args, '--passphrase-file', file], dir);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toContain(`error: ${file} is empty: write the passphrase on its first line, or leave --passphrase-file out.\n`);
      }
    }
    expect((await readdir(dir)).sort()).toEqual(['ct.aeimg', 'ct.png', 'empty.txt', 'k.key', 'newline.txt']);
  });

  it('--max-size below 10KB (0, 1KB) is a usage error that says the least taken, before any work', async () => {
    const dir = await tempDir();
    await copyFile(CT_SLICE, join(dir, 'ct.png'));
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    for (const [size, bundle] of [['0', []], ['1KB', ['--bundle', 'head']], ['9999', []]] as const) {
      const r = await aeimg(['encrypt', 'ct.png', '--max-size', size, ...bundle, '--key-file', 'k.key'], dir);
      expect(r.code, r.stdout).toBe(2);
      // 0.45 wrote "about 0.01 MB in Infinity part(s) of at most 0.00 MB", or a study "more than the part size limit of 0.0 MB".
      expect(r.stderr).toBe(`error: --max-size must be at least 10KB (the largest file your mail takes, e.g. 18MB), not "${size}".\n`);
    }
    expect((await readdir(dir)).sort()).toEqual(['ct.png', 'k.key']);
  });

  it('an output folder the run made is removed when every file failed (a wrong key); one that was there is kept', async () => {
    const dir = await tempDir();
    await copyFile(CT_SLICE, join(dir, 'ct.png'));
    await writeFile(join(dir, 'notes.png'), 'not an image');
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    expect((await aeimg(['keygen', '-o', 'other.key'], dir)).code).toBe(0);
    expect((await aeimg(['encrypt', 'ct.png', '--key-file', 'k.key'], dir)).code).toBe(0);
    const wrongKey = await aeimg(['decrypt', 'ct.aeimg', '--key-file', 'other.key', '-o', join('new', 'back')], dir);
    expect(wrongKey.code).toBe(1);
    const notImage = await aeimg(['encrypt', 'notes.png', '--key-file', 'k.key', '-o', 'sent'], dir);
    expect(notImage.code).toBe(1);
    expect(existsSync(join(dir, 'new'))).toBe(false); // both folders -o made
    expect(existsSync(join(dir, 'sent'))).toBe(false);
    await mkdir(join(dir, 'mine'));
    expect((await aeimg(['decrypt', 'ct.aeimg', '--key-file', 'other.key', '-o', 'mine'], dir)).code).toBe(1);
    expect(await readdir(join(dir, 'mine'))).toEqual([]);
    // A run that wrote something keeps the folder it made.
    expect((await aeimg(['decrypt', 'ct.aeimg', '--key-file', 'k.key', '-o', 'back'], dir)).code).toBe(0);
    expect(await readdir(join(dir, 'back'))).toEqual(['ct.png']);
  });

  it('--quality within-2 keeps every pixel within ±2 of the original and says so', async () => {
    const dir = await tempDir();
    await copyFile(CT_SLICE, join(dir, 'ct.png'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const enc = await aeimg(['encrypt', join(dir, 'ct.png'), '--key-file', join(dir, 'k.key'), '--quality', 'within-2', '-o', join(dir, 'out')]);
    expect(enc.code).toBe(0);
    expect(enc.stdout).toMatch(/every pixel within ±2/);
    const dec = await aeimg(['decrypt', join(dir, 'out', 'ct.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(dec.code).toBe(0);
    const [orig, back] = await Promise.all([readImageFile(CT_SLICE), readImageFile(join(dir, 'back', 'ct.png'))]);
    let worst = 0;
    for (let i = 0; i < orig.pixels.length; i++) worst = Math.max(worst, Math.abs(orig.pixels[i]! - back.pixels[i]!));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('DICOM: bit-exact by default and said so; the network alone warns per file and in the summary', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    await copyFile(join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm'), join(dir, 'ct.dcm'));
    await copyFile(MR_SLICE, join(dir, 'mr.png'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const safe = await aeimg(['encrypt', join(dir, 'ct.dcm'), join(dir, 'mr.png'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'safe'), '--jobs', '1']);
    expect(safe.code).toBe(0);
    expect(safe.stdout).toMatch(/ct\.dcm → .* 16-bit, .* lossless: bit-exact/);
    expect(safe.stdout).toMatch(/mr\.png → .* within-1: every pixel within ±1 of the original; worst window full range: SSIM 0\.9\d{3}/);
    expect(safe.stderr).not.toMatch(/reduced quality/i);
    // The network alone at `low`: below the 0.98 line in a window (at `max` this CT head is above it since 0.7.2).
    const net = await aeimg(['encrypt', join(dir, 'ct.dcm'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'net'), '--quality', 'low']);
    expect(net.code).toBe(0);
    expect(net.stdout).toMatch(/low: worst window [\w ]+ -?\d+\/\d+: SSIM 0\.\d{4}, largest error \d+ HU/);
    expect(net.stderr).toMatch(/warning: ct\.dcm: Reduced quality — not for primary diagnosis \(worst window.*\)\. For a per-pixel guarantee use --quality auto/);
    expect(net.stderr).toMatch(/warning: 1 of 1 file\(s\) are reduced quality .*: ct\.dcm/);
    const dec = await aeimg(['decrypt', join(dir, 'net', 'ct.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(dec.stdout).toMatch(/REDUCED QUALITY — NOT FOR PRIMARY DIAGNOSIS/);
    // The network ran, and its backend is named; files of the guaranteed levels decode without it, and say nothing of it (0.48).
    expect(dec.stderr).toMatch(/inference backend (wasm|cpu|tensorflow)/);
    const plain = await aeimg(['decrypt', join(dir, 'safe'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'plain')]);
    expect([plain.code, plain.stdout.split('\n').filter((l) => l.includes(' → ')).length]).toEqual([0, 2]);
    // A bit-exact image's guarantee is checked as it decodes, not a figure of the sender's (0.51; before, "bit-exact
    // (measured by the sender)"); the near-lossless one's figures are the sender's.
    expect(plain.stdout).toMatch(/ct\.aeimg → .*, bit-exact \(every pixel checked against the sender's on decoding\)\n/);
    expect(plain.stdout).toMatch(/mr\.aeimg → .*every pixel within ±1 of the original; .*\(measured by the sender\)\n/);
    expect(plain.stderr).not.toMatch(/inference backend/);
    // Its PNG says so in its name, which goes with the file wherever it is forwarded; a resumed batch finds it.
    expect(await readdir(join(dir, 'back'))).toEqual(['ct.reduced-quality.png']);
    expect(dec.stdout).toContain(`→ ${join(dir, 'back', 'ct.reduced-quality.png')}  `);
    const again = await aeimg(['decrypt', join(dir, 'net', 'ct.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back'), '--skip-existing']);
    expect([again.code, again.stdout]).toEqual([0, `ct.aeimg: skipped, ${join(dir, 'back', 'ct.reduced-quality.png')} already exists.\nDecrypted 0 of 1 file; 1 skipped (already there).\n`]);
    const dcm = await aeimg(['decrypt', join(dir, 'net', 'ct.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'dcm'), '--format', 'dcm']);
    expect([dcm.code, await readdir(join(dir, 'dcm'))]).toEqual([0, ['ct.dcm']]); // DICOM says it in its header
  });

  it('a file reduced at a guaranteed level is told to take a tighter one, not the per-pixel guarantee it already has', async () => {
    const dir = await tempDir();
    await copyFile(join(FIXTURES, 'dicom', 'mr_philips_512_implicit_le_nometa.dcm'), join(dir, 'mr.dcm'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const enc = await aeimg(['encrypt', join(dir, 'mr.dcm'), '--key-file', join(dir, 'k.key'), '--quality', 'within-4', '-o', dir]);
    expect(enc.code).toBe(0);
    expect(enc.stderr).toMatch(/warning: mr\.dcm: Reduced quality — not for primary diagnosis \(every pixel within ±4 stored units .*\)\. Each pixel is within the ±4 promised, and a reader's window still shows the difference: use --quality within-1, or lossless for every pixel bit-exact\./);
    expect(enc.stderr).not.toMatch(/For a per-pixel guarantee/);
  });

  it('a 16-bit PNG of a DICOM image is said to hold values, not a picture, with how they give HU; DICOM and 8-bit outputs are not', async () => {
    const dir = await tempDir();
    await copyFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
    await copyFile(MR_SLICE, join(dir, 'mr.png'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    expect((await aeimg(['encrypt', join(dir, 'ct.dcm'), join(dir, 'mr.png'), '--key-file', join(dir, 'k.key'), '-o', dir])).code).toBe(0);
    const png = await aeimg(['decrypt', join(dir, 'ct.aeimg'), join(dir, 'mr.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'png')]);
    expect(png.code).toBe(0);
    const note = /note: ct\.png holds the image's values bit for bit, for analysis, not a picture: other image viewers show it flat or dark\. In it a value v is \(v − (\d+)\) − (\d+) HU\. To read the images, open the \.aeimg files in aeimg; for a PACS, decrypt with --format dcm\./.exec(png.stderr);
    expect(note, png.stderr).not.toBeNull();
    expect(png.stderr.match(/note:/g)).toHaveLength(1);
    // Its values through the formula said: the fixture's stored range (pydicom: 128..2191) less 1024, in HU.
    const image = await readImageFile(join(dir, 'png', 'ct.png'));
    const hu = Array.from(image.pixels, (v) => v - Number(note![1]) - Number(note![2]));
    expect([Math.min(...hu), Math.max(...hu)]).toEqual([128 - 1024, 2191 - 1024]);
    const dcm = await aeimg(['decrypt', join(dir, 'ct.aeimg'), join(dir, 'mr.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'dcm'), '--format', 'dcm']);
    expect(dcm.code).toBe(0);
    const eight = await aeimg(['decrypt', join(dir, 'mr.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'eight')]);
    expect(`${dcm.stderr}${eight.stderr}`).not.toMatch(/note:/);
  });

  it('a 16-bit PNG of an image with a Modality LUT is said to hold its stored values, not the values its table gives a reader (0.47)', async () => {
    const dir = await tempDir();
    await copyFile(join(FIXTURES, 'dicom', 'lut_modality_voi_overlay.dcm'), join(dir, 'lut.dcm'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    expect((await aeimg(['encrypt', join(dir, 'lut.dcm'), '--key-file', join(dir, 'k.key'), '-o', dir, '--deidentify', 'none'])).code).toBe(0);
    const png = await aeimg(['decrypt', join(dir, 'lut.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'png')]);
    const table = (await import('dicom-parser')).default.parseDicom(new Uint8Array(await readFile(join(dir, 'lut.dcm')))).elements.x00283000!.items![0]!.dataSet!;
    const entries = Array.from({ length: table.elements.x00283006!.length / 2 }, (_, i) => table.uint16('x00283006', i)!);
    expect(png.stderr).toContain(`note: lut.png holds the image's stored values bit for bit, without its Modality LUT, whose table gives the values a ` +
      `reader reads (${Math.min(...entries)}–${Math.max(...entries)}), for analysis, not a picture`); // 0.46: "holds the image's values"
  });

  it('--ct-intercept declares a 16-bit PNG export a CT: its figures in HU and the CT windows, its PNG said to hold HU + 1024 (0.36)', async () => {
    const dir = await tempDir();
    await copyFile(CT_HU_SLICE, join(dir, 'head.png'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const enc = await aeimg(['encrypt', join(dir, 'head.png'), '--key-file', join(dir, 'k.key'), '--quality', 'within-2', '--ct-intercept=-1024', '-o', join(dir, 'sent')]);
    expect(enc.code, enc.stderr).toBe(0);
    expect(enc.stdout).toMatch(/head\.png → .*head\.aeimg .*within-2: every pixel within ±2 HU; worst window (brain|subdural|stroke|soft tissue|lung|bone) \d+\/\d+: SSIM 0\.\d{4}, largest error [0-2] HU/);
    expect(enc.stderr).not.toMatch(/without units/);
    const back = await aeimg(['decrypt', join(dir, 'sent', 'head.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(back.stderr).toContain('note: head.png holds the image\'s values bit for bit, for analysis, not a picture: other ' +
      'image viewers show it flat or dark. In it a value v is v − 1024 HU. To read the images, open the .aeimg files in aeimg; for a PACS, decrypt with --format dcm.');
    // Undeclared, the sender is told what its figures miss; a value that is not a whole number is refused before anything is read.
    const plain = await aeimg(['encrypt', join(dir, 'head.png'), '--key-file', join(dir, 'k.key'), '--quality', 'within-2', '-o', join(dir, 'plain')]);
    expect(plain.stdout).toMatch(/worst window 1st–99th percentile/);
    expect(plain.stderr).toMatch(/warning: head\.png is a 16-bit grey image without units: .* If it is a CT, say how its values give HU \(aeimg encrypt --ct-intercept=-1024/);
    const bad = await aeimg(['encrypt', join(dir, 'head.png'), '--key-file', join(dir, 'k.key'), '--ct-intercept=-1024.5', '-o', join(dir, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ct-intercept takes a whole number of HU from -65535 to 65535 \(HU = value \+ N\), not '-1024\.5'/);
  });

  it('--window L/W: a window of the sender\'s, measured with the reader windows (here the worst), for one file and a study; a bad one is refused (0.43)', async () => {
    const dir = await tempDir();
    await copyFile(CT_HU_SLICE, join(dir, 'head.png'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const common = [join(dir, 'head.png'), '--key-file', join(dir, 'k.key'), '--quality', 'within-2', '--ct-intercept=-1024', '--window', '35/20'];
    // ±2 HU in a 20 HU window is up to 26 grey levels: that window is the worst, and the file reduced quality.
    const one = await aeimg(['encrypt', ...common, '-o', join(dir, 'one')]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/within-2: every pixel within ±2 HU; worst window sender's window 35\/20: SSIM 0\.\d{4}, largest error [0-2] HU/);
    const study = await aeimg(['encrypt', ...common, '--bundle', 'windowed', '-o', join(dir, 'study')]);
    expect(study.code, study.stderr).toBe(0);
    expect(study.stdout).toMatch(/worst of its slices: every pixel within ±2 HU; worst window sender's window 35\/20: SSIM/);
    // A level below 0 goes after '=', as any option's value that starts with a dash.
    const lung = await aeimg(['encrypt', join(dir, 'head.png'), '--key-file', join(dir, 'k.key'), '--ct-intercept=-1024', '--window=-650/1200', '-o', join(dir, 'lung')]);
    expect(lung.code, lung.stderr).toBe(0);
    // A run with a CT and an MR: the window is in HU and goes with the CT, its figure beside the worst; the MR goes
    // without it, and its sender is told (0.44; before, the MR was measured and opened in 30/60 of its own values).
    const [ct, mr] = [join(dir, 'ct.dcm'), join(dir, 'mr.dcm')];
    await copyFile(join(FIXTURES, 'dicom', 'ct_head_512_j2k_lossless.dcm'), ct);
    await copyFile(join(FIXTURES, 'dicom', 'mr_small_explicit_le.dcm'), mr);
    const mixed = await aeimg(['encrypt', ct, mr, '--key-file', join(dir, 'k.key'), '--quality', 'within-2', '--window', '30/60', '-o', join(dir, 'mixed')]);
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.stdout).toMatch(/ct\.dcm → .*worst window stroke 40\/40: SSIM 0\.\d{4}, largest error [0-2] HU; sender's window 30\/60: SSIM 0\.\d{4}, /);
    expect(mixed.stdout).toMatch(/mr\.dcm → .*within-2: every pixel within ±2 of the original; worst window file window 1 600\/1600: SSIM 0\.\d{4}, largest error [0-2], /);
    expect(mixed.stderr).toContain('warning: mr.dcm: goes without the window given (30/60 HU, for the run\'s images in HU): its values are without units, not HU');
    expect(mixed.stderr).not.toContain('ct.dcm: goes without');
    for (const bad of ['40', '40/0', '40/-80', 'brain', '40/80/2']) {
      const r = await aeimg(['encrypt', join(dir, 'head.png'), '--key-file', join(dir, 'k.key'), '--window', bad, '-o', join(dir, 'bad')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--window takes LEVEL/WIDTH in the images' values (HU for CT), the width above 0, not '${bad}': e.g. --window 40/80 (brain), --window=-600/1500 (lung).`);
    }
  });

  it('--dry-run --ct-intercept names the image files that cannot go as a CT, before anything is encoded; a study they would stop too (0.37)', async () => {
    const dir = await tempDir();
    await copyFile(CT_HU_SLICE, join(dir, 'head.png'));
    await copyFile(CT_SLICE, join(dir, 'window.png')); // 8-bit: a window's grey levels
    const dry = await aeimg(['encrypt', dir, '--dry-run', '--ct-intercept=-1024']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/head\.png → \S+head\.aeimg {2}\(as a CT: HU = value − 1024\)\n/); // named as it would go (0.38)
    expect(dry.stdout).toMatch(/window\.png → \S+window\.aeimg {2}\(is an 8-bit image, the grey levels of a window, not a CT's values in HU, so it cannot go as a CT .*: would fail\)/);
    expect(dry.stdout).toContain('Would encrypt 1 of 2 files (1 would fail, as marked); nothing written.');
    // Without the declaration both go; the real run fails the file the dry run named, and only it.
    expect((await aeimg(['encrypt', dir, '--dry-run'])).stdout).toContain('Would encrypt 2 of 2 files; nothing written.');
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const run = await aeimg(['encrypt', join(dir, 'head.png'), join(dir, 'window.png'), '--key-file', join(dir, 'k.key'), '--ct-intercept=-1024', '-o', join(dir, 'sent')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/window\.png: is an 8-bit image, the grey levels of a window/);
    expect(await readdir(join(dir, 'sent'))).toEqual(['head.aeimg']);
    const study = await aeimg(['encrypt', join(dir, 'head.png'), join(dir, 'window.png'), '--dry-run', '--bundle', 'scan', '--ct-intercept=-1024']);
    expect(study.stdout).toMatch(/window\.png {2}\(window\.png is an 8-bit image, .* It would stop the study\.\)/);
    expect(study.stdout).toContain('Would fail: 1 of the study\'s 2 files would stop it, as marked');
    // An intercept that puts a file's darkest part far from air is said under its line; the file would still go.
    const signed = join(dir, 'signed');
    await mkdir(signed);
    await writeFile(join(signed, 'hu.tif'), tiffOf([Int16Array.from({ length: 32 * 32 }, (_, i) => (i % 32) * 60 - 1000)], 32, 32));
    const off = await aeimg(['encrypt', signed, '--dry-run', '--ct-intercept=-1024']);
    expect(off.stdout).toMatch(/hu\.tif → \S+hu\.aeimg {2}\(as a CT: HU = value − 1024\)\n {3}warning: hu\.tif was declared a CT with HU = value − 1024, .*give HU = value \+ 0 \(--ct-intercept=0/);
    expect(off.stdout).toContain('Would encrypt 1 of 1 file; nothing written.');
    expect((await aeimg(['encrypt', signed, '--dry-run', '--ct-intercept=0'])).stdout).not.toMatch(/warning/);
  });

  it('--not-ct sends a file of the run or study without --ct-intercept (an MR exported as the CT was); the dry run names how each goes (0.38)', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'mr'));
    await copyFile(CT_HU_SLICE, join(dir, 'head.png'));
    const mr8 = await readImageFile(MR_SLICE);
    await writeFile(join(dir, 'mr', 't1.png'), await encodePng({ ...mr8, bitDepth: 16, pixels: Uint16Array.from(mr8.pixels, (v) => v * 16) }));
    // Both are 16-bit grey and dark where a CT's air is: without --not-ct both would go as CT, and the dry run says so.
    const both = await aeimg(['encrypt', dir, '--dry-run', '--ct-intercept=-1024']);
    expect(both.stdout).toMatch(/t1\.png → \S+t1\.aeimg {2}\(as a CT: HU = value − 1024\)\n/);
    const dry = await aeimg(['encrypt', dir, '--dry-run', '--ct-intercept=-1024', '--not-ct', join(dir, 'mr')]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/head\.png → \S+head\.aeimg {2}\(as a CT: HU = value − 1024\)\n/);
    expect(dry.stdout).toMatch(/t1\.png → \S+t1\.aeimg {2}\(not as a CT: --not-ct\)\n/);
    expect((await aeimg(['encrypt', dir, '--dry-run', '--bundle', 'visit', '--ct-intercept=-1024', '--not-ct', join(dir, 'mr', 't1.png')])).stdout)
      .toMatch(/t1\.png {2}\(not as a CT: --not-ct\)\n/);
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const run = await aeimg(['encrypt', dir, '--key-file', join(dir, 'k.key'), '--quality', 'within-2', '--ct-intercept=-1024', '--not-ct', join(dir, 'mr'), '-o', join(dir, 'sent')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/head\.png → .*every pixel within ±2 HU/);
    expect(run.stdout).toMatch(/t1\.png → .*every pixel within ±2 of the original; worst window 1st–99th percentile/);
    // Its reader is not told HU: decrypt's note for its PNG has no HU in it.
    const back = await aeimg(['decrypt', join(dir, 'sent', 'mr', 't1.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).not.toMatch(/HU/);
    // A misspelt path, or --not-ct without a declaration, is refused before anything is read: the MR would go as a CT.
    const typo = await aeimg(['encrypt', dir, '--dry-run', '--ct-intercept=-1024', '--not-ct', join(dir, 'mri')]);
    expect([typo.code, typo.stderr]).toEqual([2, expect.stringMatching(/--not-ct \S+mri names none of the files given to encrypt/)]);
    const alone = await aeimg(['encrypt', dir, '--dry-run', '--not-ct', join(dir, 'mr')]);
    expect([alone.code, alone.stderr]).toEqual([2, expect.stringContaining('--not-ct names files that go without --ct-intercept; give --ct-intercept too')]);
  });

  it('an ImageJ TIFF of a CT goes with its own calibration, --not-ct or another intercept given; one of an MR is named (0.39)', async () => {
    const dir = await tempDir();
    await copyFile(join(FIXTURES, 'imagej', 'ct_small_signed.tif'), join(dir, 'ct.tif'));
    await copyFile(join(FIXTURES, 'imagej', 'mr_small_signed.tif'), join(dir, 'mr.tif'));
    const dry = await aeimg(['encrypt', dir, '--dry-run', '--ct-intercept=0', '--not-ct', join(dir, 'ct.tif')]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/ct\.tif → \S+ct\.aeimg {2}\(as a CT: HU = value − 1024, its ImageJ calibration\)\n/);
    expect(dry.stdout).toMatch(/mr\.tif → \S+mr\.aeimg {2}\(as a CT: HU = value\)\n {3}warning: mr\.tif is an ImageJ TIFF of a DICOM file whose Modality is MR, not CT/);
    // Undeclared, it goes as a CT all the same, and the dry run says so (its head read); the MR goes without units.
    const undeclared = await aeimg(['encrypt', dir, '--dry-run']);
    expect(undeclared.stdout).toMatch(/ct\.tif → \S+ct\.aeimg {2}\(as a CT: HU = value − 1024, its ImageJ calibration\)\n/);
    expect(undeclared.stdout).toMatch(/mr\.tif → \S+mr\.aeimg\n/);
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const run = await aeimg(['encrypt', join(dir, 'ct.tif'), '--key-file', join(dir, 'k.key'), '--quality', 'within-2', '-o', join(dir, 'sent')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ct\.tif → .*every pixel within ±2 HU/);
    expect(run.stderr).not.toMatch(/warning/);
    // One shown through an inverted LUT (WhiteIsZero, 0.40): its PNG holds the values turned over, and its reader is told how.
    await copyFile(join(FIXTURES, 'imagej', 'mr_small_inverted_lut.tif'), join(dir, 'inverted.tif'));
    expect((await aeimg(['encrypt', join(dir, 'inverted.tif'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'sent')])).code).toBe(0);
    const back = await aeimg(['decrypt', join(dir, 'sent', 'inverted.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(back.stderr).toContain('note: inverted.png holds the image\'s values inverted (its grey is MONOCHROME1), bit for bit');
    expect(back.stderr).toContain('In it a value v is 32767 − v.');
  });

  it('16-bit PNGs of one run whose values read differently get a note each, naming its files (0.46: the first one\'s note was said of all)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'hu.tif'), tiffOf([Int16Array.from({ length: 32 * 32 }, (_, i) => (i % 32) * 60 - 1000)], 32, 32));
    await writeFile(join(dir, 'twelve.png'), await encodePng(phantom(32, 32, 1, 16)));
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    expect((await aeimg(['encrypt', 'hu.tif', 'twelve.png', '--key-file', 'k.key', '-o', 'sent'], dir)).code).toBe(0);
    for (const order of [['hu', 'twelve'], ['twelve', 'hu']]) {
      const back = await aeimg(['decrypt', ...order.map((n) => join('sent', `${n}.aeimg`)), '--key-file', 'k.key', '-o', `back-${order[0]}`, '--jobs', '1'], dir);
      expect(back.code).toBe(0);
      expect(back.stderr).toContain('note: hu.png holds the image\'s values + 32768 (the sender\'s file had values below 0, which a PNG cannot hold): in it a value v is (v − 32768).');
      expect(back.stderr).toContain('note: twelve.png holds the image\'s values bit for bit, as aeimg read them from the sender\'s file');
    }
    const both = await aeimg(['decrypt', join('sent', 'twelve.aeimg'), join('sent', 'twelve.aeimg'), '--key-file', 'k.key', '-o', 'again', '--jobs', '1'], dir);
    expect(both.stderr.match(/note: /g)).toHaveLength(1); // one file given twice: one note
  });

  it('a 16-bit PNG of an image file of fewer bits (a 12-bit export) is said to show dark elsewhere; a full-range one is not (0.28)', async () => {
    const dir = await tempDir();
    const twelve = phantom(64, 64, 1, 16); // values up to 4095
    const full = { ...twelve, pixels: Uint16Array.from(twelve.pixels, (v) => v * 16) };
    await writeFile(join(dir, 'twelve.png'), await encodePng(twelve));
    await writeFile(join(dir, 'full.png'), await encodePng(full));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    expect((await aeimg(['encrypt', join(dir, 'twelve.png'), join(dir, 'full.png'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'sent')])).code).toBe(0);
    expect(Math.max(...twelve.pixels)).toBeLessThan(1 << 14);
    const back = await aeimg(['decrypt', join(dir, 'sent', 'twelve.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(back.stderr).toContain('note: twelve.png holds the image\'s values bit for bit, as aeimg read them from the sender\'s file (all below 16,384 of 65,535): other image viewers show it dark. To read the images, open the .aeimg files in aeimg.');
    const fullBack = await aeimg(['decrypt', join(dir, 'sent', 'full.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(fullBack.stderr).not.toMatch(/note:/);
  });

  it('a multi-page TIFF whose pages differ in size is told page by page, not as frames of the first\'s size (0.30); a pyramid\'s marked levels are left out, and said (0.41)', async () => {
    const dir = await tempDir();
    const grey = phantom(128, 128, 1, 8);
    const levels = await sharp(Buffer.from(grey.pixels), { raw: { width: 128, height: 128, channels: 1 } })
      .toColourspace('b-w').tiff({ pyramid: true, tile: true, tileWidth: 32, tileHeight: 32 }).toBuffer();
    // Its pages as a TIFF that does not mark them (NewSubfileType 0): three images of different sizes.
    const unmarked = Buffer.from(levels);
    for (let ifd = unmarked.readUInt32LE(4); ifd; ifd = unmarked.readUInt32LE(ifd + 2 + unmarked.readUInt16LE(ifd) * 12)) {
      for (let i = 0; i < unmarked.readUInt16LE(ifd); i++) if (unmarked.readUInt16LE(ifd + 2 + i * 12) === 254) unmarked.writeUInt32LE(0, ifd + 10 + i * 12);
    }
    await writeFile(join(dir, 'pyramid.tif'), unmarked);
    await writeFile(join(dir, 'marked.tif'), levels);
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const marked = await aeimg(['encrypt', join(dir, 'marked.tif'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'sent')]);
    expect(marked.stdout).toMatch(/marked\.tif → .* {2}128x128x1 8-bit, /);
    expect(marked.stderr).toContain('marked.tif: its pages 2 and 3 are reduced-resolution copies of its image');
    const sent = await aeimg(['encrypt', join(dir, 'pyramid.tif'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'sent')]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('pyramid.tif → ');
    expect(sent.stdout).toMatch(/ {2}3 images: 128x128x1 8-bit, 64x64x1 8-bit, 32x32x1 8-bit, /);
    const back = await aeimg(['decrypt', join(dir, 'sent', 'pyramid.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(back.stdout.match(/\d+x\d+x1 8-bit, original/g)).toEqual(['128x128x1 8-bit, original', '64x64x1 8-bit, original', '32x32x1 8-bit, original']);
  });

  it('a DICOM file written of an image with transparency says the transparency is not in it; an opaque image\'s says nothing (0.30)', async () => {
    const dir = await tempDir();
    const rgb = phantom(48, 40, 3, 8);
    const rgba = { ...rgb, channels: 4 as const, pixels: new Uint8Array(48 * 40 * 4).fill(255) };
    for (let i = 0; i < 48 * 40; i++) rgba.pixels.set(rgb.pixels.subarray(3 * i, 3 * i + 3), 4 * i);
    for (let i = 3; i < rgba.pixels.length; i += 8) rgba.pixels[i] = 0; // every other pixel transparent
    await writeFile(join(dir, 'overlay.png'), await encodePng(rgba));
    await writeFile(join(dir, 'opaque.png'), await encodePng(phantom(48, 40, 3, 8)));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    expect((await aeimg(['encrypt', join(dir, 'overlay.png'), join(dir, 'opaque.png'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'sent')])).code).toBe(0);
    const dcm = await aeimg(['decrypt', join(dir, 'sent', 'overlay.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'dcm'), '--format', 'dcm']);
    expect(dcm.code).toBe(0);
    expect(dcm.stderr).toContain('note: overlay.dcm (and any other DICOM file of an image with transparency) is written without ' +
      'transparency, which DICOM cannot carry: transparent areas show the colours stored under them; a PNG keeps it (--format png).');
    const png = await aeimg(['decrypt', join(dir, 'sent', 'overlay.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'png')]);
    expect(png.stderr).not.toMatch(/note:/);
    const opaque = await aeimg(['decrypt', join(dir, 'sent', 'opaque.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'dcm'), '--format', 'dcm']);
    expect(opaque.code).toBe(0);
    expect(opaque.stderr).not.toMatch(/note:/);
  });

  it('overlays: a de-identified file\'s are named to the sender as removed; a full-header PNG is said to hold the image without them, its DICOM not', async () => {
    const dir = await tempDir();
    await overlayDicom(join(dir, 'mr.dcm'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const basic = await aeimg(['encrypt', join(dir, 'mr.dcm'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'basic')]);
    expect(basic.code).toBe(0);
    expect(basic.stderr).toMatch(/warning: mr\.dcm has 3 overlays, overlay 6000 \("Siemens MedCom Object Graphics"\), overlay 6002 \("First target mark"\) and overlay 6004: .* so the reader will not see them\. If the reader needs them, send the file with its full header \(aeimg encrypt --deidentify none;/);
    const full = await aeimg(['encrypt', join(dir, 'mr.dcm'), '--key-file', join(dir, 'k.key'), '-o', dir, '--deidentify', 'none']);
    expect(full.code).toBe(0);
    expect(full.stderr).not.toMatch(/overlay/);
    const png = await aeimg(['decrypt', join(dir, 'mr.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'png')]);
    expect(png.stderr).toContain('note: mr.png (and any other PNG of such an image) holds the image\'s values without its overlay 6000 ("Siemens MedCom Object Graphics"), ' +
      'overlay 6002 ("First target mark"), overlay 6004, which its sender sent: aeimg\'s viewer shows the image with them, and --format dcm writes them back.');
    const dcm = await aeimg(['decrypt', join(dir, 'mr.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'dcm'), '--format', 'dcm']);
    expect(dcm.code).toBe(0);
    expect(dcm.stderr).not.toMatch(/overlay/);
    const removed = await aeimg(['decrypt', join(dir, 'basic', 'mr.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'removed')]);
    expect(removed.stderr).not.toMatch(/overlay/); // nothing came: nothing to say at the receiver
  });

  it('a display shutter travels de-identified: a PNG is said to hold the image without it, the DICOM output has it as the file had', async () => {
    const dir = await tempDir();
    await shutterDicom(join(dir, 'xa.dcm'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    expect((await aeimg(['encrypt', join(dir, 'xa.dcm'), '--key-file', join(dir, 'k.key'), '-o', dir])).code).toBe(0);
    const png = await aeimg(['decrypt', join(dir, 'xa.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'png')]);
    expect(png.stderr).toContain('note: xa.png (and any other PNG of such an image) holds the image\'s values without the display shutter that covers ' +
      'part of it (rectangular, circular), which its sender sent: aeimg\'s viewer shows the image with them, and --format dcm writes them back.');
    const dcm = await aeimg(['decrypt', join(dir, 'xa.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'dcm'), '--format', 'dcm']);
    expect(dcm.stderr).not.toMatch(/shutter/);
    const b = await readFile(join(dir, 'dcm', 'xa.dcm'));
    const out = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer).dict;
    for (const [tag, attr] of Object.entries(DEFAULT_SHUTTER)) expect([tag, out[tag]?.Value?.map((v: unknown) => (typeof v === 'string' ? v : Number(v)))]).toEqual([tag, attr.Value]);
  });

  it('a study\'s presentation state: with --deidentify none it goes with the image it marks (dry run and run say so); decrypt says the files hold the images without it', async () => {
    const dir = await tempDir();
    await presentationStateDicom(join(dir, 'gsps.dcm'));
    await copyFile(join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm'), join(dir, 'ct.dcm'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    await keyObjectDicom(join(dir, 'kos.dcm'), [CT_SMALL_SOP]);
    const inputs = [join(dir, 'gsps.dcm'), join(dir, 'kos.dcm'), join(dir, 'ct.dcm')];
    const dry = await aeimg(['encrypt', ...inputs, '--bundle', 'read', '--deidentify', 'none', '--dry-run']);
    expect(dry.stdout).toContain(`${join(dir, 'gsps.dcm')}: its presentation state "LESION" would go with the image it marks: the reader's viewer draws its annotations`);
    const basicDry = await aeimg(['encrypt', ...inputs, '--bundle', 'read', '--dry-run']);
    expect(basicDry.stdout).toMatch(/gsps\.dcm: is a presentation state, .*: de-identification removes presentation states .* so the study would go without it .* To carry it, send the study with its full header/);
    const out = join(dir, 'out');
    const run = await aeimg(['encrypt', ...inputs, '--bundle', 'read', '--deidentify', 'none', '--key-file', join(dir, 'k.key'), '-o', out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${join(dir, 'gsps.dcm')}: its presentation state "LESION" went with the image it marks`);
    expect(run.stdout).toContain(`${join(dir, 'kos.dcm')}: its key object selection "Of Interest" went with the image it flags: the reader's viewer marks it, and DICOM output writes it back beside the images.`);
    const dec = await aeimg(['decrypt', join(out, 'read.part1of1.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'dec'), '--format', 'dcm']);
    expect(dec.code).toBe(0);
    expect(dec.stdout).toContain(`read presentation state → ${join(dir, 'dec', 'presentation-state-LESION.dcm')}`);
    expect(dec.stderr).not.toMatch(/presentation state/);
    expect(dec.stdout).toContain(`read key object selection → ${join(dir, 'dec', 'key-images-Of_Interest.dcm')}`);
    expect(dec.stderr).not.toMatch(/key object/);
    const png = await aeimg(['decrypt', join(out, 'read.part1of1.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'png')]);
    expect(png.stderr).toContain('note: the study \'read\' came with its presentation state "LESION", a radiologist\'s annotations and window: aeimg\'s viewer draws them');
    expect(png.stderr).toContain('note: the study \'read\' came with its key object selection "Of Interest" (1 image): aeimg\'s viewer marks the images they flag');
    expect(await readdir(join(dir, 'png'))).toEqual(['ct.png']);
  });

  it('--bundle splits a study under --max-size; decrypt restores it in order, or names the missing part and exits', async () => {
    const dir = await tempDir();
    const inputs = join(dir, 'study');
    await mkdir(inputs);
    for (let i = 1; i <= 6; i++) await copyFile(i % 2 ? MR_SLICE : CT_SLICE, join(inputs, `s${i}.png`));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const enc = await aeimg(['encrypt', inputs, '--bundle', 'head', '--max-size', '25KB', '--key-file', join(dir, 'k.key'), '-o', join(dir, 'out')]);
    expect(enc.code).toBe(0);
    expect(enc.stdout).toMatch(/Estimate: 6 files → about [\d.]+ KB in \d part\(s\) of at most 25\.0 KB\./); // not "0.03 MB"
    const parts = (await readdir(join(dir, 'out'))).sort();
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => /^head\.part\dof\d\.aeimg$/.test(p))).toBe(true);
    const missing = await aeimg(['decrypt', join(dir, 'out', parts[0]!), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'x')]);
    expect(missing.code).toBe(1); // and it exits: the study's worker pool is closed on failure
    expect(missing.stderr).toMatch(/the study 'head' is incomplete: head\.part2of\d\.aeimg(, head\.part\dof\d\.aeimg)* (is|are) missing/);
    const ok = await aeimg(['decrypt', join(dir, 'out'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(ok.code).toBe(0);
    expect((await readdir(join(dir, 'back'))).sort()).toEqual(['s1.png', 's2.png', 's3.png', 's4.png', 's5.png', 's6.png']);
  });

  it('an .aeimg larger than an e-mail takes is written with a warning that says how to send it', async () => {
    const dir = await tempDir();
    await copyFile(join(FIXTURES, 'dicom', 'xa_4frame_jpeg_lossless.dcm'), join(dir, 'run.dcm'));
    await copyFile(MR_SLICE, join(dir, 'slice.png'));
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    const mail = /is [\d.]+ KB, more than an e-mail may carry \(10\.0 KB of file\): (.*)/;
    const cine = await aeimg(['encrypt', 'run.dcm', '--max-size', '10KB', '--key-file', 'k.key'], dir);
    expect(cine.code).toBe(0);
    expect(cine.stderr).toMatch(mail);
    expect(mail.exec(cine.stderr)![1]).toBe('send its 4 frames in parts as a study (the app\'s "Encrypt as one study", or aeimg encrypt --bundle NAME), or at a level that makes smaller files.');
    const one = await aeimg(['encrypt', 'slice.png', '--max-size', '10KB', '--key-file', 'k.key'], dir);
    expect(one.code).toBe(0);
    expect(mail.exec(one.stderr)![1]).toBe('choose a level that makes smaller files, or send the .aeimg (it is encrypted) by a file transfer your hospital allows.');
    expect((await readdir(dir)).sort()).toEqual(['k.key', 'run.aeimg', 'run.dcm', 'slice.aeimg', 'slice.png']); // written all the same
    // Under the limit (the default, Gmail's), nothing is said.
    const small = await aeimg(['encrypt', 'slice.png', '--key-file', 'k.key', '--force'], dir);
    expect(small.code).toBe(0);
    expect(small.stderr).not.toMatch(/e-mail/);
  });

  it('a CD sent as one study comes back with a folder per series, and says so', async () => {
    const dir = await tempDir();
    await twoSeriesCd(join(dir, 'cd'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    expect((await aeimg(['encrypt', join(dir, 'cd'), '--bundle', 'cd', '--key-file', join(dir, 'k.key'), '-o', join(dir, 'out')])).code).toBe(0);
    const back = await aeimg(['decrypt', join(dir, 'out'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')]);
    expect(back.code).toBe(0);
    expect(back.stdout).toContain(`cd image 3 → ${join(dir, 'back', 'series-2-CT', 'IM1.png')}  bit-exact`);
    expect(back.stdout).toContain(`Decrypted the study 'cd': 4 images from 1 part(s) into ${join(dir, 'back')}, 2 series in a folder each (series-1-CT, series-2-CT).`);
    expect((await readdir(join(dir, 'back'))).sort()).toEqual(['series-1-CT', 'series-2-CT']);
  });
});

describe('interrupting the command line', () => {
  it('Ctrl-C stops the file in progress, leaves nothing behind and says how to finish', async () => {
    const { spawn } = await import('node:child_process');
    const dir = await tempDir();
    await writeFile(join(dir, 'big.png'), await encodePng(phantom(4096, 4096)));
    await copyFile(MR_SLICE, join(dir, 'small.png')); // never started
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    // The network alone on 4096² takes several seconds here: long enough to be interrupted in the middle.
    const child = spawn(process.execPath, [join(ROOT, 'bin/aeimg.js'), 'encrypt', join(dir, 'big.png'), join(dir, 'small.png'), '--key-file', join(dir, 'k.key'),
      '--quality', 'max', '--jobs', '1', '-o', join(dir, 'out')], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('inference backend')) setTimeout(() => child.kill('SIGINT'), 500);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/interrupted: stopping/);
    // Neither file is done, and neither failed (0.45 said "Encrypted 1 of 2; 1 failed: - 2 files not done …").
    expect(stderr).toContain('\nEncrypted 0 of 2; 2 not done (interrupted by Ctrl-C).\nRun the same command with --skip-existing to finish.\n');
    expect(await readdir(join(dir, 'out')).catch(() => [])).toEqual([]);
  });
});
