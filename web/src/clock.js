// The exchange's clock on a page: publicity (公示) countdowns run on the exchange's time (`as_of`
// of its public board, which a test service may hold still), not the reader's, ticking each second.
import { onBeforeUnmount, ref } from "vue";

/** `{ now, setFrom }`: `now` (ms since the epoch) follows the exchange's clock once `setFrom` is
 * given the exchange's `as_of`; the ticker stops with the page. */
export function useExchangeClock() {
  let offsetMs = 0;
  const now = ref(Date.now());
  const ticker = setInterval(() => (now.value = Date.now() + offsetMs), 1000);
  onBeforeUnmount(() => clearInterval(ticker));
  function setFrom(asOf) {
    offsetMs = Date.parse(asOf) - Date.now();
    now.value = Date.now() + offsetMs;
  }
  return { now, setFrom };
}
