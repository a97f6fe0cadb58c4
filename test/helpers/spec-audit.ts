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
 *
 * And one wait style, one request style (docs/ARCHITECTURE.md, "Waiting" and "Must / may"):
 * - `poll`: `expect.poll`: `waitFor(what, probe)` (src/matrix/timeouts.ts) or `syncUntil` (src/matrix/sync.ts),
 *   whose timeout names what was awaited and what was seen;
 * - `sleep`: `setTimeout` (not Playwright's `test.setTimeout`/`testInfo.setTimeout`), `node:timers/promises`,
 *   `page.waitForTimeout`, `backoff(…)`, a `waitFor` whose probe only watches the local clock: wait for the
 *   state the pause stands for;
 * - `deadline-loop`: a loop that compares `Date.now()`/`performance.now()` or a `deadline` with something: `waitFor`;
 * - `error-text`: matches an error's text (`….message.includes/match/startsWith/…`, `re.test(….message)`,
 *   `toThrow("…")`/`toThrow(/…/)`): a call that may be refused returns status and errcode (`accept: […]`, `try…`);
 * - `catch-all`: `.then(ok, failed)`, a `.catch(…)` whose handler does more than ignore (`() => {}`), or a
 *   `catch` clause that reads what the server said from the error (`.cause`, `.status`, `.errcode`, `.httpStatus`):
 *   `accept: […]`, the `try…` helpers (`tryFetchText`, `tryWaitFor`, `users.tryRegister`, `media.tryUpload`).
 */
export interface SpecFinding {
  file: string;
  line: number;
  rule: "ledger-row" | "create-room" | "register" | "matrix-error" | "user-factory" | "beside-target" | "poll" | "sleep" | "deadline-loop" | "error-text" | "catch-all";
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

const TEXT_MATCHERS = new Set(["includes", "match", "matchAll", "startsWith", "endsWith", "search", "indexOf"]);
const CLOCK = /\b(Date|performance)\.now\(\)|deadline/i;

/** `x.message` (or `x.message?.…`) of something: an error's text. */
function isMessageAccess(n: ts.Node): n is ts.PropertyAccessExpression {
  return ts.isPropertyAccessExpression(n) && n.name.text === "message";
}

/** A comparison inside `n` (not inside a nested function) with the clock or a deadline on one side. */
function comparesClock(n: ts.Node, src: ts.SourceFile): boolean {
  let found = false;
  const visit = (m: ts.Node): void => {
    if (found || ts.isFunctionLike(m)) return;
    if (ts.isBinaryExpression(m) && [ts.SyntaxKind.LessThanToken, ts.SyntaxKind.LessThanEqualsToken, ts.SyntaxKind.GreaterThanToken, ts.SyntaxKind.GreaterThanEqualsToken].includes(m.operatorToken.kind)
      && (CLOCK.test(m.left.getText(src)) || CLOCK.test(m.right.getText(src)))) found = true;
    ts.forEachChild(m, visit);
  };
  visit(n);
  return found;
}

/** A handler that only ignores the error: `() => {}`, `() => undefined`, an empty block. */
function ignoresOnly(h: ts.Expression): boolean {
  if (!ts.isArrowFunction(h) && !ts.isFunctionExpression(h)) return false;
  if (h.parameters.length > 0) return false;
  if (ts.isBlock(h.body)) return h.body.statements.length === 0;
  return ts.isIdentifier(h.body) && h.body.text === "undefined";
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
      const recv = receiverText(n.expression, src);
      if (name === "poll" && /^expect$/.test(recv)) flag(n, "poll");
      if (name === "setTimeout" && !/^(test|testInfo)$/.test(recv)) flag(n, "sleep");
      if (name === "waitForTimeout" || name === "backoff") flag(n, "sleep");
      // waitFor as a sleep: a probe that awaits nothing and only watches the local clock.
      const probe = n.arguments[1];
      if ((name === "waitFor" || name === "tryWaitFor") && probe && (ts.isArrowFunction(probe) || ts.isFunctionExpression(probe)) && !/\bawait\b/.test(probe.body.getText(src)) && /\b(Date|performance)\.now\(\)/.test(probe.body.getText(src))) flag(n, "sleep");
      if (name && TEXT_MATCHERS.has(name) && ts.isPropertyAccessExpression(n.expression) && isMessageAccess(n.expression.expression)) flag(n, "error-text");
      if (name === "test" && n.arguments.some((a) => isMessageAccess(a))) flag(n, "error-text");
      if (name === "toThrow" && n.arguments.length > 0) flag(n, "error-text");
      if (name === "then" && n.arguments.length >= 2) flag(n, "catch-all");
      if (name === "catch" && ts.isPropertyAccessExpression(n.expression) && n.arguments[0] && !ignoresOnly(n.arguments[0])) flag(n, "catch-all");
    }
    if ((ts.isWhileStatement(n) || ts.isDoStatement(n) || ts.isForStatement(n)) && comparesClock(n, src)) flag(n, "deadline-loop");
    if (ts.isCatchClause(n) && n.variableDeclaration && ts.isIdentifier(n.variableDeclaration.name)) {
      const v = n.variableDeclaration.name.text;
      if (new RegExp(`\\b${v}\\b[^;\\n]*?\\.(cause|status|errcode|httpStatus)\\b`).test(n.block.getText(src))) flag(n, "catch-all");
    }
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier) && /^(node:)?timers\/promises$/.test(n.moduleSpecifier.text)) flag(n, "sleep");
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
