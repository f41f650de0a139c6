/** Request ids (`<managed id>.<cycle>.<n>`), as buttons, commands and the lifecycle client read them. */

/** Reads `<managed id>.<cycle>.<n>`; null when the text is not a request id. */
export function parseRequestId(
  requestId: string,
): { managedCertificateId: string; cycle: number; sequence: number } | null {
  const match = /^([0-9a-f]{8,64})\.(\d{1,6})\.(\d{1,6})$/.exec(requestId.trim());
  if (!match?.[1]) return null;
  return { managedCertificateId: match[1], cycle: Number(match[2]), sequence: Number(match[3]) };
}
