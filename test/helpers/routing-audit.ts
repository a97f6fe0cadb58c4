import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";

/**
 * A source audit behind "one place decides where a request goes" (src/matrix/deployment.ts): finds code that
 * sends an admin request (/_synapse/admin) anywhere but to a deployment's admin URL. Rules:
 * - an AdminClient is constructed only in src/matrix/deployment.ts (`server.admin(token)` elsewhere);
 * - shared-secret registration (an admin endpoint) is called only through the deployment (`register`,
 *   `secretAccepted`); the reference instance's own bootstrap in src/stack/ is the exception: it registers the
 *   first admin on the processes it just started, before any target file exists;
 * - a call that names a `_synapse/admin` path after a URL expression sends it to one that is a deployment's `adminUrl` or
 *   `portalApiUrl` (identifiers are followed to their `const` initialiser in the same file). A deliberate probe of
 *   the public client URL (SEC-admin-surface) carries the comment `public-surface probe` and is listed, not flagged.
 */
export interface RoutingFinding {
  file: string;
  line: number;
  rule: "admin-client" | "registration" | "admin-path";
  code: string;
  why: string;
}

const ADMIN_URL = /\b(adminUrl|portalApiUrl)\b/;
const DEPLOYMENT_FILE = "src/matrix/deployment.ts";

function containsAdminPath(n: ts.Node): boolean {
  if (ts.isStringLiteralLike(n)) return n.text.includes("_synapse/admin");
  if (ts.isTemplateExpression(n)) return n.head.text.includes("_synapse/admin") || n.templateSpans.some((s) => s.literal.text.includes("_synapse/admin"));
  return false;
}

/** The URL expression an admin path is sent to: the template's leading `${…}`, else the non-literal argument before the path. */
function baseOf(call: ts.CallExpression | ts.NewExpression, pathIndex: number): ts.Expression | undefined {
  const args = call.arguments ?? ts.factory.createNodeArray();
  const path = args[pathIndex]!;
  if (ts.isTemplateExpression(path) && !path.head.text.includes("_synapse/admin") && path.templateSpans.length > 0) return path.templateSpans[0]!.expression;
  for (let i = pathIndex - 1; i >= 0; i--) {
    const a = args[i]!;
    if (!ts.isStringLiteralLike(a) && !ts.isTemplateExpression(a) && !ts.isObjectLiteralExpression(a)) return a;
  }
  return undefined;
}

function constInitialisers(sf: ts.SourceFile): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (n: ts.Node) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) out.set(n.name.text, n.initializer.getText(sf));
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function enclosingStatementText(n: ts.Node, sf: ts.SourceFile): string {
  let s: ts.Node = n;
  while (s.parent && !ts.isSourceFile(s.parent) && !ts.isBlock(s.parent)) s = s.parent;
  return sf.text.slice(s.getFullStart(), n.getEnd());
}

/** Audits one source file (path relative to the project root, `/`-separated). */
export function auditSource(file: string, text: string): { findings: RoutingFinding[]; probes: string[] } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const consts = constInitialisers(sf);
  const findings: RoutingFinding[] = [];
  const probes: string[] = [];
  const at = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const code = (n: ts.Node) => n.getText(sf).replace(/\s+/g, " ").slice(0, 140);
  const visit = (n: ts.Node): void => {
    if (ts.isNewExpression(n) && n.expression.getText(sf) === "AdminClient" && file !== DEPLOYMENT_FILE) {
      findings.push({ file, line: at(n), rule: "admin-client", code: code(n), why: "constructs an AdminClient itself: use the deployment's server.admin(token)" });
    }
    if (ts.isCallExpression(n)) {
      const callee = n.expression.getText(sf);
      if (/^(registerWithSharedSecret|sharedSecretAccepted)$/.test(callee) && file !== DEPLOYMENT_FILE && !file.startsWith("src/stack/") && file !== "src/matrix/registration.ts") {
        findings.push({ file, line: at(n), rule: "registration", code: code(n), why: "registers with the shared secret itself: use the deployment's server.register(…) / .secretAccepted()" });
      }
      // AdminClient.request(method, path): the client's URL is the deployment's (rule admin-client).
      const viaAdminClient = ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === "request";
      const pathIndex = n.arguments.findIndex(containsAdminPath);
      if (pathIndex >= 0 && !viaAdminClient) {
        const base = baseOf(n, pathIndex);
        // No URL expression before the path: the call names a path without addressing a server (a browser
        // journey waiting for the portal's own request, fixtures/synapse-admin.ts).
        if (!base) {
          ts.forEachChild(n, visit);
          return;
        }
        let baseText = base.getText(sf);
        if (base && ts.isIdentifier(base) && consts.has(base.text)) baseText = `${base.text} = ${consts.get(base.text)}`;
        if (!ADMIN_URL.test(baseText)) {
          if (enclosingStatementText(n, sf).includes("public-surface probe")) probes.push(`${file}:${at(n)} ${code(n)}`);
          else findings.push({ file, line: at(n), rule: "admin-path", code: code(n), why: `sends an admin request to ${baseText}, not to a deployment's adminUrl` });
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { findings, probes };
}

/** Audits every .ts file below `dirs` (relative to `root`). */
export function auditRouting(root: string, dirs: string[]): { findings: RoutingFinding[]; probes: string[]; files: number } {
  const all = { findings: [] as RoutingFinding[], probes: [] as string[], files: 0 };
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) {
        const r = auditSource(relative(root, p).split(sep).join("/"), readFileSync(p, "utf8"));
        all.findings.push(...r.findings);
        all.probes.push(...r.probes);
        all.files++;
      }
    }
  };
  for (const d of dirs) walk(join(root, d));
  return all;
}
