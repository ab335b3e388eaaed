/** Typed arrays through JSON for the test bridge (Electron's structured clone carries them natively). */
export function encodeWire(v: unknown): unknown {
  if (v instanceof Uint16Array) return { __typed: 'u16', b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (v instanceof Uint8Array) return { __typed: 'u8', b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(encodeWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeWire(x)]));
  return v;
}

export function decodeWire(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeWire);
  if (v && typeof v === 'object' && (v as { __typed?: string }).__typed === 'u8') return new Uint8Array(Buffer.from((v as { b64: string }).b64, 'base64'));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeWire(x)]));
  return v;
}
