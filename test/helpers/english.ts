/**
 * A heuristic for English left in a German text: English function words outside what stays as it is (code spans,
 * «quoted» server answers, URLs, ids, keys and options, paths, identifiers with dots or underscores). Used on the
 * acceptance record's German part and on the German renderings of reasons (test/reasons-de.test.ts).
 */

/** Words that are English and never German (not "an", "in", "so", "was", "will", "also", "man", "hat", "die"). */
const ENGLISH = new Set(["the", "The", "of", "and", "is", "are", "not", "with", "without", "that", "which", "cannot", "from", "by", "for", "to", "has", "have", "been", "only", "but", "its", "their", "no", "neither", "nor", "this", "these", "there", "when", "where", "while", "after", "before", "than", "must", "should", "would", "could", "does", "did", "it", "on", "or", "be", "names", "file", "were", "any", "every", "each", "yet", "because", "shows", "needs", "runs"]);

/** The text a reader sees, without what stays verbatim. */
export function prose(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, " ")
    .replace(/<svg[\s\S]*?<\/svg>/g, " ")
    .replace(/<code[^>]*>[\s\S]*?<\/code>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"").replace(/&#39;/g, "'").replace(/&amp;/g, "&")
    .replace(/«[^»]*»/g, " ")
    .replace(/'mxaccept [^']*'/g, " ")
    .replace(/https?:\/\/\S+/g, " ")
    .replace(/--[a-z][\w-]*(?: [^\s,;)]+)?/g, " ")
    .replace(/\S*[._/@:!$=‹›]\S*/g, (t) => (/^[A-Za-zÄÖÜäöüß-]+[.:!]?$/.test(t) ? t : " "))
    .replace(/\s+/g, " ");
}

/** The English words found in `html`'s prose, each with a little context. */
export function englishIn(html: string): string[] {
  const text = prose(html);
  const words = text.split(" ");
  const hits: string[] = [];
  words.forEach((w, i) => {
    const bare = w.replace(/[.,;:!?()[\]"“”„]/g, "");
    if (ENGLISH.has(bare)) hits.push(`"${bare}" in …${words.slice(Math.max(0, i - 5), i + 6).join(" ")}…`);
  });
  return hits;
}
