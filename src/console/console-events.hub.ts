import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import type { OnboardingStatus } from '../onboarding/domain/lifecycle';
import { OnboardingAccepted, OnboardingFinished } from '../onboarding/saga/onboarding.messages';
import { ConsoleHealth, ConsoleHealthView } from './console-health';
import { ConsoleReadRepository, ConsoleRow } from './console-read.repository';

/** One connected console: where its Server-Sent Events go. */
export interface ConsoleStream {
  send(event: string, data: unknown): void;
  close(): void;
}

/** How often the shared query looks for changes made by other instances. */
export const CHANGE_POLL_MS = 1000;
/** How often health is read (a few cheap queries) while consoles are connected. */
export const HEALTH_POLL_MS = 5000;
/**
 * `updated_at` is the time its transaction began, so a row can appear with a time a little
 * before rows already seen: each query looks back this far and skips what was sent already.
 */
const OVERLAP_MS = 2000;
/** Changed rows per query; more wait for the next one. */
const CHANGES_PER_QUERY = 500;
/** A change of this instance is pushed after this short pause, together with the ones after it. */
const NUDGE_MS = 50;

/**
 * Live updates for every connected console, at a load on Postgres that does not grow with the
 * number of consoles: while at least one is connected, ONE query per CHANGE_POLL_MS finds the
 * onboardings changed since the last (by the updated_at index), whichever instance changed them,
 * and the counts by status are read again only when something changed. This instance's own
 * events (an onboarding accepted, replayed or finished; a dead letter recorded) bring that query forward
 * so they show at once. Each result goes to every console; each console filters for itself.
 */
@Injectable()
export class ConsoleEventsHub implements OnModuleDestroy {
  private readonly logger = new Logger('ConsoleEvents');
  private readonly streams = new Set<ConsoleStream>();
  private since: Date | null = null;
  private lastPageFull = false;
  private readonly sent = new Map<string, string>();
  private counts: Record<OnboardingStatus, number> | null = null;
  private health: ConsoleHealthView | null = null;
  private healthReadAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private healthDue = false;
  private stopped = false;
  private failingSince: number | null = null;
  private failureLoggedAt = 0;

  constructor(
    private readonly reads: ConsoleReadRepository,
    private readonly healthSource: ConsoleHealth,
    private readonly dataSource: DataSource,
  ) {}

  get connected(): number {
    return this.streams.size;
  }

  /** Adds a console; it gets the current counts and health at once. Returns its unsubscribe. */
  subscribe(stream: ConsoleStream): () => void {
    this.streams.add(stream);
    if (this.counts) stream.send('counts', this.counts);
    if (this.health) stream.send('health', this.health);
    if (!this.counts || !this.health) this.healthDue = true;
    this.schedule(0);
    return () => {
      this.streams.delete(stream);
      if (this.streams.size === 0) this.idle();
    };
  }

  /** Something changed here: look now rather than at the next interval. */
  nudge(options: { health?: boolean } = {}): void {
    if (options.health) this.healthDue = true;
    if (this.streams.size > 0) this.schedule(NUDGE_MS);
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.idle();
    // Open streams would keep the HTTP server from closing.
    for (const stream of [...this.streams]) stream.close();
    this.streams.clear();
  }

  private idle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // The next first console starts from its own moment and fresh figures, not stale ones.
    this.since = null;
    this.sent.clear();
    this.counts = null;
    this.health = null;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.streams.size === 0 || this.stopped) return;
    // One tick at a time; a nudge during one is served by the next.
    if (this.running) {
      await this.running;
      return this.schedule(NUDGE_MS);
    }
    this.running = this.refresh()
      .then(() => {
        this.failingSince = null;
      })
      .catch((error: unknown) => {
        // While the database is down this fails every second: said once, then once a minute.
        const now = Date.now();
        if (this.failingSince === null || now - this.failureLoggedAt >= 60_000) {
          this.failingSince ??= now;
          this.failureLoggedAt = now;
          this.logger.warn({ msg: 'console refresh failed', error: String(error) });
        }
      })
      .finally(() => (this.running = null));
    await this.running;
    if (this.streams.size > 0) this.schedule(CHANGE_POLL_MS);
  }

  private async refresh(): Promise<void> {
    if (this.since === null) {
      // The database's clock, the one updated_at is written with.
      const [{ t }] = (await this.dataSource.query(`SELECT clock_timestamp() AS t`)) as {
        t: Date;
      }[];
      this.since = t;
    }
    const from = this.lastPageFull ? this.since : new Date(this.since.getTime() - OVERLAP_MS);
    const rows = await this.reads.changedSince(from, CHANGES_PER_QUERY);
    this.lastPageFull = rows.length === CHANGES_PER_QUERY;
    const changed = rows.filter((row) => this.sent.get(row.id) !== row.updatedAt);
    for (const row of rows) {
      this.sent.set(row.id, row.updatedAt);
      if (new Date(row.updatedAt) > this.since) this.since = new Date(row.updatedAt);
    }
    this.forgetOlderThan(new Date(this.since.getTime() - OVERLAP_MS));
    for (const row of changed) this.broadcast('onboarding', row);
    if (changed.length > 0 || this.counts === null) {
      this.counts = await this.reads.countsByStatus();
      this.broadcast('counts', this.counts);
    }
    if (this.healthDue || Date.now() - this.healthReadAt >= HEALTH_POLL_MS) {
      this.healthDue = false;
      this.healthReadAt = Date.now();
      this.health = await this.healthSource.read();
      this.broadcast('health', this.health);
    }
  }

  private forgetOlderThan(limit: Date): void {
    const iso = limit.toISOString();
    for (const [id, updatedAt] of this.sent) if (updatedAt < iso) this.sent.delete(id);
  }

  private broadcast(event: string, data: ConsoleRow | object): void {
    for (const stream of this.streams) stream.send(event, data);
  }
}

/** This instance's own changes, pushed without waiting for the interval. */
@EventsHandler(OnboardingAccepted, OnboardingFinished)
export class ConsoleEventsNudge implements IEventHandler<OnboardingAccepted | OnboardingFinished> {
  constructor(private readonly hub: ConsoleEventsHub) {}

  handle(): void {
    this.hub.nudge();
  }
}
