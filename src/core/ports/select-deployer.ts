/**
 * Picks the deployer for a certificate location; when none fits, says why in words that name the location and the
 * fix, collected from the deployers that know their own limits.
 */
import type { CertificateLocation } from '../domain/inventory/model';
import { formatLocation } from '../domain/inventory/location';
import { DeployRejectedError, type Deployer } from './deployer';

/** A deployer that can explain why it refuses a location (both of certflow's adapters can). */
interface ExplainsRefusal {
  /** The kind of location the deployer installs at. */
  readonly locationKind: CertificateLocation['kind'];
  whyUnsupported(location: CertificateLocation): string | null;
}

function explainsRefusal(deployer: Deployer): deployer is Deployer & ExplainsRefusal {
  const candidate = deployer as Partial<ExplainsRefusal>;
  return typeof candidate.whyUnsupported === 'function' && typeof candidate.locationKind === 'string';
}

/** Words for a refusal when no deployer explains one. */
function genericReason(location: CertificateLocation): string {
  return location.kind === 'endpoint'
    ? 'no deployer is configured for TLS endpoints; add a file location (the PEM file the server reads) instead'
    : 'no deployer is configured for files; enable the files deployer';
}

/** The first deployer that supports `location`; DeployRejectedError naming the location and the fix otherwise. */
export function selectDeployer(deployers: readonly Deployer[], location: CertificateLocation): Deployer {
  const chosen = deployers.find((deployer) => deployer.supports(location));
  if (chosen) return chosen;
  const reasons = deployers
    .filter(explainsRefusal)
    .filter((deployer) => deployer.locationKind === location.kind)
    .map((deployer) => deployer.whyUnsupported(location))
    .filter((reason): reason is string => reason !== null);
  const because = reasons.length > 0 ? reasons.join('; ') : genericReason(location);
  throw new DeployRejectedError(`cannot install at ${formatLocation(location)}: ${because}`);
}
