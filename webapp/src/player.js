// Plays a video's HLS streams with hls.js (adaptive bitrate on) from the fastest of its
// holders, and moves to the next holder, at the same position, when one stops answering.
// Segments of priced videos carry the viewer's stream token for the holder they come from.
import Hls from 'hls.js';
import { masterUrl } from './sidecar.js';

/** What a sidecar's refusal means for a viewer. */
const REFUSALS = {
  401: 'no valid stream token (choose an account)',
  402: 'payment required: this account has no grant for the video',
  403: 'this token may not stream here',
};

// Short timeouts and few retries on one holder: another holder has the same bytes, so moving
// on beats waiting. A slow but live link is left to the bandwidth estimate (ABR), not these.
const loadPolicy = (firstByteMs, loadMs) => ({
  default: {
    maxTimeToFirstByteMs: firstByteMs,
    maxLoadTimeMs: loadMs,
    timeoutRetry: { maxNumRetry: 1, retryDelayMs: 0, maxRetryDelayMs: 0 },
    errorRetry: { maxNumRetry: 1, retryDelayMs: 300, maxRetryDelayMs: 1000 },
  },
});

// Loads that fail when a holder is down or hung (not, say, hls.js aborting a slow load itself).
const { ErrorDetails: E } = Hls;
const HOLDER_FAILURES = new Set([
  E.MANIFEST_LOAD_ERROR, E.MANIFEST_LOAD_TIMEOUT, E.LEVEL_LOAD_ERROR, E.LEVEL_LOAD_TIMEOUT,
  E.FRAG_LOAD_ERROR, E.FRAG_LOAD_TIMEOUT,
]);

/**
 * A player of video `videoId` in `video`. `holders` are endpoints, fastest first; `tokenFor`
 * (optional: priced videos only) resolves with a renewing stream token for an endpoint;
 * `onChange(state)` hears every change of `state`: `holder`, `height` and `level` now playing,
 * `levels` ({ height, bandwidth }), `switches` (rendition changes), `failovers`, `refused`
 * ({ code, holder, reason }) when a holder refused the token, `error`, and `startedMs` and
 * `firstFrameMs`: when the first start was asked for and the first frame shown, in ms since
 * the page's navigation started.
 */
export class Player {
  #hls;
  #video;
  #videoId;
  #holders;
  #tokenFor;
  #onChange;
  #index = 0;
  #token = null;
  #resumeAt = 0;
  #failedInARow = 0;
  #mediaRecoveries = 0;

  constructor(video, { videoId, holders, tokenFor = null, onChange = () => {} }) {
    this.#video = video;
    this.#videoId = videoId;
    this.#holders = holders;
    this.#tokenFor = tokenFor;
    this.#onChange = onChange;
    this.state = { holder: null, height: null, level: -1, levels: [], switches: [], failovers: [], refused: null, error: null, startedMs: null, firstFrameMs: null };
    video.requestVideoFrameCallback?.(() => this.#update({ firstFrameMs: Math.round(performance.now()) }));

    const hls = new Hls({
      autoStartLoad: false, // started at the position to resume from, once a holder's manifest is in
      // A short buffer (hls.js would otherwise fill up to 60 MB) keeps requests going, so a dead
      // holder is noticed while there is still time to move, and ABR keeps measuring the link.
      maxBufferLength: 12,
      maxMaxBufferLength: 15,
      manifestLoadPolicy: loadPolicy(4000, 10_000),
      playlistLoadPolicy: loadPolicy(4000, 10_000),
      fragLoadPolicy: loadPolicy(6000, 60_000),
      xhrSetup: (xhr, url) => {
        xhr.open('GET', url, true);
        // Segments are /content reads, the only requests of a priced video that need a token.
        if (this.#token?.current && url.includes('/content/')) xhr.setRequestHeader('Authorization', this.#token.current);
      },
    });
    this.#hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, (_, { levels }) => {
      this.#update({ levels: levels.map((l) => ({ height: l.height, width: l.width, bandwidth: l.bitrate })) });
      hls.startLoad(this.#resumeAt);
      video.play().catch(() => {}); // a browser that wants a click first shows its play button
    });
    hls.on(Hls.Events.LEVEL_SWITCHED, (_, { level }) => {
      const { height } = hls.levels[level] ?? {};
      this.#update({ level, height, switches: [...this.state.switches, { height, at: video.currentTime }] });
    });
    hls.on(Hls.Events.FRAG_LOADED, () => { this.#failedInARow = 0; });
    hls.on(Hls.Events.ERROR, (_, data) => this.#onError(data));
    hls.attachMedia(video);
  }

  /** Whether this browser can play HLS through Media Source Extensions. */
  static get supported() {
    return Hls.isSupported();
  }

  /** hls.js itself, for those who look closer (tests, the console). */
  get hls() {
    return this.#hls;
  }

  /** Starts (or, after a refusal, restarts) at the fastest holder, from `position` seconds. */
  async start(position = this.#video.currentTime || 0) {
    this.#update({ refused: null, error: null, startedMs: this.state.startedMs ?? Math.round(performance.now()) });
    await this.#play(this.#index, position);
  }

  /** Stops loading and releases the media element and tokens. */
  destroy() {
    this.#token?.stop();
    this.#hls.destroy();
  }

  async #play(index, position) {
    this.#index = index;
    this.#resumeAt = position;
    const holder = this.#holders[index];
    this.#token?.stop();
    this.#token = this.#tokenFor ? await this.#tokenFor(holder) : null;
    await this.#token?.ready;
    this.#update({ holder });
    this.#hls.loadSource(masterUrl(holder, this.#videoId));
  }

  #onError(data) {
    // Late errors of loads from a holder already left behind say nothing about the current one.
    const url = data.frag?.url ?? data.context?.url ?? data.url;
    if (url && this.state.holder && !url.startsWith(this.state.holder)) return;
    const code = data.response?.code;
    if (REFUSALS[code] && data.type === Hls.ErrorTypes.NETWORK_ERROR) {
      this.#hls.stopLoad();
      this.#update({ refused: { code, holder: this.state.holder, reason: REFUSALS[code] } });
      return;
    }
    const holderFailed = HOLDER_FAILURES.has(data.details) && (!code || code >= 500);
    if (holderFailed && this.#failedInARow < this.#holders.length - 1) {
      this.#failover(`${data.details}${code ? ` (${code})` : ''}`);
    } else if (data.fatal && data.type === Hls.ErrorTypes.MEDIA_ERROR && this.#mediaRecoveries < 2) {
      this.#mediaRecoveries += 1;
      this.#hls.recoverMediaError();
    } else if (data.fatal) {
      this.#update({ error: `${data.details}${code ? ` (HTTP ${code})` : ''} at ${this.state.holder}` });
    }
  }

  /** Moves to the next holder, keeping the position (hls.js re-attaches the media). */
  #failover(reason) {
    this.#failedInARow += 1;
    const from = this.state.holder;
    const next = (this.#index + 1) % this.#holders.length;
    const at = this.#video.currentTime;
    this.#update({ failovers: [...this.state.failovers, { from, to: this.#holders[next], at, reason }] });
    this.#play(next, at).catch((error) => this.#update({ error: error.message }));
  }

  #update(changes) {
    Object.assign(this.state, changes);
    this.#onChange(this.state);
  }
}
