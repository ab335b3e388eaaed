/** The command line on hostile or unlucky input: clear one-line errors, exit codes 0/1/2, nothing left behind. */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, readdir, readFile, rm, stat, symlink, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CT_SLICE, MR_SLICE, onTmpfs, ROOT, tempDir } from '../helpers.js';

const run = promisify(execFile);

async function aeimg(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin/aeimg.js'), ...args], { cwd, maxBuffer: 1 << 24, env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => /^error: /.test(l));

/**
 * Runs `body` on a folder, holding what `fill` put there, that this process cannot write into: as root (who writes
 * whatever a folder's mode says) a read-only tmpfs, skipped where it cannot be mounted; else a folder of mode 555.
 */
async function unwritableFolder(ctx: { skip: () => void }, dir: string, fill: (dir: string) => Promise<void>, body: (dir: string) => Promise<void>): Promise<void> {
  if (process.getuid?.() === 0) {
    await onTmpfs(ctx, dir, '1m', async (d) => {
      await fill(d);
      execFileSync('mount', ['-o', 'remount,ro', d], { stdio: 'ignore' });
      await body(d);
    });
    return;
  }
  await mkdir(dir);
  await fill(dir);
  await chmod(dir, 0o555);
  try {
    await body(dir);
  } finally {
    await chmod(dir, 0o755);
  }
}

/** Runs `body` on a small tmpfs mounted at `dir` (skipped where it cannot be mounted: that needs root). */
describe('a full disk and unexpected failures', () => {
  it('--bundle on a full disk says so in one line and exits 1, leaving no temp file', async (ctx) => {
    const dir = await tempDir();
    // Without root, study-safety.test.ts injects ENOSPC instead.
    await onTmpfs(ctx, join(dir, 'tiny'), '16k', async (tiny) => {
      for (let i = 1; i <= 6; i++) await copyFile(i % 2 ? MR_SLICE : CT_SLICE, join(dir, `s${i}.png`));
      expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
      const r = await aeimg(['encrypt', ...[1, 2, 3, 4, 5, 6].map((i) => join(dir, `s${i}.png`)), '--bundle', 'head', '--key-file', join(dir, 'k.key'), '-o', tiny, '--jobs', '1']);
      expect(r.code).toBe(1);
      expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^error: head\.part1\.aeimg: the disk is full\. Free some space/)]);
      expect(r.stderr.length).toBeLessThan(1000); // no minified wasm glue dumped
      expect(await readdir(tiny)).toEqual([]);
    });
  });

  it('a study with a file aeimg cannot send (a 32-bit dose grid): named (by --dry-run too), nothing written, and how to send the others; without it they go', async () => {
    const dir = await tempDir();
    const study = join(dir, 'rt');
    await mkdir(study);
    for (const f of ['ct_small_explicit_le.dcm', 'rtdose_32bit.dcm']) await copyFile(join(ROOT, 'tests', 'fixtures', 'dicom', f), join(study, f));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const out = join(dir, 'out');
    // --dry-run names it from its header, before any pixel is read: as one study, and as a plain batch.
    const dry = await aeimg(['encrypt', study, '--bundle', 'rt', '--dry-run']);
    expect(dry.stdout).toContain(`rtdose_32bit.dcm  (rtdose_32bit.dcm has 32-bit samples (Bits Allocated 32), which aeimg does not carry: it encrypts 1-, 8- and 16-bit DICOM images. It would stop the study.)\n`);
    expect(dry.stdout).toContain("Would fail: 1 of the study's 2 files would stop it, as marked; move it out of the folder to send the others. Nothing written.");
    const dryBatch = await aeimg(['encrypt', study, '--dry-run']);
    expect(dryBatch.stdout).toMatch(/rtdose_32bit\.dcm → .*rtdose_32bit\.aeimg {2}\(has 32-bit samples .* DICOM images: would fail\)\nWould encrypt 1 of 2 files \(1 would fail, as marked\)/);
    const send = () => aeimg(['encrypt', study, '--bundle', 'rt', '--key-file', join(dir, 'k.key'), '-o', out]);
    const r = await send();
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/^error: rtdose_32bit\.dcm: has 32-bit samples .* Nothing was written\. To send the study's other files without it, move it out of the folder \(or leave it off the command\) and run again\.$/)]);
    expect(await readdir(out).catch(() => [])).toEqual([]);
    await rm(join(study, 'rtdose_32bit.dcm'));
    // --max-pixels holds for a study too (before 0.25 it went at the default limit whatever was given).
    const small = await aeimg(['encrypt', study, '--bundle', 'rt', '--key-file', join(dir, 'k.key'), '-o', out, '--max-pixels', '10000']);
    expect(small.code).toBe(1);
    expect(errorLines(small.stderr)).toEqual([expect.stringMatching(/^error: ct_small_explicit_le\.dcm: is 128x128 pixels .*over the limit of .* raise the limit with --max-pixels/)]);
    expect(await readdir(out).catch(() => [])).toEqual([]);
    expect((await send()).code).toBe(0);
    expect(await readdir(out)).toEqual(['rt.part1of1.aeimg']);
  });

  it('a read-only disk (a CD) beside the input: says so once, before any work, names the way out, writes nothing', async (ctx) => {
    const dir = await tempDir();
    await onTmpfs(ctx, join(dir, 'cd'), '1m', async (cd) => {
      for (const n of ['scan.png', 'scan2.png']) await copyFile(MR_SLICE, join(cd, n));
      execFileSync('mount', ['-o', 'remount,ro', cd], { stdio: 'ignore' });
      expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
      const r = await aeimg(['encrypt', cd, '--key-file', join(dir, 'k.key')]);
      // 0.9 failed each file ("scan.png: scan.aeimg: the disk is read-only …") and exited 1.
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual([`error: ${cd} cannot be written (a CD or a write-protected share?). Give an output folder with -o DIR.`]);
      expect((await readdir(cd)).sort()).toEqual(['scan.png', 'scan2.png']);
      expect((await aeimg(['encrypt', cd, '--key-file', join(dir, 'k.key'), '-o', join(dir, 'out')])).code).toBe(0);
    });
  });

  it('decrypt beside its input in a folder that cannot be written: says so once, before any work, as encrypt does', async (ctx) => {
    const dir = await tempDir();
    await copyFile(CT_SLICE, join(dir, 'ct.png'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    expect((await aeimg(['encrypt', join(dir, 'ct.png'), '--key-file', join(dir, 'k.key')])).code).toBe(0);
    await unwritableFolder(ctx, join(dir, 'ro'), (ro) => copyFile(join(dir, 'ct.aeimg'), join(ro, 'ct.aeimg')), async (ro) => {
      const r = await aeimg(['decrypt', join(ro, 'ct.aeimg'), '--key-file', join(dir, 'k.key')]);
      // It failed each file: "error: ct.aeimg: ct.png: permission denied." (or "the disk is read-only" on a CD).
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual([`error: ${ro} cannot be written (a CD or a write-protected share?). Give an output folder with -o DIR.`]);
      expect(await readdir(ro)).toEqual(['ct.aeimg']);
      expect((await aeimg(['decrypt', join(ro, 'ct.aeimg'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'back')])).code).toBe(0);
    });
  });

  it('-o naming a folder that cannot be written: said once for encrypt and decrypt, not "permission denied" per file; one that cannot be made says why', async (ctx) => {
    const dir = await tempDir();
    for (const n of ['a.png', 'b.png']) await copyFile(CT_SLICE, join(dir, n));
    expect((await aeimg(['keygen', '-o', 'k.key'], dir)).code).toBe(0);
    expect((await aeimg(['encrypt', 'a.png', 'b.png', '--key-file', 'k.key'], dir)).code).toBe(0);
    await unwritableFolder(ctx, join(dir, 'ro'), async () => undefined, async (ro) => {
      const said = `error: ${ro} cannot be written (a CD or a write-protected share?). Give an output folder with -o DIR.`;
      for (const args of [['encrypt', 'a.png', 'b.png'], ['decrypt', 'a.aeimg', 'b.aeimg']]) {
        const r = await aeimg([...args, '--key-file', 'k.key', '-o', ro], dir);
        expect(r.code).toBe(2);
        expect(errorLines(r.stderr)).toEqual([said]);
      }
      // A folder to be made in it: named the same way (it said "cannot create the output folder …/new: file not found").
      const sub = await aeimg(['decrypt', 'a.aeimg', '--key-file', 'k.key', '-o', join(ro, 'new', 'back')], dir);
      expect(sub.code).toBe(2);
      expect(errorLines(sub.stderr)).toEqual([said]);
      expect(await readdir(ro)).toEqual([]);
    });
  });

  it('a long name: 240 characters encrypt (the temp name is cut), 250 cannot take ".aeimg" and say so', async () => {
    const dir = await tempDir();
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const long = join(dir, `${'é'.repeat(120)}.png`); // 240 bytes of UTF-8 before the extension
    const tooLong = join(dir, `${'z'.repeat(250)}.png`);
    await copyFile(MR_SLICE, long);
    await copyFile(MR_SLICE, tooLong);
    const ok = await aeimg(['encrypt', long, '--key-file', join(dir, 'k.key')]);
    expect(ok.code).toBe(0);
    const r = await aeimg(['encrypt', tooLong, '--key-file', join(dir, 'k.key')]);
    expect(r.code).toBe(1);
    expect(errorLines(r.stderr)[0]).toMatch(/\.aeimg: the name is too long for the file system: give the file a shorter name\.$/);
    expect((await readdir(dir)).sort()).toEqual([`${'é'.repeat(120)}.aeimg`, `${'é'.repeat(120)}.png`, 'k.key', `${'z'.repeat(250)}.png`].sort());
  });

  it('a file larger than 2 GB (a long cine in one DICOM file): refused by name with what to do, nothing written', async () => {
    const dir = await tempDir();
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const big = join(dir, 'cine.dcm');
    await writeFile(big, Buffer.concat([Buffer.alloc(128), Buffer.from('DICM')]));
    await truncate(big, 3 * 2 ** 30); // sparse: no disk used
    const r = await aeimg(['encrypt', big, '--key-file', join(dir, 'k.key')]);
    expect(r.code).toBe(1);
    // Before 0.23: "cine.dcm: File size (3221225472) is greater than 2 GiB".
    expect(r.stderr).toContain('cine.dcm: is larger than the 2 GB aeimg reads of one file: export it as smaller files (a multi-frame DICOM file as ' +
      'several) and send them together as one study');
    expect((await readdir(dir)).sort()).toEqual(['cine.dcm', 'k.key']);
  });

  it('an uncaught exception, even with the wasm backend loaded, prints one line and exits 1', async () => {
    const script = `
      import { installCrashHandlers } from ${JSON.stringify(join(ROOT, 'src-main/cli/crash.ts'))};
      import { initBackend } from ${JSON.stringify(join(ROOT, 'src-main/engine/model/tf.ts'))};
      installCrashHandlers();
      process.env.AEIMG_BACKEND = 'wasm';
      await initBackend();
      setImmediate(() => { throw new Error('boom at a place nobody expected'); });`;
    const dir = await tempDir();
    await writeFile(join(dir, 'crash.mts'), script);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'crash.mts')], { cwd: ROOT });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^aeimg: unexpected error: boom at a place nobody expected\. .*report/)]);
  });
});

