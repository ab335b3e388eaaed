/**
 * Experiment (not shipped), with latent_search.py: the grey DICOM fixtures' first frames as the engine's encoder sees
 * them (companded input, knots, and every reader window the engine names for the file as a continuous lookup table),
 * then the engine's reader fidelity and real latent bytes of the encoder's and the searched latents.
 *   npx tsx scripts/experiments/latent-search.ts dump [DIR]
 *   /usr/bin/python3 scripts/experiments/latent_search.py dumped --dir DIR NAME...
 *   npx tsx scripts/experiments/latent-search.ts eval [DIR]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMaps } from '../../src-main/engine/codec/entropy.js';
import { encoderView, toSamples } from '../../src-main/engine/codec/image-codec.js';
import { dicomDisplay } from '../../src-main/engine/dicom/display.js';
import { readDicomFile } from '../../src-main/engine/dicom/import.js';
import { colourChannels, extractChannel } from '../../src-main/engine/image/image.js';
import { readerFidelity, readerWindows } from '../../src-main/engine/metrics/fidelity.js';
import { worstSsim } from '../../src-shared/fidelity.js';
import { renderToByte, sampleToReal } from '../../src-shared/windows.js';

const [mode, dir = '/tmp/latent-search'] = process.argv.slice(2);
const FIXTURES = ['mr_philips_512_implicit_le_nometa', 'mr_siemens_asl_mosaic_360_explicit_le', 'ct_head_512_j2k_lossy',
  'ct_head_512_j2k_lossless', 'ct_ankle_512_implicit_le', 'nm_bone_jpeg_extended_12bit', 'xa_4frame_jpeg_lossless', 'mr_small_explicit_le'];
mkdirSync(dir, { recursive: true });

for (const name of FIXTURES) {
  const [first] = await readDicomFile(join(import.meta.dirname, '../../tests/fixtures/dicom', `${name}.dcm`), { maxPixels: 1 << 26, deidentify: null });
  const { image, dicom } = first!;
  if (colourChannels(image) !== 1) continue;
  const display = dicomDisplay(dicom);
  // What encodeImage gives the encoder, and how it turns the decoder's output back into samples.
  const { ranges, transfer, ph, pw, inputs } = encoderView(image, display);
  const [[lo, hi]] = ranges as [[number, number]];
  const { width: w, height: h } = image;
  const src = extractChannel(image, 0);
  if (mode === 'dump') {
    writeFileSync(join(dir, `${name}.x.f32`), inputs[0]!);
    const windows = readerWindows(image, display);
    windows.forEach((win, i) => {
      // Continuous (not rounded to 256 levels), so that the loss has a gradient; a VOI LUT as it is.
      const lut = new Float32Array(hi - lo + 1);
      for (let s = lo; s <= hi; s++) {
        const r = sampleToReal(s, display.mapping);
        const v = win.lut ? renderToByte(r, win) / 255 : Math.min(1, Math.max(0, (r - (win.center - 0.5)) / Math.max(1, win.width - 1) + 0.5));
        lut[s - lo] = display.monochrome1 ? 1 - v : v;
      }
      writeFileSync(join(dir, `${name}.win${i}.f32`), lut);
    });
    writeFileSync(join(dir, `${name}.json`), JSON.stringify({ w, h, ph, pw, lo, hi, knots: transfer?.[0] ?? null, windows: windows.map((x) => x.name), orig: Array.from(src) }));
    console.log(name);
    continue;
  }
  const lines = [name];
  for (const tag of ['encoder', 'searched']) {
    if (!existsSync(join(dir, `${name}.${tag}.y.f32`))) continue;
    const yb = readFileSync(join(dir, `${name}.${tag}.y.f32`));
    const [plane] = toSamples([new Float32Array(yb.buffer, yb.byteOffset, yb.byteLength / 4)], ranges, w, h, image.bitDepth, pw, transfer);
    const fid = readerFidelity(image, { ...image, pixels: plane! }, display);
    const qb = readFileSync(join(dir, `${name}.${tag}.q.u16`));
    const bytes = encodeMaps([new Uint16Array(qb.buffer, qb.byteOffset, qb.byteLength / 2)], { count: 1, height: ph / 2, width: pw / 2, bits: 6 }).length;
    lines.push(`  ${tag}: worst ${worstSsim(fid).toFixed(4)}, ${(8 * bytes / (w * h)).toFixed(3)} bits/pixel (latent); ${fid.windows?.map((x) => `${x.name} ${x.ssim.toFixed(4)}`).join(', ')}`);
  }
  console.log(lines.join('\n'));
}
