/**
 * The suites, in one place: `--suite` accepts these, the profiles' requirements name them (the schema refuses any
 * other), and each but `operations` is a folder of scenarios/ (test/profile.test.ts checks the folders agree).
 * `operations` holds requirements that only a human confirms (manual), so it has no folder.
 */
export const SUITES = ["messaging", "federation", "virus", "retention", "storage", "billing", "identity", "portals", "security", "availability", "operations"] as const;
export type Suite = (typeof SUITES)[number];

/** Suites with no scenarios folder: their requirements are manual. */
export const MANUAL_SUITES: readonly Suite[] = ["operations"];
