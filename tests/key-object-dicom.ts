/**
 * A Key Object Selection document ("key image note") as a PACS writes one, built with dcmjs (not aeimg's code), for the
 * engine's tests and the viewer's: a title from CID 7010 (default "Of Interest"; "Rejected for Quality Reasons" is
 * code 113001), a Key Object Description, and the images it flags.
 */
import { readFile, writeFile } from 'node:fs/promises';
import dcmjs from 'dcmjs';

export const KOS_CLASS = '1.2.840.10008.5.1.4.1.1.88.59';
const CT_CLASS = '1.2.840.10008.5.1.4.1.1.2';

const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
const code = (value: string, meaning: string, scheme = 'DCM') => v('SQ', { '00080100': v('SH', value), '00080102': v('SH', scheme), '00080104': v('LO', meaning) });

/** Writes the document to `path`, flagging `images` (SOP Instance UIDs of CT images). */
export async function keyObjectDicom(path: string, images: string[], opts: { code?: string; title?: string; description?: string } = {}): Promise<void> {
  const meta = { '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', KOS_CLASS), '00020003': v('UI', '2.25.5151'), '00020010': v('UI', '1.2.840.10008.1.2.1') };
  const dict = new dcmjs.data.DicomDict(meta);
  dict.dict = {
    '00080016': v('UI', KOS_CLASS), '00080018': v('UI', '2.25.5151'), '00080060': v('CS', 'KO'), '00100010': v('PN', { Alphabetic: 'Doe^Jane' }),
    '0040A040': v('CS', 'CONTAINER'), '0040A050': v('CS', 'SEPARATE'),
    '0040A043': code(opts.code ?? '113000', opts.title ?? 'Of Interest'),
    '0040A730': v('SQ',
      ...(opts.description === undefined ? [] : [{
        '0040A010': v('CS', 'CONTAINS'), '0040A040': v('CS', 'TEXT'), '0040A043': code('113012', 'Key Object Description'), '0040A160': v('UT', opts.description),
      }]),
      ...images.map((sop) => ({
        '0040A010': v('CS', 'CONTAINS'), '0040A040': v('CS', 'IMAGE'),
        '00081199': v('SQ', { '00081150': v('UI', CT_CLASS), '00081155': v('UI', sop) }),
      }))),
  };
  await writeFile(path, Buffer.from(dict.write()));
}

/** Copies a DICOM file with another SOP Instance UID (and instance number): a second slice of the same series. */
export async function withInstance(source: string, path: string, sop: string, instance: number): Promise<void> {
  const b = await readFile(source);
  const dicom = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  dicom.dict['00080018'] = v('UI', sop);
  dicom.dict['00200013'] = v('IS', instance);
  dicom.meta['00020003'] = v('UI', sop);
  await writeFile(path, Buffer.from(dicom.write()));
}
