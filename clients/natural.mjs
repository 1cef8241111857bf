// Keeps flow.ts honest: a flow that compiles only thanks to a cast, `any`, a non-null
// assertion or a `@ts-` comment proves nothing about the document. Walks the syntax tree
// (so words in comments and strings do not count) and lists every such place.
// Usage: node natural.mjs flow.ts
import { readFileSync } from "node:fs";

import ts from "typescript";

const file = process.argv[2];
const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
const found = [];

function report(node, what) {
  const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
  found.push(`${file}:${line + 1}:${character + 1}: ${what}: ${node.getText(source)}`);
}

function visit(node) {
  // `as const` only narrows a literal; every other `as` overrules the checker.
  if (ts.isAsExpression(node) && node.type.getText(source) !== "const") {
    report(node, "a cast");
  } else if (ts.isTypeAssertionExpression(node)) {
    report(node, "a cast");
  } else if (ts.isNonNullExpression(node)) {
    report(node, "a non-null assertion");
  } else if (node.kind === ts.SyntaxKind.AnyKeyword) {
    report(node, "`any`");
  }
  ts.forEachChild(node, visit);
}
visit(source);

for (const match of source.text.matchAll(/@ts-(?:ignore|expect-error|nocheck)/g)) {
  const { line, character } = source.getLineAndCharacterOfPosition(match.index);
  found.push(`${file}:${line + 1}:${character + 1}: a \`${match[0]}\` comment`);
}

if (found.length > 0) {
  console.error(found.join("\n"));
  process.exit(1);
}
