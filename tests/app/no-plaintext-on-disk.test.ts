/**
 * Nothing decrypted touches the disk except the output the user chose: every file the CLI's decrypt and the app's
 * open / denoised view / save create, rename or link (all processes and threads, seen by strace) is in the output
 * folder. Skipped, saying why, where strace is missing (.ci/run installs it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encryptImageFile } from '../../src-main/engine/jobs/encrypt.js';
import { generateSharedKey, writeKeyFile } from '../../src-main/engine/keys/keyfile.js';
import { defaultModel, MR_SLICE, ROOT, tempDir } from '../helpers.js';

const run = promisify(execFile);
const hasStrace = (() => {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Paths a traced process created or wrote (open for writing, creat, rename/link targets), made absolute against `cwd`. */
function writtenPaths(trace: string, cwd: string): string[] {
  const out: string[] = [];
  for (const line of trace.split('\n')) {
    const open = /\b(?:open|openat|creat)\((?:AT_FDCWD, )?"([^"]+)"(?:, ([A-Z_|]+))?/.exec(line);
    if (open && (/creat\(/.test(line) || /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(open[2] ?? ''))) out.push(open[1]!);
    const move = /\b(?:rename|renameat2?|link|linkat)\((?:AT_FDCWD, )?"([^"]+)", (?:AT_FDCWD, )?"([^"]+)"/.exec(line);
    if (move) out.push(move[2]!);
  }
  return [...new Set(out.map((p) => (isAbsolute(p) ? p : resolve(cwd, p))))];
}

/** Writes that carry no image: devices, /proc, and tsx's compile cache of our own TypeScript. */
const harmless = (p: string) => /^\/(dev|proc|sys)\//.test(p) || p.startsWith(join(tmpdir(), 'tsx-'));

async function traced(args: string[], cwd: string, logDir = cwd): Promise<string[]> {
  const log = join(logDir, 'strace.log');
  await run('strace', ['-f', '-qq', '-e', 'trace=open,openat,creat,rename,renameat,renameat2,link,linkat', '-o', log, process.execPath, ...args],
    { cwd, maxBuffer: 1 << 24, timeout: 180_000 });
  return writtenPaths(await readFile(log, 'utf8'), cwd).filter((p) => p !== log && !harmless(p));
}

async function setup() {
  const dir = await tempDir();
  const key = generateSharedKey('trace');
  await writeKeyFile(join(dir, 'k.key'), key);
  await mkdir(join(dir, 'in'));
  const enc = await encryptImageFile(MR_SLICE, { model: await defaultModel(), recipients: [key], outDir: join(dir, 'in'), measure: false });
  const out = join(dir, 'chosen');
  await mkdir(out);
  return { dir, file: enc.output, out };
}

describe.skipIf(!hasStrace)('no plaintext outside the chosen folder (strace)', () => {
  it('the CLI\'s decrypt writes only into -o', async () => {
    const { dir, file, out } = await setup();
    const written = await traced([join(ROOT, 'bin/aeimg.js'), 'decrypt', file, '--key-file', join(dir, 'k.key'), '-o', out], dir);
    expect(await readdir(out)).toEqual(['mr-colin27-axial-020.png']);
    expect(written.some((p) => p.startsWith(`${out}/`))).toBe(true); // the trace does see the writes
    expect(written.filter((p) => !p.startsWith(`${out}/`))).toEqual([]);
  });

  it('the app\'s open, denoised view and save write only where the save dialog said', async () => {
    const { dir, file, out } = await setup();
    // Run from the repository, where `--import tsx` resolves.
    const written = await traced(['--import', 'tsx', join(ROOT, 'tests/app/journey.script.ts'), file, join(dir, 'k.key'), out, join(dir, 'config')], ROOT, dir);
    expect(await readdir(out)).toEqual(['mr-colin27-axial-020.png']);
    expect(written.some((p) => p.startsWith(`${out}/`))).toBe(true); // the trace does see the writes
    expect(written.filter((p) => !p.startsWith(`${out}/`))).toEqual([]);
  });
});
