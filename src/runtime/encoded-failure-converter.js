// The failure converter of every Temporal client, worker and workflow bundle certflow builds (R-KEY-1): it moves
// each failure's message and stack trace (which name subjects, SANs and e-mail addresses) into an encoded payload,
// which the payload codec then encrypts like any other. Temporal takes failure converters only by file path and
// loads them with Node's require() in clients and the worker (and webpack in the bundle), so this is plain CommonJS:
// a .ts file would not load when certflow runs from source, as under vitest.
'use strict';
const { DefaultFailureConverter } = require('@temporalio/common');

/** Temporal's default failure conversion, with message and stack trace moved into an encoded payload. */
exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
