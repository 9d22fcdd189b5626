// How the app shows chain values: amounts of POP both ways, durations, addresses, titles.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatPrice, idHex, idPath, parsePrice, shortAddress, text, truncateUtf8 } from '../src/format.js';

const POP = 10n ** 12n;

describe('format', { timeout: 10_000 }, () => {
  it('shows prices in POP, "Free" for nothing, and reads them back', () => {
    assert.equal(formatPrice(0n), 'Free');
    assert.equal(formatPrice(2n * POP), '2 POP');
    assert.equal(formatPrice(3n * POP / 2n), '1.5 POP');
    assert.equal(formatPrice(1234n * POP + POP / 8n), '1,234.125 POP');
    assert.equal(formatPrice(1n), '0.000000000001 POP', 'a tiny price is not shown as 0');
    assert.equal(parsePrice('1.5'), 3n * POP / 2n);
    assert.equal(parsePrice('0,25'), POP / 4n);
    assert.equal(parsePrice(''), 0n);
    assert.equal(parsePrice('0.000000000001'), 1n);
    for (const bad of ['-1', '1e3', 'abc', '0.0000000000001', '1.2.3']) assert.throws(() => parsePrice(bad), bad);
  });

  it('shows durations as m:ss, and h:mm:ss from an hour', () => {
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(40_000), '0:40');
    assert.equal(formatDuration(61_499), '1:01');
    assert.equal(formatDuration(3_600_000 + 65_000), '1:01:05');
  });

  it('decodes titles as UTF-8 and never shows bytes that are not text', () => {
    assert.equal(text(new TextEncoder().encode('Ünïcode ✓ <b>')), 'Ünïcode ✓ <b>');
    assert.equal(text(new Uint8Array([0xff, 0xfe, 0x00])), 'Untitled');
    assert.equal(text(new Uint8Array([]), 'none'), 'none');
  });

  it('cuts titles to the chain\'s byte limit on a character boundary', () => {
    assert.equal(truncateUtf8('abc', 128), 'abc');
    assert.equal(truncateUtf8('ééé', 5), 'éé');
    assert.equal(new TextEncoder().encode(truncateUtf8('✓'.repeat(100), 128)).length, 126);
  });

  it('shortens addresses, sizes and ids', () => {
    assert.equal(shortAddress('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'), '5Grwva…GKutQY');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(7_016_413), '6.7 MiB');
    assert.equal(idPath(`0x${'ab'.repeat(32)}`), 'ab'.repeat(32));
    assert.equal(idHex('ab'.repeat(32)), `0x${'ab'.repeat(32)}`);
  });
});
