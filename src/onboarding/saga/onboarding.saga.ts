import { Injectable } from '@nestjs/common';
import { ICommand, IEvent, ofType, Saga } from '@nestjs/cqrs';
import { Observable, map } from 'rxjs';
import {
  CompensateOnboardingCommand,
  CompleteOnboardingCommand,
  CreateApiClientCommand,
  CreateApiCollectionCommand,
  CreateApiKeysCommand,
} from './onboarding.commands';
import {
  ApiClientCreated,
  ApiCollectionCreated,
  ApiKeysCreated,
  OnboardingRequested,
  OnboardingStepFailed,
} from './onboarding.events';

/**
 * The onboarding saga, read as a table: this event, then that command. It holds no state; the
 * durable truth is in Postgres, and the runner re-derives the next command after a restart.
 * Handlers never throw, so the streams below never error out (nestjs/cqrs #1401).
 */
@Injectable()
export class OnboardingSaga {
  @Saga()
  onboardingRequested = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(OnboardingRequested),
      map((e) => new CreateApiCollectionCommand(e.onboardingId)),
    );

  @Saga()
  apiCollectionCreated = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(ApiCollectionCreated),
      map((e) => new CreateApiClientCommand(e.onboardingId)),
    );

  @Saga()
  apiClientCreated = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(ApiClientCreated),
      map((e) => new CreateApiKeysCommand(e.onboardingId)),
    );

  @Saga()
  apiKeysCreated = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(ApiKeysCreated),
      map((e) => new CompleteOnboardingCommand(e.onboardingId)),
    );

  @Saga()
  stepFailed = (events$: Observable<IEvent>): Observable<ICommand> =>
    events$.pipe(
      ofType(OnboardingStepFailed),
      map((e) => new CompensateOnboardingCommand(e.onboardingId)),
    );
}
