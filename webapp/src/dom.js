// A few lines instead of a framework: pages are small and rebuilt on navigation, and the only
// live parts (progress bars, player state) are updated in place.

/**
 * Creates element `tag` with `props` (attributes; `on*` functions become listeners; `class`,
 * `dataset` and `style` objects as usual) and `children` (nodes, strings, falsy skipped).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(element.style, value);
    else if (key in element && key !== 'list' && typeof value !== 'string') element[key] = value;
    else element.setAttribute(key, value === true ? '' : value);
  }
  append(element, children);
  return element;
}

/** Appends `children` (nested arrays, nodes, strings; falsy ones skipped) to `parent`. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

/** Replaces the children of `parent` with `children`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** A message box: `kind` is `error`, `warn`, `info` or `ok`. */
export const notice = (kind, ...children) => h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);

/** A progress bar with a label; `set(fraction, text)` updates it. */
export function progressBar(label) {
  const fill = h('div', { class: 'fill' });
  const text = h('span', { class: 'progress-text' }, '0 %');
  const bar = h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': label }, fill);
  const root = h('div', { class: 'progress-row' }, h('span', { class: 'progress-label' }, label), bar, text);
  root.set = (fraction, extra) => {
    const percent = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
    fill.style.width = `${percent}%`;
    bar.setAttribute('aria-valuenow', String(percent));
    bar.dataset.percent = String(percent);
    text.textContent = extra ? `${percent} % · ${extra}` : `${percent} %`;
  };
  return root;
}
