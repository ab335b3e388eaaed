import { afterEach, describe, expect, it, vi } from 'vitest';
import { summarise } from '../../src-main/cli/common.js';
import { AeimgError, ErrorCode } from '../../src-main/engine/errors.js';

/** What summarise writes to stderr, and its exit status. */
function summary(...args: Parameters<typeof summarise>): { stderr: string; status: number } {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const status = summarise(...args);
  return { stderr, status };
}

afterEach(() => { vi.restoreAllMocks(); });

describe('the summary at the end of a batch', () => {
  it('after Ctrl-C, files not done are counted as not done, neither done nor failed', () => {
    // 12 images, --jobs 1: 2 written when Ctrl-C came, the one in progress and the 9 after it not done.
    const r = summary(12, { done: [{}, {}], failed: [], cancelled: 10 }, 'Encrypted');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('\nEncrypted 2 of 12; 10 not done (interrupted by Ctrl-C).\nRun the same command with --skip-existing to finish.\n');
  });

  it('a failure and files not done after Ctrl-C are told apart', () => {
    const failed = [new AeimgError(ErrorCode.BadInput, 'c.png: not an image aeimg reads.')];
    const r = summary(12, { done: [{}], failed, cancelled: 10 }, 'Decrypted', 0);
    expect(r.stderr).toBe('\nDecrypted 1 of 12; 10 not done (interrupted by Ctrl-C); 1 failed:\n  - c.png: not an image aeimg reads.\n' +
      'Run the same command with --skip-existing to finish.\n');
  });
});
