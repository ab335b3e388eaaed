/**
 * Files given to be sent that are no image aeimg reads, named from their first bytes with what to do instead of "not
 * an image aeimg can read": an archive (fs/archive.ts), a research volume (NIfTI, Analyze, NRRD, MetaImage), a video,
 * and image formats aeimg does not read (JPEG XL, HEIF/AVIF).
 */
import { ARCHIVE_HEAD, archiveRefusal } from '../fs/archive.js';
import { AeimgError, ErrorCode } from '../errors.js';

/** Bytes long enough to tell each kind (a NIfTI-1's magic is at 344; a tar's at 257). */
export const NOT_IMAGE_HEAD = Math.max(ARCHIVE_HEAD, 352);

/** Office documents and e-books are ZIP files, not archives a sender extracts. */
const ZIP_DOCUMENT = /\.(docx|xlsx|pptx|odt|ods|odp|epub)$/i;

const SEND_DICOM = 'export the series as DICOM from the scanner or PACS, and send those files';

/** What the first bytes say the file is, and what to do, for the kinds named; undefined for others. */
function otherFormat(head: Uint8Array): { what: string; todo: string } | undefined {
  const at = (offset: number, bytes: number[] | string) => {
    const b = typeof bytes === 'string' ? Array.from(bytes, (c) => c.charCodeAt(0)) : bytes;
    return head.length >= offset + b.length && b.every((v, i) => head[offset + i] === v);
  };
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const u32 = (offset: number, little: boolean) => (head.length >= offset + 4 ? view.getUint32(offset, little) : -1);
  if (at(0, [0xff, 0x0a]) || at(0, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a])) {
    return { what: 'a JPEG XL image, which aeimg does not read', todo: 'export the image again as PNG or TIFF' };
  }
  if (at(4, 'ftyp')) {
    const brand = String.fromCharCode(...head.subarray(8, 12));
    if (['heic', 'heix', 'hevc', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis'].includes(brand)) {
      return { what: `${brand.startsWith('av') ? 'an AVIF' : 'a HEIF'} image (a phone's or camera's photo format), which aeimg does not read`, todo: 'export it as JPEG or PNG' };
    }
    return { what: 'a video', todo: 'aeimg sends still images and DICOM cine clips: send the clip as DICOM from the ultrasound system or PACS, or export it as an animated GIF' };
  }
  if (at(0, 'RIFF') && at(8, 'AVI ')) {
    return { what: 'a video (AVI)', todo: 'aeimg sends still images and DICOM cine clips: send the clip as DICOM from the ultrasound system or PACS, or export it as an animated GIF' };
  }
  const sizeofHdr = [u32(0, true), u32(0, false)];
  if (sizeofHdr.includes(348) && (at(344, 'n+1\0') || at(344, 'ni1\0'))) return { what: 'a NIfTI volume (a research format)', todo: SEND_DICOM };
  if (sizeofHdr.includes(540) && (at(4, 'n+2\0') || at(4, 'ni2\0'))) return { what: 'a NIfTI-2 volume (a research format)', todo: SEND_DICOM };
  if (sizeofHdr.includes(348)) return { what: 'an Analyze volume header (a research format)', todo: SEND_DICOM };
  if (at(0, 'NRRD000')) return { what: 'an NRRD volume (a research format)', todo: SEND_DICOM };
  if (/^\s*(ObjectType|NDims)\s*=/.test(new TextDecoder('latin1').decode(head.subarray(0, 64)))) return { what: 'a MetaImage header (a research format)', todo: SEND_DICOM };
  return undefined;
}

/**
 * What a file that is no image aeimg reads is told, from its first bytes (`head`, NOT_IMAGE_HEAD of them) and its
 * name, or undefined where it is none of the kinds named (its reader says "not an image aeimg can read").
 */
export function notImageRefusal(head: Uint8Array, name: string): AeimgError | undefined {
  if (!ZIP_DOCUMENT.test(name)) {
    const archive = archiveRefusal(head);
    if (archive) return archive;
  }
  const other = otherFormat(head);
  return other && new AeimgError(ErrorCode.BadInput, `is ${other.what}: ${other.todo}.`);
}
