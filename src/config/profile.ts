import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { UserError } from "./errors.ts";
import { parseDuration } from "./duration.ts";
import { projectRoot } from "./paths.ts";
import { formatZodIssue } from "./zod-issue.ts";
import { SUITES } from "./suites.ts";

const Bilingual = z.object({ de: z.string().min(1), en: z.string().min(1) });
const Duration = z.union([z.string(), z.number()]).refine((v) => {
  try {
    parseDuration(v);
    return true;
  } catch {
    return false;
  }
}, "must be a duration such as 30s, 90d or 1y");

const REQ_ID = /^(BUM|VSM|SEC)-[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*$/;

const Requirement = z
  .object({
    id: z.string().regex(REQ_ID, "must look like BUM-2.1.a1, VSM-7 or SEC-anonymous"),
    suite: z.enum(SUITES),
    title: Bilingual,
    check: z.enum(["automated", "manual"]).default("automated"),
    manualReason: Bilingual.optional(),
  })
  .strict()
  .refine((r) => r.check !== "manual" || r.manualReason, { message: "a manual requirement needs manualReason" });

/**
 * The load the instance must carry and the chat targets it must keep there (`mxaccept load --verdict`).
 * Neither seed states figures: the profiles document where theirs come from.
 */
const LoadTargets = z
  .object({
    agreedMessagesPerSecond: z.number().positive(),
    sendP99Ms: z.number().positive(),
    deliveryP99Ms: z.number().positive(),
    deliveryDeadlineMs: z.number().positive(),
    maxErrorRate: z.number().min(0).lt(1),
  })
  .strict();

const Tier = z.object({ code: z.string(), from: z.number().int().positive(), to: z.number().int().positive().nullable(), eur: z.number().positive() });

export const ProfileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    prefix: z.enum(["BUM", "VSM"]),
    title: Bilingual,
    contract: z
      .object({
        messageLifetime: Duration,
        localMediaLifetime: Duration,
        remoteMediaLifetime: Duration,
        storagePerUserGiB: z.number().positive(),
        storageStepGiB: z.number().positive(),
        perUserStorageLimit: z.boolean(),
        availabilityTarget: z.number().gt(0).lt(1),
        maxUploadSize: z.string().regex(/^\d+[KMG]?$/),
        groupSizeLimit: z.number().int().positive().nullable(),
        bruteForceMaxAttempts: z.number().int().positive(),
        authenticatedMedia: z.boolean(),
        hstsRequired: z.boolean(),
        prices: z
          .object({
            currency: z.literal("EUR"),
            minimumBilledUsers: z.number().int().nonnegative(),
            perUserTiers: z.array(Tier).min(1),
            extraStoragePerGB: z.object({ code: z.string(), eur: z.number().nonnegative() }),
            perUserService: z.object({ code: z.string(), eur: z.number().nonnegative() }),
            workedExample: z.object({ users: z.number().int(), storageGB: z.number(), totalEur: z.number() }),
          })
          .optional(),
      })
      .strict(),
    load: LoadTargets.optional(),
    reference: z
      .object({
        homeserver: z.record(z.string(), z.unknown()).default({}),
        // Tenancy of the reference instance: hs1 and hs2 are two tenants (VSM) or customer and partner (BuM);
        // "off": each allows federation only with itself until the tenant admin enables the partner.
        crossTenant: z.enum(["off", "on"]).default("on"),
      })
      .strict(),
    requirements: z.array(Requirement).min(1),
  })
  .strict()
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    for (const [i, r] of p.requirements.entries()) {
      if (seen.has(r.id)) ctx.addIssue({ code: "custom", path: ["requirements", i, "id"], message: `duplicate id ${r.id}` });
      seen.add(r.id);
    }
  });

export type Profile = z.infer<typeof ProfileSchema>;
export type Requirement = Profile["requirements"][number];

export function profilePath(id: string): string {
  return join(projectRoot(), "profiles", `${id}.yaml`);
}

/** Parses and validates a profile text; `source` names it in errors. */
export function parseProfile(text: string, source: string): Profile {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new UserError(`profile ${source} is not valid YAML (${(e as Error).message.split("\n")[0]}): fix the file.`);
  }
  const result = ProfileSchema.safeParse(raw);
  if (!result.success) {
    throw new UserError(`profile ${source}: ${formatZodIssue(result.error.issues[0]!)}; fix the profile file.`);
  }
  return result.data;
}

export function loadProfile(id: string): Profile {
  const path = profilePath(id);
  if (!/^[a-z0-9-]+$/.test(id) || !existsSync(path)) {
    throw new UserError(`unknown profile "${id}": use one of ${listProfiles().join(", ")}.`);
  }
  const profile = parseProfile(readFileSync(path, "utf8"), path);
  if (profile.id !== id) throw new UserError(`profile ${path} declares id "${profile.id}", expected "${id}": fix the id.`);
  return profile;
}

export function listProfiles(): string[] {
  return ["managed-bundesmessenger", "vodafone-secure-messenger"].filter((id) => existsSync(profilePath(id)));
}
