/** Writing and opening .aeimg files: header + key stanzas + STREAM payload of entries. */
import { stat, type FileHandle } from 'node:fs/promises';
import { openRegularFile, readHead } from '../fs/read.js';
import { ARCHIVE_HEAD, archiveRefusal } from '../fs/archive.js';
import { fileSignature } from '../image/signature.js';
import { AeimgError, ErrorCode, inFile, Remedy } from '../errors.js';
import { KEY_BYTES, secureRandom, type RandomSource } from '../crypto/primitives.js';
import { AtomicFile, type WriteOptions } from '../fs/atomic.js';
import { formatFingerprint, Passphrase, passphraseAlone, SharedKey, type Identity, type Recipient, type Stanza } from '../keys/recipients.js';
import { CODEC, DEFAULT_CHUNK, encodeHeader, FORMAT_VERSION, MAGIC, OR_DAMAGED, payloadKey, readHeader, verifyHeader, type FormatVersion, type Header, type ParsedHeader } from './header.js';
import { PayloadReader, PayloadWriter, type Entry, type EntryValidator } from './payload.js';
import { FileSource, type ByteSource } from './source.js';
import { decryptStream, StreamEncryptor } from './stream.js';

export interface CreateOptions extends WriteOptions {
  recipients: Recipient[];
  /** Model id (sha256 hex of its weights) when an image in the file has a latent; null when none has. */
  model: string | null;
  chunkSize?: number;
  /** Format 1 is written only for the test vectors of files already sent (docs/format.md). */
  formatVersion?: FormatVersion;
  /** Injected only by tests that write fixed vectors. */
  random?: RandomSource;
}

/** Builds an .aeimg in a temp file; commit() moves it into place, abort() leaves nothing behind. */
export class AeimgWriter {
  private constructor(
    private readonly file: AtomicFile,
    private readonly payload: PayloadWriter,
    private readonly chunkSize: number,
    private readonly headerBytes: number,
    private readonly hasModel: boolean,
  ) {}

  private plainBytes = 0;

  /** The file's size if it were finished now: header, entries, terminator, one 16-byte tag per chunk. */
  get sizeBound(): number {
    return this.boundFor(this.plainBytes);
  }

  /** The file's size if it were finished after adding this entry and `reserve` more bytes of entries. */
  sizeBoundAfter(meta: object, blobs: readonly Buffer[], reserve = 0): number {
    return this.boundFor(this.plainBytes + this.payload.entryBytes(meta, blobs) + reserve);
  }

  private boundFor(entries: number): number {
    const plain = entries + this.payload.terminatorBytes;
    return this.headerBytes + plain + 16 * Math.ceil(plain / this.chunkSize + 1);
  }

  static async create(path: string, opts: CreateOptions): Promise<AeimgWriter> {
    if (opts.recipients.length === 0) throw new AeimgError(ErrorCode.Usage, 'no key given to encrypt with.');
    if (opts.recipients.length > 1 && opts.recipients.some((r) => r instanceof Passphrase)) throw passphraseAlone();
    const random = opts.random ?? secureRandom;
    const fileKey = random(KEY_BYTES);
    const header: Header = {
      codec: CODEC,
      model: opts.model,
      chunkSize: opts.chunkSize ?? DEFAULT_CHUNK,
      nonce: random(16).toString('base64'),
      recipients: [],
    };
    for (const r of opts.recipients) header.recipients.push(await r.wrap(fileKey, random));
    const file = await AtomicFile.create(path, opts);
    const version = opts.formatVersion ?? FORMAT_VERSION;
    if (version === 1 && header.model === null) throw new RangeError('format 1 always names a model');
    const headerBytes = encodeHeader(header, fileKey, version);
    try {
      await file.write(headerBytes);
    } catch (err) {
      await file.abort();
      throw err;
    }
    const stream = new StreamEncryptor(payloadKey(fileKey, header), header.chunkSize, (b) => file.write(b));
    return new AeimgWriter(file, new PayloadWriter(stream, version), header.chunkSize, headerBytes.length, header.model !== null);
  }

  add(meta: object, blobs: Buffer[] = []): Promise<void> {
    // A file whose header names no model must not need one: a latent here is a caller's bug, caught before writing.
    if (!this.hasModel && (meta as { latent?: unknown }).latent) throw new Error('AeimgWriter: an image with a latent in a file created without a model');
    this.plainBytes += this.payload.entryBytes(meta, blobs);
    return this.payload.add(meta, blobs);
  }

  async commit(): Promise<void> {
    try {
      await this.payload.end();
    } catch (err) {
      await this.file.abort();
      throw err;
    }
    await this.file.commit();
  }