describe('resuming a batch', () => {
  it('removes its own stale temp files (and nothing else), and --skip-existing resumes encrypt and decrypt', async () => {
    const dir = await tempDir();
    const out = join(dir, 'out');
    await mkdir(out);
    await copyFile(MR_SLICE, join(dir, 'a.png'));
    await copyFile(CT_SLICE, join(dir, 'b.png'));
    expect((await aeimg(['keygen', '-o', join(dir, 'k.key')])).code).toBe(0);
    const first = await aeimg(['encrypt', join(dir, 'a.png'), '--key-file', join(dir, 'k.key'), '-o', out]);
    expect(first.code).toBe(0);
    // What kill -9 leaves, and look-alikes that are not ours.
    const stale = ['.b.aeimg.0123456789ab.partial', '.head.part1.aeimg.a1b2c3d4e5f6.partial'];
    const keep = ['.b.aeimg.partial', 'notes.partial', '.b.aeimg.0123456789ab.partial.txt', '.x.aeimg.0123456789AB.partial'];
    const old = new Date(Date.now() - 3600_000);
    for (const n of [...stale, ...keep]) {
      await writeFile(join(out, n), 'x');
      await utimes(join(out, n), old, old);
    }
    const resumed = await aeimg(['encrypt', join(dir, 'a.png'), join(dir, 'b.png'), '--key-file', join(dir, 'k.key'), '-o', out, '--skip-existing', '--jobs', '1']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/a\.png: skipped, .*a\.aeimg already exists/);
    expect(resumed.stdout).toMatch(/b\.png → /);
    expect(resumed.stdout).toMatch(/Encrypted 1 of 2 files; 1 skipped \(already there\)/);
    expect(resumed.stderr).toMatch(/removed 2 temp files left by an interrupted run/);
    expect((await readdir(out)).sort()).toEqual(['a.aeimg', 'b.aeimg', ...keep].sort());

    const back = join(dir, 'back');
    const dec1 = await aeimg(['decrypt', join(out, 'a.aeimg'), '--key-file', join(dir, 'k.key'), '-o', back]);
    expect(dec1.code).toBe(0);
    const without = await aeimg(['decrypt', join(out, 'a.aeimg'), join(out, 'b.aeimg'), '--key-file', join(dir, 'k.key'), '-o', back, '--jobs', '1']);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/a\.png already exists .*--skip-existing/);
    await rm(join(back, 'b.png')); // as if that run had been killed before b
    const dec2 = await aeimg(['decrypt', join(out, 'a.aeimg'), join(out, 'b.aeimg'), '--key-file', join(dir, 'k.key'), '-o', back, '--skip-existing', '--jobs', '1']);
    expect(dec2.code).toBe(0);
    expect(dec2.stdout).toMatch(/Decrypted 1 of 2 files; 1 skipped \(already there\)/);
    expect((await readdir(back)).sort()).toEqual(['a.png', 'b.png']);
  });
});

