// `#/upload`: a creator picks a file, a title, a price and how many masternodes keep it; the
// page uploads it (resumable), follows its transcoding, and registers everything with one
// signature, showing the block and the decoded events or error.
import { masternodeAt, submit } from '../chain.js';
import { h, notice, progressBar, replace } from '../dom.js';
import { formatBytes, formatDuration, parsePrice } from '../format.js';
import { health } from '../sidecar.js';
import { followTranscoding, forgetUpload, registration, rememberForm, rememberedUploads, sendFile, uploadToken } from '../upload.js';

const MAX_REPLICATION = 8; // the runtime's MaxReplication

const field = (label, input, hint) => h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input, hint ? h('span', { class: 'hint' }, hint) : null);

/** Events of the same kind as one line with a count ("content.ContentRegistered ×6"), in order of first sight. */
function eventLines(events) {
  const counts = new Map();
  for (const { section, method } of events) counts.set(`${section}.${method}`, (counts.get(`${section}.${method}`) ?? 0) + 1);
  return [...counts].map(([name, count]) => h('li', { class: 'mono' }, count > 1 ? `${name} ×${count}` : name));
}

/** A step of the upload with a heading, a state line and a body that first says what it does. */
function step(key, heading, explained) {
  const state = h('span', { class: 'step-state muted' }, 'to do');
  const body = h('div', { class: 'step-body' }, h('span', { class: 'hint' }, explained));
  const root = h('li', { class: 'step', dataset: { step: key, state: 'waiting' } }, h('div', { class: 'step-head' }, h('h3', {}, heading), state), body);
  root.set = (kind, text) => {
    root.dataset.state = kind;
    state.textContent = text;
  };
  root.body = body;
  root.start = () => {
    body.replaceChildren();
    return root;
  };
  return root;
}

/** The three steps of an upload, explained before it starts. */
const uploadSteps = () => [
  step('upload', '1 · Upload', 'Sent to this masternode in pieces; a cut connection or a reload resumes where it stopped.'),
  step('transcode', '2 · Adaptive streams', 'The masternode makes H.264 renditions for every screen and link, and a poster.'),
  step('register', '3 · Registration on chain', 'One signature registers the video, its renditions and poster, and replicates them.'),
];

/** Renders the upload page into `root`. */
export async function upload(root, { api, account }) {
  const file = h('input', { type: 'file', id: 'file', accept: 'video/*', required: true });
  const title = h('input', { type: 'text', id: 'title', maxLength: 128, required: true, placeholder: 'What is it called?' });
  const price = h('input', { type: 'text', id: 'price', inputMode: 'decimal', value: '0', placeholder: '0' });
  const replication = h('input', { type: 'number', id: 'replication', min: 1, max: MAX_REPLICATION, value: 2 });
  const submitButton = h('button', { type: 'submit', class: 'button primary', id: 'upload-button' }, 'Upload and register');
  const formError = h('div', { class: 'form-error', role: 'alert' });
  const resumable = h('div', { class: 'resumable' });
  const steps = h('ol', { class: 'steps' }, uploadSteps());
  let remembered = [];
  const drop = h('div', { class: 'drop' }, file, h('div', { class: 'drop-text' }, h('strong', {}, 'Choose a video'), h('span', { class: 'muted' }, ' or drop it here')));

  file.addEventListener('change', () => {
    const chosen = file.files[0];
    drop.classList.toggle('chosen', Boolean(chosen));
    drop.querySelector('.drop-text').replaceChildren(chosen
      ? h('span', {}, h('strong', {}, chosen.name), h('span', { class: 'muted' }, ` · ${formatBytes(chosen.size)}`))
      : h('strong', {}, 'Choose a video'));
    // A file met before gets the title, price and copies chosen then; a new one its name.
    const before = remembered.find((u) => u.metadata?.filename === chosen?.name && Number(u.size) === chosen?.size && u.form);
    if (before) {
      title.value = before.form.title;
      price.value = before.form.priceText;
      replication.value = before.form.replication;
    } else if (chosen && !title.value) title.value = chosen.name.replace(/\.[^.]+$/, '').replace(/[_-]+/g, ' ');
  });
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    file.files = event.dataTransfer.files;
    file.dispatchEvent(new Event('change'));
  });

  const form = h('form', { class: 'upload-form', novalidate: true },
    drop,
    field('Title', title),
    h('div', { class: 'field-row' },
      field('Price per view (POP)', price, '0 makes it free to watch'),
      field('Copies', replication, `masternodes that keep and serve it (1–${MAX_REPLICATION})`)),
    h('div', { class: 'signer' }, account
      ? ['Signing as ', h('strong', {}, account.name), h('span', { class: 'muted' }, account.source === 'dev' ? ' (dev account)' : ` (${account.source})`)]
      : notice('warn', 'Choose an account at the top to upload.')),
    formError,
    submitButton);

  replace(root, h('section', { class: 'page upload' },
    h('div', { class: 'page-head' }, h('h1', {}, 'Upload a video')),
    h('p', { class: 'lead' }, 'Masternodes store your video, make adaptive streams of it for every screen and link, and the chain records it with one signature from you.'),
    resumable,
    h('div', { class: 'upload-layout' }, form, steps)));

  // Uploads this browser left unfinished (or unregistered), offered to resume.
  const showRemembered = async () => {
    remembered = await rememberedUploads().catch(() => []);
    replace(resumable, remembered.length ? notice('info', h('strong', {}, 'Unfinished uploads: '),
      remembered.map((u) => `${u.metadata?.filename ?? 'a file'} (${formatBytes(Number(u.size ?? 0))})`).join(', '),
      '. Choose the same file again to continue where it stopped.') : null);
  };
  await showRemembered();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    formError.textContent = '';
    let choice;
    try {
      const chosen = file.files[0];
      if (!chosen) throw new Error('Choose a video file.');
      if (!account) throw new Error('Choose an account at the top.');
      if (!title.value.trim()) throw new Error('Give the video a title.');
      const copies = Number(replication.value);
      if (!Number.isInteger(copies) || copies < 1 || copies > MAX_REPLICATION) throw new Error(`Copies must be 1 to ${MAX_REPLICATION}.`);
      choice = { file: chosen, title: title.value.trim(), price: parsePrice(price.value), priceText: price.value, replication: copies };
    } catch (error) {
      formError.textContent = error.message;
      return;
    }
    submitButton.disabled = true;
    for (const input of [file, title, price, replication]) input.disabled = true;
    await run(api, account, choice, steps).finally(() => {
      showRemembered();
      submitButton.disabled = false;
      for (const input of [file, title, price, replication]) input.disabled = false;
    });
  });
  return null;
}

