/**
 * HTTP-01 answered from a name's web root (issue 19): where the web server that already serves a name on port 80
 * serves files from a folder, the challenge's key authorization is written there as
 * `<webroot>/.well-known/acme-challenge/<token>` and removed after the CA has looked. The file deployer's folder
 * (src/adapters/deploy) implements it; the ACME adapter uses it for the names its issuer maps to a web root.
 */

/** One HTTP-01 answer to put into a web root. */
export interface WebrootChallenge {
  /** The web root folder (absolute) the name is served from. */
  readonly webroot: string;
  /** The challenge token: the file's name. */
  readonly token: string;
  /** The file's exact content. */
  readonly keyAuthorization: string;
}

/** Writes and removes HTTP-01 answers in web roots; both idempotent. */
export interface WebrootChallengeWriter {
  /** Writes the answer (again, if it is there already). */
  present(challenge: WebrootChallenge): Promise<void>;
  /** Removes the answer; one already gone is fine. */
  cleanUp(challenge: WebrootChallenge): Promise<void>;
}
