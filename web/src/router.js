// Hash routes keep the portal's pages apart from the API's paths, which share the server's root.
import { createRouter, createWebHashHistory } from "vue-router";
import LedgerPage from "./pages/LedgerPage.vue";
import NoticesPage from "./pages/NoticesPage.vue";
import PricesPage from "./pages/PricesPage.vue";
import TradesPage from "./pages/TradesPage.vue";

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: "/", redirect: "/prices" },
    { path: "/prices", component: PricesPage },
    { path: "/trades", component: TradesPage },
    { path: "/notices", component: NoticesPage },
    { path: "/ledger", component: LedgerPage },
  ],
});
