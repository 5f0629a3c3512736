import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { OnboardingStatus } from '../onboarding/domain/lifecycle';
import type { OnboardingRequest } from '../onboarding/domain/onboarding-request';
import type { RecordedError } from '../onboarding/domain/errors';

@Entity({ name: 'onboarding' })
export class OnboardingEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'managed_user_id', type: 'text' })
  managedUserId!: string;

  @Column({ name: 'customer_name', type: 'text' })
  customerName!: string;

  @Column({ type: 'text' })
  source!: 'kafka' | 'http';

  /** ONBOARDING, or the customer operation this saga runs (domain/customer-operation.ts). */
  @Column({ name: 'operation_type', type: 'text', default: 'ONBOARDING' })
  operationType!: string;

  /** The Workato account (Embed admin workspace) the saga runs against. */
  @Column({ name: 'workato_account', type: 'text', default: 'default' })
  workatoAccount!: string;

  /** The order sagas were received in: a customer's operations run one at a time, in it. */
  @Column({ name: 'ingest_seq', type: 'bigint', insert: false, update: false })
  ingestSeq!: string;

  @Column({ type: 'text' })
  status!: OnboardingStatus;

  @Column({ type: 'integer' })
  attempt!: number;

  /** The validated event, with the JWT secret removed (it lives encrypted beside it). */
  @Column({ type: 'jsonb' })
  request!: OnboardingRequest;

  @Column({ name: 'jwt_secret_ciphertext', type: 'text', nullable: true })
  jwtSecretCiphertext!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  error!: RecordedError | null;

  @Column({ name: 'next_run_at', type: 'timestamptz' })
  nextRunAt!: Date;

  @Column({ name: 'deadline_at', type: 'timestamptz' })
  deadlineAt!: Date;

  @Column({ name: 'lease_owner', type: 'text', nullable: true })
  leaseOwner!: string | null;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt!: Date | null;

  @Column({ name: 'credentials_retrieved_at', type: 'timestamptz', nullable: true })
  credentialsRetrievedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
