/**
 * Conditional-request cache for forge APIs: per request key, the ETag upstream sent and the
 * (all-pages) body it described. A poll that finds nothing new costs one request answered 304
 * and counts against no rate limit on GitHub. Files are written atomically, so an interrupted
 * run leaves the previous answer, never a torn one.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "../util/digest.js";
import { writeJsonAtomic } from "../util/fs.js";

export interface CachedAnswer {
  key: string;
  etag: string;
  items: unknown[];
}

export interface HttpCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  put(answer: CachedAnswer): Promise<void>;
}

/** `.mailknight/upstream-cache/<sha256(key)>.json`; the key (a URL) never holds a token. */
export function fileHttpCache(dir: string): HttpCache {
  const file = (key: string) => join(dir, `${sha256Hex(key)}.json`);
  return {
    async get(key) {
      try {
        const parsed = JSON.parse(await readFile(file(key), "utf8")) as CachedAnswer;
        // A hash collision or a hand-edited file must not answer for another key.
        return parsed.key === key && typeof parsed.etag === "string" && Array.isArray(parsed.items) ? parsed : undefined;
      } catch {
        return undefined; // missing or unreadable: ask upstream again
      }
    },
    async put(answer) {
      await writeJsonAtomic(file(answer.key), answer);
    },
  };
}

/** For tests and one-shot runs. */
export function memoryHttpCache(): HttpCache {
  const map = new Map<string, CachedAnswer>();
  return {
    get: async (key) => map.get(key),
    put: async (answer) => {
      map.set(answer.key, answer);
    },
  };
}
