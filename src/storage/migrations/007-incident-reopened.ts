// When a new violation last reopened an incident an officer had acknowledged (apply-alert-changes.ts):
// escalation of the unacknowledged incident counts from then, not from the first opening
// (escalation.ts; DOMAIN.md 分类管理: the category sets how fast an unacknowledged alert escalates).
import type { Migration } from './migration.js';

export const incidentReopened: Migration = {
  version: 7,
  name: 'incident-reopened',
  up() {
    return ['alter table incidents add column reopened_at timestamptz'];
  },
};
