// What the citizen pages share: the session, the agency, and the services (fetched once).

import { api } from "./core/api.js";
import { createSession } from "./core/session.js";
import { navigate } from "./core/router.js";

export const session = createSession("citizen");
export const SITE = { th: "บริการอิเล็กทรอนิกส์", en: "e-Service" };

const cache = { agency: null, services: new Map(), list: null };

export function setAgency(agency) {
  cache.agency = agency;
}

/** The agency's names and contacts (GET /api/agency), or null if it could not be read. */
export function agency() {
  return cache.agency;
}

/** One service's full description (GET /api/services/{id}), kept for the visit. */
export async function service(id) {
  if (!cache.services.has(id)) {
    cache.services.set(id, await api(`/services/${encodeURIComponent(id)}`, { auth: false }));
  }
  return cache.services.get(id);
}

/** All services as catalogue cards (GET /api/services). */
export async function allServices() {
  if (!cache.list) cache.list = (await api("/services", { auth: false })).services;
  return cache.list;
}

/**
 * Pages that need a signed-in citizen call this first: without a session it sends the person to
 * sign in and brings them back here afterwards.
 */
export function requireSignIn() {
  if (session.token()) return true;
  const back = location.hash || "#/";
  navigate(`#/signin?next=${encodeURIComponent(back)}`, { replace: true });
  return false;
}
