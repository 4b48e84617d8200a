import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Module → the project modules it imports (type-only imports included), as absolute paths. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** The relative imports of every .ts/.mts module under `roots` (folders of `cwd`). */
export function importGraph(cwd: string, roots: readonly string[]): ImportGraph {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  for (const root of roots) walk(path.join(cwd, root));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const imported = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
    graph.set(
      file,
      imported
        .filter((i) => i.fileName.startsWith('.'))
        .flatMap((i) => {
          const base = path.resolve(path.dirname(file), i.fileName);
          const target = [`${base}.ts`, `${base}.mts`, path.join(base, 'index.ts')].find((c) =>
            known.has(c),
          );
          return target === undefined ? [] : [target];
        }),
    );
  }
  return graph;
}

/**
 * The import cycles: strongly connected components of more than one module (Tarjan), or a module
 * importing itself; each as its modules, sorted.
 */
export function importCycles(graph: ImportGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string | undefined;
    do {
      w = stack.pop();
      if (w === undefined) break;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
