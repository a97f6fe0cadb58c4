/**
 * German for every reason the harness writes into results.json (skip reasons, inconclusive and manual
 * declarations, the reasons of src/report/results.ts) and for pre-flight's capability details: the record's
 * German part renders them through `germanReason`. Reasons are written in English where they arise (scenarios,
 * fixtures, src); this table is keyed by that English text, exactly (EXACT) or by a pattern whose groups are the
 * variable parts (RULES). A variable part that is itself a reason (an IdP's `missing`, an audit's `note`) is
 * translated in turn; one that is the server's answer is quoted verbatim in «…»; ids, URLs, keys stay as they are.
 *
 * A new reason without an entry here fails test/reasons-de.test.ts: it collects every reason statically from the
 * source (test/helpers/reason-sources.ts) and checks that each has a German rendering with no English left in it.
 */

type Rule = [RegExp, (m: RegExpMatchArray) => string];

/** Words of variable parts (nouns passed into reasons, browser lists). */
const TERMS: [RegExp, string][] = [
  [/^user account$/, "Benutzerkonto"],
  [/^room with remote media$/, "Raum mit fremden Medien"],
  [/^room$/, "Raum"],
  [/^none$/, "keine"],
  [/BundesMessenger apps \(iOS, Android, desktop\)/g, "BundesMessenger-Apps (iOS, Android, Desktop)"],
  [/ \(latest\)/g, " (aktuell)"],
];

function term(s: string): string {
  let out = s;
  for (const [re, de] of TERMS) out = out.replace(re, de);
  return out;
}

/** A variable part: a reason of its own when the table knows it, else a term, else as it is (an id, a number, a URL). */
function part(s: string): string {
  return germanReason(s) ?? term(s);
}

/** The server's own words, verbatim. */
function quoted(s: string): string {
  return /^‹\d+›$/.test(s) ? s : `«${s}»`;
}

const STATUS_DE: Record<string, string> = { passed: "bestanden", failed: "nicht bestanden", skipped: "übersprungen", "not run": "nicht ausgeführt", inconclusive: "ohne Entscheidung", manual: "manuell" };

const ROOM_KIND: Record<string, [string, string]> = { private: ["ein privater Raum", "eines privaten Raums"], direct: ["ein Direktchat", "eines Direktchats"] };
const roomKind = (k: string, c: 0 | 1) => ROOM_KIND[k]?.[c] ?? `${c ? "eines Raums" : "ein Raum"} (${k})`;

