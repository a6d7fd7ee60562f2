import Joi from 'joi';
import type { Tenant } from '../../db/schema/index.js';
import type { MoyskladError } from '../moysklad/moysklad-errors.js';

/** The two calls to МойСклад that make an account live, in order. */
export type GoLiveStep = 'loyalty' | 'status';

/** What МойСклад last accepted through PUT/PATCH /loyalty; the token only as its hash. */
export interface AcceptedLoyalty {
  url: string;
  externalSearch: boolean;
  tokenHash: string;
  at: string;
}

export interface GoLiveFailure {
  step: GoLiveStep;
  /** Russian, for the owner: what МойСклад said or that it did not answer. */
  message: string;
  kind: MoyskladError['failure'];
  httpStatus?: number;
  at: string;
}

/**
 * Stored in tenants.go_live, so the page, the admin UI and support all read the same facts:
 * which step runs next, what МойСклад holds, and why the last attempt failed.
 */
export interface GoLiveState {
  /** The step the next attempt starts with; null when МойСклад has everything we have. */
  pending: GoLiveStep | null;
  accepted?: AcceptedLoyalty;
  /** Kept until that step succeeds. */
  lastFailure?: GoLiveFailure;
}

const stateSchema = Joi.object<GoLiveState>({
  pending: Joi.string().valid('loyalty', 'status').allow(null).default(null),
  accepted: Joi.object({
    url: Joi.string().required(),
    externalSearch: Joi.boolean().required(),
    tokenHash: Joi.string().required(),
    at: Joi.string().required(),
  }),
  lastFailure: Joi.object({
    step: Joi.string().valid('loyalty', 'status').required(),
    message: Joi.string().required(),
    kind: Joi.string().required(),
    httpStatus: Joi.number(),
    at: Joi.string().required(),
  }),
}).unknown(true);

/** The stored state; a row written by an older version that no longer parses counts as "nothing sent". */
export function goLiveStateOf(tenant: Pick<Tenant, 'goLive'>): GoLiveState {
  const { value, error } = stateSchema.validate(tenant.goLive ?? {});
  return error ? { pending: null } : value;
}

/**
 * What МойСклад holds for this account, if anything. МойСклад drops our settings on Uninstall, and a
 * reinstall always issues a new LoyaltyAPI token, so an accepted record naming neither of the
 * tenant's live tokens is from a previous installation and no longer true.
 */
export function heldByMoysklad(
  tenant: Pick<Tenant, 'loyaltyTokenHash' | 'pendingLoyaltyTokenHash'>,
  state: GoLiveState,
): AcceptedLoyalty | undefined {
  const accepted = state.accepted;
  if (!accepted) return undefined;
  const live = [tenant.loyaltyTokenHash, tenant.pendingLoyaltyTokenHash].filter(Boolean);
  return live.includes(accepted.tokenHash) ? accepted : undefined;
}

/**
 * The first step still to run: the loyalty settings when МойСклад holds none or other values than
 * ours (a changed search mode, address or a token being rotated), then the status.
 */
export function pendingStep(
  tenant: Pick<Tenant, 'loyaltyTokenHash' | 'pendingLoyaltyTokenHash' | 'externalSearch' | 'configuredAt'>,
  state: GoLiveState,
  loyaltyApiUrl: string,
): GoLiveStep | null {
  const held = heldByMoysklad(tenant, state);
  const tokenHash = tenant.pendingLoyaltyTokenHash ?? tenant.loyaltyTokenHash;
  if (
    !held ||
    held.url !== loyaltyApiUrl ||
    held.externalSearch !== tenant.externalSearch ||
    held.tokenHash !== tokenHash
  ) {
    return 'loyalty';
  }
  return tenant.configuredAt ? null : 'status';
}

export type SummaryState = 'done' | 'pending' | 'failed';

/** The go-live progress as the page, the admin UI and support show it, read from stored facts only. */
export interface GoLiveSummary {
  /** МойСклад holds our current settings and the app is Activated there. */
  live: boolean;
  /** The app was Activated once: the till works, maybe on settings older than ours (see pending). */
  active: boolean;
  pending: GoLiveStep | null;
  /** МойСклад holds some loyalty settings of ours (a PATCH, not a PUT, will update them). */
  held: boolean;
  /** A new LoyaltyAPI token waits for МойСклад; until then both tokens work. */
  tokenRotationPending: boolean;
  steps: Array<{ step: 'settings' | GoLiveStep; state: SummaryState; message?: string }>;
  lastFailure?: GoLiveFailure;
}

export function goLiveSummary(
  tenant: Pick<Tenant, 'goLive' | 'loyaltyTokenHash' | 'pendingLoyaltyTokenHash' | 'externalSearch' | 'configuredAt'>,
  loyaltyApiUrl: string,
): GoLiveSummary {
  const state = goLiveStateOf(tenant);
  const pending = pendingStep(tenant, state, loyaltyApiUrl);
  const failure = state.lastFailure;
  const stepState = (step: GoLiveStep, done: boolean): SummaryState =>
    done ? 'done' : failure?.step === step ? 'failed' : 'pending';
  return {
    live: pending === null,
    active: Boolean(tenant.configuredAt),
    pending,
    held: heldByMoysklad(tenant, state) !== undefined,
    tokenRotationPending: Boolean(tenant.pendingLoyaltyTokenHash),
    steps: [
      { step: 'settings', state: tenant.goLive || tenant.configuredAt ? 'done' : 'pending' },
      {
        step: 'loyalty',
        state: stepState('loyalty', pending !== 'loyalty'),
        message: failure?.step === 'loyalty' ? failure.message : undefined,
      },
      {
        step: 'status',
        state: stepState('status', Boolean(tenant.configuredAt)),
        message: failure?.step === 'status' ? failure.message : undefined,
      },
    ],
    lastFailure: failure,
  };
}
