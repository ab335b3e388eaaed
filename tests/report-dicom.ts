/** Reports as a PACS exports them beside a study's images, for the tests (dicom/documents.ts). */
import { writeFile } from 'node:fs/promises';
import dcmjs from 'dcmjs';

/** A PDF of odd length: its DICOM element is padded to an even one, which the receiver's PDF must not keep. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** An Encapsulated PDF file as a PACS exports it, holding `pdf` under `title`. */
export async function pdfDicom(path: string, pdf: Buffer, title = 'Radiology report'): Promise<string> {
  const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
  const sopClass = '1.2.840.10008.5.1.4.1.1.104.1';
  const dict = new dcmjs.data.DicomDict({
    '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', sopClass), '00020003': v('UI', '2.25.4242'), '00020010': v('UI', '1.2.840.10008.1.2.1'),
  });
  const padded = Buffer.concat([pdf, Buffer.alloc(pdf.length % 2)]);
  dict.dict = {
    '00080016': v('UI', sopClass), '00080018': v('UI', '2.25.4242'), '00080060': v('CS', 'DOC'), '00100010': v('PN', { Alphabetic: 'Doe^Jane' }),
    '00420010': v('ST', title), '00420012': v('LO', 'application/pdf'), '00420015': v('UL', pdf.length),
    '00420011': v('OB', padded.buffer.slice(padded.byteOffset, padded.byteOffset + padded.length)),
  };
  await writeFile(path, Buffer.from(dict.write()));
  return path;
}
