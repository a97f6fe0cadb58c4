/**
 * Every shell command the README shows runs as written on a fresh machine: the SYSTEM Node first on PATH (on this
 * machine Node 20, older than the project's), after the install. Each command of the project's own (npm, npx, node,
 * bash, mxaccept, a script of the repository) is run in its --help form (nothing starts, nothing is installed):
 * it must exit 0, print its usage on stdout and nothing on stderr but the bootstrap's own announcements (no
 * EBADENGINE, no ERR_UNKNOWN_FILE_EXTENSION, no stack trace). Commands that are not the project's are listed with why
 * they are not run. Fenced blocks that are not shell (an nginx excerpt, the layout, a message) are named by their first line;
 * any other line of a fenced block must be a command, so a new kind of command cannot slip past.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { projectRoot } from "../src/config/paths.ts";
import { spawnCollect, type CliResult } from "./helpers/cli.ts";

const ROOT = projectRoot();
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;

/** Programs of the project (their --help form runs); a relative path to a file of the repository counts too. */
const OWN = new Set(["npm", "npx", "node", "bash", "sh", "mxaccept"]);
/** Programs that are not the project's: named in the README, not run here. */
const FOREIGN: Record<string, string> = {
  docker: "Docker's CLI, run on the generated compose file (test/compose.test.ts validates that file where a compose command exists)",
  podman: "podman's CLI (build and run the image); npm run container-check proves the image",
  sudo: "Debian's package installation a part names when it cannot install as root",
  "apt-get": "Debian's package manager",
  go: "Go's toolchain, named as how the k6 part builds k6",
  git: "git",
  "kc.sh": "Keycloak's own script, named as what the Keycloak part runs",
  "mas-cli": "the Matrix Authentication Service's CLI, named for issuing its admin token",
  playwright: "Playwright's CLI, named as what mxaccept run runs inside (its own --help form is checked)",
};
/** npm's own commands (not a project script): not run here, with why. */
const NPM_OWN: Record<string, string> = {
  ci: "npm's install, which the bootstrap (npm run setup, checked here), the CI templates and the image run; running it would replace node_modules under the running tests (the last test checks its install scripts are all decided)",
};
/** Fenced blocks that are not shell, by their first line. */
const NOT_SHELL: [RegExp, string][] = [
  [/^# the admin API on the public host/, "an nginx configuration excerpt"],
  [/^src\/config\//, "the layout of the repository"],
  [/^login on \S+ is delegated/, "a message the harness prints"],
  [/^# MAS config:/, "an excerpt of the Matrix Authentication Service's config (YAML)"],
  [/^# MAS overlay:/, "an --overlay-mas file (YAML)"],
  [/^# target file \(excerpt\)/, "a target file excerpt (dotenv)"],
];

export interface Shown {
  /** The command as the README shows it (one of several joined with &&, without its comment). */
  text: string;
  line: number;
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

function words(command: string): string[] {
  const all = command.trim().split(/\s+/).filter(Boolean);
  let i = 0;
  while (i < all.length && /^[A-Z_][A-Z0-9_]*=/.test(all[i]!)) i++;
  return all.slice(i);
}

function isRepoScript(word: string): boolean {
  return /^[\w.-]+\/[\w./-]+\.(sh|ts|js)$/.test(word) && existsSync(join(ROOT, word));
}

function isCommand(command: string): boolean {
  const w = words(command);
  return w.length >= 2 && (OWN.has(w[0]!) || w[0]! in FOREIGN || isRepoScript(w[0]!));
}

/**
 * The shell commands a README shows: every line of its fenced blocks (a line indented under the one before continues
 * it; `a && b` is two commands; a `# comment` is dropped) and every inline code span that starts with a program
 * (after VAR=value assignments) and has arguments. `unknown` lists fenced lines that are neither.
 */
export function shownCommands(text: string): { commands: Shown[]; unknown: Shown[]; notShell: { first: string; why: string }[] } {
  const commands: Shown[] = [];
  const unknown: Shown[] = [];
  const notShell: { first: string; why: string }[] = [];
  const fence = /^```[^\n]*\n([\s\S]*?)^```$/gm;
  let prose = text;
  for (const m of text.matchAll(fence)) {
    prose = prose.replace(m[0], (s) => s.replace(/[^\n]/g, " "));
    const start = lineOf(text, m.index) + 1;
    const lines = m[1]!.split("\n").map((l, i) => ({ l, line: start + i })).filter((x) => x.l.trim());
    const first = lines[0]?.l ?? "";
    const ns = NOT_SHELL.find(([re]) => re.test(first));
    if (ns) {
      notShell.push({ first, why: ns[1] });
      continue;
    }
    const joined: Shown[] = [];
    for (const { l, line } of lines) {
      if (/^\s/.test(l) && joined.length) joined[joined.length - 1]!.text += ` ${l.trim()}`;
      else joined.push({ text: l, line });
    }
    for (const j of joined) {
      if (j.text.trim().startsWith("#")) continue;
      for (const part of j.text.replace(/\s+#\s.*$/, "").split(/\s&&\s/)) {
        const shown = { text: part.trim(), line: j.line };
        (isCommand(part) ? commands : unknown).push(shown);
      }
    }
  }
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    const span = m[1]!.replace(/\s+/g, " ").trim();
    for (const part of span.split(/\s&&\s/)) if (isCommand(part)) commands.push({ text: part.trim(), line: lineOf(prose, m.index) });
  }
  return { commands, unknown, notShell };
}

type Form = { argv: string[]; usage: RegExp } | { skip: string };

/** The harmless form of a shown command: its --help (environment assignments dropped), or why it is not run. */
export function helpForm(command: string): Form {
  const w = words(command);
  if (w[0]! in FOREIGN) return { skip: FOREIGN[w[0]!]! };
  if (w[0] === "mxaccept") w.unshift("npx"); // the CLI's synopsis; the README runs it as npx mxaccept …
  const [prog, a, b] = w as [string, string | undefined, string | undefined];
  if (prog === "npx" && a === "mxaccept") {
    const sub = b?.split("|")[0];
    if (!sub || sub === "help" || sub === "…" || sub.startsWith("<") || sub.startsWith("-")) return { argv: ["npx", "mxaccept", "help"], usage: /^ {2}mxaccept run /m };
    return { argv: ["npx", "mxaccept", sub, "--help"], usage: new RegExp(`^usage: mxaccept ${sub} `, "m") };
  }
  if (prog === "npx") return { argv: ["npx", a!, "--help"], usage: /^\s*usage:/im };
  if (prog === "npm") {
    if (a === "test") return { argv: ["npm", "test", "--", "--help"], usage: /^usage: npm test/m };
    if (a === "run") return { argv: ["npm", "run", b!, "--", "--help"], usage: /^\s*usage:/im };
    if (a && a in NPM_OWN) return { skip: NPM_OWN[a]! };
    return { argv: ["false"], usage: /$^/ }; // an npm form this test does not know: fails, to be added above
  }
  if (prog === "node" || prog === "bash" || prog === "sh") return { argv: [prog, a!, "--help"], usage: /^\s*usage:/im };
  return { argv: [prog, "--help"], usage: /^\s*usage:/im }; // a script of the repository, run as written
}

/** PATH with the system's Node first: the project's own Node (.tools) and node_modules/.bin taken out. */
function systemPath(): { path: string; node: string } {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d && !resolve(d).startsWith(`${ROOT}/`) && !/\/node_modules\/\.bin$/.test(d));
  const dir = dirs.find((d) => {
    try {
      accessSync(join(d, "node"), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!dir) throw new Error("no system Node on PATH outside the project: install Node.js (20 or newer) and retry.");
  return { path: [dir, ...dirs.filter((d) => d !== dir)].join(delimiter), node: join(dir, "node") };
}

const SYSTEM = systemPath();
const SYSTEM_NODE = spawnSync(SYSTEM.node, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();

/** A fresh shell's environment: the system PATH, nothing of the npm run or vitest this test runs in. */
function freshEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$)/i.test(k)) env[k] = v;
  env.PATH = SYSTEM.path;
  return env;
}

function run(argv: string[], timeoutMs = 60_000): Promise<CliResult> {
  return spawnCollect(argv[0]!, argv.slice(1), { cwd: ROOT, env: freshEnv(), timeoutMs });
}

/** stderr without the bootstrap's announcements (a first fetch of Node 24 or npm ci on a fresh clone). */
function unexpected(stderr: string): string {
  return stderr.split("\n").filter((l) => l.trim() && !/^(mxaccept setup: |\s+… still )/.test(l)).join("\n");
}

const shown = shownCommands(README);
const forms = new Map<string, { form: Extract<Form, { argv: string[] }>; shown: Shown[] }>();
const skipped = new Map<string, { why: string; shown: Shown[] }>();
for (const c of shown.commands) {
  const f = helpForm(c.text);
  if ("skip" in f) {
    const s = skipped.get(c.text) ?? { why: f.skip, shown: [] };
    s.shown.push(c);
    skipped.set(c.text, s);
    continue;
  }
  const key = f.argv.join(" ");
  const e = forms.get(key) ?? { form: f, shown: [] };
  e.shown.push(c);
  forms.set(key, e);
}

describe("README commands", () => {
  it("are found: every fenced line is a command or its block is named as not shell", () => {
    expect(shown.unknown, "a README code block line that is neither a known command nor in NOT_SHELL: add its program to OWN or FOREIGN, or its block to NOT_SHELL").toEqual([]);
    expect(shown.notShell.map((n) => n.why).sort()).toEqual(NOT_SHELL.map(([, why]) => why).sort());
    expect(shown.commands.length).toBeGreaterThan(40);
    console.log(`README commands: ${shown.commands.length} shown, ${forms.size} distinct --help forms run with the system Node ${SYSTEM_NODE}, ${skipped.size} not the project's (not run): ${[...skipped.keys()].join(" | ")}`);
  });

  it("that are not the project's own are each named with why they are not run", () => {
    for (const [text, s] of skipped) expect(s.why, text).toMatch(/\w{4}/);
    expect([...skipped.keys()].some((t) => t.startsWith("docker compose"))).toBe(true);
  });

  describe.concurrent("run in their --help form with the system Node first on PATH", () => {
    for (const [key, { form, shown: where }] of forms) {
      it(`${key} (README line${where.length > 1 ? "s" : ""} ${[...new Set(where.map((w) => w.line))].join(", ")}: ${where[0]!.text})`, { timeout: 120_000 }, async () => {
        const r = await run(form.argv);
        const lines = r.stderr.split("\n");
        const why = lines.find((l) => /^\w*Error\b/.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? r.stderr.trim().split("\n").pop();
        expect(r.code, `${key} exited ${r.code}: ${why}`).toBe(0);
        expect(r.stdout, `${key} printed no usage`).toMatch(form.usage);
        expect(unexpected(r.stderr), `${key} printed on stderr`).toBe("");
      });
    }
  });

  it("every npm run script the README shows exists in package.json", () => {
    for (const c of shown.commands) {
      const w = words(c.text);
      if (w[0] === "npm" && w[1] === "run") expect(Object.keys(SCRIPTS), `README line ${c.line}: ${c.text}`).toContain(w[2]);
    }
  });

  it("catch a broken command: an unknown fenced line, and node scripts/*.ts on a system Node that cannot run TypeScript", async (ctx) => {
    const readme = "```\nnpm run setup\nfrobnicate --all\n```\nthen `node scripts/busy-instance.ts` and `--with scanner`\n";
    const found = shownCommands(readme);
    expect(found.commands.map((c) => c.text)).toEqual(["npm run setup", "node scripts/busy-instance.ts"]);
    expect(found.unknown.map((c) => c.text)).toEqual(["frobnicate --all"]);
    const form = helpForm("node scripts/busy-instance.ts");
    expect(form).toEqual({ argv: ["node", "scripts/busy-instance.ts", "--help"], usage: /^\s*usage:/im });
    const [major, minor] = SYSTEM_NODE.split(".").map(Number) as [number, number];
    if (major > 22 || (major === 22 && minor >= 18)) ctx.skip(`the system Node ${SYSTEM_NODE} runs TypeScript itself: the old form works here`);
    const r = await run((form as { argv: string[] }).argv);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("ERR_UNKNOWN_FILE_EXTENSION");
  });

  it("install: allowScripts in package.json decides every dependency's install script (npm prints no list to review)", async (ctx) => {
    const r = await run(["npm", "install-scripts", "ls"]);
    if (r.code !== 0 && /Unknown command/i.test(r.stderr + r.stdout)) ctx.skip(`this npm has no install-scripts command (allowScripts is newer): ${r.stderr.trim().split("\n")[0]}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("No packages with unreviewed install scripts.");
    expect(unexpected(r.stderr)).toBe("");
  });
});
