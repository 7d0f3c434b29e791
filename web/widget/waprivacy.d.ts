// Types of window.waprivacy: in the app's own page (wasm/jsapi) and on a
// page that includes /widget.js. Requests and answers use Z-API's and
// RyzeAPI's shapes; see README.md for examples.

export type Method = "GET" | "POST";

/** An answer, as the same call over HTTP would give it. */
export interface Response<Body = unknown> {
  status: number;
  body: Body;
}

/** Every error answer: RyzeAPI's envelope, plus every invalid field. */
export interface ErrorBody {
  success: false;
  error: { message: string };
  errors?: { field: string; message: string }[];
  /** For a failed update: what happened to each part. */
  outcomes?: { field: string; result: "unchanged" | "applied" | "failed" | "restored" | "restore-failed"; message?: string }[];
}

export type Visibility = "all" | "contacts" | "contact_blacklist" | "none";

/** RyzeAPI's privacy object. */
export interface RyzeSettings {
  visibility: { lastSeen: Visibility; status: Visibility; profile: Visibility; online: "all" | "match_last_seen" };
  privacy: { readReceipts: "all" | "none" };
  permissions: { callAdd: "all" | "known"; groupAdd: "all" | "contacts" | "contact_blacklist" };
}

export type State =
  | "loading" | "no-account" | "connecting" | "waiting-for-scan" | "connected"
  | "unreachable" | "code-expired" | "replaced" | "logged-out";

export interface Status {
  state: State;
  account?: string;
  phone?: string;
  qrCode?: string;
  pairingCode?: string;
  detail?: string;
}

export interface PrivacyEvent {
  account: string;
  source: "app" | "phone";
  settings: RyzeSettings;
  messages?: "all" | "contacts";
  defaultTimerSeconds: 0 | 86400 | 604800 | 7776000;
  disallowedContacts: { lastSeen: string[]; photo: string[]; description: string[]; groupAdd: string[] };
  blocked: string[];
}

export interface Waprivacy {
  /**
   * One Z-API or RyzeAPI request, e.g.
   * request("POST", "/privacy/last-seen", {visualizationType: "CONTACTS"}).
   * Resolves with the status and body for API errors too (400, 404, 405,
   * 409, 502, 503, 504); rejects only when the call itself is malformed
   * (or, in the widget, times out).
   */
  request(method: Method | string, path: string, body?: object | string): Promise<Response>;
  /** Subscribes to events; returns a function that unsubscribes. */
  on(event: "connection", fn: (status: Status) => void): () => void;
  on(event: "privacy", fn: (change: PrivacyEvent) => void): () => void;
  /** The connection state now. */
  status(): Status;
  /** Widget only: settles when the embedded app accepts this page. */
  readonly ready?: Promise<Status>;
}

declare global {
  interface Window {
    waprivacy: Waprivacy;
  }
}