const EXACT: Record<string, string> = {
  // src/report/results.ts
  "no check implemented": "noch keine Prüfung implementiert",
  "did not run: the run stopped before it, or its file failed to load (see the run's output)": "nicht ausgeführt: der Lauf endete vorher, oder die Datei ließ sich nicht laden (siehe Ausgabe des Laufs)",
  "interrupted before it finished": "abgebrochen, bevor sie endete",
  inconclusive: "ohne Entscheidung",
  skipped: "übersprungen",
  "cannot be observed in a run": "in einem Lauf nicht beobachtbar",
  "cannot be observed from outside": "von außen nicht beobachtbar",
  // skip reasons: the target file
  "target file names no MXACCEPT_IDP_URL": "die Zieldatei nennt kein MXACCEPT_IDP_URL",
  "target file names neither MXACCEPT_IDP_ADMIN_USER/PASSWORD nor MXACCEPT_IDP_TEST_USER/PASSWORD: no IdP account to log in with": "die Zieldatei nennt weder MXACCEPT_IDP_ADMIN_USER/PASSWORD noch MXACCEPT_IDP_TEST_USER/PASSWORD: kein IdP-Konto für die Anmeldung",
  "target file names no MXACCEPT_IDP_ADMIN_USER / MXACCEPT_IDP_ADMIN_PASSWORD": "die Zieldatei nennt kein MXACCEPT_IDP_ADMIN_USER / MXACCEPT_IDP_ADMIN_PASSWORD",
  "target file names no partner instance (MXACCEPT_PARTNER_BASE_URL)": "die Zieldatei nennt keine Partnerinstanz (MXACCEPT_PARTNER_BASE_URL)",
  "target file names no outsider instance (MXACCEPT_OUTSIDER_BASE_URL)": "die Zieldatei nennt keine nicht zugelassene dritte Instanz (MXACCEPT_OUTSIDER_BASE_URL)",
  "target file names no second tenant (MXACCEPT_PARTNER_BASE_URL)": "die Zieldatei nennt keinen zweiten Mandanten (MXACCEPT_PARTNER_BASE_URL)",
  "target file does not declare the tenants' state (MXACCEPT_CROSS_TENANT=off|on)": "die Zieldatei erklärt nicht, ob die Mandanten miteinander kommunizieren dürfen (MXACCEPT_CROSS_TENANT=off|on)",
  "target file declares cross-tenant communication on (MXACCEPT_CROSS_TENANT=on): isolation applies while it is off": "die Zieldatei erklärt die mandantenübergreifende Kommunikation für eingeschaltet (MXACCEPT_CROSS_TENANT=on): die Trennung gilt nur, solange sie ausgeschaltet ist",
  "target file names no federation partner (MXACCEPT_PARTNER_BASE_URL)": "die Zieldatei nennt keinen Föderationspartner (MXACCEPT_PARTNER_BASE_URL)",
  "target file names no MXACCEPT_SCANNER_URL (the content scanner)": "die Zieldatei nennt kein MXACCEPT_SCANNER_URL (den Content-Scanner)",
  "target file names no MXACCEPT_PARTNER_SCANNER_URL (the partner's content scanner)": "die Zieldatei nennt kein MXACCEPT_PARTNER_SCANNER_URL (den Content-Scanner des Partners)",
  "target file names no MXACCEPT_SCANNER_AV_STOP / MXACCEPT_SCANNER_AV_START (commands that stop and start the scanner's virus engine)": "die Zieldatei nennt kein MXACCEPT_SCANNER_AV_STOP / MXACCEPT_SCANNER_AV_START (Befehle, die die Virenprüfung des Scanners anhalten und wieder starten)",
  "stopping the scanner's virus engine is destructive: it runs only with MXACCEPT_DESTRUCTIVE=allow": "das Anhalten der Virenprüfung des Scanners greift in die Instanz ein: es läuft nur mit MXACCEPT_DESTRUCTIVE=allow",
  "target file names no MXACCEPT_IDM_PORTAL_URL": "die Zieldatei nennt kein MXACCEPT_IDM_PORTAL_URL",
  "target file names no MXACCEPT_ADMIN_TOKEN (the initial admin's access token)": "die Zieldatei nennt kein MXACCEPT_ADMIN_TOKEN (das Zugriffstoken des ersten Administrators)",
  "login is delegated to MAS: an administrator is a MAS user allowed the admin scope (can_request_admin), which the Synapse admin API the portal uses cannot grant; confirm how the operator grants and revokes administrators": "die Anmeldung ist an MAS delegiert: ein Administrator ist ein MAS-Benutzer, dem der Admin-Geltungsbereich erlaubt ist (can_request_admin), und das kann die Synapse-Admin-API, die das Portal nutzt, nicht vergeben; bestätigen, wie der Betreiber Administratoren ernennt und abberuft",
  "login is delegated to MAS: Synapse's admin API refuses to create users (403), they are created in MAS; the harness created this one through MAS's admin API and cannot prove the tenant admin's own right to create users": "die Anmeldung ist an MAS delegiert: die Synapse-Admin-API legt keine Benutzer an (403), sie werden in MAS angelegt; der Lauf hat diesen Benutzer über die Admin-API von MAS angelegt und kann das eigene Recht des Mandanten-Administrators, Benutzer anzulegen, nicht nachweisen",
  "no admin token for the instance (MXACCEPT_ADMIN_TOKEN, or the run's admin): the portal's API needs an admin's token": "kein Admin-Token für die Instanz (MXACCEPT_ADMIN_TOKEN oder der Administrator des Laufs): die API des Portals braucht das Token eines Administrators",
  "target file names no portal URL (MXACCEPT_IDM_PORTAL_URL, MXACCEPT_APP_PORTAL_URL, MXACCEPT_WEB_CLIENT_URL)": "die Zieldatei nennt keine Portal-URL (MXACCEPT_IDM_PORTAL_URL, MXACCEPT_APP_PORTAL_URL, MXACCEPT_WEB_CLIENT_URL)",
  "target file names no MXACCEPT_WEB_CLIENT_URL (the web client's URL, e.g. Element Web or BundesMessenger web): the web client is unproven in a browser": "die Zieldatei nennt kein MXACCEPT_WEB_CLIENT_URL (die URL des Web-Clients, z. B. Element Web oder BundesMessenger Web): der Web-Client ist im Browser nicht nachgewiesen",
  "target file names no MXACCEPT_WEB_CLIENT_URL (the web client's URL): there is no web client to confirm in other browsers": "die Zieldatei nennt kein MXACCEPT_WEB_CLIENT_URL (die URL des Web-Clients): es gibt keinen Web-Client, der in weiteren Browsern zu bestätigen wäre",
  "target file names no MXACCEPT_APP_PORTAL_URL (the application management portal's URL): the portal's functions are unproven in the browser": "die Zieldatei nennt kein MXACCEPT_APP_PORTAL_URL (die URL des Anwendungsverwaltungsportals): die Funktionen des Portals sind im Browser nicht nachgewiesen",
  "the live remote media check needs the reference's partner instance (hs2)": "die Live-Prüfung fremder Medien braucht die Partnerinstanz der Referenz (hs2)",
  // manual and inconclusive declarations
  "communication with the enabled partner works (observed); that it is off by default and enabled by the tenant admin was not observed: run once with the partner not yet enabled and MXACCEPT_CROSS_TENANT=off, then enable it and run with MXACCEPT_CROSS_TENANT=on": "die Kommunikation mit dem freigeschalteten Partner funktioniert (beobachtet); dass sie standardmäßig ausgeschaltet ist und vom Mandanten-Administrator eingeschaltet wurde, wurde nicht beobachtet: einmal mit noch nicht freigeschaltetem Partner und MXACCEPT_CROSS_TENANT=off ausführen, dann freischalten und mit MXACCEPT_CROSS_TENANT=on ausführen",
  "cross-tenant communication is refused while off (observed); that the tenant admin can enable it was not observed: enable the partner and run again with MXACCEPT_CROSS_TENANT=on": "mandantenübergreifende Kommunikation wird abgewiesen, solange sie ausgeschaltet ist (beobachtet); dass der Mandanten-Administrator sie einschalten kann, wurde nicht beobachtet: den Partner freischalten und erneut mit MXACCEPT_CROSS_TENANT=on prüfen",
  "synapse-admin has no view of the server's configuration settings; it shows only the server version (login page), registration tokens and federation destinations": "synapse-admin hat keine Ansicht der Serverkonfiguration; es zeigt nur die Serverversion (Anmeldeseite), Registrierungstokens und Föderationsziele",
  "after the attacked account's 429 the same address was throttled for another account too (429), and the target is not on loopback, so no second source address can tell a throttle of the account from a general limiter of the address": "nach der 429 des angegriffenen Kontos wurde dieselbe Adresse auch für ein anderes Konto gedrosselt (429), und das Ziel liegt nicht auf Loopback: ohne zweite Absenderadresse lässt sich eine Drosselung des Kontos nicht von einer allgemeinen Drosselung der Adresse unterscheiden",
  // capability details (src/matrix/capabilities.ts)
  "no Synapse admin API": "keine Synapse-Admin-API",
  "no admin token and no run admin: not asked": "kein Admin-Token und kein Administrator des Laufs: nicht abgefragt",
  "no org.matrix.msc2965.authentication in the client well-known and no /_matrix/client/v1/auth_metadata": "kein org.matrix.msc2965.authentication im Client-Well-Known und kein /_matrix/client/v1/auth_metadata",
  "not probed": "nicht geprüft",
  "the admin API's override_ratelimit endpoint answers": "der Endpunkt override_ratelimit der Admin-API antwortet",
  "the token's user is no server admin": "der Benutzer des Tokens ist kein Server-Administrator",
  "/_matrix/client/v1/media/config answers (without a token)": "/_matrix/client/v1/media/config antwortet (ohne Token)",
  "/_matrix/client/v1/media/config exists and asks for a token": "/_matrix/client/v1/media/config existiert und verlangt ein Token",
  "/_synapse/admin/v1/register gave no nonce": "/_synapse/admin/v1/register gab keine Nonce aus",
  "federation /version at the client URL": "Föderations-/version unter der Client-URL",
  "Synapse admin API server_version": "server_version der Synapse-Admin-API",
};

