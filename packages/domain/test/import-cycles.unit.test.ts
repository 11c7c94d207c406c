import test from 'ava';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// ESLint's import-x/no-cycle skips `import type`, so a circle of type imports (dataflow.ts ↔
// interpreter.ts, issue 12) passes lint. This check follows every relative import and re-export,
// type-only ones included.

const srcDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });

const importsOf = (file: string): string[] => {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.flatMap((s) => {
    if (!(ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) || !s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier)) return [];
    const spec = s.moduleSpecifier.text;
    return spec.startsWith('.') ? [resolve(dirname(file), spec.replace(/\.js$/, '.ts'))] : [];
  });
};

/** Every circle of imports, each as the files along it (depth-first search; the graph is small). */
const cycles = (graph: ReadonlyMap<string, readonly string[]>): string[][] => {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, path: readonly string[]) => {
    const at = path.indexOf(file);
    if (at >= 0) return void found.push([...path.slice(at), file]);
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    done.add(file);
  };
  for (const file of graph.keys()) visit(file, []);
  return found;
};

test('packages/domain/src imports in no circle, type-only imports included', (t) => {
  const files = sources(srcDir);
  t.true(files.length > 20, `found only ${files.length} source files under ${srcDir}`);
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  t.deepEqual(
    cycles(graph).map((c) => c.map((f) => relative(srcDir, f)).join(' → ')),
    [],
  );
});

test('the search reports a circle once, from where it was entered', (t) => {
  const graph = new Map([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts']],
  ]);
  t.deepEqual(cycles(graph), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
});