describe('small things said plainly', () => {
  it('usage errors exit 2: --max-pixels abc, a weak passphrase for encrypt, a passphrase with other keys', async () => {
    const dir = await tempDir();
    await copyFile(MR_SLICE, join(dir, 'a.png'));
    await writeFile(join(dir, 'k.key'), `AEIMG-SHARED-KEY-1\n${Buffer.alloc(32, 1).toString('base64')}\n`);
    const px = await aeimg(['encrypt', join(dir, 'a.png'), '--key-file', join(dir, 'k.key'), '--max-pixels', 'abc']);
    expect(px.code).toBe(2);
    expect(px.stderr).toMatch(/--max-pixels must be a whole number of at least 1/);
    const weak = await aeimg(['encrypt', join(dir, 'a.png'), '-o', join(dir, 'w')], ROOT, { AEIMG_PASSPHRASE: 'x' });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/the passphrase is too weak: it is shorter than 12 characters/);
    const mixed = await aeimg(['encrypt', join(dir, 'a.png'), '--key-file', join(dir, 'k.key'), '-o', join(dir, 'w')], ROOT, { AEIMG_PASSPHRASE: 'correct horse battery staple' });
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/a passphrase cannot be combined with other keys/);
    // What the app cannot take, refused so that every passphrase file opens there too (0.51): a second line (the whole
    // file was the passphrase), or more than 4096 characters.
    await writeFile(join(dir, 'two-lines'), 'correct horse battery staple\nand a second line\n');
    const lines = await aeimg(['encrypt', join(dir, 'a.png'), '--passphrase-file', join(dir, 'two-lines'), '-o', join(dir, 'w')]);
    expect([lines.code, lines.stderr]).toEqual([2, expect.stringContaining('error: the passphrase holds a line break: write it on one line (the app takes one line).')]);
    const long = await aeimg(['encrypt', join(dir, 'a.png'), '-o', join(dir, 'w')], ROOT, { AEIMG_PASSPHRASE: 'correct horse battery staple '.repeat(150) });
    expect([long.code, long.stderr]).toEqual([2, expect.stringContaining('the passphrase is longer than 4096 characters, more than the app takes')]);
    await rm(join(dir, 'two-lines'));
    expect(await readdir(dir)).toEqual(['a.png', 'k.key']);
    const help = await aeimg(['--help']);
    expect(help.stdout).toMatch(/AEIMG_MAX_SCRYPT_LOG_N/);
  });

  it('a study\'s part given by name but cut short is named for what it is, not as missing (0.47)', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'k.key'), `AEIMG-SHARED-KEY-1\n${Buffer.alloc(32, 1).toString('base64')}\n`);
    await copyFile(MR_SLICE, join(dir, 'a.png'));
    await copyFile(CT_SLICE, join(dir, 'b.png'));
    const enc = await aeimg(['encrypt', 'a.png', 'b.png', '--key-file', 'k.key', '--bundle', 'st', '--max-size', '14KB', '-o', 'sent'], dir);
    expect(enc.code, enc.stderr).toBe(0);
    expect((await readdir(join(dir, 'sent'))).sort()).toEqual(['st.part1of2.aeimg', 'st.part2of2.aeimg']);
    // A single-image file under a part's name, beside the study: it goes on its own, and so does the study.
    expect((await aeimg(['encrypt', 'a.png', '--key-file', 'k.key', '-o', 'single'], dir)).code).toBe(0);
    await copyFile(join(dir, 'single', 'a.aeimg'), join(dir, 'sent', 'st.part3.aeimg'));
    const both = await aeimg(['decrypt', join('sent', 'st.part1of2.aeimg'), join('sent', 'st.part2of2.aeimg'), join('sent', 'st.part3.aeimg'), '--key-file', 'k.key', '-o', 'both'], dir);
    expect(both.code, both.stderr).toBe(0);
    await truncate(join(dir, 'sent', 'st.part2of2.aeimg'), 3000);
    const dec = await aeimg(['decrypt', join('sent', 'st.part1of2.aeimg'), join('sent', 'st.part2of2.aeimg'), '--key-file', 'k.key', '-o', 'back'], dir);
    expect(dec.code).toBe(1);
    expect(dec.stderr).toMatch(/error: st\.part2of2\.aeimg: the file is cut short, or damaged in transit/);
    expect(dec.stderr).not.toMatch(/missing/); // 0.46: "the study 'st' is incomplete: st.part2of2.aeimg is missing. Add it and try again."
  });

  it('names a pipe, a link loop, a missing folder, extra bytes and a too-wide image', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'k.key'), `AEIMG-SHARED-KEY-1\n${Buffer.alloc(32, 1).toString('base64')}\n`);
    execFileSync('mkfifo', [join(dir, 'pipe.png')]);
    await symlink('loop.png', join(dir, 'loop.png'));
    await writeFile(join(dir, 'wide.png'), await sharp(Buffer.alloc(65536), { raw: { width: 65536, height: 1, channels: 1 } }).png().toBuffer());
    await copyFile(MR_SLICE, join(dir, 'a.png'));
    const enc = await aeimg(['encrypt', 'pipe.png', 'loop.png', 'wide.png', 'a.png', '--key-file', 'k.key', '--jobs', '1'], dir);
    expect(enc.code).toBe(1);
    expect(enc.stderr).toMatch(/error: pipe\.png: is not a regular file \(a pipe, device or socket\)/);
    expect(enc.stderr).toMatch(/error: loop\.png: too many symbolic links/);
    expect(enc.stderr).toMatch(/error: wide\.png: is 65536x1 pixels: wider or taller than 65535 pixels/);
    expect(enc.stderr).not.toMatch(/0\.1 MP/);

    const data = await readFile(join(dir, 'a.aeimg'));
    await writeFile(join(dir, 'extra.aeimg'), Buffer.concat([data, Buffer.from('\r\n-- \nsent from my phone\r\n')]));
    execFileSync('mkfifo', [join(dir, 'pipe.aeimg')]);
    const dec = await aeimg(['decrypt', 'extra.aeimg', 'pipe.aeimg', '--key-file', 'k.key', '-o', 'back', '--jobs', '1'], dir);
    expect(dec.code).toBe(1);
    expect(dec.stderr).toMatch(/error: extra\.aeimg: .*has extra bytes after its end/);
    expect(dec.stderr).not.toMatch(/extra\.aeimg: .*cut short/);
    expect(dec.stderr).toMatch(/error: pipe\.aeimg: is not a regular file/);

    const kg = await aeimg(['keygen', '-o', join(dir, 'missing', 'dir', 'k.key')]);
    expect(kg.code).toBe(1);
    expect(kg.stderr).toMatch(/the folder .*missing\/dir does not exist/);
    expect(kg.stderr).not.toMatch(/not found/);
    expect((await stat(join(dir, 'a.aeimg'))).isFile()).toBe(true);

    // -o naming a file: said in words, not as EEXIST.
    const out = await aeimg(['encrypt', 'a.png', '--key-file', 'k.key', '-o', 'k.key'], dir);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/error: cannot create the output folder k\.key: it, or a folder in its path, is a file; choose another with -o\./);
    // Any other reason, as one sentence (it said "….; choose another with -o.").
    const long = await aeimg(['encrypt', 'a.png', '--key-file', 'k.key', '-o', 'x'.repeat(300)], dir);
    expect(errorLines(long.stderr)).toEqual([`error: cannot create the output folder ${'x'.repeat(300)}: the name is too long for the file system: give the file a shorter name; choose another with -o.`]);
  });
});
