// Writes the generated requirements table into README.md (between its markers). Run: npm run docs
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../src/config/paths.ts";
import { requirementsTable, withRequirementsTable } from "../src/docs/requirements-table.ts";
import { scriptArgs } from "./script-args.ts";

scriptArgs(`npm run docs
Writes the requirements table generated from the profiles and the scenario titles into README.md. Takes no options.`, {});

const path = join(projectRoot(), "README.md");
const before = readFileSync(path, "utf8");
const after = withRequirementsTable(before, requirementsTable());
if (after !== before) writeFileSync(path, after);
console.log(after === before ? "README.md: requirements table up to date" : "README.md: requirements table updated");
