import { randomUUID } from 'node:crypto';
import type { Clock } from '../../common/clock.js';
import { randomIds, type IdGenerator } from '../../common/ids.js';

/**
 * Run and activity-run ids as time-ordered UUIDs (RFC 9562 version 7: 48-bit millisecond time, a 12-bit
 * counter, 62 random bits). They are GUIDs like ADF's, but consecutive ids sort together, so the runs tables'
 * primary-key indexes grow at their right edge: with random (v4) keys every insert lands on a random index page
 * and each write-behind flush rewrites a page per record, which made persisting a record several times dearer
 * than producing it once the tables held some 100,000 runs.
 */
export function timeOrderedIds(clock: Clock): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  let prefix = '';
  let tail = '';
  return {
    uuid() {
      const now = clock.now();
      if (now > lastMs) {
        lastMs = now;
        counter = 0;
      } else if (++counter > 0xfff) {
        // More than 4,096 ids in one millisecond (or a fixed clock): borrow from the next one, keeping order.
        lastMs++;
        counter = 0;
      }
      if (counter === 0) {
        const t = lastMs.toString(16).padStart(12, '0');
        prefix = `${t.slice(0, 8)}-${t.slice(8, 12)}-7`;
        // randomUUID's last 17 characters are random except the RFC variant nibble, which v7 shares with v4.
        // Drawn once per millisecond: within it the counter tells ids apart, across processes the random bits.
        tail = randomUUID().slice(18);
      }
      return `${prefix}${(0x1000 + counter).toString(16).slice(1)}${tail}`;
    },
    hex32: randomIds.hex32,
  };
}
