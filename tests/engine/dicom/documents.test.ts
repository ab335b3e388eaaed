import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import dcmjs from 'dcmjs';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { documentFiles, documentOutput, plainDocuments, readDocument, srText, studyImageIndex, studyImageNamer, studyReportMarks, validDocuments } from '../../../src-main/engine/dicom/documents.js';
import { documentKind } from '../../../src-main/engine/dicom/sop-classes.js';
import { dicomMetaOf, readDicomFile } from '../../../src-main/engine/dicom/import.js';
import { parseDicomHeader } from '../../../src-main/engine/dicom/read-dataset.js';
import { reportMarksInfo } from '../../../src-main/engine/dicom/report-marks.js';
import { writtenReferences } from '../../../src-main/engine/dicom/report-references.js';
import { imagePlanes } from '../../../src-main/engine/dicom/image-planes.js';
import { carriedWords } from '../../../src-main/engine/dicom/study-objects.js';
import { decryptStudy, encryptStudy, estimateStudy } from '../../../src-main/engine/jobs/study.js';
import { findInputs, IMAGE_INPUT } from '../../../src-main/engine/jobs/files.js';
import { isDicomFile } from '../../../src-main/engine/dicom/header.js';
import { openAeimg } from '../../../src-main/engine/jobs/open.js';
import { recordDocuments } from '../../../src-main/engine/jobs/export.js';
import { readInput } from '../../../src-main/engine/jobs/read-input.js';
import { readCodedSlices } from '../../../src-main/engine/jobs/slices.js';
import { generateSharedKey } from '../../../src-main/engine/keys/keyfile.js';
import type { Autoencoder } from '../../../src-main/engine/model/autoencoder.js';
import { defaultModel, FIXTURES, models, tempDir } from '../../helpers.js';
import { circleOutline, outlinesReport, PDF, pdfDicom, regions3dReport } from '../../report-dicom.js';

const key = generateSharedKey('Reports');
let model: Autoencoder;
beforeAll(async () => { model = await defaultModel(); });

const CT = join(FIXTURES, 'dicom', 'ct_small_explicit_le.dcm');
const SR = join(FIXTURES, 'dicom', 'sr_measurement_report.dcm');

/** A study folder: the CT slice, the measurement report and a PDF report. */
async function study(pdf = PDF) {
  const dir = await tempDir();
  await copyFile(CT, join(dir, 'ct.dcm'));
  await copyFile(SR, join(dir, 'sr.dcm'));
  await pdfDicom(join(dir, 'report.dcm'), pdf);
  await mkdir(join(dir, 'parts'));
  return { dir, inputs: [join(dir, 'report.dcm'), join(dir, 'ct.dcm'), join(dir, 'sr.dcm')] };
}

/** An ellipse's centre and semi-axes from its axes' end points (major, then minor). */
const ellipseAxes = ([x0, y0, x1, y1, x2, y2, x3, y3]: number[]) =>
  [(x0! + x1!) / 2, (y0! + y1!) / 2, Math.hypot(x1! - x0!, y1! - y0!) / 2, Math.hypot(x3! - x2!, y3! - y2!) / 2];

