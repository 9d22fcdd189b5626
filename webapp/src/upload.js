// A creator's upload, as steps the upload page drives: send the file with tus (resumable
// across reloads and cut connections), follow its transcoding on the sidecar, and build the one
// extrinsic that registers the source, every rendition and the poster and describes the video.
import * as tus from 'tus-js-client';
import { signToken } from './auth.js';
import { truncateUtf8 } from './format.js';
import { health, home, uploadStatus } from './sidecar.js';

const MAX_TITLE_BYTES = 128; // the runtime's MaxTitleLen
const FORMS_KEY = 'pop.upload-forms';

/** An upload token of `account` for this sidecar, as long-lived as it allows (a day at most). */
export async function uploadToken(account) {
  const { audience, upload_token_max_secs: max = 3600 } = await health();
  return (await signToken(account, 'upload', audience, Math.min(max, 86_400) - 60)).header;
}

/** What tus-js-client remembers of `account`'s `file` here, so a later page finds it again. */
const fingerprint = (account) => async (file) =>
  ['pop', account.address, file.name, file.type, file.size, file.lastModified, home].join('|');

/** Unfinished (or finished but not yet registered) uploads this browser remembers. */
export async function rememberedUploads() {
  const forms = JSON.parse(localStorage.getItem(FORMS_KEY) ?? '{}');
  const uploads = await tus.defaultOptions.urlStorage.findAllUploads();
  return uploads
    .filter((u) => u.uploadUrl?.startsWith(`${home}/uploads/`))
    .map((u) => ({ ...u, form: forms[u.uploadUrl] ?? null }));
}

/** Keeps the title, price and replication chosen for the upload at `uploadUrl` across reloads. */
export function rememberForm(uploadUrl, form) {
  const forms = JSON.parse(localStorage.getItem(FORMS_KEY) ?? '{}');
  forms[uploadUrl] = form;
  localStorage.setItem(FORMS_KEY, JSON.stringify(forms));
}

/** Forgets the upload at `uploadUrl` once registered: nothing left to resume. */
export async function forgetUpload(uploadUrl) {
  const forms = JSON.parse(localStorage.getItem(FORMS_KEY) ?? '{}');
  delete forms[uploadUrl];
  localStorage.setItem(FORMS_KEY, JSON.stringify(forms));
  const storage = tus.defaultOptions.urlStorage;
  for (const u of await storage.findAllUploads()) if (u.uploadUrl === uploadUrl) await storage.removeUpload(u.urlStorageKey);
}

/**
 * Uploads `file` as `account` to this sidecar, resuming an upload of the same file this browser
 * started before. `onProgress(sent, total)` hears progress, `onCreated(uploadUrl, resumed)` the
 * upload's URL as soon as it is known. Resolves with `{ id, url, authorization }` once every
 * byte is stored; the returned `abort()` stops it (resumable later).
 */
export function sendFile(file, account, authorization, { onProgress, onCreated }) {
  let task;
  const done = new Promise((resolve, reject) => {
    let announced = false;
    const announce = (resumed) => {
      if (announced || !task.url) return;
      announced = true;
      onCreated(task.url, resumed);
    };
    task = new tus.Upload(file, {
      endpoint: `${home}/uploads`,
      headers: { Authorization: authorization },
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      chunkSize: 8 * 1024 * 1024,
      // A cut connection is retried for about a minute, from the offset the sidecar has.
      retryDelays: [0, 1000, 3000, 5000, 10_000, 20_000, 30_000],
      fingerprint: fingerprint(account),
      storeFingerprintForResuming: true,
      // Kept after the last byte: a reload during transcoding finds the upload again.
      removeFingerprintOnSuccess: false,
      onProgress: (sent, total) => {
        announce(false);
        onProgress(sent, total);
      },
      onSuccess: () => {
        announce(false);
        resolve({ id: task.url.split('/').at(-1), url: task.url });
      },
      onError: reject,
    });
    task.findPreviousUploads().then((previous) => {
      if (previous.length) {
        task.resumeFromPreviousUpload(previous[0]);
        announce(true);
      }
      task.start();
    }, reject);
  });
  return { done, abort: () => task.abort() };
}

/**
 * Follows upload `id` (`GET /uploads/{id}`) every `every` ms, telling `onMedia(media)` of its
 * transcoding, until its content id and receipt are known and, for a video, transcoding is
 * done. Resolves with the final status; rejects when transcoding failed or the sidecar fails
 * to answer three times in a row.
 */
export async function followTranscoding(id, authorization, onMedia, { every = 1000 } = {}) {
  let failures = 0;
  for (;;) {
    try {
      const status = await uploadStatus(id, authorization);
      failures = 0;
      if (status.media) onMedia(status.media);
      if (status.media?.state === 'failed') throw Object.assign(new Error(`transcoding failed: ${status.media.error ?? 'no reason given'}`), { final: true });
      if (status.content && status.receipt && (!status.media || status.media.state === 'done')) return status;
    } catch (error) {
      failures += 1;
      if (error.final || failures >= 3) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/**
 * The registration of a finished upload `status` (`GET /uploads/{id}`): its source, and for a
 * video every rendition (at the video's price) and the poster (free) and the video's
 * description, in ONE `utility.batchAll`, so it all lands or nothing does.
 */
export function registration(api, status, { mime, title, price, replication, uploader }) {
  const register = (item, itemMime, itemTitle, itemPrice) => {
    if (!item.receipt) throw new Error(`the sidecar gave no receipt for ${item.content}: upload again`);
    return api.tx.content.registerContent(
      item.content, item.size, itemMime, truncateUtf8(itemTitle, MAX_TITLE_BYTES), itemPrice, replication, uploader,
      item.receipt.expires_ms, { Sr25519: item.receipt.signature },
    );
  };
  const source = register({ content: status.content, size: status.length, receipt: status.receipt }, mime, title, price);
  const { media } = status;
  if (!media) return source;
  const { renditions, poster } = media;
  return api.tx.utility.batchAll([
    source,
    ...renditions.map((r) => register(r, r.mime, `${title} · ${r.height}p`, price)),
    ...(poster ? [register(poster, poster.mime, `${title} · poster`, 0n)] : []),
    api.tx.content.describeVideo(
      status.content,
      media.duration_ms,
      poster?.content ?? null,
      renditions.map((r) => ({ content: r.content, width: r.width, height: r.height, bandwidth: r.bandwidth, codecs: r.codecs })),
    ),
  ]);
}
