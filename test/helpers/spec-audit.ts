import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";

/**
 * A source audit behind "fixtures own all bookkeeping" (fixtures/index.ts): finds spec code (scenarios/**) that
 * does what a fixture owns. Rules:
 * - `ledger-row`: writes a ledger row (`….record(` on a ledger, `new Ledger(`): rooms, users and media are recorded
 *   by the fixture that makes them;
 * - `create-room`: creates a room itself (a `createRoom` call, or a request to `/createRoom`): `rooms.create`,
 *   `rooms.group`, `rooms.plain`;
 * - `register`: registers a user itself (a `register…` call, or a request to `/register`): `users.create`,
 *   `users.tryRegister`, `users.tryGuest`;
 * - `matrix-error`: names `MatrixError` (catching it, `instanceof`, `toBeInstanceOf`): a call that may be refused
 *   returns what the server said (`accept: […]`, `try…` helpers);
 * - `user-factory`: builds a `UserFactory` or a `TestUser` by hand: the `users` fixture;
 * - `beside-target`: reads a file beside the target (`targetFile`, `dirname(…)` of a target's source) or reaches
 *   the reference's stack directly (src/stack/reference-db.ts, src/stack/reconfigure.ts): the `reference` fixture.
 */
export interface SpecFinding {
  file: string;
  line: number;
  rule: "ledger-row" | "create-room" | "register" | "matrix-error" | "user-factory" | "beside-target";
  code: string;
}

const STACK_BY_FILE = /src\/stack\/(reference-db|reconfigure)(\.ts)?$/;

function calleeName(e: ts.Expression): string | undefined {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

function receiverText(e: ts.Expression, src: ts.SourceFile): string {
  return ts.isPropertyAccessExpression(e) ? e.expression.getText(src) : "";
}

function literalText(n: ts.Node): string | undefined {
  if (ts.isStringLiteralLike(n)) return n.text;
  if (ts.isTemplateExpression(n)) return [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join("${}");
  return undefined;
}

export function auditSpecSource(file: string, text: string): SpecFinding[] {
  const src = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const findings: SpecFinding[] = [];
  const flag = (n: ts.Node, rule: SpecFinding["rule"]) => {
    const line = src.getLineAndCharacterOfPosition(n.getStart(src)).line + 1;
    if (!findings.some((f) => f.line === line && f.rule === rule)) findings.push({ file, line, rule, code: n.getText(src).split("\n")[0]!.slice(0, 160) });
  };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const name = calleeName(n.expression);
      if (name === "record" && /ledger/i.test(receiverText(n.expression, src))) flag(n, "ledger-row");
      if (name === "createRoom") flag(n, "create-room");
      if (name && /^register/i.test(name)) flag(n, "register");
      if (name === "dirname" && n.arguments.some((a) => /targetFile|\.source\b/.test(a.getText(src)))) flag(n, "beside-target");
    }
    if (ts.isNewExpression(n)) {
      const name = calleeName(n.expression);
      if (name === "Ledger") flag(n, "ledger-row");
      if (name === "UserFactory") flag(n, "user-factory");
    }
    const lit = literalText(n);
    if (lit !== undefined && !ts.isImportDeclaration(n.parent)) {
      if (/\/createRoom\b/.test(lit)) flag(n, "create-room");
      if (/_matrix\/client\/(v3|r0)\/register\b/.test(lit)) flag(n, "register");
    }
    if (ts.isIdentifier(n)) {
      if (n.text === "MatrixError") flag(n, "matrix-error");
      if (n.text === "UserFactory") flag(n, "user-factory");
      if (n.text === "targetFile") flag(n, "beside-target");
    }
    // A TestUser assembled by hand: an object literal with the user's credentials.
    if (ts.isObjectLiteralExpression(n)) {
      const keys = new Set(n.properties.map((p) => (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : "")));
      if (keys.has("userId") && keys.has("accessToken") && keys.has("password")) flag(n, "user-factory");
    }
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier) && STACK_BY_FILE.test(n.moduleSpecifier.text)) flag(n, "beside-target");
    ts.forEachChild(n, visit);
  };
  visit(src);
  return findings;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
}

/** Audits every .ts file under `root/scenarios`. */
export function auditSpecs(root: string): { files: number; findings: SpecFinding[] } {
  const files: string[] = [];
  walk(join(root, "scenarios"), files);
  const findings = files.flatMap((f) => auditSpecSource(relative(root, f).split(sep).join("/"), readFileSync(f, "utf8")));
  return { files: files.length, findings };
}
