import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { StepKind, StepStatus } from '../onboarding/domain/steps';
import type { RecordedError } from '../onboarding/domain/errors';

@Entity({ name: 'onboarding_step' })
export class OnboardingStepEntity {
  @PrimaryColumn({ name: 'onboarding_id', type: 'uuid' })
  onboardingId!: string;

  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'integer' })
  position!: number;

  @Column({ type: 'text' })
  kind!: StepKind;

  @Column({ name: 'natural_key', type: 'text' })
  naturalKey!: string;

  @Column({ type: 'text' })
  status!: StepStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'compensation_attempts', type: 'integer' })
  compensationAttempts!: number;

  /** Set before the create call: a resource found later under this natural key is ours. */
  @Column({ name: 'intent_recorded_at', type: 'timestamptz', nullable: true })
  intentRecordedAt!: Date | null;

  @Column({ name: 'workato_id', type: 'text', nullable: true })
  workatoId!: string | null;

  @Column({ type: 'boolean' })
  adopted!: boolean;

  /** The Workato resource a customer operation's step acts on (a key to disable, a client). */
  @Column({ type: 'jsonb', nullable: true })
  target!: Record<string, unknown> | null;

  /** An API key's auth_token, AES-256-GCM encrypted. */
  @Column({ name: 'secret_ciphertext', type: 'text', nullable: true })
  secretCiphertext!: string | null;

  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: RecordedError | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
