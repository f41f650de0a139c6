import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, HELP, main } from '../../src/cli/main';
import { freePort } from '../support/ports';
import { REPO_ROOT } from '../support/temporal';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (line) => out.push(line), err: (line) => err.push(line), env, cwd: '/tmp' });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('certflow command line', () => {
  it('the built command runs as a program, as `npx certflow` runs it (README)', () => {
    // npm runs a package's bin file itself: without the executable bit the shell answers "Permission denied".
    const help = execFileSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), ['help'], { encoding: 'utf8' });
    expect(help).toContain('Usage: certflow <command> [options]');
  });

  it('prints help for help, --help and no command', async () => {
    for (const argv of [['help'], ['--help'], []]) {
      const result = await run(argv);
      expect(result).toEqual({ code: EXIT.ok, out: HELP, err: '' });
    }
  });

  it.each([
    [
      ['renew-everything'],
      /unknown command "renew-everything"; commands are start, worker, canary, import, discover, report, list, show, groups, policy, audit, tokens, login, logout, whoami, lifecycle, renew, approve, reject, revoke, campaign and help/,
    ],
    [['canary', '--sleep'], /Option '--sleep <value>' argument missing \(see `certflow help`\)/],
    [['canary', '--slep', '5s'], /Unknown option '--slep'.*\(see `certflow help`\)/],
    [['canary', 'extra'], /Unexpected argument 'extra'/],
    [['canary', '--sleep', 'forever'], /invalid duration "forever": expected a number followed by a unit/],
    [['canary', '--sleep=-5s'], /invalid duration "-5s"/],
    [['canary', '--sleep', '-5s'], /argument is ambiguous/],
    [['start', '--sleep', '5s'], /Unknown option '--sleep'/],
    [['worker', 'now'], /Unexpected argument 'now'/],
  ])('rejects %j with exit code 2 and says what is wrong', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(EXIT.usage);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/^certflow: /);
    expect(result.err).toMatch(message);
  });

  it('rejects bad configuration before connecting anywhere, naming the variable', async () => {
    const result = await run(['canary'], { TEMPORAL_PORT: 'http' });
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(/^certflow: TEMPORAL_PORT: "http" is not a TCP port/);
  });

  it('says how to start Temporal when nothing answers at the address', async () => {
    const port = await freePort();
    const result = await run(['canary', '--sleep', '1s'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` });
    expect(result.code).toBe(EXIT.failure);
    expect(result.err).toMatch(new RegExp(`^certflow: cannot reach Temporal at 127\\.0\\.0\\.1:${port}: `));
    expect(result.err).toMatch(/Start certflow with `npm start`/);
  });
});
