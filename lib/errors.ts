// Errors that cross a boundary (CLI, socket) carry a stable code and a message for a person.
export type ErrorCode =
  | 'invalid'            // bad input: the message names the field
  | 'not_found'          // no such lab / node
  | 'exists'             // a lab with that name exists
  | 'version_mismatch'   // the editor's revision is stale
  | 'busy'               // another apply of this lab is running, or another nslab holds the database
  | 'conflict'           // a foreign object is in the way
  | 'kernel'             // a kernel command failed (the apply was rolled back)
  | 'confirm'            // the request needs the user's explicit confirmation (e.g. adopting objects)
  | 'io'                 // a file or address given by the user cannot be read, written or used
  | 'storage'            // NSLAB_HOME or its database cannot be used (damaged, locked, newer, full)
  | 'unauthorized'
  | 'forbidden'          // not allowed on this server (e.g. a root shell without --allow-host-shell)
  | 'internal';

export class NslabError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'NslabError';
  }
}
