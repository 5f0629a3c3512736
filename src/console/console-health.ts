import { Injectable } from '@nestjs/common';
import { WorkatoAccounts } from '../onboarding/ports/workato-workspace.port';
import { AppConfig } from '../platform/config/app-config';
import { OnboardingMetrics } from '../platform/observability/onboarding.metrics';
import { OutboxRepository } from '../persistence/outbox.repository';
import { accountSpecs } from '../workato/workato-accounts';
import { ConsoleReadRepository } from './console-read.repository';
import { DeadLetterLogRepository, DeadLetterRecord } from './dead-letter-log.repository';

export interface AccountHealth {
  name: string;
  state: string;
  reason: string | null;
  /** Workato's overall limit for the account (requests per second). */
  limitPerSecond: number;
  /** Attempts against Workato per second made by this instance over the last interval. */
  callsPerSecond: number;
  /** Runnable onboardings (received, in progress, compensating). */
  backlog: number;
  /** Their steps still to do: each needs at least one call. */
  pendingSteps: number;
  /** pendingSteps at the limit: the least time the backlog takes to drain. */
  drainSeconds: number;
}

export interface ConsoleHealthView {
  accounts: AccountHealth[];
  outboxBacklog: number;
  deadLetters: DeadLetterRecord[];
  at: string;
}

/** Recent rejections shown at a glance; the table keeps more. */
const RECENT_DEAD_LETTERS = 10;

/**
 * Health at a glance, for the console: per Workato account its limit, this instance's calls per
 * second, the backlog and the least time to drain it; the outbox backlog; the recent dead
 * letters. Computed by the console's event hub for every client at once, never per client.
 */
@Injectable()
export class ConsoleHealth {
  private readonly limits: Map<string, number>;
  private last: { at: number; totals: Map<string, number> } | null = null;

  constructor(
    config: AppConfig,
    private readonly accounts: WorkatoAccounts,
    private readonly metrics: OnboardingMetrics,
    private readonly reads: ConsoleReadRepository,
    private readonly outbox: OutboxRepository,
    private readonly deadLetters: DeadLetterLogRepository,
  ) {
    // Only the names and limits: the specs also hold the accounts' tokens.
    this.limits = new Map(accountSpecs(config).map((s) => [s.name, s.limits.perSecond]));
  }

  async read(): Promise<ConsoleHealthView> {
    const [backlog, outboxBacklog, deadLetters, rates] = await Promise.all([
      this.reads.backlog(),
      this.outbox.backlog(),
      this.deadLetters.recent(RECENT_DEAD_LETTERS),
      this.callsPerSecond(),
    ]);
    const byAccount = new Map(backlog.map((b) => [b.account, b]));
    return {
      accounts: this.accounts.statuses().map((status) => {
        const limit = this.limits.get(status.name) ?? 0;
        const b = byAccount.get(status.name);
        const pendingSteps = b?.pendingSteps ?? 0;
        return {
          name: status.name,
          state: status.state,
          reason: status.reason ?? null,
          limitPerSecond: limit,
          callsPerSecond: Math.round((rates.get(status.name) ?? 0) * 10) / 10,
          backlog: b?.onboardings ?? 0,
          pendingSteps,
          drainSeconds: limit > 0 ? Math.ceil(pendingSteps / limit) : 0,
        };
      }),
      outboxBacklog,
      deadLetters,
      at: new Date().toISOString(),
    };
  }

  /** The rate since the previous read, from the request counter of the metrics. */
  private async callsPerSecond(): Promise<Map<string, number>> {
    const now = Date.now();
    const totals = await this.metrics.workatoRequestTotals();
    const previous = this.last;
    this.last = { at: now, totals };
    const rates = new Map<string, number>();
    if (!previous || now <= previous.at) return rates;
    for (const [account, total] of totals)
      rates.set(
        account,
        (total - (previous.totals.get(account) ?? 0)) / ((now - previous.at) / 1000),
      );
    return rates;
  }
}
