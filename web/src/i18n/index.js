// The label catalogue: every word the portal shows, in zh and en (labels.json). Chinese first;
// the chosen language is kept in localStorage (a preference, never a credential).
import { computed, ref } from "vue";
import labels from "./labels.json";

const STORAGE_KEY = "reclaim.lang";
export const LANGUAGES = ["zh", "en"];
/** Each language by its own name, as language switches show them (never translated). */
export const LANGUAGE_NAMES = { zh: "中文", en: "English" };
export const lang = ref(LANGUAGES.includes(localStorage.getItem(STORAGE_KEY)) ? localStorage.getItem(STORAGE_KEY) : "zh");

export function setLang(value) {
  lang.value = value;
  localStorage.setItem(STORAGE_KEY, value);
  document.documentElement.lang = value === "zh" ? "zh-CN" : "en";
}

export function t(key) {
  const entry = labels[key];
  if (!entry) throw new Error(`label ${key} is not in the catalogue`);
  return entry[lang.value];
}

export const isZh = computed(() => lang.value === "zh");

/** The label of an API enum value (`mode`, `deal_state`, `use_class`…): `kind.value` in the
 * catalogue; a value the catalogue lacks shows as sent, marked, rather than breaking the page. */
export function label(kind, value) {
  const entry = labels[`${kind}.${value}`];
  return entry ? entry[lang.value] : `${value}?`;
}
