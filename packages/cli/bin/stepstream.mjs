#!/usr/bin/env node
// The `stepstream` command. npm links a package's bin at `npm install`, before anything is
// built, and skips a target that does not exist yet: this committed file is the target, and it
// runs the compiled CLI — or says how to build it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('stepstream is not built yet: run `npm run build` (or `npm start`)\n');
  process.exit(1);
}
await import(main.href);
