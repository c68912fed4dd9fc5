import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ChecksFolder, FileSnapshot } from '../app/watch.js';
import { RuntimeError } from '../core/errors.js';

/** Poll-check files: CSV, TSV or plain text exports. */
const CHECK_FILE = /\.(csv|tsv|txt)$/i;
/** Names of files still being written or not meant for us: dotfiles, editor and download leftovers. */
const PARTIAL = /^[.~]|\.(part|partial|tmp|temp|crdownload|download|swp)$|~$/i;

export function isCandidateName(name: string): boolean {
  return !PARTIAL.test(name) && CHECK_FILE.test(name);
}

/** The folder `turnout watch` reads poll-check files from. */
export function checksFolder(dir: string): ChecksFolder {
  return {
    async scan() {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch (error) {
        throw new RuntimeError(`cannot read the folder ${dir}: ${(error as Error).message}`, {
          hint: 'Check --checks-dir: it must be an existing folder you can read.',
          cause: error,
        });
      }
      const files: FileSnapshot[] = [];
      for (const entry of entries) {
        if (!entry.isFile() || !isCandidateName(entry.name)) continue;
        const file = path.join(dir, entry.name);
        try {
          const stat = await fs.promises.stat(file);
          files.push({ name: entry.name, path: file, size: stat.size, mtimeMs: stat.mtimeMs });
        } catch {
          // Removed between readdir and stat: it is simply not there any more.
        }
      }
      return files;
    },
    async hash(file) {
      const hash = createHash('sha256');
      await pipeline(fs.createReadStream(file), hash);
      return hash.digest('hex');
    },
  };
}
