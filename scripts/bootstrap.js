#!/usr/bin/env node
/**
 * Makes a fresh clone runnable before `npm start`, `npm test` and `npm run bench`: checks Node, installs the npm
 * packages when node_modules is missing or older than package-lock.json, then provisions the Temporal servers.
 * For `npm test` only, it also installs Debian's chromium (the browser test), openssl (the tests that compare
 * certflow with it) and knot (the DNS server of the CAA and DNS-01 tests) when they are missing and it can.
 * Fast when everything is already in place. Dependency-free: it runs before the packages exist.
 *
 * Usage: node scripts/bootstrap.js [--quiet]
 */
'use strict';

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { provision, MissingToolError } = require('./provision-temporal');
const { provisionPebble } = require('./provision-pebble');

const ROOT = path.resolve(__dirname, '..');
const MIN_NODE = [20, 19];
/** Written after a successful install: the hash of the package-lock.json that node_modules was installed from. */
const STAMP = path.join(ROOT, 'node_modules', '.certflow-lock-sha256');

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
    throw new Error(`certflow needs Node >= ${MIN_NODE.join('.')} (found ${process.versions.node}); see .nvmrc`);
  }
}

function lockHash() {
  return crypto
    .createHash('sha256')
    .update(fs.readFileSync(path.join(ROOT, 'package-lock.json')))
    .digest('hex');
}

function ensureNodeModules(log) {
  const wanted = lockHash();
  const installed = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : null;
  if (installed === wanted) return;
  // `npm install`, not `npm ci`: both install the locked versions, but `npm ci` refuses a lock file that lacks
  // optional platform packages (e.g. @swc/core's darwin builds) which a registry mirror may not carry.
  const fresh = !fs.existsSync(path.join(ROOT, 'node_modules'));
  const args = ['install', '--no-audit', '--no-fund'];
  log(`${fresh ? 'installing' : 'updating'} npm packages (npm install)…`);
  const npm = process.env.npm_execpath
    ? { command: process.execPath, args: [process.env.npm_execpath, ...args] }
    : { command: 'npm', args };
  const result = spawnSync(npm.command, npm.args, { cwd: ROOT, stdio: 'inherit', env: nativeBuildEnv(process.env) });
  if (result.status !== 0) throw new Error(`npm ${args[0]} failed (exit ${result.status ?? result.signal})`);
  fs.writeFileSync(STAMP, `${lockHash()}\n`);
}

/**
 * better-sqlite3 falls back to compiling from source when it cannot download a prebuilt addon (no internet);
 * node-gyp then needs Node's headers, which it would also download. Point it at the headers installed beside
 * this Node (Debian's and the official tarballs ship them) unless the user already chose a nodedir.
 */
function nativeBuildEnv(env) {
  if (env.npm_config_nodedir || env.NPM_CONFIG_NODEDIR) return env;
  const nodedir = path.resolve(path.dirname(fs.realpathSync(process.execPath)), '..');
  const hasHeaders = fs.existsSync(path.join(nodedir, 'include', 'node', 'common.gypi'));
  return hasHeaders ? { ...env, npm_config_nodedir: nodedir } : env;
}

/** Where the browser test (test/e2e/browser-approve.test.ts) expects Debian's chromium. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * Installs a Debian package with apt-get when `present()` says it is missing and this runs as root on a machine with
 * apt (CI, a container); otherwise it only says how, and the tests that need it fail with the same advice. Only
 * `npm test` and `npm run bench` pay for it, never `npm start`.
 */
function ensureDebianPackage(log, { name, present, neededBy }) {
  if (present()) return;
  const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (process.getuid?.() !== 0 || !hasApt) {
    log(
      `warning: ${name} is missing, so ${neededBy} will fail: install it with \`sudo apt-get install -y ${name}\` ` +
        '(Debian, Ubuntu) and run npm test again',
    );
    return;
  }
  const started = Date.now();
  const install = () => {
    log(`installing ${name} for ${neededBy}: apt-get install -y ${name}…`);
    return spawnSync('apt-get', ['install', '-y', name], { stdio: 'inherit', env: aptEnv() }).status === 0;
  };
  // A fresh image has no package lists yet: refresh them only when the first attempt needs it.
  let installed = install();
  if (!installed) {
    log('apt-get update (the package lists are missing or stale)…');
    installed = spawnSync('apt-get', ['update'], { stdio: 'inherit', env: aptEnv() }).status === 0 && install();
  }
  if (installed && present()) {
    log(`${name} installed in ${Math.round((Date.now() - started) / 1000)} s`);
  } else {
    log(`warning: apt-get could not install ${name}, so ${neededBy} will fail; see apt-get's output above`);
  }
}

/** Chromium for the browser test: about a minute on a fresh machine. */
function ensureChromium(log) {
  ensureDebianPackage(log, { name: 'chromium', present: () => fs.existsSync(CHROMIUM), neededBy: 'the browser test' });
}

/** The openssl command line, which the X.509 differential test and the internal CA's tests check certflow against. */
function ensureOpenssl(log) {
  ensureDebianPackage(log, {
    name: 'openssl',
    present: () => spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0,
    neededBy: 'the openssl tests',
  });
}

/** Knot DNS, the real DNS server the CAA and DNS-01 tests (test/adapters/dns, test/support/dns-server.ts) start. */
function ensureKnot(log) {
  ensureDebianPackage(log, {
    name: 'knot',
    present: () => fs.existsSync('/usr/sbin/knotd'),
    neededBy: 'the DNS tests',
  });
}

/** nmap, which the discovery bench (bench/discovery.bench.ts) measures certflow's scanner against. */
function ensureNmap(log) {
  ensureDebianPackage(log, {
    name: 'nmap',
    present: () => spawnSync('nmap', ['--version'], { stdio: 'ignore' }).status === 0,
    neededBy: 'the discovery bench',
  });
}

function aptEnv() {
  return { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
}

function main(argv) {
  const quiet = argv.includes('--quiet');
  const log = (line) => {
    if (!quiet) process.stderr.write(`[certflow] ${line}\n`);
  };
  try {
    checkNode();
    ensureNodeModules(log);
    provision({ log });
    // npm sets npm_lifecycle_event to the script that runs: the browser and openssl are for the tests only.
    if (process.env.npm_lifecycle_event === 'test') {
      ensureChromium(log);
      ensureOpenssl(log);
      ensureKnot(log);
      // Pebble, for the ACME adapter's tests (test/adapters/acme): built from the Go module proxy, like the CLI.
      provisionPebble({ log });
    }
    if (process.env.npm_lifecycle_event === 'bench') {
      ensureOpenssl(log);
      ensureNmap(log);
    }
    return 0;
  } catch (error) {
    process.stderr.write(`[certflow] set-up failed: ${error.message}\n`);
    return error instanceof MissingToolError ? 3 : 1;
  }
}

process.exitCode = main(process.argv.slice(2));
