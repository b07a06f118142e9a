/**
 * The import graph of src/, read with the TypeScript scanner (no type checking): every
 * `import`, `import type`, `export ... from` and `import()` with a relative specifier is an edge.
 * Folders are the first path segment under src/; a file directly in src/ is a node of its own.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

export interface FileEdge {
  from: string;
  to: string;
}

/** Every .ts file under `dir`, as paths relative to `root`, with forward slashes. */
export function sourceFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(root, path));
    else if (/\.tsx?$/.test(name) && !name.endsWith(".d.ts")) out.push(relative(root, path).split(sep).join("/"));
  }
  return out.sort();
}

function resolveSpecifier(root: string, fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(root, dirname(fromFile), specifier);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")];
  for (const candidate of candidates) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate).split(sep).join("/");
  }
  return undefined;
}

/** File-level edges among the files under `root` (a specifier that resolves outside is dropped). */
export function fileEdges(root: string): FileEdge[] {
  const edges: FileEdge[] = [];
  for (const file of sourceFiles(root)) {
    const info = ts.preProcessFile(readFileSync(join(root, file), "utf8"), true, true);
    for (const ref of info.importedFiles) {
      const to = resolveSpecifier(root, file, ref.fileName);
      if (to !== undefined && !to.startsWith("..")) edges.push({ from: file, to });
    }
  }
  return edges;
}

/** `channel/ChannelRoom.ts` → `channel`; `env.ts` → `env.ts`. */
export function folderOf(file: string): string {
  const slash = file.indexOf("/");
  return slash === -1 ? file : file.slice(0, slash);
}

/** Folder-level edges, each with one file edge that makes it (the first found). */
export function folderGraph(edges: FileEdge[]): Map<string, Map<string, FileEdge>> {
  const graph = new Map<string, Map<string, FileEdge>>();
  for (const edge of edges) {
    const from = folderOf(edge.from);
    const to = folderOf(edge.to);
    if (!graph.has(from)) graph.set(from, new Map());
    if (!graph.has(to)) graph.set(to, new Map());
    if (from !== to && !graph.get(from)!.has(to)) graph.get(from)!.set(to, edge);
  }
  return graph;
}

/**
 * Each strongly connected component of more than one folder, written as one cycle through it
 * (`a → b → a`) followed by the file imports that close it, so a failure names what to move.
 */
export function folderCycles(graph: Map<string, Map<string, FileEdge>>): string[] {
  let index = 0;
  const indices = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strongConnect = (node: string): void => {
    indices.set(node, index);
    lowlink.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)!.keys()) {
      if (!indices.has(next)) {
        strongConnect(next);
        lowlink.set(node, Math.min(lowlink.get(node)!, lowlink.get(next)!));
      } else if (onStack.has(next)) {
        lowlink.set(node, Math.min(lowlink.get(node)!, indices.get(next)!));
      }
    }
    if (lowlink.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) strongConnect(node);
  return components.map((component) => describeCycle(graph, component));
}

/** A shortest cycle through the component's first folder (breadth-first, inside the component). */
function describeCycle(graph: Map<string, Map<string, FileEdge>>, component: string[]): string {
  const members = new Set(component);
  const start = component[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  let closing: string | undefined;
  while (queue.length > 0 && closing === undefined) {
    const node = queue.shift()!;
    for (const next of graph.get(node)!.keys()) {
      if (!members.has(next)) continue;
      if (next === start) {
        closing = node;
        break;
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  const path = [start];
  for (let node = closing!; node !== start; node = previous.get(node)!) path.splice(1, 0, node);
  path.push(start);
  const imports = path.slice(0, -1).map((from, i) => {
    const edge = graph.get(from)!.get(path[i + 1]!)!;
    return `  ${edge.from} imports ${edge.to}`;
  });
  return [`${path.join(" → ")} (folders in this cycle: ${component.join(", ")})`, ...imports].join("\n");
}
