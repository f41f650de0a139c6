#!/usr/bin/env node
/**
 * Provisions Pebble, Let's Encrypt's ACME test server, and its challenge test server (a DNS server the tests point
 * Pebble's resolver at) for the ACME adapter's tests (issue 19), without downloading any binary at run time: both are
 * built with `go install` from the Go module proxy into the git-ignored tools folder, and Pebble's test root and
 * TLS certificate are copied from the module's source. Only `npm test` runs it; certflow itself never needs Pebble.
 *
 * Usage: node scripts/provision-pebble.js [--check] [--json] [--quiet]
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const {
  defaultToolsDir,
  MissingToolError,
  installGoModule,
  recipeOf,
  isExecutable,
  makeWritable,
} = require('./provision-temporal');

/** Pebble 2.10.3 serves ACME Renewal Information (RFC 9773); Debian's Pebble 2.4 predates it. */
const PEBBLE_VERSION = '2.10.3';
const PEBBLE_MODULE = 'github.com/letsencrypt/pebble/v2';
const MANIFEST_NAME = 'pebble.json';
const LDFLAGS = '-s -w';
const RECIPE = recipeOf('go install', PEBBLE_MODULE, PEBBLE_VERSION, LDFLAGS, 'pebble', 'pebble-challtestsrv', 'certs');

const GO_HINT =
  `the ACME tests build Pebble ${PEBBLE_VERSION} from the Go module proxy and need Go >= 1.21: install it ` +
  '(Debian/Ubuntu: apt-get install golang-go; elsewhere: https://go.dev/dl)';

/** @typedef {{ version: string, recipe: string, path: string, challtestsrv: string, rootPem: string, tlsCertificate: string, tlsKey: string }} ProvisionedPebble */

function readManifest(toolsDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(toolsDir, MANIFEST_NAME), 'utf8'));
  } catch {
    return null;
  }
}

function isCurrent(entry) {
  return Boolean(
    entry &&
    entry.recipe === RECIPE &&
    isExecutable(entry.path) &&
    isExecutable(entry.challtestsrv) &&
    fs.existsSync(entry.rootPem),
  );
}

function build(toolsDir, env, log) {
  const home = path.join(toolsDir, `pebble-${PEBBLE_VERSION}`);
  log(`building Pebble ${PEBBLE_VERSION} and pebble-challtestsrv with go install (a minute the first time)…`);
  installGoModule({
    toolsDir,
    home,
    env,
    hint: GO_HINT,
    module: PEBBLE_MODULE,
    version: PEBBLE_VERSION,
    ldflags: LDFLAGS,
    commands: ['cmd/pebble', 'cmd/pebble-challtestsrv'],
    // Pebble's own test root (which signs its directory's TLS certificate) comes from the module's source: the tests
    // trust it for Pebble alone, never system-wide.
    finish: (stage, moduleSource) => {
      const certs = path.join(moduleSource, 'test', 'certs');
      fs.cpSync(path.join(certs, 'pebble.minica.pem'), path.join(stage, 'pebble.minica.pem'));
      fs.cpSync(path.join(certs, 'localhost', 'cert.pem'), path.join(stage, 'localhost-cert.pem'));
      fs.cpSync(path.join(certs, 'localhost', 'key.pem'), path.join(stage, 'localhost-key.pem'));
      for (const file of ['pebble.minica.pem', 'localhost-cert.pem', 'localhost-key.pem']) {
        makeWritable(path.join(stage, file));
      }
    },
  });
  return {
    version: PEBBLE_VERSION,
    recipe: RECIPE,
    path: path.join(home, 'bin', 'pebble'),
    challtestsrv: path.join(home, 'bin', 'pebble-challtestsrv'),
    rootPem: path.join(home, 'pebble.minica.pem'),
    tlsCertificate: path.join(home, 'localhost-cert.pem'),
    tlsKey: path.join(home, 'localhost-key.pem'),
  };
}

/**
 * @param {{ toolsDir?: string, env?: NodeJS.ProcessEnv, log?: (line: string) => void }} [options]
 * @returns {ProvisionedPebble}
 *
 * Makes sure Pebble, pebble-challtestsrv and Pebble's test certificates are in the tools folder (manifest
 * pebble.json) and returns where; fast when they already are.
 */
function provisionPebble({ toolsDir = defaultToolsDir(), env = process.env, log = () => {} } = {}) {
  fs.mkdirSync(toolsDir, { recursive: true });
  const current = readManifest(toolsDir);
  if (isCurrent(current)) return current;
  const pebble = build(toolsDir, env, log);
  const file = path.join(toolsDir, MANIFEST_NAME);
  fs.writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(pebble, null, 2)}\n`);
  fs.renameSync(`${file}.${process.pid}.tmp`, file);
  log(`Pebble ${PEBBLE_VERSION} ready in ${path.dirname(path.dirname(pebble.path))}`);
  return pebble;
}

/**
 * @param {{ toolsDir?: string }} [options]
 * The provisioned Pebble, or null when it is not (the tests then say how to provision it). */
function provisionedPebble({ toolsDir = defaultToolsDir() } = {}) {
  const current = readManifest(toolsDir);
  return isCurrent(current) ? current : null;
}

function main(argv) {
  const flags = new Set(argv);
  const unknown = [...flags].filter((flag) => !['--check', '--json', '--quiet'].includes(flag));
  if (unknown.length > 0) {
    process.stderr.write(`provision-pebble: unknown option ${unknown.join(', ')}; use --check, --json or --quiet\n`);
    return 2;
  }
  const log = (line) => {
    if (!flags.has('--quiet')) process.stderr.write(`[certflow] ${line}\n`);
  };
  if (flags.has('--check')) {
    const ok = provisionedPebble() !== null;
    log(`Pebble ${PEBBLE_VERSION} is ${ok ? 'provisioned' : 'not provisioned'}`);
    return ok ? 0 : 1;
  }
  try {
    const pebble = provisionPebble({ log });
    if (flags.has('--json')) process.stdout.write(`${JSON.stringify(pebble, null, 2)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`[certflow] cannot provision Pebble ${PEBBLE_VERSION}: ${error.message}\n`);
    return error instanceof MissingToolError ? 3 : 1;
  }
}

module.exports = { provisionPebble, provisionedPebble, PEBBLE_VERSION, MANIFEST_NAME };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
