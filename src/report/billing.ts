import type { Profile } from "../config/profile.ts";

/**
 * The monthly bill of the Managed BundesMessenger price table (seed §7), in whole cents:
 * - ML.1…ML.1f per registered user; the tier is set by the total number of users; at least 50 users are billed
 *   (the minimum purchase of ML.1);
 * - ML.2 per 1 GB storage extension: storage used beyond users × 1 GB included, in whole 1 GB steps;
 * - ML.3 per registered user.
 * Worked example of the seed: 960 users, 1000 GB → 1,920.00 + 16.00 + 960.00 = 2,896.00 €.
 */
export type Prices = NonNullable<Profile["contract"]["prices"]>;

export interface BillLine {
  code: string;
  description: string;
  quantity: number;
  unitCents: number;
  totalCents: number;
}

export interface Bill {
  users: number;
  billedUsers: number;
  tier: string;
  storageGB: number;
  includedGB: number;
  extraGB: number;
  lines: BillLine[];
  totalCents: number;
}

const cents = (eur: number) => Math.round(eur * 100);

export function tierFor(prices: Prices, users: number): Prices["perUserTiers"][number] {
  const n = Math.max(users, 1);
  const tier = prices.perUserTiers.find((t) => n >= t.from && (t.to === null || n <= t.to));
  if (!tier) throw new Error(`no price tier covers ${users} users`);
  return tier;
}

export function priceMonth(prices: Prices, usage: { users: number; storageGB: number }, storagePerUserGB = 1): Bill {
  if (!Number.isInteger(usage.users) || usage.users < 0) throw new Error(`users must be a whole number >= 0, not ${usage.users}`);
  if (!(usage.storageGB >= 0)) throw new Error(`storage must be >= 0 GB, not ${usage.storageGB}`);
  const tier = tierFor(prices, usage.users);
  const billedUsers = Math.max(usage.users, prices.minimumBilledUsers);
  const includedGB = usage.users * storagePerUserGB;
  // Extensions come in whole GB; a rounding tolerance keeps 1000.0000001 GB from costing an extra step.
  const extraGB = Math.max(0, Math.ceil(usage.storageGB - includedGB - 1e-9));
  const line = (code: string, description: string, quantity: number, unitEur: number): BillLine =>
    ({ code, description, quantity, unitCents: cents(unitEur), totalCents: quantity * cents(unitEur) });
  const lines = [
    line(tier.code, `Nutzer (${tier.from}${tier.to ? `–${tier.to}` : "+"}), min. ${prices.minimumBilledUsers}`, billedUsers, tier.eur),
    line(prices.extraStoragePerGB.code, `Speichererweiterung je 1 GB (${usage.storageGB} GB genutzt, ${includedGB} GB inklusive)`, extraGB, prices.extraStoragePerGB.eur),
    line(prices.perUserService.code, "Produktpflege je Nutzer", usage.users, prices.perUserService.eur),
  ];
  return { users: usage.users, billedUsers, tier: tier.code, storageGB: usage.storageGB, includedGB, extraGB, lines, totalCents: lines.reduce((s, l) => s + l.totalCents, 0) };
}

export function formatEur(c: number): string {
  const s = (Math.abs(c) / 100).toFixed(2).split(".");
  return `${c < 0 ? "-" : ""}${s[0]!.replace(/\B(?=(\d{3})+(?!\d))/g, ".")},${s[1]} €`;
}

export function formatBill(b: Bill): string {
  const rows = b.lines.map((l) => `${l.code.padEnd(6)} ${l.description.padEnd(62)} ${String(l.quantity).padStart(7)} × ${formatEur(l.unitCents).padStart(8)} = ${formatEur(l.totalCents).padStart(12)}`);
  return [...rows, `${"".padEnd(6)} ${"Summe je Monat (zzgl. Steuern)".padEnd(62)} ${"".padStart(20)} ${formatEur(b.totalCents).padStart(12)}`].join("\n");
}
