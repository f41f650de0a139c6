/**
 * The file deployer's side of HTTP-01 for web roots (issue 19): the key authorization written to
 * `<webroot>/.well-known/acme-challenge/<token>`, world-readable so the web server may serve it, atomically (the CA
 * never reads half a file) and removed after, each idempotent. The folders below the web root are created as needed;
 * the web root itself must exist, since a missing one means the setting names the wrong folder.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { WebrootChallenge, WebrootChallengeWriter } from '../../core/ports/webroot-challenges';
import { DeployFileError, removeFile, writeFileAtomic } from './atomic-file';
import { errorCode } from '../shared/durable-file';

/** Where the CA fetches HTTP-01 answers, below the web root (RFC 8555 section 8.3). */
const CHALLENGE_FOLDER = path.join('.well-known', 'acme-challenge');

/** RFC 8555 tokens are base64url: nothing else may become a file name. */
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

function challengeFile({ webroot, token }: WebrootChallenge): string {
  if (!TOKEN.test(token)) throw new Error(`refusing ACME challenge token ${JSON.stringify(token)}: not base64url`);
  return path.join(webroot, CHALLENGE_FOLDER, token);
}

/** Writes HTTP-01 answers into web roots on this machine's file system. */
export class WebrootChallengeFiles implements WebrootChallengeWriter {
  async present(challenge: WebrootChallenge): Promise<void> {
    const file = challengeFile(challenge);
    try {
      await fs.stat(challenge.webroot);
    } catch (error) {
      throw new DeployFileError(challenge.webroot, 'read', errorCode(error), error);
    }
    try {
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    } catch (error) {
      throw new DeployFileError(path.dirname(file), 'write', errorCode(error), error);
    }
    await writeFileAtomic(file, challenge.keyAuthorization, 0o644);
  }

  async cleanUp(challenge: WebrootChallenge): Promise<void> {
    await removeFile(challengeFile(challenge));
  }
}
