// `#/watch/<id>`: plays a video from the fastest of its holders with failover, shows what is
// playing from where, and for a priced video sells the grant and streams with a token.
import { renewingToken } from '../auth.js';
import { getVideo, hasGrant, holdersOf, locate, submit, whenHeld } from '../chain.js';
import { h, notice, replace } from '../dom.js';
import { formatDuration, formatPrice, idHex, shortAddress } from '../format.js';
import { Player } from '../player.js';
import { health, rankHolders } from '../sidecar.js';

// How long after a purchase a 402 is taken for a holder not yet at the block with the grant.
const GRANT_PROPAGATION_MS = 60_000;

const row = (label, ...value) => h('div', { class: 'row' }, h('dt', {}, label), h('dd', {}, ...value));

/** Renders the watch page of video `param` into `root`; returns what stops the player. */
export async function watch(root, { api, provider, account }, param, left) {
  const id = idHex(param);
  const frame = h('div', { class: 'player-frame', dataset: { state: 'loading' } });
  const videoEl = h('video', { controls: true, playsInline: true, preload: 'auto' });
  frame.append(videoEl);
  const playing = h('div', { class: 'now-playing' }, 'Finding the masternodes that hold it, and the fastest of them…');
  const access = h('div', { class: 'access' });
  const details = h('dl', { class: 'facts' });
  const holderList = h('ol', { class: 'holders' });
  const title = h('h1', { class: 'video-title' }, 'Loading…');
  replace(root, h('section', { class: 'page watch' },
    h('div', { class: 'stage' }, frame, playing),
    h('aside', { class: 'side' }, title, access, details, h('h2', { class: 'side-head' }, 'Holders'), holderList)));

  const video = await getVideo(api, id);
  if (left()) return null;
  if (!video) {
    title.textContent = 'Video not found';
    frame.dataset.state = 'error';
    replace(access, notice('error', 'No video with this id is registered on the chain (it may have been removed). ', h('a', { href: '#/' }, 'See the videos')));
    return null;
  }
  document.title = `${video.title} · POP Network`;
  title.textContent = video.title;
  const priced = video.price > 0n;
  replace(details,
    row('Price', h('span', { class: `price${priced ? '' : ' free'}` }, formatPrice(video.price))),
    row('Duration', formatDuration(video.durationMs)),
    row('Owner', h('span', { class: 'mono', title: video.owner }, shortAddress(video.owner))),
    row('Renditions', video.renditions.map((r) => `${r.height}p`).join(' · ')));

  // The poster shows until the first frame, and behind a refusal or an error.
  if (video.poster) {
    whenHeld(async () => ((await locate(provider, video.poster))?.holders ?? []).map((holder) => holder.url), { gaveUp: left })
      .then(([url]) => {
        if (!url) return;
        videoEl.poster = url;
        // An endpoint is any printable URL a masternode chose: quotes and backslashes encoded.
        frame.style.setProperty('--poster', `url("${url.replace(/["\\]/g, encodeURIComponent)}")`);
      }, () => {});
  }

  let player = null;
  let boughtAt = 0;
  let retry;
  const render = (state) => {
    frame.dataset.state = state.error ? 'error' : state.refused ? 'refused' : state.firstFrameMs ? 'playing' : 'loading';
    frame.dataset.holder = state.holder ?? '';
    frame.dataset.height = state.height ?? '';
    if (state.refused) frame.dataset.refused = String(state.refused.code);
    else delete frame.dataset.refused;
    replace(playing,
      h('span', { class: 'chip' }, state.height ? `${state.height}p` : '…'),
      h('span', {}, 'from '), h('span', { class: 'mono' }, state.holder ?? '…'),
      state.failovers.length ? h('span', { class: 'muted' }, ` · moved ${state.failovers.length}× (last: ${state.failovers.at(-1).reason} at ${formatDuration(state.failovers.at(-1).at * 1000)})`) : null);
    for (const item of holderList.children) item.classList.toggle('current', item.dataset.endpoint === state.holder);
    const problem = frame.querySelector('.overlay');
    problem?.remove();
    if (state.refused) {
      const waiting = state.refused.code === 402 && Date.now() - boughtAt < GRANT_PROPAGATION_MS;
      frame.append(h('div', { class: 'overlay' }, waiting
        ? h('p', {}, 'Purchase made; waiting for the holder to see it…')
        : [h('strong', {}, `Refused by the holder (${state.refused.code})`), h('p', {}, state.refused.reason)]));
      if (waiting && !retry) {
        retry = setTimeout(() => {
          retry = null;
          player.start();
        }, 2000);
      }
    } else if (state.error) {
      frame.append(h('div', { class: 'overlay' }, h('strong', {}, 'Playback failed'), h('p', {}, state.error)));
    }
  };

  // Access to a priced video: the grant, or what it takes to get one.
  const showAccess = async () => {
    if (!priced) return replace(access);
    if (!account) return replace(access, notice('warn', `This video costs ${formatPrice(video.price)}. Choose an account at the top to buy it.`));
    if (await hasGrant(api, account.address, id)) return replace(access, notice('ok', `${account.name} has access to this video.`));
    const status = h('div', { class: 'tx-status muted' });
    const buy = h('button', {
      class: 'button primary buy',
      onclick: async () => {
        buy.disabled = true;
        try {
          const result = await submit(api, api.tx.popToken.payForContent(id, video.price), account, (text) => { status.textContent = text; });
          if (result.error) throw new Error(result.error);
          boughtAt = Date.now();
          replace(access, notice('ok', `Bought in block #${result.blockNumber}: ${account.name} may watch.`));
          player?.start();
        } catch (error) {
          buy.disabled = false;
          status.textContent = `Not bought: ${error.message}`;
          status.classList.add('error-text');
        }
      },
    }, `Buy for ${formatPrice(video.price)}`);
    return replace(access, h('div', { class: 'paywall' },
      h('p', {}, `Pay ${formatPrice(video.price)} once to watch this video as ${account.name}. Most of it goes to the creator, the rest to the holders that stream it.`),
      buy, status));
  };
  await showAccess();
  if (left()) return null;

  try {
    if (!Player.supported) throw new Error('this browser cannot play HLS (no Media Source Extensions)');
    const endpoints = await whenHeld(() => holdersOf(provider, video.renditions.map((r) => r.content)), { gaveUp: left });
    if (left()) return null;
    const holders = await rankHolders(endpoints, id);
    replace(holderList, ...holders.map((endpoint) => h('li', { dataset: { endpoint }, class: 'mono' }, endpoint)));
    if (left()) return null;
    const tokenFor = priced && account ? async (endpoint) => {
      const { audience, stream_token_max_secs: max = 600 } = await health(endpoint);
      return renewingToken(account, 'stream', audience, max);
    } : null;
    player = new Player(videoEl, { videoId: id, holders, tokenFor, onChange: render });
    window.popPlayer = player; // for the console and the browser test
    await player.start(0);
  } catch (error) {
    frame.dataset.state = 'error';
    replace(playing, notice('error', `Cannot play: ${error.message}`));
  }
  return () => {
    clearTimeout(retry);
    player?.destroy();
    delete window.popPlayer;
    document.title = 'POP Network';
  };
}
