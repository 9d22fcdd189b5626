// `#/`: the registered videos, each with its poster (from a holder), title, duration, price and
// owner, refreshed when the chain describes or removes one.
import { listVideos, locate, whenHeld } from '../chain.js';
import { h, notice, replace } from '../dom.js';
import { formatDuration, formatPrice, shortAddress } from '../format.js';

/** Points `img` at the first holder of `poster` that serves it, trying the next on failure. */
async function showPoster(provider, img, poster) {
  const urls = await whenHeld(async () => ((await locate(provider, poster).catch(() => null))?.holders ?? []).map((holder) => holder.url), { gaveUp: () => !img.isConnected });
  const next = () => {
    const url = urls.shift();
    if (url) img.src = url;
    else img.closest('.thumb').classList.add('no-poster');
  };
  img.addEventListener('error', next);
  img.addEventListener('load', () => img.closest('.thumb').classList.add('loaded'));
  next();
}

function card(provider, video) {
  const img = h('img', { alt: '', loading: 'lazy', decoding: 'async' });
  if (video.poster) showPoster(provider, img, video.poster);
  const tallest = Math.max(0, ...video.renditions.map((r) => r.height));
  return h('a', { class: 'card', href: `#/watch/${video.id}`, dataset: { video: video.id } },
    h('div', { class: `thumb${video.poster ? '' : ' no-poster'}` },
      img,
      h('span', { class: 'badge duration' }, formatDuration(video.durationMs)),
      tallest ? h('span', { class: 'badge quality' }, tallest >= 720 ? 'HD' : `${tallest}p`) : null),
    h('div', { class: 'card-body' },
      h('h3', { class: 'card-title', title: video.title }, video.title),
      h('div', { class: 'card-meta' },
        h('span', { class: 'owner', title: video.owner }, shortAddress(video.owner)),
        h('span', { class: `price${video.price ? '' : ' free'}` }, formatPrice(video.price)))));
}

/** Renders the catalogue into `root`; returns what stops its refreshes. */
export async function catalogue(root, { api, provider }) {
  const grid = h('div', { class: 'grid', 'aria-busy': 'true' },
    ...Array.from({ length: 6 }, () => h('div', { class: 'card skeleton' }, h('div', { class: 'thumb' }), h('div', { class: 'card-body' }, h('div', { class: 'line' }), h('div', { class: 'line short' })))));
  const count = h('span', { class: 'muted' });
  replace(root, h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Videos'), count, h('a', { class: 'button primary', href: '#/upload' }, 'Upload a video')),
    grid));

  let loading = null;
  const load = async () => {
    try {
      const videos = await listVideos(api);
      grid.setAttribute('aria-busy', 'false');
      count.textContent = videos.length === 1 ? '1 video on the network' : `${videos.length} videos on the network`;
      if (!videos.length) {
        replace(grid, h('div', { class: 'empty' },
          h('div', { class: 'empty-art', 'aria-hidden': 'true' }),
          h('h2', {}, 'No videos yet'),
          h('p', {}, 'Videos appear here once a creator registers them on POP Network.'),
          h('a', { class: 'button primary', href: '#/upload' }, 'Upload the first one')));
      } else {
        replace(grid, ...videos.map((video) => card(provider, video)));
      }
    } catch (error) {
      replace(grid, notice('error', `Could not read the videos from the chain: ${error.message}`));
    }
  };
  await load();
  // Any content event may be a new or removed video; one reload at a time.
  const unsubscribe = await api.query.system.events((records) => {
    const changed = records.some(({ event }) => event.section === 'content' && /Video|Removed/.test(event.method));
    if (changed && !loading) loading = load().finally(() => { loading = null; });
  });
  return unsubscribe;
}
