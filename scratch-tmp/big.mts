import { writeFileSync } from 'node:fs';
import { encodePng } from '../src-main/engine/image/io.ts';
const w = 4096, h = 5120;
const px = new Uint16Array(w * h);
let s = 12345;
for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
  s = (s * 1103515245 + 12345) & 0x7fffffff;
  const r = Math.hypot(x - w * 0.3, y - h / 2) / (w * 0.6);
  const breast = r < 1 ? 1800 + 900 * Math.cos(x / 37) * Math.sin(y / 53) * (1 - r) : 200;
  px[y * w + x] = Math.max(0, Math.min(4095, Math.round(breast + ((s >> 8) % 21) - 10)));
}
writeFileSync('/tmp/enh/mammo.png', await encodePng({ width: w, height: h, channels: 1, bitDepth: 16, pixels: px }));