  /**
   * Ends the payload and flushes the temp file without placing it: a study places all its parts at once
   * (commitAll), under names known only at the end.
   */
  async seal(): Promise<AtomicFile> {
    try {
      await this.payload.end();
      await this.file.seal();
    } catch (err) {
      await this.file.abort();
      throw err;
    }
    return this.file;
  }

  abort(): Promise<void> {
    return this.file.abort();
  }
}

/** Keys to try: a list, or a lookup (the keychain) that sees which stanzas the file has. */
export type IdentitySource = Identity[] | ((stanzas: readonly Stanza[]) => Promise<Identity[]>);

/** An opened, authenticated .aeimg: entries come out one at a time. */
export class AeimgReader {
  private constructor(
    readonly header: Header,
    /** The key that opened the file (its description names it without revealing it). */
    readonly identity: Identity,
    private readonly payload: PayloadReader,
    private readonly handle: FileHandle | null,
    /** The file's format version (1: aeimg 0.1–0.3, 2: 0.4 and later). */
    readonly version: FormatVersion,
  ) {}

  /** Opens from any byte source (tests use memory sources fed byte by byte). */
  static async fromSource(source: ByteSource, identities: IdentitySource, handle: FileHandle | null = null): Promise<AeimgReader> {
    const parsed = await readHeader(source);
    const { fileKey, identity } = await unwrapFileKey(parsed, identities);
    verifyHeader(parsed, fileKey);
    const chunks = decryptStream(source, payloadKey(fileKey, parsed.header), parsed.header.chunkSize);
    return new AeimgReader(parsed.header, identity, new PayloadReader(chunks, parsed.version), handle, parsed.version);
  }

  static async open(path: string, identities: IdentitySource): Promise<AeimgReader> {
    const handle = await openForReading(path);
    try {
      return await AeimgReader.fromSource(new FileSource(handle), identities, handle);
    } catch (err) {
      await handle.close();
      throw inFile(path, await archiveNamed(path, err));
    }
  }

  next(validate: EntryValidator): Promise<Entry | null> {
    return this.payload.next(validate);
  }

  async close(): Promise<void> {
    await this.handle?.close();
  }
}

function openForReading(path: string): Promise<FileHandle> {
  return openRegularFile(path);
}

async function unwrapFileKey(parsed: ParsedHeader, source: IdentitySource): Promise<{ fileKey: Buffer; identity: Identity }> {
  const identities = typeof source === 'function' ? await source(parsed.header.recipients) : source;
  for (const identity of identities) {
    const fileKey = await identity.unwrap(parsed.header.recipients);
    if (fileKey) return { fileKey, identity };
  }
  const { known, passphraseOnly } = knownEntries(parsed.header);
  throw new AeimgError(ErrorCode.WrongKey, describeMissingKey(parsed.header, identities),
    identities.length === 0 && known.length ? { remedy: passphraseOnly ? Remedy.GivePassphrase : Remedy.GiveKey } : {});
}

/** A header's key entries of types this version knows, and whether they are all a passphrase's. */
function knownEntries(header: Header) {
  const known = header.recipients.filter((s) => s.type !== 'unknown');
  return { known, passphraseOnly: known.length > 0 && known.every((s) => s.type === 'scrypt') };
}

/** Names the key a file needs, without revealing anything secret. */
export function describeMissingKey(header: Header, identities: Identity[]): string {
  const { known, passphraseOnly } = knownEntries(header);
  const unknown = [...new Set(header.recipients.flatMap((s) => (s.type === 'unknown' ? [s.declared.slice(0, 40)] : [])))];
  const future = unknown.length === 0 ? '' :
    ` It is also encrypted for a key type this version of aeimg does not know (${unknown.join(', ')}): if that key is yours, update aeimg.`;
  if (known.length === 0) {
    return `is encrypted only for a key type this version of aeimg does not know (${unknown.join(', ')}), or its header was damaged in ` +
      `transit. Update aeimg to open it; ${OR_DAMAGED}`;
  }
  // A key entry that names one of these keys by its fingerprint and does not open with it: its header was changed (a
  // digit of its key id past the fingerprint's 24, or its wrapped key), not a key missing (0.47: "encrypted for key
  // fingerprint X, not for key 'k1' (fingerprint X)").
  const named = identities.find((i) => i instanceof SharedKey && known.some((s) => s.type === 'key' && formatFingerprint(s.keyId) === (i as SharedKey).fingerprint));
  if (named) {
    return `names ${named.description} in its header, but that key does not open it: the file was altered or damaged in transit. ` +
      'Ask the sender for a new copy.';
  }
  const wanted = known.map((s) =>
    s.type === 'key' ? `key fingerprint ${formatFingerprint(s.keyId)}` :
    s.type === 'x25519' ? `contact fingerprint ${formatFingerprint(s.recipient)}` :
    s.type === 'x25519-v2' ? "a contact's public key" : 'a passphrase');
  const needs = [...new Set(wanted)].join(' or ');
  if (passphraseOnly && identities.some((i) => i.description === 'the passphrase')) {
    return 'the passphrase is wrong (or the file was altered). Check the passphrase with the sender.';
  }
  if (identities.length === 0) {
    // A passphrase is no key a keychain holds (0.50; before, "for a passphrase, which is not in this keychain").
    return passphraseOnly ? `was encrypted with a passphrase, not for a key.${future}`
      : `was encrypted for ${needs}, which is not in this keychain.${future}`;
  }
  const which = known.every((s) => s.type === 'x25519-v2')
    ? 'Ask the sender which contact card they encrypted it for (contact stanzas do not say whose they are).'
    : 'Use the key with that fingerprint (ask the sender which one).';
  return `was encrypted for ${needs}, not for ${identities.map((i) => i.description).join(', ')}. ${which}${future}`;
}