const RULES: Rule[] = [
  // src/report/results.ts
  [/^not selected by --grep (.*)$/, (m) => `nicht ausgewählt durch --grep ${m[1]}`],
  [/^suite (\S+) not selected \(--suite (.*)\)$/, (m) => `Testbereich ${m[1]} nicht ausgewählt (--suite ${m[2]})`],
  [/^(.*) \(and (\S+) more failed checks?\)$/s, (m) => `${quoted(m[1]!)} (und ${m[2]} weitere nicht bestandene Prüfung(en))`],
  [/^not part of profile (.*)$/, (m) => `nicht Teil des Profils ${m[1]}`],
  [/^proven in part \((\S+) of (\S+) checks passed\); to confirm by hand: (.*)$/s, (m) => `teilweise nachgewiesen (${m[1]} von ${m[2]} Prüfungen bestanden); von Hand zu bestätigen: ${checkLines(m[3]!)}`],
  [/^«([^»]*)» (passed|failed|skipped|not run|inconclusive|manual)(?:: (.*))?$/s, (m) => `«${m[1]}» ${STATUS_DE[m[2]!]}${m[3] ? `: ${part(m[3])}` : ""}`],
  // needs(…) from src/matrix/capabilities.ts: what a check needs, the server's software, what to provide
  [/^needs (.+?); this server is (.+?)(?: \((.*)\))?$/s, (m) => `braucht ${NEEDS_DE[m[1]!] ?? quoted(m[1]!)}; dieser Server ist ${m[2] === "of unknown software" ? "unbekannter Software" : m[2]}${m[3] ? ` (${provideDe(m[3])})` : ""}`],
  // skip reasons with variable parts
  [/^filling a user's (\S+) GB needs MXACCEPT_DESTRUCTIVE=allow \(or the reference instance with --size-scale\)$/, (m) => `das Füllen der ${m[1]} GB eines Benutzers braucht MXACCEPT_DESTRUCTIVE=allow (oder die Referenzinstanz mit --size-scale)`],
  [/^fills a group with (\S+) run-tagged users: runs only on a test instance \(MXACCEPT_DESTRUCTIVE=allow\)$/, (m) => `füllt eine Gruppe mit ${m[1]} Testbenutzern des Laufs: läuft nur auf einer Testinstanz (MXACCEPT_DESTRUCTIVE=allow)`],
  [/^cannot disable an IdP user: (.*)$/, (m) => `kann keinen IdP-Benutzer sperren: ${part(m[1]!)}`],
  [/^the portal's effects cannot be confirmed: (.*)$/, (m) => `die Wirkung des Portals lässt sich nicht bestätigen: ${part(m[1]!)}`],
  [/^the IdP admin API is driven for Keycloak only; MXACCEPT_IDP_KIND=(.*)$/, (m) => `die Admin-API des IdP wird nur für Keycloak angesprochen; MXACCEPT_IDP_KIND=${m[1]}`],
  // inconclusive and manual declarations
  [/^audit inconclusive: (.*?); supply the instance's homeserver\.yaml \(MXACCEPT_HOMESERVER_CONFIG\)(?: or run again from (.*))?$/, (m) => `Audit ohne Entscheidung: ${part(m[1]!)}; die homeserver.yaml der Instanz angeben (MXACCEPT_HOMESERVER_CONFIG)${m[2] ? ` oder ab ${m[2]} erneut prüfen` : ""}`],
  [/^no (.+) stored, nothing to audit$/, (m) => `kein Eintrag (${term(m[1]!)}) gespeichert, nichts zu prüfen`],
  [/^oldest (.+) (\S+) days old, past the (\S+) days limit$/, (m) => `ältester Eintrag (${term(m[1]!)}) ${m[2]} Tage alt, über der Frist von ${m[3]} Tagen`],
  [/^oldest (.+) (\S+) days old; conclusive from (\S+)$/, (m) => `ältester Eintrag (${term(m[1]!)}) ${m[2]} Tage alt; aussagekräftig ab ${m[3]}`],
  [/^the admin API answers on the client URL (\S+) \(the target names no separate MXACCEPT_ADMIN_BASE_URL\): if that is the public URL, the admin API is exposed; name the admin host in MXACCEPT_ADMIN_BASE_URL to prove the public URL does not serve it$/, (m) => `die Admin-API antwortet unter der Client-URL ${m[1]} (das Ziel nennt keine eigene MXACCEPT_ADMIN_BASE_URL): ist das die öffentliche URL, liegt die Admin-API offen; den Admin-Host in MXACCEPT_ADMIN_BASE_URL nennen, um zu belegen, dass die öffentliche URL sie nicht ausliefert`],
  [/^MAS's admin API answers on MAS's URL (\S+) \(the target names no separate MXACCEPT_MAS_ADMIN_URL\): if that is its public URL, the admin API is exposed; name MAS's internal admin URL in MXACCEPT_MAS_ADMIN_URL to prove the public URL does not serve it$/, (m) => `die Admin-API von MAS antwortet unter der URL von MAS ${m[1]} (das Ziel nennt keine eigene MXACCEPT_MAS_ADMIN_URL): ist das ihre öffentliche URL, liegt die Admin-API offen; die interne Admin-URL von MAS in MXACCEPT_MAS_ADMIN_URL nennen, um zu belegen, dass die öffentliche URL sie nicht ausliefert`],
  [/^the portal shows no server configuration \((.*)\): viewing the configuration is unproven in the browser; the rest of the journey passed$/s, (m) => `das Portal zeigt keine Serverkonfiguration (${part(m[1]!)}): die Ansicht der Konfiguration ist im Browser nicht nachgewiesen; der übrige Ablauf hat bestanden`],
  [/^the run proved the web client in Chromium only; confirm by hand that (\S+) shows its login and signs in with (.*), and that the (.*) sign in to (\S+)$/, (m) => `der Lauf hat den Web-Client nur in Chromium nachgewiesen; von Hand bestätigen, dass ${m[1]} seine Anmeldung zeigt und die Anmeldung mit ${term(m[2]!)} gelingt, und dass sich die ${term(m[3]!)} bei ${m[4]} anmelden`],
  [/^(\S+) was deleted in the identity portal and can no longer log in by SSO, but the access token of their earlier SSO login is still accepted (\S+) s later \(deadline (\S+) s × MXACCEPT_TIMEOUT_FACTOR\): the homeserver learns nothing of a deletion in the IdP \(OIDC back-channel logout, where enabled, covers logouts, not deletions\), so the Matrix account must be deactivated by the provider; the provider must show how and when a deleted user's sessions end$/, (m) => `${m[1]} wurde im Identitätsportal gelöscht und kann sich nicht mehr per SSO anmelden, aber das Zugriffstoken seiner früheren SSO-Anmeldung wird ${m[2]} s später noch angenommen (Frist ${m[3]} s × MXACCEPT_TIMEOUT_FACTOR): der Homeserver erfährt nichts von einer Löschung im IdP (OIDC-Back-Channel-Logout, wo eingeschaltet, erfasst Abmeldungen, keine Löschungen), also muss der Anbieter das Matrix-Konto deaktivieren; der Anbieter muss zeigen, wie und wann die Sitzungen eines gelöschten Benutzers enden`],
  [/^monthly availability cannot be observed in one run: the canary worked end to end \((\S+)\/(\S+) probes(.*?)\); run 'mxaccept probe' over the month and take the verdict from 'mxaccept sla --month (\S+)'$/, (m) => `die monatliche Verfügbarkeit ist in einem Lauf nicht beobachtbar: der Kanarienvogel hat Ende zu Ende funktioniert (${m[1]}/${m[2]} Proben${lateNote(m[3]!)}); 'mxaccept probe' über den Monat laufen lassen und das Urteil von 'mxaccept sla --month ${m[4]}' nehmen`],
  // src/security/bruteforce.ts
  [/^the attacked account stayed throttled from another source address (\S+) \(429 for its correct password, (\S+) ms after the first 429\), while another account logged in from that address$/, (m) => `das angegriffene Konto blieb auch von einer anderen Absenderadresse ${m[1]} aus gedrosselt (429 für sein richtiges Passwort, ${m[2]} ms nach der ersten 429), während sich ein anderes Konto von dieser Adresse anmeldete`],
  [/^the attacked account logged in from another address, but its answer came (\S+) ms after the 429, later than the retry_after_ms of (\S+) ms: the throttle may have lapsed$/, (m) => `das angegriffene Konto meldete sich von einer anderen Adresse an, aber die Antwort kam ${m[1]} ms nach der 429, später als retry_after_ms von ${m[2]} ms: die Drosselung kann abgelaufen sein`],
  [/^another account logged in from the same address, but its answer came (\S+) ms after the 429, later than its retry_after_ms of (\S+) ms: a limiter of the address may have let up$/, (m) => `ein anderes Konto meldete sich von derselben Adresse an, aber die Antwort kam ${m[1]} ms nach der 429, später als retry_after_ms von ${m[2]} ms: eine Drosselung der Adresse kann nachgelassen haben`],
  [/^within the 429's retry_after_ms, another account logged in from the same address \(answered (\S+) ms later\): the throttle is the attacked account's(?: \(from that address: it logged in from (\S+)\))?$/, (m) => `innerhalb von retry_after_ms der 429 meldete sich ein anderes Konto von derselben Adresse an (Antwort ${m[1]} ms später): die Drosselung gilt dem angegriffenen Konto${m[2] ? ` (von dieser Adresse aus: es meldete sich von ${m[2]} an)` : ""}`],
  [/^the 429 came from a general limiter that does not count failed logins of the account: right after it, the attacked account logged in from another address (\S+) \(200, answered (\S+) ms after its 429, within its retry_after_ms of (\S+) ms\), and another account was throttled from the first address too \(429\)$/, (m) => `die 429 kam von einer allgemeinen Drosselung, die die Fehlanmeldungen des Kontos nicht zählt: gleich danach meldete sich das angegriffene Konto von einer anderen Adresse ${m[1]} an (200, Antwort ${m[2]} ms nach seiner 429, innerhalb von retry_after_ms von ${m[3]} ms), und ein anderes Konto wurde von der ersten Adresse ebenfalls gedrosselt (429)`],
  // capability details with variable parts: the server's answers quoted
  [/^\/_matrix\/client\/v1\/media\/config: (.*?)( although the server advertises v1\.11)?$/, (m) => `/_matrix/client/v1/media/config: ${quoted(m[1]!)}${m[2] ? ", obwohl der Server v1.11 angibt" : ""}`],
  [/^\/_synapse\/admin at (\S+): not routed \(404 M_UNRECOGNIZED without a token\)$/, (m) => `/_synapse/admin unter ${m[1]}: nicht geroutet (404 M_UNRECOGNIZED ohne Token)`],
  [/^\/_synapse\/admin at (\S+): (.*)$/, (m) => `/_synapse/admin unter ${m[1]}: ${quoted(m[2]!)}`],
  [/^\/_synapse\/admin\/v2\/users at (\S+): (.*)$/, (m) => `/_synapse/admin/v2/users unter ${m[1]}: ${quoted(m[2]!)}`],
  [/^\/_synapse\/admin\/v1\/register hands out nonces at (\S+)$/, (m) => `/_synapse/admin/v1/register gibt unter ${m[1]} Nonces aus`],
  [/^\/_synapse\/admin\/v1\/register: (.*)$/, (m) => `/_synapse/admin/v1/register: ${quoted(m[1]!)}`],
  [/^\/login: (.*)$/, (m) => `/login: ${quoted(m[1]!)}`],
  [/^\/(\S+) answered (.*)$/, (m) => `/${m[1]} antwortete ${quoted(m[2]!)}`],
  [/^\/(\S+) names issuer (\S+)$/, (m) => `/${m[1]} nennt den Aussteller ${m[2]}`],
  [/^a (\S+) room created without asking for encryption \((\S+)\) has no m\.room\.encryption$/, (m) => `${roomKind(m[1]!, 0)}, ohne Verschlüsselung anzufordern angelegt (${m[2]}), hat kein m.room.encryption`],
  [/^a (\S+) room created without asking for encryption \((\S+)\) has m\.room\.encryption ?(.*)$/, (m) => `${roomKind(m[1]!, 0)}, ohne Verschlüsselung anzufordern angelegt (${m[2]}), hat m.room.encryption${m[3] ? ` ${m[3]}` : ""}`],
  [/^probing a (\S+) room: (.*)$/, (m) => `beim Prüfen ${roomKind(m[1]!, 1)}: ${quoted(m[2]!)}`],
  [/^answers at (\S+) \((\S+) is (not )?an admin\)$/, (m) => `antwortet unter ${m[1]} (${m[2]} ist ${m[3] ? "kein" : "ein"} Administrator)`],
  [/^answers at (\S+), but (\S+) is no server admin$/, (m) => `antwortet unter ${m[1]}, aber ${m[2]} ist kein Server-Administrator`],
  [/^client well-known at (\S+) names (\S+) issuer (\S+)$/, (m) => `das Client-Well-Known unter ${m[1]} nennt einen Aussteller nach ${m[2]}: ${m[3]}`],
  [/^login flows: (.*)$/, (m) => `Anmeldeverfahren: ${term(m[1]!)}`],
  [/^no probe user could be created: (.*)$/, (m) => `kein Prüfbenutzer ließ sich anlegen: ${quoted(m[1]!)}`],
  [/^override_ratelimit: (.*)$/, (m) => `override_ratelimit: ${quoted(m[1]!)}`],
  [/^whoami with the admin token: (.*)$/, (m) => `whoami mit dem Admin-Token: ${quoted(m[1]!)}`],
  [/^federation \/version at (\S+)$/, (m) => `Föderations-/version unter ${m[1]}`],
];

/** The canary's note on late deliveries: "; 2 delivered late (over 3000 ms): 3100 ms, 3500 ms". */
function lateNote(s: string): string {
  const m = s.match(/^; (\S+) delivered late \(over (\S+) ms\): (.*)$/);
  return m ? `; ${m[1]} verspätet zugestellt (über ${m[2]} ms): ${m[3]}` : s;
}

/** A list of checkLine texts joined by "; " (src/report/results.ts verdict). */
function checkLines(s: string): string {
  return s.split(/; (?=«)/).map(part).join("; ");
}

/** The German rendering of an English reason, or undefined when the table has none. */
export function germanReason(en: string): string | undefined {
  const exact = EXACT[en];
  if (exact !== undefined) return exact;
  for (const [re, de] of RULES) {
    const m = en.match(re);
    if (m) return de(m);
  }
  // Several reasons joined by "; " (a check's skip reasons, a requirement's): each in turn.
  const pieces = en.split(/; (?=«)/).length > 1 ? en.split(/; (?=«)/) : en.split("; ");
  if (pieces.length > 1) {
    const de = pieces.map((p) => germanReason(p));
    if (de.every((d) => d !== undefined)) return de.join("; ");
  }
  return undefined;
}

/** A failed requirement's reason: the first failure's message (verbatim) and how many more checks failed. */
export function failureParts(reason: string): { message: string; more: number } {
  const m = reason.match(/^(.*) \(and (\d+) more failed checks?\)$/s);
  return m ? { message: m[1]!, more: Number(m[2]) } : { message: reason, more: 0 };
}

/** What a check needs (the first part of a `needs(…)` line). */
const NEEDS_DE: Record<string, string> = {
  "the Synapse admin API": "die Synapse-Admin-API",
  "test users, but login is delegated to an OAuth 2.0 server (MSC3861, e.g. MAS)": "Testbenutzer, aber die Anmeldung ist an einen OAuth-2.0-Server delegiert (MSC3861, z. B. MAS)",
  "shared-secret registration or the Synapse admin API to create test users": "Registrierung mit gemeinsamem Geheimnis oder die Synapse-Admin-API, um Testbenutzer anzulegen",
  "the Synapse admin API to bind an e-mail address": "die Synapse-Admin-API, um eine E-Mail-Adresse zu binden",
  "a MAS admin client to create test users (login is delegated to MAS)": "einen Admin-Client von MAS, um Testbenutzer anzulegen (die Anmeldung ist an MAS delegiert)",
};

/** What to provide (the parenthesis of a `needs(…)` line): keys stay as they are, the words around them are German. */
function provideDe(s: string): string {
  return s
    .replace(/^add (.+) to the target file$/, "$1 in der Zieldatei ergänzen")
    .replace(/^a Synapse target with (\S+) or the shared secret$/, "ein Synapse-Ziel mit $1 oder dem gemeinsamen Geheimnis")
    .replace(/^set (\S+) or (\S+)$/, "$1 oder $2 setzen")
    .replace(/^set (\S+)$/, "$1 setzen")
    .replace(/, (\S+) and (\S+)(?= in der Zieldatei)/, ", $1 und $2")
    .replace(/^(\S+) and (\S+)(?= in der Zieldatei)/, "$1 und $2");
}
