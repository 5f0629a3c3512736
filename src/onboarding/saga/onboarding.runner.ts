import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CommandBus, EventBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { AppConfig } from '../../platform/config/app-config';
import { nextAction } from '../domain/onboarding-progress';
import { InstanceIdentity } from './instance-identity';
import {
  CompensateOnboardingCommand,
  CompleteOnboardingCommand,
  CreateApiClientCommand,
  CreateApiKeysCommand,
} from './onboarding.commands';
import {
  OnboardingAccepted,
  OnboardingCompensationFailed,
  OnboardingCompleted,
  OnboardingFailed,
  OnboardingParked,
  OnboardingRequested,
} from './onboarding.events';
import { OnboardingStore } from '../ports/onboarding.store';

const POLL_MS = 500;
/** A run that never reported back (a bug) is dropped; its lease expires and it is picked up again. */
const RUN_WATCHDOG_MS = 15 * 60_000;

/**
 * Drives onboardings from Postgres: leases due ones (several instances share the table through
 * FOR UPDATE SKIP LOCKED), derives each one's next command from its stored state, and lets the
 * saga carry it on in memory until a run-ending event. Up to ONBOARDING_CONCURRENCY at once.
 */
@Injectable()
export class OnboardingRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OnboardingRunner');
  private readonly inFlight = new Map<string, { startedAt: number; done: () => void }>();
  private timer: NodeJS.Timeout | null = null;
  private renewTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private wakeRequested = false;
  private stopping = false;
  private started = false;
  private readonly leaseMs: number;

  constructor(
    private readonly store: OnboardingStore,
    private readonly commandBus: CommandBus,
    private readonly eventBus: EventBus,
    private readonly identity: InstanceIdentity,
    private readonly config: AppConfig,
  ) {
    this.leaseMs = config.values.ONBOARDING_LEASE_SECONDS * 1000;
  }

  onApplicationBootstrap(): void {
    if (!this.config.values.ONBOARDING_RUNNER_ENABLED) return;
    this.started = true;
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.renewTimer = setInterval(() => void this.renewLeases(), this.leaseMs / 3);
    this.wake();
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

  wake(): void {
    if (!this.started || this.stopping) return;
    if (this.polling) {
      this.wakeRequested = true;
      return;
    }
    void this.poll();
  }

  /** Called by the run-ending events. */
  finished(onboardingId: string): void {
    const run = this.inFlight.get(onboardingId);
    if (!run) return;
    this.inFlight.delete(onboardingId);
    run.done();
    void this.store.releaseLease(this.identity.id, onboardingId).catch(() => undefined);
    this.wake();
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      do {
        this.wakeRequested = false;
        this.dropStuckRuns();
        const free = this.config.values.ONBOARDING_CONCURRENCY - this.inFlight.size;
        if (free <= 0 || this.stopping) break;
        const ids = await this.store.claimRunnable(
          this.identity.id,
          free,
          this.leaseMs,
          this.config.values.ONBOARDING_DEADLINE_SECONDS * 1000,
        );
        for (const id of ids) await this.dispatch(id);
        if (ids.length === free) this.wakeRequested = true;
      } while (this.wakeRequested && !this.stopping);
    } catch (error) {
      this.logger.warn({ msg: 'could not claim onboardings', error: String(error) });
    } finally {
      this.polling = false;
    }
  }

  private async dispatch(onboardingId: string): Promise<void> {
    this.inFlight.set(onboardingId, { startedAt: Date.now(), done: () => undefined });
    try {
      const snapshot = await this.store.load(onboardingId);
      if (!snapshot) return this.finished(onboardingId);
      const action = nextAction(snapshot.status, snapshot.steps);
      const context = {
        onboardingId,
        eventId: snapshot.eventId,
        managedUserId: snapshot.managedUserId,
      };
      this.logger.debug?.({
        msg: 'running onboarding',
        action: action.type,
        status: snapshot.status,
        ...context,
      });
      switch (action.type) {
        case 'CREATE_API_COLLECTION':
          this.eventBus.publish(new OnboardingRequested(onboardingId));
          break;
        case 'CREATE_API_CLIENT':
          void this.commandBus.execute(new CreateApiClientCommand(onboardingId));
          break;
        case 'CREATE_API_KEYS':
          void this.commandBus.execute(new CreateApiKeysCommand(onboardingId));
          break;
        case 'COMPLETE':
          void this.commandBus.execute(new CompleteOnboardingCommand(onboardingId));
          break;
        case 'COMPENSATE':
          void this.commandBus.execute(new CompensateOnboardingCommand(onboardingId));
          break;
        case 'NONE':
          this.finished(onboardingId);
      }
    } catch (error) {
      this.logger.warn({
        msg: 'could not start onboarding run',
        onboardingId,
        error: String(error),
      });
      this.finished(onboardingId);
    }
  }

  private async renewLeases(): Promise<void> {
    const ids = [...this.inFlight.keys()];
    if (ids.length === 0) return;
    try {
      const kept = new Set(await this.store.renewLeases(this.identity.id, ids, this.leaseMs));
      for (const id of ids) {
        // A run that ended while the renewal was under way released its lease itself.
        if (!kept.has(id) && this.inFlight.has(id)) {
          this.logger.warn({ msg: 'lease lost', onboardingId: id });
          this.inFlight.delete(id);
        }
      }
    } catch (error) {
      this.logger.warn({ msg: 'could not renew leases', error: String(error) });
    }
  }

  private dropStuckRuns(): void {
    const now = Date.now();
    for (const [id, run] of this.inFlight) {
      if (now - run.startedAt > RUN_WATCHDOG_MS) {
        this.logger.error({
          msg: 'onboarding run reported nothing; releasing it',
          onboardingId: id,
        });
        this.finished(id);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

@EventsHandler(
  OnboardingCompleted,
  OnboardingFailed,
  OnboardingCompensationFailed,
  OnboardingParked,
  OnboardingAccepted,
)
export class OnboardingRunnerEvents implements IEventHandler {
  constructor(private readonly runner: OnboardingRunner) {}

  handle(
    event:
      | OnboardingCompleted
      | OnboardingFailed
      | OnboardingCompensationFailed
      | OnboardingParked
      | OnboardingAccepted,
  ): void {
    if (event instanceof OnboardingAccepted) this.runner.wake();
    else this.runner.finished(event.onboardingId);
  }
}
