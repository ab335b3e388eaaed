/** Big-endian numbers at `at` in a file's bytes (JPEG 2000 boxes and markers, PNG chunks), unchecked: callers bound `at`. */
export const u16be = (d: Uint8Array, at: number) => (d[at]! << 8) | d[at + 1]!;
export const u32be = (d: Uint8Array, at: number) => ((d[at]! << 24) >>> 0) + (d[at + 1]! << 16) + (d[at + 2]! << 8) + d[at + 3]!;
