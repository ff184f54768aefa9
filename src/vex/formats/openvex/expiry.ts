/**
 * OpenVEX has no expiry field and its schema forbids extra properties, so a decision's re-review
 * date travels inside `status_notes` (free text "about how status was determined", the one place
 * the spec leaves open) as a machine-readable token: `mailknight:expires=<RFC 3339 date-time>`.
 * Other tools show it as text; Mailknight reads it back as `VexStatement.expires`.
 */

const TOKEN = /(?:^|\s)mailknight:expires=(\S+)/;

/** Splits status_notes into the human notes and the expiry token's value. */
export function splitStatusNotes(notes: string | undefined): { notes?: string; expires?: string } {
  if (notes === undefined) return {};
  const m = TOKEN.exec(notes);
  if (!m) return { notes };
  const rest = notes.replace(TOKEN, "").trim();
  return { ...(rest ? { notes: rest } : {}), expires: m[1] };
}

/** The status_notes text for notes plus an optional expiry, or undefined when both are empty. */
export function joinStatusNotes(notes: string | undefined, expires: string | undefined): string | undefined {
  const parts = [notes?.trim(), expires ? `mailknight:expires=${expires}` : undefined].filter((p): p is string => !!p);
  return parts.length ? parts.join("\n") : undefined;
}
