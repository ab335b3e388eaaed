/**
 * An archive or a compressed file given where an image was expected (a PACS's "download as ZIP", a research archive's
 * `.dcm.gz`): named as one, with what to do, where before it was "not an image aeimg can read (PNG, JPEG, … expected)"
 * and a folder of them "holds no image".
 */
import { crc32, gzipSync } from 'node:zlib';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { archiveKind } from '../../../src-main/engine/fs/archive.js';
import { AeimgReader } from '../../../src-main/engine/container/aeimg-file.js';
import { AeimgError, ErrorCode } from '../../../src-main/engine/errors.js';
import { readImageData } from '../../../src-main/engine/image/io.js';
import { encryptImageFile } from '../../../src-main/engine/jobs/encrypt.js';
import { findInputs, inputKind, inputRefusal, listInputs, namesOf } from '../../../src-main/engine/jobs/files.js';
import { SharedKey } from '../../../src-main/engine/keys/recipients.js';
import { defaultModel, FIXTURES, MR_SLICE, tempDir } from '../../helpers.js';

/** A ZIP archive holding `files` stored (as a PACS's download or Windows' "Send to compressed folder" writes one). */
function zipOf(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [], centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const n = Buffer.from(name), crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(n.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const directory = Buffer.concat(centrals), end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(centrals.length / 2, 8); end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A tar archive (ustar) of one file. */
function tarOf(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0); header.write('0000644\0', 100); header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('ustar\x0000', 257);
  header.fill(' ', 148, 156);
  header.write(`${[...header].reduce((a, b) => a + b, 0).toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([header, data, Buffer.alloc(512 - (data.length % 512)), Buffer.alloc(1024)]);
}

const DICOM = join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm');

describe('an archive given instead of an image', () => {
  it('is known by its first bytes, whatever its name: ZIP, 7-Zip, RAR, tar, gzip, bzip2, xz, Zstandard', async () => {
    const png = await readFile(MR_SLICE);
    const head = (hex: string) => Buffer.concat([Buffer.from(hex, 'hex'), Buffer.alloc(300)]);
    expect([
      zipOf({ 'IM1.png': png }), head('377abcaf271c'), head('526172211a0700'), tarOf('IM1.png', png), gzipSync(png), head('425a6839'),
      head('fd377a585a00'), head('28b52ffd'), png, await readFile(DICOM),
    ].map((b) => archiveKind(b) ?? null)).toEqual(['ZIP', '7-Zip', 'RAR', 'tar', 'gzip', 'bzip2', 'xz', 'Zstandard', null, null]);
  });

  it('is refused by name with what to do, from its first bytes, and nothing is written', async () => {
    const dir = await tempDir(), out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(dir, 'CT1.dcm.gz'), gzipSync(await readFile(DICOM)));
    await writeFile(join(dir, 'study.zip'), zipOf({ 'IM1.png': await readFile(MR_SLICE) }));
    await writeFile(join(dir, 'study.tar'), tarOf('IM1.png', await readFile(MR_SLICE)));
    const said = async (name: string) => (await readImageData(join(dir, name)).then(() => 'read', (e: Error) => e.message));
    expect(await said('CT1.dcm.gz')).toBe('CT1.dcm.gz: is a gzip-compressed file, not an image: uncompress it first (with 7-Zip on Windows, gunzip elsewhere), then give aeimg what it holds.');
    expect(await said('study.zip')).toBe('study.zip: is a ZIP archive, not an image: extract it first (in Windows Explorer: right-click it, Extract All), then give aeimg the folder it makes.');
    expect(await said('study.tar')).toMatch(/^study\.tar: is a tar archive, not an image: extract it first \(with 7-Zip\)/);
    const model = await defaultModel();
    await expect(encryptImageFile(join(dir, 'study.zip'), { model, recipients: [new SharedKey(Buffer.alloc(32, 3))], outDir: out, measure: false }))
      .rejects.toThrow('study.zip: is a ZIP archive');
    expect(await readdir(out)).toEqual([]);
    // What the app's list and --dry-run say of it before anything starts; a file that is no archive is left to its reader.
    expect(await inputKind(join(dir, 'study.zip'))).toBe('other');
    expect(await inputRefusal(join(dir, 'study.zip'), 'other')).toMatch(/^is a ZIP archive, not an image: extract it first/);
    await writeFile(join(dir, 'NOTES.txt'), 'read me');
    expect(await inputRefusal(join(dir, 'NOTES.txt'), 'other')).toBeUndefined();
  });

  it('received zipped (a mail gateway or the sender zipped the attachments), it is named as an archive where an .aeimg was expected', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'parts.zip'), zipOf({ 'ct.aeimg': Buffer.from('not read') }));
    await writeFile(join(dir, 'ct.aeimg'), gzipSync(Buffer.from('x')));
    await writeFile(join(dir, 'other.aeimg'), 'neither');
    const said = (name: string) => AeimgReader.open(join(dir, name), []).then(() => 'opened', (e: AeimgError) => `${e.code}: ${e.message}`);
    expect(await said('parts.zip')).toBe(`${ErrorCode.NotAeimg}: parts.zip: is a ZIP archive, not an .aeimg file: extract it first (in Windows Explorer: right-click it, Extract All), then open the .aeimg files it holds.`);
    expect(await said('ct.aeimg')).toBe(`${ErrorCode.NotAeimg}: ct.aeimg: is a gzip-compressed file, not an .aeimg file: uncompress it first (with 7-Zip on Windows, gunzip elsewhere), then open the .aeimg file it holds.`);
    expect(await said('other.aeimg')).toBe(`${ErrorCode.NotAeimg}: other.aeimg: is not an aeimg file (its first bytes are not the aeimg signature). ` +
      'If it came as an e-mail attachment, save the attachment itself again; otherwise ask the sender for the .aeimg file aeimg wrote.');
  });

  it('a folder holding only archives says so, naming them, where before it held "no image"', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'export', 'series'), { recursive: true });
    await writeFile(join(root, 'export', 'study.zip'), zipOf({ 'IM1.png': await readFile(MR_SLICE) }));
    await writeFile(join(root, 'export', 'series', 'CT1.dcm.gz'), gzipSync(await readFile(DICOM)));
    await expect(listInputs([root])).rejects.toThrow(
      'the folders given hold no PNG, JPEG, TIFF, WebP, BMP, GIF, JPEG 2000, JPEG-LS or DICOM image, nor do their subfolders, only archives (study.zip, CT1.dcm.gz): extract them first, then give aeimg what they hold.');
    // Beside an image, an archive is not looked into: the app lists it with what to do, and does not queue it.
    await writeFile(join(root, 'export', 'IM2.png'), await readFile(MR_SLICE));
    expect((await listInputs([root])).map((f) => [f.name, f.kind, f.refusal?.replace(/:.*/, '') ?? null])).toEqual([
      ['IM2.png', 'image', null], ['study.zip', 'other', 'is a ZIP archive, not an image'], ['CT1.dcm.gz', 'other', 'is a gzip-compressed file, not an image'],
    ]);
  });

  it('two archives of one name in two subfolders are named with them, so that the note says which (0.49)', async () => {
    const root = await tempDir();
    for (const series of ['s1', 's2']) {
      await mkdir(join(root, series));
      await writeFile(join(root, series, 'CT1.dcm.gz'), gzipSync(await readFile(DICOM)));
    }
    await writeFile(join(root, 'other.zip'), zipOf({ 'IM1.png': await readFile(MR_SLICE) }));
    const found = (await findInputs([root], /\.png$/i, undefined, { archives: true })).filter((f) => f.archive);
    expect(namesOf(found).split(', ').sort()).toEqual([join('s1', 'CT1.dcm.gz'), join('s2', 'CT1.dcm.gz'), 'other.zip'].sort()); // before: "CT1.dcm.gz, CT1.dcm.gz, other.zip"
  });
});
