/**
 * The package's public surface as text (api-report.md): every export of every entry point in
 * `exports`, with its kind and type, read from the sources by the TypeScript compiler. A change to
 * the surface (an export added or removed, a parameter, a field of a wire type) changes the report;
 * test/unit/client-surface.test.ts fails until the report is rewritten and the change reviewed.
 *
 *   npm run api-report -w @edge-realtime/client
 */
import { readFileSync, writeFileSync } from "node:fs";
import ts from "typescript";

const dir = new URL("..", import.meta.url).pathname;

/** `exports` subpath → source module (dist/x.js is built from src/x.ts). */
function entryPoints(): [string, string][] {
  const pkg = JSON.parse(readFileSync(`${dir}package.json`, "utf8")) as { name: string; exports: Record<string, { import?: string }> };
  return Object.entries(pkg.exports)
    .filter(([, target]) => typeof target === "object" && target.import)
    .map(([subpath, target]) => [
      subpath === "." ? pkg.name : `${pkg.name}/${subpath.replace(/^\.\//, "")}`,
      `${dir}${target.import!.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts")}`,
    ]);
}

function key(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

const FLAGS = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;

function isPublic(decl: ts.Declaration | undefined): boolean {
  if (!decl) return true;
  const mods = ts.getCombinedModifierFlags(decl);
  if (mods & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  const name = ts.getNameOfDeclaration(decl);
  return !(name && ts.isPrivateIdentifier(name));
}

function membersOf(checker: ts.TypeChecker, type: ts.Type, at: ts.Node): string[] {
  const lines: string[] = [];
  for (const member of checker.getPropertiesOfType(type)) {
    const decl = member.valueDeclaration ?? member.declarations?.[0];
    if (!isPublic(decl)) continue;
    const memberType = checker.getTypeOfSymbolAtLocation(member, decl ?? at);
    const optional = member.flags & ts.SymbolFlags.Optional ? "?" : "";
    const readonly = decl && ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Readonly ? "readonly " : "";
    const calls = memberType.getCallSignatures();
    if (member.flags & ts.SymbolFlags.Method && calls.length) {
      for (const sig of calls) lines.push(`  ${key(member.name)}${checker.signatureToString(sig, at, FLAGS)}`);
    } else {
      lines.push(`  ${readonly}${key(member.name)}${optional}: ${checker.typeToString(memberType, at, FLAGS)}`);
    }
  }
  return lines.sort();
}

function describe(checker: ts.TypeChecker, name: string, symbol: ts.Symbol): string {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const decl = target.declarations?.[0];
  if (!decl) return `unknown ${name}`;
  if (ts.isClassDeclaration(decl)) {
    const ctorType = checker.getTypeOfSymbolAtLocation(target, decl);
    const ctors = ctorType.getConstructSignatures().map((s) => `  constructor${checker.signatureToString(s, decl, FLAGS)}`);
    const statics = membersOf(checker, ctorType, decl).filter((l) => !/^ {2}prototype:/.test(l)).map((l) => `  static${l.slice(1)}`);
    const instance = membersOf(checker, checker.getDeclaredTypeOfSymbol(target), decl);
    return [`class ${name} {`, ...ctors, ...statics, ...instance, "}"].join("\n");
  }
  if (ts.isInterfaceDeclaration(decl)) {
    const params = decl.typeParameters ? `<${decl.typeParameters.map((p) => p.getText()).join(", ")}>` : "";
    return [`interface ${name}${params} {`, ...membersOf(checker, checker.getDeclaredTypeOfSymbol(target), decl), "}"].join("\n");
  }
  if (ts.isTypeAliasDeclaration(decl)) {
    const params = decl.typeParameters ? `<${decl.typeParameters.map((p) => p.getText()).join(", ")}>` : "";
    return `type ${name}${params} = ${decl.type.getText().replace(/\s+/g, " ")}`;
  }
  if (ts.isFunctionDeclaration(decl)) {
    const type = checker.getTypeOfSymbolAtLocation(target, decl);
    return type
      .getCallSignatures()
      .map((s) => `function ${name}${checker.signatureToString(s, decl, FLAGS)}`)
      .join("\n");
  }
  return `const ${name}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(target, decl), decl, FLAGS)}`;
}

export function apiReport(): string {
  const config = ts.getParsedCommandLineOfConfigFile(`${dir}tsconfig.json`, { noEmit: true }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  })!;
  const program = ts.createProgram(config.fileNames, config.options);
  const checker = program.getTypeChecker();
  const sections = entryPoints().map(([entry, file]) => {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} (the source of ${entry}) is not in the package's tsconfig`);
    const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!);
    const blocks = exports.sort((a, b) => a.name.localeCompare(b.name)).map((s) => describe(checker, s.name, s));
    return `## ${entry}\n\n\`\`\`ts\n${blocks.join("\n\n")}\n\`\`\`\n`;
  });
  return `# API report of the client package\n\nGenerated by scripts/api-report.ts from the sources: do not edit. Review each change to it as a\nchange of what users see; \`npm run api-report -w @edge-realtime/client\` rewrites it.\n\n${sections.join("\n")}`;
}

if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) writeFileSync(`${dir}api-report.md`, apiReport());
