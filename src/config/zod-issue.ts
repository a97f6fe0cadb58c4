import type { z } from "zod";

/** One issue of a zod error as "key: message". */
export function formatZodIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}
