/**
 * The OSV evaluation algorithm (https://ossf.github.io/osv-schema/#evaluation), pure and generic
 * over a version ordering:
 *
 *   affected(v) = v ∈ versions  or  some range includes v
 *   a range includes v = (no limit events, or v < some limit) and, walking the events in
 *     version order: introduced ≤ v (or introduced "0") → affected; fixed ≤ v → not;
 *     last_affected < v → not.
 *
 * `introduced: "0"` sorts before every version; at equal versions `introduced` is applied first,
 * so an empty range (introduced X, fixed X) affects nothing and (introduced X, last_affected X)
 * affects exactly X. A version the ordering cannot parse makes the range undecidable: that is
 * reported, never guessed.
 */
import type { OsvEvent, OsvRange } from "../osv/types.js";
import type { VersionOrder } from "../versions.js";

export type RangeVerdict =
  | { ok: true; affected: boolean; /** `fixed` events above v: candidate fixed versions. */ fixedAbove: string[] }
  | { ok: false; reason: string };

const KIND_ORDER: Record<OsvEvent[0], number> = { introduced: 0, last_affected: 1, fixed: 2, limit: 3 };

export function evaluateRange(v: string, range: OsvRange, order: VersionOrder): RangeVerdict {
  if (!order.isValid(v)) return { ok: false, reason: `installed version "${v}" is not a valid ${order.id} version` };
  for (const [kind, ev] of range.events) {
    if (kind === "introduced" && ev === "0") continue;
    if (kind === "limit" && ev === "*") continue;
    if (!order.isValid(ev)) return { ok: false, reason: `${kind} "${ev}" is not a valid ${order.id} version` };
  }
  try {
    const limits = range.events.filter(([k]) => k === "limit").map(([, x]) => x);
    if (limits.length > 0 && !limits.some((l) => l === "*" || order.compare(v, l) < 0)) {
      return { ok: true, affected: false, fixedAbove: [] };
    }
    const events = range.events.filter(([k]) => k !== "limit");
    const sorted = [...events].sort(([ka, a], [kb, b]) => {
      const zeroA = ka === "introduced" && a === "0";
      const zeroB = kb === "introduced" && b === "0";
      if (zeroA || zeroB) return zeroA && zeroB ? 0 : zeroA ? -1 : 1;
      return order.compare(a, b) || KIND_ORDER[ka] - KIND_ORDER[kb];
    });
    let affected = false;
    for (const [kind, ev] of sorted) {
      if (kind === "introduced") {
        if (ev === "0" || order.compare(v, ev) >= 0) affected = true;
      } else if (kind === "fixed") {
        if (order.compare(v, ev) >= 0) affected = false;
      } else if (kind === "last_affected") {
        if (order.compare(v, ev) > 0) affected = false;
      }
    }
    const fixedAbove = events.filter(([k, x]) => k === "fixed" && order.compare(x, v) > 0).map(([, x]) => x);
    return { ok: true, affected, fixedAbove };
  } catch (e) {
    return { ok: false, reason: `comparing "${v}" under ${order.id} failed: ${(e as Error).message}` };
  }
}
