import { BILLING_CYCLES, MnemoError, PLAN_NAMES, type BillingCycle, type PlanName } from '@mnemo/contracts';
import { parseWorkspaceCallerRequest, parseWorkspaceIdRequest } from '../rpc-requests';

type Fields = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalid(field: string, message: string): MnemoError {
  return new MnemoError('VALIDATION_ERROR', message, { field });
}

/** The reason is checked (trimmed, 1–500) by the Workspace decider; here only its type. */
function reasonOf(fields: Fields): string {
  if (typeof fields.reason !== 'string') throw invalid('reason', 'reason must be a string');
  return fields.reason;
}

export function parseOperatorWorkspaceRequest(data: unknown): { workspaceId: number; reason: string } {
  const { workspaceId } = parseWorkspaceIdRequest(data);
  return { workspaceId, reason: reasonOf(data as Fields) };
}

export function parseOverridePlanRequest(data: unknown): { workspaceId: number; reason: string; planName: PlanName; billingCycle?: BillingCycle } {
  const { workspaceId, reason } = parseOperatorWorkspaceRequest(data);
  const fields = data as Fields;
  if (!(PLAN_NAMES as readonly unknown[]).includes(fields.plan_name)) throw invalid('plan_name', `plan_name must be one of ${PLAN_NAMES.join(', ')}`);
  if (fields.billing_cycle !== undefined && !(BILLING_CYCLES as readonly unknown[]).includes(fields.billing_cycle)) {
    throw invalid('billing_cycle', `billing_cycle must be one of ${BILLING_CYCLES.join(', ')}`);
  }
  return {
    workspaceId,
    reason,
    planName: fields.plan_name as PlanName,
    ...(fields.billing_cycle === undefined ? {} : { billingCycle: fields.billing_cycle as BillingCycle }),
  };
}

export function parseLinkWorkosRequest(data: unknown): { organizationId: string; workosOrganizationId: string | null } {
  const fields = (typeof data === 'object' && data !== null ? data : {}) as Fields;
  if (typeof fields.organization_id !== 'string' || !UUID.test(fields.organization_id)) {
    // Not an id this service could have issued: like any unknown organization.
    throw new MnemoError('NOT_FOUND', 'organization not found');
  }
  const linked = fields.workos_organization_id;
  if (linked !== null && typeof linked !== 'string') throw invalid('workos_organization_id', 'workos_organization_id must be a string or null');
  return { organizationId: fields.organization_id.toLowerCase(), workosOrganizationId: linked };
}

export function parseDeleteWorkspaceRequest(data: unknown) {
  const request = parseWorkspaceCallerRequest(data);
  const confirm = (data as Fields).confirm_slug;
  if (typeof confirm !== 'string') throw invalid('confirm_slug', "confirm_slug must repeat the workspace's slug");
  return { ...request, confirmSlug: confirm };
}
