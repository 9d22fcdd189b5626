// How chain values read to a person: POP amounts, durations, short addresses, titles as text.
import { u8aToHex } from '@polkadot/util';

/** The chain's token, as its `system_properties` name it (set at connect). */
let unit = { decimals: 12, symbol: 'POP' };

/** Sets the token's decimals and symbol from the chain's properties. */
export function setUnit(decimals, symbol) {
  unit = { decimals, symbol };
}

/** `planck` (bigint) as POP: "Free" for 0, else up to 4 decimals (more if that shows nothing). */
export function formatPrice(planck) {
  if (planck === 0n) return 'Free';
  const scale = 10n ** BigInt(unit.decimals);
  const whole = planck / scale;
  const fraction = (planck % scale).toString().padStart(unit.decimals, '0');
  let shown = fraction.slice(0, 4).replace(/0+$/, '');
  if (!shown && whole === 0n) shown = fraction.replace(/0+$/, '');
  return `${whole.toLocaleString('en-US')}${shown ? `.${shown}` : ''} ${unit.symbol}`;
}

/** A decimal POP amount typed by a person ("1.5") as planck; throws on anything else. */
export function parsePrice(text) {
  const trimmed = String(text).trim() || '0';
  const match = trimmed.match(/^(\d+)(?:[.,](\d+))?$/);
  if (!match) throw new Error(`"${text}" is not an amount of ${unit.symbol}`);
  const [, whole, fraction = ''] = match;
  if (fraction.length > unit.decimals) throw new Error(`${unit.symbol} has ${unit.decimals} decimals at most`);
  return BigInt(whole) * 10n ** BigInt(unit.decimals) + BigInt(fraction.padEnd(unit.decimals, '0'));
}

/** `ms` as m:ss, or h:mm:ss from an hour on. */
export function formatDuration(ms) {
  const total = Math.round(Number(ms) / 1000);
  const seconds = String(total % 60).padStart(2, '0');
  const minutes = Math.floor(total / 60) % 60;
  const hours = Math.floor(total / 3600);
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** An SS58 address as its first and last six characters. */
export const shortAddress = (address) => (address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-6)}` : address);

/** A byte count as B, KiB, MiB or GiB. */
export function formatBytes(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = Number(bytes);
  let index = 0;
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024;
    index += 1;
  }
  return `${value.toFixed(index && value < 10 ? 1 : 0)} ${units[index]}`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes from the chain as text; bytes that are not UTF-8 give `fallback`, never hex. */
export function text(bytes, fallback = 'Untitled') {
  try {
    const decoded = utf8.decode(bytes instanceof Uint8Array ? bytes : bytes.toU8a(true)).trim();
    return decoded || fallback;
  } catch {
    return fallback;
  }
}

/** `text` cut to at most `max` UTF-8 bytes on a character boundary (chain limits are bytes). */
export function truncateUtf8(value, max) {
  const encoder = new TextEncoder();
  let result = '';
  for (const char of value) {
    if (encoder.encode(result + char).length > max) break;
    result += char;
  }
  return result;
}

/** A content id (`0x`-hex string, or bytes) as the bare hex the sidecar's paths take. */
export const idPath = (id) => (typeof id === 'string' ? id : u8aToHex(id)).replace(/^0x/, '');

/** A content id as `0x`-hex. */
export const idHex = (id) => `0x${idPath(id)}`;
