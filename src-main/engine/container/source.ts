/** Byte sources for parsing: a file read in blocks, or memory (tests feed it in tiny pieces). */
import type { FileHandle } from 'node:fs/promises';

export interface ByteSource {
  /** Reads up to n bytes; fewer only at the end of the data. */
  read(n: number): Promise<Buffer>;
  /** True when no byte is left. */
  atEnd(): Promise<boolean>;
  /** Bytes consumed so far. */
  readonly position: number;
}

abstract class BufferedSource implements ByteSource {
  private buf = Buffer.alloc(0);
  private eof = false;
  position = 0;

  protected abstract pull(): Promise<Buffer>;

  private async fill(n: number): Promise<void> {
    const parts: Buffer[] = [this.buf];
    let have = this.buf.length;
    while (have < n && !this.eof) {
      const more = await this.pull();
      if (more.length === 0) this.eof = true;
      parts.push(more);
      have += more.length;
    }
    this.buf = parts.length === 1 ? this.buf : Buffer.concat(parts);
  }

  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    this.position += out.length;
    return out;
  }

  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.buf.length === 0;
  }
}

export class FileSource extends BufferedSource {
  constructor(private readonly handle: FileHandle, private readonly blockSize = 1 << 20) {
    super();
  }
  private offset = 0;
  protected async pull(): Promise<Buffer> {
    const block = Buffer.alloc(this.blockSize);
    const { bytesRead } = await this.handle.read(block, 0, block.length, this.offset);
    this.offset += bytesRead;
    return block.subarray(0, bytesRead);
  }
}

export class MemorySource extends BufferedSource {
  private offset = 0;
  /** `piece` bounds how much each pull returns, to exercise byte-by-byte parsing. */
  constructor(private readonly data: Uint8Array, private readonly piece = Number.MAX_SAFE_INTEGER) {
    super();
  }
  protected async pull(): Promise<Buffer> {
    const out = Buffer.from(this.data.subarray(this.offset, this.offset + this.piece));
    this.offset += out.length;
    return out;
  }
}
