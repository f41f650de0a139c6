import { describe, expect, it } from 'vitest';
import {
  CERTFLOW_USAGE,
  CertflowCommandError,
  parseCertflowCommand,
  type CertflowCommand,
} from '../../../../src/adapters/slack/commands/parse-certflow-command';

describe('parseCertflowCommand', () => {
  it.each<[string, CertflowCommand]>([
    ['', { kind: 'help' }],
    ['   ', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['HELP', { kind: 'help' }],
    ['status api.example.com', { kind: 'status', target: 'api.example.com' }],
    ['  status   api.example.com  ', { kind: 'status', target: 'api.example.com' }],
    ['status 3f2a9c1e0b7d4a65', { kind: 'status', target: '3f2a9c1e0b7d4a65' }],
    ['status AB:CD:EF:01', { kind: 'status', target: 'abcdef01' }],
    ['status <http://api.example.com|api.example.com>', { kind: 'status', target: 'api.example.com' }],
    ['status <https://api.example.com/>', { kind: 'status', target: 'api.example.com' }],
    ['expiring', { kind: 'expiring', withinDays: 30 }],
    ['expiring 7d', { kind: 'expiring', withinDays: 7 }],
    ['expiring 90', { kind: 'expiring', withinDays: 90 }],
    ['expiring 366D', { kind: 'expiring', withinDays: 366 }],
    ['renew api.example.com', { kind: 'renew', target: 'api.example.com' }],
    ['approvals', { kind: 'approvals' }],
  ])('R-SEC-2: "%s" is %j', (text, expected) => {
    expect(parseCertflowCommand(text)).toEqual(expected);
  });

  it.each<[string, RegExp, string]>([
    ['frobnicate', /no command "frobnicate"; `\/certflow help` lists them/, Object.values(CERTFLOW_USAGE).join('\n')],
    ['expiring 30x', /"30x" is not a number of days from 1d to 366d/, CERTFLOW_USAGE.expiring],
    ['expiring 0d', /"0d" is not a number of days/, CERTFLOW_USAGE.expiring],
    ['expiring 9999d', /"9999d" is not a number of days/, CERTFLOW_USAGE.expiring],
    ['expiring -5d', /"-5d" is not a number of days/, CERTFLOW_USAGE.expiring],
    ['expiring 30d soon', /remove "soon"/, CERTFLOW_USAGE.expiring],
    ['status', /`status` needs the certificate/, CERTFLOW_USAGE.status],
    ['renew', /`renew` needs the certificate/, CERTFLOW_USAGE.renew],
    ['renew a.example.com b.example.com', /remove "b.example.com"/, CERTFLOW_USAGE.renew],
    ['approvals mine', /remove "mine"/, CERTFLOW_USAGE.approvals],
    ['help me please', /remove "me please"/, CERTFLOW_USAGE.help],
  ])('R-SEC-2: bad input "%s" is a usage error that says what to type', (text, message, usage) => {
    const error = (() => {
      try {
        parseCertflowCommand(text);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(CertflowCommandError);
    expect((error as CertflowCommandError).message).toMatch(message);
    expect((error as CertflowCommandError).usage).toBe(usage);
  });
});

describe('parseCertflowCommand campaign', () => {
  it.each<[string, CertflowCommand]>([
    [
      'campaign preview issuer="CN=Old  CA" names=*.example.com',
      { kind: 'campaign', action: 'preview', selectorText: 'issuer="CN=Old  CA" names=*.example.com' },
    ],
    ['CAMPAIGN START tag=pci', { kind: 'campaign', action: 'start', selectorText: 'tag=pci' }],
    [
      'campaign preview names=<http://api.example.com|api.example.com>',
      { kind: 'campaign', action: 'preview', selectorText: 'names=api.example.com' },
    ],
    [
      'campaign preview key-size&lt;2048 name="a&amp;b"',
      { kind: 'campaign', action: 'preview', selectorText: 'key-size<2048 name="a&b"' },
    ],
    ['campaign status', { kind: 'campaign', action: 'status', campaignId: null }],
    ['campaign status cmp-20261201-7f3a2c', { kind: 'campaign', action: 'status', campaignId: 'cmp-20261201-7f3a2c' }],
    ['campaign list', { kind: 'campaign', action: 'list' }],
  ])('R-CAM-1: "%s" is %j', (text, expected) => {
    expect(parseCertflowCommand(text)).toEqual(expected);
  });

  it.each([
    ['campaign', /takes preview, start, status or list/],
    ['campaign launch x', /not "launch"/],
    ['campaign preview', /needs a selector/],
    ['campaign start   ', /needs a selector/],
    ['campaign status a b', /remove "b"/],
    ['campaign list all', /remove "all"/],
  ])('"%s" is a usage error with the campaign usage', (text, message) => {
    let error: unknown;
    try {
      parseCertflowCommand(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CertflowCommandError);
    expect((error as CertflowCommandError).message).toMatch(message);
    expect((error as CertflowCommandError).usage).toBe(CERTFLOW_USAGE.campaign);
  });
});
