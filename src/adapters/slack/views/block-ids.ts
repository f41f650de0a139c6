/**
 * The ids certflow's Slack listeners match on: action ids of buttons and inputs, block ids, view callback ids. They
 * are part of the protocol with messages already posted, so a rename breaks the buttons of every message in Slack.
 */

/** `action_id` of every interactive element. */
export const ACTION_IDS = {
  requestRenewal: 'request_renewal',
  viewDetails: 'view_details',
  approveRequest: 'approve_request',
  rejectRequest: 'reject_request',
  rejectReasonInput: 'reject_reason_input',
  campaignPause: 'campaign_pause',
  campaignResume: 'campaign_resume',
  campaignCancel: 'campaign_cancel',
  campaignStartOpen: 'campaign_start_open',
  campaignReasonInput: 'campaign_reason_input',
  campaignKindInput: 'campaign_kind_input',
  campaignDeadlineInput: 'campaign_deadline_input',
  campaignEmergencyInput: 'campaign_emergency_input',
} as const;

/** One of {@link ACTION_IDS}. */
export type ActionId = (typeof ACTION_IDS)[keyof typeof ACTION_IDS];

/** `block_id` of every block a listener or a test looks for; lists suffix them with {@link itemBlockId}. */
export const BLOCK_IDS = {
  header: 'header',
  summary: 'summary',
  certificate: 'certificate',
  request: 'request',
  names: 'names',
  decision: 'decision',
  ticket: 'ticket',
  actions: 'actions',
  more: 'more',
  digestItem: 'digest_item',
  homeDueItem: 'home_due_item',
  dueHeader: 'due_header',
  dueNone: 'due_none',
  dueMore: 'due_more',
  approvalsHeader: 'approvals_header',
  approvalsNone: 'approvals_none',
  approvalsMore: 'approvals_more',
  homeApproval: 'home_approval',
  homeApprovalActions: 'home_approval_actions',
  listItem: 'list_item',
  listItemActions: 'list_item_actions',
  rejectReason: 'reject_reason',
  records: 'records',
  problem: 'problem',
  usage: 'usage',
  campaignCounts: 'campaign_counts',
  campaignGroups: 'campaign_groups',
  campaignLaggards: 'campaign_laggards',
  campaignSample: 'campaign_sample',
  campaignReport: 'campaign_report',
  campaignReason: 'campaign_reason',
  campaignKind: 'campaign_kind',
  campaignDeadline: 'campaign_deadline',
  campaignEmergency: 'campaign_emergency',
} as const;

/** `callback_id` of modals. */
export const CALLBACK_IDS = {
  rejectRequest: 'reject_request',
  campaignStart: 'campaign_start_submission',
} as const;

/**
 * A block id unique within one message for the item with this key (a managed certificate id or a request id): the
 * same item always gets the same id, and ids stay snake_case.
 */
export function itemBlockId(base: string, key: string): string {
  return `${base}_${key.toLowerCase().replace(/[^a-z0-9]/g, '_')}`;
}
