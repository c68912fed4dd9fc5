// Loaded with `node --import`: records every module URL the program resolves, one per line,
// into the file named by TRACE_IMPORTS_FILE. Used to prove what `turnout --version` loads.
// ES modules are seen as they resolve; CommonJS ones (required by a package, or loaded on demand
// with createRequire) are read from require's cache when the process exits.
import fs from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      import fs from 'node:fs';
      export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        fs.appendFileSync(process.env.TRACE_IMPORTS_FILE, result.url + '\\n');
        return result;
      }
    `),
);

const cache = createRequire(import.meta.url).cache;
process.on('exit', () => {
  const urls = Object.keys(cache).map((file) => pathToFileURL(file).href);
  if (urls.length > 0) fs.appendFileSync(process.env.TRACE_IMPORTS_FILE, urls.join('\n') + '\n');
});
