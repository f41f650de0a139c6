/** The openssl command line, which the X.509 and CA tests run as the reference and as the relying party. */
import { spawnSync } from 'node:child_process';

/** Fails, saying how to install it, when openssl is missing: these tests must not pass without running it. */
export function requireOpenssl(): void {
  if (spawnSync('openssl', ['version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'openssl is not installed: install it (`sudo apt-get install -y openssl` on Debian or Ubuntu, ' +
        '`brew install openssl` on macOS) and run the tests again; `npm test` installs it when it runs as root with apt-get',
    );
  }
}
