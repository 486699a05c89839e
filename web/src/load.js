// What every page does to fetch its data: clear the last failure, run the calls, and keep the
// refusal's text for the page's error alert (LoadFailure) instead of letting it escape.
import { ref } from "vue";

/** `{ failure, load }`: `load()` runs `fetch` and leaves its refusal text in `failure` ("" when
 * it worked). */
export function useLoad(fetch) {
  const failure = ref("");
  async function load() {
    failure.value = "";
    try {
      await fetch();
    } catch (error) {
      failure.value = error.message;
    }
  }
  return { failure, load };
}
