/**
 * Text of a DICOM dataset in Unicode, by its Specific Character Set (0008,0005; PS3.3 C.12.1.1.2, PS3.5 6.1): the
 * JSON model holds Unicode, and the writer declares UTF-8 (ISO_IR 192). A single character set is decoded whole.
 * Code extensions ("ISO 2022 IR 13\ISO 2022 IR 87", "\ISO 2022 IR 149": Japanese and Korean sites) switch character
 * sets inside a value by escape sequences (PS3.3 Tables C.12-3 and C.12-4): each run is decoded in the set its escape
 * sequence designates, and the first value's set is active again after every delimiter (PS3.5 6.1.2.5.3). Until 0.14
 * every such value was decoded as ISO-2022-JP whatever its sets, so a Korean name came back with its escape sequences
 * ("Hong^Gildong=$)C洪^…") and a Japanese name's half-width katakana as replacement characters.
 */
import { TextDecoder } from 'node:util';

/** A Defined Term without "ISO 2022 " (code extensions name the same sets) as the WHATWG label that decodes it. */
const LABELS: Record<string, string> = {
  '': 'latin1', 'ISO_IR 6': 'latin1', 'ISO_IR 100': 'latin1', 'ISO_IR 101': 'iso-8859-2', 'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4', 'ISO_IR 144': 'iso-8859-5', 'ISO_IR 127': 'iso-8859-6', 'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8', 'ISO_IR 148': 'iso-8859-9', 'ISO_IR 203': 'iso-8859-15', 'ISO_IR 13': 'shift_jis',
  'ISO_IR 166': 'windows-874', 'ISO_IR 192': 'utf-8', GB18030: 'gb18030', GBK: 'gbk', 'ISO_IR 87': 'iso-2022-jp',
  'ISO_IR 159': 'iso-2022-jp', 'ISO_IR 149': 'euc-kr', 'ISO_IR 58': 'gb18030',
};

/**
 * How a run of bytes between escape sequences decodes: a single-byte set (ASCII in GL, the label's letters in GR),
 * JIS X 0201 katakana in GR, JIS X 0208 or JIS X 0212 in GL (two bytes a character), or a two-byte set in GR (KS X
 * 1001, GB 2312) decoded by the label of its EUC form.
 */
type Mode = { kind: 'single'; label: string } | { kind: 'katakana' } | { kind: 'jis0208' } | { kind: 'jis0212' } | { kind: 'gr'; label: string };

const single = (label: string): Mode => ({ kind: 'single', label });

/** ISO 2022 escape sequences DICOM allows (PS3.3 Tables C.12-3, C.12-4), after ESC. */
const ESCAPES: Record<string, Mode> = {
  '(B': single('latin1'), '(J': single('latin1'), ')I': { kind: 'katakana' }, '$B': { kind: 'jis0208' }, '$@': { kind: 'jis0208' },
  '$(D': { kind: 'jis0212' }, '$)C': { kind: 'gr', label: 'euc-kr' }, '$)A': { kind: 'gr', label: 'gbk' },
  '-A': single('latin1'), '-B': single('iso-8859-2'), '-C': single('iso-8859-3'), '-D': single('iso-8859-4'),
  '-L': single('iso-8859-5'), '-G': single('iso-8859-6'), '-F': single('iso-8859-7'), '-H': single('iso-8859-8'),
  '-M': single('iso-8859-9'), '-T': single('windows-874'), '-b': single('iso-8859-15'),
};

/** The set a value starts in, by the first Defined Term of a dataset with code extensions. */
function initialMode(term: string): Mode {
  if (term === 'ISO_IR 13') return { kind: 'katakana' };
  const label = LABELS[term];
  return label === 'euc-kr' || label === 'gb18030' ? { kind: 'gr', label } : single(label && label !== 'utf-8' && label !== 'shift_jis' ? label : 'latin1');
}

const decoders = new Map<string, TextDecoder>();
function decoderFor(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    try {
      d = new TextDecoder(label);
    } catch {
      d = new TextDecoder('latin1');
    }
    decoders.set(label, d);
  }
  return d;
}

const ESC = 0x1b;

function decodeRun(mode: Mode, bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  switch (mode.kind) {
    case 'single':
    case 'gr':
      return decoderFor(mode.label).decode(bytes);
    case 'katakana':
      return Array.from(bytes, (b) => (b < 0x80 ? String.fromCharCode(b) : b >= 0xa1 && b <= 0xdf ? String.fromCharCode(0xff61 + b - 0xa1) : '\ufffd')).join('');
    case 'jis0208':
      return decoderFor('iso-2022-jp').decode(Uint8Array.of(ESC, 0x24, 0x42, ...bytes)); // ESC $ B, then its pairs
    case 'jis0212': {
      // EUC-JP writes a JIS X 0212 character as 0x8F and its two bytes with the high bit set.
      const euc: number[] = [];
      for (let i = 0; i + 1 < bytes.length; i += 2) euc.push(0x8f, bytes[i]! | 0x80, bytes[i + 1]! | 0x80);
      return decoderFor('euc-jp').decode(Uint8Array.from(euc));
    }
  }
}

/** Bytes after which the first value's set is active again: CR, LF, TAB, FF, "\" and, in a person's name, "^" and "=". */
const resets = (b: number, pn: boolean) => b === 0x0d || b === 0x0a || b === 0x09 || b === 0x0c || b === 0x5c || (pn && (b === 0x5e || b === 0x3d));

/** A value in a dataset with code extensions, run by run. */
function decodeIso2022(bytes: Uint8Array, initial: Mode, pn: boolean): string {
  let mode = initial;
  let out = '';
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === ESC) {
      const seq = [3, 2].map((n) => String.fromCharCode(...bytes.subarray(i + 1, i + 1 + n))).find((s) => ESCAPES[s]);
      if (!seq) continue; // not an escape DICOM allows: its bytes stay as they are
      out += decodeRun(mode, bytes.subarray(start, i));
      mode = ESCAPES[seq]!;
      i += seq.length;
      start = i + 1;
    } else if (resets(b, pn) && mode.kind !== 'jis0208' && mode.kind !== 'jis0212') {
      // (In a two-byte set in GL, these bytes are halves of characters; its writer escapes back before a delimiter.)
      out += decodeRun(mode, bytes.subarray(start, i)) + String.fromCharCode(b);
      mode = initial;
      start = i + 1;
    }
  }
  return out + decodeRun(mode, bytes.subarray(start));
}

/**
 * The text decoder of a dataset whose Specific Character Set is `value` (its raw text): `(bytes, vr)` gives a value's
 * text in Unicode. An unknown term falls back to Latin-1, which keeps every byte.
 */
export function charsetDecoder(value: string): (bytes: Uint8Array, vr: string) => string {
  const raw = value.replace(/[\0 ]+$/, '').split('\\').map((t) => t.trim());
  const terms = raw.map((t) => t.replace(/^ISO 2022 /, 'ISO_').replace(/^ISO_IR_/, 'ISO_IR '));
  if (raw.some((t) => t.startsWith('ISO 2022'))) {
    const initial = initialMode(terms[0] ?? '');
    return (bytes, vr) => decodeIso2022(bytes, initial, vr === 'PN');
  }
  const decoder = decoderFor(terms.map((t) => LABELS[t]).find((l) => l && l !== 'latin1') ?? 'latin1');
  return (bytes) => decoder.decode(bytes);
}
