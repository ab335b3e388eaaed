/**
 * What a physician drops on the Open tab: every .aeimg in it listed to open in turn, a study's parts once, archives
 * named. Before 0.27 the first path dropped was opened and the others left without a word; a folder was refused.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { receivedFiles } from '../../../src-main/engine/jobs/open.js';
import { tempDir } from '../../helpers.js';

describe('the files dropped to be opened', () => {
  it('a folder gives its .aeimg files in natural order, a study once (its first part), and names the archives it leaves out', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'inbox', 'study'), { recursive: true });
    for (const n of ['scan10.aeimg', 'scan2.aeimg', 'notes.txt', 'attachments.zip', join('study', 'head.part2of2.aeimg'), join('study', 'head.part1of2.aeimg')]) {
      await writeFile(join(dir, 'inbox', n), 'x');
    }
    const r = await receivedFiles([join(dir, 'inbox')]);
    expect(r.files).toEqual([
      { path: join(dir, 'inbox', 'scan2.aeimg'), name: 'scan2.aeimg' },
      { path: join(dir, 'inbox', 'scan10.aeimg'), name: 'scan10.aeimg' },
      { path: join(dir, 'inbox', 'study', 'head.part1of2.aeimg'), name: 'head (a study)' },
    ]);
    expect(r.note).toBe('attachments.zip is an archive or compressed file, whose .aeimg files are not read inside it, so it is left out: to open what it holds, extract it first.');
    // Files dropped by name, in the order dropped; one that is no .aeimg is kept, for opening to say what it is.
    const named = await receivedFiles([join(dir, 'inbox', 'scan10.aeimg'), join(dir, 'inbox', 'notes.txt')]);
    expect(named.files.map((f) => f.name)).toEqual(['scan10.aeimg', 'notes.txt']);
    expect(named.note).toBeUndefined();
  });

  it('a folder without one says so, naming the archives it holds instead', async () => {
    const dir = await tempDir();
    await expect(receivedFiles([dir])).rejects.toThrow(`the folder ${basename(dir)} holds no .aeimg file, nor do its subfolders: give the .aeimg files received, or the folder they were saved in.`);
    await mkdir(join(dir, 'more'));
    await expect(receivedFiles([dir, join(dir, 'more')])).rejects.toThrow('the folders given hold no .aeimg file, nor do their subfolders');
    await writeFile(join(dir, 'parts.zip'), 'x');
    await expect(receivedFiles([dir])).rejects.toThrow('only an archive (parts.zip): extract it first, then open the .aeimg files it holds.');
  });
});
