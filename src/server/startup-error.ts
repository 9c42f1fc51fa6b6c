/**
 * A condition that stops the server from starting (bad ACL file, unreadable dataset, ...). The
 * module that raises it has already logged Redis's message; the binary exits 1 without a stack
 * trace, an embedding gets the error.
 */
export class StartupError extends Error {}
