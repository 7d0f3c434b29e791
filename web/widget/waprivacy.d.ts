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
  /**
   * code, in the widget only (status 403): "consent-needed" until the
   * person allows the host site inside the widget, "read-only" for a
   * change asked by a site allowed only to read.
   */
  error: { message: string; code?: "consent-needed" | "read-only" };
  errors?: { field: string; message: string }[];
  /**
   * The update was cut short (the connection was lost) and what reached
   * WhatsApp is not known yet: it is checked, and a partial change undone,
   * once the account is connected; a "privacy" event with source
   * "recovery" tells the outcome.
   */
  recovering?: boolean;
  /** For a failed update: what happened to each part. */
  outcomes?: {
    field: string;
    /** "not-confirmed": WhatsApp accepted it, but reading back does not show it yet (status 502). */
    result: "unchanged" | "applied" | "failed" | "restored" | "restore-failed" | "not-confirmed";
    message?: string;
  }[];
}

/**
 * A value WhatsApp reported that this version does not know (set on a
 * newer phone); it is passed on as WhatsApp spells it, never emptied.
 */
export type NewerValue = string & {};

export type Visibility = "all" | "contacts" | "contact_blacklist" | "none" | NewerValue;

/**
 * RyzeAPI's privacy object, each field WhatsApp's own value. callAdd may
 * also be "contacts" (who can call you: my contacts), which RyzeAPI does
 * not document; this API accepts it in POST /profile/privacy too.
 */
export interface RyzeSettings {
  visibility: { lastSeen: Visibility; status: Visibility; profile: Visibility; online: "all" | "match_last_seen" | NewerValue };
  privacy: { readReceipts: "all" | "none" | NewerValue };
  permissions: {
    callAdd: "all" | "known" | "contacts" | NewerValue;
    groupAdd: "all" | "contacts" | "contact_blacklist" | NewerValue;
  };
}

export type State =
  | "loading" | "no-account" | "connecting" | "waiting-for-scan" | "connected"
  | "unreachable" | "code-expired" | "replaced" | "logged-out"
  /** WhatsApp refuses this version of the app: the site must be redeployed; it does not reconnect. */
  | "outdated"
  /** Widget only: the person has not allowed this site (or declined); nothing else is told. */
  | "consent-needed";

export interface Status {
  state: State;
  account?: string;
  phone?: string;
  /** The app's own page only: linking codes never leave the widget's iframe. */
  qrCode?: string;
  /** The app's own page only, like qrCode. */
  pairingCode?: string;
  detail?: string;
  /** Widget only: what the person let this site do. */
  access?: "read" | "change";
}

/**
 * A list entry: a phone number (digits), or "<digits>@lid" for a contact
 * whose number WhatsApp hides. Either form can be sent back to remove or
 * unblock it (contactsBlacklist, /contacts/modify-blocked).
 */
export type Entry = string;

/** What WhatsApp told about an entry besides its number. */
export interface Contact {
  /** The LID's digits. */
  lid?: string;
  username?: string;
  /** WhatsApp's display name. */
  name?: string;
}

export interface PrivacyEvent {
  account: string;
  /** "recovery": an interrupted update was resolved when the account reconnected. */
  source: "app" | "phone" | "recovery";
  settings: RyzeSettings;
  /** Messages from unknown accounts, when the account has the setting. */
  messages?: "all" | "contacts" | NewerValue;
  /** Strict account settings, when reported; only the phone can change it. */
  defense?: "on_standard" | "off" | NewerValue;
  /** Who can send stickers, when reported; only the phone can change it. */
  stickers?: "contacts" | "contact_allowlist" | "none" | NewerValue;
  defaultTimerSeconds: 0 | 86400 | 604800 | 7776000;
  disallowedContacts: { lastSeen: Entry[]; photo: Entry[]; description: Entry[]; groupAdd: Entry[] };
  blocked: Entry[];
  /** Names of entries, above all those without a number, by entry. */
  contacts?: Record<Entry, Contact>;
  /** With source "recovery": how the interrupted update was resolved. */
  recovery?: {
    result: "undone" | "applied" | "unchanged";
    /** Where the interrupted update came from. */
    updateSource: "form" | "preset" | "undo" | "queued" | "api" | "app";
    /** Each field: restored (changed back), applied, unchanged, or phone-changed (left as the phone set it). */
    fields: { field: string; result: "restored" | "applied" | "unchanged" | "phone-changed"; message?: string }[];
  };
}

export interface Waprivacy {
  /**
   * One Z-API or RyzeAPI request, e.g.
   * request("POST", "/privacy/last-seen", {visualizationType: "CONTACTS"}).
   * Resolves with the status and body for API errors too (400, 403 in the
   * widget without the person's consent, 404, 405, 409, 502, 503, 504);
   * rejects only when the call itself is malformed (or, in the widget,
   * times out).
   */
  request(method: Method | string, path: string, body?: object | string): Promise<Response>;
  /** Subscribes to events; returns a function that unsubscribes. */
  on(event: "connection", fn: (status: Status) => void): () => void;
  on(event: "privacy", fn: (change: PrivacyEvent) => void): () => void;
  /** The connection state now. */
  status(): Status;
  /**
   * Widget only: settles when the embedded app accepts this page, with
   * state "consent-needed" until the person allows it.
   */
  readonly ready?: Promise<Status>;
}

declare global {
  interface Window {
    waprivacy: Waprivacy;
  }
}
