import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { OnboardingSnapshot, OnboardingStore } from '../ports/onboarding.store';
import { WorkatoAccounts } from '../ports/workato-workspace.port';
import { InstanceIdentity } from './instance-identity';
import { OnboardingAccepted, RunOnboardingCommand } from './onboarding.messages';

const POLL_MS = 500;

/**
 * Leases due onboardings from Postgres (several instances share the table through
 * FOR UPDATE SKIP LOCKED), keeps their leases alive, and hands each to the step runner, up to
 * ONBOARDING_CONCURRENCY at once. It knows nothing of steps: what to do next is derived from
 * the stored state by the step runner.
 */
@Injectable()
export class OnboardingRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OnboardingRunner');
  /** Onboardings running now, with their Workato account. */
  private readonly inFlight = new Map<string, string>();
  /** Onboardings claimed ahead, leased to this instance, to start as soon as a run ends. */
  private ready: OnboardingSnapshot[] = [];
  private timer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private wakeRequested = false;
  private stopping = false;
  private started = false;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  /**
   * How many onboardings are claimed ahead of the running ones. A claim is a round trip and a
   * commit: claiming a few at a time, ahead, keeps commits per onboarding down under load, and a
   * run that ends is followed at once by one claimed before, so all ONBOARDING_CONCURRENCY slots
   * stay busy.
   */
  private readonly claimBatch: number;

  constructor(
    private readonly store: OnboardingStore,
    private readonly commandBus: CommandBus,
    private readonly identity: InstanceIdentity,
    private readonly config: AppConfig,
    private readonly accounts: WorkatoAccounts,
  ) {
    this.leaseMs = config.values.ONBOARDING_LEASE_SECONDS * 1000;
    this.concurrency = config.values.ONBOARDING_CONCURRENCY;
    this.claimBatch = Math.max(1, Math.ceil(this.concurrency / 4));
  }

  onApplicationBootstrap(): void {
    if (!this.config.values.ONBOARDING_RUNNER_ENABLED) return;
    this.started = true;
    this.timer = setInterval(() => this.wake(true), POLL_MS);
    this.renewTimer = setInterval(() => void this.renewLeases(), this.leaseMs / 3);
    this.wake(true);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  get activeCount(): number {
    return this.inFlight.size;
  }

  /** Stops claiming, waits (bounded) for running steps, then releases what is left. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.identity.draining = true;
    if (this.timer) clearInterval(this.timer);
    // Claimed but not started: handed back at once.
    const notStarted = this.ready.map((o) => o.id);
    this.ready = [];
    await Promise.all(
      notStarted.map((id) => this.store.releaseLease(this.identity.id, id).catch(() => undefined)),
    );
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await sleep(50);
    if (this.renewTimer) clearInterval(this.renewTimer);
    await Promise.all(
      [...this.inFlight.keys()].map((id) =>
        this.store.releaseLease(this.identity.id, id).catch(() => undefined),
      ),
    );
    this.inFlight.clear();
  }

  /** Claims due onboardings: always when `now` (a poll, a new onboarding), else in batches. */
  wake(now = false): void {
    if (!this.started || this.stopping) return;
    this.startReady();
    const room = this.rooms().reduce((sum, r) => sum + r.room, 0);
    if (room <= 0 || (!now && room < this.claimBatch)) return;
    if (this.polling) {
      this.wakeRequested = true;
      return;
    }
    void this.poll();
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      do {
        this.wakeRequested = false;
        const rooms = this.rooms();
        const room = rooms.reduce((sum, r) => sum + r.room, 0);
        if (room <= 0 || this.stopping) break;
        const claimed = await this.store.claimRunnable(this.identity.id, rooms, this.leaseMs);
        if (this.stopping) {
          for (const o of claimed)
            await this.store.releaseLease(this.identity.id, o.id).catch(() => undefined);
          break;
        }
        for (const account of new Set(claimed.map((o) => o.workatoAccount)))
          if (this.accounts.admission(account) === 'probe') this.accounts.probing(account);
        this.ready.push(...claimed);
        this.startReady();
        if (claimed.length === room) this.wakeRequested = true;
      } while (this.wakeRequested && !this.stopping);
    } catch (error) {
      this.logger.warn({ msg: 'could not claim onboardings', error: String(error) });
    } finally {
      this.polling = false;
    }
  }

  /**
   * What this instance may still claim, per Workato account: each account has its own
   * ONBOARDING_CONCURRENCY slots (and claimed-ahead queue), so an account at its rate limit, or
   * one whose token is refused, never holds another's onboardings back.
   */
  private rooms(): { account: string; room: number }[] {
    return this.accounts.names.map((account) => {
      const admission = this.accounts.admission(account);
      const held = this.held(account);
      const room =
        admission === 'wait'
          ? 0
          : admission === 'probe'
            ? Math.min(1, this.concurrency - held)
            : this.concurrency + this.claimBatch - held;
      return { account, room: Math.max(0, room) };
    });
  }

  private held(account: string): number {
    let n = 0;
    for (const a of this.inFlight.values()) if (a === account) n++;
    for (const o of this.ready) if (o.workatoAccount === account) n++;
    return n;
  }

  private running(account: string): number {
    let n = 0;
    for (const a of this.inFlight.values()) if (a === account) n++;
    return n;
  }

  private startReady(): void {
    if (this.stopping) return;
    this.ready = this.ready.filter((onboarding) => {
      if (this.running(onboarding.workatoAccount) >= this.concurrency) return true;
      this.dispatch(onboarding);
      return false;
    });
  }

  private dispatch(onboarding: OnboardingSnapshot): void {
    const id = onboarding.id;
    this.inFlight.set(id, onboarding.workatoAccount);
    this.commandBus
      .execute(new RunOnboardingCommand(onboarding))
      .catch((error: unknown) =>
        // The step runner records every failure itself; this is a bug. The lease expires and
        // another run picks the onboarding up.
        this.logger.error({ msg: 'onboarding run failed', onboardingId: id, error: String(error) }),
      )
      .finally(() => {
        this.inFlight.delete(id);
        this.wake();
      });
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.inFlight.keys(), ...this.ready.map((o) => o.id)];
    if (ids.length === 0) return;
    try {
      // A lease that is not renewed here was lost or has just been handed back by its run; a
      // run that lost it learns so at its next write (LeaseLostError) and says so then.
      await this.store.renewLeases(this.identity.id, ids, this.leaseMs);
    } catch (error) {
      this.logger.warn({ msg: 'could not renew leases', error: String(error) });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A new or replayed onboarding: claim it now rather than at the next poll. */
@EventsHandler(OnboardingAccepted)
export class OnboardingRunnerWakeUp implements IEventHandler<OnboardingAccepted> {
  constructor(private readonly runner: OnboardingRunner) {}

  handle(): void {
    this.runner.wake(true);
  }
}
