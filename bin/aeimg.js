#!/usr/bin/env node
// The `aeimg` command. It runs the build in dist-cli/ (made by `npm ci` through the `prepare` script, or
// `node scripts/build-cli.mjs`), which starts in a fraction of the time TypeScript compilation takes; when that build
// is missing or older than any source file (a developer's edit), it runs the TypeScript sources through tsx instead.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = new URL('../dist-cli/aeimg.mjs', import.meta.url);

/** The newest modification time of the .ts files under `dir`. */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function buildIsCurrent() {
  try {
    const builtAt = statSync(built).mtimeMs;
    return ['src-main', 'src-shared'].every((d) => newestSource(`${root}${d}`) <= builtAt);
  } catch {
    return false;
  }
}

if (buildIsCurrent()) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src-main/cli/main.ts');
}
