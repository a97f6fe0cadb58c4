import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

/**
 * Every reason the harness can write into results.json, collected statically from the source: skip reasons
 * (`test.skip(cond, reason)`), inconclusive and manual declarations, the reasons results.ts gives itself, the
 * texts that flow into them (an IdP's or a portal's `missing`, an audit's `note`, a brute-force verdict's
 * `reason`) and the capability details of pre-flight. A template's `${…}` parts become placeholders ‹1›, ‹2›, …
 * (a conditional between string literals becomes each of its variants). Used by test/reasons-de.test.ts: a new
 * reason without a German rendering fails it.
 */

export interface ReasonSource {
  /** The reason with placeholders for its variable parts. */
  text: string;
  /** file:line of the expression. */
  at: string;
  kind: "skip" | "inconclusive" | "manual" | "results" | "flows-in" | "capability";
}

/** Object properties whose string values become (part of) a reason or a capability's detail, by file. */
const PROPERTY_FILES: Record<string, { props: string[]; kind: ReasonSource["kind"] }> = {
  "src/report/results.ts": { props: ["reason"], kind: "results" },
  "src/report/retention.ts": { props: ["note"], kind: "flows-in" },
  "src/security/bruteforce.ts": { props: ["reason"], kind: "flows-in" },
  "fixtures/identity.ts": { props: ["missing"], kind: "flows-in" },
  "fixtures/synapse-admin.ts": { props: ["missing"], kind: "flows-in" },
  "src/matrix/capabilities.ts": { props: ["detail", "via"], kind: "capability" },
};

/** Functions whose returned strings are reasons. */
const RETURNING: Record<string, string[]> = { "src/report/results.ts": ["whyNotRun"] };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith(".ts") ? [p] : [];
  });
}

/** The texts an expression can produce, with placeholders for what is not a literal. */
function texts(e: ts.Expression, sf: ts.SourceFile, consts: Map<string, ts.Expression>, counter = { n: 0 }): string[] {
  const ph = () => `‹${++counter.n}›`;
  if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) return texts(e.expression, sf, consts, counter);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e.text];
  // `…`.trim(): the template's texts.
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === "trim") return texts(e.expression.expression, sf, consts, counter).map((t) => t.trim());
  if (ts.isIdentifier(e) && consts.has(e.text)) return texts(consts.get(e.text)!, sf, consts, counter);
  if (ts.isTemplateExpression(e)) {
    let out = [e.head.text];
    for (const span of e.templateSpans) {
      const ex = span.expression;
      let parts: string[];
      if (ts.isConditionalExpression(ex) && [ex.whenTrue, ex.whenFalse].every((b) => ts.isStringLiteral(b) || ts.isNoSubstitutionTemplateLiteral(b) || ts.isTemplateExpression(b))) {
        parts = [...texts(ex.whenTrue, sf, consts, counter), ...texts(ex.whenFalse, sf, consts, counter)];
      } else parts = [ph()];
      out = out.flatMap((o) => parts.map((p) => o + p + span.literal.text));
    }
    return out;
  }
  if (ts.isConditionalExpression(e)) return [...texts(e.whenTrue, sf, consts, counter), ...texts(e.whenFalse, sf, consts, counter)];
  if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.BarBarToken || e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)) {
    return [...texts(e.left, sf, consts, counter), ...texts(e.right, sf, consts, counter)].filter((t) => !/^‹\d+›$/.test(t));
  }
  return [ph()];
}

export function reasonSources(root: string): ReasonSource[] {
  const out: ReasonSource[] = [];
  for (const file of [...files(join(root, "scenarios")), ...files(join(root, "fixtures")), ...files(join(root, "src"))]) {
    const rel = relative(root, file).replace(/\\/g, "/");
    const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const consts = new Map<string, ts.Expression>();
    const add = (e: ts.Expression, kind: ReasonSource["kind"]) => {
      const at = `${rel}:${sf.getLineAndCharacterOfPosition(e.getStart()).line + 1}`;
      for (const text of texts(e, sf, consts)) if (text.trim() && !/^‹\d+›$/.test(text.trim())) out.push({ text, at, kind });
    };
    const visitConsts = (n: ts.Node): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && (ts.isStringLiteral(n.initializer) || ts.isTemplateExpression(n.initializer))) consts.set(n.name.text, n.initializer);
      ts.forEachChild(n, visitConsts);
    };
    visitConsts(sf);
    const props = PROPERTY_FILES[rel];
    const returning = RETURNING[rel] ?? [];
    const visit = (n: ts.Node, fn?: string): void => {
      if (ts.isCallExpression(n)) {
        const callee = n.expression.getText(sf);
        if ((callee === "test.skip" || callee === "test.fixme") && n.arguments.length >= 2) add(n.arguments[1]!, "skip");
        if (callee === "inconclusive" && n.arguments.length >= 2 && !rel.startsWith("src/")) add(n.arguments[1]!, "inconclusive");
        if (callee === "unknown" && rel === "src/matrix/capabilities.ts" && n.arguments[0]) add(n.arguments[0], "capability");
        // Where pre-flight read the server's software (the record's capability table shows it).
        if (callee === "fromFederation" && rel === "src/matrix/capabilities.ts" && n.arguments[1]) add(n.arguments[1], "capability");
      }
      if (ts.isObjectLiteralExpression(n)) {
        const prop = (name: string) => n.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(sf) === name);
        const type = prop("type")?.initializer;
        const description = prop("description")?.initializer;
        if (type && description && ts.isStringLiteral(type) && (type.text === "manual" || type.text === "skip" || type.text === "inconclusive")) add(description, type.text === "skip" ? "skip" : type.text === "manual" ? "manual" : "inconclusive");
        for (const name of props?.props ?? []) {
          const p = prop(name)?.initializer;
          if (p) add(p, props!.kind);
        }
      }
      const name = ts.isFunctionDeclaration(n) && n.name ? n.name.text : fn;
      if (ts.isReturnStatement(n) && n.expression && fn && returning.includes(fn)) add(n.expression, "results");
      ts.forEachChild(n, (c) => visit(c, name));
    };
    visit(sf);
  }
  return out;
}
