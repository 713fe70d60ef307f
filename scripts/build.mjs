// Compiles every TypeScript source of the monorepo to CommonJS under dist/ with SWC.
// Type checking is a separate step (`npm run typecheck`); SWC keeps the build fast on a 2-core machine.
import { transformFile } from '@swc/core';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

const root = process.cwd();
const sourceDirs = ['apps', 'libs', 'scripts', 'bench'];
const aliases = ['contracts', 'event-store', 'messaging', 'observability', 'testing'];

async function* walk(dir) {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules') continue;
      yield* walk(path);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.spec.ts')) {
      yield path;
    }
  }
}

const options = {
  sourceMaps: true,
  module: { type: 'commonjs', strict: true },
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
    baseUrl: root,
    paths: Object.fromEntries(aliases.map((name) => [`@mnemo/${name}`, [`./libs/${name}/src/index.ts`]])),
  },
};

// Built beside dist/ and swapped in with two renames, so a test stack starting from dist/ while another build
// runs never finds it half-written or gone.
const staging = join(root, `dist.${process.pid}.building`);
await rm(staging, { recursive: true, force: true });
const files = [];
for (const dir of sourceDirs) for await (const file of walk(join(root, dir))) files.push(file);
await Promise.all(
  files.map(async (file) => {
    const final = join(root, 'dist', relative(root, file)).replace(/\.ts$/, '.js');
    const out = join(staging, relative(root, file)).replace(/\.ts$/, '.js');
    const result = await transformFile(file, { ...options, filename: file, sourceFileName: relative(dirname(final), file) });
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, result.code + `\n//# sourceMappingURL=${out.split('/').pop()}.map\n`);
    if (result.map) await writeFile(out + '.map', result.map);
  }),
);
const retired = join(root, `dist.${process.pid}.retired`);
await rename(join(root, 'dist'), retired).catch((error) => {
  if (error.code !== 'ENOENT') throw error;
});
await rename(staging, join(root, 'dist'));
await rm(retired, { recursive: true, force: true });
console.log(`built ${files.length} files into dist/`);