/**
 * A file refused as no .aeimg that is an archive (attachments zipped on the way: a mail gateway, the sender), or an image
 * (a picture renamed, or saved under the attachment's name): named so, with what to do.
 */
async function archiveNamed(path: string, err: unknown): Promise<unknown> {
  if (!(err instanceof AeimgError) || err.code !== ErrorCode.NotAeimg) return err;
  const head = (await readHead(path, MANGLED_HEAD)) ?? Buffer.alloc(0);
  const kind = fileSignature(head);
  if (kind) {
    return new AeimgError(ErrorCode.NotAeimg, `is ${kind === 'DICOM' ? 'a DICOM file' : `a ${kind} image`}, not an .aeimg file: it is not encrypted, ` +
      `and opens in ${kind === 'DICOM' ? 'a DICOM' : 'any image'} viewer. If an .aeimg file was expected, ask its sender for the file aeimg wrote.`);
  }
  const mangled = mangledCopy(head);
  return archiveRefusal(head, 'an .aeimg file') ?? (mangled ? new AeimgError(ErrorCode.NotAeimg, mangled) : err);
}

/** How far into a file an .aeimg's signature is looked for (something put in front of it). */
const MANGLED_HEAD = Math.max(ARCHIVE_HEAD, 4096);
const SAVE_AGAIN = 'Save the attachment itself again from the e-mail (its "Save attachment"), or ask the sender to send the file again.';

/**
 * An .aeimg that a mail program or a transfer changed on the way, from the file's first bytes (0.47; before, each was
 * "is not an aeimg file"): saved as the message's base64 text, its line ends converted (the signature holds CR LF, as
 * PNG's does, for this), or bytes put in front of it (a byte-order mark, a mail header). Undefined for anything else.
 */
export function mangledCopy(head: Buffer): string | undefined {
  const text = head.toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '').trimStart();
  if (text.includes(MAGIC.toString('base64').slice(0, 10))) {
    return `is an .aeimg file as base64 text (how an e-mail carries an attachment, as its source shows it), not the file itself. ${SAVE_AGAIN}`;
  }
  const name = MAGIC.subarray(0, 6); // \x89AEIMG, then CR LF
  if (head.subarray(0, 6).equals(name) && (head[6] === 0x0a || (head[6] === 0x0d && head[7] === 0x0d))) {
    return 'is an .aeimg file whose line ends were converted, as to text (a transfer in text mode, a mail program that converts ' +
      `attachments): its encrypted data is changed with them and cannot be read. ${SAVE_AGAIN}`;
  }
  const at = head.indexOf(MAGIC);
  if (at > 0) {
    const what = at === 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 'a text editor\'s byte-order mark' : `${at} bytes of something else`;
    return `is an .aeimg file with ${what} put in front of it, which it does not read past. ${SAVE_AGAIN}`;
  }
  return undefined;
}

/** The public header only: what anyone holding the file can see. */
export async function inspectAeimg(path: string): Promise<{ header: Header; version: FormatVersion; fileBytes: number }> {
  const handle = await openForReading(path);
  try {
    const { header, version } = await readHeader(new FileSource(handle, 128 * 1024));
    return { header, version, fileBytes: (await stat(path)).size };
  } catch (err) {
    throw inFile(path, await archiveNamed(path, err));
  } finally {
    await handle.close();
  }
}