describe("a study's reports (structured reports, PDF documents)", () => {
  it('are known by their SOP class: every structured report but a key object selection, PDF and CDA', () => {
    expect(documentKind('1.2.840.10008.5.1.4.1.1.88.67')).toBe('structured report'); // X-Ray Radiation Dose SR
    expect(documentKind('1.2.840.10008.5.1.4.1.1.88.34')).toBe('structured report');
    expect(documentKind('1.2.840.10008.5.1.4.1.1.104.1')).toBe('PDF');
    expect(documentKind('1.2.840.10008.5.1.4.1.1.104.2')).toBe('CDA document');
    expect(documentKind('1.2.840.10008.5.1.4.1.1.88.59')).toBeUndefined(); // a key object selection goes with the images it flags
    expect(documentKind('1.2.840.10008.5.1.4.1.1.104.3')).toBeUndefined(); // an STL model is not a report
    expect(documentKind('1.2.840.10008.5.1.4.1.1.2')).toBeUndefined();
  });

  it('a structured report reads as text: its title, patient, state, and every measurement with its units, as dcmtk lists them', async () => {
    const text = srText(parseDicomHeader(new Uint8Array(await readFile(SR))));
    const lines = text.split('\n');
    expect(lines[0]).toBe('Imaging Measurement Report');
    expect(lines).toContain('Patient: CompressedSamples CT1 (ID 1CT1)');
    expect(lines).toContain('Preliminary: PRELIMINARY');
    expect(lines).toContain('Completion: PARTIAL');
    expect(lines).toContain('Verification: UNVERIFIED');
    expect(lines).toContain('    Finding: Spinal cord');
    expect(lines).toContain('    Area of defined region: 1.7 cm2');
    expect(lines).toContain('    Image Region: (circle centred at 58, 52, radius 11 px)'); // dsrdump: (CIRCLE,58/52,...), through 58, 41
    expect(lines).toContain('      Normality: Normal');
    if (existsSync('/usr/bin/dsrdump')) { // dcmtk's own listing: each NUM's value and unit, each CODE's meaning
      const dump = spawnSync('/usr/bin/dsrdump', [SR], { encoding: 'utf8' }).stdout;
      const nums = [...dump.matchAll(/NUM:\(,,"([^"]+)"\)="([^"]+)" \(([^,]+),/g)].map(([, name, value, unit]) => `${name}: ${value} ${unit}`);
      const codes = [...dump.matchAll(/CODE:\(,,"([^"]+)"\)=\([^,]*,[^,]*,"([^"]+)"\)/g)].map(([, name, meaning]) => `${name}: ${meaning}`);
      expect(nums.length + codes.length).toBeGreaterThan(5);
      for (const line of [...nums, ...codes]) expect(lines.map((l) => l.trim())).toContain(line);
    }
  });

  it('a study sent with its full header carries them, and the receiver gets each as a file: the DICOM file itself, or its PDF and its text', async () => {
    const { dir, inputs } = await study();
    const enc = await encryptStudy(inputs, { model, recipients: [key], name: 'reports', outDir: join(dir, 'parts'), measure: false, deidentify: null });
    expect(enc.images).toBe(1);
    expect(enc.warnings).toEqual([]);
    expect(enc.carriedObjects.map((c) => [c.kind, c.label])).toEqual([['PDF', 'Radiology report'], ['structured report', 'Imaging Measurement Report']]);
    expect(carriedWords(enc.carriedObjects[0]!, 'went')).toBe('its PDF document "Radiology report" went with the study: the reader gets it as a file beside ' +
      'the images (its PDF with PNG output, the DICOM file itself with DICOM output).');

    await mkdir(join(dir, 'png'));
    const png = await decryptStudy(enc.parts.map((p) => p.path), { identities: [key], models: models(), outDir: join(dir, 'png'), format: 'png' });
    expect(png.studyObjects.map((o) => [o.kind, o.path.slice(join(dir, 'png').length + 1)])).toEqual([
      ['PDF', 'report-Radiology_report.pdf'], ['structured report', 'report-Imaging_Measurement_Report.txt']]);
    expect(await readFile(png.studyObjects[0]!.path)).toEqual(PDF); // the PDF as the PACS held it, without the element's padding
    // The report's text, the image it measured named by the file the reader has (without it, by its UID).
    const text = await readFile(png.studyObjects[1]!.path, 'utf8');
    const alone = srText(parseDicomHeader(new Uint8Array(await readFile(SR))));
    expect(alone).toContain('      Source Image: (image 1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322)');
    expect(text).toBe(alone.replace('(image 1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322)', '(image ct.png)'));
    if (existsSync('/usr/bin/dcm2pdf')) { // dcmtk extracts the same PDF from the sender's file
      spawnSync('/usr/bin/dcm2pdf', [join(dir, 'report.dcm'), join(dir, 'dcmtk.pdf')]);
      expect(await readFile(png.studyObjects[0]!.path)).toEqual(await readFile(join(dir, 'dcmtk.pdf')));
    }

    await mkdir(join(dir, 'dcm'));
    const dcm = await decryptStudy(enc.parts.map((p) => p.path), { identities: [key], models: models(), outDir: join(dir, 'dcm'), format: 'dcm' });
    expect(dcm.studyObjects.map((o) => o.path.slice(join(dir, 'dcm').length + 1))).toEqual(['report-Radiology_report.dcm', 'report-Imaging_Measurement_Report.dcm']);
    expect(await readFile(dcm.studyObjects[0]!.path)).toEqual(await readFile(join(dir, 'report.dcm'))); // byte for byte
    // The structured report references the CT as written (a new, derived instance), as a PACS will hold it: a new
    // instance of the report, otherwise the sender's (dcmtk's dsrdump lists the same content, but for those UIDs).
    const [written] = await readDicomFile(join(dir, 'dcm', 'ct.dcm'), { maxPixels: 1e7, deidentify: null });
    const [ctNew, ctOld] = [String(written!.dicom.dataset['00080018']!.Value![0]), '1.3.6.1.4.1.5962.1.1.1.1.1.20040119072730.12322'];
    expect(ctNew).not.toBe(ctOld);
    const srNew = parseDicomHeader(new Uint8Array(await readFile(dcm.studyObjects[1]!.path)));
    expect(srNew.string('x00080018')).not.toBe(parseDicomHeader(new Uint8Array(await readFile(SR))).string('x00080018'));
    expect(srText(srNew)).toBe(alone.replace(ctOld, ctNew));
    if (existsSync('/usr/bin/dsrdump')) {
      const dump = (p: string) => spawnSync('/usr/bin/dsrdump', ['-Ec', p], { encoding: 'utf8' });
      const [before, after] = [dump(SR), dump(dcm.studyObjects[1]!.path)];
      expect(after.status).toBe(0);
      expect(after.stdout.replace(/\n.*(?:SOP Instance UID|Instance Creat).*$/gm, '')).toBe(before.stdout.replaceAll(ctOld, ctNew)
        .replace(/\n.*(?:SOP Instance UID|Instance Creat).*$/gm, ''));
    }
    expect((await readdir(join(dir, 'dcm'))).sort()).toEqual(['ct.dcm', 'report-Imaging_Measurement_Report.dcm', 'report-Radiology_report.dcm']);
  });

  it('de-identified, too large, or in a study without a DICOM image, a report does not go, and the sender is told why', async () => {
    const { dir, inputs } = await study();
    const deid = await encryptStudy(inputs, { model, recipients: [key], name: 'deid', outDir: join(dir, 'parts'), measure: false });
    expect(deid.carriedObjects).toEqual([]);
    expect(deid.warnings).toEqual([
      'report.dcm: is a PDF document in DICOM: de-identification removes reports (their text names the patient, and no option of the profile cleans it), ' +
      'so the study goes without it and the reader will not have it. To carry it, send the study with its full header (aeimg encrypt --deidentify none; ' +
      'in the app, DICOM metadata "Keep all").',
      'sr.dcm: is a structured report: de-identification removes reports (their text names the patient, and no option of the profile cleans it), ' +
      'so the study goes without it and the reader will not have it. To carry it, send the study with its full header (aeimg encrypt --deidentify none; ' +
      'in the app, DICOM metadata "Keep all").',
    ]);
    const { items } = await openAeimg(deid.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    expect(items.map(({ record }) => dicomMetaOf(record)?.documents)).toEqual([undefined]);
    expect(JSON.stringify(items[0]!.record)).not.toContain('Doe');

    const big = await study(randomBytes(700 * 1024));
    const r = await encryptStudy(big.inputs, { model, recipients: [key], name: 'big', outDir: join(big.dir, 'parts'), measure: false, deidentify: null });
    expect(r.carriedObjects.map((c) => c.kind)).toEqual(['structured report']);
    expect(r.warnings).toEqual(['report.dcm: is a PDF document in DICOM: it is larger (701 KB) than the 640 KB aeimg carries of a report, so the study goes without it ' +
      'and the reader will not have it.']);

    // Two reports that fit one at a time, but not together in the one image's record: the second is named.
    const two = await study(randomBytes(400 * 1024));
    await pdfDicom(join(two.dir, 'second.dcm'), randomBytes(400 * 1024), 'Addendum');
    const both = await encryptStudy([...two.inputs, join(two.dir, 'second.dcm')], { model, recipients: [key], name: 'two', outDir: join(two.dir, 'parts'), measure: false, deidentify: null });
    expect(both.carriedObjects.map((c) => c.label)).toEqual(['Radiology report', 'Imaging Measurement Report']);
    expect(both.warnings).toEqual(['second.dcm: is a PDF document in DICOM: the study\'s image carries at most 640 KB of reports, and its other ' +
      'reports fill it, so the study goes without it and the reader will not have it.']);

    // Without a DICOM image (a study of PNG slices), there is no record to carry it in.
    const plain = await tempDir();
    await writeFile(join(plain, 'slice.png'), await sharp(Buffer.alloc(256, 90), { raw: { width: 16, height: 16, channels: 1 } }).png().toBuffer());
    await copyFile(SR, join(plain, 'sr.dcm'));
    await mkdir(join(plain, 'parts'));
    const png = await encryptStudy([join(plain, 'slice.png'), join(plain, 'sr.dcm')], { model, recipients: [key], name: 'png', outDir: join(plain, 'parts'), measure: false, deidentify: null });
    expect(png.warnings).toEqual(['sr.dcm: is a structured report: the study holds no DICOM image to carry it with, so the study goes without it and the reader will not have it.']);
  });

  it('a PDF report exported beside PNG images goes with them as one study, and the reader gets the PDF itself, with either output', async () => {
    const dir = await tempDir();
    for (const n of [1, 2]) {
      await writeFile(join(dir, `slice${n}.png`), await sharp(Buffer.alloc(256, 40 * n), { raw: { width: 16, height: 16, channels: 1 } }).png().toBuffer());
    }
    await writeFile(join(dir, 'Radiology report.pdf'), PDF);
    await writeFile(join(dir, 'notes.pdf'), 'not a PDF at all');
    // A study made of the folder takes its PDFs (a plain batch takes its images only).
    const found = (await findInputs([dir], IMAGE_INPUT, isDicomFile, { objects: true })).map((f) => basename(f.path));
    expect(found).toEqual(['notes.pdf', 'Radiology report.pdf', 'slice1.png', 'slice2.png']);
    expect((await findInputs([dir], IMAGE_INPUT, isDicomFile)).map((f) => basename(f.path))).toEqual(['slice1.png', 'slice2.png']);
    // Given alone or in a plain batch, it is refused by name with how to send it.
    await expect(readInput({ input: join(dir, 'Radiology report.pdf'), maxPixels: 1e7 })).rejects.toThrow(
      'Radiology report.pdf is a PDF document, not an image: a PDF report goes with the images of a study. Send them as one study');
    await mkdir(join(dir, 'parts'));
    const inputs = ['slice1.png', 'slice2.png', 'Radiology report.pdf', 'notes.pdf'].map((n) => join(dir, n));
    // Nothing of a study of PNG images is de-identified, so its report goes with the default settings.
    const enc = await encryptStudy(inputs, { model, recipients: [key], name: 'plain', outDir: join(dir, 'parts'), measure: false });
    expect(enc.images).toBe(2);
    expect(enc.carriedObjects.map((c) => [c.kind, c.label])).toEqual([['PDF', 'Radiology report']]);
    expect(carriedWords(enc.carriedObjects[0]!, 'went')).toBe('its PDF document "Radiology report" went with the study: the reader gets it as a file ' +
      'beside the images (the PDF itself, with PNG and DICOM output).');
    expect(enc.warnings).toEqual(['notes.pdf: is a PDF document: it could not be read (it is not a PDF (it does not start with %PDF-)), so the study goes without it.']);
    for (const format of ['png', 'dcm'] as const) {
      const out = join(dir, format);
      await mkdir(out);
      const back = await decryptStudy(enc.parts.map((p) => p.path), { identities: [key], models: models(), outDir: out, format });
      expect(back.studyObjects.map((o) => [o.kind, basename(o.path)])).toEqual([['PDF', 'report-Radiology_report.pdf']]);
      expect(await readFile(back.studyObjects[0]!.path)).toEqual(PDF); // the sender's file, byte for byte
    }
    // One larger than a record holds is set aside by its size, never read (a 3 GB file: reading it whole would fail).
    const huge = join(dir, 'scan.pdf');
    await writeFile(huge, PDF);
    await truncate(huge, 3 * 2 ** 30);
    const big = await encryptStudy([inputs[0]!, huge], { model, recipients: [key], name: 'huge', outDir: join(dir, 'parts'), measure: false });
    expect(big.warnings).toEqual(['scan.pdf: is a PDF document: it is larger (3,072 MB) than the 640 KB aeimg carries of a report, so the study goes ' +
      'without it and the reader will not have it.']);
    await rm(huge);
    // In a study whose DICOM images are de-identified, it does not go (its text names the patient), and the sender is told.
    await copyFile(CT, join(dir, 'ct.dcm'));
    const deid = await encryptStudy([join(dir, 'ct.dcm'), join(dir, 'Radiology report.pdf')], { model, recipients: [key], name: 'deid', outDir: join(dir, 'parts'), measure: false });
    expect(deid.carriedObjects).toEqual([]);
    expect(deid.warnings[0]).toMatch(/^Radiology report\.pdf: is a PDF document: de-identification removes reports .* To carry it, send the study with its full header/);
    // With the full header it goes, in the DICOM image's record beside its DICOM metadata.
    const full = await encryptStudy([join(dir, 'ct.dcm'), join(dir, 'Radiology report.pdf')], { model, recipients: [key], name: 'full', outDir: join(dir, 'parts'), measure: false, deidentify: null });
    expect(full.carriedObjects.map((c) => c.label)).toEqual(['Radiology report']);
    const { items } = await openAeimg(full.parts[0]!.path, [key], (f, ids) => readCodedSlices(f, ids));
    expect(recordDocuments(items[0]!.record).map((d) => [d.title, d.plain])).toEqual([['Radiology report', true]]);
  });

  it('a CD given whole as one study brings the reports its DICOMDIR indexes; an object without an image (a registration) is set aside, named for what it is', async () => {
    const root = await tempDir();
    const series = join(root, 'DICOM', 'ST000000', 'SE000000');
    await mkdir(series, { recursive: true });
    await copyFile(CT, join(series, 'IM000000'));
    await copyFile(SR, join(series, 'SR000000'));
    await pdfDicom(join(series, 'DOC00000'), PDF);
    const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
    const other = new dcmjs.data.DicomDict({ '00020002': v('UI', '1.2.840.10008.5.1.4.1.1.66.1'), '00020003': v('UI', '2.25.5'), '00020010': v('UI', '1.2.840.10008.1.2.1') });
    other.dict = { '00080016': v('UI', '1.2.840.10008.5.1.4.1.1.66.1'), '00080018': v('UI', '2.25.5') }; // a spatial registration: no image, no kind aeimg names
    await writeFile(join(series, 'REG00000'), Buffer.from(other.write()));
    const record = (type: string, name: string) => ({ '00041430': v('CS', type), '00041500': v('CS', 'DICOM', 'ST000000', 'SE000000', name) });
    const index = new dcmjs.data.DicomDict({ '00020002': v('UI', '1.2.840.10008.1.3.10'), '00020003': v('UI', '2.25.6'), '00020010': v('UI', '1.2.840.10008.1.2.1') });
    index.dict = {
      '00041220': v('SQ', { '00041430': v('CS', 'PATIENT') }, record('SR DOCUMENT', 'SR000000'), record('IMAGE', 'IM000000'), record('ENCAP DOC', 'DOC00000'),
        record('REGISTRATION', 'REG00000')),
    };
    await writeFile(join(root, 'DICOMDIR'), Buffer.from(index.write()));
    const found = (await findInputs([root], IMAGE_INPUT, isDicomFile, { objects: true })).map((f) => f.path);
    // Its reports, after its images; not its registration, which a study would only set aside.
    expect(found.map((p) => p.slice(series.length + 1))).toEqual(['IM000000', 'SR000000', 'DOC00000']);
    await mkdir(join(root, 'parts'));
    const enc = await encryptStudy(found, { model, recipients: [key], name: 'cd', outDir: join(root, 'parts'), measure: false, deidentify: null });
    expect(enc.images).toBe(1);
    expect(enc.carriedObjects.map((c) => [c.kind, c.label])).toEqual([['structured report', 'Imaging Measurement Report'], ['PDF', 'Radiology report']]);
    expect(enc.warnings).toEqual([]);
    // Its series folder given itself is searched: the registration is found, and set aside by name (before 0.22 it was
    // taken for an image, and the study failed on it).
    const walked = (await findInputs([series], IMAGE_INPUT, isDicomFile)).map((f) => f.path);
    expect(walked).toHaveLength(4);
    const all = await encryptStudy(walked, { model, recipients: [key], name: 'series', outDir: join(root, 'parts'), measure: false, deidentify: null });
    expect(all.carriedObjects).toHaveLength(2);
    expect(all.warnings).toEqual(['REG00000: is a registration, how two of its image sets line up (a PET/CT or MR fusion), not an image: the study goes without it (aeimg sends images), ' +
      'so the reader will not have it.']);
  });

  it('the size a study is estimated at counts its reports, and a part too small for an image with its reports says so', async () => {
    const pdf = randomBytes(300 * 1024);
    const { inputs } = await study(pdf);
    const without = await estimateStudy(inputs, { model, deidentify: {} });
    const withThem = await estimateStudy(inputs, { model, deidentify: null });
    expect(withThem.bytes - without.bytes).toBeGreaterThan(pdf.length);
    // Parts smaller than the image with the report it carries: named with the report, not as if the image alone were too large.
    const { dir } = await study(pdf);
    await expect(encryptStudy(inputs, { model, recipients: [key], name: 'small', outDir: join(dir, 'parts'), measure: false, deidentify: null, maxPartBytes: 200_000 }))
      .rejects.toThrow(/^ct\.dcm with the study's reports "Radiology report", "Imaging Measurement Report" it carries alone needs about \d+\.\d KB encrypted, more than the part size limit of 200\.0 KB\.$/);
    expect(await readdir(join(dir, 'parts'))).toEqual([]);
  });

  it("a report without a title or concept name (a vendor's protocol report) is named by its series' description", () => {
    const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
    const sopClass = '1.2.840.10008.5.1.4.1.1.88.22';
    const dict = new dcmjs.data.DicomDict({
      '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', sopClass), '00020003': v('UI', '2.25.99'), '00020010': v('UI', '1.2.840.10008.1.2.1'),
    });
    dict.dict = { '00080016': v('UI', sopClass), '00080018': v('UI', '2.25.99'), '0008103E': v('LO', 'PhoenixZIPReport'), '0040A040': v('CS', 'CONTAINER') };
    const doc = readDocument(new Uint8Array(dict.write()));
    expect(doc.title).toBe('PhoenixZIPReport');
    expect(documentOutput(doc, 'png').bytes.toString('utf8').split('\n')[0]).toBe('PhoenixZIPReport');
  });

  it("a report's image references name the reader's files: a multi-frame file's frames by number, an image the study did not bring by its UID", () => {
    const meta = (sop: string, frame: number, frames: number) => ({ dataset: { '00080018': { Value: [sop] } }, frame, frames });
    const names = studyImageNamer([meta('1.2.3', 0, 3), meta('1.2.3', 1, 3), meta('1.2.3', 2, 3), meta('1.2.4', 0, 1), undefined], (i) => `file${i}`);
    expect([names('1.2.3'), names('1.2.3', 2), names('1.2.3', 3), names('1.2.4'), names('1.2.4', 1), names('1.2.5'), names('1.2.3', 4)])
      .toEqual(['file0', 'file1', 'file2', 'file3', 'file3', undefined, undefined]);
    const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
    const sopClass = '1.2.840.10008.5.1.4.1.1.88.22';
    const dict = new dcmjs.data.DicomDict({
      '00020001': v('OB', new Uint8Array([0, 1]).buffer), '00020002': v('UI', sopClass), '00020003': v('UI', '2.25.98'), '00020010': v('UI', '1.2.840.10008.1.2.1'),
    });
    const image = (sop: string, frames?: number[]) => ({
      '0040A010': v('CS', 'CONTAINS'), '0040A040': v('CS', 'IMAGE'), '0040A043': v('SQ', { '00080100': v('SH', '121112'), '00080102': v('SH', 'DCM'), '00080104': v('LO', 'Source of Measurement') }),
      '00081199': v('SQ', { '00081150': v('UI', '1.2.840.10008.5.1.4.1.1.4'), '00081155': v('UI', sop), ...(frames ? { '00081160': v('IS', ...frames) } : {}) }),
    });
    dict.dict = {
      '00080016': v('UI', sopClass), '00080018': v('UI', '2.25.98'), '0040A040': v('CS', 'CONTAINER'),
      '0040A043': v('SQ', { '00080100': v('SH', '126000'), '00080102': v('SH', 'DCM'), '00080104': v('LO', 'Imaging Measurement Report') }),
      '0040A730': v('SQ', image('1.2.3', [2, 3]), image('1.2.4'), image('1.2.5', [7])),
    };
    const lines = srText(parseDicomHeader(new Uint8Array(dict.write())), names).split('\n');
    expect(lines.filter((l) => l.startsWith('Source of Measurement'))).toEqual([
      'Source of Measurement: (image file1, file2)', 'Source of Measurement: (image file3)', 'Source of Measurement: (image 1.2.5, frame 7)']);
  });

  it("a region's words count every point it has: an outline of 10,000 points, closed, drawn around a large organ", () => {
    const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
    const sopClass = '1.2.840.10008.5.1.4.1.1.88.22';
    const dict = new dcmjs.data.DicomDict({ '00020002': v('UI', sopClass), '00020003': v('UI', '2.25.96'), '00020010': v('UI', '1.2.840.10008.1.2.1') });
    const n = 10_000;
    const outline = Array.from({ length: n }, (_, i) => (i === n - 1 ? [100, 50] : [100 + 50 * Math.sin((2 * Math.PI * i) / (n - 1)), 50 + 40 * (1 - Math.cos((2 * Math.PI * i) / (n - 1)))])).flat();
    const region = (points: number[]) => ({
      '0040A010': v('CS', 'CONTAINS'), '0040A040': v('CS', 'SCOORD'), '00700023': v('CS', 'POLYLINE'), '00700022': v('FL', ...points),
      '0040A043': v('SQ', { '00080100': v('SH', '111030'), '00080102': v('SH', 'DCM'), '00080104': v('LO', 'Image Region') }),
    });
    dict.dict = {
      '00080016': v('UI', sopClass), '00080018': v('UI', '2.25.96'), '0040A040': v('CS', 'CONTAINER'),
      '0040A043': v('SQ', { '00080100': v('SH', '126000'), '00080102': v('SH', 'DCM'), '00080104': v('LO', 'Imaging Measurement Report') }),
      '0040A730': v('SQ', region(outline), region(outline.slice(0, -2))),
    };
    const lines = srText(parseDicomHeader(new Uint8Array(dict.write()))).split('\n').filter((l) => l.includes('Image Region'));
    expect(lines).toEqual(['Image Region: (outline through 10000 points from 100, 50)', 'Image Region: (line through 9999 points from 100, 50)']);
  });

  it("a measurement report's regions are drawn on the images they were measured on, labelled with the group's measurements", async () => {
    const sr = readDocument(new Uint8Array(await readFile(SR)));
    const [ct] = await readDicomFile(CT, { maxPixels: 1e7, deidentify: null });
    const other = { ...ct!.dicom, dataset: { ...ct!.dicom.dataset, '00080018': { vr: 'UI', Value: ['2.25.1'] } } };
    const metas = [{ ...other }, { ...ct!.dicom, documents: [sr] }]; // the measured CT is the study's second image
    const marks = studyReportMarks(metas, studyImageIndex(metas));
    expect([...marks.keys()]).toEqual([1]);
    const { marks: on, reports } = marks.get(1)!;
    expect(reports).toEqual(['Imaging Measurement Report']);
    // dsrdump: SCOORD "Image Region" = (CIRCLE, 58/52, ...): centre 58, 52 through 58, 41, in the image's pixels.
    expect(on.graphics).toEqual([{ layer: 'report', type: 'CIRCLE', points: [58, 52, 58, 41], filled: false }]);
    expect(on.texts).toEqual([{ layer: 'report', text: 'Area of defined region: 1.7 cm2', anchor: [71, 41], anchorShown: false }]);
    expect(on.layers).toEqual([{ name: 'report', order: 0, colour: [0, 200, 255] }]);
    // A study without the image it measured: nothing is drawn.
    expect(studyReportMarks([{ ...other, documents: [sr] }], studyImageIndex([other])).size).toBe(0);
    // A region with no measurement beside it is named by its concept (not its coordinates in words); an ellipse's label
    // goes right of its top right corner.
    const v = (vr: string, ...Value: unknown[]) => ({ vr, Value });
    const code = (meaning: string) => v('SQ', { '00080100': v('SH', '1'), '00080102': v('SH', '99X'), '00080104': v('LO', meaning) });
    const sop = '1.2.840.10008.5.1.4.1.1.88.22';
    const dict = new dcmjs.data.DicomDict({ '00020002': v('UI', sop), '00020003': v('UI', '2.25.97'), '00020010': v('UI', '1.2.840.10008.1.2.1') });
    dict.dict = {
      '00080016': v('UI', sop), '00080018': v('UI', '2.25.97'), '0040A040': v('CS', 'CONTAINER'), '0040A043': code('Findings'),
      '0040A730': v('SQ', {
        '0040A010': v('CS', 'CONTAINS'), '0040A040': v('CS', 'SCOORD'), '0040A043': code('Lesion outline'), '00700023': v('CS', 'ELLIPSE'),
        '00700022': v('FL', 10, 20, 30, 20, 20, 15, 20, 25),
        '0040A730': v('SQ', { '0040A010': v('CS', 'SELECTED FROM'), '0040A040': v('CS', 'IMAGE'), '00081199': v('SQ', { '00081155': v('UI', '2.25.1') }) }),
      }),
    };
    const drawn = studyReportMarks([{ ...other, documents: [readDocument(new Uint8Array(dict.write()))] }], studyImageIndex([other])).get(0)!.marks;
    expect(drawn.graphics).toEqual([{ layer: 'report', type: 'ELLIPSE', points: [10, 20, 30, 20, 20, 15, 20, 25], filled: false }]);
    expect(drawn.texts).toEqual([{ layer: 'report', text: 'Lesion outline', anchor: [32, 15], anchorShown: false }]);
  });

  it("a report's regions are drawn up to what one image holds; those beyond are counted, so the viewer says so, and other images still get theirs", async () => {
    const [ct] = await readDicomFile(CT, { maxPixels: 1e7, deidentify: null });
    const sop = ct!.dicom.dataset['00080018']!.Value![0] as string;
    const other = { ...ct!.dicom, dataset: { ...ct!.dicom.dataset, '00080018': { vr: 'UI', Value: ['2.25.1'] } } };
    // Three contours of 1,500 points on the CT (9,000 coordinates: more than 8,192 on one image), one on the other image.
    const report = outlinesReport([
      { sop, points: circleOutline(1500, 60, 60, 20) }, { sop, points: circleOutline(1500, 60, 60, 30) },
      { sop, points: circleOutline(1500, 60, 60, 40) }, { sop: '2.25.1', points: circleOutline(1500, 50, 50, 10) },
    ]);
    const metas = [{ ...ct!.dicom, documents: [readDocument(new Uint8Array(report))] }, other];
    const marks = studyReportMarks(metas, studyImageIndex(metas));
    expect(marks.get(0)!.marks.graphics.map((g) => g.points.length)).toEqual([3000, 3000]);
    expect(marks.get(0)!.notDrawn).toBe(1);
    expect(marks.get(1)!.marks.graphics.map((g) => g.points.length)).toEqual([3000]);
    expect(marks.get(1)!.notDrawn).toBe(0);
    expect(reportMarksInfo(marks.get(0)!).notDrawn).toBe(1);
    expect(reportMarksInfo(marks.get(1)!)).not.toHaveProperty('notDrawn');
  });

  it("a report's 3D regions (in the patient, mm) are drawn on the images whose slab holds them, whatever their orientation, and said in words", async () => {
    const [ct] = await readDicomFile(CT, { maxPixels: 1e7, deidentify: null });
    const ds = ct!.dicom.dataset;
    const frame = String(ds['00200052']!.Value![0]);
    // A second image of the study: coronal (rows along +x, columns down −z), 0.5 mm pixels, 2 mm thick.
    const coronal = { ...ct!.dicom, dataset: { ...ds, '00080018': { vr: 'UI', Value: ['2.25.1'] }, '00200032': { vr: 'DS', Value: [-150, -100, 10] },
      '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 0, -1] }, '00280030': { vr: 'DS', Value: [0.5, 0.5] }, '00180050': { vr: 'DS', Value: [2] } } };
    // Where image pixel (x, y) (0 at the top-left corner) lies in the patient: the image's position is its first pixel's centre.
    const patient = (d: typeof ds, x: number, y: number, off = 0) => {
      const o = d['00200032']!.Value!.map(Number), c = d['00200037']!.Value!.map(Number), sp = d['00280030']!.Value!.map(Number);
      const n = [c[1]! * c[5]! - c[2]! * c[4]!, c[2]! * c[3]! - c[0]! * c[5]!, c[0]! * c[4]! - c[1]! * c[3]!];
      return [0, 1, 2].map((k) => o[k]! + (x - 0.5) * sp[1]! * c[k]! + (y - 0.5) * sp[0]! * c[k + 3]! + off * n[k]!);
    };
    const square = [[30, 40], [60, 40], [60, 70], [30, 70]].flatMap(([x, y]) => patient(ds, x!, y!, 1.5)); // 1.5 mm off the CT's plane, in its 5 mm slab
    const report = regions3dReport(frame, [
      { type: 'POLYGON', points: square },
      { type: 'POINT', points: patient(coronal.dataset, 20, 10) },
      { type: 'POINT', points: patient(ds, 10, 10, 4) }, // 4 mm off the CT's plane: outside its slab, on no image
      { type: 'ELLIPSOID', points: [...patient(ds, 10, 10), ...patient(ds, 20, 10), ...patient(ds, 15, 5), ...patient(ds, 15, 15), ...patient(ds, 15, 10, 2), ...patient(ds, 15, 10, -2)] },
      { type: 'MULTIPOINT', points: [...patient(ds, 100, 100), ...patient(coronal.dataset, 50, 60)] },
    ]);
    const metas = [{ ...ct!.dicom, documents: [readDocument(new Uint8Array(report))], width: 128, height: 128 }, { ...coronal, width: 128, height: 128 }];
    const marks = studyReportMarks(metas, studyImageIndex(metas));
    const near = (got: number[], want: number[]) => expect(got.map((v) => +v.toFixed(2))).toEqual(want);
    expect(marks.get(0)!.marks.graphics.map((g) => g.type)).toEqual(['POLYLINE', 'ELLIPSE', 'POINT']);
    near(marks.get(0)!.marks.graphics[0]!.points, [30, 40, 60, 40, 60, 70, 30, 70, 30, 40]); // closed
    near(ellipseAxes(marks.get(0)!.marks.graphics[1]!.points), [15, 10, 5, 5]); // the ellipsoid's section through its centre
    near(marks.get(0)!.marks.graphics[2]!.points, [100, 100]);
    expect(marks.get(1)!.marks.graphics.map((g) => g.type)).toEqual(['POINT', 'POINT']);
    near(marks.get(1)!.marks.graphics[0]!.points, [20, 10]);
    near(marks.get(1)!.marks.graphics[1]!.points, [50, 60]);
    // Another Frame of Reference (another scanner's space): nowhere.
    const elsewhere = regions3dReport('2.25.999', [{ type: 'POLYGON', points: square }]);
    expect(studyReportMarks([{ ...ct!.dicom, documents: [readDocument(new Uint8Array(elsewhere))] }], studyImageIndex([ct!.dicom])).size).toBe(0);
    // The report's text says each in the patient's millimetres.
    const lines = srText(parseDicomHeader(new Uint8Array(report))).split('\n').filter((l) => l.startsWith('Image Region'));
    const p = patient(coronal.dataset, 20, 10).map((v) => +v.toFixed(1)).join(', ');
    const first = square.slice(0, 3).map((v) => +v.toFixed(1)).join(', ');
    expect(lines[0]).toBe(`Image Region: (outline through 4 points in the patient from ${first} mm)`);
    expect(lines[1]).toBe(`Image Region: (point at ${p} mm in the patient)`);
    expect(lines[3]).toMatch(/^Image Region: \(ellipsoid centred at /);
  });

  it("a 3D line that crosses slices shows on each the part within its slab, and an ellipsoid its section there", async () => {
    const [ct] = await readDicomFile(CT, { maxPixels: 1e7, deidentify: null });
    const ds = ct!.dicom.dataset;
    const half = Number(ds['00180050']!.Value![0]) / 2;
    expect(half).toBe(2.5);
    const o = ds['00200032']!.Value!.map(Number), c = ds['00200037']!.Value!.map(Number), sp = ds['00280030']!.Value!.map(Number);
    const n = [c[1]! * c[5]! - c[2]! * c[4]!, c[2]! * c[3]! - c[0]! * c[5]!, c[0]! * c[4]! - c[1]! * c[3]!];
    const patient = (x: number, y: number, off = 0) => [0, 1, 2].map((k) => o[k]! + (x - 0.5) * sp[1]! * c[k]! + (y - 0.5) * sp[0]! * c[k + 3]! + off * n[k]!);
    // An ellipsoid given in pixels across the image and mm along its normal: axes (from centre) u, v in the image, w mm.
    const ellipsoid = (cx: number, cy: number, u: number[], v: number[], off: number, w: number) => [
      ...patient(cx - u[0]!, cy - u[1]!, off), ...patient(cx + u[0]!, cy + u[1]!, off), ...patient(cx - v[0]!, cy - v[1]!, off),
      ...patient(cx + v[0]!, cy + v[1]!, off), ...patient(cx, cy, off - w), ...patient(cx, cy, off + w)];
    const report = regions3dReport(String(ds['00200052']!.Value![0]), [
      // A caliper from 6 mm below the slice to 6 mm above it: on the slice, the part between its faces (±2.5 mm).
      { type: 'POLYLINE', points: [...patient(20, 20, -6), ...patient(80, 20, 6)] },
      // Centred 4 mm off the slice (outside its slab), 6 mm deep: its section at the slab's face, 1.5 mm from its centre.
      { type: 'ELLIPSOID', points: ellipsoid(60, 60, [10, 0], [0, 5], 4, 6) },
      // Turned 45° in the image, 8 by 4 pixels from its centre.
      { type: 'ELLIPSOID', points: ellipsoid(90, 90, [8 / Math.SQRT2, 8 / Math.SQRT2], [4 / Math.SQRT2, -4 / Math.SQRT2], 0, 3) },
      // 10 mm off, 6 mm deep: it misses the slab.
      { type: 'ELLIPSOID', points: ellipsoid(60, 60, [10, 0], [0, 5], 10, 6) },
      // Axes not at right angles: no ellipsoid.
      { type: 'ELLIPSOID', points: ellipsoid(60, 60, [10, 0], [5, 5], 0, 6) },
    ]);
    const metas = [{ ...ct!.dicom, documents: [readDocument(new Uint8Array(report))], width: 128, height: 128 }];
    const graphics = studyReportMarks(metas, studyImageIndex(metas)).get(0)!.marks.graphics;
    const near = (got: number[], want: number[]) => expect(got.map((v) => +v.toFixed(2))).toEqual(want.map((v) => +v.toFixed(2)));
    expect(graphics.map((g) => g.type)).toEqual(['POLYLINE', 'ELLIPSE', 'ELLIPSE']);
    near(graphics[0]!.points, [37.5, 20, 62.5, 20]); // 20 + 60 × (6 − 2.5) / 12 to 20 + 60 × (6 + 2.5) / 12
    const k = Math.sqrt(1 - (1.5 / 6) ** 2);
    near(ellipseAxes(graphics[1]!.points), [60, 60, 10 * k, 5 * k]);
    near(graphics[1]!.points.slice(0, 4).map((v, i) => (i % 2 ? v : Math.abs(v - 60))), [10 * k, 60, 10 * k, 60]); // major along x
    // The turned one: its major axis along the diagonal.
    const [x0, y0, x1, y1] = graphics[2]!.points;
    near(ellipseAxes(graphics[2]!.points), [90, 90, 8, 4]);
    near([(x1! - x0!) / (y1! - y0!)], [1]);
  });

  it("without a Slice Thickness (an enhanced file's frames), a slice holds what lies within half the gap to its neighbours", () => {
    const slice = (z: number, sop: string) => ({ frame: 0, dataset: {
      '00080018': { vr: 'UI', Value: [sop] }, '00200052': { vr: 'UI', Value: ['2.25.7'] }, '00200032': { vr: 'DS', Value: [0, 0, z] },
      '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] }, '00280030': { vr: 'DS', Value: [1, 1] },
    }, width: 64, height: 64 });
    const metas = [slice(0, '2.25.10'), slice(3, '2.25.11'), slice(6, '2.25.12')];
    expect(imagePlanes(metas).map((p) => p.halfThickness)).toEqual([1.5, 1.5, 1.5]);
    // A frame whose functional groups say its thickness (Pixel Measures, 0.24): half of it, not the gap.
    expect(imagePlanes(metas.map((m) => ({ ...m, pixel: { sliceThickness: 1 } }))).map((p) => p.halfThickness)).toEqual([0.5, 0.5, 0.5]);
    // A nodule 1.2 mm above the first slice: on it (before 0.23's gap, 0.5 mm either side held it on none), not the second.
    const report = regions3dReport('2.25.7', [{ type: 'POINT', points: [10.5, 20.5, 1.2] }]);
    const marks = studyReportMarks([{ ...metas[0]!, documents: [readDocument(new Uint8Array(report))] }, metas[1]!, metas[2]!] as never, studyImageIndex(metas));
    expect([...marks.keys()]).toEqual([0]);
    expect(marks.get(0)!.marks.graphics[0]!.points.map((v) => +v.toFixed(2))).toEqual([11, 21]);
    // A lone image without a thickness keeps 0.5 mm.
    expect(imagePlanes([slice(0, '2.25.10')]).map((p) => p.halfThickness)).toEqual([0.5]);
  });

  it("a report's references follow the images as written: a cine's frames into one file keep their numbers, a single frame loses its number, a file split in two is left as it was", () => {
    const meta = (sop: string, frame: number) => ({ dataset: { '00080018': { vr: 'UI', Value: [sop] } }, frame }) as never;
    const refs = writtenReferences([
      { sopClass: '1.2.840.10008.5.1.4.1.1.7.4', sopInstance: '2.25.10', frames: [0, 1, 2].map((f) => ({ number: f + 1, meta: meta('1.1', f), width: 8, height: 8, channels: 1 })) },
      { sopClass: '1.2.840.10008.5.1.4.1.1.7', sopInstance: '2.25.11', frames: [{ meta: meta('1.2', 0), width: 8, height: 8, channels: 1 }] },
      { sopClass: '1.2.840.10008.5.1.4.1.1.7', sopInstance: '2.25.12', frames: [{ number: 1, meta: meta('1.3', 0), width: 8, height: 8, channels: 1 }] },
      { sopClass: '1.2.840.10008.5.1.4.1.1.7', sopInstance: '2.25.13', frames: [{ number: 1, meta: meta('1.3', 1), width: 8, height: 8, channels: 1 }] },
    ]);
    expect(refs('1.1', [2, 3])).toEqual({ sopClass: '1.2.840.10008.5.1.4.1.1.7.4', sopInstance: '2.25.10', frames: [2, 3] });
    expect(refs('1.1')).toEqual({ sopClass: '1.2.840.10008.5.1.4.1.1.7.4', sopInstance: '2.25.10' });
    expect(refs('1.2', [1])).toEqual({ sopClass: '1.2.840.10008.5.1.4.1.1.7', sopInstance: '2.25.11' });
    expect(refs('1.3')).toBeUndefined(); // its two frames went into two files: no one reference says both
    expect(refs('1.3', [2])).toEqual({ sopClass: '1.2.840.10008.5.1.4.1.1.7', sopInstance: '2.25.13', frames: [1] });
    expect(refs('1.1', [4])).toBeUndefined(); // a frame it did not bring
    expect(refs('9.9')).toBeUndefined(); // an image the study did not bring
  });

  it("a crafted record's documents that are not what they say are left out, never written", async () => {
    const sr = readDocument(new Uint8Array(await readFile(SR)));
    expect(sr).toMatchObject({ kind: 'structured report', title: 'Imaging Measurement Report' });
    const ct = Buffer.from(await readFile(CT)).toString('base64');
    const junk = [{ kind: 'PDF', title: 'x', file: 'not base64!' }, { kind: 'EXE', title: 'x', file: 'AAAA' }, { kind: 'PDF', title: '', file: 'AAAA' }, null, 3];
    expect(validDocuments([...junk, sr])).toEqual([sr]);
    expect(validDocuments('x')).toEqual([]);
    expect(() => documentOutput({ kind: 'PDF', title: 'x', file: ct }, 'png')).toThrow('it is not a PDF');
    const { files, leftOut } = documentFiles([{ kind: 'PDF', title: 'fake', file: ct }, sr, sr], 'dcm');
    expect(files.map((f) => f.name)).toEqual(['report-Imaging_Measurement_Report.dcm', 'report-Imaging_Measurement_Report-2.dcm']);
    expect(leftOut).toEqual(['PDF "fake" (it is not a PDF)']);
    // A record's plain documents: PDFs only, each a PDF, whatever the record says of them.
    const plain = plainDocuments([{ kind: 'PDF', title: 'fake', file: ct }, sr, { kind: 'PDF', title: 'real', file: PDF.toString('base64') }]);
    expect(plain.map((d) => [d.title, d.plain])).toEqual([['fake', true], ['real', true]]);
    const written = documentFiles(plain, 'dcm');
    expect(written.files.map((f) => [f.name, f.bytes.equals(PDF)])).toEqual([['report-real.pdf', true]]);
    expect(written.leftOut).toEqual(['PDF "fake" (it is not a PDF)']);
    // A DICOM record's document is never taken for a plain PDF, whatever it says.
    expect(validDocuments([{ ...sr, plain: true }])).toEqual([sr]);
  });
});