/** Uploads, follows the transcoding and registers `choice`, showing each step in `steps`. */
async function run(api, account, choice, steps) {
  const [sending, transcoding, registering] = uploadSteps().map((s) => s.start());
  const uploadBar = progressBar('Uploaded');
  const transcodeBar = progressBar('Transcoded');
  sending.body.append(uploadBar);
  transcoding.body.append(transcodeBar);
  replace(steps, sending, transcoding, registering);
  let current = sending;
  try {
    const { audience } = await health();
    const uploader = await masternodeAt(api, audience);
    if (!uploader) throw new Error(`no masternode names ${audience} as its endpoint, so nothing here can sign a receipt the chain accepts`);
    sending.set('active', 'asking for your signature…');
    const authorization = await uploadToken(account);
    sending.set('active', 'sending…');
    const started = Date.now();
    const { id, url } = await sendFile(choice.file, account, authorization, {
      onCreated: (uploadUrl, resumed) => {
        rememberForm(uploadUrl, { title: choice.title, priceText: choice.priceText, replication: choice.replication });
        if (resumed) sending.set('active', 'resuming where it stopped…');
      },
      onProgress: (sent, total) => {
        const seconds = (Date.now() - started) / 1000;
        uploadBar.set(sent / total, `${formatBytes(sent)} of ${formatBytes(total)}${seconds > 1 ? ` · ${formatBytes(sent / seconds)}/s` : ''}`);
      },
    }).done;
    uploadBar.set(1, formatBytes(choice.file.size));
    sending.set('done', 'stored');

    current = transcoding;
    transcoding.set('active', 'queued…');
    const status = await followTranscoding(id, authorization, (media) => {
      transcodeBar.set(media.progress ?? 0, media.state);
      transcoding.set('active', media.state);
    });
    if (status.media) {
      const { renditions, duration_ms: duration } = status.media;
      transcodeBar.set(1, `${renditions.map((r) => `${r.height}p`).join(' · ')} · ${formatDuration(duration)}`);
      transcoding.set('done', `${renditions.length} renditions and a poster`);
    } else {
      transcodeBar.remove();
      transcoding.set('done', 'not a video: kept as uploaded');
    }

    current = registering;
    registering.set('active', 'waiting for your signature…');
    const tx = registration(api, status, { mime: choice.file.type || 'application/octet-stream', title: choice.title, price: choice.price, replication: choice.replication, uploader });
    const result = await submit(api, tx, account, (text) => registering.set('active', text));
    const outcome = h('div', { class: 'tx-result' },
      h('p', {}, 'In block ', h('strong', { class: 'block-number' }, `#${result.blockNumber}`), h('span', { class: 'muted mono' }, ` ${result.blockHash.slice(0, 18)}…`)),
      h('ul', { class: 'events' }, eventLines(result.events)));
    registering.body.append(outcome);
    if (result.error) {
      registering.set('failed', 'refused');
      outcome.prepend(notice('error', h('strong', {}, 'The chain refused it: '), h('span', { class: 'dispatch-error' }, result.error)));
      return;
    }
    await forgetUpload(url);
    registering.set('done', 'registered');
    outcome.append(status.media
      ? h('a', { class: 'button primary watch-link', href: `#/watch/${status.content}` }, 'Watch it')
      : notice('ok', 'Registered as ', h('span', { class: 'mono' }, status.content)));
  } catch (error) {
    current.set('failed', 'failed');
    current.body.append(notice('error', error.message));
  }
}
