// What a keys sync publishes: the instance's current keys, and each key it listed before for a grace period after it
// last saw it, so tokens signed just before a rotation keep verifying (a token lives as long as its job). The state
// (when each key was last seen on the instance) is kept in the bucket beside the keys, private.
import { PublicJwk, PublicJwks } from './public-jwks';

/** When each published key was last listed by the instance (ISO 8601 times), by kid. */
export interface KeySightings {
  readonly lastSeen: Readonly<Record<string, string>>;
}

/** What to upload: the key set and the sightings to keep for the next run. */
export interface KeyPublication {
  readonly jwks: PublicJwks;
  readonly sightings: KeySightings;
  /** The kids published from the instance's set, kept from before (in their grace period) and retired now. */
  readonly current: readonly string[];
  readonly kept: readonly string[];
  readonly retired: readonly string[];
}

/**
 * The next publication from the instance's keys, the keys published now and the sightings of the last run (none on
 * the first). A published key without a sighting counts as seen now: it stays a whole grace period, never less.
 * Refused: a kid whose key material changed (a key is never replaced under its name), sightings in the future.
 */
export function nextPublication(
  instance: PublicJwks, published: PublicJwks, sightings: KeySightings | undefined, now: Date, graceMs: number,
): KeyPublication {
  const byKid = new Map(published.keys.map((k) => [k.kid, k]));
  for (const key of instance.keys) {
    const before = byKid.get(key.kid);
    if (before && (before.n !== key.n || before.e !== key.e)) {
      throw new Error(`the instance's key ${JSON.stringify(key.kid)} is not the key published under that kid: a kid names one key for good; ` +
        'check the instance\'s /oauth/discovery/keys before publishing, got a different modulus or exponent');
    }
  }
  // Maps, not objects: a kid is data, "__proto__" or "toString" included.
  const seenBefore = new Map(Object.entries(sightings?.lastSeen ?? {}));
  const lastSeen = new Map<string, string>();
  const current = instance.keys.map((k) => k.kid);
  const kept: PublicJwk[] = [];
  const retired: string[] = [];
  for (const key of published.keys) {
    if (current.includes(key.kid)) continue;
    const seen = seenBefore.get(key.kid);
    const at = seen === undefined ? now.getTime() : Date.parse(seen);
    if (Number.isNaN(at)) throw new Error(`the sighting of key ${JSON.stringify(key.kid)} is no time, got: ${JSON.stringify(seen)}`);
    // A sighting ahead of the clock would keep a key past its grace: refused (five minutes of clock skew allowed).
    if (at > now.getTime() + 5 * 60_000) throw new Error(`the sighting of key ${JSON.stringify(key.kid)} is in the future, got: ${seen}`);
    if (now.getTime() - at <= graceMs) {
      kept.push(key);
      lastSeen.set(key.kid, new Date(at).toISOString());
    } else {
      retired.push(key.kid);
    }
  }
  for (const kid of current) lastSeen.set(kid, now.toISOString());
  return {
    jwks: { keys: [...instance.keys, ...kept] },
    // defineProperty-free: fromEntries creates own data properties, "__proto__" included.
    sightings: { lastSeen: Object.fromEntries(lastSeen) },
    current,
    kept: kept.map((k) => k.kid),
    retired,
  };
}

/** What a publication does, in one line: the instance's keys, the ones kept in their grace period, the ones retired. */
export function publicationSummary(publication: KeyPublication): string {
  const list = (kids: readonly string[]) => (kids.length === 0 ? 'none' : kids.join(', '));
  return `publishing the instance's keys: ${list(publication.current)}; kept in their grace period: ${list(publication.kept)}; retired: ${list(publication.retired)}`;
}

/** Sightings from parsed JSON (`{"lastSeen": {"<kid>": "<ISO time>"}}`), or an error naming `source`. */
export function readSightings(value: unknown, source: string): KeySightings {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value) || !isObject(value.lastSeen) || !Object.values(value.lastSeen).every((v) => typeof v === 'string')) {
    throw new Error(`${source} must be {"lastSeen": {"<kid>": "<time>"}}, got: ${JSON.stringify(value)?.slice(0, 120)}`);
  }
  // A copy with own members alone: a kid named "__proto__" is data.
  return { lastSeen: Object.fromEntries(Object.entries(value.lastSeen as Record<string, string>)) };
}

