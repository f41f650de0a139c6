/** The HTTP API's uploads decoded as `certflow import` decodes files, and judged by the policy file in force. */
import type { ApiImporter } from '../adapters/api/api-dependencies';
import { decodeCertificateFile } from '../adapters/certificate-files/decode-certificate-file';
import { readMetadataCsv } from '../adapters/certificate-files/read-metadata-csv';
import type { Policy } from '../core/domain/policy/policy';

/** Where an upload gives a PKCS#12 passphrase, in the words of a fix. */
export const UPLOAD_PASSPHRASE_FIX = 'in the passphrase field (or the Certflow-Passphrase header)';

/** The importer of `POST /api/v1/certificates/import`. */
export function createApiImporter(loadPolicy: () => Promise<Policy>): ApiImporter {
  return {
    decode: (file, passwords) => {
      const found = decodeCertificateFile(file, passwords);
      // The decoder words its fix for the command line; an upload gives the passphrase in a form field.
      const errors = found.errors.map((error) => error.replace('with --password', UPLOAD_PASSPHRASE_FIX));
      return { ...found, errors };
    },
    loadPolicy,
    readMetadataCsv,
  };
}
