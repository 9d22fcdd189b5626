// The sidecars the app talks to over HTTP: the one that served the page (`location.origin`),
// which takes uploads, and the holders of a video, raced to find the fastest.
import { idPath } from './format.js';

/** The sidecar that served this page. */
export const home = location.origin;

const healths = new Map();

/**
 * `GET /health` of the sidecar at `base` (cached): `audience` (what tokens are signed for; the
 * contract calls it `public_url`), token validity bounds and `node_rpc`.
 */
export function health(base = home) {
  if (!healths.has(base)) {
    const request = fetch(`${base}/health`, { signal: AbortSignal.timeout(5000) }).then(async (response) => {
      if (!response.ok) throw new Error(`${base}/health answered ${response.status}`);
      const body = await response.json();
      return { ...body, audience: body.public_url ?? body.audience ?? base };
    });
    request.catch(() => healths.delete(base));
    healths.set(base, request);
  }
  return healths.get(base);
}

/** The master playlist of video `id` at `endpoint`. */
export const masterUrl = (endpoint, id) => `${endpoint.replace(/\/+$/, '')}/videos/${idPath(id)}/master.m3u8`;

/**
 * `endpoints` ordered by how fast each answers a GET of video `id`'s master playlist: resolves
 * once one has answered, plus `grace` ms for the others to finish the race; those that answered
 * later, or not at all, come last (still worth a try when the fast ones fail).
 * Rejects when none answers within `timeout` ms.
 */
export function rankHolders(endpoints, id, { timeout = 5000, grace = 250 } = {}) {
  return new Promise((resolve, reject) => {
    const answered = [];
    let pending = endpoints.length;
    let timer;
    const done = () => {
      clearTimeout(timer);
      resolve([...answered, ...endpoints.filter((e) => !answered.includes(e))]);
    };
    if (!pending) reject(new Error('no sidecar holds this video yet'));
    for (const endpoint of endpoints) {
      fetch(masterUrl(endpoint, id), { signal: AbortSignal.timeout(timeout), cache: 'no-store' })
        .then((response) => {
          if (!response.ok) return;
          answered.push(endpoint);
          if (answered.length === 1) timer = setTimeout(done, grace);
        })
        .catch(() => {})
        .finally(() => {
          pending -= 1;
          if (pending) return;
          if (answered.length) done();
          else reject(new Error(`none of the ${endpoints.length} holders answered`));
        });
    }
  });
}

/** `GET /uploads/{id}` of this sidecar, with the uploader's token `authorization`. */
export async function uploadStatus(id, authorization) {
  const response = await fetch(`${home}/uploads/${id}`, { headers: { Authorization: authorization }, cache: 'no-store' });
  if (!response.ok) {
    const reason = (await response.text()).trim();
    throw new Error(`the sidecar could not report the upload: ${response.status} ${response.statusText}${reason ? ` (${reason})` : ''}`);
  }
  return response.json();
}
