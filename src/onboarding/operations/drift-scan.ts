import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../../platform/config/app-config';
import { OnboardingMetrics } from '../../platform/observability/onboarding.metrics';
import { OnboardingStore } from '../ports/onboarding.store';
import { WorkatoAccounts } from '../ports/workato-workspace.port';
import { DriftObserver } from '../saga/drift.observer';

/** The advisory lock's name: one instance scans at a time. */
const SCAN_LOCK = 'workato-onboarding:drift-scan';

/**
 * The periodic drift scan (DRIFT_SCAN_INTERVAL_SECONDS; off by default): every customer with a
 * completed onboarding is observed as GET /v1/customers/:id/drift does, each drift found is
 * counted (drift_found_total) and logged, nothing is repaired. One instance scans at a time (a
 * Postgres advisory lock); a scan that is still running when the next is due is not doubled.
 *
 * Its requests go through the account's shared rate limiter like every other, and it paces
 * itself to DRIFT_SCAN_QUOTA_SHARE of the account's per-second limit, averaged over a customer's
 * requests: the rest of the quota stays with onboardings and operations.
 */
@Injectable()
export class DriftScan implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DriftScan');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopping = false;
  /** The pauses between customers (one per account scanned), ended at once on shutdown. */
  private readonly pauses = new Set<() => void>();

  constructor(
    private readonly store: OnboardingStore,
    private readonly observer: DriftObserver,
    private readonly accounts: WorkatoAccounts,
    private readonly metrics: OnboardingMetrics,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.values.DRIFT_SCAN_INTERVAL_SECONDS;
    if (seconds === 0) return;
    this.timer = setInterval(() => this.tick(), seconds * 1000);
  }

  /** Before the database closes: a scan holds a connection (its lock) until it ends. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    for (const end of [...this.pauses]) end();
    await this.running;
  }

  private tick(): void {
    if (this.running || this.stopping) return;
    this.running = this.scan()
      .catch((error: unknown) =>
        this.logger.error({ msg: 'drift scan failed', error: String(error) }),
      )
      .finally(() => {
        this.running = null;
      });
  }

  /** One scan of every account; false when another instance is scanning. */
  async scan(): Promise<boolean> {
    return this.store.runExclusively(SCAN_LOCK, async () => {
      const customers = await this.store.customersWithResources();
      const byAccount = new Map<string, string[]>();
      for (const c of customers)
        if (this.accounts.names.includes(c.workatoAccount))
          byAccount.set(c.workatoAccount, [
            ...(byAccount.get(c.workatoAccount) ?? []),
            c.managedUserId,
          ]);
      // Accounts have quotas of their own: scanned side by side.
      await Promise.all([...byAccount].map(([account, ids]) => this.scanAccount(account, ids)));
    });
  }

  private async scanAccount(account: string, managedUserIds: string[]): Promise<void> {
    const perSecond = this.accounts.perSecondLimit(account);
    const spacingMs = 1000 / (perSecond * this.config.values.DRIFT_SCAN_QUOTA_SHARE);
    let failed = false;
    for (const managedUserId of managedUserIds) {
      if (this.stopping) return;
      // A refused token or an open circuit: the scan spends nothing and tries next time.
      if (this.accounts.admission(account) !== 'run') {
        this.metrics.countDriftScan(account, 'skipped');
        return;
      }
      const started = Date.now();
      let calls = 2;
      try {
        const sagas = await this.store.customerSagas(account, managedUserId);
        const observed = await this.observer.observe(account, managedUserId, sagas);
        calls = observed.workatoCalls;
        for (const drift of observed.drift) {
          this.metrics.countDriftFound(account, drift.kind);
          this.logger.warn({
            msg: 'drift found',
            workatoAccount: account,
            managedUserId,
            ...drift,
          });
        }
      } catch (error) {
        failed = true;
        this.logger.warn({
          msg: 'drift scan could not observe a customer',
          workatoAccount: account,
          managedUserId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
      await this.pause(calls * spacingMs - (Date.now() - started));
    }
    this.metrics.countDriftScan(account, failed ? 'failed' : 'completed');
  }

  private pause(ms: number): Promise<void> {
    if (ms <= 0 || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.pauses.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.pauses.add(end);
    });
  }
}
