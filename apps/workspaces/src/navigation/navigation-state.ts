/**
 * The pure part of the navigation state: which organization and workspace are current, given what the user
 * chose and what the user can still reach. A choice that is no longer reachable (left, removed, deleted) falls
 * back to the default instead of pointing at something the user cannot open.
 */
export interface Reachable {
  /** By workspace id, ascending. */
  workspaces: { workspaceId: number; organizationId: string; personal: boolean; createdBy: string }[];
  /** Organizations the user is in or reaches through a workspace, oldest first. */
  organizationIds: string[];
}

export interface NavigationChoice {
  organizationId: string | null;
  workspaceId: number | null;
}

export function currentNavigation(userId: string, choice: NavigationChoice, reachable: Reachable): NavigationChoice {
  const chosenWorkspace = reachable.workspaces.find((w) => w.workspaceId === choice.workspaceId);
  const organizationId = choice.organizationId !== null && reachable.organizationIds.includes(choice.organizationId) ? choice.organizationId : null;
  const inOrganization = (w: Reachable['workspaces'][number]) => organizationId === null || w.organizationId === organizationId;
  // Default workspace: the chosen one, else the user's own personal workspace, else the first reachable one —
  // within the current organization when one is chosen.
  const workspace =
    (chosenWorkspace && inOrganization(chosenWorkspace) ? chosenWorkspace : undefined) ??
    reachable.workspaces.find((w) => inOrganization(w) && w.personal && w.createdBy === userId) ??
    reachable.workspaces.find(inOrganization) ??
    null;
  return {
    organizationId: organizationId ?? workspace?.organizationId ?? reachable.organizationIds[0] ?? null,
    workspaceId: workspace?.workspaceId ?? null,
  };
}
