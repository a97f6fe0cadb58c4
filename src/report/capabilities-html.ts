import type { Capability, RunCapabilities, ServerCapabilities } from "../matrix/capabilities.ts";
import { softwareLabel } from "../matrix/capabilities.ts";
import { reasonText } from "./i18n.ts";

/**
 * The acceptance record's capability table: what pre-flight found on each homeserver of the target, in the
 * record's two languages. Kept apart from record.ts and i18n.ts (a section of its own).
 */
type Lang = "de" | "en";

const T = {
  de: {
    title: "Fähigkeiten des Servers (vor dem Lauf erkannt)",
    software: "Software", admin: "Synapse-Admin-API", override: "Ausnahme von Ratenlimits (override_ratelimit)",
    shared: "Registrierung mit gemeinsamem Geheimnis", encPrivate: "Verschlüsselung ab Werk: private Räume", encDirect: "Verschlüsselung ab Werk: Direktchats",
    delegated: "Anmeldung delegiert (MSC2965/MAS)", media: "Authentifizierte Medien", password: "Anmeldung mit Passwort",
    yes: "ja", no: "nein", unknown: "unbekannt",
  },
  en: {
    title: "Server capabilities (detected before the run)",
    software: "Software", admin: "Synapse admin API", override: "Rate-limit exemption (override_ratelimit)",
    shared: "Shared-secret registration", encPrivate: "Encryption by server default: private rooms", encDirect: "Encryption by server default: direct chats",
    delegated: "Login delegated (MSC2965/MAS)", media: "Authenticated media", password: "Password login",
    yes: "yes", no: "no", unknown: "unknown",
  },
} as const;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function cell(c: Capability, lang: Lang): string {
  const t = T[lang];
  const v = c.present === true ? t.yes : c.present === false ? t.no : t.unknown;
  return `${esc(v)} <span class="dim">${esc(reasonText(lang, c.detail))}</span>`;
}

function serverTable(c: ServerCapabilities, lang: Lang): string {
  const t = T[lang];
  const rows: [string, string][] = [
    [t.software, `${esc(c.software ? softwareLabel(c) : t.unknown)}${c.software ? ` <span class="dim">${esc(reasonText(lang, c.software.via))}</span>` : ""}`],
    [t.admin, cell(c.synapseAdminApi, lang)],
    [t.override, cell(c.overrideRatelimit, lang)],
    [t.shared, cell(c.sharedSecretRegistration, lang)],
    [t.encPrivate, cell(c.encryptionByDefault.private, lang)],
    [t.encDirect, cell(c.encryptionByDefault.direct, lang)],
    [t.delegated, cell(c.loginDelegated, lang)],
    [t.media, cell(c.authenticatedMedia, lang)],
    [t.password, cell(c.passwordLogin, lang)],
  ];
  return `<h3><code>${esc(c.serverName)}</code></h3><table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("")}</table>`;
}

export function capabilitiesHtml(caps: RunCapabilities | undefined, lang: Lang): string {
  if (!caps) return "";
  const servers = [caps.instance, caps.partner, caps.outsider].filter((c): c is ServerCapabilities => !!c);
  return `<h2>${esc(T[lang].title)}</h2>${servers.map((c) => serverTable(c, lang)).join("")}`;
}
