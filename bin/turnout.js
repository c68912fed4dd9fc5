#!/usr/bin/env node
// Checked before anything is loaded: on an older Node, the SQLite driver would crash the process
// instead of saying what is wrong. Written for any Node that can run an ES module.
const REQUIRED_MAJOR = 22;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= REQUIRED_MAJOR)) {
  process.stderr.write(
    `error: turnout needs Node.js ${REQUIRED_MAJOR} or later (22 or 24 LTS); this is Node.js ${process.versions.node}. Install a current LTS from nodejs.org, or: npm install --prefix ~/.node24 node@24\n`,
  );
  process.exit(2);
}
await import('../dist/src/cli/main.js');
