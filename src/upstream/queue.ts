/**
 * The sync queue behind `mailknight serve`: a JSON file written atomically on every change, so
 * queued work survives a restart (or a crash) and a delivery id seen before — a replay, or the
 * forge's own redelivery — is dropped. Updates are serialised in-process; one server per
 * workspace is enforced by the caller's lock.
 */
import { readFile } from "node:fs/promises";
import { MkError } from "../errors.js";
import { writeJsonAtomic } from "../util/fs.js";

export interface Job {
  /** Delivery id that caused it. */
  id: string;
  project: string;
  tag?: string;
  receivedAt: string;
}

interface QueueFile {
  pending: Job[];
  /** Delivery ids already accepted, oldest first, bounded. */
  seen: string[];
}

const MAX_SEEN = 10_000;

export class SyncQueue {
  private state: QueueFile = { pending: [], seen: [] };
  private chain: Promise<unknown> = Promise.resolve();
  private constructor(private readonly file: string) {}

  static async open(file: string): Promise<SyncQueue> {
    const q = new SyncQueue(file);
    let text: string | undefined;
    try {
      text = await readFile(file, "utf8");
    } catch {
      text = undefined; // first start
    }
    if (text !== undefined) {
      try {
        const parsed = JSON.parse(text) as QueueFile;
        if (!Array.isArray(parsed.pending) || !Array.isArray(parsed.seen)) throw new Error("pending/seen are not lists");
        q.state = parsed;
      } catch (e) {
        throw new MkError("E_CONFIG_INVALID", `the sync queue ${file} is unreadable: ${e instanceof Error ? e.message : String(e)}`, { hint: "move it aside and restart; queued syncs are redone by the next poll" });
      }
    }
    return q;
  }

  pending(): Job[] {
    return [...this.state.pending];
  }

  /** Adds the jobs of one delivery; false when the delivery id was seen before (replay). */
  async accept(deliveryId: string, jobs: Job[]): Promise<boolean> {
    return await this.serial(async () => {
      if (this.state.seen.includes(deliveryId)) return false;
      this.state.seen = [...this.state.seen, deliveryId].slice(-MAX_SEEN);
      this.state.pending = [...this.state.pending, ...jobs.filter((j) => !this.state.pending.some((p) => p.project === j.project && p.tag === j.tag))];
      await writeJsonAtomic(this.file, this.state);
      return true;
    });
  }

  async done(job: Job): Promise<void> {
    await this.serial(async () => {
      this.state.pending = this.state.pending.filter((p) => !(p.id === job.id && p.project === job.project));
      await writeJsonAtomic(this.file, this.state);
    });
  }

  private async serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return await next;
  }
}
