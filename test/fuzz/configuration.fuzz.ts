/**
 * Issue 17 fuzzing, configuration: environment variables, the Jira settings file (JIRA_CONFIG_FILE) and policy
 * files, mutated from the examples, are read or refused with a ConfigError or PolicyFileError naming what to fix.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicy, PolicyFileError, validatePolicy } from '../../src/core/domain/policy/load-policy';
import { ConfigError } from '../../src/runtime/config-error';
import { loadConfig } from '../../src/runtime/config';
import { CONFIG_VARIABLES } from '../../src/runtime/config-variables';
import { fuzzParameters } from './fuzz-runs';
import { mutatedText, nastyString } from './mutations';

const EXAMPLES = path.resolve(__dirname, '..', '..', 'examples');
const POLICY_EXAMPLE = fs.readFileSync(path.join(EXAMPLES, 'certflow-policy.yaml'), 'utf8');
const JIRA_EXAMPLE = fs.readFileSync(path.join(EXAMPLES, 'jira.yaml'), 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certflow-fuzz-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** YAML pieces that break a settings file: indentation, anchors, tags, wrong scalar types, duplicate keys. */
const YAML_JUNK = fc.oneof(
  fc.constantFrom(
    '\n  ',
    ': ',
    '- ',
    '{',
    '[',
    '&a ',
    '*a',
    '!!binary ',
    '~',
    'null',
    '-1',
    '1e999',
    'yes',
    '\t',
    '"',
    "'",
    '#',
  ),
  nastyString,
);
const plausible = fc.constantFrom(
  '',
  '0',
  '65536',
  '8080',
  'localhost:7233',
  'http://127.0.0.1:1',
  'https://jira.example.com',
  'ftp://x',
  'sqlite::memory:',
  'postgres://u:p@h/db',
  'DEBUG',
  'xoxb-1',
  'xapp-1',
  'user:alice,user:bob',
  'C0CHANNEL',
  'example.com:443,bad',
  'stand-in',
  'off',
  '30',
  'k1:' + 'A'.repeat(44),
);

describe('issue 17 fuzzing: configuration', () => {
  it('any environment is read into a configuration or refused with a ConfigError naming the variable', () => {
    const names = CONFIG_VARIABLES.map((variable) => variable.name);
    const environment = fc.dictionary(fc.constantFrom(...names), fc.oneof(plausible, nastyString), { maxKeys: 8 });
    const jiraFile = mutatedText([JIRA_EXAMPLE], YAML_JUNK);
    fc.assert(
      fc.property(environment, fc.option(jiraFile, { nil: undefined }), (env, jiraText) => {
        const variables: NodeJS.ProcessEnv = { ...env };
        if (jiraText !== undefined) {
          fs.writeFileSync(path.join(dir, 'jira.yaml'), jiraText);
          variables.JIRA_CONFIG_FILE = 'jira.yaml';
          variables.JIRA_URL ??= 'https://jira.example.com';
        }
        try {
          loadConfig(variables, dir);
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(ConfigError);
          const named = names.some((name) => (error as Error).message.includes(name));
          expect(named, (error as Error).message).toBe(true);
        }
      }),
      fuzzParameters(4),
    );
  });

  it('policy files mutated from the example are read or refused with a PolicyFileError', () => {
    fc.assert(
      fc.property(mutatedText([POLICY_EXAMPLE, 'rules: {}\n', ''], YAML_JUNK), (text) => {
        try {
          parsePolicy(text, 'policy.yaml');
        } catch (error) {
          expect(error, String(error)).toBeInstanceOf(PolicyFileError);
          expect((error as Error).message).toContain('policy.yaml');
        }
      }),
      fuzzParameters(4),
    );
  });

  it('policy objects with wrong types and unknown keys at every level are refused with a PolicyFileError', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.anything(), fc.record({ rules: fc.dictionary(fc.string(), fc.jsonValue()) })),
        (data) => {
          try {
            validatePolicy(data, 'policy.json');
          } catch (error) {
            expect(error, String(error)).toBeInstanceOf(PolicyFileError);
          }
        },
      ),
      fuzzParameters(2),
    );
  });
});
