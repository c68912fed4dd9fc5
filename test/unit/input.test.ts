import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInput } from '../../src/io/input.js';
import { DataError } from '../../src/core/errors.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turnout-input-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; count: number }> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(Buffer.from(chunk));
  return { bytes: Buffer.concat(parts), count: parts.length };
}

describe('openInput', () => {
  it('reads a file of several chunks whole, in order, each chunk its own bytes', async () => {
    const file = path.join(dir, 'checks.csv');
    // 200,000 bytes: three full 64 KiB chunks and a short one, each byte telling its position.
    const content = Buffer.alloc(200_000);
    for (let i = 0; i < content.length; i++) content[i] = (i * 7 + (i >> 16)) & 0xff;
    fs.writeFileSync(file, content);
    const { bytes, count } = await readAll(openInput(file, process.stdin).chunks());
    expect(count).toBe(4);
    expect(bytes.equals(content)).toBe(true);
  });

  it('reads an empty file as no chunk', async () => {
    const file = path.join(dir, 'empty.csv');
    fs.writeFileSync(file, '');
    expect((await readAll(openInput(file, process.stdin).chunks())).count).toBe(0);
  });

  it('says which file is missing, at once or when it goes before it is read', async () => {
    const missing = path.join(dir, 'none.csv');
    expect(() => openInput(missing, process.stdin)).toThrow(DataError);
    const file = path.join(dir, 'gone.csv');
    fs.writeFileSync(file, 'voter_id\n1\n');
    const input = openInput(file, process.stdin);
    fs.rmSync(file);
    const error = await readAll(input.chunks()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe('no such file');
    expect((error as DataError).where).toEqual({ file });
  });

  it('refuses a folder, and says so when a folder takes the file\'s place before it is read', async () => {
    expect(() => openInput(dir, process.stdin)).toThrow(/folder/);
    const file = path.join(dir, 'swapped.csv');
    fs.writeFileSync(file, 'voter_id\n1\n');
    const input = openInput(file, process.stdin);
    fs.rmSync(file);
    fs.mkdirSync(file);
    const error = await readAll(input.chunks()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe('cannot read the file (EISDIR)');
  });
});
