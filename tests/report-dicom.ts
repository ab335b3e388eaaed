/** Reports as a PACS exports them beside a study's images, for the tests (dicom/documents.ts). */
import { readFile, writeFile } from 'node:fs/promises';
import dcmjs from 'dcmjs';

const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });

/** A PDF of odd length: its DICOM element is padded to an even one, which the receiver's PDF must not keep. */
export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

/** An Encapsulated PDF file as a PACS exports it, holding `pdf` under `title`. */
export async function pdfDicom(path: string, pdf: Buffer, title = 'Radiology report'): Promise<string> {
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

const code = (value: string, meaning: string) => v('SQ', { '00080100': v('SH', value), '00080102': v('SH', 'DCM'), '00080104': v('LO', meaning) });

/** A structured report of SOP class `srClass` titled `title` whose root container holds `items` (one "Image Region" each). */
function report(srClass: string, uid: string, title: string, items: Record<string, unknown>[]): Buffer {
  const dict = new dcmjs.data.DicomDict({
    '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', srClass), '00020003': v('UI', uid), '00020010': v('UI', '1.2.840.10008.1.2.1'),
  });
  dict.dict = {
    '00080016': v('UI', srClass), '00080018': v('UI', uid), '00080060': v('CS', 'SR'), '00100010': v('PN', { Alphabetic: 'Doe^Jane' }),
    '0040A040': v('CS', 'CONTAINER'), '0040A043': code('126000', title), '0040A050': v('CS', 'SEPARATE'),
    '0040A730': v('SQ', ...items.map((item) => ({ '0040A010': v('CS', 'CONTAINS'), '0040A043': code('111030', 'Image Region'), ...item }))),
  };
  return Buffer.from(dict.write());
}

/**
 * A Comprehensive SR measurement report with one outline (a closed POLYLINE, image pixels) per entry of `outlines`, each
 * selected from image `sop` of `sopClass`: a segmentation tool's contours, many points each.
 */
export function outlinesReport(outlines: { sop: string; points: number[] }[], sopClass = '1.2.840.10008.5.1.4.1.1.2', title = 'Organ contours'): Buffer {
  return report('1.2.840.10008.5.1.4.1.1.88.33', '2.25.4343', title, outlines.map(({ sop, points }) => ({
    '0040A040': v('CS', 'SCOORD'), '00700023': v('CS', 'POLYLINE'), '00700022': v('FL', ...points),
    '0040A730': v('SQ', { '0040A010': v('CS', 'SELECTED FROM'), '0040A040': v('CS', 'IMAGE'), '00081199': v('SQ', { '00081150': v('UI', sopClass), '00081155': v('UI', sop) }) }),
  })));
}

/** A closed outline of `n` points round (x, y) with radius r: n − 1 around it and the first again. */
export const circleOutline = (n: number, x: number, y: number, r: number) =>
  Array.from({ length: n }, (_, i) => [x + r * Math.cos((2 * Math.PI * i) / (n - 1)), y + r * Math.sin((2 * Math.PI * i) / (n - 1))]).flat();

/** A DICOM file's attribute `tag`'s values: its SOP Instance UID (what a report's references name it by), its Frame of Reference. */
export async function valuesOf(path: string, tag: string): Promise<unknown[]> {
  const bytes = await readFile(path);
  const { dict } = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  return dict[tag]?.Value ?? [];
}

/** A Comprehensive 3D SR with one 3D region (SCOORD3D: graphic type and x, y, z triplets in mm) per entry, in Frame of Reference `frame`. */
export function regions3dReport(frame: string, regions: { type: string; points: number[] }[]): Buffer {
  return report('1.2.840.10008.5.1.4.1.1.88.34', '2.25.4444', 'Nodule findings', regions.map(({ type, points }) => ({
    '0040A040': v('CS', 'SCOORD3D'), '00700023': v('CS', type), '00700022': v('FL', ...points), '30060024': v('UI', frame),
  })));
}

/** A one-page PDF (A4) that says `lines` in Helvetica, as a department's reporting system exports a report. */
export function textPdf(lines: string[]): Buffer {
  const text = lines.map((l, i) => `BT /F1 14 Tf 72 ${770 - 20 * i} Td (${l.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj ET`).join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${Buffer.byteLength(text)} >>\nstream\n${text}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => { offsets.push(Buffer.byteLength(body)); body += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
