import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'onboarding_audit' })
export class OnboardingAuditEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'onboarding_id', type: 'uuid' })
  onboardingId!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ name: 'actor_role', type: 'text' })
  actorRole!: string;

  /** A short hash of the caller's token, never the token itself. */
  @Column({ name: 'actor_fingerprint', type: 'text' })
  actorFingerprint!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ type: 'jsonb', nullable: true })
  details!: Record<string, unknown> | null;
}
