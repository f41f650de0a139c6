import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Manifest {
  features: {
    app_home: { home_tab_enabled: boolean };
    slash_commands: { command: string; url: string; usage_hint: string }[];
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { request_url: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url: string };
    socket_mode_enabled: boolean;
  };
}

const manifest = parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'src', 'adapters', 'slack', 'manifest.yaml'), 'utf8'),
) as Manifest;

/** The Web API methods certflow calls, with the bot scope each needs (api.slack.com/methods). */
const METHOD_SCOPES: Readonly<Record<string, string>> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'conversations.open': 'im:write',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'usergroups.users.list': 'usergroups:read',
};

/** conversations.history needs the scope of the conversation's kind: certflow looks up posts in all four. */
const HISTORY_SCOPES = ['channels:history', 'groups:history', 'im:history', 'mpim:history'];

describe('slack/manifest.yaml', () => {
  it.each(Object.entries(METHOD_SCOPES))('grants the scope %s needs (%s)', (_method, scope) => {
    expect(manifest.oauth_config.scopes.bot).toContain(scope);
  });

  it('R-CAM-4: grants conversations.history in channels, private channels, DMs and group DMs (finding a post whose answer was lost)', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(HISTORY_SCOPES));
  });

  it('asks for no scope certflow does not use', () => {
    expect(new Set(manifest.oauth_config.scopes.bot)).toEqual(
      new Set([...Object.values(METHOD_SCOPES), ...HISTORY_SCOPES, 'commands']),
    );
  });

  it('R-RA-1, R-MON-1: has the /certflow command, interactivity for the buttons and the App Home, all on one endpoint', () => {
    const [command] = manifest.features.slash_commands;
    expect(command).toMatchObject({ command: '/certflow' });
    expect(command?.usage_hint).toMatch(/status .* renew .* approvals/);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain('app_home_opened');
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    const urls = new Set([
      command?.url,
      manifest.settings.interactivity.request_url,
      manifest.settings.event_subscriptions.request_url,
    ]);
    expect([...urls]).toEqual(['https://certflow.example.com/slack/events']);
    expect(manifest.settings.socket_mode_enabled).toBe(false);
  });

  it('says how to switch to Socket Mode, with the app-level token certflow reads', () => {
    const text = fs.readFileSync(
      path.join(__dirname, '..', '..', '..', 'src', 'adapters', 'slack', 'manifest.yaml'),
      'utf8',
    );
    expect(text).toMatch(/socket_mode_enabled: true/);
    expect(text).toMatch(/connections:write/);
    expect(text).toMatch(/SLACK_APP_TOKEN/);
  });
});
