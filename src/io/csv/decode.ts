/**
 * Bytes to text for CSV files as campaigns have them: UTF-8 with or without a BOM, or
 * Windows-1252 / Latin-1 from older spreadsheet exports. Node 20's TextDecoder('windows-1252')
 * maps 0x80 to U+0080 instead of €, so single-byte encodings go through iconv-lite.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import { DataError, UsageError } from '../../core/errors.js';

type Iconv = typeof import('iconv-lite');
let loaded: Iconv | undefined;
/**
 * iconv-lite, loaded (synchronously) the first time a file or option needs a single-byte
 * encoding: most files are UTF-8, and loading it costs every import ~12 ms.
 */
function iconv(): Iconv {
  loaded ??= createRequire(import.meta.url)('iconv-lite') as Iconv;
  return loaded;
}

export type EncodingChoice = 'auto' | 'utf-8' | 'windows-1252' | 'latin1' | string;

/** `--encoding` values people type → iconv-lite names; anything iconv-lite knows is accepted too. */
export function checkEncoding(input: string | undefined): EncodingChoice {
  if (input === undefined || input.trim() === '' || input.toLowerCase() === 'auto') return 'auto';
  const name = input.trim().toLowerCase();
  if (name === 'utf8' || name === 'utf-8') return 'utf-8';
  if (['windows-1252', 'cp1252', 'win1252', 'windows1252', 'ansi'].includes(name)) return 'windows-1252';
  if (['latin1', 'latin-1', 'iso-8859-1', 'iso8859-1', 'l1'].includes(name)) return 'latin1';
  if (iconv().encodingExists(name)) return name;
  throw new UsageError(`unknown encoding "${input}"`, { hint: 'Use utf-8, windows-1252 or latin1 (or leave it out: turnout detects these).' });
}

/** How many bytes at the end of `buf` start a UTF-8 sequence that the next chunk completes. */
function incompleteTail(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

/** Offset of the first byte that is not valid UTF-8 (only called once we know there is one). */
function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const need = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (need === 0) return i;
    if (need > 1 && !isUtf8(buf.subarray(i, i + need))) return i;
    i += need;
  }
  return buf.length;
}

/** Line breaks in the first `end` bytes (for the line of an invalid byte, or in a small sample: bytes are fine then). */
export function countNewlines(buf: Uint8Array, end = buf.length): number {
  let count = 0;
  let at = -1;
  const b = Buffer.from(buf.buffer, buf.byteOffset, end);
  while ((at = b.indexOf(10, at + 1)) !== -1) count++;
  return count;
}

/**
 * Line breaks in decoded text. String#indexOf, not Buffer#indexOf on the bytes: the Buffer method
 * costs ~0.5 µs a call in argument handling, 0.5 s of the reader's time for a 1M-line file
 * (measured on a 10,000-line file: 5.8 ms on the bytes, 0.3 ms on the text).
 */
function countLineBreaks(text: string): number {
  let count = 0;
  let at = -1;
  while ((at = text.indexOf('\n', at + 1)) !== -1) count++;
  return count;
}

/**
 * A streaming decoder. In `auto` mode the text is read as UTF-8 while it is valid; if invalid
 * bytes come before any non-ASCII UTF-8 character, the file is Windows-1252 (a superset of
 * Latin-1's printable characters) and the rest is read as such. Invalid bytes after real UTF-8
 * characters mean a damaged file: that fails with the line and a hint.
 */
export class TextDecoderStream {
  private mode: 'undecided' | 'utf-8' | 'single';
  private single: { write(b: Buffer): string; end(): string | undefined } | undefined;
  private carry: Uint8Array = new Uint8Array(0);
  private started = false;
  private linesBefore = 0;
  /** The encoding in use, for messages: utf-8, windows-1252… */
  encoding: string;

  constructor(private readonly file: string, choice: EncodingChoice) {
    if (choice === 'auto') {
      this.mode = 'undecided';
      this.encoding = 'utf-8';
    } else if (choice === 'utf-8') {
      this.mode = 'utf-8';
      this.encoding = 'utf-8';
    } else {
      this.mode = 'single';
      this.encoding = choice;
      this.single = iconv().getDecoder(choice === 'latin1' ? 'latin1' : choice === 'windows-1252' ? 'win1252' : choice);
    }
  }

  write(chunk: Uint8Array): string {
    let bytes = chunk;
    if (!this.started) {
      if (this.carry.length + bytes.length < 3 && this.mode !== 'single') {
        this.carry = concat(this.carry, bytes);
        return '';
      }
      bytes = concat(this.carry, bytes);
      this.carry = new Uint8Array(0);
      this.started = true;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = bytes.subarray(3);
        if (this.mode === 'undecided') this.mode = 'utf-8';
      }
    }
    if (this.mode === 'undecided') {
      const all = this.carry.length > 0 ? concat(this.carry, bytes) : bytes;
      const tail = incompleteTail(all);
      const whole = all.subarray(0, all.length - tail);
      if (isAscii(whole)) {
        this.carry = copyOf(all.subarray(all.length - tail));
        const text = Buffer.from(whole.buffer, whole.byteOffset, whole.length).toString('latin1');
        this.linesBefore += countLineBreaks(text);
        return text;
      }
      this.carry = new Uint8Array(0);
      if (isUtf8(whole)) {
        this.mode = 'utf-8';
      } else {
        this.mode = 'single';
        this.encoding = 'windows-1252';
        this.single = iconv().getDecoder('win1252');
      }
      bytes = all;
    }
    if (this.mode === 'single') return this.single!.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    // UTF-8: validate with the native checker and decode whole characters; a character cut at the
    // end of the chunk waits for the next one.
    const all = this.carry.length > 0 ? concat(this.carry, bytes) : bytes;
    const tail = incompleteTail(all);
    const whole = Buffer.from(all.buffer, all.byteOffset, all.length - tail);
    if (!isUtf8(whole)) {
      const at = firstInvalidUtf8(whole);
      throw this.invalid(this.linesBefore + countNewlines(whole, at) + 1);
    }
    this.carry = tail > 0 ? copyOf(all.subarray(all.length - tail)) : new Uint8Array(0);
    const text = whole.toString('utf8');
    this.linesBefore += countLineBreaks(text);
    return text;
  }

  end(): string {
    if (!this.started && this.carry.length > 0) {
      const rest = this.carry;
      this.carry = new Uint8Array(0);
      this.started = true;
      const text = this.write(rest);
      return text + this.end();
    }
    if (this.mode === 'single') return this.single!.end() ?? '';
    if (this.mode === 'undecided') {
      if (this.carry.length === 0) return '';
      this.mode = 'single';
      this.encoding = 'windows-1252';
      return iconv().decode(Buffer.from(this.carry), 'win1252');
    }
    if (this.carry.length > 0) throw this.invalid(this.linesBefore + 1);
    return '';
  }

  private invalid(line: number): DataError {
    return new DataError('the file is not valid UTF-8 here, although earlier lines were', {
      where: { file: this.file, line },
      hint: 'If the file was saved by Excel on Windows, try --encoding windows-1252; otherwise re-export it as UTF-8.',
    });
  }
}

/**
 * A copy of `bytes`: the caller may reuse its buffer after write() (the import worker reads every
 * chunk into the same Buffer), and Buffer#slice would not copy.
 */
function copyOf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
