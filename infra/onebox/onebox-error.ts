// Starting, stopping or cleaning the onebox failed; the message says why and, for a server,
// shows the end of its log.
export class OneboxError extends Error {}
