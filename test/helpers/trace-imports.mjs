// Loaded with `node --import`: records every module URL the program resolves, one per line,
// into the file named by TRACE_IMPORTS_FILE. Used to prove what `turnout --version` loads.
import { register } from 'node:module';

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
