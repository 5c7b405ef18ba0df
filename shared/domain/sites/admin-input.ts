import { z } from 'zod';
import { AppError } from '../errors.js';
import { MAX_POW_WORK, MIN_POW_WORK } from '../pow/pow-policy.js';
import { WIDGET_MODES } from './site.js';

/**
 * What an operator may send to change sites, accounts and keys, checked the
 * same way whether it comes from the admin CLI or the admin HTTP API.
 * Unknown fields are refused, so a misspelt field is an error, not a no-op.
 */

// Messages follow the field's name in an error ("mode: one of image, pow, pow+image").
const name = z.string({ error: '1 to 100 characters' }).trim().min(1, '1 to 100 characters').max(100, '1 to 100 characters');
const label = z.string({ error: 'at most 100 characters' }).trim().max(100, 'at most 100 characters');
const origins = z
  .array(z.string({ error: 'an origin' }).max(255, 'at most 255 characters'), { error: 'a list of origins' })
  .min(1, 'at least one origin')
  .max(100, 'at most 100 origins');
const PER_MINUTE = 'a whole number per minute, 0 for none, null for the default';
const perMinute = z.int({ error: PER_MINUTE }).min(0, PER_MINUTE).max(1_000_000_000, PER_MINUTE);
const WORK = `a whole number of hashes from ${MIN_POW_WORK} to ${MAX_POW_WORK}, null for the default`;
const powWork = z.int({ error: WORK }).min(MIN_POW_WORK, WORK).max(MAX_POW_WORK, WORK);

export const newSiteInput = z.strictObject({
  name,
  origins,
  /** Without it, a new account (with its first key) is made for the site. */
  accountId: z.string().max(64).optional(),
});

export const newAccountInput = z.strictObject({ name, keyLabel: label.optional() });

export const newKeyInput = z.strictObject({ label: label.optional() });

/** A partial change of a site. `null` puts a setting back to the service default; `limits` replaces all of the site's limits. */
export const siteChangesInput = z
  .strictObject({
    name: name.optional(),
    origins: origins.optional(),
    mode: z.enum(WIDGET_MODES, { error: `one of ${WIDGET_MODES.join(', ')}` }).optional(),
    powWork: powWork.nullable().optional(),
    limits: z
      .strictObject({ issuePerMinute: perMinute.nullable().optional(), solvePerMinute: perMinute.nullable().optional() })
      .nullable()
      .optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, 'change at least one of name, origins, mode, powWork, limits');

export type SiteChanges = z.output<typeof siteChangesInput>;

export const auditQueryInput = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.string().regex(/^\d{1,20}-\d{1,20}$/, 'before is the id of an audit entry').optional(),
});

/** The value, typed, or a 400 invalid_argument naming every field that is wrong. */
export function parseAdminInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message));
  throw new AppError('invalid_argument', problems.join('; '));
}
