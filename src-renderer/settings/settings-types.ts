// Names for the contract's shapes as the Settings screen uses them.
import type { CallResult, RetentionPolicySchema } from '../../src-shared/contract.ts';
import type { z } from 'zod';

export type Settings = CallResult<'getSettings'>;
export type RetentionPolicy = z.output<typeof RetentionPolicySchema>;
export type EmailSettings = NonNullable<NonNullable<Settings['notifications']>['email']>;
