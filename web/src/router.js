// Hash routes keep the portal's pages apart from the API's paths, which share the server's root.
import { createRouter, createWebHashHistory } from "vue-router";
import PublicPage from "./pages/PublicPage.vue";

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: "/", redirect: "/public" },
    { path: "/public", component: PublicPage },
  ],
});
