/** The pure parts of roles having one source (issue 14 item 2): the CLI's warning and the refusal before publication. */
import { describe, expect, it } from 'vitest';
import { ignoredRoleVariablesWarning, rolesNotPublishedMessage } from '../../../../src/core/domain/lifecycle/roles';

describe('ignoredRoleVariablesWarning', () => {
  it.each([
    ['nothing set', [], [], null],
    ['security leads set', ['email:sec@example.com'], [], /^CERTFLOW_SECURITY_LEADS is ignored here: /],
    ['admins set', [], ['user:root'], /^CERTFLOW_ADMINS is ignored here: /],
    [
      'both set',
      ['email:sec@example.com'],
      ['user:root'],
      /^CERTFLOW_SECURITY_LEADS and CERTFLOW_ADMINS are ignored here: /,
    ],
  ])('%s', (_case, securityLeads, admins, expected) => {
    const warning = ignoredRoleVariablesWarning({ securityLeads, admins });
    if (expected === null) expect(warning).toBeNull();
    else {
      expect(warning).toMatch(expected);
      expect(warning).toContain("roles come from the certflow worker's configuration");
      expect(warning).toContain('restart it');
    }
  });
});

describe('rolesNotPublishedMessage', () => {
  it('names the task queue and says to start certflow', () => {
    expect(rolesNotPublishedMessage('certflow-prod')).toMatch(
      /task queue "certflow-prod".*start certflow \(`npm start`, or `certflow worker`\) with CERTFLOW_SECURITY_LEADS set/,
    );
  });
});
