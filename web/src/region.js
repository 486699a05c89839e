// The region every public page shows, chosen once from the public list of regions and kept in the
// address (?region=ID), so a link to a page names its region.
import { ref } from "vue";
import { call } from "./api.js";
import { registryListRegions } from "./client/sdk.gen";

export const regions = ref([]);
export const regionId = ref(null);

export async function loadRegions(wanted) {
  regions.value = await call(registryListRegions);
  const ids = regions.value.map((region) => region.id);
  regionId.value = ids.includes(Number(wanted)) ? Number(wanted) : (ids[0] ?? null);
}
